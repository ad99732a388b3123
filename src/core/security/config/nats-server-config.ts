// A nats-server configuration file read for Wharf (`--nats-config FILE`): what each key means to
// nats-server, turned into Wharf's options by flag name, as raw values that the options table's
// own parsers then check (src/config.ts). The keys Wharf serves: listen/host/port, http (the
// monitoring port), server_name, the limits (max_payload, max_connections, ping_interval, ...),
// mappings, `authorization` (token, user/password, users with permissions, default_permissions,
// timeout), `accounts` (users, exports and imports of streams and services, default_permissions,
// jetstream), no_auth_user, system_account, nkey users, `operator` with `resolver: MEMORY` and
// `resolver_preload`, `tls`, and `jetstream` (store_dir, max_memory_store, max_file_store, domain,
// strict). A key Wharf does not serve is an error naming it, never silently ignored; keys that
// only shape nats-server's own log lines or cluster bookkeeping are warnings.
//
// Values follow nats-server's readings: a bare number for a duration is seconds, a string is a Go
// duration ("2m", "1h30m", "500ms"); sizes are numbers (the syntax expands 1MB) or strings with
// units; `listen` is "host:port", ":port" or "port".
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parseGoDurationSeconds } from '../../streams/go-duration.js';
import type { Permissions, ResponsePermission, SubjectPermission } from '../principal.js';
import { UNLIMITED_JETSTREAM, type AccountExport, type AccountImport, type JetStreamAccountLimits, type NatsAccount, type NatsUser } from '../nats-users.js';
import { ConfSyntaxError, isUsedVariable, parseNatsConfFile, type ConfObject, type ConfValue } from './nats-conf.js';

/** A setting the file holds that Wharf cannot honour, or a value nats-server would refuse. */
export class NatsConfigError extends Error {
  override name = 'NatsConfigError';
}

export interface NatsServerConfig {
  /** Wharf option values by flag name, raw (checked by the options table's parsers). */
  options: Record<string, unknown>;
  /** The file's key each option came from (for error messages in the file's own terms). */
  sources: Record<string, string>;
  /** Settings accepted without effect, each named, for the log. */
  warnings: string[];
}

/** Keys that only change nats-server's logging or internal bookkeeping: accepted with a warning. */
const WARN_ONLY = new Set([
  'logtime', 'logtime_utc', 'connect_error_reports', 'reconnect_error_reports', 'disable_sublist_cache',
  'no_sublist_cache', 'max_traced_msg_len', 'trace_verbose', 'trace_headers', 'server_tags', 'server_metadata',
  'no_fast_producer_stall', 'max_closed_clients',
]);

/** Keys whose feature Wharf does not have: refused with the feature's name. */
const UNSUPPORTED: Record<string, string> = {
  cluster: 'clustering (Wharf is one node)',
  routes: 'clustering (Wharf is one node)',
  gateway: 'gateways',
  leafnodes: 'leaf nodes',
  leaf: 'leaf nodes',
  websocket: 'websockets',
  ws: 'websockets',
  mqtt: 'MQTT',
  ocsp: 'OCSP stapling',
  ocsp_cache: 'OCSP stapling',
  no_header_support: 'disabling headers',
  auth_callout: 'auth callout',
  proxy_protocol: 'the PROXY protocol',
  proxies: 'trusted proxies',
  log_file: 'log files (Wharf logs to stdout)',
  logfile: 'log files (Wharf logs to stdout)',
  syslog: 'syslog (Wharf logs to stdout)',
  remote_syslog: 'syslog (Wharf logs to stdout)',
  prof_port: 'the profiling port',
  default_sentinel: 'sentinel JWTs',
  resolver_tls: 'the URL resolver',
};

type Scalar = string | number | boolean;

function isBlock(v: ConfValue | undefined): v is ConfObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalar(v: ConfValue, key: string): Scalar {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new NatsConfigError(`${key}: expected a single value`);
}

function str(v: ConfValue, key: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new NatsConfigError(`${key}: expected a string, got ${JSON.stringify(v)}`);
}

function bool(v: ConfValue, key: string): boolean {
  if (typeof v === 'boolean') return v;
  throw new NatsConfigError(`${key}: expected a boolean, got ${JSON.stringify(v)}`);
}

function int(v: ConfValue, key: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new NatsConfigError(`${key}: expected an integer, got ${JSON.stringify(v)}`);
}

/** A duration as nats-server reads it: a number of seconds, or a Go duration string; as "<ms>ms". */
export function natsDuration(v: ConfValue, key: string): string {
  if (typeof v === 'number' && v >= 0) return `${Math.round(v * 1000)}ms`;
  if (typeof v === 'string') {
    const secs = parseGoDurationSeconds(v.trim());
    if (secs !== null && secs >= 0) return `${Math.round(secs * 1000)}ms`;
  }
  throw new NatsConfigError(`${key}: expected a duration such as "2m" or a number of seconds, got ${JSON.stringify(v)}`);
}

/** "host:port", ":port", "port" or a number: [host or undefined, port]; -1 is a random port, as 0 is. */
function hostPort(v: ConfValue, key: string): [string | undefined, number] {
  const s = str(v, key).trim();
  const m = /^(?:\[?([^\]]*?)\]?:)?(-?\d+)$/.exec(s);
  if (m === null) throw new NatsConfigError(`${key}: could not parse address string ${JSON.stringify(s)}`);
  const port = Number(m[2]);
  return [m[1] === undefined || m[1] === '' ? undefined : m[1], port === -1 ? 0 : port];
}

function strings(v: ConfValue, key: string): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map((e, n) => str(e, `${key}[${n}]`));
  throw new NatsConfigError(`${key}: expected a subject or a list of subjects`);
}

function subjectPermission(v: ConfValue, key: string): SubjectPermission {
  if (!isBlock(v)) return { allow: strings(v, key) };
  const out: { allow?: string[]; deny?: string[] } = {};
  for (const [k, e] of Object.entries(v)) {
    if (k === 'allow') out.allow = strings(e, `${key}.allow`);
    else if (k === 'deny') out.deny = strings(e, `${key}.deny`);
    else throw new NatsConfigError(`${key}: unknown field "${k}" parsing permissions`);
  }
  return out;
}

function responsePermission(v: ConfValue, key: string): ResponsePermission | undefined {
  if (typeof v === 'boolean') return v ? { maxMsgs: 0, expiresMs: 0 } : undefined;
  if (!isBlock(v)) throw new NatsConfigError(`${key}: error parsing response permissions, expected a boolean or a map`);
  let maxMsgs = 0;
  let expiresMs = 0;
  for (const [k, e] of Object.entries(v)) {
    if (k === 'max' || k === 'max_msgs' || k === 'max_messages' || k === 'max_responses') maxMsgs = int(e, `${key}.${k}`);
    else if (k === 'expires' || k === 'expiration' || k === 'ttl') {
      if (typeof e !== 'string') throw new NatsConfigError(`${key}: error parsing expires, not a duration string`);
      const secs = parseGoDurationSeconds(e);
      if (secs === null) throw new NatsConfigError(`${key}: error parsing expires: invalid duration ${JSON.stringify(e)}`);
      expiresMs = Math.round(secs * 1000);
    } else throw new NatsConfigError(`${key}: unknown field "${k}" parsing permissions`);
  }
  return { maxMsgs, expiresMs };
}

/** A `permissions` block: publish/subscribe as a subject, a list, or {allow, deny}; allow_responses. */
export function permissionsOf(v: ConfValue, key: string): Permissions {
  if (!isBlock(v)) throw new NatsConfigError(`${key}: expected permissions to be a map/struct, got ${JSON.stringify(v)}`);
  let publish: SubjectPermission | undefined;
  let subscribe: SubjectPermission | undefined;
  let responses: ResponsePermission | undefined;
  for (const [k, e] of Object.entries(v)) {
    if (k === 'pub' || k === 'publish' || k === 'import') publish = subjectPermission(e, `${key}.${k}`);
    else if (k === 'sub' || k === 'subscribe' || k === 'export') subscribe = subjectPermission(e, `${key}.${k}`);
    else if (k === 'publish_allow_responses' || k === 'allow_responses') responses = responsePermission(e, `${key}.${k}`);
    else if (!isUsedVariable(v, k)) throw new NatsConfigError(`${key}: unknown field "${k}" parsing permissions`);
  }
  return {
    ...(publish !== undefined ? { publish } : {}),
    ...(subscribe !== undefined ? { subscribe } : {}),
    ...(responses !== undefined ? { responses } : {}),
  };
}

const NKEY_USER = /^U[A-Z2-7]{55}$/;
const NKEY_ACCOUNT = /^A[A-Z2-7]{55}$/;

function usersOf(v: ConfValue, key: string, account: string | undefined): NatsUser[] {
  if (!Array.isArray(v)) throw new NatsConfigError(`${key}: expected users field to be an array, got ${JSON.stringify(v)}`);
  return v.map((entry, n) => {
    const at = `${key}[${n}]`;
    if (!isBlock(entry)) throw new NatsConfigError(`${at}: expected user entry to be a map/struct`);
    const u: { user?: string; password?: string; nkey?: string; permissions?: Permissions; account?: string } = {};
    for (const [k, e] of Object.entries(entry)) {
      if (k === 'user' || k === 'username') u.user = str(e, `${at}.${k}`);
      else if (k === 'pass' || k === 'password') u.password = str(e, `${at}.${k}`);
      else if (k === 'nkey') u.nkey = str(e, `${at}.${k}`);
      else if (k === 'permission' || k === 'permissions' || k === 'authorization') u.permissions = permissionsOf(e, `${at}.${k}`);
      else if (k === 'allowed_connection_types' || k === 'connection_types' || k === 'clients') {
        const types = strings(e, `${at}.${k}`).map((t) => t.toUpperCase());
        if (!types.every((t) => t === 'STANDARD')) throw new NatsConfigError(`${at}.${k}: only STANDARD connections exist in Wharf, got ${types.join(', ')}`);
      } else throw new NatsConfigError(`${at}: unknown field "${k}" in a user entry`);
    }
    if (u.nkey !== undefined) {
      if (!NKEY_USER.test(u.nkey)) throw new NatsConfigError(`${at}: not a valid public nkey for a user`);
      if (u.user !== undefined || u.password !== undefined) throw new NatsConfigError(`${at}: nkey users do not take usernames or passwords`);
    } else if (u.user === undefined) throw new NatsConfigError(`${at}: user entry requires a user`);
    if (account !== undefined) u.account = account;
    return u;
  });
}

const RESPONSE_TYPES: Record<string, AccountExport['responseType']> = { singleton: 'Singleton', stream: 'Stream', chunked: 'Chunked' };

function exportsOf(v: ConfValue, key: string): AccountExport[] {
  if (!Array.isArray(v)) throw new NatsConfigError(`${key}: exports should be an array, got ${JSON.stringify(v)}`);
  return v.map((entry, n) => {
    const at = `${key}[${n}]`;
    if (!isBlock(entry)) throw new NatsConfigError(`${at}: export items should be a map with type entry`);
    let kind: 'stream' | 'service' | undefined;
    let subject = '';
    let accounts: string[] | undefined;
    let responseType: AccountExport['responseType'];
    for (const [k, e] of Object.entries(entry)) {
      if (k === 'stream' || k === 'service') {
        if (kind !== undefined) throw new NatsConfigError(`${at}: detected both stream and service on the same export`);
        kind = k;
        subject = str(e, `${at}.${k}`);
      } else if (k === 'accounts') accounts = strings(e, `${at}.accounts`);
      else if (k === 'response' || k === 'response_type') {
        responseType = RESPONSE_TYPES[str(e, `${at}.${k}`).toLowerCase()];
        if (responseType === undefined) throw new NatsConfigError(`${at}: unknown response type ${JSON.stringify(e)}`);
      } else throw new NatsConfigError(`${at}: unknown field "${k}" in an export`);
    }
    if (kind === undefined) throw new NatsConfigError(`${at}: export needs a stream or a service subject`);
    if (kind === 'stream' && responseType !== undefined) throw new NatsConfigError(`${at}: detected response directive on non-service`);
    return { kind, subject, ...(accounts !== undefined ? { accounts } : {}), ...(responseType !== undefined ? { responseType } : {}) };
  });
}

function importsOf(v: ConfValue, key: string): AccountImport[] {
  if (!Array.isArray(v)) throw new NatsConfigError(`${key}: imports should be an array, got ${JSON.stringify(v)}`);
  return v.map((entry, n) => {
    const at = `${key}[${n}]`;
    if (!isBlock(entry)) throw new NatsConfigError(`${at}: import items should be a map with type entry`);
    let kind: 'stream' | 'service' | undefined;
    let account = '';
    let subject = '';
    let to: string | undefined;
    let prefix: string | undefined;
    for (const [k, e] of Object.entries(entry)) {
      if (k === 'stream' || k === 'service') {
        if (kind !== undefined) throw new NatsConfigError(`${at}: detected both stream and service on the same import`);
        kind = k;
        if (!isBlock(e)) throw new NatsConfigError(`${at}.${k}: expected {account, subject}`);
        for (const [ik, iv] of Object.entries(e)) {
          if (ik === 'account') account = str(iv, `${at}.${k}.account`);
          else if (ik === 'subject') subject = str(iv, `${at}.${k}.subject`);
          else throw new NatsConfigError(`${at}.${k}: unknown field "${ik}"`);
        }
      } else if (k === 'to') to = str(e, `${at}.to`);
      else if (k === 'prefix') prefix = str(e, `${at}.prefix`);
      else throw new NatsConfigError(`${at}: unknown field "${k}" in an import`);
    }
    if (kind === undefined) throw new NatsConfigError(`${at}: import needs a stream or a service`);
    if (account === '' || subject === '') throw new NatsConfigError(`${at}: an import needs an account and a subject`);
    if (kind === 'service' && prefix !== undefined) throw new NatsConfigError(`${at}: a service import takes "to", not "prefix"`);
    return { kind, account, subject, ...(to !== undefined ? { to } : {}), ...(prefix !== undefined ? { prefix } : {}) };
  });
}

function accountsOf(v: ConfValue, key: string): Record<string, NatsAccount> {
  const out: Record<string, NatsAccount> = {};
  if (Array.isArray(v)) {
    for (const name of v) out[str(name, key)] = {};
    return out;
  }
  if (!isBlock(v)) throw new NatsConfigError(`${key}: expected a map of accounts or a list of names`);
  for (const [name, body] of Object.entries(v)) {
    if (isUsedVariable(v, name)) continue;
    if (name === '$G') throw new NatsConfigError(`${key}: "$G" is a Reserved Account`);
    const at = `${key}.${name}`;
    if (!isBlock(body)) throw new NatsConfigError(`${at}: expected map entries for accounts`);
    const a: { users?: NatsUser[]; exports?: AccountExport[]; imports?: AccountImport[]; defaultPermissions?: Permissions; jetstream?: boolean; jetstreamLimits?: JetStreamAccountLimits } = {};
    for (const [k, e] of Object.entries(body)) {
      if (k === 'users') a.users = usersOf(e, `${at}.users`, name);
      else if (k === 'exports') a.exports = exportsOf(e, `${at}.exports`);
      else if (k === 'imports') a.imports = importsOf(e, `${at}.imports`);
      else if (k === 'default_permissions') a.defaultPermissions = permissionsOf(e, `${at}.default_permissions`);
      else if (k === 'jetstream') {
        if (typeof e === 'boolean') a.jetstream = e;
        else if (typeof e === 'string' && /^(enabled?|disabled?)$/i.test(e)) a.jetstream = /^enabled?$/i.test(e);
        else if (isBlock(e)) {
          a.jetstream = true;
          a.jetstreamLimits = accountJetStreamLimits(e, `${at}.jetstream`);
        }
        else throw new NatsConfigError(`${at}.jetstream: expected enabled, disabled or a boolean`);
      } else if (k === 'nkey') {
        if (!NKEY_ACCOUNT.test(str(e, `${at}.nkey`))) throw new NatsConfigError(`${at}: not a valid public nkey for an account`);
        throw new NatsConfigError(`${at}.nkey: account nkeys outside operator mode are not supported by Wharf`);
      } else if (!isUsedVariable(body, k)) throw new NatsConfigError(`${at}: "${k}" is not supported by Wharf in an account`);
    }
    out[name] = a;
  }
  return out;
}

/**
 * An account's `jetstream { … }` block, with nats-server's key names and aliases
 * (parseJetStreamForAccount); what it does not set is unlimited.
 */
function accountJetStreamLimits(v: ConfObject, at: string): JetStreamAccountLimits {
  const l: { -readonly [K in keyof JetStreamAccountLimits]: JetStreamAccountLimits[K] } = { ...UNLIMITED_JETSTREAM };
  for (const [k, e] of Object.entries(v)) {
    const key = `${at}.${k}`;
    const lk = k.toLowerCase();
    if (['max_memory', 'max_mem', 'mem', 'memory'].includes(lk)) l.maxMemory = int(e, key);
    else if (['max_store', 'max_file', 'max_disk', 'store', 'disk'].includes(lk)) l.maxStorage = int(e, key);
    else if (['max_streams', 'streams'].includes(lk)) l.maxStreams = int(e, key);
    else if (['max_consumers', 'consumers'].includes(lk)) l.maxConsumers = int(e, key);
    else if (['max_bytes_required', 'max_stream_bytes', 'max_bytes'].includes(lk)) l.maxBytesRequired = bool(e, key);
    else if (['mem_max_stream_bytes', 'memory_max_stream_bytes'].includes(lk)) l.memoryMaxStreamBytes = int(e, key);
    else if (['disk_max_stream_bytes', 'store_max_stream_bytes'].includes(lk)) l.storageMaxStreamBytes = int(e, key);
    else if (lk === 'max_ack_pending') l.maxAckPending = int(e, key);
    else if (!isUsedVariable(v, k)) throw new NatsConfigError(`${key}: unknown or unsupported JetStream account setting`);
  }
  return l;
}

function applyAuthorization(v: ConfValue, out: NatsServerConfig): void {
  if (!isBlock(v)) throw new NatsConfigError('authorization: expected a block');
  let users: NatsUser[] | undefined;
  for (const [k, e] of Object.entries(v)) {
    const at = `authorization.${k}`;
    if (k === 'user' || k === 'username') out.options.user = str(e, at);
    else if (k === 'pass' || k === 'password') out.options.pass = str(e, at);
    else if (k === 'token') out.options['auth-token'] = str(e, at);
    else if (k === 'timeout') out.options['auth-timeout'] = natsDuration(e, at);
    else if (k === 'users') users = usersOf(e, at, undefined);
    else if (k === 'default_permission' || k === 'default_permissions' || k === 'permissions') out.options['nats-default-permissions'] = permissionsOf(e, at);
    else if (k === 'auth_callout' || k === 'auth_hook') throw new NatsConfigError(`${at}: auth callout is not supported by Wharf`);
    else if (!isUsedVariable(v, k)) throw new NatsConfigError(`${at}: unknown or unsupported authorization setting`);
  }
  const single = out.options.user !== undefined || out.options.pass !== undefined;
  if (single && out.options['auth-token'] !== undefined) throw new NatsConfigError('authorization: Cannot have a user/pass and token');
  if (users !== undefined) {
    if (single) throw new NatsConfigError('authorization: Can not have a single user/pass and a users array');
    if (out.options['auth-token'] !== undefined) throw new NatsConfigError('authorization: Can not have a token and a users array');
    out.options['nats-users'] = users;
  }
}

/** Reads a file named by a key, relative to the configuration file. */
function readBeside(base: string | undefined, path: string, key: string): string {
  const full = isAbsolute(path) || base === undefined ? path : join(dirname(base), path);
  try {
    return readFileSync(full, 'utf8');
  } catch (err) {
    throw new NatsConfigError(`${key}: cannot read ${full}: ${(err as Error).message}`);
  }
}

/** The JWT in a string that is a JWT, or in a file holding one (a creds-style file, or a bare JWT). */
function jwtOf(base: string | undefined, v: string, key: string): string {
  const text = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(v.trim()) ? v.trim() : readBeside(base, v, key);
  const m = /-----BEGIN [A-Z ]*JWT-----\s*([^\s-]+)\s*------END/.exec(text);
  const jwt = (m !== null ? m[1]! : text).trim();
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(jwt)) throw new NatsConfigError(`${key}: not a JWT`);
  return jwt;
}

function pathBeside(base: string | undefined, path: string): string {
  return isAbsolute(path) || base === undefined ? path : join(dirname(base), path);
}

function applyTls(v: ConfValue, out: NatsServerConfig, base: string | undefined): void {
  if (!isBlock(v)) throw new NatsConfigError('tls: expected a block');
  for (const [k, e] of Object.entries(v)) {
    const at = `tls.${k}`;
    switch (k) {
      case 'cert_file':
        out.options['tls-cert'] = pathBeside(base, str(e, at));
        break;
      case 'key_file':
        out.options['tls-key'] = pathBeside(base, str(e, at));
        break;
      case 'ca_file':
        out.options['tls-ca'] = pathBeside(base, str(e, at));
        break;
      case 'verify':
        if (bool(e, at)) out.options['tls-verify'] = true;
        break;
      case 'verify_and_map':
        if (bool(e, at)) {
          out.options['tls-verify'] = true;
          out.options['tls-map'] = true;
        }
        break;
      case 'timeout':
        out.options['tls-timeout'] = natsDuration(e, at);
        break;
      case 'handshake_first':
      case 'first':
      case 'immediate':
        if (typeof e === 'boolean') out.options['tls-handshake-first'] = e;
        else if (typeof e === 'string' && /^(auto|auto_fallback)$/i.test(e)) throw new NatsConfigError(`${at}: "${e}" (a fallback to plain TLS upgrade) is not supported by Wharf; use true or false`);
        else throw new NatsConfigError(`${at}: expected a boolean`);
        break;
      case 'min_version':
        if (!/^1\.[23]$/.test(str(e, at))) throw new NatsConfigError(`${at}: Wharf serves TLS 1.2 and 1.3 only`);
        out.options['tls-min-version'] = `TLSv${str(e, at)}`;
        break;
      case 'insecure':
        if (bool(e, at)) throw new NatsConfigError(`${at}: skipping verification is not supported by Wharf`);
        break;
      default:
        throw new NatsConfigError(`${at}: unknown or unsupported TLS setting`);
    }
  }
}

function applyJetStream(v: ConfValue, out: NatsServerConfig, base: string | undefined): void {
  if (typeof v === 'boolean' || typeof v === 'string') {
    const s = String(v).toLowerCase();
    if (!/^(true|enabled?|false|disabled?)$/.test(s)) throw new NatsConfigError(`jetstream: expected a block, enabled or disabled, got ${JSON.stringify(v)}`);
    out.options.jetstream = /^(true|enabled?)$/.test(s);
    return;
  }
  if (!isBlock(v)) throw new NatsConfigError('jetstream: expected a block');
  out.options.jetstream = true;
  for (const [k, e] of Object.entries(v)) {
    const at = `jetstream.${k}`;
    if (k === 'enabled' || k === 'enable') out.options.jetstream = bool(e, at);
    else if (k === 'store_dir' || k === 'storedir' || k === 'store') out.options['data-dir'] = pathBeside(base, str(e, at));
    else if (k === 'max_memory_store' || k === 'max_mem_store' || k === 'max_mem') out.options['js-max-memory'] = scalar(e, at);
    else if (k === 'max_file_store' || k === 'max_file') out.options['js-max-storage'] = scalar(e, at);
    else if (k === 'domain') out.options['js-domain'] = str(e, at);
    else if (k === 'strict') out.options['js-strict'] = bool(e, at);
    else if (k === 'sync_interval' || k === 'sync') {
      if (e === 'always') out.options.fsync = 'always';
      else {
        out.options.fsync = 'interval';
        // A bare number is nanoseconds here, as nats-server reads sync_interval.
        out.options['fsync-interval'] = typeof e === 'number' ? `${Math.max(1, Math.round(e / 1e6))}ms` : natsDuration(e, at);
      }
    } else if (k === 'limits') throw new NatsConfigError(`${at}: server-wide JetStream limits (max_ack_pending, max_request_batch, ...) are not supported by Wharf`);
    else throw new NatsConfigError(`${at}: unknown or unsupported JetStream setting`);
  }
}

function applyOperator(conf: ConfObject, out: NatsServerConfig, base: string | undefined): void {
  const opKey = ['operator', 'operators', 'roots', 'root', 'root_operators', 'root_operator'].find((k) => conf[k] !== undefined);
  const resKey = ['resolver', 'account_resolver', 'accounts_resolver'].find((k) => conf[k] !== undefined);
  const preload = conf.resolver_preload;
  if (opKey === undefined) {
    if (resKey !== undefined || preload !== undefined) throw new NatsConfigError(`${resKey ?? 'resolver_preload'}: a resolver needs an operator`);
    return;
  }
  const ops = conf[opKey]!;
  const operators = (Array.isArray(ops) ? ops : [ops]).map((o, n) => jwtOf(base, str(o, `${opKey}[${n}]`), opKey));
  if (resKey === undefined) throw new NatsConfigError(`${opKey}: operator mode needs a resolver (Wharf serves resolver: MEMORY)`);
  const res = conf[resKey]!;
  if (typeof res !== 'string' || res.toUpperCase() !== 'MEMORY') {
    throw new NatsConfigError(`${resKey}: only the MEMORY resolver is supported by Wharf, got ${JSON.stringify(res)}`);
  }
  const resolverPreload: Record<string, string> = {};
  if (preload !== undefined) {
    if (!isBlock(preload)) throw new NatsConfigError('resolver_preload: expected a map of account public keys to JWTs');
    for (const [acc, jwt] of Object.entries(preload)) {
      if (!NKEY_ACCOUNT.test(acc)) throw new NatsConfigError(`resolver_preload: ${JSON.stringify(acc)} is not an account public key`);
      resolverPreload[acc] = jwtOf(base, str(jwt, `resolver_preload.${acc}`), `resolver_preload.${acc}`);
    }
  }
  out.options['nats-operator'] = { operators, resolverPreload };
}

/** Maps a parsed configuration (`file`: where it came from, for relative paths). */
export function mapNatsServerConfig(conf: ConfObject, file?: string): NatsServerConfig {
  const out: NatsServerConfig = { options: {}, sources: {}, warnings: [] };
  applyOperator(conf, out, file);
  for (const [key, v] of Object.entries(conf)) {
    if (isUsedVariable(conf, key)) continue;
    const before = new Set(Object.keys(out.options));
    mapKey(key, v, out, file);
    for (const flag of Object.keys(out.options)) if (!before.has(flag)) out.sources[flag] = key;
  }
  const sys = out.options['system-account'];
  const op = out.options['nats-operator'];
  if (sys !== undefined && typeof op === 'object' && op !== null) {
    out.options['nats-operator'] = { ...op, systemAccount: sys };
    delete out.options['system-account'];
  }
  return out;
}

function mapKey(key: string, v: ConfValue, out: NatsServerConfig, file: string | undefined): void {
  const k = key.toLowerCase();
  if (WARN_ONLY.has(k)) {
    out.warnings.push(`${key}: has no effect in Wharf`);
    return;
  }
  const feature = UNSUPPORTED[k];
  if (feature !== undefined) throw new NatsConfigError(`${key}: ${feature} is not supported by Wharf`);
  switch (k) {
    case 'listen': {
      const [h, p] = hostPort(v, key);
      if (h !== undefined) out.options['nats-host'] = h;
      out.options.port = p;
      break;
    }
    case 'host':
    case 'net':
      out.options['nats-host'] = str(v, key);
      break;
    case 'port':
      out.options.port = int(v, key) === -1 ? 0 : int(v, key);
      break;
    case 'client_advertise':
      out.warnings.push(`${key}: no cluster to advertise to, ignored`);
      break;
    case 'server_name':
      out.options['server-name'] = str(v, key);
      break;
    case 'debug':
      if (bool(v, key)) out.options['log-level'] ??= 'debug';
      break;
    case 'trace':
      if (bool(v, key)) out.options['log-level'] = 'trace';
      break;
    case 'http':
    case 'https': {
      const [h, p] = hostPort(v, key);
      if (h !== undefined) out.options['http-host'] = h;
      out.options['http-port'] = p;
      if (k === 'https') out.options['http-tls'] = true;
      break;
    }
    case 'http_port':
    case 'monitor_port':
      out.options['http-port'] = int(v, key) === -1 ? 0 : int(v, key);
      break;
    case 'https_port':
      out.options['http-port'] = int(v, key) === -1 ? 0 : int(v, key);
      out.options['http-tls'] = true;
      break;
    case 'max_payload':
    case 'max_control_line':
    case 'max_pending':
      out.options[k.replace(/_/g, '-')] = scalar(v, key);
      break;
    case 'max_connections':
    case 'max_conn':
      out.options['max-connections'] = int(v, key);
      break;
    case 'max_subscriptions':
    case 'max_subs':
      out.options['max-subscriptions'] = int(v, key);
      break;
    case 'ping_interval':
    case 'write_deadline':
      out.options[k.replace(/_/g, '-')] = natsDuration(v, key);
      break;
    case 'lame_duck_duration':
    case 'lame_duck_grace_period':
      if (typeof v !== 'string') throw new NatsConfigError(`${key}: error parsing ${key}: expected a duration string`);
      out.options[k.replace(/_/g, '-')] = natsDuration(v, key);
      break;
    case 'ping_max':
      out.options['max-pings-out'] = int(v, key);
      break;
    case 'mappings':
    case 'maps':
      if (!isBlock(v)) throw new NatsConfigError(`${key}: expected a block`);
      out.options.mappings = v;
      break;
    case 'authorization':
      applyAuthorization(v, out);
      break;
    case 'accounts':
      out.options['nats-accounts'] = accountsOf(v, key);
      break;
    case 'no_auth_user':
      out.options['no-auth-user'] = str(v, key);
      break;
    case 'system_account':
    case 'system':
      out.options['system-account'] = str(v, key);
      break;
    case 'no_system_account':
    case 'no_system':
    case 'no_sys_acc':
      out.warnings.push(`${key}: Wharf has no system account unless one is named, ignored`);
      break;
    case 'tls':
      applyTls(v, out, file);
      break;
    case 'allow_non_tls':
      if (bool(v, key)) throw new NatsConfigError(`${key}: mixing TLS and plain clients on one port is not supported by Wharf`);
      break;
    case 'jetstream':
      applyJetStream(v, out, file);
      break;
    case 'store_dir':
    case 'storedir':
      out.options['data-dir'] = pathBeside(file, str(v, key));
      break;
    case 'operator':
    case 'operators':
    case 'roots':
    case 'root':
    case 'root_operators':
    case 'root_operator':
    case 'resolver':
    case 'account_resolver':
    case 'accounts_resolver':
    case 'resolver_preload':
      break; // read by applyOperator
    case 'trusted':
    case 'trusted_keys':
      throw new NatsConfigError(`${key}: trusted keys without operator JWTs are not supported by Wharf; configure an operator`);
    default:
      throw new NatsConfigError(`${key}: unknown or unsupported configuration key`);
  }
}

/** Reads and maps a nats-server configuration file. Throws NatsConfigError naming the file. */
export function readNatsServerConfig(path: string, env: NodeJS.ProcessEnv = process.env): NatsServerConfig {
  try {
    return mapNatsServerConfig(parseNatsConfFile(path, env), path);
  } catch (err) {
    if (err instanceof ConfSyntaxError) throw new NatsConfigError(err.message);
    if (err instanceof NatsConfigError) throw new NatsConfigError(`${path}: ${err.message}`);
    throw err;
  }
}

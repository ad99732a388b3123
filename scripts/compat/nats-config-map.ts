// nats-server's command line and configuration mapped onto Wharf's options, for the nats-server
// stand-in (nats-server-shim.ts) and the ntf tester (ntf-tester.ts), which both start Wharf where a
// peer suite asks for a nats-server. Keys and flags Wharf can honour become Wharf option values
// (raw, parsed later by Wharf's own option parsers); JetStream settings go through
// jetstream-options.ts; anything that needs a feature Wharf lacks throws Unsupported naming it, so
// a test that needs it fails at once and visibly instead of running against something else.
import { readFileSync } from 'node:fs';
import { parseNatsConf, type ConfObject, type ConfValue } from './natsconf.js';
import { JetStreamSettingRefused, mapJetStream, withDefaultSync } from './jetstream-options.js';

/** Thrown for configuration the shim cannot honour; exit 1. */
export class Unsupported extends Error {}

/** Keys that need features Wharf does not have, and the feature named in the refusal. */
const UNSUPPORTED_KEYS: Record<string, string> = {
  tls: 'TLS',
  cluster: 'clustering',
  routes: 'clustering',
  gateway: 'gateways',
  leafnodes: 'leaf nodes',
  leaf: 'leaf nodes',
  websocket: 'websockets',
  ws: 'websockets',
  mqtt: 'MQTT',
  accounts: 'accounts',
  system_account: 'accounts',
  no_auth_user: 'accounts',
  operator: 'JWT/operator mode',
  operators: 'JWT/operator mode',
  resolver: 'JWT/operator mode',
  resolver_preload: 'JWT/operator mode',
  trusted: 'JWT/operator mode',
  trusted_keys: 'JWT/operator mode',
  include: 'config includes',
  no_header_support: 'disabling headers',
  https: 'TLS monitoring',
  https_port: 'TLS monitoring',
};

/** Keys that only change logging or bookkeeping in nats-server; accepted and ignored. */
const IGNORED_KEYS = new Set([
  'debug', 'trace', 'trace_verbose', 'logtime', 'logtime_utc', 'log_file', 'logfile', 'log_size_limit',
  'syslog', 'remote_syslog', 'log_max_num', 'connect_error_reports', 'reconnect_error_reports',
  'disable_sublist_cache', 'no_sublist_cache', 'prof_port', 'max_traced_msg_len', 'client_advertise',
  'max_closed_clients', 'server_tags', 'default_js_domain', 'http_base_path', 'lame_duck_mode',
]);

export interface ShimConfig {
  raw: Record<string, unknown>;
  portsFileDir?: string;
  pidFile?: string;
  /** Features whose configuration was accepted without being served (WHARF_SHIM_UNSERVED). */
  unserved: Set<string>;
  /** JetStream's `store_dir`: the broker's data directory, which outlives the process (restarts keep it). */
  storeDir?: string;
  /** JetStream was configured and mapped onto Wharf's options (not merely accepted unserved). */
  jetstream?: boolean;
}

/** Features a runner may ask the shim to accept without serving; anything else stays refused. */
const MAY_BE_UNSERVED = new Set(['jetstream', 'permissions', 'listeners']);

/** Keys of a `leafnodes`/`websocket` block that only open a listener (nats.js 3.x's launcher adds both to every config). */
const LISTENER_KEYS = new Set(['listen', 'port', 'host', 'no_tls']);

function unservedAllowed(): Set<string> {
  const names = (process.env.WHARF_SHIM_UNSERVED ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!MAY_BE_UNSERVED.has(n)) throw new Unsupported(`WHARF_SHIM_UNSERVED names '${n}'; only ${[...MAY_BE_UNSERVED].join(', ')} may be accepted without being served`);
  return new Set(names);
}

/** Accepts the feature's configuration without serving it when the runner allowed it; else refuses. */
function unserved(cfg: ShimConfig, feature: 'jetstream' | 'permissions' | 'listeners', what: string): void {
  if (!unservedAllowed().has(feature)) throw new Unsupported(what);
  cfg.unserved.add(feature);
}

function str(v: ConfValue, key: string): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Unsupported(`${key}: expected a single value`);
}

/** "host:port", ":port", "port" or a number → [host?, port]; -1 means any port (0 for Wharf). */
function hostPort(v: ConfValue, key: string): [string | undefined, string] {
  const s = str(v, key);
  const m = /^(?:(.*):)?(-?\d+)$/.exec(s);
  if (!m) return [s, ''];
  const port = m[2] === '-1' ? '0' : m[2]!;
  return [m[1] || undefined, port];
}

function port(v: ConfValue, key: string): string {
  const p = str(v, key);
  return p === '-1' ? '0' : p;
}

function applyAuthorization(auth: ConfValue, cfg: ShimConfig): void {
  if (typeof auth !== 'object' || Array.isArray(auth)) throw new Unsupported('authorization: expected a block');
  for (const [k, v] of Object.entries(auth)) {
    switch (k) {
      case 'token':
        cfg.raw['auth-token'] = str(v, 'authorization.token');
        break;
      case 'user':
      case 'username':
        cfg.raw.user = str(v, 'authorization.user');
        break;
      case 'password':
      case 'pass':
        cfg.raw.pass = str(v, 'authorization.password');
        break;
      case 'timeout':
        cfg.raw['auth-timeout'] = v as string | number;
        break;
      case 'users': {
        if (!Array.isArray(v)) throw new Unsupported('authorization.users: expected an array');
        if (v.length !== 1) throw new Unsupported('authorization.users: several users (Wharf has one user/password pair)');
        const u = v[0] as ConfObject;
        for (const uk of Object.keys(u)) {
          if (uk === 'nkey') throw new Unsupported('authorization.users: nkey users (nkeys)');
          if (uk === 'permission' || uk === 'permissions') {
            unserved(cfg, 'permissions', 'authorization.users: permissions');
            continue;
          }
          if (uk !== 'user' && uk !== 'password') throw new Unsupported(`authorization.users: '${uk}'`);
        }
        if (u.user !== undefined) cfg.raw.user = str(u.user, 'user');
        if (u.password !== undefined) cfg.raw.pass = str(u.password, 'password');
        break;
      }
      default:
        if (k === 'permissions' || k === 'default_permissions') {
          unserved(cfg, 'permissions', 'permissions');
          break;
        }
        // Upper-case keys are variables (PERM { ... }) that only permissions refer to.
        if (/^[A-Z_][A-Z0-9_]*$/.test(k)) break;
        throw new Unsupported(`authorization.${k}`);
    }
  }
}

/**
 * A JetStream configuration: mapped onto Wharf's options (jetstream-options.ts). A setting Wharf
 * cannot honour is refused, naming it, unless the runner allowed JetStream configuration to be
 * accepted without being served (WHARF_SHIM_UNSERVED=jetstream): then none of it is applied.
 */
function applyJetStream(v: ConfValue, cfg: ShimConfig, key: string): void {
  try {
    const m = mapJetStream(v);
    Object.assign(cfg.raw, m.options);
    if (m.storeDir !== undefined) cfg.storeDir = m.storeDir;
    cfg.jetstream = m.enabled;
  } catch (err) {
    if (!(err instanceof JetStreamSettingRefused)) throw err;
    unserved(cfg, 'jetstream', `'${key}': ${err.message}`);
  }
}

/** Maps a parsed nats-server configuration onto Wharf option keys. */
export function mapConfig(conf: ConfObject, cfg: ShimConfig): void {
  for (const [key, v] of Object.entries(conf)) {
    if (key === 'jetstream' || key === 'js') {
      applyJetStream(v, cfg, key);
      continue;
    }
    // A leaf-node or websocket listener that the launcher opens by default and no test of the run
    // uses: accepted without opening it when the runner allows `listeners` (never with remotes, TLS...).
    if ((key === 'leafnodes' || key === 'websocket') && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).every((k) => LISTENER_KEYS.has(k))) {
      unserved(cfg, 'listeners', `'${key}' (${UNSUPPORTED_KEYS[key]} is not built in Wharf)`);
      continue;
    }
    const feature = UNSUPPORTED_KEYS[key];
    if (feature) throw new Unsupported(`'${key}' (${feature} is not built in Wharf)`);
    if (IGNORED_KEYS.has(key)) continue;
    switch (key) {
      case 'host':
      case 'net':
      case 'addr':
        cfg.raw.host = str(v, key);
        break;
      case 'port':
        cfg.raw.port = port(v, key);
        break;
      case 'listen': {
        const [h, p] = hostPort(v, key);
        if (h) cfg.raw.host = h;
        if (p) cfg.raw.port = p;
        break;
      }
      case 'http':
      case 'http_port':
      case 'monitor_port': {
        const [, p] = hostPort(v, key);
        cfg.raw['http-port'] = p;
        break;
      }
      case 'server_name':
        cfg.raw['server-name'] = str(v, key);
        break;
      case 'authorization':
        applyAuthorization(v, cfg);
        break;
      case 'max_payload':
      case 'max_control_line':
      case 'max_connections':
      case 'ping_interval':
      case 'write_deadline':
      case 'max_pending':
      case 'lame_duck_duration':
      case 'lame_duck_grace_period':
        cfg.raw[key.replace(/_/g, '-')] = v as string | number;
        break;
      case 'max_conn':
        cfg.raw['max-connections'] = v as string | number;
        break;
      case 'max_subscriptions':
      case 'max_subs':
        cfg.raw['max-subscriptions'] = v as string | number;
        break;
      case 'ping_max':
        cfg.raw['max-pings-out'] = v as string | number;
        break;
      case 'mappings':
      case 'maps':
        // nats-server's `mappings` block, as Wharf's --mappings takes it (validated there).
        cfg.raw.mappings = v;
        break;
      case 'ports_file_dir':
        cfg.portsFileDir = str(v, key);
        break;
      case 'pid_file':
      case 'pidfile':
        cfg.pidFile = str(v, key);
        break;
      default:
        throw new Unsupported(`unknown or unsupported configuration key '${key}'`);
    }
  }
}

const VALUE_FLAGS: Record<string, (v: string, cfg: ShimConfig) => void> = {
  '-p': (v, c) => void (c.raw.port = port(v, '-p')),
  '--port': (v, c) => void (c.raw.port = port(v, '--port')),
  '-a': (v, c) => void (c.raw.host = v),
  '--addr': (v, c) => void (c.raw.host = v),
  '--net': (v, c) => void (c.raw.host = v),
  '-m': (v, c) => void (c.raw['http-port'] = port(v, '-m')),
  '--http_port': (v, c) => void (c.raw['http-port'] = port(v, '--http_port')),
  '-n': (v, c) => void (c.raw['server-name'] = v),
  '--name': (v, c) => void (c.raw['server-name'] = v),
  '--server_name': (v, c) => void (c.raw['server-name'] = v),
  '--user': (v, c) => void (c.raw.user = v),
  '--pass': (v, c) => void (c.raw.pass = v),
  '--auth': (v, c) => void (c.raw['auth-token'] = v),
  '-P': (v, c) => void (c.pidFile = v),
  '--pid': (v, c) => void (c.pidFile = v),
  '--ports_file_dir': (v, c) => void (c.portsFileDir = v),
  '-l': () => undefined,
  '--log': () => undefined,
};
const BOOL_FLAGS = new Set(['-D', '-V', '-DV', '-VV', '-DVV', '-T', '--debug', '--trace', '--logtime', '-s', '--syslog']);
const UNSUPPORTED_FLAGS: Record<string, string> = {
  '--tls': 'TLS', '--tlscert': 'TLS', '--tlskey': 'TLS', '--tlsverify': 'TLS', '--tlscacert': 'TLS',
  '--cluster': 'clustering', '--cluster_name': 'clustering', '--routes': 'clustering',
  '--ms': 'TLS monitoring', '--https_port': 'TLS monitoring',
};

export function parseArgv(argv: string[]): ShimConfig & { kind: 'run' | 'version' | 'help' } {
  const cfg: ShimConfig = { raw: {}, unserved: new Set() };
  const flags: ShimConfig = { raw: {}, unserved: new Set() };
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    let inline: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('-') && eq > 0) {
      inline = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    if (a === '-v' || a === '--version') return { ...cfg, kind: 'version' };
    if (a === '-h' || a === '--help' || a === '--help_tls') return { ...cfg, kind: 'help' };
    if (a === '-c' || a === '--config') {
      configFile = inline ?? argv[++i];
      continue;
    }
    if (BOOL_FLAGS.has(a)) continue;
    if (a === '-js' || a === '--jetstream') {
      applyJetStream(true, flags, a);
      continue;
    }
    if (a === '-sd' || a === '--store_dir') {
      const dir = inline ?? argv[++i];
      if (dir === undefined) throw new Unsupported(`flag ${a} needs a value`);
      applyJetStream({ store_dir: dir }, flags, a);
      continue;
    }
    if (UNSUPPORTED_FLAGS[a]) throw new Unsupported(`${a} (${UNSUPPORTED_FLAGS[a]} is not built in Wharf)`);
    const f = VALUE_FLAGS[a];
    if (!f) throw new Unsupported(`unknown flag ${a}`);
    const v = inline ?? argv[++i];
    if (v === undefined) throw new Unsupported(`flag ${a} needs a value`);
    f(v, flags);
  }
  if (configFile !== undefined) {
    mapConfig(parseNatsConf(readFileSync(configFile, 'utf8')), cfg);
  }
  // Flags override the file, as in nats-server.
  Object.assign(cfg.raw, flags.raw);
  if (flags.portsFileDir !== undefined) cfg.portsFileDir = flags.portsFileDir;
  if (flags.pidFile !== undefined) cfg.pidFile = flags.pidFile;
  for (const f of flags.unserved) cfg.unserved.add(f);
  if (flags.storeDir !== undefined) cfg.storeDir = flags.storeDir;
  if (flags.jetstream !== undefined) cfg.jetstream = flags.jetstream;
  // JetStream without sync_interval (in the file or the flags): nats-server's default durability.
  if (cfg.jetstream === true) withDefaultSync(cfg.raw);
  // No jetstream block and no -js: nats-server serves no JetStream, so Wharf is started without it
  // ('jsm - jetstream not enabled' expects the API to be missing).
  else if (cfg.jetstream === undefined && !cfg.unserved.has('jetstream')) Object.assign(cfg.raw, mapJetStream(false).options);
  return { ...cfg, kind: 'run' };
}


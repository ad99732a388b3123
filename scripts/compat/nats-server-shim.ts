// A stand-in for the `nats-server` executable that starts Wharf instead, so that peer test
// suites whose launchers spawn `nats-server -c <config>` (nats.js, ...) run against Wharf.
// Run through scripts/compat/nats-server-shim (a bash wrapper that execs node on this file, so
// the pid the launcher sees is Wharf's). It accepts the subset of nats-server's flags and
// configuration keys those launchers use, maps them onto Wharf's options, starts the broker
// in this process, writes nats-server's ports file (`<exe>_<pid>.ports` in ports_file_dir,
// `{"nats":["nats://H:P"],"monitoring":["http://H:M"]}`) and removes it on exit.
// Configuration for features Wharf does not have (JetStream, TLS, clustering, accounts, nkeys,
// JWT, permissions, websockets, ...) is refused with exit code 1, as nats-server refuses a
// configuration it cannot honour, so the tests that need them fail at once and visibly.
// Signals: SIGTERM/SIGINT stop cleanly (exit 0), SIGUSR2 enters lame duck mode, SIGHUP and
// SIGUSR1 (reload, reopen logs) are ignored with a warning.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pino } from 'pino';
import { startBroker } from '../../src/index.js';
import { ConfigError, parseRawOptions, resolveOptions, type BrokerOptions } from '../../src/config.js';
import { parseNatsConf, type ConfObject, type ConfValue } from './natsconf.js';

/** Thrown for configuration the shim cannot honour; exit 1. */
class Unsupported extends Error {}

/** Keys that need features Wharf does not have, and the feature named in the refusal. */
const UNSUPPORTED_KEYS: Record<string, string> = {
  jetstream: 'JetStream',
  js: 'JetStream',
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

interface ShimConfig {
  raw: Record<string, unknown>;
  portsFileDir?: string;
  pidFile?: string;
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
          if (uk === 'permission' || uk === 'permissions') throw new Unsupported('authorization.users: permissions');
          if (uk !== 'user' && uk !== 'password') throw new Unsupported(`authorization.users: '${uk}'`);
        }
        if (u.user !== undefined) cfg.raw.user = str(u.user, 'user');
        if (u.password !== undefined) cfg.raw.pass = str(u.password, 'password');
        break;
      }
      default:
        if (k === 'permissions' || k === 'default_permissions') throw new Unsupported('permissions');
        // Upper-case keys are variables (PERM { ... }) that only permissions refer to.
        if (/^[A-Z_][A-Z0-9_]*$/.test(k)) break;
        throw new Unsupported(`authorization.${k}`);
    }
  }
}

/** Maps a parsed nats-server configuration onto Wharf option keys. */
export function mapConfig(conf: ConfObject, cfg: ShimConfig): void {
  for (const [key, v] of Object.entries(conf)) {
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
  '-js': 'JetStream', '--jetstream': 'JetStream', '-sd': 'JetStream', '--store_dir': 'JetStream',
  '--tls': 'TLS', '--tlscert': 'TLS', '--tlskey': 'TLS', '--tlsverify': 'TLS', '--tlscacert': 'TLS',
  '--cluster': 'clustering', '--cluster_name': 'clustering', '--routes': 'clustering',
  '--ms': 'TLS monitoring', '--https_port': 'TLS monitoring',
};

export function parseArgv(argv: string[]): ShimConfig & { kind: 'run' | 'version' | 'help' } {
  const cfg: ShimConfig = { raw: {} };
  const flags: ShimConfig = { raw: {} };
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
  return { ...cfg, kind: 'run' };
}

async function main(): Promise<void> {
  const exe = process.env.WHARF_SHIM_ARGV0 || 'nats-server';
  let parsed;
  let options: BrokerOptions;
  // A SIGKILLed shim cannot remove its data: runners point WHARF_SHIM_DATA_PARENT at a scratch
  // directory they remove themselves.
  const dataDir = mkdtempSync(join(process.env.WHARF_SHIM_DATA_PARENT || tmpdir(), 'wharf-shim-'));
  const removeData = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    parsed = parseArgv(process.argv.slice(2));
    if (parsed.kind !== 'run') {
      removeData();
      process.stdout.write(parsed.kind === 'version' ? 'nats-server: v2.15.2 (wharf shim)\n' : 'Usage: nats-server [-c file] [-p port] [-a host] [-m http_port] ... (Wharf shim)\n');
      return;
    }
    const raw: Record<string, unknown> = { host: '0.0.0.0', port: '4222', 'http-port': '-1', ...parsed.raw };
    const partial = parseRawOptions(raw, 'nats-server config');
    options = resolveOptions({
      ...partial,
      kafka: { port: -1 },
      storage: { ...partial.storage, dataDir },
      logLevel: (process.env.WHARF_SHIM_LOG_LEVEL as BrokerOptions['logLevel']) || 'warn',
    });
  } catch (err) {
    removeData();
    const msg = err instanceof Unsupported ? `unsupported configuration: ${err.message}` : (err as Error).message;
    process.stderr.write(`[wharf nats-server shim] ${err instanceof ConfigError ? 'bad configuration: ' : ''}${msg}\n`);
    process.exit(1);
  }
  // nats-server logs to stderr; launchers read stderr and may leave stdout unread.
  const logger = pino({ name: 'wharf', level: options.logLevel, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
  let broker;
  try {
    broker = await startBroker(options, logger);
  } catch (err) {
    removeData();
    process.stderr.write(`[wharf nats-server shim] cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const advertised = options.nats.host === '0.0.0.0' || options.nats.host === '::' || options.nats.host === '' ? '127.0.0.1' : options.nats.host;
  const files: string[] = [];
  if (parsed.pidFile) {
    writeFileSync(parsed.pidFile, String(process.pid));
    files.push(parsed.pidFile);
  }
  if (parsed.portsFileDir) {
    const ports: Record<string, string[]> = { nats: [`nats://${advertised}:${broker.ports.nats}`] };
    if (broker.ports.http > 0) ports.monitoring = [`http://${advertised}:${broker.ports.http}`];
    const file = join(parsed.portsFileDir, `${basename(exe)}_${process.pid}.ports`);
    writeFileSync(file, JSON.stringify(ports));
    files.push(file);
  }
  process.stderr.write(`[${process.pid}] [INF] Wharf (nats-server shim) listening for client connections on ${advertised}:${broker.ports.nats}\n`);
  process.stderr.write(`[${process.pid}] [INF] Server is ready\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const f of files) rmSync(f, { force: true });
    const hard = setTimeout(() => process.exit(1), 10_000);
    hard.unref();
    broker.close().then(
      () => {
        removeData();
        process.exit(0);
      },
      () => {
        removeData();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGUSR2', () => {
    if (stopping) return;
    broker.lameDuck().then(stop, stop);
  });
  // A test that fails before stopping its server leaves it behind: stop when the process that
  // spawned us is gone, and in any case after WHARF_SHIM_MAX_LIFE seconds (default 30 min).
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 1_000);
  watch.unref();
  const maxLife = Number(process.env.WHARF_SHIM_MAX_LIFE ?? 1800);
  if (maxLife > 0) setTimeout(stop, maxLife * 1_000).unref();
  process.on('SIGHUP', () => process.stderr.write('[wharf nats-server shim] SIGHUP (reload) ignored\n'));
  process.on('SIGUSR1', () => process.stderr.write('[wharf nats-server shim] SIGUSR1 (reopen) ignored\n'));
}

await main();

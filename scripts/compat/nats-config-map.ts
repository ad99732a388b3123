// nats-server's command line and configuration mapped onto Wharf's options, for the nats-server
// stand-in (nats-server-shim.ts) and the ntf tester (ntf-tester.ts), which both start Wharf where a
// peer suite asks for a nats-server. A configuration is read by Wharf's own reader of nats-server
// files (src/core/security/config/: the same syntax and keys as `wharf --nats-config`), so the
// stand-in accepts exactly what Wharf serves; this file adds only what is the stand-in's: the keys
// a launcher uses for bookkeeping (ports_file_dir, pid_file, log files), nats-server's flags, and
// the runner's WHARF_SHIM_UNSERVED exceptions. Anything Wharf cannot honour throws Unsupported
// naming it, so a test that needs it fails at once and visibly instead of running against
// something else.
import { mapNatsServerConfig, NatsConfigError } from '../../src/core/security/config/nats-server-config.js';
import { parseNatsConfFile, type ConfObject } from '../../src/core/security/config/nats-conf.js';
import { JetStreamSettingRefused, mapJetStream, withDefaultSync } from './jetstream-options.js';

/** Thrown for configuration the shim cannot honour; exit 1. */
export class Unsupported extends Error {}

/** Keys a launcher uses for its own bookkeeping or logging, which only shape nats-server's output. */
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
const MAY_BE_UNSERVED = new Set(['jetstream', 'listeners']);

/** Keys of a `leafnodes`/`websocket` block that only open a listener (nats.js 3.x's launcher adds both to every config). */
const LISTENER_KEYS = new Set(['listen', 'port', 'host', 'no_tls']);

function unservedAllowed(): Set<string> {
  const names = (process.env.WHARF_SHIM_UNSERVED ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!MAY_BE_UNSERVED.has(n)) throw new Unsupported(`WHARF_SHIM_UNSERVED names '${n}'; only ${[...MAY_BE_UNSERVED].join(', ')} may be accepted without being served`);
  return new Set(names);
}

/** Accepts the feature's configuration without serving it when the runner allowed it; else refuses. */
function unserved(cfg: ShimConfig, feature: 'jetstream' | 'listeners', what: string): void {
  if (!unservedAllowed().has(feature)) throw new Unsupported(what);
  cfg.unserved.add(feature);
}

/**
 * A JetStream configuration that Wharf's reader refused: accepted without being served when the
 * runner allowed it (WHARF_SHIM_UNSERVED=jetstream), else refused.
 */
function applyJetStream(v: ConfObject[string], cfg: ShimConfig, key: string): void {
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

/** Maps a parsed nats-server configuration onto Wharf option keys (`file`: where it came from, for relative paths). */
export function mapConfig(conf: ConfObject, cfg: ShimConfig, file?: string): void {
  const rest: ConfObject = {};
  for (const [key, v] of Object.entries(conf)) {
    if (key === 'ports_file_dir') cfg.portsFileDir = String(v);
    else if (key === 'pid_file' || key === 'pidfile') cfg.pidFile = String(v);
    else if (IGNORED_KEYS.has(key)) continue;
    else if (key === 'jetstream' || key === 'js') applyJetStream(v, cfg, key);
    // A leaf-node or websocket listener that the launcher opens by default and no test of the run
    // uses: accepted without opening it when the runner allows `listeners` (never with remotes, TLS...).
    else if ((key === 'leafnodes' || key === 'websocket') && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).every((k) => LISTENER_KEYS.has(k))) {
      unserved(cfg, 'listeners', `'${key}' (${key === 'websocket' ? 'websockets' : 'leaf nodes'} are not built in Wharf)`);
    } else rest[key] = v;
  }
  let mapped;
  try {
    mapped = mapNatsServerConfig(rest, file);
  } catch (err) {
    if (err instanceof NatsConfigError) throw new Unsupported(err.message);
    throw err;
  }
  const { 'data-dir': storeDir, ...options } = mapped.options;
  if (typeof storeDir === 'string') cfg.storeDir = storeDir;
  Object.assign(cfg.raw, options);
}

/** A port flag's value; -1 (any port) is 0 for Wharf. */
function port(v: string): string {
  return v === '-1' ? '0' : v;
}

const VALUE_FLAGS: Record<string, (v: string, cfg: ShimConfig) => void> = {
  '-p': (v, c) => void (c.raw.port = port(v)),
  '--port': (v, c) => void (c.raw.port = port(v)),
  '-a': (v, c) => void (c.raw.host = v),
  '--addr': (v, c) => void (c.raw.host = v),
  '--net': (v, c) => void (c.raw.host = v),
  '-m': (v, c) => void (c.raw['http-port'] = port(v)),
  '--http_port': (v, c) => void (c.raw['http-port'] = port(v)),
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
    mapConfig(parseNatsConfFile(configFile), cfg, configFile);
  }
  // Flags override the file, as in nats-server.
  Object.assign(cfg.raw, flags.raw);
  if (flags.portsFileDir !== undefined) cfg.portsFileDir = flags.portsFileDir;
  if (flags.pidFile !== undefined) cfg.pidFile = flags.pidFile;
  for (const f of flags.unserved) cfg.unserved.add(f);
  if (flags.storeDir !== undefined) cfg.storeDir = flags.storeDir;
  if (flags.jetstream !== undefined) cfg.jetstream = flags.jetstream;
  // nats-server's monitoring port takes no credentials; Wharf's asks for the NATS ones by default.
  if (cfg.raw['http-auth'] === undefined) cfg.raw['http-auth'] = false;
  // JetStream without sync_interval (in the file or the flags): nats-server's default durability.
  if (cfg.jetstream === true) withDefaultSync(cfg.raw);
  // No jetstream block and no -js: nats-server serves no JetStream, so Wharf is started without it
  // ('jsm - jetstream not enabled' expects the API to be missing).
  else if (cfg.jetstream === undefined && !cfg.unserved.has('jetstream')) Object.assign(cfg.raw, mapJetStream(false).options);
  return { ...cfg, kind: 'run' };
}


// A stand-in for the `nats-server` executable that starts Wharf instead, so that peer test
// suites whose launchers spawn `nats-server -c <config>` (nats.js 2.x and 3.x) run against Wharf.
// Run through scripts/compat/nats-server-shim (a bash wrapper that execs node on this file, so
// the pid the launcher sees is Wharf's). It accepts the subset of nats-server's flags and
// configuration keys those launchers use, maps them onto Wharf's options (nats-config-map.ts;
// JetStream settings through jetstream-options.ts), starts the broker in this process, writes
// nats-server's ports file (`<exe>_<pid>.ports` in ports_file_dir,
// `{"nats":["nats://H:P"],"monitoring":["http://H:M"]}`) and removes it on exit.
// The configuration is read by Wharf's own nats-server reader (the one behind --nats-config);
// configuration for features Wharf does not have (clustering, websockets, JetStream settings
// without a Wharf option, ...) is refused with exit code 1, as
// nats-server refuses a configuration it cannot honour, so the tests that need them fail at once
// and visibly; the refusal names the setting on stderr.
// JetStream's `store_dir` becomes the broker's data directory and is left in place on exit, so a
// launcher that restarts its server with the same configuration finds its streams again (as with
// nats-server); without one the data directory is a scratch directory removed on exit.
// A runner may name features in WHARF_SHIM_UNSERVED (comma-separated; only `jetstream` is
// allowed there, and `listeners`: a leafnodes/websocket block that only opens a
// listener, which nats.js 3.x's launcher adds to every configuration) whose configuration is then accepted without being served,
// with a warning on stderr: a suite whose core tests start a JetStream-configured server lists
// the tests that need JetStream as not applicable and runs the rest.
// Signals: SIGTERM/SIGINT stop cleanly (exit 0), SIGUSR2 enters lame duck mode, SIGHUP and
// SIGUSR1 (reload, reopen logs) are ignored with a warning.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { BrokerOptions } from '../../src/config.js';

/**
 * A runner that cannot see this process's stderr (nats.js 3.x's launcher pipes it and never shows
 * it) collects why a start was refused or failed, one line each, in WHARF_SHIM_REFUSALS.
 */
function record(line: string): void {
  if (process.env.WHARF_SHIM_REFUSALS) appendFileSync(process.env.WHARF_SHIM_REFUSALS, `${line.replace(/\n/g, ' ')}\n`);
}

// An error nothing caught ends the process as node would (exit 1), and says so to the runner too.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err: unknown) => {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    record(`crashed: ${text.split('\n').slice(0, 2).join(' ')}`);
    process.stderr.write(`[wharf nats-server shim] ${event}: ${text}\n`);
    process.exit(1);
  });
}

/**
 * Wharf and the modules it needs, loaded only once the recorder is in place: a stand-in that
 * cannot load them (a node_modules being reinstalled under it, a build missing) says so to the
 * runner as "cannot load", which no test result explains, instead of exiting without a word.
 */
async function load() {
  try {
    const [{ pino }, { startBroker }, config, map] = await Promise.all([import('pino'), import('../../src/index.js'), import('../../src/config.js'), import('./nats-config-map.js')]);
    return { pino, startBroker, ...config, ...map };
  } catch (err) {
    record(`cannot load: ${(err as Error).message.split('\n')[0]}`);
    process.stderr.write(`[wharf nats-server shim] cannot load Wharf: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const { pino, startBroker, ConfigError, parseRawOptions, resolveOptions, parseArgv, Unsupported } = await load();
  const exe = process.env.WHARF_SHIM_ARGV0 || 'nats-server';
  let parsed;
  let options: BrokerOptions;
  // A SIGKILLed shim cannot remove its data: runners point WHARF_SHIM_DATA_PARENT at a scratch
  // directory they remove themselves.
  let dataDir = mkdtempSync(join(process.env.WHARF_SHIM_DATA_PARENT || tmpdir(), 'wharf-shim-'));
  let removeData = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    parsed = parseArgv(process.argv.slice(2));
    if (parsed.kind !== 'run') {
      removeData();
      process.stdout.write(parsed.kind === 'version' ? 'nats-server: v2.15.2 (wharf shim)\n' : 'Usage: nats-server [-c file] [-p port] [-a host] [-m http_port] ... (Wharf shim)\n');
      return;
    }
    if (parsed.storeDir !== undefined) {
      // JetStream's store directory is the data directory and outlives this process.
      removeData();
      dataDir = parsed.storeDir;
      mkdirSync(dataDir, { recursive: true });
      removeData = () => undefined;
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
    record(msg);
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
    record(err instanceof ConfigError ? err.message : `cannot start: ${(err as Error).message}`);
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
  for (const f of parsed.unserved) {
    process.stderr.write(`[${process.pid}] [WRN] ${f} configuration accepted but not served (WHARF_SHIM_UNSERVED): ${f === 'jetstream' ? 'none of its JetStream settings is applied to Wharf' : 'the leaf-node and websocket listeners are not opened'}\n`);
  }
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

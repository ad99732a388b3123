#!/usr/bin/env node
// The `wharf` command: parse flags, start the broker, say where to connect, reload TLS
// certificates and the configuration on SIGHUP, stop cleanly on SIGTERM/SIGINT, lame duck on
// SIGUSR2.
import { ConfigError, resolveOptions } from '../config.js';
import { startBroker, type Broker } from '../broker.js';
import { createLogger, type Logger } from '../log.js';
import { DataDirInUseError } from '../storage/index.js';
import { wharfVersion } from '../version.js';
import { consoleUrl, displayHost, monitorBase } from '../http/urls.js';
import { parseCommandLine, usage } from './args.js';
import { reloadBroker } from './reload.js';

/** The addresses a person needs, on the ready line (pretty) and as fields (JSON). */
function readyFields(broker: Broker): Record<string, unknown> {
  const o = broker.options;
  const fields: Record<string, unknown> = { version: wharfVersion(), ports: broker.ports, nats: `nats://${displayHost(o.nats.host)}:${broker.ports.nats}` };
  if (broker.kafka !== null) fields['kafka'] = broker.kafka.addresses.map((k) => `${displayHost(k.advertisedHost)}:${k.advertisedPort}${k.protocol !== 'PLAINTEXT' ? ` (${k.protocol})` : ''}`).join(', ');
  if (broker.ports.http >= 0) {
    const http = { host: o.http.host, port: broker.ports.http, tls: o.http.tls };
    fields['console'] = consoleUrl(http);
    fields['metrics'] = `${monitorBase(http)}/metrics`;
  }
  return fields;
}

function onReload(broker: Broker, logger: Logger, argv: string[]): void {
  let next;
  try {
    next = resolveOptions(parseCommandLine(argv).options);
  } catch (err) {
    logger.error({ err: err instanceof Error ? { message: err.message } : err }, 'config reload failed: the configuration is not valid; nothing changed');
    return;
  }
  const report = reloadBroker(broker, next);
  for (const c of report.refused) logger.error({ option: c.flag, error: c.error }, 'config reload: option refused, the old value stays');
  for (const c of report.needsRestart) logger.warn({ option: c.flag, from: c.from, to: c.to }, 'config reload: this option needs a restart to take effect');
  const applied = report.applied.map((c) => `${c.flag}: ${c.from} -> ${c.to}`);
  logger.info({ applied, needsRestart: report.needsRestart.map((c) => c.flag) }, applied.length === 0 && report.needsRestart.length === 0 ? 'config reloaded: nothing changed' : 'config reloaded');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let command;
  let options;
  try {
    command = parseCommandLine(argv);
    options = resolveOptions(command.options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`wharf: ${err.message}\nRun 'wharf --help' for the options.\n`);
      process.exit(2);
    }
    throw err;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  if (command.kind === 'version') {
    process.stdout.write(`wharf ${wharfVersion()} (node ${process.versions.node})\n`);
    return;
  }
  const logger = createLogger(options.logLevel, { format: options.logFormat });
  let broker: Broker;
  try {
    broker = await startBroker(options, logger);
  } catch (err) {
    logger.fatal({ err }, 'cannot start');
    // Another live broker owns the data directory, or a setting cannot be served: a usage error, like a bad flag.
    if (err instanceof DataDirInUseError || err instanceof ConfigError) {
      process.stderr.write(`wharf: ${err.message}\n`);
      process.exit(2);
    }
    process.exit(1);
  }
  logger.info(readyFields(broker), `wharf ${wharfVersion()} is ready`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    broker.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    if (stopping) return;
    try {
      broker.reloadTls();
      logger.info('TLS certificates reloaded');
    } catch (err) {
      logger.error({ err }, 'TLS certificates not reloaded, the old ones stay in use');
    }
    onReload(broker, logger, argv);
  });
  process.on('SIGUSR2', () => {
    if (stopping) return;
    broker.lameDuck().then(() => stop('SIGUSR2'), () => stop('SIGUSR2'));
  });
}

await main();

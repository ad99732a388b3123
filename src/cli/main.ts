#!/usr/bin/env node
// The `wharf` command: parse flags, start the broker, stop it cleanly on signals (SIGTERM/SIGINT),
// enter lame duck mode (SIGUSR2), reload TLS certificates (SIGHUP).
import { readFileSync } from 'node:fs';
import { ConfigError, resolveOptions } from '../config.js';
import { startBroker } from '../broker.js';
import { createLogger } from '../log.js';
import { DataDirInUseError } from '../storage/index.js';
import { parseCommandLine, usage } from './args.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(): Promise<void> {
  let command;
  let options;
  try {
    command = parseCommandLine(process.argv.slice(2));
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
    process.stdout.write(`wharf ${packageVersion()}\n`);
    return;
  }
  const logger = createLogger(options.logLevel);
  let broker;
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
  logger.info({ version: packageVersion(), ports: broker.ports }, 'wharf is ready');

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
    try {
      broker.reloadTls();
      logger.info('TLS certificates reloaded');
    } catch (err) {
      logger.error({ err }, 'TLS certificates not reloaded, the old ones stay in use');
    }
  });
  process.on('SIGUSR2', () => {
    if (stopping) return;
    broker.lameDuck().then(() => stop('SIGUSR2'), () => stop('SIGUSR2'));
  });
}

await main();

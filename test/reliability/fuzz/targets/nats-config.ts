// Fuzz target: the nats-server configuration file reader behind --nats-config
// (src/core/security/config/nats-conf.ts, the syntax: blocks, arrays, variables, includes, units;
// nats-server-config.ts, the mapping of its keys to Wharf's options), and then the options table
// the mapped values go through, as a file given to the broker reaches them. A ConfSyntaxError,
// a NatsConfigError or a ConfigError is the refusal the user sees; any other exception is a
// finding. The input is the file's text; includes resolve against a directory that does not exist
// and no environment variable is set, so the result depends on the input alone.
import { ConfigError, parseRawOptions, resolveOptions } from '../../../../src/config.js';
import { ConfSyntaxError, parseNatsConf } from '../../../../src/core/security/config/nats-conf.js';
import { NatsConfigError, mapNatsServerConfig } from '../../../../src/core/security/config/nats-server-config.js';

const FILE = '/nonexistent-wharf-fuzz/nats.conf';

export function fuzz(data: Buffer): void {
  try {
    const mapped = mapNatsServerConfig(parseNatsConf(data.toString('utf8'), { file: FILE, env: {} }), FILE);
    resolveOptions(parseRawOptions(mapped.options, FILE, (k) => `${FILE}: ${mapped.sources[k] ?? k}`));
  } catch (err) {
    if (err instanceof ConfSyntaxError || err instanceof NatsConfigError || err instanceof ConfigError) return;
    throw err;
  }
}

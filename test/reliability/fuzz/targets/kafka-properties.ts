// Fuzz target: the Kafka server.properties reader behind --kafka-config
// (src/core/security/config/java-properties.ts, the java.util.Properties syntax: escapes, line
// continuations, separators, comments; kafka-properties.ts, the mapping of Kafka's settings to
// Wharf's options, JAAS entries included), and then the options table the mapped values go
// through. A KafkaConfigError or a ConfigError is the refusal the user sees; any other exception
// is a finding. The input is the file's bytes, read as the broker reads them (UTF-8).
import { ConfigError, parseRawOptions, resolveOptions } from '../../../../src/config.js';
import { parseProperties } from '../../../../src/core/security/config/java-properties.js';
import { KafkaConfigError, mapKafkaProperties } from '../../../../src/core/security/config/kafka-properties.js';

const FILE = '/nonexistent-wharf-fuzz/server.properties';

export function fuzz(data: Buffer): void {
  try {
    const mapped = mapKafkaProperties(parseProperties(data.toString('utf8')));
    resolveOptions(parseRawOptions(mapped.options, FILE, (k) => `${FILE}: ${mapped.sources[k] ?? k}`));
  } catch (err) {
    if (err instanceof KafkaConfigError || err instanceof ConfigError) return;
    throw err;
  }
}

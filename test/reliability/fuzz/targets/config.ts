// Fuzz target: the broker's option parser (src/config.ts parseRawOptions), as a JSON config file
// reaches it: flat flag names or sections, any JSON values. A ConfigError is the refusal the
// user sees; any other exception is a finding. Inputs that are not JSON are not config files.
import { ConfigError, parseRawOptions, resolveOptions } from '../../../../src/config.js';

export function fuzz(data: Buffer): void {
  let raw: unknown;
  try {
    raw = JSON.parse(data.toString('utf8'));
  } catch {
    return;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return;
  try {
    resolveOptions(parseRawOptions(raw as Record<string, unknown>, 'fuzz.json'));
  } catch (err) {
    if (err instanceof ConfigError) return;
    throw err;
  }
}

// Wharf's version, read once from the package's package.json (dist/src/version.js sits two
// levels below it): `wharf --version`, the ready line, the console and wharf_info.
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function wharfVersion(): string {
  if (cached === undefined) {
    try {
      cached = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}

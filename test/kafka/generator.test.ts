/**
 * The committed generated codec must be what the generator makes from the definitions: a
 * hand edit or a generator change without `npm run gen:kafka` fails here. Skipped where the
 * definitions (kept outside the repository) are not at hand.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const defs = process.env['WHARF_KAFKA_MESSAGES'] ?? join(root, '..', 'shared', 'kafka-protocol', 'messages');

test('generated Kafka codec is up to date', { skip: existsSync(defs) ? false : `no definitions at ${defs}` }, () => {
  const out = execFileSync(process.execPath, [join(root, 'dist', 'scripts', 'gen-kafka-codec.js'), '--check', '--messages', defs], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.match(out, /checked \d+ files \(\d+ APIs/);
});

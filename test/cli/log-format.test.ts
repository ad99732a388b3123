// What a person sees on the terminal: through a pseudo-terminal (util-linux's `script`), the
// CLI writes one pretty, coloured line per event and a ready line with the URLs to use; piped,
// or with --log-format json on a terminal, it writes JSON lines with the same fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prettyLine } from '../../src/log.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const haveScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const ESC = '\u001b';
const PRETTY = new RegExp(`^${ESC}\\[2m\\d{2}:\\d{2}:\\d{2}\\.\\d{3}${ESC}\\[0m ${ESC}\\[32mINFO ${ESC}\\[0m `);

/** Runs the CLI until its ready line, on a pseudo-terminal when `tty`, and returns its output lines. */
function runUntilReady(tty: boolean, extra: string[] = []): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-log-'));
  const args = [MAIN, '-a', '127.0.0.1', '-p', '0', '--kafka-port', '0', '--http-port', '0', '-d', dir, ...extra];
  const quoted = [process.execPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = tty ? spawn('script', ['-qfec', quoted, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line in 20 s: ${out}`));
    }, 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/is ready/.test(out) && out.endsWith('\n')) {
        clearTimeout(timer);
        child.kill('SIGTERM');
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve(out.split(/\r?\n/).filter((l) => l !== ''));
        });
      }
    });
  });
}

test('on a terminal: pretty coloured lines, and the ready line names the URLs', { skip: haveScript ? false : 'util-linux script(1) is not installed' }, async () => {
  const lines = await runUntilReady(true);
  assert.ok(lines.length >= 3, lines.join('\n'));
  for (const l of lines.filter((x) => x.includes('INFO'))) {
    assert.match(l, PRETTY, `a pretty line: ${JSON.stringify(l)}`);
    assert.throws(() => JSON.parse(l));
  }
  const ready = lines.find((l) => l.includes('is ready'))!;
  assert.match(ready, /wharf \d+\.\d+\.\d+ is ready/);
  assert.match(ready, /nats=.*nats:\/\/127\.0\.0\.1:\d+/);
  assert.match(ready, /kafka=.*127\.0\.0\.1:\d+/);
  assert.match(ready, /console=.*http:\/\/127\.0\.0\.1:\d+\/console\//);
});

test('on a terminal with --log-format json: JSON lines', { skip: haveScript ? false : 'util-linux script(1) is not installed' }, async () => {
  const lines = await runUntilReady(true, ['--log-format', 'json']);
  for (const l of lines) JSON.parse(l);
});

test('piped: JSON lines with the same fields', async () => {
  const lines = await runUntilReady(false);
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const ready = records.find((r) => typeof r['msg'] === 'string' && (r['msg'] as string).endsWith('is ready'))!;
  assert.match(String(ready['nats']), /^nats:\/\/127\.0\.0\.1:\d+$/);
  assert.match(String(ready['console']), /^http:\/\/127\.0\.0\.1:\d+\/console\/$/);
  assert.equal(typeof (ready['ports'] as { nats: number }).nats, 'number');
});

test('pretty lines: component, fields, and an error with its stack below', () => {
  const err = new Error('disk on fire');
  const line = prettyLine({ level: 50, time: Date.UTC(2026, 0, 2, 3, 4, 5, 6), msg: 'append failed', component: 'storage', topic: 'a b', partition: 3, err: { type: 'Error', message: err.message, stack: err.stack } }, false);
  const [first, second] = line.split('\n');
  assert.match(first!, /^\d{2}:\d{2}:\d{2}\.006 ERROR \[storage\] append failed {2}topic="a b" partition=3$/);
  assert.match(second!, /^ {4}Error: disk on fire$/);
});

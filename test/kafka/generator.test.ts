/**
 * The committed generated codec must be exactly what the generator makes from Kafka's
 * definitions: a hand edit, a generator change without `npm run gen:kafka`, a file the
 * generator no longer makes or one it makes that is missing all fail here. The definitions live
 * outside the repository (../shared/kafka-protocol/messages, present on developer machines and
 * in CI): in CI (CI set) their absence fails the test; elsewhere the test is skipped with the
 * reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { repoRoot } from '../support/wharf.js';

const root = repoRoot();
const defs = process.env['WHARF_KAFKA_MESSAGES'] ?? join(root, '..', 'shared', 'kafka-protocol', 'messages');
const committed = join(root, 'src', 'kafka', 'protocol', 'messages');
const generator = join(root, 'dist', 'scripts', 'gen-kafka-codec.js');
const ci = process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false' && process.env['CI'] !== '0';
const skip = existsSync(defs) || ci ? false : `no Kafka message definitions at ${defs} (outside CI only; in CI this fails)`;

function check(outDir: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [generator, '--check', '--messages', defs, '--out', outDir], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('generated Kafka codec', { skip }, () => {
  test('the committed TypeScript is the generator output, file for file', () => {
    assert.ok(existsSync(defs), `Kafka message definitions not found at ${defs}: CI needs ../shared/kafka-protocol/messages`);
    const r = check(committed);
    assert.equal(r.status, 0, `generator --check failed:\n${r.stderr}`);
    assert.match(r.stdout, /checked (\d+) files \((\d+) APIs/);
    const [, files] = /checked (\d+) files/.exec(r.stdout)!;
    assert.equal(Number(files), readdirSync(committed).filter((f) => f.endsWith('.ts')).length, 'every committed file is generated');
  });

  test('the check fails on an edited, a missing and an extra file', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-gen-check-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(committed, dir, { recursive: true });
    assert.equal(check(dir).status, 0, 'a faithful copy passes');

    appendFileSync(join(dir, 'heartbeat.ts'), '// a hand edit\n');
    rmSync(join(dir, 'metadata.ts'));
    writeFileSync(join(dir, 'leader-and-isr.ts'), '// an API the generator leaves out\n');
    const r = check(dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /stale: .*heartbeat\.ts/);
    assert.match(r.stderr, /stale: .*metadata\.ts/);
    assert.match(r.stderr, /not generated: .*leader-and-isr\.ts/);
  });
});

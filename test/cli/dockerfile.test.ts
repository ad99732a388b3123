// The Dockerfile, tested as a script (no container engine runs here): its steps are run by
// scripts/dockerfile-steps.ts into a directory tree, the resulting image must hold only what
// runs (no dev dependencies, no sources or tests), run as a non-root user with /data as a
// volume, and the broker started by its ENTRYPOINT and CMD must pass its HEALTHCHECK, keep its
// data under /data and stop cleanly. It runs npm ci and the build, so it takes a few minutes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, runDockerfile } from '../../scripts/dockerfile-steps.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

test('the Dockerfile builds an image that runs, as a non-root user, healthy, with its data in /data', { timeout: 900_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'wharf-image-'));
  try {
    const stages = runDockerfile(join(ROOT, 'Dockerfile'), ROOT, work);
    const image = stages[stages.length - 1]!;
    assert.match(image.from, /^node:20/, 'on the official Node image');
    assert.equal(image.user, 'node', 'runs as the image user node, not root');
    assert.deepEqual(image.volumes, ['/data']);
    assert.deepEqual(image.expose, [4222, 9092, 8222]);
    assert.ok(image.healthcheck?.join(' ').includes('/healthz'));
    const app = join(image.root, 'app');
    assert.deepEqual(readdirSync(app).sort(), ['dist', 'node_modules', 'package.json']);
    assert.deepEqual(readdirSync(join(app, 'dist')).sort(), ['console', 'src']);
    assert.ok(existsSync(join(app, 'dist/console/index.html')), 'the console is built into the image');
    for (const dev of ['typescript', 'esbuild', 'preact', 'kafkajs', 'playwright-core']) assert.ok(!existsSync(join(app, 'node_modules', dev)), `${dev} (a dev dependency) is not in the image`);

    const [nats, kafka, http] = [await freePort(), await freePort(), await freePort()];
    // `docker run -p` publishes the ports; here the broker takes free ones and the health check follows.
    const run = runCommand(image, [...image.cmd, '-a', '127.0.0.1', '-p', String(nats), '--kafka-port', String(kafka), '-m', String(http)]);
    const child = spawn(run.file, run.args, { cwd: run.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const check = image.healthcheck!.map((a) => a.replace('127.0.0.1:8222', `127.0.0.1:${http}`));
      await waitFor(() => spawnSync(check[0] === 'node' ? process.execPath : check[0]!, check.slice(1), { timeout: 3_000 }).status === 0, { what: `the HEALTHCHECK to pass: ${out}`, timeoutMs: 30_000, intervalMs: 250 });
      assert.ok(out.split('\n').filter((l) => l !== '').every((l) => JSON.parse(l) !== null), 'JSON log lines (--log-format json)');
      assert.ok(existsSync(join(image.root, 'data', '.lock')), 'the data directory is /data');
      const console = await fetch(`http://127.0.0.1:${http}/console/`);
      assert.equal(console.status, 200);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 0, `stops cleanly on SIGTERM: ${out}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

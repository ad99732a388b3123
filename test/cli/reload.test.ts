// Config reload on SIGHUP: the CLI reads its config file again, applies what a running broker
// can take (NATS limits, the log level, subject mappings), and reports what needs a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nats from 'nats';
import { waitFor } from '../support/wait.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('SIGHUP applies new limits, log level and mappings, and names what needs a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-reload-'));
  const config = join(dir, 'wharf.json');
  writeFileSync(config, JSON.stringify({ max_payload: '1MB', log_level: 'info', kafka_port: -1, http_port: -1 }));
  const child = spawn(process.execPath, [MAIN, '-c', config, '-a', '127.0.0.1', '-p', '0', '-d', join(dir, 'data'), '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
      buf = buf.slice(i + 1);
    }
  });
  try {
    await waitFor(() => lines.some((l) => String(l['msg']).endsWith('is ready')), { what: 'ready', timeoutMs: 20_000 });
    const port = (lines.find((l) => String(l['msg']).endsWith('is ready'))!['ports'] as { nats: number }).nats;
    const before = await nats.connect({ servers: `127.0.0.1:${port}` });
    assert.equal(before.info?.max_payload, 1024 * 1024);
    await before.close();

    writeFileSync(config, JSON.stringify({ max_payload: '2MB', log_level: 'debug', kafka_port: 19999, http_port: -1, mappings: { 'old.*': 'new.$1' } }));
    child.kill('SIGHUP');
    await waitFor(() => lines.some((l) => String(l['msg']).startsWith('config reloaded')), { what: 'the reload report', timeoutMs: 10_000 });
    const report = lines.find((l) => String(l['msg']).startsWith('config reloaded'))!;
    const applied = report['applied'] as string[];
    assert.ok(applied.includes('max-payload: 1MB -> 2MB'), JSON.stringify(applied));
    assert.ok(applied.includes('log-level: info -> debug'), JSON.stringify(applied));
    assert.ok(applied.some((a) => a.startsWith('mappings:')), JSON.stringify(applied));
    assert.deepEqual(report['needsRestart'], ['kafka-port']);
    assert.ok(lines.some((l) => l['level'] === 40 && l['option'] === 'kafka-port' && String(l['msg']).includes('needs a restart')));

    // New clients see the new limit, mappings route, and debug lines now appear.
    const after = await nats.connect({ servers: `127.0.0.1:${port}` });
    assert.equal(after.info?.max_payload, 2 * 1024 * 1024);
    const sub = after.subscribe('new.x', { max: 1 });
    after.publish('old.x', 'mapped');
    await after.flush();
    for await (const m of sub) assert.equal(m.string(), 'mapped');
    await after.close();
    await waitFor(() => lines.some((l) => l['level'] === 20), { what: 'a debug line after the level changed to debug', timeoutMs: 5_000 });

    // A broken file changes nothing and says so.
    writeFileSync(config, '{ not json');
    child.kill('SIGHUP');
    await waitFor(() => lines.some((l) => String(l['msg']).startsWith('config reload failed')), { what: 'the failure report' });
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});

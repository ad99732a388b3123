// The data-directory lock as a user meets it through the `wharf` command: a second live broker
// on the same directory is refused (exit 2, a clear message on stderr) while the first serves
// on; a broker killed with SIGKILL as PID 1 of its PID namespace (as in a container) starts
// again on the same directory; a .lock file left behind by a dead broker is no obstacle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nats from 'nats';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const BROKER_ARGS = ['-a', '127.0.0.1', '-p', '0', '--http-port', '-1', '--kafka-port', '-1'];

interface Started {
  child: ChildProcess;
  /** NATS port, once the broker said it is ready. */
  ready: Promise<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** Runs `command args` (the CLI, or the CLI under unshare) and watches for the readiness line. */
function start(command: string, args: string[]): Started {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"ports":\{"nats":(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code, signal) => reject(new Error(`exited (${code ?? signal}) before it was ready: ${out}${err}`)));
  });
  ready.catch(() => {});
  return { child, ready, exited, stderr: () => err };
}

/** Waits for `s` to exit; one that is still running after `ms` is killed (and the test fails on its exit status). */
async function exitWithin(s: Started, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const timer = setTimeout(() => s.child.kill('SIGKILL'), ms);
  try {
    return await s.exited;
  } finally {
    clearTimeout(timer);
  }
}

async function natsRoundTrip(port: number): Promise<void> {
  const nc = await nats.connect({ port, reconnect: false });
  const sub = nc.subscribe('lock.test', { max: 1 });
  nc.publish('lock.test', 'ping');
  for await (const m of sub) assert.equal(m.string(), 'ping');
  await nc.close();
}

test('two live brokers on one data directory: the second exits 2 with a clear message, the first serves on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-lock-'));
  const first = start(process.execPath, [MAIN, ...BROKER_ARGS, '-d', dir]);
  try {
    const port = await first.ready;
    const second = start(process.execPath, [MAIN, ...BROKER_ARGS, '-d', dir]);
    assert.deepEqual(await exitWithin(second, 20_000), { code: 2, signal: null }, `second broker: ${second.stderr()}`);
    assert.match(second.stderr(), new RegExp(`^wharf: data directory ${dir}: is in use by another running broker \\(process ${first.child.pid}, as it wrote in \\.lock\\); stop it first or use another data directory$`, 'm'));
    await natsRoundTrip(port);
    first.child.kill('SIGTERM');
    assert.deepEqual(await first.exited, { code: 0, signal: null });
    // Other start-up failures keep exit code 1: a data directory that is not Wharf's.
    const foreign = mkdtempSync(join(tmpdir(), 'wharf-foreign-'));
    writeFileSync(join(foreign, 'notes.txt'), 'not a broker');
    const refused = start(process.execPath, [MAIN, ...BROKER_ARGS, '-d', foreign]);
    const status = await exitWithin(refused, 20_000);
    rmSync(foreign, { recursive: true, force: true });
    assert.deepEqual(status, { code: 1, signal: null }, refused.stderr());
  } finally {
    first.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a .lock file left by a dead broker is no obstacle, whatever pid it names', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-lock-'));
  const started: Started[] = [];
  try {
    const killed = start(process.execPath, [MAIN, ...BROKER_ARGS, '-d', dir]);
    started.push(killed);
    await killed.ready;
    killed.child.kill('SIGKILL');
    await killed.exited;
    assert.equal(readFileSync(join(dir, '.lock'), 'utf8'), `${killed.child.pid}\n`);
    for (const pid of [String(killed.child.pid), String(process.pid), '1']) {
      writeFileSync(join(dir, '.lock'), `${pid}\n`);
      const again = start(process.execPath, [MAIN, ...BROKER_ARGS, '-d', dir]);
      started.push(again);
      await natsRoundTrip(await again.ready);
      again.child.kill('SIGTERM');
      assert.deepEqual(await again.exited, { code: 0, signal: null });
    }
  } finally {
    for (const s of started) s.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Why this kernel will not give us a PID namespace, or null when it will. */
function pidNamespaceRefusal(): string | null {
  const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error) return `unshare cannot run: ${probe.error.message}`;
  return probe.status === 0 ? null : `unshare --pid is refused here: ${probe.stderr.trim()}`;
}

/** Pid (in our namespace) of the only child of `pid`: the broker that unshare forked. */
function onlyChild(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  assert.equal(children.length, 1, `unshare has children ${children.join(',')}`);
  return Number(children[0]);
}

const refusal = pidNamespaceRefusal();

test('a broker killed with SIGKILL as PID 1 of its PID namespace (a container) starts again on the same directory', { skip: refusal ?? false, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-lock-'));
  // --kill-child: should the test fail half-way, killing unshare takes its broker down too.
  const started: Started[] = [];
  const inNamespace = () => {
    const s = start('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', process.execPath, MAIN, ...BROKER_ARGS, '-d', dir]);
    started.push(s);
    return s;
  };
  try {
    const first = inNamespace();
    await natsRoundTrip(await first.ready);
    // The broker is PID 1 in its namespace, as it wrote in the lock file: so is the next one.
    assert.equal(readFileSync(join(dir, '.lock'), 'utf8'), '1\n');
    process.kill(onlyChild(first.child.pid!), 'SIGKILL');
    await first.exited;

    const second = inNamespace();
    const port = await second.ready;
    assert.equal(readFileSync(join(dir, '.lock'), 'utf8'), '1\n');
    await natsRoundTrip(port);
    process.kill(onlyChild(second.child.pid!), 'SIGTERM');
    const end = await second.exited;
    assert.equal(end.code, 0, `the restarted broker stopped with ${end.code ?? end.signal}: ${second.stderr()}`);
  } finally {
    for (const s of started) s.child.kill('SIGKILL');
    await Promise.all(started.map((s) => s.exited));
    rmSync(dir, { recursive: true, force: true });
  }
});

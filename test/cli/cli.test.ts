// The `wharf` command as a user runs it: flags, config files, readiness, signals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nats from 'nats';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function run(args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 10_000 });
}

/** Starts the CLI and resolves with its NATS port once it logs that it is ready. */
function startCli(args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-cli-'));
  const child = spawn(process.execPath, [MAIN, '-a', '127.0.0.1', '-p', '0', '--http-port', '-1', '--kafka-port', '-1', '-d', dir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"ports":\{"nats":(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error(`exited before ready: ${out}`)));
  });
  return { child, ready, exited, output: () => out, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('--help and --version exit 0', () => {
  const help = run(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--max-payload/);
  const version = run(['--version']);
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^wharf \d+\.\d+\.\d+/);
});

test('unknown flags and bad values: a clear message and exit 2', () => {
  for (const [args, pattern] of [
    [['--bogus'], /Unknown option '--bogus'/],
    [['--port', 'abc'], /--port: expected a port number/],
    [['--max-payload', 'lots'], /--max-payload: expected a size/],
    [['--ping-interval', 'soon'], /--ping-interval: expected a duration/],
    [['--fsync', 'sometimes'], /--fsync: expected one of always, interval, never/],
    [['--storage', 'disk'], /--storage: expected one of local, memory/],
    [['--user', 'a'], /user and pass must be given together/],
    [['-c', '/nonexistent/wharf.json'], /cannot read config file/],
  ] as const) {
    const r = run([...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
});

test('a JSON config file sets options; flags override it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-conf-'));
  const file = join(dir, 'wharf.json');
  writeFileSync(file, JSON.stringify({ 'max-payload': '2KB', auth_token: 'from-file', serverName: 'conf-test' }));
  const cli = startCli(['-c', file, '--auth-token', 'from-flag']);
  const port = await cli.ready;
  const nc = await nats.connect({ port, token: 'from-flag' });
  assert.equal(nc.info?.max_payload, 2048);
  assert.equal(nc.info?.server_name, 'conf-test');
  await nc.close();
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
  cli.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('--storage memory: the broker serves and leaves --data-dir untouched', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'wharf-mem-cli-'));
  const never = join(parent, 'not-created');
  const cli = startCli(['--storage', 'memory', '-d', never]);
  const port = await cli.ready;
  const nc = await nats.connect({ port, reconnect: false });
  await nc.flush();
  await nc.close();
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
  assert.equal(existsSync(never), false);
  cli.cleanup();
  rmSync(parent, { recursive: true, force: true });
});

test('SIGTERM closes connections and exits 0', async () => {
  const cli = startCli([]);
  const port = await cli.ready;
  const nc = await nats.connect({ port, reconnect: false });
  const closed = nc.closed();
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
  await closed;
  assert.match(cli.output(), /broker stopped/);
  cli.cleanup();
});

test('SIGUSR2 enters lame duck mode: clients are told (ldm), closed, and the process exits 0', async () => {
  const cli = startCli(['--lame-duck-duration', '600ms', '--lame-duck-grace-period', '100ms']);
  const port = await cli.ready;
  const nc = await nats.connect({ port, reconnect: false });
  let lameDuck = false;
  (async () => {
    for await (const s of nc.status()) if (s.type === nats.Events.LDM) lameDuck = true;
  })();
  cli.child.kill('SIGUSR2');
  await nc.closed();
  assert.equal(await cli.exited, 0);
  assert.ok(lameDuck, 'the client saw the lame duck INFO');
  assert.match(cli.output(), /lame duck/);
  assert.match(cli.output(), /log closed/);
  cli.cleanup();
});

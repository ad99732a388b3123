// The real `nats` CLI (natscli v0.5.0) against Wharf: pub, sub --count, request/reply, rtt,
// and small `nats bench` runs. Every case also runs against nats-server v2.15.2 as a control,
// so that a failure on Wharf alone points at Wharf, not at the test.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForInterest } from '../support/interest.js';
import { peerSkip } from '../support/peers.js';
import { parseBenchCsv, runNats, startNats, type CliResult } from '../support/natscli.js';
import { startTarget, subjectKind, type NatsTarget, type TargetKind } from '../support/targets.js';

const kinds: TargetKind[] = [...new Set<TargetKind>(['nats-server', subjectKind()])];

function show(r: CliResult): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}${r.timedOut ? ' TIMED OUT' : ''}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
}

const skip = peerSkip('nats-server', 'nats');

for (const kind of kinds) {
  describe(`natscli v0.5.0 against ${kind}`, { skip }, () => {
    let target: NatsTarget;
    let url: string;
    let authTarget: NatsTarget;
    let authUrl: string;
    let dir: string;

    before(async () => {
      [target, authTarget] = await Promise.all([
        startTarget(kind),
        startTarget(kind, { user: 'cli', pass: 'secret-pw', authTimeoutMs: 2_000 }),
      ]);
      url = `nats://${target.host}:${target.port}`;
      authUrl = `nats://${authTarget.host}:${authTarget.port}`;
      dir = mkdtempSync(join(tmpdir(), 'wharf-natscli-'));
    });

    after(async () => {
      await Promise.all([target?.close(), authTarget?.close()]);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('nats sub --count receives what nats pub sends, headers included', async () => {
      const sub = startNats(url, ['sub', 'cli.pubsub', '--count', '3'], { timeoutMs: 15_000 });
      if (!(await sub.waitOutput(/Subscribing on cli\.pubsub/))) assert.fail(`nats sub did not subscribe:\n${show(await sub.stop())}`);
      // natscli prints that line before it subscribes: wait until the server has the subscription.
      await waitForInterest(target, 'cli.pubsub', 1);
      const pub = await runNats(url, ['pub', 'cli.pubsub', 'hello {{Count}}', '--count', '3', '-H', 'X-Wharf:yes']);
      assert.equal(pub.code, 0, `nats pub failed:\n${show(pub)}`);
      const r = await sub.exited();
      assert.equal(r.code, 0, `nats sub did not finish after 3 messages:\n${show(r)}`);
      for (const n of [1, 2, 3]) {
        assert.match(r.stdout, new RegExp(`\\[#${n}\\] Received on "cli\\.pubsub"`), show(r));
        assert.match(r.stdout, new RegExp(`hello ${n}`), show(r));
      }
      assert.equal(r.stdout.match(/X-Wharf: yes/g)?.length, 3, `headers not delivered:\n${show(r)}`);
    });

    it('nats sub with a wildcard and a queue group', async () => {
      const sub = startNats(url, ['sub', 'cli.wild.>', '--queue', 'workers', '--count', '2'], { timeoutMs: 15_000 });
      if (!(await sub.waitOutput(/Subscribing on cli\.wild\.>/))) assert.fail(`nats sub did not subscribe:\n${show(await sub.stop())}`);
      await waitForInterest(target, 'cli.wild.a', 1);
      assert.equal((await runNats(url, ['pub', 'cli.wild.a', 'first'])).code, 0);
      assert.equal((await runNats(url, ['pub', 'cli.wild.b.c', 'second'])).code, 0);
      const r = await sub.exited();
      assert.equal(r.code, 0, show(r));
      assert.match(r.stdout, /\[#1\] Received on "cli\.wild\.a"\n(.*\n)*?first/, show(r));
      assert.match(r.stdout, /\[#2\] Received on "cli\.wild\.b\.c"\n(.*\n)*?second/, show(r));
    });

    it('nats request gets the answer of nats reply', async () => {
      const reply = startNats(url, ['reply', 'cli.svc', 'pong'], { timeoutMs: 30_000 });
      try {
        if (!(await reply.waitOutput(/Listening on "?cli\.svc/))) assert.fail(`nats reply did not start:\n${show(await reply.stop())}`);
        for (const n of [1, 2]) {
          const r = await runNats(url, ['request', 'cli.svc', `ping ${n}`, '--raw']);
          assert.equal(r.code, 0, show(r));
          assert.equal(r.stdout.trim(), 'pong', show(r));
        }
      } finally {
        await reply.stop();
      }
    });

    it('nats request without responders says so', async () => {
      const r = await runNats(url, ['request', 'cli.nobody', 'x', '--timeout', '2s']);
      assert.match(r.stderr, /No responders are available/, show(r));
    });

    it('nats rtt measures a round trip', async () => {
      const r = await runNats(url, ['rtt', '3']);
      assert.equal(r.code, 0, show(r));
      assert.match(r.stdout, /\d+(\.\d+)?(µs|us|ms)/, show(r));
    });

    it('nats bench pub + sub: every message arrives', async () => {
      const msgs = 20_000;
      const subCsv = join(dir, `${kind}-sub.csv`);
      const pubCsv = join(dir, `${kind}-pub.csv`);
      const sub = startNats(url, ['bench', 'sub', 'cli.bench', '--msgs', String(msgs), '--size', '64', '--clients', '2', '--no-progress', '--csv', subCsv], { timeoutMs: 30_000 });
      if (!(await sub.waitOutput(/\[2\] Starting Core NATS subscriber/))) assert.fail(`nats bench sub did not start:\n${show(await sub.stop())}`);
      // Both subscriptions must have reached the server before the publisher starts.
      await waitForInterest(target, 'cli.bench', 2);
      const pub = await runNats(url, ['bench', 'pub', 'cli.bench', '--msgs', String(msgs), '--size', '64', '--no-progress', '--csv', pubCsv], { timeoutMs: 30_000 });
      assert.equal(pub.code, 0, show(pub));
      const r = await sub.exited();
      assert.equal(r.code, 0, `nats bench sub did not receive all messages:\n${show(r)}`);
      const rows = parseBenchCsv(readFileSync(subCsv, 'utf8'));
      assert.equal(rows.length, 2, readFileSync(subCsv, 'utf8'));
      for (const row of rows) assert.equal(Number(row.MsgCount), msgs);
      assert.ok(rows.every((row) => Number(row.MsgsPerSec) > 0));
    });

    it('nats bench service: requests through a queue group of responders', async () => {
      const serve = startNats(url, ['bench', 'service', 'serve', 'cli.bsvc', '--clients', '2', '--no-progress'], { timeoutMs: 30_000 });
      try {
        if (!(await serve.waitOutput(/\[2\] Starting Core NATS service/i))) assert.fail(`bench service serve did not start:\n${show(await serve.stop())}`);
        await waitForInterest(target, 'cli.bsvc', 2);
        const csv = join(dir, `${kind}-svc.csv`);
        const r = await runNats(url, ['bench', 'service', 'request', 'cli.bsvc', '--msgs', '2000', '--size', '16', '--no-progress', '--csv', csv], { timeoutMs: 30_000 });
        assert.equal(r.code, 0, show(r));
        const rows = parseBenchCsv(readFileSync(csv, 'utf8'));
        // natscli counts requests and replies: 2 x --msgs.
        assert.ok(Number(rows[0]?.MsgCount) >= 2000, readFileSync(csv, 'utf8'));
        assert.ok(Number(rows[0]?.P50LatencyMicroSecs) > 0);
      } finally {
        await serve.stop();
      }
    });

    it('user/password: right credentials work, wrong ones are refused', async () => {
      const ok = await runNats(authUrl, ['pub', 'cli.auth', 'x', '--user', 'cli', '--password', 'secret-pw']);
      assert.equal(ok.code, 0, show(ok));
      const bad = await runNats(authUrl, ['pub', 'cli.auth', 'x', '--user', 'cli', '--password', 'wrong'], { timeoutMs: 15_000 });
      assert.notEqual(bad.code, 0, `a wrong password was accepted:\n${show(bad)}`);
      assert.match(bad.stderr, /[Aa]uthorization [Vv]iolation/, show(bad));
    });
  });
}

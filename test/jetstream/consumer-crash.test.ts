// The durability promise of JetStream consumers under kill -9: a Wharf process (the CLI, fsync
// with group commit, its default) is killed with SIGKILL while a nats.js publisher and a durable
// pull consumer run, and restarted on the same data directory and port, several times. The
// consumer acks a third of its messages with AckSync (waiting for the confirmation), a third with
// plain acks and leaves a third unacknowledged. Across every crash:
//   - nothing acknowledged to the publisher (PubAck received) is lost from the stream;
//   - every message delivered and not acknowledged comes back (redelivered after a restart);
//   - no message whose AckSync was confirmed is delivered again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, connect, StringCodec, type NatsConnection } from 'nats';
import { freePort } from '../support/net.js';
import { CrashWharf } from '../support/crash-wharf.js';

const ROUNDS = 4;
const ACK_WAIT_NS = 1_500_000_000;
const sc = StringCodec();


interface Ledger {
  /** Payloads whose PubAck the publisher received. */
  published: Set<string>;
  /** Payloads the consumer received at least once. */
  delivered: Set<string>;
  /** AckSync confirmed, with the round it was confirmed in: must never come again after a restart. */
  confirmed: Map<string, number>;
  /** Payloads some delivery of which was acknowledged (plain or AckSync): not required to come again. */
  ackSent: Set<string>;
  /** Delivered and never acknowledged: must come again. */
  unacked: Set<string>;
  violations: string[];
}

async function runRound(nc: NatsConnection, round: number, ledger: Ledger, stop: () => boolean): Promise<void> {
  const js = nc.jetstream();
  const publisher = (async () => {
    for (let i = 0; !stop(); i++) {
      const payload = `r${round}-${i}`;
      try {
        await js.publish('crash.data', sc.encode(payload), { timeout: 2_000 });
        ledger.published.add(payload);
      } catch {
        return; // the broker died under the publish: not acknowledged, may or may not be stored
      }
    }
  })();
  const consumer = (async () => {
    let k = 0;
    const c = await js.consumers.get('CRASH', 'C');
    while (!stop()) {
      let batch;
      try {
        batch = await c.fetch({ max_messages: 20, expires: 1_000 });
      } catch {
        return;
      }
      try {
        for await (const m of batch) {
          const payload = sc.decode(m.data);
          // A copy sent before the confirmation may still arrive in the same round (a redelivery
          // in flight); after a restart nothing sent before it can, so any copy is a new delivery.
          const at = ledger.confirmed.get(payload);
          if (at !== undefined && at < round) ledger.violations.push(`${payload} delivered again in round ${round} after its AckSync was confirmed in round ${at} (delivery ${m.info.redeliveryCount})`);
          ledger.delivered.add(payload);
          ledger.unacked.delete(payload);
          const choice = k++ % 3;
          if (choice === 0) {
            ledger.ackSent.add(payload);
            const ok = await m.ackAck({ timeout: 2_000 }).catch(() => false);
            if (ok && !ledger.confirmed.has(payload)) ledger.confirmed.set(payload, round);
          } else if (choice === 1) {
            ledger.ackSent.add(payload);
            m.ack();
          } else if (!ledger.ackSent.has(payload)) {
            // (A late copy of a message already acknowledged owes nothing.)
            ledger.unacked.add(payload);
          }
          if (stop()) break;
        }
      } catch {
        return;
      }
    }
  })();
  await Promise.all([publisher, consumer]);
}

test('kill -9 while publishing and consuming: PubAcks kept, unacked redelivered, confirmed AckSyncs never redelivered', { timeout: 240_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-js-crash-'));
  const broker = new CrashWharf(dataDir, { natsPort: await freePort() });
  const ledger: Ledger = { published: new Set(), delivered: new Set(), confirmed: new Map(), ackSent: new Set(), unacked: new Set(), violations: [] };
  let restarts = 0;
  try {
    await broker.start();
    let nc = await connect({ servers: `127.0.0.1:${broker.options.natsPort}`, reconnect: false });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'CRASH', subjects: ['crash.>'] });
    await jsm.consumers.add('CRASH', { durable_name: 'C', ack_policy: AckPolicy.Explicit, ack_wait: ACK_WAIT_NS, max_ack_pending: 10_000 });
    for (let round = 1; round <= ROUNDS; round++) {
      let stopped = false;
      const before = { published: ledger.published.size, delivered: ledger.delivered.size };
      const run = runRound(nc, round, ledger, () => stopped);
      // Kill once this round has made progress on both sides (state, not time), then a little later.
      const end = Date.now() + 30_000;
      while ((ledger.published.size < before.published + 200 || ledger.delivered.size < before.delivered + 100) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      assert.ok(ledger.published.size >= before.published + 200, `round ${round}: the publisher made progress (${ledger.published.size - before.published})`);
      assert.ok(ledger.delivered.size >= before.delivered + 100, `round ${round}: the consumer made progress (${ledger.delivered.size - before.delivered})`);
      await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 200)));
      await broker.kill();
      stopped = true;
      await run;
      await nc.close().catch(() => {});
      await broker.start();
      restarts++;
      nc = await connect({ servers: `127.0.0.1:${broker.options.natsPort}`, reconnect: false });
    }
    // Drain: every message left is delivered (redeliveries after ack_wait included) and confirmed.
    const js = nc.jetstream();
    const c = await js.consumers.get('CRASH', 'C');
    let idleSince = Date.now();
    while (Date.now() - idleSince < ACK_WAIT_NS / 1e6 + 1_500) {
      let got = 0;
      for await (const m of await c.fetch({ max_messages: 200, expires: 1_000 })) {
        got++;
        const payload = sc.decode(m.data);
        const at = ledger.confirmed.get(payload);
        if (at !== undefined && at <= ROUNDS) ledger.violations.push(`${payload} delivered again after its AckSync was confirmed in round ${at} (drain)`);
        ledger.delivered.add(payload);
        ledger.unacked.delete(payload);
        ledger.ackSent.add(payload);
        if (await m.ackAck({ timeout: 2_000 }) && at === undefined) ledger.confirmed.set(payload, ROUNDS + 1);
      }
      if (got > 0) idleSince = Date.now();
    }
    // The stream still holds everything the publisher was told was stored.
    const stored = new Set<string>();
    const oc = await js.consumers.get('CRASH');
    const it = await oc.consume();
    const info = await jsm.streams.info('CRASH').catch(async () => (await nc.jetstreamManager()).streams.info('CRASH'));
    if (info.state.messages > 0) {
      for await (const m of it) {
        stored.add(sc.decode(m.data));
        if (m.info.pending === 0) break;
      }
    }
    await nc.close();
    t.diagnostic(`published ${ledger.published.size}, delivered ${ledger.delivered.size}, AckSync confirmed ${ledger.confirmed.size}, stored ${stored.size}`);
    assert.equal(restarts, ROUNDS, 'every round ended with a kill -9 and a restart');
    const lost = [...ledger.published].filter((p) => !stored.has(p));
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged publishes lost`);
    const neverDelivered = [...ledger.published].filter((p) => !ledger.delivered.has(p));
    assert.deepEqual(neverDelivered.slice(0, 10), [], `${neverDelivered.length} acknowledged publishes never reached the consumer`);
    assert.deepEqual([...ledger.unacked].slice(0, 10), [], `${ledger.unacked.size} unacknowledged messages were not redelivered`);
    assert.deepEqual(ledger.violations.slice(0, 10), [], `${ledger.violations.length} confirmed AckSyncs redelivered`);
    assert.ok(ledger.confirmed.size > 100, `AckSyncs were confirmed (${ledger.confirmed.size})`);
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\nbroker output:\n${broker.out}`);
  } finally {
    await broker.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

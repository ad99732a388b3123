// Differential test of the consumer API against nats-server v2.15.2: the capture script's
// consumer scenarios (consumer-create, consumer-admin, pull, ack-protocol, push, priority groups,
// retention) run against Wharf over a raw NATS connection, and every consumer exchange (consumer
// API answers, pull deliveries and statuses, ack confirmations, push deliveries, heartbeats and
// flow control, consumer advisories) must equal the captured fixture after the capture's own
// normalisation. Stream API answers are compared by the streams half's tests, not here.
// Wharf advertises its own server version and API level in `_nats.ver` / `_nats.level`; those
// two metadata values are the only ones not compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replayScenario, scenarioNamed, type Exchange, type Fixture, type RecordedMsg } from '../../scripts/capture-jetstream.js';
import { repoRoot } from '../support/wharf.js';
import { startConsumerTarget } from './support/consumer-target.js';

const SCENARIOS = ['consumer-create', 'consumer-admin', 'pull', 'ack-protocol', 'retention', 'priority-groups', 'push', 'advisories'];

function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(repoRoot(), 'test', 'jetstream', 'fixtures', `${name}.json`), 'utf8')) as Fixture;
}

/** Whether an exchange is the consumers half's: its request, or what came back, is about consumers. */
function isConsumerExchange(e: Exchange): boolean {
  const s = e.subject ?? '';
  // The API audit advisories (of every request of the scenario, consumer ones included) are
  // compared here: the streams half's replay skips the consumer requests.
  if (e.step === 'API audit advisories') return true;
  if (s.startsWith('$JS.API.STREAM.') || s === '$JS.API.INFO') return false;
  if (e.op === 'request' && !s.startsWith('$JS.') && (e.replies ?? []).every((r) => r.json !== undefined && typeof r.json === 'object' && r.json !== null && 'stream' in r.json && 'seq' in r.json)) {
    // A publish answered by a PubAck: the streams half's.
    return false;
  }
  return true;
}

function scrub(v: unknown): unknown {
  // The audit advisory embeds each response as a string, with the server's version and level.
  if (typeof v === 'string') return v.replace(/"_nats\.(ver|level)":"[^"]*"/g, '"_nats.$1":"<server>"');
  if (Array.isArray(v)) return v.map(scrub);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === '_nats.ver' || k === '_nats.level') o[k] = '<server>';
      // The audit advisory's client.id is the connection's number, which depends on the run.
      else if (k === 'id' && typeof x === 'number') o[k] = '<cid>';
      // nats-server measures a client's RTT with a PING of its own early on (sendRTTPing); Wharf
      // knows it after its first ping_interval PING, so before that the audit has no rtt, as Go's
      // omitempty leaves out a zero one.
      else if (k === 'rtt' && typeof v === 'object' && 'client_type' in v) continue;
      else o[k] = scrub(x);
    }
    return o;
  }
  return v;
}

function describe(r: RecordedMsg): unknown {
  // nats-server's internal replies (consumer reset, the API audit) carry an empty reply token
  // ("MSG <subject> <sid>  <size>"); clients read it as no reply, as Wharf sends it.
  return scrub(r.reply === '' ? { ...r, reply: null } : r);
}

function differences(name: string, want: Exchange[], got: Exchange[]): string[] {
  const out: string[] = [];
  if (want.length !== got.length) out.push(`${name}: ${got.length} exchanges, the fixture has ${want.length}`);
  const n = Math.min(want.length, got.length);
  for (let i = 0; i < n; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.step !== g.step) {
      out.push(`${name} #${i}: step "${g.step}", the fixture has "${w.step}"`);
      continue;
    }
    if (!isConsumerExchange(w)) continue;
    const wr = JSON.stringify((w.replies ?? []).map(describe));
    const gr = JSON.stringify((g.replies ?? []).map(describe));
    if (wr !== gr) out.push(`${name} #${i} "${w.step}":\n  want ${wr}\n  got  ${gr}`);
    if ((w.timedOut ?? false) !== (g.timedOut ?? false)) out.push(`${name} #${i} "${w.step}": timedOut ${String(g.timedOut ?? false)}, fixture ${String(w.timedOut ?? false)}`);
  }
  return out;
}

for (const name of SCENARIOS) {
  test(`consumer fixture replay: ${name}`, { timeout: 60_000 }, async () => {
    const sc = scenarioNamed(name);
    assert.ok(sc, `scenario ${name} exists in scripts/capture-jetstream.ts`);
    // The capture's server was named 'capture' (the audit advisory names the server twice).
    const h = await startConsumerTarget({ serverName: 'capture' });
    try {
      const got = await replayScenario(sc, h.port);
      const diff = differences(name, fixture(name).exchanges, got);
      assert.deepEqual(diff, [], diff.join('\n'));
    } finally {
      await h.close();
    }
  });
}

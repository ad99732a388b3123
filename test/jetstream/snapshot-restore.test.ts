// Stream snapshots and restores (STREAM.SNAPSHOT / STREAM.RESTORE, issue 11) through the wire:
//
// - `nats stream backup` then `nats stream rm` then `nats stream restore` (natscli v0.5.0), on
//   nats-server v2.15.2 -js as the control and on Wharf, with the same assertions: the restored
//   stream has the same state, config, messages (subjects, headers, payloads, times, deleted
//   sequences) and consumer state as before, read with nats.js; on Wharf the topic also reads
//   the same over Kafka (kafkajs: offsets, keys, values, headers, timestamps, log start).
// - The error answers of both APIs, compared with nats-server's byte for byte (JSON).
// - A restore the client abandons halfway leaves no stream; a snapshot that does not decode or
//   whose log is damaged is refused (10062) and leaves no stream and no topic behind.
// - A backup taken from nats-server restores into Wharf; flow control matches nats-server's.
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, connect, headers as natsHeaders, StorageType, StringCodec, type JetStreamManager, type NatsConnection } from 'nats';
import { peerSkip } from '../support/peers.js';
import { startNatsServer } from '../support/nats-server.js';
import { runNats, type CliResult } from '../support/natscli.js';
import { startWharf } from '../support/wharf.js';
import { freePort } from '../support/net.js';
import { waitFor, waitForValue } from '../support/wait.js';
import { kafkaClient, rawKafkajs } from '../kafka/support/kafkajs.js';
import { RawNats, type RawMsg } from './support/raw-nats.js';

const sc = StringCodec();
const skip = peerSkip('nats-server', 'nats');

function show(r: CliResult): string {
  return `exit ${r.code}${r.timedOut ? ' TIMED OUT' : ''}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
}

async function ok(url: string, args: string[]): Promise<CliResult> {
  const r = await runNats(url, args, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `nats ${args.join(' ')}\n${show(r)}`);
  return r;
}

/** Everything a reader sees of stream ORD and its consumer C, for before/after comparisons. */
async function observe(jsm: JetStreamManager): Promise<unknown> {
  const info = await jsm.streams.info('ORD');
  const st = info.state;
  const messages: unknown[] = [];
  for (let seq = 1; seq <= st.last_seq; seq++) {
    try {
      const m = await jsm.streams.getMessage('ORD', { seq });
      const hdrs = m.header === undefined ? [] : m.header.keys().map((k) => [k, m.header.values(k)]);
      messages.push({ seq: m.seq, subject: m.subject, data: sc.decode(m.data), headers: hdrs, time: m.time.toISOString() });
    } catch (e) {
      messages.push({ seq, gone: (e as { api_error?: { err_code?: number } }).api_error?.err_code ?? String(e) });
    }
  }
  const ci = await jsm.consumers.info('ORD', 'C');
  const cfg = { ...info.config } as Record<string, unknown>;
  return {
    config: cfg,
    state: { messages: st.messages, bytes: st.bytes, first_seq: st.first_seq, first_ts: st.first_ts, last_seq: st.last_seq, last_ts: st.last_ts, num_subjects: st.num_subjects, num_deleted: st.num_deleted, consumer_count: st.consumer_count },
    messages,
    consumer: {
      durable: ci.config.durable_name,
      filter: ci.config.filter_subject,
      delivered: [ci.delivered.consumer_seq, ci.delivered.stream_seq],
      ack_floor: [ci.ack_floor.consumer_seq, ci.ack_floor.stream_seq],
      num_ack_pending: ci.num_ack_pending,
      num_redelivered: ci.num_redelivered,
      num_pending: ci.num_pending,
    },
  };
}

/**
 * Twenty messages with headers; ord.hot (every 4th) over max_msgs_per_subject 3, so 4 and 8 leave
 * by the limit; 9 deleted, 11 erased, a purge below 3; a consumer with acked, pending and
 * redelivered messages.
 */
async function populate(nc: NatsConnection, jsm: JetStreamManager): Promise<void> {
  const js = nc.jetstream();
  await jsm.streams.add({ name: 'ORD', subjects: ['ord.>'], storage: StorageType.File, max_msgs_per_subject: 3 });
  for (let i = 1; i <= 20; i++) {
    const h = natsHeaders();
    if (i % 2 === 0) h.set('X-I', String(i));
    if (i % 5 === 0) h.append('X-I', 'again');
    await js.publish(i % 4 === 0 ? 'ord.hot' : `ord.c${i}`, sc.encode(`m${i}`), i % 2 === 0 || i % 5 === 0 ? { headers: h } : {});
  }
  await jsm.streams.deleteMessage('ORD', 9, false);
  await jsm.streams.deleteMessage('ORD', 11, true);
  await jsm.streams.purge('ORD', { seq: 3 });
  await jsm.consumers.add('ORD', { durable_name: 'C', ack_policy: AckPolicy.Explicit, filter_subject: 'ord.>', ack_wait: 60_000_000_000, max_deliver: 5 });
  const c = await js.consumers.get('ORD', 'C');
  const iter = await c.fetch({ max_messages: 6, expires: 5_000 });
  let n = 0;
  for await (const m of iter) {
    n++;
    if (n === 1 || n === 2 || n === 4) await m.ackAck();
    // A NAK sent as a request is confirmed once processed (both servers answer an ack with a reply),
    // so the next pull sees the message due again.
    else if (n === 5) await nc.request((m as unknown as { reply: string }).reply, sc.encode('-NAK'), { timeout: 5_000 });
  }
  // The nak'ed message comes again: one redelivery, left pending.
  const again = await c.fetch({ max_messages: 1, expires: 5_000 });
  for await (const m of again) void m;
  await nc.flush();
}

for (const kind of ['nats-server', 'wharf'] as const) {
  describe(`nats stream backup / restore against ${kind}`, { skip }, () => {
    let url: string;
    let kafkaPort: number | undefined;
    let close: () => Promise<void>;
    let store: string;
    let dir: string;

    before(async () => {
      store = mkdtempSync(join(tmpdir(), 'wharf-snap-store-'));
      dir = mkdtempSync(join(tmpdir(), 'wharf-snap-backup-'));
      if (kind === 'nats-server') {
        const t = await startNatsServer({ args: ['-js', '-sd', store] });
        url = `nats://${t.host}:${t.port}`;
        close = () => t.close();
      } else {
        const t = await startWharf({ kafkaPort: await freePort() });
        url = `nats://${t.host}:${t.port}`;
        kafkaPort = t.kafkaPort;
        close = () => t.close();
      }
    });

    after(async () => {
      await close?.();
      rmSync(store, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    });

    it('backup, delete, restore: the same stream, messages and consumer state; the consumer carries on', { timeout: 120_000 }, async () => {
      const nc = await connect({ servers: url.replace('nats://', '') });
      try {
        const jsm = await nc.jetstreamManager();
        await populate(nc, jsm);
        const kafka = kafkaPort !== undefined ? kafkaClient(kafkaPort) : null;
        const kafkaView = async (): Promise<unknown> => {
          if (kafka === null) return null;
          const raw = await rawKafkajs(kafka);
          try {
            const p = await raw.fetch({ topic: 'ORD', partition: 0, offset: 2 });
            return { errorCode: p.errorCode, highWatermark: p.highWatermark, records: p.records };
          } finally {
            await raw.close();
          }
        };
        const beforeView = await observe(jsm);
        const beforeKafka = await kafkaView();
        const b = beforeView as { state: { first_seq: number; last_seq: number; num_deleted: number }; consumer: { num_ack_pending: number; num_redelivered: number } };
        assert.deepEqual([b.state.first_seq, b.state.last_seq, b.state.num_deleted], [3, 20, 4], `purged below 3; 4, 8 (limit), 9, 11 deleted: ${JSON.stringify(b.state)}`);
        assert.deepEqual([b.consumer.num_ack_pending, b.consumer.num_redelivered], [3, 1], JSON.stringify(b.consumer));

        // The snapshot and restore advisories, as nats-server sends them.
        const advisories: Array<[string, string, string[]]> = [];
        const advSub = nc.subscribe('$JS.EVENT.ADVISORY.STREAM.>', {
          callback: (_e, m) => {
            if (!/\.(SNAPSHOT|RESTORE)_/.test(m.subject)) return;
            const j = JSON.parse(sc.decode(m.data)) as Record<string, unknown>;
            advisories.push([m.subject, String(j['type']), Object.keys(j)]);
          },
        });
        await nc.flush();
        const backup = join(dir, 'ord');
        await ok(url, ['stream', 'backup', 'ORD', backup, '--no-progress']);
        // natscli names the data file by its content: nats-server 2.15's archive is stream.arc.s2, a tar (Wharf's) stream.tar.s2.
        assert.ok(existsSync(join(backup, 'backup.json')) && existsSync(join(backup, kind === 'wharf' ? 'stream.tar.s2' : 'stream.arc.s2')));
        const meta = JSON.parse(readFileSync(join(backup, 'backup.json'), 'utf8')) as { config: { name: string }; state: { last_seq: number } };
        assert.deepEqual([meta.config.name, meta.state.last_seq], ['ORD', 20]);
        await ok(url, ['stream', 'rm', '-f', 'ORD']);
        await assert.rejects(jsm.streams.info('ORD'));
        const restored = await ok(url, ['stream', 'restore', backup, '--no-progress']);
        assert.match(restored.stdout, /Restored stream "ORD"/);

        const afterView = await observe(jsm);
        assert.deepEqual(afterView, beforeView);
        await waitFor(() => advisories.length >= 4, { what: 'four snapshot and restore advisories' });
        advSub.unsubscribe();
        const T = 'io.nats.jetstream.advisory.v1.';
        const A = '$JS.EVENT.ADVISORY.STREAM.';
        assert.deepEqual(advisories, [
          [`${A}SNAPSHOT_CREATE.ORD`, `${T}snapshot_create`, ['type', 'id', 'timestamp', 'stream', 'state', 'client']],
          [`${A}SNAPSHOT_COMPLETE.ORD`, `${T}snapshot_complete`, ['type', 'id', 'timestamp', 'stream', 'start', 'end', 'client']],
          [`${A}RESTORE_CREATE.ORD`, `${T}restore_create`, ['type', 'id', 'timestamp', 'stream', 'client']],
          [`${A}RESTORE_COMPLETE.ORD`, `${T}restore_complete`, ['type', 'id', 'timestamp', 'stream', 'start', 'end', 'bytes', 'client']],
        ]);
        if (kafka !== null) assert.deepEqual(await kafkaView(), beforeKafka, 'the same topic over Kafka: offsets, keys, values, headers, timestamps');

        // The restored consumer carries on: the next new message is the one after what it had delivered.
        const js = nc.jetstream();
        const c = await js.consumers.get('ORD', 'C');
        const deliveredSeq = ((afterView as { consumer: { delivered: number[] } }).consumer.delivered)[1]!;
        const m = await c.next({ expires: 5_000 });
        assert.ok(m !== null, 'a message after the restore');
        assert.ok(m.seq > deliveredSeq, `next delivery ${m.seq} follows the restored delivered ${deliveredSeq}`);
        m.ack();
        // And the stream takes new publishes after its restored last sequence.
        const ack = await js.publish('ord.new', sc.encode('after'));
        assert.equal(ack.seq, 21);
      } finally {
        await nc.close();
      }
    });

    it('backup without consumers restores none', { timeout: 60_000 }, async () => {
      const backup = join(dir, 'noc');
      await ok(url, ['stream', 'backup', 'ORD', backup, '--no-progress', '--no-consumers']);
      await ok(url, ['stream', 'rm', '-f', 'ORD']);
      await ok(url, ['stream', 'restore', backup, '--no-progress']);
      const nc = await connect({ servers: url.replace('nats://', '') });
      try {
        const jsm = await nc.jetstreamManager();
        const info = await jsm.streams.info('ORD');
        assert.deepEqual([info.state.last_seq, info.state.consumer_count], [21, 0]);
        assert.equal((await jsm.consumers.list('ORD').next()).length, 0);
      } finally {
        await nc.close();
      }
    });

    it('the newer commands: nats backup account, nats backup restore account', { timeout: 60_000 }, async () => {
      const backup = join(dir, 'account');
      await ok(url, ['backup', 'account', backup, '-f']);
      await ok(url, ['stream', 'rm', '-f', 'ORD']);
      await ok(url, ['backup', 'restore', 'account', backup]);
      const info = JSON.parse((await ok(url, ['stream', 'info', 'ORD', '-j'])).stdout) as { state: { messages: number; last_seq: number } };
      assert.equal(info.state.last_seq, 21);
    });
  });
}

/** The JSON of the first reply, or the header line for a status. */
function answer(msgs: RawMsg[]): unknown {
  const m = msgs[0];
  if (m === undefined) return 'no answer';
  if (m.payload.length === 0) return m.hdr;
  return JSON.parse(m.payload.toString('utf8'));
}

/** The requests of the error cases and their answers on one server. */
async function errorAnswers(port: number): Promise<Record<string, unknown>> {
  const c = await RawNats.open(port, 'snap-errors');
  const out: Record<string, unknown> = {};
  let n = 0;
  const req = async (step: string, subject: string, body: string | null): Promise<RawMsg[]> => {
    const msgs = await c.request(subject, `_INBOX.snap.${n++}`, Buffer.from(body ?? ''), null, 1, 5_000);
    out[step] = answer(msgs);
    return msgs;
  };
  try {
    await c.request('$JS.API.STREAM.CREATE.E', '_INBOX.snap.create', Buffer.from(JSON.stringify({ name: 'E', subjects: ['e.>'] })), null, 1, 5_000);
    await c.request('$JS.API.STREAM.CREATE.MEM', '_INBOX.snap.mem', Buffer.from(JSON.stringify({ name: 'MEM', subjects: ['mem.>'], storage: 'memory' })), null, 1, 5_000);
    await req('snapshot of an unknown stream', '$JS.API.STREAM.SNAPSHOT.NOPE', '{"deliver_subject":"x.y"}');
    await req('snapshot without a body', '$JS.API.STREAM.SNAPSHOT.E', null);
    await req('snapshot with an empty object', '$JS.API.STREAM.SNAPSHOT.E', '{}');
    await req('snapshot to a wildcard subject', '$JS.API.STREAM.SNAPSHOT.E', '{"deliver_subject":"x.*"}');
    await req('snapshot with a bad type', '$JS.API.STREAM.SNAPSHOT.E', '{"deliver_subject":7}');
    await req('snapshot with an unknown field', '$JS.API.STREAM.SNAPSHOT.E', '{"deliver_subject":"x.y","nope":1}');
    await req('snapshot of a memory stream', '$JS.API.STREAM.SNAPSHOT.MEM', '{"deliver_subject":"x.y"}');
    await req('restore without a body', '$JS.API.STREAM.RESTORE.R', null);
    await req('restore with bad JSON', '$JS.API.STREAM.RESTORE.R', '{"config":');
    await req('restore with a bad type', '$JS.API.STREAM.RESTORE.R', '{"config":{"name":5}}');
    await req('restore with another name', '$JS.API.STREAM.RESTORE.R', JSON.stringify({ config: { name: 'OTHER', subjects: ['r.>'] }, state: {} }));
    await req('restore of an existing stream', '$JS.API.STREAM.RESTORE.E', JSON.stringify({ config: { name: 'E', subjects: ['e2.>'] }, state: {} }));
    await req('restore with an unknown retention', '$JS.API.STREAM.RESTORE.R', JSON.stringify({ config: { name: 'R', subjects: ['r.>'], retention: 'bogus' }, state: {} }));
    await req('restore with an unknown storage', '$JS.API.STREAM.RESTORE.R', JSON.stringify({ config: { name: 'R', subjects: ['r.>'], storage: 'disk' }, state: {} }));
    await req('restore with an unknown compression', '$JS.API.STREAM.RESTORE.R', JSON.stringify({ config: { name: 'R', subjects: ['r.>'], compression: 'zip' }, state: {} }));
    await req('stream create with an unknown discard', '$JS.API.STREAM.CREATE.R', JSON.stringify({ name: 'R', subjects: ['r.>'], discard: 'oldest' }));
    await req('restore with an invalid config', '$JS.API.STREAM.RESTORE.R', JSON.stringify({ config: { name: 'R', subjects: ['r.>'], discard_new_per_subject: true, max_msgs_per_subject: 1 }, state: {} }));
    await req('restore with max_age under the duplicate window', '$JS.API.STREAM.RESTORE.R', JSON.stringify({ config: { name: 'R', subjects: ['r.>'], max_age: 1_000_000_000, duplicate_window: 2_000_000_000 }, state: {} }));
    await req('restore over the account\'s memory', '$JS.API.STREAM.RESTORE.R', JSON.stringify({ config: { name: 'R', subjects: ['r.>'], storage: 'memory', max_bytes: 1_000_000_000_000_000 }, state: {} }));
    // A restore whose data is not a snapshot: accepted, then refused at the end (10062).
    const started = await req('restore accepted', '$JS.API.STREAM.RESTORE.R', JSON.stringify({ config: { name: 'R', subjects: ['r.>'], storage: 'file' }, state: {} }));
    const deliver = (JSON.parse(started[0]!.payload.toString()) as { deliver_subject: string }).deliver_subject;
    out['restore accepted'] = { ...(out['restore accepted'] as object), deliver_subject: deliver.replace(/\.[^.]+$/, '.<id>') };
    const chunk = await c.request(deliver, '_INBOX.snap.chunk', Buffer.from('this is not a snapshot'), null, 1, 5_000);
    out['chunk ack'] = { payload: chunk[0]?.payload.length, hdr: chunk[0]?.hdr ?? null };
    const end = await c.request(deliver, '_INBOX.snap.end', Buffer.alloc(0), null, 1, 10_000);
    const e = answer(end) as { type: string; error: { code: number; err_code: number; description: string } };
    // The reason after "restore failed: " is each server's own (its snapshot format).
    assert.match(e.error.description, /^restore failed: /, JSON.stringify(e));
    out['restore of data that is not a snapshot'] = { type: e.type, code: e.error.code, err_code: e.error.err_code };
    await req('no stream after the failed restore', '$JS.API.STREAM.INFO.R', null);
  } finally {
    c.close();
  }
  return out;
}

test('snapshot and restore errors are nats-server\'s (differential, raw connections)', { skip: peerSkip('nats-server'), timeout: 60_000 }, async () => {
  const store = mkdtempSync(join(tmpdir(), 'wharf-snap-diff-'));
  const ns = await startNatsServer({ args: ['-js', '-sd', store] });
  // nats-server derives its memory limit from the machine; Wharf's default is unlimited (docs/jetstream.md 1.20).
  const w = await startWharf({ jsMaxMemory: 1024 * 1024 * 1024 });
  try {
    const expected = await errorAnswers(ns.port);
    const got = await errorAnswers(w.port);
    for (const step of Object.keys(expected)) assert.deepEqual(got[step], expected[step], `${step}\nnats-server: ${JSON.stringify(expected[step])}\nwharf: ${JSON.stringify(got[step])}`);
    assert.deepEqual(Object.keys(got), Object.keys(expected));
  } finally {
    await w.close();
    await ns.close();
    rmSync(store, { recursive: true, force: true });
  }
});

test('a restore abandoned by its client, or of a damaged snapshot, leaves no stream and no topic', { timeout: 90_000 }, async () => {
  const w = await startWharf({ kafkaPort: await freePort() });
  const nc = await connect({ servers: `127.0.0.1:${w.port}` });
  const kafka = kafkaClient(w.kafkaPort!);
  const admin = kafka.admin();
  try {
    const jsm = await nc.jetstreamManager();
    const js = nc.jetstream();
    await jsm.streams.add({ name: 'HALF', subjects: ['half.>'] });
    // Random payloads (first byte i): the archive is compressed, and 300 payloads of one repeated
    // byte came to about five 4 KiB chunks, sometimes fewer, which made the chunk count below a
    // matter of the timestamps' compressibility.
    for (let i = 0; i < 300; i++) {
      const payload = randomBytes(512);
      payload[0] = i & 0xff;
      await js.publish(`half.${i % 7}`, payload);
    }
    // A snapshot over the raw API, collected whole.
    const c = await RawNats.open(w.port, 'snap-raw');
    const sid = c.sub('_INBOX.raw.snap');
    const answer0 = await c.request('$JS.API.STREAM.SNAPSHOT.HALF', '_INBOX.raw.req', Buffer.from('{"deliver_subject":"_INBOX.raw.snap","chunk_size":4096,"window_size":16384}'), null, 1, 5_000);
    assert.equal((JSON.parse(answer0[0]!.payload.toString()) as { state: { messages: number } }).state.messages, 300);
    const chunks: Buffer[] = [];
    let acked = 0;
    const got = c.messages(sid);
    // Ack as nats stream backup does; the end is a header-only message.
    assert.ok(
      await c.waitFor(() => {
        for (; acked < got.length; acked++) {
          const m = got[acked]!;
          if (m.payload.length > 0) chunks.push(m.payload);
          if (m.reply !== null) c.pub(m.reply, null, Buffer.alloc(0), null);
        }
        return got.some((m) => m.payload.length === 0);
      }, 20_000),
      'the snapshot ends',
    );
    const endMsg = got.find((m) => m.payload.length === 0)!;
    assert.match(endMsg.hdr ?? '', /^NATS\/1\.0 204/);
    assert.ok(chunks.length > 4 && chunks.slice(0, -1).every((b) => b.length === 4096), 'full chunks of chunk_size, a shorter last one');
    const snapshot = Buffer.concat(chunks);
    await jsm.streams.delete('HALF');

    const restore = async (name: string, data: Buffer, finish: boolean): Promise<unknown> => {
      // The name is free once an earlier restore of it is removed (10130 until then).
      const deliver = await waitForValue(
        async () => {
          const r = await c.request(`$JS.API.STREAM.RESTORE.${name}`, '_INBOX.raw.rreq', Buffer.from(JSON.stringify({ config: { name, subjects: ['half.>'] }, state: {} })), null, 1, 5_000);
          return (JSON.parse(r[0]!.payload.toString()) as { deliver_subject: string }).deliver_subject;
        },
        (d) => d !== '',
        { what: `a restore of ${name} accepted` },
      );
      for (let pos = 0; pos < data.length; pos += 8192) {
        const ack = await c.request(deliver, `_INBOX.raw.ack.${pos}`, data.subarray(pos, pos + 8192), null, 1, 5_000);
        assert.equal(ack.length, 1, 'each chunk answered');
        // A chunk whose data could not be restored is answered with the error, as by nats-server.
        if (ack[0]!.payload.length > 0) return JSON.parse(ack[0]!.payload.toString());
      }
      if (!finish) return null;
      const end = await c.request(deliver, '_INBOX.raw.end', Buffer.alloc(0), null, 1, 20_000);
      return JSON.parse(end[0]!.payload.toString());
    };
    const names = async (): Promise<string[]> => (await jsm.streams.names().next()) ?? [];
    await admin.connect();

    // Half the snapshot, then the client goes quiet: no stream ever, and once the restore is
    // stalled (5 s without a chunk) the partly filled topic is gone too.
    await restore('HALF', snapshot.subarray(0, Math.floor(snapshot.length / 2)), false);
    assert.deepEqual(await names(), []);
    await waitFor(async () => !(await admin.listTopics()).includes('HALF'), { what: 'the stalled restore removed', timeoutMs: 20_000 });
    assert.deepEqual(await names(), []);

    // A damaged log entry: the manifest decodes, a batch does not (CRC): refused, nothing left.
    const damaged = Buffer.from(snapshot);
    const { decodeS2Frames } = await import('../../src/core/streams/s2-frames.js');
    const plain = decodeS2Frames(damaged);
    const at = plain.indexOf(Buffer.from('log/'));
    assert.ok(at > 0);
    plain[at + 512 + 200] = plain[at + 512 + 200]! ^ 0xff;
    const { S2FrameWriter } = await import('../../src/core/streams/s2-frames.js');
    const reframed = Buffer.concat(new S2FrameWriter().encode(plain));
    const refused = (await restore('HALF', reframed, true)) as { type: string; error?: { err_code: number; description: string } };
    assert.equal(refused.type, 'io.nats.jetstream.api.v1.stream_create_response');
    assert.equal(refused.error?.err_code, 10062, JSON.stringify(refused));
    assert.deepEqual(await names(), []);
    assert.ok(!(await admin.listTopics()).includes('HALF'), 'the partly restored topic is deleted');

    // The whole snapshot restores.
    const okAnswer = (await restore('HALF', snapshot, true)) as { type: string; state: { messages: number; last_seq: number } };
    assert.deepEqual([okAnswer.type, okAnswer.state.messages, okAnswer.state.last_seq], ['io.nats.jetstream.api.v1.stream_create_response', 300, 300]);
    const m = await jsm.streams.getMessage('HALF', { seq: 300 });
    assert.deepEqual([m.subject, m.data.length, m.data[0]], [`half.${299 % 7}`, 512, 299 & 0xff]);
    c.close();
  } finally {
    await admin.disconnect().catch(() => {});
    await nc.close();
    await w.close();
  }
});

// A backup taken from nats-server 2.15 (its "NATSARC1" archive, stream.arc.s2) restores into
// Wharf: the same messages, state and consumer state (docs/jetstream.md 1.22).
test('a backup taken from nats-server restores into Wharf with its messages and consumer state', { skip, timeout: 120_000 }, async () => {
  const store = mkdtempSync(join(tmpdir(), 'wharf-snap-ns-'));
  const dir = mkdtempSync(join(tmpdir(), 'wharf-snap-ns-backup-'));
  const ns = await startNatsServer({ args: ['-js', '-sd', store] });
  const w = await startWharf();
  const nsc = await connect({ servers: `127.0.0.1:${ns.port}` });
  const wc = await connect({ servers: `127.0.0.1:${w.port}` });
  try {
    const nsUrl = `nats://${ns.host}:${ns.port}`;
    const nsJsm = await nsc.jetstreamManager();
    await populate(nsc, nsJsm);
    const expected = (await observe(nsJsm)) as Record<string, unknown>;
    await ok(nsUrl, ['stream', 'backup', 'ORD', join(dir, 'ord'), '--no-progress']);
    assert.ok(existsSync(join(dir, 'ord', 'stream.arc.s2')));
    await ok(`nats://${w.host}:${w.port}`, ['stream', 'restore', join(dir, 'ord'), '--no-progress']);
    const got = (await observe(await wc.jetstreamManager())) as Record<string, unknown>;
    assert.deepEqual(got['messages'], expected['messages'], 'subjects, headers, payloads, times (ms), deleted sequences');
    // Wharf keeps milliseconds (docs/jetstream.md 1.1): nats-server's nanoseconds are cut.
    const ms = (st: unknown): unknown => {
      const o = { ...(st as Record<string, unknown>) };
      for (const k of ['first_ts', 'last_ts']) o[k] = new Date(Date.parse(String(o[k]))).toISOString();
      return o;
    };
    assert.deepEqual(ms(got['state']), ms(expected['state']));
    assert.deepEqual(got['consumer'], expected['consumer']);
  } finally {
    await nsc.close();
    await wc.close();
    await w.close();
    await ns.close();
    rmSync(store, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A snapshot whose receiver never acks: what arrives before the end, and the end's status line. */
async function unackedSnapshot(port: number, nc: NatsConnection): Promise<{ chunks: number[]; end: string | null; acked: boolean[] }> {
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  await jsm.streams.add({ name: 'FC', subjects: ['fc.>'] });
  // Incompressible payloads: the snapshot is several windows long whatever the compression.
  for (let i = 0; i < 40; i++) await js.publish(`fc.${i}`, randomBytes(300));
  const c = await RawNats.open(port, 'snap-fc');
  try {
    const sid = c.sub('_INBOX.fc.snap');
    await c.request('$JS.API.STREAM.SNAPSHOT.FC', '_INBOX.fc.req', Buffer.from('{"deliver_subject":"_INBOX.fc.snap","chunk_size":1024,"window_size":2048}'), null, 1, 5_000);
    const got = c.messages(sid);
    assert.ok(await c.waitFor(() => got.some((m) => m.payload.length === 0), 20_000), 'the snapshot ends without acks');
    const data = got.filter((m) => m.payload.length > 0);
    return { chunks: data.map((m) => m.payload.length), end: got.find((m) => m.payload.length === 0)!.hdr?.split('\r\n')[0] ?? null, acked: data.map((m) => m.reply !== null) };
  } finally {
    c.close();
  }
}

test('flow control: without acks a snapshot sends one window (window_size / chunk_size chunks), then ends 408 No Flow Response, as nats-server', { skip: peerSkip('nats-server'), timeout: 60_000 }, async () => {
  const store = mkdtempSync(join(tmpdir(), 'wharf-snap-fc-'));
  const ns = await startNatsServer({ args: ['-js', '-sd', store] });
  const w = await startWharf();
  const results: unknown[] = [];
  try {
    for (const port of [ns.port, w.port]) {
      const nc = await connect({ servers: `127.0.0.1:${port}` });
      try {
        results.push(await unackedSnapshot(port, nc));
      } finally {
        await nc.close();
      }
    }
    assert.deepEqual(results[0], { chunks: [1024, 1024], end: 'NATS/1.0 408 No Flow Response', acked: [true, true] }, 'nats-server');
    assert.deepEqual(results[1], results[0], 'Wharf as nats-server');
  } finally {
    await w.close();
    await ns.close();
    rmSync(store, { recursive: true, force: true });
  }
});

const ACCOUNTS_CONFIG = (storeDir: string): string => `
jetstream { store_dir: "${storeDir}" }
accounts {
  A { jetstream: enabled, users = [ { user: a, password: a } ] }
  B { jetstream: enabled, users = [ { user: b, password: b } ] }
  C { jetstream { max_mem: 1M, max_file: 10M, max_streams: 2 }, users = [ { user: c, password: c } ] }
  D { users = [ { user: d, password: d } ] }
}
`;

// Accounts (a configuration file as test/jetstream/accounts.test.ts uses): a backup of account A's
// stream restores into account B; the restores an account may not make are refused as by
// nats-server (C: max_streams reached; D: no JetStream).
test('accounts: a backup restores into another account; max_streams and no-JetStream refusals are nats-server\'s', { skip, timeout: 120_000 }, async () => {
  const { startBroker } = await import('../../src/index.js');
  const outcomes: unknown[] = [];
  for (const kind of ['nats-server', 'wharf'] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-snap-acc-'));
    const config = ACCOUNTS_CONFIG(join(dir, 'store'));
    let port: number;
    let close: () => Promise<void>;
    if (kind === 'nats-server') {
      const s = await startNatsServer({ config, monitor: false });
      port = s.port;
      close = () => s.close();
    } else {
      const file = join(dir, 'accounts.conf');
      (await import('node:fs')).writeFileSync(file, config);
      const b = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { configFile: file, port: 0 }, kafka: { port: 0 }, http: { port: -1 } });
      port = b.ports.nats;
      close = () => b.close();
    }
    const conns: NatsConnection[] = [];
    try {
      const as = async (u: string): Promise<NatsConnection> => {
        const nc = await connect({ servers: `127.0.0.1:${port}`, user: u, pass: u, reconnect: false });
        conns.push(nc);
        return nc;
      };
      const a = await as('a');
      const ja = await a.jetstreamManager();
      await ja.streams.add({ name: 'ACC', subjects: ['acc.>'] });
      for (let i = 1; i <= 5; i++) await a.jetstream().publish(`acc.${i}`, sc.encode(`v${i}`));
      const url = `nats://127.0.0.1:${port}`;
      await ok(url, ['--user', 'a', '--password', 'a', 'stream', 'backup', 'ACC', join(dir, 'acc'), '--no-progress']);
      await ok(url, ['--user', 'b', '--password', 'b', 'stream', 'restore', join(dir, 'acc'), '--no-progress']);
      const jb = await (await as('b')).jetstreamManager();
      const info = await jb.streams.info('ACC');
      const last = await jb.streams.getMessage('ACC', { seq: 5 });
      const inA = (await ja.streams.info('ACC')).state.messages;
      // C may have two streams: a third by restore is refused; D has no JetStream.
      const c = await as('c');
      const jc = await c.jetstreamManager();
      await jc.streams.add({ name: 'C1', subjects: ['c1'] });
      await jc.streams.add({ name: 'C2', subjects: ['c2'] });
      const restoreBody = sc.encode(JSON.stringify({ config: { name: 'C3', subjects: ['c3'] }, state: {} }));
      const denied = JSON.parse(sc.decode((await c.request('$JS.API.STREAM.RESTORE.C3', restoreBody, { timeout: 5_000 })).data)) as unknown;
      const d = await as('d');
      const noJs = JSON.parse(sc.decode((await d.request('$JS.API.STREAM.RESTORE.C3', restoreBody, { timeout: 5_000 })).data)) as unknown;
      outcomes.push({ b: [info.state.messages, info.state.last_seq, last.subject, sc.decode(last.data)], inA, denied, noJs });
    } finally {
      for (const nc of conns) await nc.close().catch(() => {});
      await close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  assert.deepEqual((outcomes[0] as { b: unknown }).b, [5, 5, 'acc.5', 'v5'], 'nats-server: restored into B');
  assert.deepEqual(outcomes[1], outcomes[0], 'Wharf as nats-server');
});

// A JetStream delivery's ack subject is handed to receivers as bytes written in place
// (Router.deliverAsReplyBytes, src/jetstream/deliveries.ts AckReply): a receiver with
// deliverReplyBytes() writes it without a string, the others get the same subject as a string.
// Both must be byte-identical to nats-server's v1 form that DeliveryWriter.ackSubject() builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router, type ReplyBytes, type RoutedSubscription, type SubscriptionOwner } from '../../src/core/routing/router.js';
import { DeliveryWriter } from '../../src/jetstream/deliveries.js';
import type { Delivery } from '../../src/core/coordinators/jetstream/consumer-types.js';

const owner: SubscriptionOwner = { echo: true };

interface Got {
  subject: string;
  reply: string;
  viaBytes: boolean;
  msg: Buffer;
  hdrLen: number;
}

function receiver(subject: string, got: Got[], withBytes: boolean): RoutedSubscription {
  const sub: RoutedSubscription = {
    subject,
    queue: undefined,
    owner: { echo: true },
    deliver(s, reply, hdrLen, buf, start, end) {
      got.push({ subject: s, reply: reply ?? '', viaBytes: false, msg: Buffer.from(buf.subarray(start, end)), hdrLen });
    },
  };
  if (withBytes)
    sub.deliverReplyBytes = (s: string, reply: ReplyBytes, hdrLen: number, buf: Buffer, start: number, end: number) => {
      // Written into a larger buffer at an offset, as the outbound buffer does.
      const out = Buffer.alloc(reply.length + 10, 0x7e);
      const endAt = reply.writeTo(out, 5);
      assert.equal(endAt, 5 + reply.length);
      assert.equal(out[4], 0x7e);
      assert.equal(out[endAt], 0x7e);
      got.push({ subject: s, reply: out.subarray(5, endAt).toString('latin1'), viaBytes: true, msg: Buffer.from(buf.subarray(start, end)), hdrLen });
    };
  return sub;
}

function delivery(seq: number, time: number, deliveries: number, consumerSeq: number, pending: number, hdr = '', data = 'payload', extra: Partial<Delivery> = {}): Delivery {
  return { msg: { seq, subject: 'orders.eu', hdr: Buffer.from(hdr, 'latin1'), data: Buffer.from(data), time }, deliveries, consumerSeq, pending, pinId: undefined, headersOnly: false, ...extra };
}

const cases: Delivery[] = [
  delivery(1, 1764813000123, 1, 1, 0),
  delivery(9, 1764813000123, 1, 9, 99_990),
  delivery(10, 1764813000123, 2, 10, 10),
  delivery(123_456_789, 1764813000124, 17, 98_765_432, 1_000_000_007),
  delivery(2 ** 40, 1, 1, 2 ** 40 + 1, 0),
  delivery(5, 0, 1, 5, 3),
  delivery(6, 1764813000125, 1, 6, 2, 'NATS/1.0\r\nA: b\r\n\r\n'),
  delivery(7, 1764813000125, 1, 7, 1, 'NATS/1.0\r\nA: b\r\n\r\n', ''),
  delivery(8, 1764813000125, 1, 8, 0, '', 'x', { pinId: 'PIN1' }),
];

for (const withBytes of [true, false]) {
  test(`ack subjects ${withBytes ? 'written from bytes by a receiver with deliverReplyBytes' : 'as strings to a receiver without it'}: identical to ackSubject()`, () => {
    const router = new Router();
    const got: Got[] = [];
    router.subscriptions.insert(receiver('_INBOX.pull', got, withBytes));
    const writer = new DeliveryWriter(router, owner);
    const prefix = '$JS.ACK.ORDERS.dur-1.';
    for (const d of cases) assert.equal(writer.send('_INBOX.pull', prefix, d), 1);
    // Another consumer's prefix through the same writer.
    const other = '$JS.ACK.S2.c2.';
    assert.equal(writer.send('_INBOX.pull', other, cases[3]!), 1);
    assert.equal(got.length, cases.length + 1);
    const expected = [...cases.map((d) => writer.ackSubject(prefix, d)), writer.ackSubject(other, cases[3]!)];
    assert.deepEqual(
      got.map((g) => g.reply),
      expected,
    );
    assert.equal(expected[0], '$JS.ACK.ORDERS.dur-1.1.1.1.1764813000123000000.0');
    assert.equal(expected[4], `$JS.ACK.ORDERS.dur-1.1.${2 ** 40}.${2 ** 40 + 1}.1000000.0`);
    assert.equal(expected[5], '$JS.ACK.ORDERS.dur-1.1.5.5.0000000.3');
    for (const g of got) {
      assert.equal(g.viaBytes, withBytes);
      assert.equal(g.subject, 'orders.eu');
    }
    // Lengths agree with what size() counts (ackLength).
    for (let i = 0; i < cases.length; i++) assert.equal(writer.ackLength(prefix, cases[i]!), expected[i]!.length);
    // The messages themselves: headers then payload; the pinned one gets its header added.
    assert.equal(got[0]!.msg.toString(), 'payload');
    assert.equal(got[6]!.msg.toString(), 'NATS/1.0\r\nA: b\r\n\r\npayload');
    assert.equal(got[6]!.hdrLen, 18);
    assert.equal(got[7]!.msg.toString(), 'NATS/1.0\r\nA: b\r\n\r\n');
    assert.equal(got[8]!.msg.toString(), 'NATS/1.0\r\nNats-Pin-Id: PIN1\r\n\r\nx');
  });
}

test('a receiver with deliverReplyBytes and one without, on the same subject: each gets the ack subject its way', () => {
  const router = new Router();
  const a: Got[] = [];
  const b: Got[] = [];
  router.subscriptions.insert(receiver('deliver.x', a, true));
  router.subscriptions.insert(receiver('deliver.x', b, false));
  const writer = new DeliveryWriter(router, owner);
  const d = delivery(42, 1764813000999, 3, 40, 7);
  assert.equal(writer.send('deliver.x', '$JS.ACK.S.C.', d), 2);
  assert.deepEqual(a.map((g) => [g.reply, g.viaBytes]), [['$JS.ACK.S.C.3.42.40.1764813000999000000.7', true]]);
  assert.deepEqual(b.map((g) => [g.reply, g.viaBytes]), [['$JS.ACK.S.C.3.42.40.1764813000999000000.7', false]]);
});

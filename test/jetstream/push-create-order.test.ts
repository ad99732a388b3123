// A push consumer created on a stream that already holds messages: its first messages go out in
// a later socket write than the CONSUMER.CREATE reply, not in the same one. nats.go's legacy
// js.Subscribe(..., nats.Context(ctx)) waits for that reply with a context its message callback
// cancels after 50 messages (TestJetStreamSubscribeContextCancel): when the reply and 100
// messages arrive in one read, the callback goroutine often cancels before the requesting
// goroutine sees the reply, and Subscribe fails with "context canceled" (3 of 8 runs passed alone
// on Wharf when its pump started in a microtask of the create, 8 of 8 once the first delivery
// waits for the next turn of the event loop; nats-server, whose consumer delivers from its own
// goroutine, 4 of 5). Wharf runs as its own process and the client is a raw socket, so what it
// reads is what Wharf wrote: the chunk holding the reply must hold no message of the deliver
// subject. (Two writes may still be read as one chunk; the assertion is on the chunk of the
// reply only, so that can only hide a regression, not fail a correct broker, unless the
// machine stalls the reader between Wharf's two writes: the check takes the best of up to 10 creates.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { spawnWharf, type WharfProcess } from '../support/wharf.js';
import { waitFor } from '../support/wait.js';

/** A raw NATS connection that records each chunk it reads. */
async function raw(port: number): Promise<{ s: Socket; chunks: string[]; text: () => string }> {
  const s = connect(port, '127.0.0.1');
  const chunks: string[] = [];
  s.on('data', (d: Buffer) => chunks.push(d.toString('latin1')));
  await new Promise<void>((r) => s.once('connect', () => r()));
  await waitFor(() => chunks.join('').includes('INFO '), { what: 'INFO' });
  s.write('CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true,"protocol":1}\r\nPING\r\n');
  await waitFor(() => chunks.join('').includes('PONG'), { what: 'PONG' });
  return { s, chunks, text: () => chunks.join('') };
}

function pub(s: Socket, subject: string, reply: string, body: string): void {
  s.write(`PUB ${subject} ${reply} ${Buffer.byteLength(body)}\r\n${body}\r\n`);
}

describe('push consumer create: the first messages are written after the reply', () => {
  let wharf: WharfProcess;
  before(async () => {
    wharf = await spawnWharf(['--log-level', 'warn']);
    const c = await raw(wharf.port);
    c.s.write('SUB _R.setup 1\r\n');
    pub(c.s, '$JS.API.STREAM.CREATE.ORDER', '_R.setup', JSON.stringify({ name: 'ORDER', subjects: ['bar'] }));
    await waitFor(() => c.text().includes('MSG _R.setup'), { what: 'the stream create reply' });
    for (let i = 0; i < 100; i++) pub(c.s, 'bar', '_R.setup', 'foo');
    await waitFor(() => (c.text().match(/MSG _R\.setup/g) ?? []).length >= 101, { what: '100 PubAcks' });
    c.s.destroy();
  });
  after(async () => {
    await wharf?.close();
  });

  for (const kind of ['ephemeral', 'durable'] as const) {
    it(`${kind}: the chunk with the CONSUMER.CREATE reply holds no delivered message`, { timeout: 60_000 }, async () => {
      const mixed: number[] = [];
      // Up to 10 creates, until one shows the reply alone: a loaded machine (a CI run beside
      // other jobs, load 40) stalled the reader between the two writes in 3 creates of 3.
      for (let round = 0; round < 10 && !mixed.includes(0); round++) {
        const c = await raw(wharf.port);
        c.chunks.length = 0;
        // A delivered message is `MSG bar 1 <ack subject>`: its stream subject, and the sid of _D.x.
        c.s.write('SUB _D.x 1\r\nSUB _R.x 2\r\n');
        const name = `${kind}${round}`;
        const config = { deliver_subject: '_D.x', ack_policy: 'explicit', filter_subject: 'bar', ...(kind === 'durable' ? { durable_name: name } : {}) };
        const subject = kind === 'durable' ? `$JS.API.CONSUMER.CREATE.ORDER.${name}` : '$JS.API.CONSUMER.CREATE.ORDER';
        pub(c.s, subject, '_R.x', JSON.stringify({ stream_name: 'ORDER', config }));
        await waitFor(() => (c.text().match(/MSG bar 1 /g) ?? []).length >= 100, { what: '100 delivered messages', timeoutMs: 3_000 }).catch((e: Error) => { throw new Error(`${e.message}: ${c.text().slice(0, 600)}`); });
        const withReply = c.chunks.find((ch) => ch.includes('MSG _R.x'));
        assert.ok(withReply !== undefined, 'the reply came');
        assert.ok(c.text().indexOf('MSG _R.x') < c.text().indexOf('MSG bar 1 '), 'the reply comes first on the wire');
        mixed.push((withReply.match(/MSG bar 1 /g) ?? []).length);
        c.s.destroy();
      }
      assert.equal(Math.min(...mixed), 0, `messages in the reply's chunk, per create: ${mixed.join(', ')}`);
    });
  }
});

// The `nats` CLI (natscli v0.5.0) on streams: stream add, info, ls, get, purge, rm and
// JetStream publishes (`nats pub -J`, `nats req` with a Nats-Msg-Id), against Wharf and, as
// the control, against nats-server v2.15.2 with -js, with the same assertions on both.
// `nats stream view` reads through an ephemeral consumer (the consumers half): not here.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerSkip } from '../support/peers.js';
import { startNatsServer } from '../support/nats-server.js';
import { runNats, type CliResult } from '../support/natscli.js';
import { startWharf } from '../support/wharf.js';

function show(r: CliResult): string {
  return `exit ${r.code}${r.timedOut ? ' TIMED OUT' : ''}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
}

async function ok(url: string, args: string[]): Promise<CliResult> {
  const r = await runNats(url, args);
  assert.equal(r.code, 0, `nats ${args.join(' ')}\n${show(r)}`);
  return r;
}

const skip = peerSkip('nats-server', 'nats');

for (const kind of ['nats-server', 'wharf'] as const) {
  describe(`natscli streams against ${kind}`, { skip }, () => {
    let url: string;
    let close: () => Promise<void>;
    let store: string;

    before(async () => {
      store = mkdtempSync(join(tmpdir(), 'wharf-natscli-js-'));
      const t = kind === 'nats-server' ? await startNatsServer({ args: ['-js', '-sd', store] }) : await startWharf();
      url = `nats://${t.host}:${t.port}`;
      close = () => t.close();
    });

    after(async () => {
      await close?.();
      rmSync(store, { recursive: true, force: true });
    });

    it('stream add, JetStream publishes, info, ls, get', async () => {
      await ok(url, ['stream', 'add', 'CLI', '--subjects', 'cli.>', '--defaults', '--max-msgs-per-subject', '5']);
      const pub = await ok(url, ['pub', 'cli.a', 'hello {{Count}}', '--count', '3', '-J']);
      assert.match(pub.stdout + pub.stderr, /Stored in Stream: CLI Sequence: 3/);
      const info = JSON.parse((await ok(url, ['stream', 'info', 'CLI', '-j'])).stdout) as { config: { subjects: string[]; max_msgs_per_subject: number }; state: { messages: number; last_seq: number } };
      assert.deepEqual(info.config.subjects, ['cli.>']);
      assert.equal(info.config.max_msgs_per_subject, 5);
      assert.deepEqual([info.state.messages, info.state.last_seq], [3, 3]);
      const names = (await ok(url, ['stream', 'ls', '--names'])).stdout;
      assert.match(names, /^CLI$/m);
      const got = JSON.parse((await ok(url, ['stream', 'get', 'CLI', '2', '-j'])).stdout) as { subject: string; seq: number; data: string };
      assert.equal(got.subject, 'cli.a');
      assert.equal(got.seq, 2);
      assert.equal(Buffer.from(got.data, 'base64').toString(), 'hello 2');
      const last = (await ok(url, ['stream', 'get', 'CLI', '--last-for', 'cli.a'])).stdout;
      assert.match(last, /hello 3/);
    });

    it('Nats-Msg-Id duplicates through nats req', async () => {
      const first = await ok(url, ['req', 'cli.b', 'once', '-H', 'Nats-Msg-Id:cli-1']);
      const second = await ok(url, ['req', 'cli.b', 'twice', '-H', 'Nats-Msg-Id:cli-1']);
      assert.equal(first.stdout.trim(), '{"stream":"CLI","seq":4}');
      assert.equal(second.stdout.trim(), '{"stream":"CLI","seq":4,"duplicate": true}', 'byte for byte, the space included');
    });

    it('stream purge and rm', async () => {
      await ok(url, ['stream', 'purge', '-f', '--subject=cli.b', 'CLI']);
      let info = JSON.parse((await ok(url, ['stream', 'info', 'CLI', '-j'])).stdout) as { state: { messages: number; first_seq: number } };
      assert.equal(info.state.messages, 3);
      await ok(url, ['stream', 'purge', '-f', 'CLI']);
      info = JSON.parse((await ok(url, ['stream', 'info', 'CLI', '-j'])).stdout) as { state: { messages: number; first_seq: number } };
      assert.deepEqual([info.state.messages, info.state.first_seq], [0, 5]);
      await ok(url, ['stream', 'rm', '-f', 'CLI']);
      assert.doesNotMatch((await ok(url, ['stream', 'ls', '--names'])).stdout, /^CLI$/m);
    });
  });
}

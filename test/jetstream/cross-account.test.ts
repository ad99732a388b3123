// JetStream across NATS accounts, through nats.js, with one nats-server configuration file given
// to Wharf and to the reference nats-server v2.15.2 (the same scenario against both; nats.go's
// TestJetStreamImportDirectOnly and TestJetStreamCrossAccountMirrorsAndSources in small):
// - a push consumer of account JS delivering to a subject account U imports is inactive until
//   somebody in U subscribes to it (nats-server's shadow subscriptions: the import's interest in
//   JS exists only while U has interest), then delivers everything;
// - account IA mirrors and sources JS's stream through an `external` API prefix (IA imports JS's
//   $JS.API.CONSUMER.> under RI.JS.API.CONSUMER.> and the deliver prefix RI.DELIVER.SYNC.>);
// - a direct get of JS's stream from U through a service import of $JS.API.DIRECT.GET.>;
// - an account without JetStream that imports another's $JS.API.INFO answers no other $JS.API
//   request (no responders instead of 10039: the import shadows nats-server's responder);
// - a system account ($SYS, system_account) is a configured account without JetStream.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import { startBroker } from '../../src/index.js';
import { peerSkip } from '../support/peers.js';
import { startNatsServer } from '../support/nats-server.js';
import { waitFor, waitForValue } from '../support/wait.js';

const sc = nats.StringCodec();

const CONFIG = (storeDir: string): string => `
jetstream { store_dir: "${storeDir}" }
accounts {
  JS {
    jetstream: enabled
    users = [ { user: js, password: js } ]
    exports = [
      { service: "$JS.API.CONSUMER.>" }
      { service: "$JS.API.INFO" }
      { service: "$JS.API.DIRECT.GET.>", response: stream }
      { stream: "RI.DELIVER.SYNC.>" }
      { stream: "p.d" }
    ]
  }
  IA {
    jetstream: enabled
    users = [ { user: ia, password: ia } ]
    imports = [
      { service: { account: JS, subject: "$JS.API.CONSUMER.>" }, to: "RI.JS.API.CONSUMER.>" }
      { stream: { account: JS, subject: "RI.DELIVER.SYNC.>" } }
    ]
  }
  U {
    users = [ { user: u, password: u } ]
    imports = [
      { stream: { account: JS, subject: "p.d" } }
      { service: { account: JS, subject: "$JS.API.DIRECT.GET.>" }, to: "JS.DIRECT.GET.>" }
    ]
  }
  V {
    users = [ { user: v, password: v } ]
    imports = [ { service: { account: JS, subject: "$JS.API.INFO" } } ]
  }
  $SYS { users = [ { user: admin, password: admin } ] }
}
system_account: "$SYS"
`;

interface ApiAnswer {
  error?: { code: number; err_code: number; description: string };
  [key: string]: unknown;
}

for (const kind of ['wharf', 'nats-server'] as const) {
  describe(`JetStream across accounts: ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    let dir: string;
    let stop: () => Promise<void>;
    const conns: Record<string, nats.NatsConnection> = {};
    const as = (user: string): nats.NatsConnection => conns[user]!;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'wharf-js-xacct-'));
      const config = CONFIG(join(dir, 'store'));
      let port: number;
      if (kind === 'nats-server') {
        const s = await startNatsServer({ config, monitor: false });
        port = s.port;
        stop = () => s.close();
      } else {
        const file = join(dir, 'xacct.conf');
        writeFileSync(file, config);
        const br = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { configFile: file, port: 0 }, kafka: { port: -1 }, http: { port: -1 } });
        port = br.ports.nats;
        stop = () => br.close();
      }
      for (const u of ['js', 'ia', 'u', 'v', 'admin']) conns[u] = await nats.connect({ servers: `127.0.0.1:${port}`, user: u, pass: u, reconnect: false });
      const jsm = await as('js').jetstreamManager();
      await jsm.streams.add({ name: 'TEST', subjects: ['TEST'], allow_direct: true });
      const js = as('js').jetstream();
      for (let i = 0; i < 10; i++) await js.publish('TEST', sc.encode(`OK ${i}`));
    });
    after(async () => {
      await Promise.allSettled(Object.values(conns).map((nc) => nc.close()));
      await stop?.();
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps a push consumer delivering to an imported subject inactive until the importer subscribes', { timeout: 30_000 }, async () => {
      const jsm = await as('js').jetstreamManager();
      await jsm.consumers.add('TEST', { durable_name: 'd', deliver_subject: 'p.d', ack_policy: nats.AckPolicy.None });
      // Nobody in U listens: the import gives JS no interest, so nothing is delivered (and lost).
      assert.equal((await jsm.consumers.info('TEST', 'd')).push_bound, undefined);
      const got: string[] = [];
      const sub = as('u').subscribe('p.d', { callback: (_e, m) => got.push(sc.decode(m.data)) });
      await as('u').flush();
      await waitFor(() => got.length === 10, { timeoutMs: 10_000, what: 'the 10 messages in U', detail: () => JSON.stringify(got) });
      assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => `OK ${i}`));
      assert.equal((await jsm.consumers.info('TEST', 'd')).push_bound, true);
      sub.unsubscribe();
      await as('u').flush();
      await waitFor(async () => (await jsm.consumers.info('TEST', 'd')).push_bound === undefined, { timeoutMs: 10_000, what: 'the consumer unbound once U unsubscribed' });
    });

    it('mirrors and sources the stream of another account through an external API prefix', { timeout: 60_000 }, async () => {
      const jia = await as('ia').jetstreamManager();
      await jia.streams.add({ name: 'MY_MIRROR', mirror: { name: 'TEST', external: { api: 'RI.JS.API', deliver: 'RI.DELIVER.SYNC.MIRRORS' } } });
      const mirror = await waitForValue(
        () => jia.streams.info('MY_MIRROR'),
        (si) => si.state.messages === 10,
        { timeoutMs: 20_000, what: 'the mirror holding the 10 messages' },
      );
      assert.deepEqual(mirror.config.mirror?.external, { api: 'RI.JS.API', deliver: 'RI.DELIVER.SYNC.MIRRORS' });
      assert.equal(mirror.mirror?.name, 'TEST');
      assert.deepEqual((mirror.mirror as { external?: unknown } | undefined)?.external, { api: 'RI.JS.API', deliver: 'RI.DELIVER.SYNC.MIRRORS' });
      const m = await jia.streams.getMessage('MY_MIRROR', { seq: 10 });
      assert.equal(sc.decode(m.data), 'OK 9');
      assert.equal(m.subject, 'TEST');

      await jia.streams.add({ name: 'MY_SOURCE', sources: [{ name: 'TEST', external: { api: 'RI.JS.API', deliver: 'RI.DELIVER.SYNC.SOURCES' } }] });
      await waitForValue(() => jia.streams.info('MY_SOURCE'), (si) => si.state.messages === 10, { timeoutMs: 20_000, what: 'the source holding the 10 messages' });
      // The sourced messages are read from IA's own stream by a consumer there.
      const c = await as('ia').jetstream().consumers.get('MY_SOURCE');
      const first = await c.next({ expires: 5_000 });
      assert.equal(first === null ? null : sc.decode(first.data), 'OK 0');
      assert.equal(first?.info.stream, 'MY_SOURCE');
      // New messages of JS's stream follow.
      await as('js').jetstream().publish('TEST', sc.encode('OK 10'));
      await waitForValue(() => jia.streams.info('MY_MIRROR'), (si) => si.state.messages === 11, { timeoutMs: 20_000, what: 'the mirror following the origin' });
      await waitForValue(() => jia.streams.info('MY_SOURCE'), (si) => si.state.messages === 11, { timeoutMs: 20_000, what: 'the source following the origin' });
    });

    it('answers a direct get of the stream of another account through a service import', { timeout: 30_000 }, async () => {
      const r = await as('u').request('JS.DIRECT.GET.TEST', sc.encode(JSON.stringify({ seq: 2 })), { timeout: 5_000 });
      assert.equal(sc.decode(r.data), 'OK 1');
      assert.equal(r.headers?.get('Nats-Stream'), 'TEST');
      assert.equal(r.headers?.get('Nats-Sequence'), '2');
      assert.equal(r.headers?.get('Nats-Subject'), 'TEST');
      // A batch: several responses to one request, which the export's `response: stream` lets through.
      const got: string[] = [];
      const inbox = nats.createInbox();
      const done = new Promise<void>((resolve) => {
        as('u').subscribe(inbox, {
          callback: (_e, m) => {
            if (m.data.length === 0) resolve(); // the end-of-batch status (204 EOB)
            else got.push(sc.decode(m.data));
          },
        });
      });
      as('u').publish('JS.DIRECT.GET.TEST', sc.encode(JSON.stringify({ seq: 1, batch: 3 })), { reply: inbox });
      await done;
      assert.deepEqual(got, ['OK 0', 'OK 1', 'OK 2']);
    });

    it("gives an account that imports another's $JS.API.INFO no JetStream answers of its own", { timeout: 30_000 }, async () => {
      const info = JSON.parse(sc.decode((await as('v').request('$JS.API.INFO', new Uint8Array(0), { timeout: 5_000 })).data)) as ApiAnswer;
      assert.equal(info.error, undefined);
      assert.equal(info['streams'], 1, "JS's account info");
      await assert.rejects(as('v').request('$JS.API.STREAM.NAMES', new Uint8Array(0), { timeout: 5_000 }), (e: nats.NatsError) => e.code === nats.ErrorCode.NoResponders);
    });

    it('serves a system account as an account without JetStream', { timeout: 30_000 }, async () => {
      const r = await as('admin').request('$JS.API.INFO', new Uint8Array(0), { timeout: 5_000 }).then(
        (m) => JSON.parse(sc.decode(m.data)) as ApiAnswer,
        (e: Error) => ({ failed: e.message }) as ApiAnswer,
      );
      assert.deepEqual(r.error ?? r, { code: 503, err_code: 10039, description: 'JetStream not enabled for account' });
    });
  });
}

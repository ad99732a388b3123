// NATS authorization, differentially: one nats-server configuration file (two accounts joined by
// a service and a stream export, users with publish/subscribe allow and deny lists, a queue-group
// permission, allow_responses, an nkey user) given to Wharf and to the reference nats-server
// v2.15.2, and one scripted session over raw TCP against each. The session is every bypass
// attempt of this kind the issue lists: a wrong or missing password, an unknown user, a replayed
// or foreign nkey signature, a subscription outside the allow list, a plain or other-group
// subscription where only a queue group is allowed, a full wildcard that would match denied
// subjects, a wildcard subscription overlapping a denied subject (served, but denied subjects are
// not delivered), a reply subject used twice where publishing is denied (allow_responses: one
// response), publishes outside the allow list. Both servers must produce the same transcript
// (every line each client got, -ERR texts included), which is also written out here, so a
// regression on either side shows. Wharf must log each refusal once, and every client that was
// not refused at login must still be connected at the end (no other client is affected).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tcpConnect, type Socket } from 'node:net';
import * as nats from 'nats';
import { pino } from 'pino';
import { startBroker, type Broker } from '../../src/index.js';
import { peerSkip } from '../support/peers.js';
import { startNatsServer, type RunningNatsServer } from '../support/nats-server.js';
import { waitFor } from '../support/wait.js';

const { nkeys } = nats;
const nk = nkeys.createUser();
const other = nkeys.createUser();
const NK = String(nk.getPublicKey());

const CONFIG = `
accounts {
  SVC {
    users = [
      { user: svc, password: svcpw, permissions: { publish: { deny: ">" }, subscribe: { allow: ["help.>", "jobs.> workers"] }, allow_responses: true } }
      { user: feed, password: feedpw }
    ]
    exports = [ { service: "help.>" }, { stream: "news.>" } ]
  }
  APP {
    users = [
      { user: app, password: apppw, permissions: { publish: { allow: ["help.>", "app.>"], deny: ["app.secret.>"] }, subscribe: { allow: ["app.>", "_INBOX.>", "svc.news.>"], deny: ["app.secret.>"] } } }
      { user: admin, password: adminpw }
      { nkey: ${NK}, permissions: { publish: { allow: ["app.open"] }, subscribe: { deny: ">" } } }
    ]
    imports = [
      { service: { account: SVC, subject: "help.>" } }
      { stream: { account: SVC, subject: "news.>" }, prefix: svc }
    ]
  }
}
`;

/** A raw client: INFO, CONNECT, then lines as they come (INFO updates left out). */
class Raw {
  lines: string[] = [];
  nonce = '';
  closed = false;
  private info = false;
  private buf = '';
  private constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      let i: number;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        if (line.startsWith('INFO ')) {
          if (!this.info) this.nonce = (JSON.parse(line.slice(5)) as { nonce?: string }).nonce ?? '';
          this.info = true;
        } else if (line === 'PING') {
          // The server's own keepalive (nats-server sends one soon after CONNECT): answered, not recorded.
          this.sock.write('PONG\r\n');
        } else this.lines.push(line);
      }
    });
    sock.on('close', () => (this.closed = true));
    sock.on('error', () => undefined);
  }

  static async open(port: number): Promise<Raw> {
    const c = new Raw(tcpConnect({ host: '127.0.0.1', port }));
    await waitFor(() => c.info || c.closed, { what: 'INFO' });
    return c;
  }

  /** Sends CONNECT (with `creds`) and PING; returns what came back (PONG or an -ERR). */
  async login(creds: Record<string, string>): Promise<string[]> {
    // Without headers: nats-server adds a Nats-Request-Info header to requests that cross a
    // service import, which Wharf does not (a difference outside authorization, left out here;
    // a client without headers gets the message without them from both).
    this.sock.write(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, protocol: 1, headers: false, lang: 'raw', version: '0', ...creds })}\r\nPING\r\n`);
    await waitFor(() => this.lines.some((l) => l === 'PONG' || l.startsWith('-ERR')) || this.closed, { what: 'an answer to CONNECT' });
    return this.take();
  }

  send(text: string): void {
    if (!this.closed) this.sock.write(text);
  }

  /** PING, and every line before the PONG. */
  async sync(): Promise<string[]> {
    if (this.closed) return ['(closed)'];
    this.send('PING\r\n');
    await waitFor(() => this.lines.includes('PONG') || this.closed, { what: 'PONG' });
    return this.take().filter((l) => l !== 'PONG');
  }

  async waitClosed(): Promise<boolean> {
    await waitFor(() => this.closed, { what: 'the server closing the connection' });
    return true;
  }

  private take(): string[] {
    const out = this.lines;
    this.lines = [];
    return out;
  }

  close(): void {
    this.sock.destroy();
  }
}

const sign = (kp: typeof nk, nonce: string) => Buffer.from(kp.sign(Buffer.from(nonce))).toString('base64url');

/** Runs the session against a server on `port` and returns its transcript. */
async function session(port: number): Promise<string[]> {
  const t: string[] = [];
  const opened: Raw[] = [];
  try {
    // Logins that must be refused; each connection is then closed by the server.
    const refused: [string, (c: Raw) => Record<string, string>][] = [
      ['wrong password', () => ({ user: 'app', pass: 'nope' })],
      ['missing password', () => ({ user: 'app' })],
      ['unknown user', () => ({ user: 'ghost', pass: 'apppw' })],
      ['nkey signed by another key', (c) => ({ nkey: NK, sig: sign(other, c.nonce) })],
    ];
    for (const [label, creds] of refused) {
      const c = await Raw.open(port);
      opened.push(c);
      for (const l of await c.login(creds(c))) t.push(`${label}: ${l}`);
      t.push(`${label}: closed ${await c.waitClosed()}`);
    }
    // A signature replayed from another connection (whose nonce it signed).
    const first = await Raw.open(port);
    const second = await Raw.open(port);
    opened.push(first, second);
    for (const l of await second.login({ nkey: NK, sig: sign(nk, first.nonce) })) t.push(`replayed nkey signature: ${l}`);
    t.push(`replayed nkey signature: closed ${await second.waitClosed()}`);
    first.close();

    const clients: Record<string, Raw> = {};
    const login = async (name: string, creds: (c: Raw) => Record<string, string>) => {
      const c = await Raw.open(port);
      opened.push(c);
      clients[name] = c;
      for (const l of await c.login(creds(c))) t.push(`${name} login: ${l}`);
    };
    await login('svc', () => ({ user: 'svc', pass: 'svcpw' }));
    await login('feed', () => ({ user: 'feed', pass: 'feedpw' }));
    await login('app', () => ({ user: 'app', pass: 'apppw' }));
    await login('admin', () => ({ user: 'admin', pass: 'adminpw' }));
    await login('nk', (c) => ({ nkey: NK, sig: sign(nk, c.nonce) }));

    let mapped = '';
    const norm = (l: string) => {
      const m = /^MSG (\S+) (\S+) (\S+) (\d+)$/.exec(l);
      if (m && !m[3]!.startsWith('_INBOX.app')) {
        mapped = m[3]!;
        return `MSG ${m[1]} ${m[2]} <reply> ${m[4]}`;
      }
      return mapped ? l.split(mapped).join('<reply>') : l;
    };
    /** One step: `who` sends `text`, then every client syncs (in a fixed order) and what each got is recorded. */
    const step = async (who: string, text: string) => {
      t.push(`> ${who}: ${norm(text.replace(/\r\n$/, '').replace(/\r\n/g, ' | '))}`);
      clients[who]!.send(text);
      for (const name of [who, ...Object.keys(clients).filter((n) => n !== who)]) {
        for (const l of await clients[name]!.sync()) t.push(`${name}: ${norm(l)}`);
      }
    };

    await step('svc', 'SUB help.> 1\r\n');
    await step('svc', 'SUB other.x 2\r\n');
    await step('svc', 'SUB jobs.a 3\r\n');
    await step('svc', 'SUB jobs.a workers 4\r\n');
    await step('svc', 'SUB jobs.a others 5\r\n');
    await step('svc', 'SUB > 6\r\n');
    await step('app', 'SUB _INBOX.app.> 1\r\n');
    await step('app', 'SUB app.> 2\r\n');
    await step('app', 'SUB app.secret.> 3\r\n');
    await step('app', 'SUB svc.news.> 4\r\n');
    await step('app', 'SUB app.secret.x 5\r\n');
    // A request through the service import; the responder may answer once (allow_responses).
    await step('app', 'PUB help.q _INBOX.app.1 2\r\nhi\r\n');
    await step('svc', `PUB ${mapped} 3\r\nyes\r\n`);
    await step('svc', `PUB ${mapped} 4\r\nyes2\r\n`);
    await step('svc', 'PUB help.z 1\r\nx\r\n');
    await step('svc', 'PUB jobs.a 1\r\nx\r\n');
    // app.> overlaps the denied app.secret.>: app.secret.y is not delivered on it.
    await step('admin', 'PUB app.secret.y 1\r\ns\r\n');
    await step('admin', 'PUB app.open 1\r\no\r\n');
    await step('app', 'PUB app.secret.z 1\r\nz\r\n');
    await step('app', 'PUB other 1\r\nz\r\n');
    // The stream import, under its prefix.
    await step('feed', 'PUB news.a 1\r\nn\r\n');
    await step('nk', 'PUB app.open 1\r\nk\r\n');
    await step('nk', 'PUB app.other 1\r\nk\r\n');
    await step('nk', 'SUB app.> 1\r\n');
    for (const [name, c] of Object.entries(clients)) t.push(`${name}: ${c.closed ? 'closed' : 'open'}`);
    return t;
  } finally {
    for (const c of opened) c.close();
  }
}


/**
 * JetStream API calls outside a user's permissions: the $JS.API subjects are subjects like any
 * other for permissions (as in nats-server), so a viewer allowed only the INFO requests is
 * refused creating and deleting streams and consumers with the publish violation, and the
 * stream it may look at shows that nothing it was refused happened.
 */
const JS_CONFIG = (storeDir: string) => `
jetstream { store_dir: "${storeDir}" }
authorization {
  users = [
    { user: admin, password: adminpw }
    { user: viewer, password: viewerpw, permissions: { publish: { allow: ["$JS.API.INFO", "$JS.API.STREAM.INFO.*", "$JS.API.STREAM.NAMES"], deny: ["$JS.API.STREAM.DELETE.>"] }, subscribe: { allow: ["_INBOX.>"] } } }
  ]
}
`;

/** A JetStream API answer reduced to what both servers must agree on. */
function apiAnswer(payload: string): string {
  try {
    const j = JSON.parse(payload) as { type?: string; error?: { code?: number; err_code?: number }; state?: { messages?: number }; config?: { name?: string } };
    const parts = [j.type ?? 'no type'];
    if (j.error) parts.push(`error ${j.error.code}/${j.error.err_code}`);
    if (j.config?.name) parts.push(`stream ${j.config.name}`);
    if (j.state) parts.push(`messages ${j.state.messages}`);
    return parts.join(', ');
  } catch {
    return `not JSON: ${payload.slice(0, 40)}`;
  }
}

async function jsSession(port: number): Promise<string[]> {
  const t: string[] = [];
  const clients: Record<string, Raw> = {};
  try {
    for (const [name, pass] of [['admin', 'adminpw'], ['viewer', 'viewerpw']] as const) {
      clients[name] = await Raw.open(port);
      for (const l of await clients[name].login({ user: name, pass })) t.push(`${name} login: ${l}`);
    }
    const step = async (who: string, text: string) => {
      t.push(`> ${who}: ${text.replace(/\r\n$/, '').replace(/\r\n/g, ' | ')}`);
      clients[who]!.send(text);
      for (const name of [who, ...Object.keys(clients).filter((n) => n !== who)]) {
        const lines = await clients[name]!.sync();
        for (let i = 0; i < lines.length; i++) {
          const m = /^MSG (\S+) (\S+) \d+$/.exec(lines[i]!);
          if (m) t.push(`${name}: MSG ${m[1]} ${m[2]}: ${apiAnswer(lines[++i] ?? '')}`);
          else t.push(`${name}: ${lines[i]}`);
        }
      }
    };
    const pub = (subject: string, reply: string, body: string) => `PUB ${subject} ${reply} ${Buffer.byteLength(body)}\r\n${body}\r\n`;
    await step('admin', 'SUB _INBOX.a.> 1\r\n');
    await step('viewer', 'SUB _INBOX.v.> 1\r\n');
    await step('admin', pub('$JS.API.STREAM.CREATE.ORDERS', '_INBOX.a.1', JSON.stringify({ name: 'ORDERS', subjects: ['orders.>'], storage: 'memory' })));
    await step('viewer', pub('$JS.API.STREAM.INFO.ORDERS', '_INBOX.v.1', ''));
    await step('viewer', pub('$JS.API.STREAM.DELETE.ORDERS', '_INBOX.v.2', ''));
    await step('viewer', pub('$JS.API.STREAM.CREATE.OTHER', '_INBOX.v.3', JSON.stringify({ name: 'OTHER', subjects: ['other.>'], storage: 'memory' })));
    await step('viewer', pub('$JS.API.CONSUMER.CREATE.ORDERS', '_INBOX.v.4', JSON.stringify({ stream_name: 'ORDERS', config: { ack_policy: 'explicit' } })));
    await step('viewer', pub('$JS.API.STREAM.PURGE.ORDERS', '_INBOX.v.5', ''));
    await step('viewer', 'SUB $JS.API.> 2\r\n');
    await step('viewer', 'PUB orders.x 1\r\nx\r\n');
    await step('admin', pub('$JS.API.STREAM.NAMES', '_INBOX.a.2', ''));
    await step('admin', pub('$JS.API.STREAM.INFO.ORDERS', '_INBOX.a.3', ''));
    await step('admin', pub('$JS.API.STREAM.DELETE.ORDERS', '_INBOX.a.4', ''));
    for (const [name, c] of Object.entries(clients)) t.push(`${name}: ${c.closed ? 'closed' : 'open'}`);
    return t;
  } finally {
    for (const c of Object.values(clients)) c.close();
  }
}

const AUTH = "-ERR 'Authorization Violation'";
const pubErr = (s: string) => `-ERR 'Permissions Violation for Publish to "${s}"'`;
const subErr = (s: string, q?: string) => `-ERR 'Permissions Violation for Subscription to "${s}"${q ? ` using queue "${q}"` : ''}'`;

/** What nats-server v2.15.2 answers (checked against it by the reference half of this file). */
const EXPECTED = [
  `wrong password: ${AUTH}`,
  'wrong password: closed true',
  `missing password: ${AUTH}`,
  'missing password: closed true',
  `unknown user: ${AUTH}`,
  'unknown user: closed true',
  `nkey signed by another key: ${AUTH}`,
  'nkey signed by another key: closed true',
  `replayed nkey signature: ${AUTH}`,
  'replayed nkey signature: closed true',
  'svc login: PONG',
  'feed login: PONG',
  'app login: PONG',
  'admin login: PONG',
  'nk login: PONG',
  '> svc: SUB help.> 1',
  '> svc: SUB other.x 2',
  `svc: ${subErr('other.x')}`,
  '> svc: SUB jobs.a 3',
  `svc: ${subErr('jobs.a')}`,
  '> svc: SUB jobs.a workers 4',
  '> svc: SUB jobs.a others 5',
  `svc: ${subErr('jobs.a', 'others')}`,
  '> svc: SUB > 6',
  `svc: ${subErr('>')}`,
  '> app: SUB _INBOX.app.> 1',
  '> app: SUB app.> 2',
  '> app: SUB app.secret.> 3',
  `app: ${subErr('app.secret.>')}`,
  '> app: SUB svc.news.> 4',
  '> app: SUB app.secret.x 5',
  `app: ${subErr('app.secret.x')}`,
  '> app: PUB help.q _INBOX.app.1 2 | hi',
  'svc: MSG help.q 1 <reply> 2',
  'svc: hi',
  '> svc: PUB <reply> 3 | yes',
  'app: MSG _INBOX.app.1 1 3',
  'app: yes',
  '> svc: PUB <reply> 4 | yes2',
  `svc: ${pubErr('<reply>')}`,
  '> svc: PUB help.z 1 | x',
  `svc: ${pubErr('help.z')}`,
  '> svc: PUB jobs.a 1 | x',
  `svc: ${pubErr('jobs.a')}`,
  '> admin: PUB app.secret.y 1 | s',
  '> admin: PUB app.open 1 | o',
  'app: MSG app.open 2 1',
  'app: o',
  '> app: PUB app.secret.z 1 | z',
  `app: ${pubErr('app.secret.z')}`,
  '> app: PUB other 1 | z',
  `app: ${pubErr('other')}`,
  '> feed: PUB news.a 1 | n',
  'app: MSG svc.news.a 4 1',
  'app: n',
  '> nk: PUB app.open 1 | k',
  'app: MSG app.open 2 1',
  'app: k',
  '> nk: PUB app.other 1 | k',
  `nk: ${pubErr('app.other')}`,
  '> nk: SUB app.> 1',
  `nk: ${subErr('app.>')}`,
  'svc: open',
  'feed: open',
  'app: open',
  'admin: open',
  'nk: open',
];

/** The -ERR lines of the transcript: each one refusal. */
const REFUSALS = EXPECTED.filter((l) => l.includes('-ERR')).length;

/** The session's lines that differ from EXPECTED, for a readable failure. */
function diff(got: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < Math.max(got.length, EXPECTED.length); i++) if (got[i] !== EXPECTED[i]) out.push(`#${i}: got ${JSON.stringify(got[i])}, expected ${JSON.stringify(EXPECTED[i])}`);
  return out.slice(0, 10).join('\n');
}

describe('NATS permissions, accounts and nkeys: one configuration, the same transcript as nats-server', () => {
  describe('Wharf', () => {
    let broker: Broker;
    let dir: string;
    const logs: { level: number; msg: string }[] = [];
    before(async () => {
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line) as { level: number; msg: string });
          done();
        },
      });
      dir = mkdtempSync(join(tmpdir(), 'wharf-natsperm-'));
      const file = join(dir, 'server.conf');
      writeFileSync(file, CONFIG);
      broker = await startBroker({ host: '127.0.0.1', logLevel: 'warn', nats: { configFile: file, port: 0 }, kafka: { port: -1 }, http: { port: -1 }, storage: { engine: 'memory' } }, pino({ level: 'warn' }, sink));
    });
    after(async () => {
      await broker?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers every attempt as nats-server does, and logs each refusal once', { timeout: 60_000 }, async () => {
      const got = await session(broker.ports.nats);
      assert.deepEqual(got, EXPECTED, diff(got));
      const refusals = logs.filter((l) => l.level === 40 && /NATS (authentication refused|publish permission violation|subscription permission violation)/.test(l.msg));
      assert.equal(refusals.length, REFUSALS, `one warning per refusal: ${JSON.stringify(logs.map((l) => l.msg))}`);
    });
  });

  describe('nats-server v2.15.2', { skip: peerSkip('nats-server') }, () => {
    let server: RunningNatsServer;
    before(async () => {
      server = await startNatsServer({ config: CONFIG, monitor: false });
    });
    after(async () => {
      await server?.close();
    });

    it('answers the session with the transcript Wharf is held to', { timeout: 60_000 }, async () => {
      const got = await session(server.port);
      assert.deepEqual(got, EXPECTED, diff(got));
    });
  });
});

const JS_EXPECTED = [
  'admin login: PONG',
  'viewer login: PONG',
  '> admin: SUB _INBOX.a.> 1',
  '> viewer: SUB _INBOX.v.> 1',
  '> admin: PUB $JS.API.STREAM.CREATE.ORDERS _INBOX.a.1 60 | {"name":"ORDERS","subjects":["orders.>"],"storage":"memory"}',
  'admin: MSG _INBOX.a.1 1: io.nats.jetstream.api.v1.stream_create_response, stream ORDERS, messages 0',
  '> viewer: PUB $JS.API.STREAM.INFO.ORDERS _INBOX.v.1 0 | ',
  'viewer: MSG _INBOX.v.1 1: io.nats.jetstream.api.v1.stream_info_response, stream ORDERS, messages 0',
  '> viewer: PUB $JS.API.STREAM.DELETE.ORDERS _INBOX.v.2 0 | ',
  `viewer: ${pubErr('$JS.API.STREAM.DELETE.ORDERS')}`,
  '> viewer: PUB $JS.API.STREAM.CREATE.OTHER _INBOX.v.3 58 | {"name":"OTHER","subjects":["other.>"],"storage":"memory"}',
  `viewer: ${pubErr('$JS.API.STREAM.CREATE.OTHER')}`,
  '> viewer: PUB $JS.API.CONSUMER.CREATE.ORDERS _INBOX.v.4 59 | {"stream_name":"ORDERS","config":{"ack_policy":"explicit"}}',
  `viewer: ${pubErr('$JS.API.CONSUMER.CREATE.ORDERS')}`,
  '> viewer: PUB $JS.API.STREAM.PURGE.ORDERS _INBOX.v.5 0 | ',
  `viewer: ${pubErr('$JS.API.STREAM.PURGE.ORDERS')}`,
  '> viewer: SUB $JS.API.> 2',
  `viewer: ${subErr('$JS.API.>')}`,
  '> viewer: PUB orders.x 1 | x',
  `viewer: ${pubErr('orders.x')}`,
  '> admin: PUB $JS.API.STREAM.NAMES _INBOX.a.2 0 | ',
  'admin: MSG _INBOX.a.2 1: io.nats.jetstream.api.v1.stream_names_response',
  '> admin: PUB $JS.API.STREAM.INFO.ORDERS _INBOX.a.3 0 | ',
  'admin: MSG _INBOX.a.3 1: io.nats.jetstream.api.v1.stream_info_response, stream ORDERS, messages 0',
  '> admin: PUB $JS.API.STREAM.DELETE.ORDERS _INBOX.a.4 0 | ',
  'admin: MSG _INBOX.a.4 1: io.nats.jetstream.api.v1.stream_delete_response',
  'admin: open',
  'viewer: open',
];

describe('JetStream API calls outside permissions: the same transcript as nats-server', () => {
  for (const kind of ['wharf', 'nats-server'] as const) {
    describe(kind, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
      let dir: string;
      let port: number;
      let close: () => Promise<void>;
      before(async () => {
        dir = mkdtempSync(join(tmpdir(), 'wharf-natsperm-js-'));
        const config = JS_CONFIG(join(dir, 'js'));
        if (kind === 'wharf') {
          const file = join(dir, 'server.conf');
          writeFileSync(file, config);
          const broker = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { configFile: file, port: 0 }, kafka: { port: -1 }, http: { port: -1 }, storage: { engine: 'memory' } });
          port = broker.ports.nats;
          close = () => broker.close();
        } else {
          const server = await startNatsServer({ config, monitor: false });
          port = server.port;
          close = () => server.close();
        }
      });
      after(async () => {
        await close?.();
        rmSync(dir, { recursive: true, force: true });
      });

      it('refuses what the permissions deny and serves what they allow', { timeout: 60_000 }, async () => {
        const got = await jsSession(port);
        assert.deepEqual(got, JS_EXPECTED);
      });
    });
  }
});

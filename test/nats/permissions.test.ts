// Permissions and principals through the wire with a real client (npm `nats` 2.x), against Wharf
// and against the reference nats-server with the same users: a denied publish reaches the client
// as a permissions error event and the connection goes on; a denied subscription ends that
// subscription with the error and leaves the others alone. The exact protocol texts are checked
// by the differential scenarios; here it is what a client application sees. Then the principal
// each authenticator gives a connection, read on Wharf's side of the connection.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nats from 'nats';
import { ANONYMOUS, GLOBAL_ACCOUNT } from '../../src/core/security/principal.js';
import type { UserEntry } from '../../src/nats/auth.js';
import type { Broker } from '../../src/index.js';
import { startTestBroker } from '../support/broker.js';
import { peerSkip } from '../support/peers.js';
import type { NatsTarget, TargetKind } from '../support/targets.js';
import { startTargetWithUsers } from './permission-targets.js';

const USERS: UserEntry[] = [
  { user: 'app', pass: 'pw', permissions: { publish: { allow: ['app.>'], deny: ['app.admin'] }, subscribe: { allow: ['app.>', '_INBOX.>'] } } },
  { user: 'svc', pass: 'pw' },
];

/** The next status event of a type, within timeoutMs. */
async function nextStatus(nc: nats.NatsConnection, type: string, timeoutMs = 3_000): Promise<nats.Status> {
  const found = (async () => {
    for await (const s of nc.status()) if (s.type === type) return s;
    throw new Error(`the status stream ended before a ${type} event`);
  })();
  found.catch(() => undefined); // a late end of the stream, after the timeout, is not an error
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${type} status within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([found, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

for (const kind of ['wharf', 'nats-server'] satisfies TargetKind[]) {
  describe(`permissions seen by nats.js: ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    let target: NatsTarget;
    let app: nats.NatsConnection;
    let svc: nats.NatsConnection;

    before(async () => {
      target = await startTargetWithUsers(kind, USERS);
      const servers = `${target.host}:${target.port}`;
      app = await nats.connect({ servers, user: 'app', pass: 'pw', reconnect: false });
      svc = await nats.connect({ servers, user: 'svc', pass: 'pw', reconnect: false });
    });

    after(async () => {
      await Promise.allSettled([app?.close(), svc?.close()]);
      await target?.close();
    });

    it('a denied publish is an error event, is not delivered, and the connection goes on', { timeout: 10_000 }, async () => {
      const seen: string[] = [];
      const sub = svc.subscribe('app.>', { callback: (_err, m) => seen.push(m.subject) });
      await svc.flush();
      const status = nextStatus(app, nats.Events.Error);
      app.publish('app.admin', 'no');
      const s = await status;
      assert.equal(s.data, nats.ErrorCode.PermissionsViolation);
      assert.deepEqual(s.permissionContext, { operation: 'publish', subject: 'app.admin', queue: undefined });
      app.publish('app.ok', 'yes');
      await app.flush();
      await svc.flush();
      assert.deepEqual(seen, ['app.ok'], 'only the allowed message arrived');
      assert.equal(app.isClosed(), false);
      sub.unsubscribe();
    });

    it('a denied subscription ends with the error, the others keep receiving', { timeout: 10_000 }, async () => {
      const denied = app.subscribe('other.thing');
      const allowed = app.subscribe('app.events', { max: 1 });
      const ended = Promise.race([
        (async () => {
          for await (const _ of denied) void _;
        })(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the denied subscription did not end')), 3_000).unref()),
      ]);
      await assert.rejects(ended, (err: nats.NatsError) => err.code === nats.ErrorCode.PermissionsViolation && /Subscription to "other\.thing"/.test(err.message));
      svc.publish('app.events', 'hello');
      for await (const m of allowed) assert.equal(m.string(), 'hello');
      assert.equal(app.isClosed(), false);
    });

    it('request-reply on allowed subjects works for the restricted user', { timeout: 10_000 }, async () => {
      const responder = svc.subscribe('app.rpc', { callback: (_err, m) => m.respond('pong') });
      await svc.flush();
      const reply = await app.request('app.rpc', 'ping', { timeout: 2_000 });
      assert.equal(reply.string(), 'pong');
      responder.unsubscribe();
    });
  });
}

describe('the principal of a Wharf connection', () => {
  let brokers: Broker[] = [];
  after(async () => {
    await Promise.all(brokers.map((b) => b.close()));
    brokers = [];
  });

  async function principalOf(opts: Parameters<typeof startTestBroker>[0], creds: Partial<nats.ConnectionOptions>) {
    const broker = await startTestBroker(opts);
    brokers.push(broker);
    const nc = await nats.connect({ servers: `127.0.0.1:${broker.ports.nats}`, reconnect: false, ...creds });
    try {
      await nc.flush();
      const conns = [...broker.nats.connections.values()];
      assert.equal(conns.length, 1);
      return conns[0]!.principal;
    } finally {
      await nc.close();
    }
  }

  it('is the user for user/password, the token holder for a token, anonymous without auth', async () => {
    assert.deepEqual(await principalOf({ user: 'alice', pass: 's3cret' }, { user: 'alice', pass: 's3cret' }), {
      kind: 'user',
      name: 'alice',
      account: GLOBAL_ACCOUNT,
      permissions: undefined,
    });
    assert.deepEqual(await principalOf({ authToken: 'tok' }, { token: 'tok' }), { kind: 'token', name: '', account: GLOBAL_ACCOUNT, permissions: undefined });
    assert.equal(await principalOf({}, {}), ANONYMOUS);
  });
});

// --nats-config: a nats-server configuration file read into Wharf's options. First the mapping
// (what each key becomes, what is refused and named), then one file given to Wharf and to the
// reference nats-server: the same users are let in and kept out, with the same permissions,
// through nats.js; and a user configured without a password, against both the same way.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import { ConfigError, resolveOptions } from '../../src/config.js';
import { mapNatsServerConfig, NatsConfigError } from '../../src/core/security/config/nats-server-config.js';
import { parseNatsConf } from '../../src/core/security/config/nats-conf.js';
import { startBroker, type Broker } from '../../src/index.js';
import { peerSkip } from '../support/peers.js';
import { startNatsServer, type RunningNatsServer } from '../support/nats-server.js';

const map = (text: string) => mapNatsServerConfig(parseNatsConf(text, { env: {} }));

describe('a nats-server configuration mapped onto Wharf options', () => {
  it('maps listen, http, limits and durations as nats-server reads them', () => {
    const { options } = map('listen: 127.0.0.1:4333\nhttp: 8333\nmax_payload: 2MB\nping_interval: "30s"\nwrite_deadline: 3\nmax_connections: 10\nlame_duck_duration: "1m"');
    assert.deepEqual(options, {
      'nats-host': '127.0.0.1',
      port: 4333,
      'http-port': 8333,
      'max-payload': 2 * 1024 * 1024,
      'ping-interval': '30000ms',
      'write-deadline': '3000ms',
      'max-connections': 10,
      'lame-duck-duration': '60000ms',
    });
  });

  it('maps authorization users with their permissions, default permissions applying to the rest', () => {
    const { options } = map(`
      authorization {
        default_permissions { publish: "pub.>", subscribe: { allow: ["sub.>"], deny: "sub.secret" } }
        users = [
          { user: a, password: pa, permissions: { publish: { deny: ">" }, allow_responses: { max: 2, expires: "1s" } } }
          { user: b, password: pb }
        ]
        timeout: 1.5
      }
      no_auth_user: b
    `);
    assert.deepEqual(options['nats-users'], [
      { user: 'a', password: 'pa', permissions: { publish: { deny: ['>'] }, responses: { maxMsgs: 2, expiresMs: 1000 } } },
      { user: 'b', password: 'pb' },
    ]);
    assert.deepEqual(options['nats-default-permissions'], { publish: { allow: ['pub.>'] }, subscribe: { allow: ['sub.>'], deny: ['sub.secret'] } });
    assert.equal(options['auth-timeout'], '1500ms');
    assert.equal(options['no-auth-user'], 'b');
  });

  it('maps accounts with users, exports and imports, and tls and jetstream blocks', () => {
    const { options } = map(`
      accounts {
        A { users = [{ user: a, password: a }], exports = [{ stream: "a.>" }, { service: "svc.*", response: stream, accounts: [B] }] }
        B { users = [{ user: b, password: b }], imports = [{ stream: { account: A, subject: "a.>" }, prefix: "from" }, { service: { account: A, subject: "svc.x" }, to: "x" }] }
      }
      tls { cert_file: "/c.pem", key_file: "/k.pem", ca_file: "/ca.pem", verify_and_map: true, timeout: 3, handshake_first: true }
      jetstream { store_dir: "/data", max_memory_store: 1GB, domain: hub }
    `);
    assert.deepEqual(options['nats-accounts'], {
      A: { users: [{ user: 'a', password: 'a', account: 'A' }], exports: [{ kind: 'stream', subject: 'a.>' }, { kind: 'service', subject: 'svc.*', accounts: ['B'], responseType: 'Stream' }] },
      B: {
        users: [{ user: 'b', password: 'b', account: 'B' }],
        imports: [{ kind: 'stream', account: 'A', subject: 'a.>', prefix: 'from' }, { kind: 'service', account: 'A', subject: 'svc.x', to: 'x' }],
      },
    });
    assert.equal(options['tls-cert'], '/c.pem');
    assert.equal(options['tls-map'], true);
    assert.equal(options['tls-verify'], true);
    assert.equal(options['tls-handshake-first'], true);
    assert.equal(options['tls-timeout'], '3000ms');
    assert.equal(options['data-dir'], '/data');
    assert.equal(options['js-max-memory'], 1024 ** 3);
    assert.equal(options['js-domain'], 'hub');
  });

  it('refuses what Wharf does not serve, naming the key; warns for what has no effect', () => {
    assert.throws(() => map('cluster { port: 6222 }'), (e: Error) => e instanceof NatsConfigError && /cluster: clustering/.test(e.message));
    assert.throws(() => map('leafnodes { port: 7422 }'), /leafnodes: leaf nodes/);
    assert.throws(() => map('bogus_key: 1'), /bogus_key: unknown or unsupported/);
    assert.throws(() => map('authorization { users = [{ user: a, password: b, bogus: 1 }] }'), /unknown field "bogus"/);
    assert.throws(() => map('tls { cert_file: a, key_file: b, insecure: true }'), /tls\.insecure/);
    assert.throws(() => map('jetstream { limits { max_ack_pending: 10 } }'), /jetstream\.limits/);
    assert.throws(() => map('authorization { token: t, user: u, password: p }'), /Cannot have a user\/pass and token/);
    assert.deepEqual(map('logtime: true').warnings, ['logtime: has no effect in Wharf']);
    // A variable is not a setting.
    assert.deepEqual(map('PASS: "x"\nauthorization { user: u, password: $PASS }').options, { user: 'u', pass: 'x' });
  });

  it('resolves a file under explicit options, and reports errors as ConfigError naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-natsconf-'));
    try {
      const file = join(dir, 'server.conf');
      writeFileSync(file, 'port: 4555\nmax_payload: 512KB\n');
      const o = resolveOptions({ nats: { configFile: file, maxPayload: 1024 } });
      assert.equal(o.nats.port, 4555);
      assert.equal(o.nats.maxPayload, 1024, 'an explicit option wins over the file');
      writeFileSync(file, 'max_payload: 1GB\n');
      assert.throws(() => resolveOptions({ nats: { configFile: file } }), (e: Error) => e instanceof ConfigError && e.message.includes(file) && /max_payload/.test(e.message));
      writeFileSync(file, 'routes: []\n');
      assert.throws(() => resolveOptions({ nats: { configFile: file } }), (e: Error) => e instanceof ConfigError && e.message.includes(file) && /routes/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Users, default permissions and a no_auth_user: the file both servers read. */
const SERVER_CONF = `
authorization {
  default_permissions { publish: ["app.>", "_INBOX.>"], subscribe: ["app.>", "_INBOX.>"] }
  users = [
    { user: admin, password: "adminpw", permissions: { publish: ">", subscribe: ">" } }
    { user: reader, password: "readerpw", permissions: { publish: { deny: ">" }, subscribe: "app.public.>" } }
    { user: guest, password: "guestpw" }
  ]
}
no_auth_user: guest
`;

interface Target {
  port: number;
  close(): Promise<void>;
}

async function outcome(port: number, creds: Partial<nats.ConnectionOptions>): Promise<string> {
  try {
    const nc = await nats.connect({ servers: `127.0.0.1:${port}`, reconnect: false, timeout: 3_000, ...creds });
    await nc.close();
    return 'connected';
  } catch (e) {
    return (e as nats.NatsError).code ?? String(e);
  }
}

/** What a user sees of a publish and a subscription: delivered or the permissions error. */
async function permissionsSeen(port: number, creds: Partial<nats.ConnectionOptions>, subject: string): Promise<{ publish: string; subscribe: string }> {
  const admin = await nats.connect({ servers: `127.0.0.1:${port}`, user: 'admin', pass: 'adminpw', reconnect: false });
  const nc = await nats.connect({ servers: `127.0.0.1:${port}`, reconnect: false, ...creds });
  try {
    const got: string[] = [];
    const watch = admin.subscribe(subject, {
      callback: (e, m) => {
        if (e === null) got.push(m.subject);
      },
    });
    await admin.flush();
    const errors: string[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === nats.Events.Error) errors.push(String(s.data));
    })();
    nc.publish(subject, 'x');
    await nc.flush();
    await admin.flush();
    const publish = got.length === 1 ? 'delivered' : errors.length > 0 ? 'denied' : 'lost';
    watch.unsubscribe();
    const sub = nc.subscribe(subject, { max: 1 });
    const done = (async () => {
      try {
        for await (const m of sub) return m.subject;
        return 'ended';
      } catch (e) {
        return (e as nats.NatsError).code === nats.ErrorCode.PermissionsViolation ? 'denied' : String(e);
      }
    })();
    await nc.flush();
    admin.publish(subject, 'y');
    await admin.flush();
    const subscribe = (await done) === subject ? 'received' : await done;
    return { publish, subscribe };
  } finally {
    await Promise.allSettled([nc.close(), admin.close()]);
  }
}

for (const kind of ['wharf', 'nats-server'] as const) {
  describe(`one nats-server configuration file, served by ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    let dir: string;
    let target: Target;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'wharf-natsconf-'));
      const file = join(dir, 'server.conf');
      writeFileSync(file, SERVER_CONF);
      if (kind === 'wharf') {
        const broker: Broker = await startBroker({
          host: '127.0.0.1',
          logLevel: 'silent',
          nats: { configFile: file, port: 0 },
          kafka: { port: -1 },
          http: { port: -1 },
          storage: { engine: 'memory' },
        });
        target = { port: broker.ports.nats, close: () => broker.close() };
      } else {
        const server: RunningNatsServer = await startNatsServer({ config: SERVER_CONF, monitor: false });
        target = { port: server.port, close: () => server.close() };
      }
    });
    after(async () => {
      await target?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('lets configured users in, keeps wrong passwords out, takes a client without credentials for no_auth_user', { timeout: 20_000 }, async () => {
      assert.equal(await outcome(target.port, { user: 'admin', pass: 'adminpw' }), 'connected');
      assert.equal(await outcome(target.port, { user: 'admin', pass: 'wrong' }), nats.ErrorCode.AuthorizationViolation);
      assert.equal(await outcome(target.port, { user: 'nobody', pass: 'x' }), nats.ErrorCode.AuthorizationViolation);
      assert.equal(await outcome(target.port, {}), 'connected');
    });

    it('applies a user\'s own permissions, and the default permissions to users without any', { timeout: 20_000 }, async () => {
      const reader = { user: 'reader', pass: 'readerpw' };
      const guest = { user: 'guest', pass: 'guestpw' };
      assert.deepEqual(await permissionsSeen(target.port, reader, 'app.public.news'), { publish: 'denied', subscribe: 'received' }, 'reader, app.public.news');
      assert.deepEqual(await permissionsSeen(target.port, reader, 'app.private'), { publish: 'denied', subscribe: 'denied' }, 'reader, app.private');
      assert.deepEqual(await permissionsSeen(target.port, guest, 'app.x'), { publish: 'delivered', subscribe: 'received' }, 'guest, app.x');
      assert.deepEqual(await permissionsSeen(target.port, guest, 'other.x'), { publish: 'denied', subscribe: 'denied' }, 'guest, other.x');
      // no_auth_user: the guest's (default) permissions.
      assert.deepEqual(await permissionsSeen(target.port, {}, 'other.x'), { publish: 'denied', subscribe: 'denied' }, 'no credentials, other.x');
    });
  });
}

// A user configured without a password and without verify_and_map (nats.go's account tests
// configure `users: [{ user: "foo" }]`): nats-server compares the CONNECT's password, absent or
// empty, with the empty configured one, so the name alone logs in, a password does not, and
// the user may be the no_auth_user; it belongs to its account like any other user.
const PASSWORDLESS_CONF = `
accounts {
  A { users: [{ user: "foo" }] }
  B { users: [{ user: "b", password: "bpw" }] }
}
no_auth_user: foo
`;

/** Whether a message published by `from` on `subject` reaches a subscriber logged in as `to`. */
async function reaches(port: number, from: Partial<nats.ConnectionOptions>, to: Partial<nats.ConnectionOptions>, subject: string): Promise<boolean> {
  const sub = await nats.connect({ servers: `127.0.0.1:${port}`, reconnect: false, ...to });
  const pub = await nats.connect({ servers: `127.0.0.1:${port}`, reconnect: false, ...from });
  try {
    const s = sub.subscribe(subject, { max: 1 });
    await sub.flush();
    pub.publish(subject, 'x');
    // Once the publisher's PONG is back the message was routed; the subscriber's PONG then
    // comes after it on its own connection, when it was routed there at all.
    await pub.flush();
    await sub.flush();
    return s.getReceived() === 1;
  } finally {
    await Promise.allSettled([sub.close(), pub.close()]);
  }
}

for (const kind of ['wharf', 'nats-server'] as const) {
  describe(`a user without a password, served by ${kind}`, { skip: kind === 'nats-server' ? peerSkip('nats-server') : false }, () => {
    let dir: string;
    let target: Target;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'wharf-natsconf-'));
      const file = join(dir, 'server.conf');
      writeFileSync(file, PASSWORDLESS_CONF);
      if (kind === 'wharf') {
        const broker: Broker = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { configFile: file, port: 0 }, kafka: { port: -1 }, http: { port: -1 }, storage: { engine: 'memory' } });
        target = { port: broker.ports.nats, close: () => broker.close() };
      } else {
        const server: RunningNatsServer = await startNatsServer({ config: PASSWORDLESS_CONF, monitor: false });
        target = { port: server.port, close: () => server.close() };
      }
    });
    after(async () => {
      await target?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('logs in with its name alone (no password or an empty one), not with a password; is the no_auth_user', { timeout: 20_000 }, async () => {
      assert.equal(await outcome(target.port, { user: 'foo' }), 'connected');
      assert.equal(await outcome(target.port, { user: 'foo', pass: '' }), 'connected');
      assert.equal(await outcome(target.port, { user: 'foo', pass: 'x' }), nats.ErrorCode.AuthorizationViolation);
      assert.equal(await outcome(target.port, {}), 'connected');
      assert.equal(await outcome(target.port, { user: 'b' }), nats.ErrorCode.AuthorizationViolation);
    });

    it('is in its account: a client without credentials shares foo\'s subjects, b\'s account does not', { timeout: 20_000 }, async () => {
      assert.equal(await reaches(target.port, {}, { user: 'foo' }, 'acct.check'), true);
      assert.equal(await reaches(target.port, { user: 'b', pass: 'bpw' }, { user: 'foo' }, 'acct.check'), false);
    });
  });
}

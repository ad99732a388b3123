// The console login's sessions without a broker: a session checks its credentials again once
// its last proof is older than the recheck interval (a user removed by a reload loses it), ends
// after the idle time and at logout, and proofs are remembered meanwhile (a bcrypt or PBKDF2
// check is not paid on every poll of the app). The NATS authenticator is a stub whose users the
// test changes; the broker's own sources are tested through HTTP in console-auth.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { principal } from '../../src/core/security/principal.js';
import type { Authenticator } from '../../src/nats/auth.js';
import { ConsoleLogin, type LoginTiming } from '../../src/http/console/login.js';

/** A NATS authenticator over a mutable user table, counting its checks. */
function stubNats(users: Map<string, string>): Authenticator & { checks: number } {
  const stub = {
    checks: 0,
    check(c: { user?: string; pass?: string }) {
      stub.checks++;
      return typeof c.user === 'string' && users.get(c.user) === c.pass ? principal('user', c.user) : null;
    },
  };
  return stub;
}

function request(headers: Record<string, string>): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.headers = headers;
  return req;
}

/** A login on a clock the test moves. */
function loginWith(users: Map<string, string>, timing: Omit<LoginTiming, 'now'>) {
  const nats = stubNats(users);
  const clock = { ms: 1_000_000 };
  const login = new ConsoleLogin({ authEnabled: true, https: false, nats: () => nats, kafka: () => null }, { ...timing, now: () => clock.ms });
  return { nats, login, clock };
}

describe('console login sessions', () => {
  it('a session is checked again after the recheck interval: a removed user loses it', async () => {
    const users = new Map([['ops', 'pw']]);
    const { nats, login, clock } = loginWith(users, { sessionIdleMs: 3_600_000, recheckMs: 60_000 });
    const opened = await login.login('ops', 'pw');
    assert.ok(opened !== null);
    const cookie = opened.cookie.split(';')[0]!;
    assert.equal((await login.identify(request({ cookie })))?.name, 'ops');
    const checks = nats.checks;
    clock.ms += 59_000;
    assert.equal((await login.identify(request({ cookie })))?.name, 'ops');
    assert.equal(nats.checks, checks, 'within the interval the proof is remembered');
    users.delete('ops');
    clock.ms += 2_000;
    assert.equal(await login.identify(request({ cookie })), null, 'the user is gone: so is the session');
    users.set('ops', 'pw');
    assert.equal(await login.identify(request({ cookie })), null, 'the session does not come back');
  });

  it('a session ends after the idle time, and at logout', async () => {
    const users = new Map([['ops', 'pw']]);
    const { login, clock } = loginWith(users, { sessionIdleMs: 3_600_000, recheckMs: 60_000 });
    const a = await login.login('ops', 'pw');
    const cookieA = a!.cookie.split(';')[0]!;
    assert.match(a!.cookie, /Max-Age=3600(;|$)/);
    clock.ms += 3_000_000;
    assert.equal((await login.identify(request({ cookie: cookieA })))?.name, 'ops', 'used within the idle time');
    clock.ms += 3_600_001;
    assert.equal(await login.identify(request({ cookie: cookieA })), null, 'idle too long');
    const b = await login.login('ops', 'pw');
    const cookieB = b!.cookie.split(';')[0]!;
    assert.equal((await login.identify(request({ cookie: cookieB })))?.name, 'ops');
    assert.match(login.logout(request({ cookie: cookieB })), /^wharf_console=; .*Max-Age=0/);
    assert.equal(await login.identify(request({ cookie: cookieB })), null);
    assert.equal(await login.login('ops', 'wrong'), null);
  });

  it('a NATS user configured without a password (empty password on the NATS port) cannot log in here', async () => {
    // The stub accepts foo with the empty password, as the NATS port does for `{ user: foo }`.
    const users = new Map([['foo', ''], ['ops', 'pw']]);
    const { nats, login } = loginWith(users, { sessionIdleMs: 3_600_000, recheckMs: 60_000 });
    assert.equal(await login.login('foo', ''), null);
    assert.equal(nats.checks, 0, 'the empty password never reaches the NATS authenticator');
    assert.ok((await login.login('ops', 'pw')) !== null);
  });
});

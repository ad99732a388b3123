// /connz and /subsz with NATS accounts configured, against nats-server v2.15.2 with the same
// configuration file: both endpoints cover every account (subscriptions name theirs, statistics
// are summed), acc= narrows them to one, auth=1 names a connection's account, and an unknown
// account is an empty page. nats-server's own system-account subscriptions ($SYS.…, one
// internal client per account) have no counterpart in Wharf and are left out of the comparison.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { startTestBroker } from '../support/broker.js';
import { startNatsServer, type RunningNatsServer } from '../support/nats-server.js';
import type { Broker } from '../../src/index.js';

type Json = Record<string, unknown>;

const CONFIG = `
accounts {
  A { users = [ { user: a, password: a } ] }
  B { users = [ { user: b, password: b } ] }
}
`;

interface Side {
  name: string;
  natsPort: number;
  httpPort: number;
  clients: NatsConnection[];
}

/** GET on the monitoring port with the given user's basic credentials; the volatile fields go. */
async function monitor(side: Side, path: string): Promise<Json> {
  const res = await fetch(`http://127.0.0.1:${side.httpPort}${path}`, {
    headers: { authorization: `Basic ${Buffer.from('a:a').toString('base64')}` },
  });
  assert.equal(res.status, 200, `${side.name} ${path}: ${res.status}`);
  const json = (await res.json()) as Json;
  delete json.now;
  delete json.server_id;
  return json;
}

/** The connections of a /connz page, reduced to what both servers give the same way. */
function connections(page: Json): Json[] {
  const list = (page.connections as Json[] | null) ?? [];
  return list.map((c) => ({ name: c.name, authorized_user: c.authorized_user, account: c.account, name_tag: c.name_tag, subscriptions: c.subscriptions }));
}

/** The client subscriptions of a /subsz page (not nats-server's system-account ones). */
function clientSubs(page: Json): Json[] {
  const list = (page.subscriptions_list as Json[] | undefined) ?? [];
  return list
    .filter((s) => !String(s.subject).startsWith('$SYS.'))
    .map((s) => ({ account: s.account, account_tag: s.account_tag, subject: s.subject, qgroup: s.qgroup }))
    .sort((x, y) => String(x.subject).localeCompare(String(y.subject)));
}

describe('/connz and /subsz with accounts, as nats-server', () => {
  let broker: Broker;
  let reference: RunningNatsServer;
  const sides: Side[] = [];

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-accounts-monitor-'));
    const file = join(dir, 'accounts.conf');
    writeFileSync(file, CONFIG);
    const started = await Promise.allSettled([startTestBroker({ natsConfig: file, httpPort: 0 }), startNatsServer({ config: CONFIG })]);
    if (started[0].status === 'fulfilled') broker = started[0].value;
    if (started[1].status === 'fulfilled') reference = started[1].value;
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    sides.push({ name: 'wharf', natsPort: broker.ports.nats, httpPort: broker.ports.http!, clients: [] });
    sides.push({ name: 'nats-server', natsPort: reference.port, httpPort: reference.httpPort!, clients: [] });
    for (const side of sides) {
      const a = await connect({ port: side.natsPort, user: 'a', pass: 'a', name: 'client-a' });
      const b = await connect({ port: side.natsPort, user: 'b', pass: 'b', name: 'client-b' });
      a.subscribe('orders.a');
      b.subscribe('orders.b', { queue: 'workers' });
      b.subscribe('orders.>');
      await Promise.all([a.flush(), b.flush()]);
      side.clients.push(a, b);
    }
  });

  after(async () => {
    for (const side of sides) await Promise.all(side.clients.map((c) => c.close()));
    await Promise.allSettled([broker?.close(), reference?.close()]);
  });

  it('/connz?auth=1 names each connection account; acc= keeps one account; an unknown one is empty', async () => {
    const [wharf, ref] = sides;
    for (const path of ['/connz?auth=1', '/connz?auth=1&acc=A', '/connz?auth=1&acc=B']) {
      const w = connections(await monitor(wharf!, path));
      assert.deepEqual(w, connections(await monitor(ref!, path)), path);
      assert.ok(w.length > 0, `${path} lists connections`);
    }
    assert.deepEqual(connections(await monitor(wharf!, '/connz?auth=1&acc=A')).map((c) => c.account), ['A']);
    const unknown = await monitor(wharf!, '/connz?acc=NOPE');
    assert.deepEqual(unknown, await monitor(ref!, '/connz?acc=NOPE'));
    assert.equal(unknown.num_connections, 0);
  });

  it('/subsz?subs=1 lists every account subscriptions with the account; acc= narrows list and counts', async () => {
    const [wharf, ref] = sides;
    const all = clientSubs(await monitor(wharf!, '/subsz?subs=1'));
    assert.deepEqual(all, clientSubs(await monitor(ref!, '/subsz?subs=1')));
    assert.deepEqual(all.map((s) => s.account), ['B', 'A', 'B'], 'orders.>, orders.a, orders.b');
    const onlyB = await monitor(wharf!, '/subsz?subs=1&acc=B');
    assert.deepEqual(clientSubs(onlyB), clientSubs(await monitor(ref!, '/subsz?subs=1&acc=B')));
    assert.equal(onlyB.num_subscriptions, 2, "B's two subscriptions, summed from B's subject space only");
    assert.equal(onlyB.total, 2);
  });
});

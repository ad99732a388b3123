// The monitoring endpoints (src/http): field names, types and values after real client
// activity, pagination, sorting, closed connections, subscription details, 400s and 404s;
// then the same activity against a reference nats-server v2.15, whose JSON shape Wharf's
// must contain (every key, same JSON type), except the fields listed below with a reason.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { startTestBroker } from '../support/broker.js';
import type { Broker } from '../../src/index.js';
import { freePort, sleep } from '../support/net.js';
import { waitFor } from '../support/wait.js';

type Json = Record<string, unknown>;

interface HttpAnswer {
  status: number;
  contentType: string;
  text: string;
}

async function get(port: number, path: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

async function getJson(port: number, path: string, headers: Record<string, string> = {}): Promise<Json> {
  const answer = await get(port, path, headers);
  assert.equal(answer.status, 200, `${path}: ${answer.text}`);
  assert.equal(answer.contentType, 'application/json', path);
  return JSON.parse(answer.text) as Json;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** What Go's time.ParseDuration accepts, as nats-server's rtt is written. */
const GO_DURATION = /^(0s|(\d+(\.\d+)?(ns|µs|us|ms|s|m|h))+)$/;
/** nats-server's uptime form. */
const NATS_UPTIME = /^(\d+y)?(\d+d)?(\d+h)?(\d+m)?\d+s$/;

function conns(connz: Json): Json[] {
  return connz.connections as Json[];
}

/** Polls until check() holds (deliveries are asynchronous). */
function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  return waitFor(check, { what, timeoutMs, intervalMs: 5 });
}

/** The monitoring port startBroker() opened for httpPort 0; the test fails if it opened none. */
function monitorPort(broker: Broker): number {
  assert.ok(broker.ports.http > 0, `startBroker({ httpPort: 0 }) started no monitor (ports.http = ${broker.ports.http})`);
  return broker.ports.http;
}

/**
 * The same client activity on either server: alpha subscribes foo.*, beta subscribes foo.bar
 * in queue q and bar with an auto-unsubscribe after 5; the anonymous publisher sends five
 * 5-byte messages to foo.bar. Returns once both subscribers received them.
 */
async function activity(port: number): Promise<{ alpha: NatsConnection; beta: NatsConnection; pub: NatsConnection; all: NatsConnection[] }> {
  const servers = `127.0.0.1:${port}`;
  const alpha = await connect({ servers, name: 'alpha' });
  const beta = await connect({ servers, name: 'beta' });
  const pub = await connect({ servers });
  let got = 0;
  const count = (sub: Subscription) => {
    void (async () => {
      for await (const _ of sub) got++;
    })();
  };
  count(alpha.subscribe('foo.*'));
  count(beta.subscribe('foo.bar', { queue: 'q' }));
  beta.subscribe('bar', { max: 5 });
  await alpha.flush();
  await beta.flush();
  for (let i = 0; i < 5; i++) pub.publish('foo.bar', 'hello');
  await pub.flush();
  await until(() => got === 10, 'deliveries');
  await alpha.flush();
  await beta.flush();
  return { alpha, beta, pub, all: [alpha, beta, pub] };
}

describe('monitoring endpoints', () => {
  let broker: Broker;
  let http: number;
  let clients: Awaited<ReturnType<typeof activity>>;
  let pubCid: number;

  before(async () => {
    // JetStream off: its API subscription ($JS.API.>) would count among the subscriptions these
    // assertions count exactly (nats-server also counts its internal JetStream subscriptions).
    broker = await startTestBroker({ httpPort: 0, jetstream: false });
    http = monitorPort(broker);
    clients = await activity(broker.ports.nats);
    pubCid = Math.max(...broker.nats.connections.keys());
  });

  after(async () => {
    await Promise.all(clients?.all.map((c) => c.close().catch(() => {})) ?? []);
    await broker?.close();
  });

  it('/healthz answers {"status":"ok"}', async () => {
    const answer = await get(http, '/healthz');
    assert.equal(answer.status, 200);
    assert.equal(answer.contentType, 'application/json');
    assert.deepEqual(JSON.parse(answer.text), { status: 'ok' });
    assert.equal((await get(http, '/healthz?js-enabled-only=maybe')).status, 400);
  });

  it('/varz reports identity, limits and counters with nats-server types', async () => {
    const v = await getJson(http, '/varz');
    const o = broker.options.nats;
    assert.equal(v.server_id, broker.nats.serverId);
    assert.equal(v.server_name, broker.nats.serverName);
    assert.match(v.version as string, /^\d+\.\d+\.\d+$/);
    assert.equal(v.proto, 1);
    assert.equal(typeof v.go, 'string');
    assert.equal(v.host, '127.0.0.1');
    assert.equal(v.port, broker.ports.nats);
    assert.equal(v.http_host, '127.0.0.1');
    assert.equal(v.http_port, http);
    assert.equal(v.auth_required, undefined, 'omitted without auth, as nats-server does');
    assert.equal(v.max_connections, o.maxConnections);
    assert.equal(v.ping_interval, o.pingInterval * 1e6, 'a time.Duration: nanoseconds');
    assert.equal(v.write_deadline, o.writeDeadline * 1e6);
    assert.equal(v.ping_max, o.maxPingsOut);
    assert.equal(v.auth_timeout, o.authTimeout / 1000, 'seconds');
    assert.equal(v.max_control_line, o.maxControlLine);
    assert.equal(v.max_payload, o.maxPayload);
    assert.equal(v.max_pending, o.maxPending);
    assert.match(v.start as string, RFC3339);
    assert.match(v.now as string, RFC3339);
    assert.match(v.config_load_time as string, RFC3339);
    assert.match(v.uptime as string, NATS_UPTIME);
    assert.ok((v.mem as number) > 1_000_000);
    assert.ok((v.cores as number) >= 1);
    assert.equal(typeof v.cpu, 'number');
    assert.equal(v.connections, 3);
    assert.equal(v.total_connections, 3);
    for (const k of ['routes', 'remotes', 'leafnodes', 'slow_consumers', 'stale_connections', 'stalled_clients']) assert.equal(v[k], 0, k);
    assert.equal(v.in_msgs, 5);
    assert.equal(v.in_bytes, 25);
    assert.equal(v.in_client_msgs, 5);
    assert.equal(v.out_msgs, 10);
    assert.equal(v.out_bytes, 50);
    assert.equal(v.out_client_bytes, 50);
    assert.equal(v.subscriptions, 3);
    assert.ok(((v.http_req_stats as Json)['/varz'] as number) >= 1);
    assert.deepEqual(v.slow_consumer_stats, { clients: 0, routes: 0, gateways: 0, leafs: 0 });
    // prometheus-nats-exporter makes a gauge of every numeric top-level field.
    for (const [k, value] of Object.entries(v)) {
      if (typeof value === 'number') assert.ok(Number.isFinite(value), k);
    }
  });

  it('/connz lists open connections sorted by cid with their counters', async () => {
    const c = await getJson(http, '/connz');
    assert.equal(c.server_id, broker.nats.serverId);
    assert.match(c.now as string, RFC3339);
    assert.equal(c.num_connections, 3);
    assert.equal(c.total, 3);
    assert.equal(c.offset, 0);
    assert.equal(c.limit, 1024);
    const list = conns(c);
    const cids = list.map((x) => x.cid as number);
    assert.deepEqual(cids, [...cids].sort((a, b) => a - b));
    const [alpha, beta, pub] = list as [Json, Json, Json];
    for (const x of list) {
      assert.equal(x.kind, 'Client');
      assert.equal(x.type, 'nats');
      assert.equal(x.ip, '127.0.0.1');
      assert.equal(typeof x.port, 'number');
      assert.match(x.start as string, RFC3339);
      assert.match(x.last_activity as string, RFC3339);
      assert.match(x.rtt as string, GO_DURATION);
      assert.match(x.uptime as string, NATS_UPTIME);
      assert.match(x.idle as string, NATS_UPTIME);
      assert.equal(x.pending_bytes, 0);
      assert.equal(x.lang, 'nats.js');
      assert.equal(typeof x.version, 'string');
      assert.equal(x.stop, undefined);
      assert.equal(x.reason, undefined);
      assert.equal(x.subscriptions_list, undefined);
      assert.equal(x.subscriptions_list_detail, undefined);
    }
    assert.equal(alpha.name, 'alpha');
    assert.equal(beta.name, 'beta');
    assert.equal(pub.name, undefined, 'an empty name is omitted');
    assert.deepEqual([alpha.subscriptions, beta.subscriptions, pub.subscriptions], [1, 2, 0]);
    assert.deepEqual([alpha.out_msgs, beta.out_msgs, pub.out_msgs], [5, 5, 0]);
    assert.deepEqual([alpha.out_bytes, beta.out_bytes], [25, 25]);
    assert.deepEqual([pub.in_msgs, pub.in_bytes], [5, 25]);
  });

  it('/connz pages with limit and offset', async () => {
    const all = conns(await getJson(http, '/connz')).map((x) => x.cid);
    const page = await getJson(http, '/connz?limit=1&offset=1');
    assert.equal(page.num_connections, 1);
    assert.equal(page.total, 3);
    assert.equal(page.limit, 1);
    assert.equal(page.offset, 1);
    assert.deepEqual(conns(page).map((x) => x.cid), [all[1]]);
    const past = await getJson(http, '/connz?offset=10');
    assert.equal(past.num_connections, 0);
    assert.deepEqual(past.connections, []);
    const sane = await getJson(http, '/connz?limit=-5&offset=-3');
    assert.equal(sane.limit, 1024);
    assert.equal(sane.offset, 0);
    assert.equal(sane.num_connections, 3);
  });

  it('/connz sorts like nats-server', async () => {
    const cidsBy = async (sort: string) => conns(await getJson(http, `/connz?sort=${sort}`)).map((x) => x.cid as number);
    const [a, b, p] = conns(await getJson(http, '/connz')).map((x) => x.cid as number) as [number, number, number];
    assert.equal(p, pubCid);
    assert.deepEqual(await cidsBy('cid'), [a, b, p]);
    assert.deepEqual(await cidsBy('start'), [a, b, p]);
    assert.deepEqual(await cidsBy('subs'), [b, a, p], 'descending, ties by cid');
    assert.deepEqual(await cidsBy('msgs_from'), [p, a, b]);
    assert.deepEqual(await cidsBy('bytes_from'), [p, a, b]);
    assert.deepEqual(await cidsBy('msgs_to'), [a, b, p]);
    assert.deepEqual(await cidsBy('bytes_to'), [a, b, p]);
    for (const sort of ['pending', 'last', 'idle', 'rtt', 'uptime']) assert.equal((await cidsBy(sort)).length, 3, sort);
  });

  it('/connz?subs=1 and subs=detail list subscriptions', async () => {
    const plain = conns(await getJson(http, '/connz?subs=1'));
    assert.deepEqual(plain[0]!.subscriptions_list, ['foo.*']);
    assert.deepEqual(plain[1]!.subscriptions_list, ['foo.bar', 'bar']);
    assert.equal(plain[2]!.subscriptions_list, undefined, 'omitted when empty');
    assert.deepEqual(conns(await getJson(http, '/connz?subs=true'))[0]!.subscriptions_list, ['foo.*']);
    assert.equal(conns(await getJson(http, '/connz?subs=0'))[0]!.subscriptions_list, undefined);

    const detail = conns(await getJson(http, '/connz?subs=detail'));
    const betaCid = detail[1]!.cid;
    assert.equal(detail[1]!.subscriptions_list, undefined);
    assert.deepEqual(detail[0]!.subscriptions_list_detail, [{ subject: 'foo.*', sid: '1', msgs: 5, cid: detail[0]!.cid }]);
    assert.deepEqual(detail[1]!.subscriptions_list_detail, [
      { subject: 'foo.bar', qgroup: 'q', sid: '1', msgs: 5, cid: betaCid },
      { subject: 'bar', sid: '2', msgs: 0, max: 5, cid: betaCid },
    ]);
  });

  it('/connz?cid= selects one connection; auth=1 adds the account tag', async () => {
    const one = await getJson(http, `/connz?cid=${pubCid}`);
    assert.equal(one.limit, 1);
    assert.equal(one.num_connections, 1);
    assert.equal(conns(one)[0]!.cid, pubCid);
    const none = await getJson(http, '/connz?cid=9999');
    assert.equal(none.num_connections, 0);
    assert.deepEqual(none.connections, []);
    const byUser = await getJson(http, '/connz?user=bob');
    assert.deepEqual([byUser.total, byUser.num_connections], [3, 0], 'total counts before the user filter');
    assert.equal((await getJson(http, '/connz?acc=$G')).num_connections, 3);
    const otherAccount = await getJson(http, '/connz?acc=other');
    assert.deepEqual([otherAccount.server_id, otherAccount.total, otherAccount.connections], ['', 0, null]);
    const auth = conns(await getJson(http, '/connz?auth=1'));
    assert.equal(auth[0]!.name_tag, '$G');
    assert.equal(auth[0]!.authorized_user, undefined, 'no user without credentials');
  });

  it('bad /connz and /subsz queries get nats-server\'s 400 answers', async () => {
    const cases: [string, string][] = [
      ['/connz?sort=bogus', 'invalid sorting option: bogus'],
      ['/connz?sort=stop', 'sort by stop only valid on closed connections'],
      ['/connz?sort=reason&state=open', 'sort by reason only valid on closed connections'],
      ['/connz?limit=ten', `Error decoding int for 'limit': strconv.Atoi: parsing "ten": invalid syntax`],
      ['/connz?offset=1.5', `Error decoding int for 'offset': strconv.Atoi: parsing "1.5": invalid syntax`],
      ['/connz?cid=-1', `Error decoding uint64 for 'cid': strconv.ParseUint: parsing "-1": invalid syntax`],
      ['/connz?state=half', 'Error decoding state for half'],
      ['/connz?subs=yes', `Error decoding boolean for 'subs': strconv.ParseBool: parsing "yes": invalid syntax`],
      ['/connz?auth=maybe', `Error decoding boolean for 'auth': strconv.ParseBool: parsing "maybe": invalid syntax`],
      ['/subsz?subs=x', `Error decoding boolean for 'subs': strconv.ParseBool: parsing "x": invalid syntax`],
      ['/subsz?test=foo.*', 'invalid test subject, must be valid publish subject: foo.*'],
    ];
    for (const [path, message] of cases) {
      const answer = await get(http, path);
      assert.equal(answer.status, 400, path);
      assert.equal(answer.text, message, path);
    }
  });

  it('/subsz reports sublist statistics and, with subs=1, the subscriptions', async () => {
    const s = await getJson(http, '/subsz');
    assert.equal(s.server_id, broker.nats.serverId);
    assert.match(s.now as string, RFC3339);
    assert.equal(s.num_subscriptions, 3);
    assert.equal(s.num_inserts, 3);
    assert.equal(s.num_removes, 0);
    assert.ok((s.num_matches as number) >= 5);
    assert.ok((s.num_cache as number) >= 1);
    assert.ok((s.cache_hit_rate as number) > 0 && (s.cache_hit_rate as number) <= 1);
    assert.equal(s.max_fanout, 2, 'foo.bar reaches foo.* and queue group q');
    assert.equal(typeof s.avg_fanout, 'number');
    assert.deepEqual([s.total, s.offset, s.limit], [0, 0, 1024]);
    assert.equal(s.subscriptions_list, undefined);

    const listed = await getJson(http, '/subsz?subs=1');
    assert.equal(listed.total, 3);
    const list = listed.subscriptions_list as Json[];
    assert.deepEqual(list.map((x) => x.subject).sort(), ['bar', 'foo.*', 'foo.bar']);
    for (const x of list) {
      assert.equal(x.account, '$G');
      assert.equal(x.account_tag, '$G');
      assert.equal(typeof x.sid, 'string');
      assert.equal(typeof x.msgs, 'number');
      assert.equal(typeof x.cid, 'number');
    }

    const tested = await getJson(http, '/subsz?subs=1&test=foo.bar');
    assert.equal(tested.total, 2);
    assert.deepEqual((tested.subscriptions_list as Json[]).map((x) => x.subject).sort(), ['foo.*', 'foo.bar']);
    const paged = await getJson(http, '/subsz?subs=1&limit=1&offset=2');
    assert.equal(paged.total, 3);
    assert.equal((paged.subscriptions_list as Json[]).length, 1);
    const nothing = await getJson(http, '/subsz?subs=1&test=nobody.here');
    assert.equal(nothing.total, 0);
    assert.equal(nothing.subscriptions_list, undefined, 'omitted when empty');

    const alias = await getJson(http, '/subscriptionsz');
    assert.equal(alias.num_subscriptions, 3);
    const stats = (await getJson(http, '/varz')).http_req_stats as Json;
    assert.ok((stats['/subsz'] as number) >= 6, '/subscriptionsz counts under /subsz');
    assert.equal(stats['/subscriptionsz'], undefined);
  });

  it('/ is an HTML index of the endpoints; unknown paths are 404', async () => {
    const root = await get(http, '/');
    assert.equal(root.status, 200);
    assert.match(root.contentType, /^text\/html/);
    for (const path of ['/varz', '/connz', '/subsz', '/healthz']) assert.ok(root.text.includes(`href=.${path}`), path);
    for (const path of ['/nope', '/varz/', '/connz/x']) assert.equal((await get(http, path)).status, 404, path);
  });

  it('closed connections: state=closed/any, stop, reason, sorting by stop and reason', async () => {
    await clients.pub.close();
    await until(() => broker.nats.closedConnections.some((c) => c.cid === pubCid), 'the close to be seen');
    const open = await getJson(http, '/connz');
    assert.equal(open.total, 2);
    assert.ok(conns(open).every((x) => x.cid !== pubCid));

    const closed = await getJson(http, '/connz?state=closed&subs=1');
    assert.equal(closed.total, 1);
    const [gone] = conns(closed) as [Json];
    assert.equal(gone.cid, pubCid);
    assert.equal(gone.reason, 'Client Closed');
    assert.match(gone.stop as string, RFC3339);
    assert.ok(Date.parse(gone.stop as string) >= Date.parse(gone.start as string));
    assert.deepEqual([gone.in_msgs, gone.in_bytes, gone.pending_bytes], [5, 25, 0]);
    assert.equal(gone.name_tag, undefined);

    const any = await getJson(http, '/connz?state=any');
    assert.equal(any.total, 3);
    assert.deepEqual(conns(any).map((x) => x.cid), [...conns(open).map((x) => x.cid), pubCid]);
    assert.equal((await getJson(http, '/connz?state=all')).total, 3);
    assert.equal(conns(await getJson(http, `/connz?state=closed&cid=${pubCid}`))[0]!.cid, pubCid);
    assert.equal((await getJson(http, `/connz?state=open&cid=${pubCid}`)).num_connections, 0);
    assert.equal((await getJson(http, '/connz?state=closed&sort=stop')).num_connections, 1);
    assert.equal((await getJson(http, '/connz?state=closed&sort=reason')).num_connections, 1);

    const v = await getJson(http, '/varz');
    assert.equal(v.connections, 2);
    assert.equal(v.total_connections, 3);
    assert.equal(v.in_msgs, 5, 'counters of closed connections stay in the totals');
  });
});

describe('monitoring with authentication', () => {
  it('/varz says auth_required and /connz?auth=1 names the user (monitoring asks for the same login)', async () => {
    const broker = await startTestBroker({ httpPort: 0, user: 'alice', pass: 's3cret' });
    let nc: NatsConnection | undefined;
    try {
      const http = monitorPort(broker);
      const login = { authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}` };
      nc = await connect({ servers: `127.0.0.1:${broker.ports.nats}`, user: 'alice', pass: 's3cret' });
      await nc.flush();
      assert.equal((await get(http, '/varz')).status, 401);
      assert.equal((await getJson(http, '/varz', login)).auth_required, true);
      const [c] = conns(await getJson(http, '/connz?auth=1', login)) as [Json];
      assert.equal(c.authorized_user, 'alice');
      assert.equal(conns(await getJson(http, '/connz', login))[0]!.authorized_user, undefined, 'only with auth=1');
      assert.equal((await getJson(http, '/connz?user=alice', login)).num_connections, 1);
    } finally {
      await nc?.close();
      await broker.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Shape comparison with a reference nats-server

const REFERENCE_BIN = process.env.WHARF_NATS_SERVER_BIN ?? join(homedir(), '.cache/wharf-peers/bin/nats-server');

function referenceMissing(): string | undefined {
  try {
    accessSync(REFERENCE_BIN, constants.X_OK);
    return undefined;
  } catch {
    return `reference nats-server not found at ${REFERENCE_BIN} (set WHARF_NATS_SERVER_BIN or run \`bash scripts/peers/install-all.sh\`)`;
  }
}

function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * Keys nats-server may return that Wharf leaves out on purpose, by endpoint and level:
 * each exists only for features Wharf does not have.
 */
const NOT_IN_WHARF: Record<string, Record<string, string>> = {
  varz: {
    git_commit: 'build metadata of the Go binary',
    gomemlimit: 'Go runtime memory limit',
    system_account: 'accounts: Wharf has one account and no system account',
    feature_flags: 'JetStream feature flags',
    tls_required: 'TLS',
    tls_verify: 'TLS',
    tls_ocsp_peer_verify: 'TLS',
    tls_cert_not_after: 'TLS',
    connect_urls: 'clusters (gossiped client URLs)',
    ws_connect_urls: 'websocket listener',
    ip: 'advertised client IP of a cluster member',
    tags: 'server tags (config)',
    metadata: 'server metadata (config)',
    trusted_operators_jwt: 'JWT/operator mode',
    trusted_operators_claim: 'JWT/operator mode',
    pinned_account_fails: 'JWT/operator mode',
    ocsp_peer_cache: 'TLS',
    proxies: 'trusted proxies',
    write_timeout: 'write-timeout policy option',
  },
  accounts: {
    system_account: 'Wharf has no system account',
    imports: "the $SYS account's service imports: Wharf has no system account",
  },
  connection: {
    tls_version: 'TLS',
    tls_cipher_suite: 'TLS',
    tls_peer_certs: 'TLS',
    tls_first: 'TLS',
    account: 'accounts',
    jwt: 'JWT/operator mode',
    issuer_key: 'JWT/operator mode',
    tags: 'JWT/operator mode',
    mqtt_client: 'MQTT',
    proxy: 'trusted proxies',
    stalls: 'Wharf cuts slow consumers off instead of stalling producers',
  },
};

/** Objects whose keys are data (a map), not a shape: only their JSON type is compared. */
const MAP_FIELDS = new Set(['http_req_stats']);

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The elements of an array merged into one (objects: every key any element has). */
function unionOf(items: unknown[]): unknown {
  if (items.length === 0) return undefined;
  if (jsonType(items[0]) !== 'object') return items[0];
  const merged: Json = {};
  for (const item of items) {
    if (jsonType(item) !== 'object') continue;
    for (const [k, v] of Object.entries(item as Json)) if (!(k in merged)) merged[k] = v;
  }
  return merged;
}

/** Every key of `ref` must be in `ours` with the same JSON type; recurses into objects and arrays. */
function compareShape(ref: unknown, ours: unknown, path: string, skip: Record<string, string>, problems: string[]): void {
  const rt = jsonType(ref);
  const ot = jsonType(ours);
  if (rt !== ot) {
    problems.push(`${path}: nats-server has ${rt}, Wharf has ${ot}`);
    return;
  }
  if (rt === 'array') {
    // Elements may differ in their omitempty keys and nats-server lists some in random (Go map)
    // order: compare the union of the elements' keys.
    const r = unionOf(ref as unknown[]);
    const o = unionOf(ours as unknown[]);
    if (r !== undefined && o !== undefined) compareShape(r, o, `${path}[]`, skip, problems);
    return;
  }
  if (rt !== 'object') return;
  const r = ref as Json;
  const o = ours as Json;
  for (const key of Object.keys(r)) {
    if (key in skip) continue;
    if (!(key in o)) problems.push(`${path}.${key}: missing in Wharf (nats-server has ${jsonType(r[key])})`);
    else if (MAP_FIELDS.has(key)) {
      if (jsonType(r[key]) !== jsonType(o[key])) problems.push(`${path}.${key}: nats-server has ${jsonType(r[key])}, Wharf has ${jsonType(o[key])}`);
    } else compareShape(r[key], o[key], `${path}.${key}`, {}, problems);
  }
}

interface Reference {
  child: ChildProcess;
  port: number;
  http: number;
  output: () => string;
}

async function startReference(): Promise<Reference> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const http = await freePort();
    const child = spawn(REFERENCE_BIN, ['-a', '127.0.0.1', '-p', String(port), '-m', String(http)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        if ((await fetch(`http://127.0.0.1:${http}/healthz`)).ok) return { child, port, http, output: () => out };
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    child.kill('SIGKILL');
    lastError = new Error(`nats-server did not start:\n${out}`);
  }
  throw lastError;
}

async function stopReference(ref: Reference): Promise<void> {
  if (ref.child.exitCode !== null || ref.child.signalCode !== null) return;
  const exited = new Promise((resolve) => ref.child.once('exit', resolve));
  ref.child.kill('SIGTERM');
  await exited;
}

const missing = referenceMissing();

describe('JSON shape matches nats-server v2.15', { skip: missing !== undefined && !isCI() ? missing : false }, () => {
  if (missing !== undefined) {
    it('has a reference nats-server', () => {
      assert.fail(`${missing}; CI is set, so this is a failure, not a skip`);
    });
    return;
  }

  let reference: Reference;
  let broker: Broker;
  let wharfHttp: number;
  const clients: NatsConnection[] = [];

  before(async () => {
    [reference, broker] = await Promise.all([
      startReference(),
      startTestBroker({ httpPort: 0 }),
    ]);
    wharfHttp = monitorPort(broker);
    for (const port of [reference.port, broker.ports.nats]) {
      const run = await activity(port);
      clients.push(run.alpha, run.beta);
      // The publisher closes, so that state=closed has an entry on both.
      await run.pub.close();
    }
    for (const [who, http] of [['nats-server', reference.http], ['Wharf', wharfHttp]] as const) {
      await until(async () => (await getJson(http, '/connz?state=closed')).num_connections === 1, `${who} to list the closed publisher`);
    }
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await broker?.close();
    if (reference) await stopReference(reference);
  });

  const endpoints: [path: string, perConnection: boolean][] = [
    ['/varz', false],
    ['/connz?subs=1', true],
    ['/connz?subs=detail', true],
    ['/connz?state=closed', true],
    ['/connz?auth=1', true],
    ['/subsz', false],
    ['/subsz?subs=1', false],
    ['/healthz', false],
    ['/healthz?js-enabled-only=true', false],
    ['/accountz', false],
    ['/accountz?acc=$G', false],
    ['/accstatz', false],
    ['/accstatz?unused=1', false],
  ];
  for (const [path, perConnection] of endpoints) {
    it(`${path}: every key of nats-server's answer, with the same JSON type`, async () => {
      const [ref, ours] = await Promise.all([getJson(reference.http, path), getJson(wharfHttp, path)]);
      const problems: string[] = [];
      const topSkip = path === '/varz' ? NOT_IN_WHARF.varz! : path.startsWith('/acc') ? NOT_IN_WHARF.accounts! : {};
      if (perConnection) {
        compareShape({ ...ref, connections: [] }, { ...ours, connections: [] }, path, topSkip, problems);
        const refConns = conns(ref);
        const ourConns = conns(ours);
        assert.ok(refConns.length > 0 && ourConns.length > 0, `${path}: both servers list connections`);
        assert.equal(ourConns.length, refConns.length, `${path}: same number of connections`);
        for (let i = 0; i < refConns.length; i++) {
          compareShape(refConns[i], ourConns[i], `${path}.connections[${i}]`, NOT_IN_WHARF.connection!, problems);
        }
      } else if (path.startsWith('/accountz') && typeof ref.account_detail === 'object' && ref.account_detail !== null) {
        // The account's detail leaves out the same keys (its imports come from $SYS).
        const detail = Object.fromEntries(Object.entries(ref.account_detail).filter(([k]) => !(k in NOT_IN_WHARF.accounts!)));
        compareShape({ ...ref, account_detail: detail }, ours, path, topSkip, problems);
      } else {
        compareShape(ref, ours, path, topSkip, problems);
      }
      assert.deepEqual(problems, [], `shape differences:\n${problems.join('\n')}`);
    });
  }

  it('bad queries get the same status and text from both', async () => {
    for (const path of ['/connz?sort=bogus', '/connz?limit=ten', '/connz?cid=-1', '/connz?state=half', '/connz?subs=yes', '/connz?sort=stop', '/subsz?test=foo.*', '/accountz?acc=nope', '/nope']) {
      const [ref, ours] = await Promise.all([get(reference.http, path), get(wharfHttp, path)]);
      assert.equal(ours.status, ref.status, path);
      assert.equal(ours.text, ref.text, path);
    }
  });
});

// Differential tests of the NATS client protocol: every scenario is written once, as data
// (bytes to send, possibly split into several TCP writes with small delays, over one or more
// connections), run against the reference nats-server v2.15.2 and against Wharf, and what each
// server sent back (normalised: INFO fields that legitimately differ are masked) and whether it
// closed each connection must be the same. A transcript is complete when the server answered a
// final PING on every connection it kept open (two rounds, so that what other connections sent
// before is delivered too), not after a quiet period; those final PONGs are left out of it.
//
// WHARF_NATS_SUBJECT=nats-server runs the reference on both sides (checks the harness itself).
// WHARF_DIFF_DUMP=file appends both normalised transcripts of every scenario to file (JSON lines).
// WHARF_DIFF_ONLY=substring runs only the scenarios whose name contains it.
import { appendFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { peerSkip } from '../support/peers.js';
import { RawClient, waitAllQuiet } from '../support/raw-client.js';
import { sleep } from '../support/net.js';
import { startTarget, subjectKind, type NatsProfile, type NatsTarget } from '../support/targets.js';
import type { UserEntry } from '../../src/nats/auth.js';
import { startTargetWithUsers } from './permission-targets.js';

// ---------------------------------------------------------------------------------------------
// Scenario model

interface SendStep {
  /** Client index (default 0). */
  c?: number;
  /** Bytes to send; an array is sent as separate writes, `gap` ms apart. */
  send: string | Buffer | (string | Buffer)[];
  gap?: number;
  /** Wait this long before sending. */
  delay?: number;
  /**
   * The bytes end with PING: wait for the matching PONG before going on (orders this client's
   * effects before the next step, e.g. a SUB before another client's PUB).
   */
  sync?: boolean;
}
interface WaitStep {
  wait: number;
}
interface WaitClosedStep {
  c?: number;
  /** Wait up to this many ms for the server to close the client's connection. */
  waitClosed: number;
}
interface OpenStep {
  /** Open this client now (clients not opened by a step are opened at the start). */
  open: number;
}
type Step = SendStep | WaitStep | WaitClosedStep | OpenStep;

interface ClientResult {
  /** Received protocol lines and payloads, normalised. */
  lines: string[];
  closed: boolean;
}

interface ScenarioRun {
  results: ClientResult[];
  /** Clients that neither answered the final PINGs nor were closed: their transcripts may be cut short. */
  unfinished: number[];
}

interface Scenario {
  name: string;
  profile?: ProfileName;
  /** Number of connections (default: 1 + highest client index used). */
  clients?: number;
  steps: Step[];
  /** For outcomes that are legitimately not deterministic (queue group distribution). */
  summarize?: (results: ClientResult[]) => unknown;
  /**
   * Keep INFO lines after the greeting. nats-server sends protocol-1 clients an updated INFO
   * (connect_info, remote_account) after its first PONG; that behaviour has its own scenarios
   * ('info: ...'), and elsewhere the later INFO lines are dropped so that one difference does
   * not fail every scenario.
   */
  asyncInfo?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Server profiles: one reference server and one Wharf per profile, shared by its scenarios.

const PROFILES = {
  default: {},
  smallPayload: { maxPayload: 1024 },
  token: { token: 's3cr3t', authTimeoutMs: 500 },
  userpass: { user: 'alice', pass: 'wonderland', authTimeoutMs: 500 },
  // bcrypt hashes (cost 4) of 'wonderland' and 's3cr3t': both servers accept hashed secrets.
  userpassBcrypt: { user: 'alice', pass: '$2b$04$TS0zdRZ/nlSFTevxQYlS1O3pLLl3cA9KDS6T8HVwmIgpwSbHetELa' },
  tokenBcrypt: { token: '$2b$04$MiZO5EGzqzarJwyd9lkbuuzuMt3Yj422Q3zE7OJbLijOh41QyevqC' },
  maxConns: { maxConnections: 2 },
  maxSubs: { maxSubscriptions: 2 },
  pings: { pingIntervalMs: 300, maxPingsOut: 2 },
} satisfies Record<string, NatsProfile>;
type ProfileName = keyof typeof PROFILES;

// ---------------------------------------------------------------------------------------------
// Building blocks

const CRLF = '\r\n';
const PING = 'PING\r\n';
const C = 'CONNECT {"verbose":false,"pedantic":false,"protocol":1}\r\n';
const CH = 'CONNECT {"verbose":false,"pedantic":false,"protocol":1,"headers":true,"no_responders":true}\r\n';
const connect = (o: Record<string, unknown>) => `CONNECT ${JSON.stringify(o)}\r\n`;
const pub = (subject: string, payload: string, reply?: string) =>
  `PUB ${subject}${reply ? ' ' + reply : ''} ${Buffer.byteLength(payload, 'latin1')}\r\n${payload}\r\n`;
function hpub(subject: string, headers: string, payload: string, reply?: string): string {
  const h = Buffer.byteLength(headers, 'latin1');
  const t = h + Buffer.byteLength(payload, 'latin1');
  return `HPUB ${subject}${reply ? ' ' + reply : ''} ${h} ${t}\r\n${headers}${payload}\r\n`;
}
const HDRS = 'NATS/1.0\r\nX-Test: one\r\nX-Other: two\r\n\r\n';

/** Sorts MSG lines' sids away and counts deliveries per client, for queue-group scenarios. */
function countMsgs(results: ClientResult[]) {
  return results.map((r) => ({
    msgs: r.lines.filter((l) => l.startsWith('MSG ')).length,
    other: r.lines.filter((l) => !l.startsWith('MSG ') && !/^payload-\d+$/.test(l)),
    closed: r.closed,
  }));
}
function totalMsgs(results: ClientResult[], clients: number[]) {
  const per = countMsgs(results);
  return {
    total: clients.reduce((n, i) => n + per[i]!.msgs, 0),
    perClient: per.map((p, i) => (clients.includes(i) ? { other: p.other, closed: p.closed } : p)),
  };
}

// ---------------------------------------------------------------------------------------------
// The scenarios

const SCENARIOS: Scenario[] = [
  // Asynchronous INFO after the first PONG (protocol 1)
  { name: 'info: protocol 1 client, INFO with connect_info after the first PONG', asyncInfo: true, steps: [{ send: C + PING + PING }] },
  { name: 'info: protocol 1, PING before CONNECT', asyncInfo: true, steps: [{ send: PING }, { send: C + PING }] },
  { name: 'info: protocol 1 and verbose', asyncInfo: true, steps: [{ send: connect({ verbose: true, protocol: 1 }) + PING }] },
  { name: 'info: protocol 0 client', asyncInfo: true, steps: [{ send: connect({ verbose: false, protocol: 0 }) + PING }] },
  {
    name: 'info: protocol 1 client that publishes before its first PING',
    asyncInfo: true,
    steps: [{ send: C + 'SUB foo 1\r\n' + pub('foo', 'x') + PING }],
  },

  // CONNECT variants
  { name: 'connect: minimal then PING', steps: [{ send: C + PING }] },
  { name: 'connect: empty JSON object', steps: [{ send: 'CONNECT {}\r\nPING\r\n' }] },
  {
    name: 'connect: verbose acknowledges every operation with +OK',
    steps: [{ send: connect({ verbose: true }) }, { send: 'SUB foo 1\r\n' + pub('foo', 'hi') + 'UNSUB 1\r\n' + PING }],
  },
  {
    name: 'connect: pedantic, valid operations',
    steps: [{ send: connect({ verbose: false, pedantic: true }) + 'SUB foo.* 1\r\n' + pub('foo.bar', 'hi') + PING }],
  },
  {
    name: 'connect: echo true (default) delivers own messages',
    steps: [{ send: C + 'SUB foo 1\r\n' + pub('foo', 'mine') + PING }],
  },
  {
    name: 'connect: echo false suppresses own messages',
    steps: [{ send: connect({ verbose: false, echo: false }) + 'SUB foo 1\r\n' + pub('foo', 'mine') + PING }],
  },
  {
    name: 'connect: echo false still delivers to other connections',
    steps: [
      { c: 0, send: connect({ echo: false }) + 'SUB foo 1\r\n' + PING, sync: true },
      { c: 1, send: C + 'SUB foo 7\r\n' + PING, sync: true },
      { c: 0, send: pub('foo', 'from-0') + PING },
    ],
  },
  {
    name: 'connect: headers false then HPUB',
    steps: [{ send: connect({ headers: false }) + 'SUB foo 1\r\n' + hpub('foo', HDRS, 'hi') + PING }],
  },
  {
    name: 'connect: no HPUB support advertised, HMSG not sent to a headers:false subscriber',
    steps: [
      { c: 0, send: connect({ headers: false }) + 'SUB foo 1\r\n' + PING, sync: true },
      { c: 1, send: CH + hpub('foo', HDRS, 'with-headers') + PING },
    ],
  },
  { name: 'connect: no_responders without headers', steps: [{ send: connect({ no_responders: true }) + PING }] },
  { name: 'connect: bad JSON', steps: [{ send: 'CONNECT {"verbose":tru\r\n' + PING }] },
  { name: 'connect: JSON that is not an object', steps: [{ send: 'CONNECT [1,2]\r\n' + PING }] },
  { name: 'connect: missing JSON', steps: [{ send: 'CONNECT\r\n' + PING }] },
  {
    name: 'connect: unknown fields are ignored',
    steps: [{ send: connect({ verbose: false, x_custom: 42, lang: 'raw', version: '0.0.1', name: 'diff', nested: { a: [1] } }) + PING }],
  },
  { name: 'connect: protocol 2', steps: [{ send: connect({ protocol: 2 }) + PING }] },
  { name: 'connect: protocol 0', steps: [{ send: connect({ protocol: 0 }) + PING }] },
  { name: 'connect: sent twice', steps: [{ send: C + connect({ verbose: true }) + PING }] },

  // Valid operations
  { name: 'ping: three PINGs, three PONGs', steps: [{ send: C + PING + PING + PING }] },
  { name: 'ping: PONG from the client is accepted silently', steps: [{ send: C + 'PONG\r\n' + PING }] },
  { name: 'ping: PING before CONNECT', steps: [{ send: PING }, { send: C + PING }] },
  { name: 'pub: PUB before CONNECT (no auth)', steps: [{ send: 'SUB foo 1\r\n' + pub('foo', 'early') + PING }] },
  {
    name: 'pub/sub: between two connections',
    steps: [
      { c: 0, send: C + 'SUB foo 1\r\n' + PING, sync: true },
      { c: 1, send: C + pub('foo', 'hello') + PING },
    ],
  },
  {
    name: 'pub/sub: reply subject is passed on',
    steps: [
      { c: 0, send: C + 'SUB foo 1\r\n' + PING, sync: true },
      { c: 1, send: C + pub('foo', 'req', 'my.reply') + PING },
    ],
  },
  { name: 'pub/sub: zero-length payload', steps: [{ send: C + 'SUB foo 1\r\n' + 'PUB foo 0\r\n\r\n' + PING }] },
  {
    name: 'pub/sub: binary payload with CRLF inside',
    steps: [{ send: C + 'SUB bin 1\r\n' + pub('bin', 'a\r\nb\x00c\xff') + PING }],
  },
  {
    name: 'pub/sub: wildcards * and >',
    steps: [
      {
        send:
          C + 'SUB foo.* 1\r\nSUB bar.> 2\r\n' + pub('foo.x', '1') + pub('bar.y.z', '2') + pub('foo.x.y', 'no') + pub('bar', 'no') + PING,
      },
    ],
  },
  {
    name: 'pub/sub: full wildcard > alone',
    steps: [{ send: C + 'SUB > 9\r\n' + pub('a', '1') + pub('a.b.c', '2') + PING }],
  },
  {
    name: 'hpub: HMSG to a headers subscriber',
    steps: [{ send: CH + 'SUB foo 1\r\n' + hpub('foo', HDRS, 'body') + hpub('foo', 'NATS/1.0\r\n\r\n', '', 'r.1') + PING }],
  },
  {
    name: 'hpub: header size larger than total size',
    steps: [{ send: CH + 'HPUB foo 10 5\r\n0123456789\r\n' + PING }],
  },
  { name: 'hpub: missing sizes', steps: [{ send: CH + 'HPUB foo 5\r\nhello\r\n' + PING }] },
  {
    name: 'unsub: no more messages after UNSUB',
    steps: [{ send: C + 'SUB foo 1\r\n' + pub('foo', 'one') + 'UNSUB 1\r\n' + pub('foo', 'two') + PING }],
  },
  { name: 'unsub: unknown sid', steps: [{ send: C + 'UNSUB 99\r\n' + PING }] },
  {
    name: 'unsub: with max then messages',
    steps: [{ send: C + 'SUB foo 1\r\nUNSUB 1 2\r\n' + pub('foo', 'a') + pub('foo', 'b') + pub('foo', 'c') + PING }],
  },
  {
    name: 'unsub: max already reached',
    steps: [{ send: C + 'SUB foo 1\r\n' + pub('foo', 'a') + pub('foo', 'b') + PING, sync: true }, { send: 'UNSUB 1 1\r\n' + pub('foo', 'c') + PING }],
  },
  {
    name: 'unsub: sid reused after auto-unsubscribe',
    steps: [{ send: C + 'SUB foo 1\r\nUNSUB 1 1\r\n' + pub('foo', 'a') + 'SUB bar 1\r\n' + pub('foo', 'b') + pub('bar', 'c') + PING }],
  },
  {
    name: 'request: HPUB with reply, no responders',
    steps: [{ send: CH + 'SUB _INBOX.h 1\r\n' + hpub('nobody.here', HDRS, 'q', '_INBOX.h') + PING }],
  },
  { name: 'unsub: no arguments', steps: [{ send: C + 'UNSUB\r\n' + PING }] },
  { name: 'unsub: non-numeric max', steps: [{ send: C + 'SUB foo 1\r\nUNSUB 1 x\r\n' + PING }] },
  {
    name: 'queue: two queue subscriptions on one connection share the messages',
    steps: [{ send: C + 'SUB foo q 1\r\nSUB foo q 2\r\n' + Array.from({ length: 6 }, (_, i) => pub('foo', `payload-${i}`)).join('') + PING }],
    summarize: (r) => totalMsgs(r, [0]),
  },
  {
    name: 'queue: group of two connections, each message delivered once',
    steps: [
      { c: 0, send: C + 'SUB work g 1\r\n' + PING, sync: true },
      { c: 1, send: C + 'SUB work g 1\r\n' + PING, sync: true },
      { c: 2, send: C + Array.from({ length: 10 }, (_, i) => pub('work', `payload-${i}`)).join('') + PING },
    ],
    summarize: (r) => totalMsgs(r, [0, 1]),
  },
  {
    name: 'queue: plain subscriber gets all, the group shares',
    steps: [
      { c: 0, send: C + 'SUB work 5\r\n' + PING, sync: true },
      { c: 1, send: C + 'SUB work g 1\r\nSUB work g 2\r\n' + PING, sync: true },
      { c: 2, send: C + Array.from({ length: 5 }, (_, i) => pub('work', `payload-${i}`)).join('') + PING },
    ],
    summarize: (r) => totalMsgs(r, [1]),
  },
  {
    name: 'pipelining: 100 publishes in one write',
    steps: [{ send: C + 'SUB p 1\r\n' + Array.from({ length: 100 }, (_, i) => pub('p', String(i))).join('') + PING }],
  },

  // Request-reply and no responders
  {
    name: 'request: no subscribers, no_responders gives a 503 HMSG',
    steps: [{ send: CH + 'SUB _INBOX.abc 1\r\n' + pub('nobody.home', '', '_INBOX.abc') + PING }],
  },
  {
    name: 'request: no subscribers, no reply subject, nothing comes back',
    steps: [{ send: CH + pub('nobody.home', 'x') + PING }],
  },
  {
    name: 'request: no subscribers, reply subject but no_responders off',
    steps: [{ send: connect({ headers: true }) + 'SUB _INBOX.abc 1\r\n' + pub('nobody.home', '', '_INBOX.abc') + PING }],
  },
  {
    name: 'request: reply across two connections',
    steps: [
      { c: 0, send: CH + 'SUB svc 1\r\n' + PING, sync: true },
      { c: 1, send: CH + 'SUB _INBOX.r.* 1\r\n' + pub('svc', 'ping', '_INBOX.r.1') + PING, sync: true },
      { c: 0, send: pub('_INBOX.r.1', 'pong') + PING },
    ],
  },

  // Lenient syntax
  { name: 'syntax: lowercase operations', steps: [{ send: 'connect {}\r\nsub foo 1\r\npub foo 2\r\nhi\r\nping\r\n' }] },
  { name: 'syntax: mixed-case operations', steps: [{ send: 'Connect {}\r\nSuB foo 1\r\npUb foo 2\r\nhi\r\nPiNg\r\n' }] },
  { name: 'syntax: tabs as separators', steps: [{ send: C + 'SUB\tfoo\t1\r\nPUB\tfoo\t2\r\nhi\r\nUNSUB\t1\r\n' + PING }] },
  { name: 'syntax: repeated spaces', steps: [{ send: C + 'SUB  foo   1\r\nPUB foo    2\r\nhi\r\n' + PING }] },
  { name: 'syntax: LF-only line endings', steps: [{ send: 'CONNECT {}\nSUB foo 1\nPING\n' }] },
  { name: 'syntax: LF-only after a payload', steps: [{ send: C + 'SUB foo 1\r\nPUB foo 2\r\nhi\n' + PING }] },
  { name: 'syntax: empty line', steps: [{ send: C + CRLF + PING }] },
  { name: 'syntax: space before the operation', steps: [{ send: C + ' PING\r\n' }] },
  {
    name: 'split: PING split across writes',
    steps: [{ send: C }, { send: ['PI', 'NG\r\n'], gap: 30 }],
  },
  {
    name: 'split: PUB payload split across writes',
    steps: [{ send: C + 'SUB foo 1\r\n' }, { send: ['PUB foo 5\r\nhe', 'llo', '\r', '\n' + PING], gap: 30 }],
  },
  {
    name: 'split: one byte per write',
    steps: [{ send: C }, { send: [...('SUB foo 1\r\n' + pub('foo', 'abc') + PING)], gap: 5 }],
  },

  // Malformed input
  { name: 'malformed: unknown operation', steps: [{ send: C + 'FOO bar\r\n' + PING }] },
  { name: 'malformed: MSG sent by a client', steps: [{ send: C + 'MSG foo 1 2\r\nhi\r\n' + PING }] },
  { name: 'malformed: INFO sent by a client', steps: [{ send: C + 'INFO {}\r\n' + PING }] },
  { name: 'malformed: binary garbage', steps: [{ send: Buffer.from([0, 1, 2, 0xff, 13, 10]) }] },
  { name: 'malformed: PUB missing size', steps: [{ send: C + 'PUB foo\r\n' + PING }] },
  { name: 'malformed: PUB negative size', steps: [{ send: C + 'PUB foo -1\r\n' + PING }] },
  { name: 'malformed: PUB non-numeric size', steps: [{ send: C + 'PUB foo abc\r\n' + PING }] },
  { name: 'malformed: PUB too many arguments', steps: [{ send: C + 'PUB foo bar baz 2\r\nhi\r\n' + PING }] },
  { name: 'malformed: PUB payload longer than size', steps: [{ send: C + 'SUB foo 1\r\nPUB foo 2\r\nhello\r\n' + PING }] },
  {
    name: 'malformed: PUB payload shorter than size',
    steps: [{ send: C + 'SUB foo 1\r\nPUB foo 10\r\nhi\r\n' }, { send: PING, delay: 50 }, { send: PING }],
  },
  { name: 'malformed: PUB bigger than max_payload (default 1MB)', steps: [{ send: C + 'PUB foo 1048577\r\n' }] },
  {
    name: 'limits: PUB at exactly max_payload (1KB) is accepted',
    profile: 'smallPayload',
    steps: [{ send: C + 'SUB foo 1\r\n' + pub('foo', 'x'.repeat(1024)) + PING }],
  },
  {
    name: 'limits: PUB one byte over max_payload (1KB)',
    profile: 'smallPayload',
    steps: [{ send: C + pub('foo', 'x'.repeat(1025)) + PING }],
  },
  {
    name: 'limits: HPUB over max_payload (1KB)',
    profile: 'smallPayload',
    steps: [{ send: CH + hpub('foo', HDRS, 'x'.repeat(1024)) + PING }],
  },
  { name: 'malformed: control line over 4096 bytes', steps: [{ send: C + 'SUB ' + 'a'.repeat(5000) + ' 1\r\n' + PING }] },
  { name: 'malformed: control line over 4096 bytes without newline', steps: [{ send: C + 'PUB ' + 'a'.repeat(5000) }] },
  { name: 'malformed: control line just under 4096 bytes', steps: [{ send: C + 'SUB ' + 'a'.repeat(4080) + ' 1\r\n' + PING }] },
  { name: 'sub: bad subject foo..bar', steps: [{ send: C + 'SUB foo..bar 1\r\n' + PING }] },
  { name: 'sub: bad subject foo.', steps: [{ send: C + 'SUB foo. 1\r\n' + PING }] },
  { name: 'sub: bad subject .foo', steps: [{ send: C + 'SUB .foo 1\r\n' + PING }] },
  { name: 'sub: subject *foo', steps: [{ send: C + 'SUB *foo 1\r\n' + pub('*foo', 'x') + PING }] },
  { name: 'sub: bad subject foo.>.bar', steps: [{ send: C + 'SUB foo.>.bar 1\r\n' + PING }] },
  { name: 'sub: empty subject', steps: [{ send: C + 'SUB  1\r\n' + PING }] },
  { name: 'sub: missing sid', steps: [{ send: C + 'SUB foo\r\n' + PING }] },
  { name: 'sub: too many arguments', steps: [{ send: C + 'SUB foo q 1 extra\r\n' + PING }] },
  { name: 'sub: duplicate sid', steps: [{ send: C + 'SUB foo 1\r\nSUB bar 1\r\n' + pub('foo', 'f') + pub('bar', 'b') + PING }] },
  {
    name: 'pedantic: publish to a wildcard subject',
    steps: [{ send: connect({ pedantic: true }) + 'SUB foo.* 1\r\n' + pub('foo.*', 'w') + PING }],
  },
  {
    name: 'pedantic: publish to an invalid subject',
    steps: [{ send: connect({ pedantic: true }) + pub('foo..bar', 'w') + PING }],
  },
  {
    name: 'non-pedantic: publish to a wildcard subject',
    steps: [{ send: C + 'SUB foo.* 1\r\n' + pub('foo.*', 'w') + PING }],
  },

  // Authentication
  { name: 'auth token: correct', profile: 'token', steps: [{ send: connect({ auth_token: 's3cr3t' }) + PING }] },
  { name: 'auth token: wrong', profile: 'token', steps: [{ send: connect({ auth_token: 'nope' }) + PING }] },
  { name: 'auth token: missing', profile: 'token', steps: [{ send: connect({}) + PING }] },
  {
    name: 'auth token: user/pass given instead',
    profile: 'token',
    steps: [{ send: connect({ user: 'alice', pass: 's3cr3t' }) + PING }],
  },
  { name: 'auth token: PING before CONNECT', profile: 'token', steps: [{ send: PING }, { send: connect({ auth_token: 's3cr3t' }) + PING }] },
  { name: 'auth token: PUB before CONNECT', profile: 'token', steps: [{ send: pub('foo', 'x') + PING }] },
  { name: 'auth user/pass: correct', profile: 'userpass', steps: [{ send: connect({ user: 'alice', pass: 'wonderland' }) + PING }] },
  { name: 'auth user/pass: wrong password', profile: 'userpass', steps: [{ send: connect({ user: 'alice', pass: 'x' }) + PING }] },
  { name: 'auth user/pass: unknown user', profile: 'userpass', steps: [{ send: connect({ user: 'bob', pass: 'wonderland' }) + PING }] },
  { name: 'auth user/pass: missing', profile: 'userpass', steps: [{ send: C + PING }] },
  { name: 'auth bcrypt user/pass: correct', profile: 'userpassBcrypt', steps: [{ send: connect({ user: 'alice', pass: 'wonderland' }) + PING }] },
  { name: 'auth bcrypt user/pass: wrong', profile: 'userpassBcrypt', steps: [{ send: connect({ user: 'alice', pass: 'wonder' }) + PING }] },
  {
    name: 'auth bcrypt user/pass: the hash itself is not a password',
    profile: 'userpassBcrypt',
    steps: [{ send: connect({ user: 'alice', pass: '$2b$04$TS0zdRZ/nlSFTevxQYlS1O3pLLl3cA9KDS6T8HVwmIgpwSbHetELa' }) + PING }],
  },
  { name: 'auth bcrypt token: correct', profile: 'tokenBcrypt', steps: [{ send: connect({ verbose: false, auth_token: 's3cr3t' }) + PING }] },
  { name: 'auth bcrypt token: wrong', profile: 'tokenBcrypt', steps: [{ send: connect({ verbose: false, auth_token: 'nope' }) + PING }] },
  { name: 'auth: timeout without CONNECT', profile: 'token', steps: [{ waitClosed: 3_000 }] },
  { name: 'auth: timeout after a partial CONNECT', profile: 'userpass', steps: [{ send: 'CONNECT {"user":' }, { waitClosed: 3_000 }] },

  // Limits
  {
    name: 'limits: max connections (2), the third is refused',
    profile: 'maxConns',
    clients: 0,
    steps: [{ wait: 200 }, { open: 0 }, { c: 0, send: C + PING, sync: true }, { open: 1 }, { c: 1, send: C + PING, sync: true }, { open: 2 }, { c: 2, send: C + PING }],
  },
  {
    name: 'pings: a client that never answers PING is closed as stale',
    profile: 'pings',
    steps: [{ send: C }, { waitClosed: 3_000 }],
  },
  {
    name: 'limits: max subscriptions (2), the third is refused',
    profile: 'maxSubs',
    steps: [{ send: C + 'SUB a 1\r\nSUB b 2\r\nSUB c 3\r\n' + pub('a', '1') + pub('c', '3') + PING }],
  },
  {
    name: 'limits: max subscriptions (2), a repeated sid at the limit is refused too',
    profile: 'maxSubs',
    steps: [{ send: C + 'SUB a 1\r\nSUB b 2\r\nSUB c 1\r\nSUB b 2\r\n' + pub('a', '1') + pub('c', '3') + PING }],
  },
  {
    name: 'limits: max subscriptions (2), a repeated sid below the limit changes nothing',
    profile: 'maxSubs',
    steps: [{ send: C + 'SUB a 1\r\nSUB c 1\r\nSUB b 2\r\n' + pub('a', '1') + pub('b', '2') + pub('c', '3') + PING }],
  },
];

// ---------------------------------------------------------------------------------------------
// Permissions: one reference server and one Wharf front-end with these users. Wharf takes the
// list through its authenticator (test-only: its configuration has no user list yet), the
// reference through its authorization block; the texts, what is dropped and what is delivered
// must be the same.

const PERMISSION_USERS: UserEntry[] = [
  {
    user: 'alice',
    pass: 'pw',
    permissions: {
      publish: { allow: ['foo.>', 'q.*'], deny: ['foo.secret'] },
      subscribe: { allow: ['foo.*', 'bar', 'work q1', 'jobs.* w.*', '_INBOX.>'], deny: ['foo.hidden'] },
    },
  },
  { user: 'bob', pass: 'pw', permissions: { publish: { allow: ['only.this'] }, subscribe: { deny: ['secret.>', 'tasks qx'] } } },
  { user: 'carol', pass: 'pw', permissions: { publish: { allow: [] }, subscribe: { allow: [] } } },
  { user: 'dave', pass: 'pw', permissions: { subscribe: { allow: ['>'] }, responses: { maxMsgs: 0, expiresMs: 0 } } },
  { user: 'erin', pass: 'pw', permissions: { publish: { deny: ['>'] }, responses: { maxMsgs: 2, expiresMs: 300 } } },
  { user: 'free', pass: 'pw' },
];

const as = (user: string, o: Record<string, unknown> = {}) => connect({ verbose: false, pedantic: false, protocol: 1, user, pass: 'pw', ...o });
const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const pubBytes = (subject: number[] | string, payload: string) => bytes('PUB ', subject, ` ${payload.length}\r\n${payload}\r\n`);

const PERMISSION_SCENARIOS: Scenario[] = [
  {
    name: 'permissions: publish to a denied subject gets -ERR, the message is dropped, the connection stays open',
    steps: [{ send: as('alice') + 'SUB foo.* 1\r\n' + pub('foo.secret', 'no') + pub('foo.ok', 'yes') + PING }],
  },
  {
    name: 'permissions: publish outside the allow list reaches no subscriber',
    steps: [
      { c: 1, send: as('free') + 'SUB > 1\r\n' + PING, sync: true },
      { c: 0, send: as('alice') + pub('nope', 'no') + pub('foo.ok', 'yes') + pub('q.1', 'yes') + PING },
    ],
  },
  {
    name: 'permissions: verbose, a denied publish gets -ERR and no +OK',
    steps: [{ send: as('alice', { verbose: true }) + pub('nope', 'x') + pub('foo.ok', 'y') + PING }],
  },
  {
    name: 'permissions: HPUB to a denied subject',
    steps: [{ send: as('alice', { headers: true }) + 'SUB foo.* 1\r\n' + hpub('foo.secret', HDRS, 'no') + hpub('foo.ok', HDRS, 'yes') + PING }],
  },
  {
    name: 'permissions: a denied request gets no 503 from no_responders',
    steps: [{ send: as('alice', { headers: true, no_responders: true }) + 'SUB _INBOX.a 1\r\n' + pub('nope', 'q', '_INBOX.a') + pub('foo.x', 'q', '_INBOX.a') + PING }],
  },
  {
    name: 'permissions: pedantic, an invalid and denied publish subject gets both errors',
    steps: [{ send: as('alice', { pedantic: true }) + pub('nope.*', 'x') + pub('foo.*', 'y') + PING }],
  },
  {
    name: 'permissions: many distinct denied subjects (past the decision cache bound)',
    steps: [{ send: as('alice') + 'SUB foo.* 1\r\n' + Array.from({ length: 200 }, (_, i) => pub(`deny.${i}`, 'x')).join('') + pub('foo.ok', 'y') + PING }],
  },
  {
    name: 'permissions: subscribe to a denied subject gets -ERR and nothing is subscribed',
    steps: [
      { c: 0, send: as('alice') + 'SUB foo.hidden 1\r\nSUB foo.shown 2\r\n' + PING, sync: true },
      { c: 1, send: as('free') + pub('foo.hidden', 'no') + pub('foo.shown', 'yes') + PING },
    ],
  },
  {
    name: 'permissions: subscribe outside the allow list',
    steps: [
      { c: 0, send: as('alice') + 'SUB other 1\r\nSUB bar 2\r\nSUB foo.a.b 3\r\n' + PING, sync: true },
      { c: 1, send: as('free') + pub('other', 'no') + pub('bar', 'yes') + pub('foo.a.b', 'no') + PING },
    ],
  },
  {
    name: 'permissions: verbose, a denied subscribe gets -ERR and no +OK',
    steps: [{ send: as('alice', { verbose: true }) + 'SUB foo.hidden 1\r\nSUB foo.x 2\r\n' + PING }],
  },
  {
    name: 'permissions: queue subscriptions, allowed and denied groups',
    steps: [
      { c: 0, send: as('alice') + 'SUB work q1 1\r\nSUB work q2 2\r\nSUB jobs.a w.x 3\r\nSUB jobs.a wx 4\r\nSUB work 5\r\nSUB bar any 6\r\n' + PING, sync: true },
      { c: 1, send: as('free') + pub('work', 'w') + pub('jobs.a', 'j') + pub('bar', 'b') + PING },
    ],
  },
  {
    name: 'permissions: an allow entry foo.* also admits a subscription to foo.>',
    steps: [
      { c: 0, send: as('alice') + 'SUB foo.> 1\r\n' + PING, sync: true },
      { c: 1, send: as('free') + pub('foo.a.b', 'deep') + PING },
    ],
  },
  {
    name: 'permissions: a denied subscribe on a duplicate sid',
    steps: [
      { c: 0, send: as('alice') + 'SUB foo.a 1\r\nSUB foo.hidden 1\r\n' + PING, sync: true },
      { c: 1, send: as('free') + pub('foo.a', 'a') + pub('foo.hidden', 'h') + PING },
    ],
  },
  { name: 'permissions: an invalid subscribe subject under an allow list', steps: [{ send: as('alice') + 'SUB foo..bar 1\r\nSUB foo. 2\r\n' + PING }] },
  {
    name: 'permissions: a wildcard subscription over a deny entry does not get the denied subjects',
    steps: [
      { c: 0, send: as('bob') + 'SUB > 1\r\nSUB secret.* 2\r\n' + PING, sync: true },
      { c: 1, send: as('free') + pub('secret.x', 'no') + pub('open.x', 'yes') + pub('secret', 'yes') + pub('secret.a.b', 'no') + PING },
    ],
  },
  {
    name: 'permissions: a queue subscription over a queue deny entry',
    steps: [
      { c: 0, send: as('bob') + 'SUB * qx 1\r\nSUB tasks qx 2\r\nSUB tasks qy 3\r\nSUB > 4\r\n' + PING, sync: true },
      { c: 1, send: as('free') + pub('tasks', 't') + pub('other', 'o') + PING },
    ],
  },
  {
    name: 'permissions: a queue message a member may not receive goes to another member of the group',
    steps: [
      { c: 0, send: as('bob') + 'SUB * qx 1\r\n' + PING, sync: true },
      { c: 1, send: as('free') + 'SUB tasks qx 1\r\n' + PING, sync: true },
      { c: 2, send: as('free') + Array.from({ length: 20 }, (_, i) => pub('tasks', `m${i}`)).join('') + PING },
    ],
  },
  {
    name: 'permissions: filtered messages do not count towards auto-unsubscribe',
    steps: [
      { c: 0, send: as('bob') + 'SUB > 1\r\nUNSUB 1 2\r\n' + PING, sync: true },
      { c: 1, send: as('free') + pub('secret.a', '1') + pub('x', '2') + pub('secret.b', '3') + pub('y', '4') + pub('z', '5') + PING },
    ],
  },
  {
    name: 'permissions: empty allow lists (allow: []) restrict nothing, as nats-server reads its configuration',
    steps: [
      { c: 0, send: as('carol') + 'SUB a 1\r\nSUB b.> 2\r\n' + pub('a', 'x') + PING, sync: true },
      { c: 1, send: as('free') + pub('a', 'y') + pub('b.c', 'z') + PING },
    ],
  },
  {
    name: 'permissions: subjects and queue names are quoted as Go %q does',
    steps: [
      {
        send: [
          as('bob'),
          pub('a"b\\c', 'x'),
          pubBytes([0x63, 0x61, 0x66, 0xc3, 0xa9], 'x'),
          pubBytes([0x62, 0x61, 0x64, 0xff, 0x01, 0x7a], 'x'),
          pubBytes([0x7f, 0xc2, 0x80, 0xc2, 0xa0, 0xe2, 0x80, 0x8b], 'x'),
          pubBytes([0xf0, 0x9f, 0x98, 0x80, 0xef, 0xbf, 0xbd, 0xed, 0xa0, 0x80], 'x'),
          pubBytes([0xe0, 0x80, 0xaf, 0xc0, 0xaf, 0xf4, 0x90, 0x80, 0x80, 0xe2, 0x82], 'x'),
          pubBytes([0x07, 0x08, 0x0b, 0x0c, 0x1b], 'x'),
          bytes('SUB tasks q', [0x22, 0x5c, 0xe9], ' 1\r\n'),
          'SUB tasks qx 2\r\n',
          bytes('SUB secret.', [0xc3, 0xa9, 0x22], ' 3\r\n'),
          PING,
        ],
        gap: 0,
      },
    ],
  },
  {
    name: 'permissions: allow_responses lets a replier answer once',
    steps: [
      { c: 0, send: as('dave') + 'SUB svc 1\r\n' + pub('elsewhere', 'no') + PING, sync: true },
      { c: 1, send: as('free') + 'SUB _INBOX.1 1\r\n' + pub('svc', 'req', '_INBOX.1') + PING, sync: true },
      { c: 0, send: pub('_INBOX.1', 'answer') + pub('_INBOX.1', 'again') + pub('_INBOX.2', 'never asked') + PING },
    ],
  },
  {
    name: 'permissions: allow_responses with max 2 is not refused by a publish deny entry',
    steps: [
      { c: 0, send: as('erin') + 'SUB svc 1\r\n' + PING, sync: true },
      { c: 1, send: as('free') + 'SUB _INBOX.e 1\r\n' + pub('svc', 'req', '_INBOX.e') + PING, sync: true },
      { c: 0, send: pub('_INBOX.e', 'one') + pub('_INBOX.e', 'two') + pub('_INBOX.e', 'three') + PING },
    ],
  },
  {
    name: 'permissions: allow_responses expires',
    steps: [
      { c: 0, send: as('erin') + 'SUB svc 1\r\n' + PING, sync: true },
      { c: 1, send: as('free') + 'SUB _INBOX.x 1\r\n' + pub('svc', 'req', '_INBOX.x') + PING, sync: true },
      { wait: 600 },
      { c: 0, send: pub('_INBOX.x', 'late') + PING },
    ],
  },
  {
    name: 'permissions: a user without permissions is not restricted',
    steps: [{ send: as('free') + 'SUB > 1\r\nSUB foo.hidden q 2\r\n' + pub('foo.secret', 'x') + pub('anything', 'y') + PING }],
  },
];

// ---------------------------------------------------------------------------------------------
// Running a scenario against one server

/** INFO keys whose values must match. */
const INFO_VALUE_KEYS = ['proto', 'headers', 'max_payload', 'auth_required', 'tls_required', 'tls_available', 'tls_verify', 'ldm', 'connect_info'];
/** INFO keys that must be present on both sides; their values legitimately differ. */
const INFO_PRESENT_KEYS = ['server_id', 'server_name', 'version', 'host', 'port', 'client_id', 'client_ip', 'remote_account'];

export function normaliseInfo(line: string): string {
  let info: Record<string, unknown>;
  try {
    info = JSON.parse(line.slice(5)) as Record<string, unknown>;
  } catch {
    return `INFO <unparsable: ${line.slice(5, 80)}>`;
  }
  const out: Record<string, unknown> = {};
  for (const k of INFO_VALUE_KEYS) if (k in info) out[k] = info[k];
  for (const k of INFO_PRESENT_KEYS) if (k in info) out[k] = '<present>';
  return 'INFO ' + JSON.stringify(out);
}

/**
 * Splits a transcript into lines (CRLF-terminated; a trailing partial line is kept, marked) and
 * leaves out the last `finalPongs` PONG lines (the answers to the harness's final PINGs).
 */
function transcriptLines(text: string, keepAsyncInfo: boolean, finalPongs: number): string[] {
  const lines: string[] = [];
  let infos = 0;
  let i = 0;
  while (i < text.length) {
    const nl = text.indexOf('\r\n', i);
    if (nl < 0) {
      lines.push(`<partial>${text.slice(i)}`);
      break;
    }
    const line = text.slice(i, nl);
    i = nl + 2;
    if (line.startsWith('INFO ')) {
      // Only lines at a protocol boundary are INFO lines; a payload "INFO ..." would be rare here.
      if (infos++ > 0 && !keepAsyncInfo) continue;
      lines.push(normaliseInfo(line));
    } else {
      lines.push(line);
    }
  }
  for (let k = 0, i = lines.length - 1; k < finalPongs && i >= 0; i--) {
    if (lines[i] === 'PONG') {
      lines.splice(i, 1);
      k++;
    }
  }
  return lines;
}

function clientCount(sc: Scenario): number {
  if (sc.clients !== undefined && sc.clients > 0) return sc.clients;
  let n = 1;
  for (const s of sc.steps) {
    if ('c' in s && s.c !== undefined) n = Math.max(n, s.c + 1);
    if ('open' in s) n = Math.max(n, s.open + 1);
  }
  return n;
}

const QUIET_MS = Number(process.env.WHARF_DIFF_QUIET_MS ?? 60);

async function openClient(target: NatsTarget): Promise<RawClient> {
  const c = await RawClient.connect(target.port, target.host);
  // Every server greets with INFO first; wait for it (or for a close) before going on.
  await c.waitFor('\r\n', 2_000);
  return c;
}

/** How long a server has to answer a final PING (or to close the connection). */
const FINAL_PONG_MS = 5_000;

/**
 * Ends a scenario: every open client sends PING and waits for its PONG (or for the close), twice.
 * After the first round the server has handled everything every client sent; the second round's
 * PONG on a client comes after whatever the server sent it for that. Returns the number of final
 * PONGs each client received (2, or fewer when the server closed it or did not answer).
 */
async function finish(clients: (RawClient | undefined)[]): Promise<number[]> {
  const pongs = clients.map(() => 0);
  for (let round = 0; round < 2; round++) {
    await Promise.all(
      clients.map(async (c, i) => {
        if (!c || c.closed || pongs[i] !== round) return;
        const before = countOf(c.text(), 'PONG\r\n');
        await c.write(PING);
        if (await c.waitUntil(() => countOf(c.text(), 'PONG\r\n') > before, FINAL_PONG_MS)) pongs[i]++;
      }),
    );
  }
  return pongs;
}

async function runScenario(target: NatsTarget, sc: Scenario): Promise<ScenarioRun> {
  const n = clientCount(sc);
  const clients: (RawClient | undefined)[] = new Array(n).fill(undefined);
  const openedByStep = new Set(sc.steps.filter((s): s is OpenStep => 'open' in s).map((s) => s.open));
  try {
    for (let i = 0; i < n; i++) if (!openedByStep.has(i)) clients[i] = await openClient(target);
    const client = (i: number) => {
      const c = clients[i];
      if (!c) throw new Error(`scenario "${sc.name}": client ${i} used before it was opened`);
      return c;
    };
    for (const step of sc.steps) {
      if ('open' in step) {
        clients[step.open] = await openClient(target);
        await clients[step.open]!.waitQuiet(QUIET_MS, 1_000);
      } else if ('wait' in step) {
        await sleep(step.wait);
      } else if ('waitClosed' in step) {
        await client(step.c ?? 0).waitClosed(step.waitClosed);
      } else {
        const c = client(step.c ?? 0);
        if (step.delay) await sleep(step.delay);
        const pongsBefore = countOf(c.text(), 'PONG\r\n');
        if (Array.isArray(step.send)) await c.writeChunks(step.send, step.gap ?? 20);
        else await c.write(step.send);
        if (step.sync && !(await c.waitUntil(() => countOf(c.text(), 'PONG\r\n') > pongsBefore, FINAL_PONG_MS)) && !c.closed) {
          throw new Error(`scenario "${sc.name}": no PONG to a sync step within ${FINAL_PONG_MS} ms on ${target.kind}`);
        }
        await waitAllQuiet(clients.filter((x): x is RawClient => !!x), QUIET_MS, 2_000);
      }
    }
    const finalPongs = await finish(clients);
    const results = clients.map((c, i) =>
      c ? { lines: transcriptLines(c.text(), sc.asyncInfo ?? false, finalPongs[i]!), closed: c.closed } : { lines: ['<never opened>'], closed: true },
    );
    const unfinished = clients.flatMap((c, i) => (c && !c.closed && finalPongs[i] !== 2 ? [i] : []));
    return { results, unfinished };
  } finally {
    for (const c of clients) c?.close();
  }
}

function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------

const only = process.env.WHARF_DIFF_ONLY;
const selected = only ? SCENARIOS.filter((s) => s.name.includes(only)) : SCENARIOS;
const subject = subjectKind();

describe(`NATS protocol differential: ${subject} vs nats-server v2.15.2`, { skip: peerSkip('nats-server') }, () => {
  const reference = new Map<ProfileName, NatsTarget>();
  const underTest = new Map<ProfileName, NatsTarget>();

  before(async () => {
    const needed = [...new Set(selected.map((s) => s.profile ?? 'default'))];
    await Promise.all(
      needed.flatMap((p) => [
        startTarget('nats-server', PROFILES[p]).then((t) => reference.set(p, t)),
        startTarget(subject, PROFILES[p]).then((t) => underTest.set(p, t)),
      ]),
    );
  });

  after(async () => {
    await Promise.all([...reference.values(), ...underTest.values()].map((t) => t.close()));
  });

  /** Scenarios whose transcripts were complete (final PONG or close on every client) on both servers. */
  const completed = new Set<string>();

  for (const sc of selected) {
    it(sc.name, async () => {
      const p = sc.profile ?? 'default';
      const ref = reference.get(p);
      const sub = underTest.get(p);
      assert.ok(ref && sub, `servers for profile ${p} did not start`);
      const [refRun, subRun] = await Promise.all([runScenario(ref, sc), runScenario(sub, sc)]);
      const r = refRun.results;
      const s = subRun.results;
      const dump = process.env.WHARF_DIFF_DUMP;
      if (dump) appendFileSync(dump, JSON.stringify({ name: sc.name, reference: r, [subject]: s }) + '\n');
      assert.deepEqual(refRun.unfinished, [], `nats-server neither answered the final PINGs nor closed clients ${refRun.unfinished.join(', ')}: the transcript may be incomplete\n${JSON.stringify(r)}`);
      assert.deepEqual(subRun.unfinished, [], `${subject} neither answered the final PINGs nor closed clients ${subRun.unfinished.join(', ')} within ${FINAL_PONG_MS} ms\n${JSON.stringify(s)}`);
      completed.add(sc.name);
      const want = sc.summarize ? sc.summarize(r) : r;
      const got = sc.summarize ? sc.summarize(s) : s;
      assert.deepStrictEqual(got, want, `${subject} differs from nats-server in "${sc.name}"`);
    });
  }

  // Last: counts the scenarios that actually ran to their end on both servers.
  it(`every selected scenario ran to a complete transcript on both servers (at least 40 without a filter)`, () => {
    assert.deepEqual(selected.filter((sc) => !completed.has(sc.name)).map((sc) => sc.name), [], 'scenarios without complete transcripts');
    if (!only) assert.ok(completed.size >= 40, `only ${completed.size} scenarios ran to the end`);
  });
});

const selectedPermissions = only ? PERMISSION_SCENARIOS.filter((s) => s.name.includes(only)) : PERMISSION_SCENARIOS;

describe(`NATS permissions differential: ${subject} vs nats-server v2.15.2`, { skip: peerSkip('nats-server') }, () => {
  let reference: NatsTarget | undefined;
  let underTest: NatsTarget | undefined;

  before(async () => {
    if (selectedPermissions.length === 0) return;
    [reference, underTest] = await Promise.all([startTargetWithUsers('nats-server', PERMISSION_USERS), startTargetWithUsers(subject, PERMISSION_USERS)]);
  });

  after(async () => {
    await Promise.all([reference?.close(), underTest?.close()]);
  });

  for (const sc of selectedPermissions) {
    it(sc.name, async () => {
      assert.ok(reference && underTest, 'servers with permissions did not start');
      const [r, s] = await Promise.all([runScenario(reference, sc), runScenario(underTest, sc)]);
      const dump = process.env.WHARF_DIFF_DUMP;
      if (dump) appendFileSync(dump, JSON.stringify({ name: sc.name, reference: r, [subject]: s }) + '\n');
      assert.deepStrictEqual(s, r, `${subject} differs from nats-server in "${sc.name}"`);
    });
  }
});

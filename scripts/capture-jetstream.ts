/**
 * Captures the JetStream API of the reference nats-server (v2.15.2, `-js`) as request/reply
 * fixtures for later differential tests of Wharf's $JS.API front-end (issue 11). Run by hand,
 * not in CI:
 *
 *   . scripts/peers/env.sh && npx tsc -p tsconfig.json && node dist/scripts/capture-jetstream.js [scenario...]
 *
 * Why a raw TCP connection and no client library: the fixtures must show exactly what the
 * server put on the wire (status lines, header order, reply subjects, bodies), not what a
 * client made of it, and the same replayer must later drive Wharf the same way.
 *
 * Every scenario gets a fresh server (its own store directory, server name "capture"), so API
 * counters, sequences and sizes are deterministic. A scenario is a list of steps: API
 * requests (one reply, or a stream of replies up to a terminating status), publishes with and
 * without a reply, subscriptions whose messages are recorded (push consumers, advisories), acks
 * on the reply subjects the server handed out, and waits on server state (never on the clock
 * alone). Each scenario ends with PING/PONG, so nothing the server sent is left unread.
 *
 * Output: test/jetstream/fixtures/<scenario>.json and index.json. Values that change from run
 * to run are normalised: times (RFC 3339 strings after 2010, Nats-Time-Stamp headers, the
 * nanosecond token of ack subjects), server ids, nonces, store paths, ports, random consumer
 * names (replaced by EPH1, EPH2, ... in order of appearance) and advisory ids. Inboxes are
 * deterministic (_INBOX.cap.<n>) and stay as they are.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startNatsServer, type RunningNatsServer } from '../test/support/nats-server.js';
import { repoRoot } from '../test/support/wharf.js';

const OUT_DIR = join(repoRoot(), 'test', 'jetstream', 'fixtures');
const CRLF = '\r\n';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

// ---------------------------------------------------------------------------------------------
// A raw NATS client: INFO, CONNECT, SUB, PUB/HPUB, MSG/HMSG, PING/PONG. Nothing more.

interface RawMsg {
  subject: string;
  sid: number;
  reply: string | null;
  /** The header block as received ("NATS/1.0 ...\r\n...\r\n\r\n"), or null for MSG. */
  hdr: string | null;
  payload: Buffer;
}

class RawNats {
  private buf: Buffer = Buffer.alloc(0);
  private readonly socket: Socket;
  private nextSid = 1;
  private readonly subs = new Map<number, RawMsg[]>();
  private pongs: Array<() => void> = [];
  private changed: Array<() => void> = [];
  info: JsonObject = {};
  errors: string[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => this.onData(d));
  }

  static async open(port: number): Promise<RawNats> {
    const socket = connect({ host: '127.0.0.1', port });
    const c = new RawNats(socket);
    const gotInfo = new Promise<void>((resolve, reject) => {
      c.changed.push(resolve);
      socket.once('error', reject);
    });
    await gotInfo;
    const connectOpts = { verbose: false, pedantic: false, headers: true, no_responders: true, protocol: 1, lang: 'wharf-capture', version: '0', name: 'capture' };
    c.write(`CONNECT ${JSON.stringify(connectOpts)}${CRLF}`);
    await c.flush();
    return c;
  }

  private write(s: string | Buffer): void {
    this.socket.write(s);
  }

  private notify(): void {
    const waiting = this.changed;
    this.changed = [];
    for (const w of waiting) w();
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    for (;;) {
      const eol = this.buf.indexOf(CRLF);
      if (eol < 0) break;
      const line = this.buf.subarray(0, eol).toString('utf8');
      const [op = ''] = line.split(' ', 1);
      if (op === 'MSG' || op === 'HMSG') {
        const args = line.split(' ').slice(1);
        const total = Number(args[args.length - 1]);
        const hdrLen = op === 'HMSG' ? Number(args[args.length - 2]) : 0;
        const start = eol + 2;
        if (this.buf.length < start + total + 2) break;
        const body = this.buf.subarray(start, start + total);
        const fixed = op === 'HMSG' ? 4 : 3;
        const msg: RawMsg = {
          subject: args[0]!,
          sid: Number(args[1]),
          reply: args.length > fixed ? args[2]! : null,
          hdr: op === 'HMSG' ? body.subarray(0, hdrLen).toString('utf8') : null,
          payload: Buffer.from(body.subarray(hdrLen)),
        };
        this.buf = this.buf.subarray(start + total + 2);
        this.subs.get(msg.sid)?.push(msg);
        continue;
      }
      this.buf = this.buf.subarray(eol + 2);
      if (op === 'PING') this.write(`PONG${CRLF}`);
      else if (op === 'PONG') this.pongs.shift()?.();
      else if (op === 'INFO') this.info = JSON.parse(line.slice(5)) as JsonObject;
      else if (op === '-ERR') this.errors.push(line);
    }
    this.notify();
  }

  /** Resolves once the server has processed everything sent before (PING/PONG). */
  flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no PONG within 10 s (protocol errors: ${this.errors.join('; ') || 'none'})`)), 10_000);
      this.pongs.push(() => {
        clearTimeout(t);
        resolve();
      });
      this.write(`PING${CRLF}`);
    });
  }

  sub(subject: string): number {
    const sid = this.nextSid++;
    this.subs.set(sid, []);
    this.write(`SUB ${subject} ${sid}${CRLF}`);
    return sid;
  }

  unsub(sid: number): void {
    this.write(`UNSUB ${sid}${CRLF}`);
  }

  messages(sid: number): RawMsg[] {
    return this.subs.get(sid) ?? [];
  }

  pub(subject: string, reply: string | null, payload: Buffer, headers: Array<[string, string]> | null): void {
    const r = reply === null ? '' : ` ${reply}`;
    if (headers === null) {
      this.write(Buffer.concat([Buffer.from(`PUB ${subject}${r} ${payload.length}${CRLF}`), payload, Buffer.from(CRLF)]));
      return;
    }
    const hdr = Buffer.from(`NATS/1.0${CRLF}${headers.map(([k, v]) => `${k}: ${v}${CRLF}`).join('')}${CRLF}`);
    this.write(Buffer.concat([Buffer.from(`HPUB ${subject}${r} ${hdr.length} ${hdr.length + payload.length}${CRLF}`), hdr, payload, Buffer.from(CRLF)]));
  }

  /** Waits until `done()` holds (checked on every read event) or `ms` pass; true if it held. */
  async waitFor(done: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.changed.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  close(): void {
    this.socket.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// What a fixture records.

interface RecordedMsg {
  subject: string;
  reply: string | null;
  /** Status code of the header line ("NATS/1.0 408 Request Timeout"), when there is one. */
  status?: number;
  description?: string;
  /** Header fields in wire order (absent when the message had no header block). */
  headers?: Array<[string, string]>;
  /** The payload parsed as JSON when it is JSON, else as UTF-8 text. */
  json?: Json;
  text?: string;
}

interface Exchange {
  step: string;
  op: 'request' | 'publish' | 'subscription' | 'ack' | 'http' | 'info';
  subject?: string;
  reply?: string | null;
  headers?: Array<[string, string]>;
  json?: Json;
  text?: string;
  /** Messages received in answer (request), or on the subscription since the last record. */
  replies?: RecordedMsg[];
  /** True when the step's end condition did not hold before its deadline. */
  timedOut?: boolean;
  /** The step expects no answer at all (and none came, unless timedOut is set too). */
  noReply?: boolean;
}

interface Fixture {
  scenario: string;
  description: string;
  server: { version: string; args: string[] };
  exchanges: Exchange[];
}

// ---------------------------------------------------------------------------------------------
// Normalisation of values that change from run to run.

class Normaliser {
  private readonly names = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  /** Registers a server-chosen name (consumer names EPH<n>, pin ids PIN<n>), replaced everywhere. */
  nameChosen(name: string, prefix = 'EPH'): void {
    if (this.names.has(name)) return;
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    this.names.set(name, `${prefix}${n}`);
  }

  str(s: string, key = ''): string {
    let out = s;
    for (const [from, to] of this.names) out = out.split(from).join(to);
    // Times of this run, also inside strings (the API audit advisory embeds whole replies);
    // the fixed times the scenarios send (2001, 2100) and Go's zero time stay.
    out = out.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/g, (t) => {
      const year = Number(t.slice(0, 4));
      return year > 2010 && year < 2100 ? '<time>' : t;
    });
    out = out.replace(/"pause_remaining":\d+/g, '"pause_remaining":"<ns>"');
    if (out.startsWith('$JS.FC.')) {
      // $JS.FC.<stream>.<consumer>.<random token>
      const t = out.split('.');
      t[t.length - 1] = '<token>';
      out = t.join('.');
    }
    if (out.startsWith('$JS.ACK.')) {
      const t = out.split('.');
      // $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending> (v1 form, 9 tokens).
      if (t.length === 9) t[7] = '<ts>';
      // v2 form: $JS.ACK.<domain>.<acchash>.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>[.<token>]
      else if (t.length >= 11) t[9] = '<ts>';
      out = t.join('.');
    }
    if (key === 'server_id' || (key === 'id' && /^[A-Z0-9]{56}$/.test(out)) || key === 'nonce' || key === 'xkey') return `<${key}>`;
    if (key === 'id' && /^[A-Za-z0-9]{22}$/.test(out)) return '<nuid>';
    if (key === 'store_dir') return '<store_dir>';
    if (key === 'git_commit' || key === 'go') return out;
    return out;
  }

  /** Nats-Stream-Source: "<stream> <seq> <filter> <dest> <subject> <random token>": the token varies. */
  private source(v: string): string {
    return v.replace(/^(Nats-Stream-Source: .* )\S+$/gm, '$1<token>');
  }

  json(v: Json, key = ''): Json {
    if (typeof v === 'string' && key === 'hdrs') {
      // The stored header block of STREAM.MSG.GET, base64: normalised inside, encoded again.
      const text = Buffer.from(v, 'base64').toString('utf8');
      const fixed = this.source(text.split('\r\n').join('\n')).split('\n').join('\r\n');
      return fixed === text ? v : Buffer.from(fixed).toString('base64');
    }
    if (typeof v === 'string') return this.str(v, key);
    if (typeof v === 'number') {
      if (key === 'port' || key === 'client_id' || key === 'uptime_ns') return 0;
      // Round trips, time left, time since activity: clock readings, not behaviour.
      if (key === 'rtt' || key === 'pause_remaining' || key === 'active') return '<ns>';
      // The JetStream limits a server derives from the machine's memory and free disk.
      if ((key === 'max_storage' || key === 'max_memory') && v > 0) return '<machine>';
      return v;
    }
    if (Array.isArray(v)) return v.map((x) => this.json(x, key));
    if (v !== null && typeof v === 'object') {
      const o: JsonObject = {};
      for (const [k, x] of Object.entries(v)) o[k] = this.json(x, k);
      return o;
    }
    return v;
  }

  msg(m: RawMsg): RecordedMsg {
    const out: RecordedMsg = { subject: this.str(m.subject), reply: m.reply === null ? null : this.str(m.reply) };
    if (m.hdr !== null) {
      const lines = m.hdr.split(CRLF).filter((l) => l.length > 0);
      const status = /^NATS\/1\.0(?: (\d{3})(?: (.*))?)?$/.exec(lines[0] ?? '');
      if (status?.[1]) out.status = Number(status[1]);
      if (status?.[2]) out.description = status[2];
      out.headers = lines.slice(1).map((l) => {
        const i = l.indexOf(':');
        const k = l.slice(0, i);
        const v = l.slice(i + 1).trim();
        if (k === 'Nats-Time-Stamp') return [k, '<time>'];
        if (k === 'Nats-Pin-Id') this.nameChosen(v, 'PIN');
        if (k === 'Nats-Stream-Source') return [k, this.source(`${k}: ${v}`).slice(k.length + 2)];
        if (k === 'Nats-Consumer-Stalled' || k === 'Nats-Last-Consumer' || k === 'Nats-Last-Stream') return [k, v];
        return [k, this.str(v)];
      });
    }
    Object.assign(out, this.payload(m.payload));
    return out;
  }

  payload(p: Buffer): { json?: Json; text?: string } {
    if (p.length === 0) return {};
    const s = p.toString('utf8');
    if (s.startsWith('{') || s.startsWith('[')) {
      try {
        return { json: this.json(JSON.parse(s) as Json) };
      } catch {
        /* not JSON: kept as text */
      }
    }
    return { text: this.str(s) };
  }
}

// ---------------------------------------------------------------------------------------------
// The scenario runner: steps against one server, recorded as exchanges.

interface RequestOptions {
  headers?: Array<[string, string]>;
  /** Replies to wait for before the step ends (default 1). */
  count?: number;
  /** Ends the step at the first reply with one of these statuses (pull requests). */
  until?: number[];
  /** Deadline of the step, ms (default 5000). */
  ms?: number;
  /** The server is expected not to answer: wait `ms` and record that nothing came. */
  noReply?: boolean;
}

type Body = JsonObject | string | null;

class Run {
  readonly exchanges: Exchange[] = [];
  private inbox = 0;
  private readonly recorded = new Map<number, number>();

  constructor(
    readonly nc: RawNats,
    readonly server: { readonly httpPort: number | undefined },
    readonly norm: Normaliser,
  ) {}

  private encode(body: Body): { payload: Buffer; json?: Json; text?: string } {
    if (body === null) return { payload: Buffer.alloc(0) };
    if (typeof body === 'string') return { payload: Buffer.from(body), text: body };
    return { payload: Buffer.from(JSON.stringify(body)), json: body };
  }

  /**
   * Sends `body` to `subject` with a fresh inbox as reply and records what comes back. Each
   * request subscribes its own inbox: messages a consumer delivers to it carry the stream
   * subject on the MSG line, not the inbox, so only the subscription id tells them apart.
   */
  async request(step: string, subject: string, body: Body, opts: RequestOptions = {}): Promise<RawMsg[]> {
    const reply = `_INBOX.cap.${++this.inbox}`;
    const enc = this.encode(body);
    const sid = this.nc.sub(reply);
    const got = this.nc.messages(sid);
    // With `until`, the terminating status ends the step (or `count` replies when given too).
    const count = opts.count ?? (opts.until ? Number.POSITIVE_INFINITY : 1);
    this.nc.pub(subject, reply, enc.payload, opts.headers ?? null);
    const done = (): boolean => {
      if (opts.noReply) return false;
      if (opts.until && got.some((m) => statusOf(m) !== null && opts.until!.includes(statusOf(m)!))) return true;
      return got.length >= count;
    };
    const ok = (await this.nc.waitFor(done, opts.ms ?? 5_000)) || (opts.noReply === true && got.length === 0);
    await this.nc.flush();
    this.nc.unsub(sid);
    this.noteNames(subject, body, got);
    const ex: Exchange = { step, op: 'request', subject: this.norm.str(subject), reply, ...(opts.headers ? { headers: opts.headers } : {}) };
    ex.replies = got.map((m) => this.norm.msg(m));
    if (enc.json !== undefined) ex.json = this.norm.json(enc.json);
    if (enc.text !== undefined) ex.text = this.norm.str(enc.text);
    if (opts.noReply) ex.noReply = true;
    if (!ok) ex.timedOut = true;
    this.exchanges.push(ex);
    return got;
  }

  /** A request whose reply is JSON: returns the parsed (unnormalised) body. */
  async api(step: string, subject: string, body: Body, opts: RequestOptions = {}): Promise<JsonObject> {
    const got = await this.request(step, subject, body, opts);
    const first = got[0];
    if (!first || first.payload.length === 0) return {};
    try {
      return JSON.parse(first.payload.toString('utf8')) as JsonObject;
    } catch {
      return {};
    }
  }

  /** A publish without reply (fire and forget); recorded, nothing comes back. */
  async publish(step: string, subject: string, body: string, headers: Array<[string, string]> | null = null): Promise<void> {
    this.nc.pub(subject, null, Buffer.from(body), headers);
    await this.nc.flush();
    this.exchanges.push({ step, op: 'publish', subject: this.norm.str(subject), reply: null, ...(headers ? { headers } : {}), ...(body ? { text: body } : {}) });
  }

  /** Acknowledges a delivered message: publishes `body` to its reply subject (with a reply when `confirm`). */
  async ack(step: string, msg: RawMsg, body: string, confirm = false): Promise<RawMsg[]> {
    if (!msg.reply) throw new Error(`${step}: the message on ${msg.subject} has no reply subject to ack`);
    if (confirm) return this.request(step, msg.reply, body);
    this.nc.pub(msg.reply, null, Buffer.from(body), null);
    await this.nc.flush();
    this.exchanges.push({ step, op: 'ack', subject: this.norm.str(msg.reply), reply: null, ...(body ? { text: body } : {}) });
    return [];
  }

  sub(subject: string): number {
    const sid = this.nc.sub(subject);
    this.recorded.set(sid, 0);
    return sid;
  }

  /**
   * Waits until the subscription holds `count` messages in all (or, with a predicate, until
   * one of its messages satisfies it), then records the messages not recorded yet.
   */
  async collect(step: string, sid: number, count: number | ((m: RawMsg) => boolean), ms = 5_000): Promise<RawMsg[]> {
    const all = this.nc.messages(sid);
    const ok = await this.nc.waitFor(() => (typeof count === 'number' ? all.length >= count : all.some(count)), ms);
    await this.nc.flush();
    const from = this.recorded.get(sid) ?? 0;
    const fresh = all.slice(from);
    this.recorded.set(sid, all.length);
    const ex: Exchange = { step, op: 'subscription', replies: fresh.map((m) => this.norm.msg(m)) };
    if (!ok) ex.timedOut = true;
    this.exchanges.push(ex);
    return fresh;
  }

  /** Polls a JSON API until `pred` holds (state, not time); records only the final answer. */
  async until(step: string, subject: string, body: Body, pred: (r: JsonObject) => boolean, ms = 15_000): Promise<JsonObject> {
    const deadline = Date.now() + ms;
    for (;;) {
      const got = await this.silentRequest(subject, body);
      if (pred(got) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const last = await this.api(step, subject, body);
    if (!pred(last)) this.exchanges[this.exchanges.length - 1]!.timedOut = true;
    return last;
  }

  private polls = 0;

  private async silentRequest(subject: string, body: Body): Promise<JsonObject> {
    // Its own counter: the number of polls varies from run to run, the recorded inboxes must not.
    const reply = `_INBOX.cap.poll.${++this.polls}`;
    const sid = this.nc.sub(reply);
    this.nc.pub(subject, reply, this.encode(body).payload, null);
    await this.nc.waitFor(() => this.nc.messages(sid).length > 0, 5_000);
    this.nc.unsub(sid);
    const m = this.nc.messages(sid)[0];
    try {
      return m ? (JSON.parse(m.payload.toString('utf8')) as JsonObject) : {};
    } catch {
      return {};
    }
  }

  /** Fetches a monitoring endpoint of the server and records its JSON. */
  async http(step: string, path: string): Promise<void> {
    const res = await fetch(`http://127.0.0.1:${this.server.httpPort}${path}`);
    const body = (await res.json()) as Json;
    this.exchanges.push({ step, op: 'http', subject: path, json: this.norm.json(body) });
  }

  /** Server-chosen consumer names (ephemeral and ordered consumers) are normalised. */
  private noteNames(subject: string, body: Body, got: RawMsg[]): void {
    if (!subject.startsWith('$JS.API.CONSUMER.CREATE.') && !subject.startsWith('$JS.API.CONSUMER.DURABLE.CREATE.')) return;
    const asked = body !== null && typeof body === 'object' ? (body['config'] as JsonObject | undefined) : undefined;
    if (asked && (typeof asked['name'] === 'string' || typeof asked['durable_name'] === 'string')) return;
    if (subject.split('.').length > 5) return; // the name is in the subject
    const first = got[0];
    if (!first) return;
    try {
      const r = JSON.parse(first.payload.toString('utf8')) as JsonObject;
      if (typeof r['name'] === 'string') this.norm.nameChosen(r['name']);
    } catch {
      /* an error reply: no name */
    }
  }
}

function statusOf(m: RawMsg): number | null {
  if (m.hdr === null) return null;
  const s = /^NATS\/1\.0 (\d{3})/.exec(m.hdr);
  return s ? Number(s[1]) : null;
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

interface Scenario {
  name: string;
  description: string;
  /** Start the server without -js (JetStream disabled). */
  noJetStream?: boolean;
  run(r: Run): Promise<void>;
}

const S = (name: string): string => `$JS.API.STREAM.${name}`;
const C = (name: string): string => `$JS.API.CONSUMER.${name}`;
const SEC = 1_000_000_000;

/** Publishes `n` messages on `subject` with a reply and records each PubAck. */
async function fill(r: Run, subject: string | ((i: number) => string), n: number, step = 'publish'): Promise<void> {
  for (let i = 1; i <= n; i++) {
    const subj = typeof subject === 'string' ? subject : subject(i);
    await r.request(`${step} ${i}`, subj, `m${i}`);
  }
}

const scenarios: Scenario[] = [
  {
    name: 'no-jetstream',
    description: 'A server without JetStream: API requests get no responders (503) when the client asks for it.',
    noJetStream: true,
    async run(r) {
      await r.request('account info', '$JS.API.INFO', null);
      await r.request('stream create', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'] });
    },
  },
  {
    name: 'account-info',
    description: 'Account info on an empty account, after a stream and a consumer, and with an API error counted.',
    async run(r) {
      await r.request('empty account', '$JS.API.INFO', null);
      await r.api('create stream', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'] });
      await r.api('create consumer', C('CREATE.ORDERS.C1'), { stream_name: 'ORDERS', config: { name: 'C1', durable_name: 'C1', ack_policy: 'explicit' } });
      await r.request('publish', 'orders.1', 'hello');
      await r.request('an error (unknown stream)', S('INFO.NOPE'), null);
      await r.request('account info after', '$JS.API.INFO', '');
    },
  },
  {
    name: 'stream-create',
    description: 'Stream create: defaults filled in, idempotent re-create, conflicts, validation errors, unknown fields.',
    async run(r) {
      await r.request('minimal', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.*'] });
      await r.request('same again (idempotent)', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.*'] });
      await r.request('same name, other config', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.*'], max_msgs: 10 });
      await r.request('no subjects: the name is the subject', S('CREATE.PLAIN'), { name: 'PLAIN' });
      await r.request('overlapping subjects', S('CREATE.OVERLAP'), { name: 'OVERLAP', subjects: ['orders.new'] });
      await r.request('name in subject and body differ', S('CREATE.A'), { name: 'B', subjects: ['b'] });
      await r.request('no name in body', S('CREATE.NONAME'), { subjects: ['noname'] });
      await r.request('invalid name', S('CREATE.a*'), { name: 'a*' });
      await r.request('empty body', S('CREATE.EMPTY'), null);
      await r.request('invalid JSON', S('CREATE.BAD'), '{"name":');
      await r.request('unknown field', S('CREATE.UNK'), { name: 'UNK', subjects: ['unk'], not_a_field: 42, nested: { x: 1 } });
      await r.request('every setting', S('CREATE.FULL'), {
        name: 'FULL',
        description: 'all the knobs',
        subjects: ['full.>'],
        retention: 'limits',
        max_consumers: 10,
        max_msgs: 1000,
        max_bytes: 1048576,
        max_age: 3600 * SEC,
        max_msgs_per_subject: 5,
        max_msg_size: 4096,
        discard: 'new',
        discard_new_per_subject: true,
        storage: 'file',
        num_replicas: 1,
        duplicate_window: 60 * SEC,
        allow_direct: true,
        allow_rollup_hdrs: true,
        deny_delete: true,
        allow_msg_ttl: true,
        subject_delete_marker_ttl: 60 * SEC,
        metadata: { owner: 'capture' },
        consumer_limits: { inactive_threshold: 30 * SEC, max_ack_pending: 100 },
        first_seq: 5,
        compression: 'none',
      });
      await r.request('deny_purge with rollups', S('CREATE.DPR'), { name: 'DPR', subjects: ['dpr'], deny_purge: true, allow_rollup_hdrs: true });
      await r.request('memory storage', S('CREATE.MEM'), { name: 'MEM', subjects: ['mem.>'], storage: 'memory' });
      await r.request('work queue', S('CREATE.WQ'), { name: 'WQ', subjects: ['wq.>'], retention: 'workqueue' });
      await r.request('interest', S('CREATE.INT'), { name: 'INT', subjects: ['int.>'], retention: 'interest' });
      await r.request('discard_new_per_subject without discard new', S('CREATE.DNPS'), { name: 'DNPS', subjects: ['dnps.>'], discard_new_per_subject: true, max_msgs_per_subject: 1 });
      await r.request('subject_delete_marker_ttl without allow_msg_ttl', S('CREATE.SDM'), { name: 'SDM', subjects: ['sdm.>'], subject_delete_marker_ttl: SEC });
      await r.request('replicas 3 on one server', S('CREATE.R3'), { name: 'R3', subjects: ['r3'], num_replicas: 3 });
      await r.request('subject captures $JS.API', S('CREATE.SYS'), { name: 'SYS', subjects: ['$JS.API.>'] });
      await r.request('duplicate window over max_age', S('CREATE.DUPW'), { name: 'DUPW', subjects: ['dupw'], max_age: SEC, duplicate_window: 2 * SEC });
      await r.request('stream names', S('NAMES'), null);
    },
  },
  {
    name: 'stream-info-list',
    description: 'Stream info (subjects_filter, deleted_details), names and list with paging and subject filter, not found.',
    async run(r) {
      await r.api('create ORDERS', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'] });
      await r.api('create EVENTS', S('CREATE.EVENTS'), { name: 'EVENTS', subjects: ['events.>'], storage: 'memory' });
      await fill(r, (i) => `orders.${i % 3}`, 6);
      await r.api('delete seq 2', S('MSG.DELETE.ORDERS'), { seq: 2 });
      await r.request('info', S('INFO.ORDERS'), null);
      await r.request('info with subjects_filter', S('INFO.ORDERS'), { subjects_filter: '>' });
      await r.request('info with subjects_filter and deleted_details', S('INFO.ORDERS'), { subjects_filter: 'orders.1', deleted_details: true });
      await r.request('info not found', S('INFO.NOPE'), null);
      await r.request('names', S('NAMES'), null);
      await r.request('names by subject', S('NAMES'), { subject: 'events.x' });
      await r.request('names offset 1', S('NAMES'), { offset: 1 });
      await r.request('list', S('LIST'), null);
      await r.request('list by subject', S('LIST'), { subject: 'orders.1' });
    },
  },
  {
    name: 'stream-update-delete',
    description: 'Stream update (allowed and refused changes) and delete.',
    async run(r) {
      await r.api('create', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'] });
      await r.request('add a subject', S('UPDATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>', 'returns.>'], max_msgs: 100 });
      await r.request('change storage', S('UPDATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'], storage: 'memory' });
      await r.request('change retention', S('UPDATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'], retention: 'workqueue' });
      await r.request('update unknown stream', S('UPDATE.NOPE'), { name: 'NOPE', subjects: ['nope'] });
      await r.request('delete', S('DELETE.ORDERS'), null);
      await r.request('delete again', S('DELETE.ORDERS'), null);
    },
  },
  {
    name: 'publish',
    description: 'PubAcks, Nats-Msg-Id duplicates, expected-* headers, limits with discard new, max_msg_size, rollups, no-ack publish.',
    async run(r) {
      await r.api('create', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'], allow_rollup_hdrs: true, max_msg_size: 256 });
      await r.request('publish', 'orders.a', 'one');
      await r.request('with Nats-Msg-Id', 'orders.a', 'two', { headers: [['Nats-Msg-Id', 'id-1']] });
      await r.request('same Nats-Msg-Id (duplicate)', 'orders.a', 'two again', { headers: [['Nats-Msg-Id', 'id-1']] });
      await r.request('expected stream right', 'orders.b', 'x', { headers: [['Nats-Expected-Stream', 'ORDERS']] });
      await r.request('expected stream wrong', 'orders.b', 'x', { headers: [['Nats-Expected-Stream', 'OTHER']] });
      await r.request('expected last sequence right', 'orders.b', 'x', { headers: [['Nats-Expected-Last-Sequence', '3']] });
      await r.request('expected last sequence wrong', 'orders.b', 'x', { headers: [['Nats-Expected-Last-Sequence', '1']] });
      await r.request('expected last subject sequence right', 'orders.a', 'x', { headers: [['Nats-Expected-Last-Subject-Sequence', '2']] });
      await r.request('expected last subject sequence wrong', 'orders.a', 'x', { headers: [['Nats-Expected-Last-Subject-Sequence', '1']] });
      await r.request('expected last subject sequence 0 on a new subject', 'orders.new', 'x', { headers: [['Nats-Expected-Last-Subject-Sequence', '0']] });
      await r.request('expected last subject sequence 0 on a used subject', 'orders.new', 'x', { headers: [['Nats-Expected-Last-Subject-Sequence', '0']] });
      await r.request('expected last subject sequence with -Subject', 'orders.z', 'x', { headers: [['Nats-Expected-Last-Subject-Sequence', '6'], ['Nats-Expected-Last-Subject-Sequence-Subject', 'orders.new']] });
      await r.request('expected last msg id, last message has none', 'orders.c', 'x', { headers: [['Nats-Expected-Last-Msg-Id', 'id-1']] });
      await r.request('publish with Nats-Msg-Id id-2', 'orders.c', 'x', { headers: [['Nats-Msg-Id', 'id-2']] });
      await r.request('expected last msg id right', 'orders.c', 'x', { headers: [['Nats-Expected-Last-Msg-Id', 'id-2']] });
      await r.request('expected last msg id wrong', 'orders.c', 'x', { headers: [['Nats-Expected-Last-Msg-Id', 'nope']] });
      await r.request('invalid expected last sequence', 'orders.c', 'x', { headers: [['Nats-Expected-Last-Sequence', 'abc']] });
      await r.request('over max_msg_size', 'orders.big', 'x'.repeat(300));
      await r.publish('without reply (no PubAck)', 'orders.noack', 'fire and forget');
      await r.request('rollup sub', 'orders.a', 'rolled', { headers: [['Nats-Rollup', 'sub']] });
      await r.request('rollup all', 'orders.x', 'all rolled', { headers: [['Nats-Rollup', 'all']] });
      await r.request('rollup invalid', 'orders.x', 'bad', { headers: [['Nats-Rollup', 'bogus']] });
      await r.request('info after rollups', S('INFO.ORDERS'), { subjects_filter: '>' });
      await r.request('not captured subject (no responders)', 'elsewhere', 'x');
      await r.api('create limited', S('CREATE.LIM'), { name: 'LIM', subjects: ['lim.>'], max_msgs: 2, discard: 'new', max_msgs_per_subject: 1, discard_new_per_subject: true, duplicate_window: 2 * SEC, max_age: 0 });
      await r.request('lim 1', 'lim.a', '1');
      await r.request('lim per subject full', 'lim.a', '2');
      await r.request('lim 2', 'lim.b', '2');
      await r.request('lim stream full', 'lim.c', '3');
      await r.api('create bytes-limited', S('CREATE.BYT'), { name: 'BYT', subjects: ['byt'], max_bytes: 100, discard: 'new' });
      await r.request('byt 1', 'byt', 'x'.repeat(40));
      await r.request('byt over', 'byt', 'x'.repeat(80));
      await r.api('create no rollups', S('CREATE.NOROLL'), { name: 'NOROLL', subjects: ['noroll'] });
      await r.request('rollup not permitted', 'noroll', 'x', { headers: [['Nats-Rollup', 'sub']] });
      await r.request('TTL without allow_msg_ttl', 'noroll', 'x', { headers: [['Nats-TTL', '1s']] });
      await r.api('create no_ack stream', S('CREATE.NOACK'), { name: 'NOACK', subjects: ['noack'], no_ack: true });
      await r.request('no_ack stream: no PubAck', 'noack', 'x', { ms: 500, noReply: true });
      await r.request('stream info NOACK', S('INFO.NOACK'), null);
    },
  },
  {
    name: 'msg-get-delete',
    description: 'STREAM.MSG.GET by seq, last_by_subj, next_by_subj; MSG.DELETE with and without no_erase; deny_delete.',
    async run(r) {
      await r.api('create', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'] });
      await r.request('publish with header', 'orders.a', 'm1', { headers: [['X-Trace', 'abc']] });
      await fill(r, (i) => (i % 2 ? 'orders.b' : 'orders.a'), 3);
      await r.request('get seq 1', S('MSG.GET.ORDERS'), { seq: 1 });
      await r.request('get last_by_subj', S('MSG.GET.ORDERS'), { last_by_subj: 'orders.a' });
      await r.request('get next_by_subj from 2', S('MSG.GET.ORDERS'), { seq: 2, next_by_subj: 'orders.a' });
      await r.request('get seq 99', S('MSG.GET.ORDERS'), { seq: 99 });
      await r.request('get empty request', S('MSG.GET.ORDERS'), null);
      await r.request('get unknown stream', S('MSG.GET.NOPE'), { seq: 1 });
      await r.request('delete seq 2', S('MSG.DELETE.ORDERS'), { seq: 2 });
      await r.request('delete seq 3 no_erase', S('MSG.DELETE.ORDERS'), { seq: 3, no_erase: true });
      await r.request('delete seq 2 again', S('MSG.DELETE.ORDERS'), { seq: 2 });
      await r.request('get deleted seq 2', S('MSG.GET.ORDERS'), { seq: 2 });
      await r.request('info with deleted_details', S('INFO.ORDERS'), { deleted_details: true });
      await r.api('create deny_delete', S('CREATE.DD'), { name: 'DD', subjects: ['dd'], deny_delete: true });
      await r.request('publish dd', 'dd', 'x');
      await r.request('delete refused', S('MSG.DELETE.DD'), { seq: 1 });
    },
  },
  {
    name: 'direct-get',
    description: 'DIRECT.GET in both forms, batch and multi_last gets, and their statuses.',
    async run(r) {
      await r.api('create', S('CREATE.KVS'), { name: 'KVS', subjects: ['kv.>'], allow_direct: true, max_msgs_per_subject: 3 });
      await r.request('publish with header', 'kv.a', 'a1', { headers: [['X-Trace', 'abc']] });
      await fill(r, (i) => ['kv.a', 'kv.b', 'kv.c', 'kv.b'][i - 1]!, 4);
      await r.request('seq 1', '$JS.API.DIRECT.GET.KVS', { seq: 1 });
      await r.request('last_by_subj', '$JS.API.DIRECT.GET.KVS', { last_by_subj: 'kv.b' });
      await r.request('next_by_subj', '$JS.API.DIRECT.GET.KVS', { seq: 2, next_by_subj: 'kv.a' });
      await r.request('subject form', '$JS.API.DIRECT.GET.KVS.kv.c', null);
      await r.request('subject form, wildcard subject', '$JS.API.DIRECT.GET.KVS.kv.*', null);
      await r.request('not found', '$JS.API.DIRECT.GET.KVS', { seq: 99 });
      await r.request('subject form not found', '$JS.API.DIRECT.GET.KVS.kv.none', null);
      await r.request('empty request', '$JS.API.DIRECT.GET.KVS', null);
      await r.request('malformed request', '$JS.API.DIRECT.GET.KVS', '{bad');
      await r.request('bad request (seq and last_by_subj)', '$JS.API.DIRECT.GET.KVS', { seq: 1, last_by_subj: 'kv.a' });
      await r.request('batch 3 from seq 1', '$JS.API.DIRECT.GET.KVS', { seq: 1, batch: 3 }, { count: 4 });
      await r.request('batch with next_by_subj', '$JS.API.DIRECT.GET.KVS', { seq: 1, batch: 10, next_by_subj: 'kv.b' }, { until: [204, 404] });
      await r.request('batch max_bytes', '$JS.API.DIRECT.GET.KVS', { seq: 1, batch: 10, max_bytes: 5 }, { until: [204, 404] });
      await r.request('multi_last', '$JS.API.DIRECT.GET.KVS', { multi_last: ['kv.a', 'kv.b'] }, { until: [204, 404] });
      await r.request('multi_last wildcard up_to_seq', '$JS.API.DIRECT.GET.KVS', { multi_last: ['kv.*'], up_to_seq: 3 }, { until: [204, 404] });
      await r.request('multi_last nothing', '$JS.API.DIRECT.GET.KVS', { multi_last: ['none.*'] }, { until: [204, 404] });
      await r.request('unknown stream (no responders)', '$JS.API.DIRECT.GET.NOPE', { seq: 1 });
      await r.api('create without allow_direct', S('CREATE.ND'), { name: 'ND', subjects: ['nd'] });
      await r.request('direct get without allow_direct', '$JS.API.DIRECT.GET.ND', { seq: 1 });
    },
  },
  {
    name: 'purge',
    description: 'Purge: all, by filter, up to seq, keep, filter+keep; deny_purge.',
    async run(r) {
      await r.api('create', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'] });
      await fill(r, (i) => `orders.${i % 2 ? 'a' : 'b'}`, 10);
      await r.request('purge filter orders.a keep 2', S('PURGE.ORDERS'), { filter: 'orders.a', keep: 2 });
      await r.request('purge up to seq 5', S('PURGE.ORDERS'), { seq: 5 });
      await r.request('purge keep 3', S('PURGE.ORDERS'), { keep: 3 });
      await r.request('info after', S('INFO.ORDERS'), { subjects_filter: '>' });
      await r.request('purge filter orders.b', S('PURGE.ORDERS'), { filter: 'orders.b' });
      await r.request('purge seq and keep together', S('PURGE.ORDERS'), { seq: 1, keep: 1 });
      await r.request('purge all', S('PURGE.ORDERS'), null);
      await r.request('publish after purge', 'orders.a', 'after');
      await r.request('info after all', S('INFO.ORDERS'), null);
      await r.request('purge unknown', S('PURGE.NOPE'), null);
      await r.api('create deny_purge', S('CREATE.DP'), { name: 'DP', subjects: ['dp'], deny_purge: true });
      await r.request('purge refused', S('PURGE.DP'), null);
    },
  },
  {
    name: 'consumer-create',
    description: 'Consumer create (named, filtered, ephemeral, legacy durable), defaults, actions and errors.',
    async run(r) {
      await r.api('create stream', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'] });
      await r.request('named pull, defaults', C('CREATE.ORDERS.PULL'), { stream_name: 'ORDERS', config: { durable_name: 'PULL', ack_policy: 'explicit' } });
      await r.request('same again', C('CREATE.ORDERS.PULL'), { stream_name: 'ORDERS', config: { durable_name: 'PULL', ack_policy: 'explicit' } });
      await r.request('same name other config', C('CREATE.ORDERS.PULL'), { stream_name: 'ORDERS', config: { durable_name: 'PULL', ack_policy: 'explicit', max_deliver: 3 } });
      await r.request('action create on existing, same config', C('CREATE.ORDERS.PULL'), { stream_name: 'ORDERS', config: { durable_name: 'PULL', ack_policy: 'explicit', max_deliver: 3 }, action: 'create' });
      await r.request('action create on existing, other config', C('CREATE.ORDERS.PULL'), { stream_name: 'ORDERS', config: { durable_name: 'PULL', ack_policy: 'explicit', max_deliver: 4 }, action: 'create' });
      await r.request('action update', C('CREATE.ORDERS.PULL'), { stream_name: 'ORDERS', config: { durable_name: 'PULL', ack_policy: 'explicit', max_deliver: 3 }, action: 'update' });
      await r.request('action update unknown', C('CREATE.ORDERS.NEW'), { stream_name: 'ORDERS', config: { durable_name: 'NEW', ack_policy: 'explicit' }, action: 'update' });
      await r.request('name form with filter token', C('CREATE.ORDERS.FILT.orders.a'), { stream_name: 'ORDERS', config: { name: 'FILT', filter_subject: 'orders.a', ack_policy: 'explicit' } });
      await r.request('filter token differs from config', C('CREATE.ORDERS.FILT2.orders.a'), { stream_name: 'ORDERS', config: { name: 'FILT2', filter_subject: 'orders.b', ack_policy: 'explicit' } });
      await r.request('several filter subjects', C('CREATE.ORDERS.MULTI'), { stream_name: 'ORDERS', config: { name: 'MULTI', filter_subjects: ['orders.a', 'orders.b'], ack_policy: 'explicit' } });
      await r.request('overlapping filter subjects', C('CREATE.ORDERS.OVL'), { stream_name: 'ORDERS', config: { name: 'OVL', filter_subjects: ['orders.*', 'orders.a'], ack_policy: 'explicit' } });
      await r.request('filter outside the stream', C('CREATE.ORDERS.OUT'), { stream_name: 'ORDERS', config: { name: 'OUT', filter_subject: 'other', ack_policy: 'explicit' } });
      await r.request('ephemeral', C('CREATE.ORDERS'), { stream_name: 'ORDERS', config: { ack_policy: 'explicit', inactive_threshold: 5 * SEC } });
      await r.request('ephemeral push', C('CREATE.ORDERS'), { stream_name: 'ORDERS', config: { deliver_subject: 'push.eph', ack_policy: 'none' } });
      await r.request('legacy durable create', C('DURABLE.CREATE.ORDERS.LEGACY'), { stream_name: 'ORDERS', config: { durable_name: 'LEGACY', ack_policy: 'explicit' } });
      await r.request('durable name mismatch', C('CREATE.ORDERS.X'), { stream_name: 'ORDERS', config: { durable_name: 'Y', ack_policy: 'explicit' } });
      await r.request('stream name mismatch', C('CREATE.ORDERS.SM'), { stream_name: 'OTHER', config: { name: 'SM' } });
      await r.request('stream not found', C('CREATE.NOPE.C'), { stream_name: 'NOPE', config: { name: 'C' } });
      await r.request('invalid durable name (extra token: nobody answers)', C('DURABLE.CREATE.ORDERS.a.b'), { stream_name: 'ORDERS', config: { durable_name: 'a.b' } }, { ms: 1_000, noReply: true });
      await r.request('every setting', C('CREATE.ORDERS.FULL'), {
        stream_name: 'ORDERS',
        config: {
          name: 'FULL',
          durable_name: 'FULL',
          description: 'all the knobs',
          deliver_policy: 'by_start_sequence',
          opt_start_seq: 2,
          ack_policy: 'explicit',
          ack_wait: 10 * SEC,
          max_deliver: 5,
          backoff: [SEC, 2 * SEC],
          filter_subject: 'orders.>',
          replay_policy: 'instant',
          max_waiting: 16,
          max_ack_pending: 50,
          headers_only: true,
          max_batch: 10,
          max_expires: 30 * SEC,
          max_bytes: 1024,
          inactive_threshold: 60 * SEC,
          metadata: { owner: 'capture' },
          priority_groups: ['jobs'],
          priority_policy: 'pinned_client',
          priority_timeout: 10 * SEC,
        },
      });
      await r.request('by_start_time', C('CREATE.ORDERS.BST'), { stream_name: 'ORDERS', config: { name: 'BST', deliver_policy: 'by_start_time', opt_start_time: '2001-01-01T00:00:00Z' } });
      await r.request('by_start_sequence without opt_start_seq', C('CREATE.ORDERS.BAD1'), { stream_name: 'ORDERS', config: { name: 'BAD1', deliver_policy: 'by_start_sequence' } });
      await r.request('backoff longer than max_deliver allows', C('CREATE.ORDERS.BAD2'), { stream_name: 'ORDERS', config: { name: 'BAD2', ack_policy: 'explicit', max_deliver: 2, backoff: [SEC, 2 * SEC, 3 * SEC] } });
      await r.request('flow control on pull', C('CREATE.ORDERS.BAD3'), { stream_name: 'ORDERS', config: { name: 'BAD3', flow_control: true } });
      await r.request('last_per_subject', C('CREATE.ORDERS.LPS'), { stream_name: 'ORDERS', config: { name: 'LPS', deliver_policy: 'last_per_subject', filter_subject: 'orders.*' } });
      await r.request('push with queue group', C('CREATE.ORDERS.PUSHQ'), { stream_name: 'ORDERS', config: { durable_name: 'PUSHQ', deliver_subject: 'push.q', deliver_group: 'workers', ack_policy: 'explicit' } });
      await r.request('ordered consumer as nats.js creates it', C('CREATE.ORDERS'), {
        stream_name: 'ORDERS',
        config: { deliver_policy: 'all', ack_policy: 'none', max_deliver: 1, flow_control: true, idle_heartbeat: 5 * SEC, deliver_subject: '_INBOX.cap.ordered', mem_storage: true, num_replicas: 1, inactive_threshold: 5 * SEC, replay_policy: 'instant' },
      });
      await r.request('unknown field in config', C('CREATE.ORDERS.UNK'), { stream_name: 'ORDERS', config: { name: 'UNK', some_future_knob: true } });
      await r.api('create work queue', S('CREATE.WQ'), { name: 'WQ', subjects: ['wq.>'], retention: 'workqueue' });
      await r.request('wq consumer 1', C('CREATE.WQ.W1'), { stream_name: 'WQ', config: { durable_name: 'W1', ack_policy: 'explicit', filter_subject: 'wq.a' } });
      await r.request('wq consumer overlapping', C('CREATE.WQ.W2'), { stream_name: 'WQ', config: { durable_name: 'W2', ack_policy: 'explicit', filter_subject: 'wq.>' } });
      await r.request('wq consumer ack none', C('CREATE.WQ.W3'), { stream_name: 'WQ', config: { durable_name: 'W3', ack_policy: 'none', filter_subject: 'wq.b' } });
      await r.request('wq deliver last', C('CREATE.WQ.W4'), { stream_name: 'WQ', config: { durable_name: 'W4', ack_policy: 'explicit', deliver_policy: 'last', filter_subject: 'wq.c' } });
    },
  },
  {
    name: 'consumer-admin',
    description: 'Consumer info, names, list, pause and resume, delete.',
    async run(r) {
      await r.api('create stream', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'] });
      await fill(r, 'orders.a', 3);
      await r.api('create C1', C('CREATE.ORDERS.C1'), { stream_name: 'ORDERS', config: { durable_name: 'C1', ack_policy: 'explicit' } });
      await r.api('create C2', C('CREATE.ORDERS.C2'), { stream_name: 'ORDERS', config: { durable_name: 'C2', ack_policy: 'explicit', filter_subject: 'orders.b' } });
      await r.request('info', C('INFO.ORDERS.C1'), null);
      await r.request('info unknown consumer', C('INFO.ORDERS.NOPE'), null);
      await r.request('info unknown stream', C('INFO.NOPE.C1'), null);
      await r.request('names', C('NAMES.ORDERS'), null);
      await r.request('names offset', C('NAMES.ORDERS'), { offset: 1 });
      await r.request('list', C('LIST.ORDERS'), null);
      await r.request('pause until 2100', C('PAUSE.ORDERS.C1'), { pause_until: '2100-01-01T00:00:00Z' });
      await r.request('info paused', C('INFO.ORDERS.C1'), null);
      await r.request('pull while paused', C('MSG.NEXT.ORDERS.C1'), { batch: 1, expires: SEC / 2 }, { until: [404, 408, 409], ms: 3_000 });
      await r.request('resume', C('PAUSE.ORDERS.C1'), null);
      const two = await r.request('fetch 2', C('MSG.NEXT.ORDERS.C1'), { batch: 2 }, { count: 2 });
      await r.ack('ack the first', two[0]!, '+ACK', true);
      await r.request('reset to the ack floor (2.14)', C('RESET.ORDERS.C1'), null);
      await r.request('reset to seq 3', C('RESET.ORDERS.C1'), { seq: 3 });
      await r.request('info after reset', C('INFO.ORDERS.C1'), null);
      await r.request('pause unknown', C('PAUSE.ORDERS.NOPE'), { pause_until: '2100-01-01T00:00:00Z' });
      await r.request('delete', C('DELETE.ORDERS.C2'), null);
      await r.request('delete again', C('DELETE.ORDERS.C2'), null);
      await r.request('unpin without group', C('UNPIN.ORDERS.C1'), { group: 'jobs' });
    },
  },
  {
    name: 'pull',
    description: 'CONSUMER.MSG.NEXT: batches, no_wait, expires, max_bytes, heartbeats, limits; the statuses and pending headers.',
    async run(r) {
      await r.api('create stream', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'] });
      await fill(r, (i) => `orders.${i}`, 3);
      await r.api('create consumer', C('CREATE.ORDERS.P'), { stream_name: 'ORDERS', config: { durable_name: 'P', ack_policy: 'explicit', max_batch: 10, max_expires: 10 * SEC, max_bytes: 4096, max_waiting: 2 } });
      await r.request('batch 2', C('MSG.NEXT.ORDERS.P'), { batch: 2 }, { count: 2 });
      await r.request('batch 5 expires 1s: 1 message then 408', C('MSG.NEXT.ORDERS.P'), { batch: 5, expires: SEC }, { until: [408, 409], ms: 4_000 });
      await r.request('no_wait on nothing pending: 404', C('MSG.NEXT.ORDERS.P'), { batch: 1, no_wait: true }, { until: [404, 408] });
      await r.request('expires on nothing pending: 408 with pending counts', C('MSG.NEXT.ORDERS.P'), { batch: 3, expires: SEC / 2 }, { until: [408, 409], ms: 3_000 });
      await r.request('idle heartbeat while waiting', C('MSG.NEXT.ORDERS.P'), { batch: 1, expires: 1.5 * SEC, idle_heartbeat: SEC / 2 }, { until: [408, 409], ms: 4_000 });
      await r.request('over max_batch: 409', C('MSG.NEXT.ORDERS.P'), { batch: 11 }, { until: [400, 409] });
      await r.request('over max_expires: 409', C('MSG.NEXT.ORDERS.P'), { batch: 1, expires: 11 * SEC }, { until: [400, 409] });
      await r.request('over max_bytes: 409', C('MSG.NEXT.ORDERS.P'), { batch: 1, max_bytes: 5000 }, { until: [400, 409] });
      await r.request('bad request', C('MSG.NEXT.ORDERS.P'), '{"batch":"x"}', { until: [400, 409] });
      await r.request('plain-number request "1" (waits: nothing pending)', C('MSG.NEXT.ORDERS.P'), '1', { ms: 700, noReply: true });
      await r.request('publish 100 bytes', 'orders.big', 'x'.repeat(100));
      await r.request('message bigger than request max_bytes: 409', C('MSG.NEXT.ORDERS.P'), { batch: 1, max_bytes: 10, no_wait: true }, { until: [404, 408, 409] });
      await fill(r, 'orders.small', 3, 'publish small');
      await r.request('batch 5 stops at max_bytes 200', C('MSG.NEXT.ORDERS.P'), { batch: 5, max_bytes: 200, expires: SEC }, { until: [408, 409], ms: 4_000 });
      await r.api('create push consumer', C('CREATE.ORDERS.PUSH'), { stream_name: 'ORDERS', config: { durable_name: 'PUSH', deliver_subject: 'push.p', ack_policy: 'explicit' } });
      await r.request('pull on a push consumer: 409', C('MSG.NEXT.ORDERS.PUSH'), { batch: 1 }, { until: [400, 409] });
      await r.request('pull on unknown consumer', C('MSG.NEXT.ORDERS.NOPE'), { batch: 1 }, { ms: 500 });
      await r.api('create consumer W (deliver new)', C('CREATE.ORDERS.W'), { stream_name: 'ORDERS', config: { durable_name: 'W', ack_policy: 'explicit', deliver_policy: 'new' } });
      const reply = `_INBOX.cap.waiting`;
      const sid = r.sub(reply);
      r.nc.pub(C('MSG.NEXT.ORDERS.W'), reply, Buffer.from(JSON.stringify({ batch: 1, expires: 5 * SEC })), null);
      await r.nc.flush();
      await r.until('consumer info shows the waiting request', C('INFO.ORDERS.W'), null, (i) => i['num_waiting'] === 1);
      await r.request('delete consumer', C('DELETE.ORDERS.W'), null);
      await r.collect('the waiting request ends with the consumer', sid, 1);
    },
  },
  {
    name: 'ack-protocol',
    description: 'Ack reply subjects and the ack verbs: +ACK (with and without reply), -NAK (with delay), +WPI, +TERM, +NXT, AckAll; ack floor and redelivery counts.',
    async run(r) {
      const advisories = r.sub('$JS.EVENT.ADVISORY.CONSUMER.>');
      await r.api('create stream', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'] });
      await fill(r, (i) => `orders.${i}`, 6);
      await r.api('create consumer', C('CREATE.ORDERS.A'), { stream_name: 'ORDERS', config: { durable_name: 'A', ack_policy: 'explicit', ack_wait: 2 * SEC, max_deliver: 2 } });
      const batch = await r.request('fetch 4', C('MSG.NEXT.ORDERS.A'), { batch: 4 }, { count: 4 });
      await r.ack('+ACK seq 1 without reply', batch[0]!, '+ACK');
      await r.ack('+ACK seq 2 with reply (AckSync)', batch[1]!, '+ACK', true);
      await r.ack('empty payload acks too, with reply', batch[2]!, '', true);
      await r.ack('+WPI seq 4', batch[3]!, '+WPI', true);
      await r.request('info after acks', C('INFO.ORDERS.A'), null);
      await r.ack('-NAK seq 4', batch[3]!, '-NAK');
      await r.request('redelivery of seq 4 (delivered 2)', C('MSG.NEXT.ORDERS.A'), { batch: 1 }, { count: 1 });
      const five = await r.request('fetch seq 5', C('MSG.NEXT.ORDERS.A'), { batch: 1 }, { count: 1 });
      await r.ack('+TERM seq 5 with reason', five[0]!, '+TERM because', true);
      const six = await r.request('fetch seq 6', C('MSG.NEXT.ORDERS.A'), { batch: 1 }, { count: 1 });
      await r.ack('-NAK with delay', six[0]!, '-NAK {"delay": 500000000}');
      await r.request('seq 6 again after the NAK delay', C('MSG.NEXT.ORDERS.A'), { batch: 1, expires: 3 * SEC }, { until: [408], count: 1, ms: 4_000 });
      await r.request('a pull request makes the consumer look at expired deliveries', C('MSG.NEXT.ORDERS.A'), { batch: 1, expires: 3 * SEC }, { until: [408], ms: 4_000 });
      await r.collect('advisories up to the max deliveries one', advisories, (m) => m.subject.startsWith('$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.'), 10_000);
      await r.request('info after max deliveries: seq 4 and 6 stay pending', C('INFO.ORDERS.A'), null);
      await r.api('create AckAll consumer', C('CREATE.ORDERS.ALL'), { stream_name: 'ORDERS', config: { durable_name: 'ALL', ack_policy: 'all' } });
      const all = await r.request('fetch 3 (ack all)', C('MSG.NEXT.ORDERS.ALL'), { batch: 3 }, { count: 3 });
      await r.ack('+ACK the third acks the first two', all[2]!, '+ACK', true);
      await r.request('info ack all', C('INFO.ORDERS.ALL'), null);
      const nxt = await r.request('fetch 1 for +NXT', C('MSG.NEXT.ORDERS.ALL'), { batch: 1 }, { count: 1 });
      if (nxt[0]?.reply) await r.request('+NXT acks and asks for 1 more', nxt[0].reply, '+NXT {"batch":1}', { count: 1 });
      await r.api('create AckNone consumer', C('CREATE.ORDERS.NONE'), { stream_name: 'ORDERS', config: { durable_name: 'NONE', ack_policy: 'none' } });
      await r.request('fetch ack none', C('MSG.NEXT.ORDERS.NONE'), { batch: 2 }, { count: 2 });
      await r.request('info ack none', C('INFO.ORDERS.NONE'), null);
    },
  },
  {
    name: 'retention',
    description: 'Work-queue and interest retention: what an ack removes, and an interest stream without consumers.',
    async run(r) {
      await r.api('create work queue', S('CREATE.WQ'), { name: 'WQ', subjects: ['wq.>'], retention: 'workqueue' });
      await fill(r, (i) => `wq.${i}`, 3);
      await r.api('create worker', C('CREATE.WQ.W'), { stream_name: 'WQ', config: { durable_name: 'W', ack_policy: 'explicit' } });
      const got = await r.request('fetch 2', C('MSG.NEXT.WQ.W'), { batch: 2 }, { count: 2 });
      await r.ack('ack the first (AckSync)', got[0]!, '+ACK', true);
      await r.request('work queue info: the acked message is gone', S('INFO.WQ'), null);
      await r.request('a second consumer without filter is refused', C('CREATE.WQ.W2'), { stream_name: 'WQ', config: { durable_name: 'W2', ack_policy: 'explicit' } });
      await r.api('create interest', S('CREATE.INT'), { name: 'INT', subjects: ['int.>'], retention: 'interest' });
      await r.request('publish with no consumer', 'int.a', 'nobody listens');
      await r.request('interest info: not kept without consumers', S('INFO.INT'), null);
      await r.api('create consumer A', C('CREATE.INT.A'), { stream_name: 'INT', config: { durable_name: 'A', ack_policy: 'explicit' } });
      await r.api('create consumer B', C('CREATE.INT.B'), { stream_name: 'INT', config: { durable_name: 'B', ack_policy: 'explicit' } });
      await r.request('publish with two consumers', 'int.b', 'both must ack');
      const a = await r.request('A fetches', C('MSG.NEXT.INT.A'), { batch: 1 }, { count: 1 });
      await r.ack('A acks', a[0]!, '+ACK', true);
      await r.request('interest info: kept until B acks', S('INFO.INT'), null);
      const b2 = await r.request('B fetches', C('MSG.NEXT.INT.B'), { batch: 1 }, { count: 1 });
      await r.ack('B acks', b2[0]!, '+ACK', true);
      await r.request('interest info: gone', S('INFO.INT'), null);
    },
  },
  {
    name: 'priority-groups',
    description: 'Consumer priority groups (2.11): pinned client with Nats-Pin-Id, overflow with min_pending, unpin, and their errors.',
    async run(r) {
      await r.api('create stream', S('CREATE.JOBS'), { name: 'JOBS', subjects: ['jobs.>'] });
      await fill(r, (i) => `jobs.${i}`, 4);
      await r.request('pinned consumer', C('CREATE.JOBS.PIN'), { stream_name: 'JOBS', config: { durable_name: 'PIN', ack_policy: 'explicit', priority_groups: ['g'], priority_policy: 'pinned_client', priority_timeout: 5 * SEC } });
      await r.request('pull without a group', C('MSG.NEXT.JOBS.PIN'), { batch: 1 }, { until: [400, 409] });
      await r.request('pull with an unknown group', C('MSG.NEXT.JOBS.PIN'), { batch: 1, group: 'other' }, { until: [400, 409] });
      const first = await r.request('pull with the group: pinned', C('MSG.NEXT.JOBS.PIN'), { batch: 1, group: 'g' }, { count: 1 });
      const pin = first[0]?.hdr?.match(/Nats-Pin-Id: (\S+)/)?.[1];
      await r.request('a second client without the pin id', C('MSG.NEXT.JOBS.PIN'), { batch: 1, group: 'g', expires: SEC / 2 }, { until: [408, 409, 423], ms: 3_000 });
      await r.request('a wrong pin id', C('MSG.NEXT.JOBS.PIN'), { batch: 1, group: 'g', id: 'not-the-pin' }, { until: [408, 409, 423], ms: 3_000 });
      if (pin) await r.request('the pinned client with its pin id', C('MSG.NEXT.JOBS.PIN'), { batch: 1, group: 'g', id: pin }, { count: 1 });
      await r.request('consumer info shows the pin', C('INFO.JOBS.PIN'), null);
      await r.request('unpin', C('UNPIN.JOBS.PIN'), { group: 'g' });
      await r.request('unpin an unknown group', C('UNPIN.JOBS.PIN'), { group: 'zz' });
      await r.request('overflow consumer', C('CREATE.JOBS.OVF'), { stream_name: 'JOBS', config: { durable_name: 'OVF', ack_policy: 'explicit', priority_groups: ['g'], priority_policy: 'overflow' } });
      await r.request('overflow pull below min_pending: waits', C('MSG.NEXT.JOBS.OVF'), { batch: 1, group: 'g', min_pending: 10, expires: SEC / 2 }, { until: [408, 409], ms: 3_000 });
      await r.request('overflow pull at min_pending', C('MSG.NEXT.JOBS.OVF'), { batch: 1, group: 'g', min_pending: 2 }, { count: 1 });
      await r.request('priority groups with a push consumer are refused', C('CREATE.JOBS.BAD'), { stream_name: 'JOBS', config: { durable_name: 'BAD', deliver_subject: 'x', priority_groups: ['g'], priority_policy: 'overflow' } });
    },
  },
  {
    name: 'push',
    description: 'Push consumers: deliveries, idle heartbeats with Nats-Last-Consumer/Nats-Last-Stream, flow control, headers_only.',
    async run(r) {
      await r.api('create stream', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'] });
      await fill(r, (i) => `orders.${i}`, 2);
      const d = r.sub('deliver.hb');
      await r.api('create push consumer with heartbeats', C('CREATE.ORDERS.HB'), { stream_name: 'ORDERS', config: { durable_name: 'HB', deliver_subject: 'deliver.hb', ack_policy: 'none', idle_heartbeat: SEC / 2, flow_control: true } });
      await r.collect('2 messages then an idle heartbeat', d, 3, 4_000);
      const fcSid = r.sub('deliver.fc');
      await r.api('create flow-controlled consumer', C('CREATE.ORDERS.FC'), { stream_name: 'ORDERS', config: { durable_name: 'FC', deliver_subject: 'deliver.fc', ack_policy: 'none', idle_heartbeat: 5 * SEC, flow_control: true } });
      await r.collect('deliveries', fcSid, 2, 4_000);
      const big = 'x'.repeat(32 * 1024);
      for (let i = 0; i < 40; i++) r.nc.pub('orders.fc', null, Buffer.from(big), null);
      await r.nc.flush();
      const got = await r.nc.waitFor(() => r.nc.messages(fcSid).some((m) => m.hdr?.startsWith('NATS/1.0 100 FlowControl') === true), 5_000);
      const fc = r.nc.messages(fcSid).find((m) => m.hdr?.startsWith('NATS/1.0 100 FlowControl') === true);
      r.exchanges.push({ step: 'a flow control request among 40 x 32 KiB messages', op: 'subscription', replies: fc ? [r.norm.msg(fc)] : [], ...(got ? {} : { timedOut: true }) });
      if (fc?.reply) {
        await r.publish('answer the flow control request (empty message)', fc.reply, '');
      }
      const h = r.sub('deliver.ho');
      await r.api('create headers-only consumer', C('CREATE.ORDERS.HO'), { stream_name: 'ORDERS', config: { durable_name: 'HO', deliver_subject: 'deliver.ho', ack_policy: 'explicit', headers_only: true, filter_subject: 'orders.1' } });
      await r.collect('headers only delivery', h, 1);
      const q = r.sub('deliver.last');
      await r.api('create deliver last per subject', C('CREATE.ORDERS.LPS'), { stream_name: 'ORDERS', config: { name: 'LPS', deliver_subject: 'deliver.last', ack_policy: 'none', deliver_policy: 'last_per_subject', filter_subject: 'orders.>' } });
      await r.collect('last per subject', q, 3);
      await r.request('consumer info of the heartbeat consumer', C('INFO.ORDERS.HB'), null);
    },
  },
  {
    name: 'kv',
    description: 'A KV bucket as nats.js and nats.go create it, and its operations on the wire.',
    async run(r) {
      await r.request('create bucket stream', S('CREATE.KV_cfg'), {
        name: 'KV_cfg',
        subjects: ['$KV.cfg.>'],
        retention: 'limits',
        max_msgs_per_subject: 5,
        max_msgs: -1,
        max_bytes: -1,
        max_age: 0,
        max_msg_size: -1,
        storage: 'file',
        discard: 'new',
        num_replicas: 1,
        duplicate_window: 120 * SEC,
        allow_rollup_hdrs: true,
        deny_delete: true,
        allow_direct: true,
        allow_msg_ttl: true,
        subject_delete_marker_ttl: SEC,
      });
      await r.request('put a', '$KV.cfg.a', 'v1');
      await r.request('put a again', '$KV.cfg.a', 'v2');
      await r.request('create b (expected last subject seq 0)', '$KV.cfg.b', 'b1', { headers: [['Nats-Expected-Last-Subject-Sequence', '0']] });
      await r.request('create b again: wrong last sequence', '$KV.cfg.b', 'b2', { headers: [['Nats-Expected-Last-Subject-Sequence', '0']] });
      await r.request('update a at revision 2', '$KV.cfg.a', 'v3', { headers: [['Nats-Expected-Last-Subject-Sequence', '2']] });
      await r.request('get a (direct, subject form)', '$JS.API.DIRECT.GET.KV_cfg.$KV.cfg.a', null);
      await r.request('delete a (marker)', '$KV.cfg.a', '', { headers: [['KV-Operation', 'DEL']] });
      await r.request('get a after delete', '$JS.API.DIRECT.GET.KV_cfg.$KV.cfg.a', null);
      await r.request('purge b (rollup marker)', '$KV.cfg.b', '', { headers: [['KV-Operation', 'PURGE'], ['Nats-Rollup', 'sub']] });
      await r.request('put c with TTL', '$KV.cfg.c', 'short', { headers: [['Nats-TTL', '1s']] });
      await r.request('history of a', '$JS.API.DIRECT.GET.KV_cfg', { seq: 1, batch: 10, next_by_subj: '$KV.cfg.a' }, { until: [204, 404] });
      await r.request('keys (multi_last)', '$JS.API.DIRECT.GET.KV_cfg', { multi_last: ['$KV.cfg.>'] }, { until: [204, 404] });
      const w = r.sub('_INBOX.cap.watch');
      await r.request('watch consumer (last per subject, ordered push)', C('CREATE.KV_cfg'), {
        stream_name: 'KV_cfg',
        config: { deliver_policy: 'last_per_subject', ack_policy: 'none', filter_subject: '$KV.cfg.>', flow_control: true, idle_heartbeat: 5 * SEC, deliver_subject: '_INBOX.cap.watch', mem_storage: true, num_replicas: 1, max_deliver: 1, replay_policy: 'instant', headers_only: false },
      });
      await r.collect('watch initial values', w, 3);
      await r.until('c expired: delete marker appended', S('INFO.KV_cfg'), { subjects_filter: '$KV.cfg.c' }, (i) => {
        const st = i['state'] as JsonObject | undefined;
        const subjects = st?.['subjects'] as JsonObject | undefined;
        return st !== undefined && (st['last_seq'] as number) >= 8 && subjects !== undefined;
      });
      await r.request('get c after TTL', '$JS.API.DIRECT.GET.KV_cfg.$KV.cfg.c', null);
      await r.collect('watch sees the marker', w, (m) => m.hdr?.includes('Nats-Marker-Reason') === true, 3_000);
      await r.request('bucket info', S('INFO.KV_cfg'), null);
    },
  },
  {
    name: 'object-store',
    description: 'An object store bucket: stream config, a chunk and its metadata with rollup, reading them back.',
    async run(r) {
      await r.request('create bucket stream', S('CREATE.OBJ_files'), {
        name: 'OBJ_files',
        subjects: ['$O.files.C.>', '$O.files.M.>'],
        max_age: 0,
        storage: 'file',
        num_replicas: 1,
        discard: 'new',
        allow_rollup_hdrs: true,
        allow_direct: true,
        max_bytes: -1,
      });
      await r.request('chunk', '$O.files.C.nuid1', 'hello object');
      const meta = { name: 'hello.txt', bucket: 'files', nuid: 'nuid1', size: 12, chunks: 1, digest: 'SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=', mtime: '2001-01-01T00:00:00Z', options: { max_chunk_size: 131072 } };
      await r.request('meta (rollup sub)', '$O.files.M.aGVsbG8udHh0', JSON.stringify(meta), { headers: [['Nats-Rollup', 'sub']] });
      await r.request('get meta', S('MSG.GET.OBJ_files'), { last_by_subj: '$O.files.M.aGVsbG8udHh0' });
      await r.request('get meta (direct)', '$JS.API.DIRECT.GET.OBJ_files.$O.files.M.aGVsbG8udHh0', null);
      await r.request('read chunks (ordered consumer)', C('CREATE.OBJ_files'), {
        stream_name: 'OBJ_files',
        config: { deliver_policy: 'all', ack_policy: 'none', filter_subject: '$O.files.C.nuid1', flow_control: true, idle_heartbeat: 5 * SEC, deliver_subject: '_INBOX.cap.chunks', mem_storage: true, num_replicas: 1, max_deliver: 1 },
      });
      await r.request('purge chunks', S('PURGE.OBJ_files'), { filter: '$O.files.C.nuid1' });
      await r.request('bucket info', S('INFO.OBJ_files'), { subjects_filter: '>' });
    },
  },
  {
    name: 'ttl-markers',
    description: 'Per-message TTL (Nats-TTL), the TTL floor set by subject_delete_marker_ttl, and subject delete markers after a TTL and after max_age.',
    async run(r) {
      await r.api('create T (one message per subject: TTLs are kept as given)', S('CREATE.T'), { name: 'T', subjects: ['t.>'], allow_msg_ttl: true, subject_delete_marker_ttl: 60 * SEC, max_msgs_per_subject: 1 });
      const core = r.sub('t.>');
      const ordered = r.sub('_INBOX.cap.markers');
      await r.api('ordered push consumer on T', C('CREATE.T'), { stream_name: 'T', config: { deliver_policy: 'all', ack_policy: 'none', flow_control: true, idle_heartbeat: 5 * SEC, deliver_subject: '_INBOX.cap.markers', mem_storage: true, num_replicas: 1, max_deliver: 1 } });
      await r.request('ttl 1s', 't.a', 'short', { headers: [['Nats-TTL', '1s']] });
      await r.request('ttl never', 't.b', 'long', { headers: [['Nats-TTL', 'never']] });
      await r.request('ttl invalid', 't.c', 'x', { headers: [['Nats-TTL', 'soon']] });
      await r.request('ttl under 1s', 't.c', 'x', { headers: [['Nats-TTL', '500ms']] });
      await r.request('ttl in seconds', 't.d', 'x', { headers: [['Nats-TTL', '1']] });
      await r.until('t.a and t.d expired, markers in their place', S('INFO.T'), { subjects_filter: '>' }, (i) => ((i['state'] as JsonObject | undefined)?.['last_seq'] as number) >= 5);
      await r.request('marker of t.a (last_by_subj)', S('MSG.GET.T'), { last_by_subj: 't.a' });
      await r.collect('the ordered consumer sees the markers', ordered, 5, 3_000);
      await r.collect('core subscribers of t.> saw the 5 publishes and no marker (markers were stored before this step)', core, 5, 3_000);
      await r.api('create R (marker TTL 5s raises shorter TTLs)', S('CREATE.R'), { name: 'R', subjects: ['r.>'], allow_msg_ttl: true, subject_delete_marker_ttl: 5 * SEC });
      await r.request('ttl 1s on R', 'r.a', 'x', { headers: [['Nats-TTL', '1s']] });
      await r.request('stored TTL header on R', S('MSG.GET.R'), { seq: 1 });
      await r.api('create M (max_age 1s with markers)', S('CREATE.M'), { name: 'M', subjects: ['m.>'], max_age: SEC, subject_delete_marker_ttl: 60 * SEC, duplicate_window: SEC });
      await r.request('publish m.a', 'm.a', 'ages out');
      await r.until('m.a aged out, marker in its place', S('INFO.M'), null, (i) => ((i['state'] as JsonObject | undefined)?.['last_seq'] as number) >= 2);
      await r.request('marker of m.a', S('MSG.GET.M'), { last_by_subj: 'm.a' });
    },
  },
  {
    name: 'sources-mirrors',
    description: 'A mirror and a stream with sources (with a subject transform), and their info.',
    async run(r) {
      await r.api('create origin', S('CREATE.ORIGIN'), { name: 'ORIGIN', subjects: ['origin.>'] });
      await fill(r, (i) => `origin.${i}`, 3);
      await r.request('create mirror', S('CREATE.MIRROR'), { name: 'MIRROR', mirror: { name: 'ORIGIN' } });
      await r.request('mirror with subjects is refused', S('CREATE.BADMIRROR'), { name: 'BADMIRROR', subjects: ['x'], mirror: { name: 'ORIGIN' } });
      await r.request('create sourced', S('CREATE.AGG'), { name: 'AGG', subjects: ['agg.>'], sources: [{ name: 'ORIGIN', subject_transforms: [{ src: 'origin.>', dest: 'copied.>' }] }] });
      await r.request('source with filter and transforms is refused', S('CREATE.BADSRC'), { name: 'BADSRC', sources: [{ name: 'ORIGIN', filter_subject: 'origin.>', subject_transforms: [{ src: 'origin.>', dest: 'x.>' }] }] });
      await r.until('mirror caught up', S('INFO.MIRROR'), null, (i) => (i['state'] as JsonObject | undefined)?.['messages'] === 3);
      await r.until('sourced caught up', S('INFO.AGG'), null, (i) => (i['state'] as JsonObject | undefined)?.['messages'] === 3);
      await r.request('get from sourced', S('MSG.GET.AGG'), { seq: 1 });
      await r.request('get from mirror', S('MSG.GET.MIRROR'), { seq: 1 });
      await r.request('publish to a mirror is not possible (no subjects)', S('MSG.DELETE.MIRROR'), { seq: 1 });
      await r.request('subject transform on a stream', S('CREATE.TR'), { name: 'TR', subjects: ['in.*'], subject_transform: { src: 'in.*', dest: 'out.{{wildcard(1)}}' } });
      await r.request('publish transformed', 'in.x', 'x');
      await r.request('get transformed', S('MSG.GET.TR'), { seq: 1 });
      await r.request('republish config', S('CREATE.REP'), { name: 'REP', subjects: ['rep.>'], republish: { src: 'rep.>', dest: 'republished.>' } });
      const sid = r.sub('republished.>');
      await r.request('publish for republish', 'rep.a', 'hello');
      await r.collect('republished message', sid, 1);
    },
  },
  {
    name: 'advisories',
    description: 'Advisories for stream and consumer actions, and the API audit advisory, on $JS.EVENT.ADVISORY.>.',
    async run(r) {
      // One subscription per family: between families the order of arrival is not fixed.
      const streams = r.sub('$JS.EVENT.ADVISORY.STREAM.>');
      const consumers = r.sub('$JS.EVENT.ADVISORY.CONSUMER.>');
      const audit = r.sub('$JS.EVENT.ADVISORY.API');
      await r.api('create stream', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'] });
      await r.api('update stream', S('UPDATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'], max_msgs: 10 });
      await r.api('create consumer', C('CREATE.ORDERS.C'), { stream_name: 'ORDERS', config: { durable_name: 'C', ack_policy: 'explicit' } });
      await r.api('pause consumer', C('PAUSE.ORDERS.C'), { pause_until: '2100-01-01T00:00:00Z' });
      await r.api('delete consumer', C('DELETE.ORDERS.C'), null);
      await r.api('delete stream', S('DELETE.ORDERS'), null);
      await r.collect('stream advisories', streams, 3);
      await r.collect('consumer advisories', consumers, 3);
      await r.collect('API audit advisories', audit, 6);
    },
  },
  {
    name: 'jsz',
    description: 'The /jsz monitoring endpoint with streams and consumers.',
    async run(r) {
      await r.api('create stream', S('CREATE.ORDERS'), { name: 'ORDERS', subjects: ['orders.>'] });
      await fill(r, 'orders.a', 2);
      await r.api('create consumer', C('CREATE.ORDERS.C'), { stream_name: 'ORDERS', config: { durable_name: 'C', ack_policy: 'explicit' } });
      await r.http('/jsz', '/jsz');
      await r.http('/jsz with accounts, streams, consumers, config', '/jsz?accounts=true&streams=true&consumers=true&config=true');
    },
  },
  {
    name: 'api-misc',
    description: 'Requests the API does not serve: unknown subjects, no reply, the server INFO line.',
    async run(r) {
      r.exchanges.push({ step: 'INFO line of the server', op: 'info', json: r.norm.json(r.nc.info) });
      await r.request('unknown API subject', '$JS.API.NOT.A.THING', null, { ms: 1_000, noReply: true });
      await r.request('stream names with a bad body', S('NAMES'), '{"offset":"x"}');
      await r.request('stream create on memory storage with max_bytes over the account', S('CREATE.HUGE'), { name: 'HUGE', subjects: ['huge'], storage: 'memory', max_bytes: 1_000_000_000_000_000 });
      await r.request('consumer reset of an unknown stream', C('RESET.NOPE.C'), null, { ms: 1_000, noReply: true });
      await r.request('stream snapshot of an unknown stream', S('SNAPSHOT.NOPE'), { deliver_subject: '_INBOX.cap.snap' });
      await r.request('stream leader stepdown on one server', S('LEADER.STEPDOWN.NOPE'), null);
    },
  },
];

// ---------------------------------------------------------------------------------------------

/** The scenarios by name, for a differential replay against another server (test/jetstream). */
export function scenarioNamed(name: string): Scenario | undefined {
  return scenarios.find((s) => s.name === name);
}

/** Runs a scenario's steps over `nc` (after waiting for the JetStream API when it has one). */
async function runSteps(sc: Scenario, nc: RawNats, server: { readonly httpPort: number | undefined }): Promise<Exchange[]> {
  const r = new Run(nc, server, new Normaliser());
  if (!sc.noJetStream) {
    // JetStream may still be starting when the client port answers: wait for the API.
    await r.until('(ready)', '$JS.API.INFO', null, (i) => i['type'] === 'io.nats.jetstream.api.v1.account_info_response' && i['error'] === undefined);
    r.exchanges.length = 0;
  }
  await sc.run(r);
  await nc.flush();
  if (nc.errors.length > 0) r.exchanges.push({ step: 'protocol errors', op: 'info', json: nc.errors });
  return r.exchanges;
}

/**
 * Runs a scenario against a server already listening on `port` (Wharf, for the differential
 * tests) and returns the exchanges as a fixture records them.
 */
export async function replayScenario(sc: Scenario, port: number, httpPort?: number): Promise<Exchange[]> {
  const nc = await RawNats.open(port);
  try {
    return await runSteps(sc, nc, { httpPort });
  } finally {
    nc.close();
  }
}

export type { Exchange, Fixture, RecordedMsg, Scenario };

async function runScenario(sc: Scenario): Promise<Fixture> {
  const store = mkdtempSync(join(tmpdir(), 'wharf-capture-js-'));
  const args = ['-n', 'capture', ...(sc.noJetStream ? [] : ['-js', '-sd', store])];
  const server = await startNatsServer({ args });
  const nc = await RawNats.open(server.port);
  try {
    const exchanges = await runSteps(sc, nc, server);
    const version = typeof nc.info['version'] === 'string' ? nc.info['version'] : 'unknown';
    return { scenario: sc.name, description: sc.description, server: { version, args: args.map((a) => (a === store ? '<store_dir>' : a)) }, exchanges };
  } finally {
    nc.close();
    await server.close();
    rmSync(store, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  mkdirSync(OUT_DIR, { recursive: true });
  const index: Array<{ scenario: string; description: string; exchanges: number; timedOut: number }> = [];
  let version = 'unknown';
  for (const sc of scenarios) {
    if (only.length > 0 && !only.includes(sc.name)) continue;
    const started = Date.now();
    const fx = await runScenario(sc);
    version = fx.server.version;
    const timedOut = fx.exchanges.filter((e) => e.timedOut).length;
    writeFileSync(join(OUT_DIR, `${sc.name}.json`), `${JSON.stringify(fx, null, 1)}\n`);
    index.push({ scenario: sc.name, description: sc.description, exchanges: fx.exchanges.length, timedOut });
    process.stdout.write(`${sc.name}: ${fx.exchanges.length} exchanges, ${timedOut} timed out, ${Date.now() - started} ms\n`);
  }
  if (only.length === 0) {
    writeFileSync(join(OUT_DIR, 'index.json'), `${JSON.stringify({ server: `nats-server ${version}`, capturedBy: 'scripts/capture-jetstream.ts', scenarios: index }, null, 1)}\n`);
  }
}

// Run as a script (not when a test imports the scenarios).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}

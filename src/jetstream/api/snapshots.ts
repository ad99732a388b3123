// STREAM.SNAPSHOT and STREAM.RESTORE (`nats stream backup` / `nats stream restore`), with
// nats-server's requests, checks, errors and transfer protocol (server/jetstream_api.go
// jsStreamSnapshotRequest, streamSnapshot, jsStreamRestoreRequest, processStreamRestore):
//
// - Snapshot: the answer carries the stream's config and state; the snapshot then goes to the
//   request's deliver_subject in chunks of chunk_size bytes (default 128 KiB, clamped to
//   1 KiB..1 MiB), at most window_size bytes (default 8 MiB, 1 KiB..32 MiB) unacknowledged.
//   Each full chunk has the reply subject $JS.SNAPSHOT.ACK.<stream>.<id>.<size>.<n>, and a
//   message there frees its slot in the window; a last, shorter chunk has none. The end is a
//   header-only message: "NATS/1.0 204" (none if no full chunk was sent), "408 No Flow
//   Response" after 5 s without an ack, "408 No Interest" when the receiver's subscription (on
//   exactly the deliver subject, waited for up to 2 s at the start) went away, "500
//   <error>" when reading the stream failed.
// - Restore: the answer names a deliver subject $JS.SNAPSHOT.RESTORE.<stream>.<id>; the client
//   sends the snapshot there as requests, each acknowledged with an empty message once what it
//   completed is appended (or answered with the error), then an empty message whose reply gets
//   the outcome as a stream_create_response. The snapshot is decoded and appended as it arrives
//   (one log entry held at a time); the stream exists only once complete, and a client that
//   stops sending (5 s without a chunk: "stalled") or goes away has its partial restore removed:
//   whole or not at all (core/streams/stream-registry.ts beginRestore()).
// - Advisories as nats-server's: SNAPSHOT_CREATE (after the answer) and SNAPSHOT_COMPLETE (after
//   the end message, with the error if any), RESTORE_CREATE (before the answer) and
//   RESTORE_COMPLETE (with the outcome), on $JS.EVENT.ADVISORY.STREAM.<kind>.<stream>.
//
// The payload is Wharf's own format (core/streams/stream-backup.ts, docs/jetstream.md 1.22); a
// restore also takes nats-server 2.15's archive (core/streams/nats-archive.ts), its consumers
// converted here from nats-server's JSON.
import type { Logger } from '../../log.js';
import { isValidLiteralSubject } from '../../core/routing/subject.js';
import { BACKUP_FORMAT, BACKUP_VERSION, encodeStreamBackup, StreamBackupReader, type StreamBackup } from '../../core/streams/stream-backup.js';
import type { RestoreHandle } from '../../core/streams/stream-registry.js';
import type { JsApiError, StreamConfigInput } from '../../core/streams/types.js';
import type { ApiRoute } from '../api-table.js';
import { decodeOrReply, isEmptyRequest, type JetStreamContext } from '../context.js';
import { encodeConfig, encodeState, encodeStreamInfo } from '../encode.js';
import { jsError } from '../errors.js';
import { clientInfo, nuid, type RawHandler } from '../front-end.js';
import { publishAdvisory } from '../advisories.js';
import { decodeGo, goJson, goTime, T, type Decoded, type GoJson, type GoStruct } from '../json.js';
import { CREATE_CONSUMER_REQUEST, consumerConfigInput } from '../consumer-json.js';
import type { ConsumerConfigInput } from '../../core/coordinators/jetstream/consumer-config.js';
import type { ConsumerSnapshot } from '../../core/coordinators/jetstream/consumer-state-store.js';
import type { ReplyPath } from '../reply.js';
import { StreamConfigStruct, StreamStateStruct, UNSUPPORTED_STREAM_FIELDS, streamEnumError, toStreamConfigInput } from './schemas.js';

const SnapshotRequest: GoStruct = {
  name: 'JSApiStreamSnapshotRequest',
  fields: {
    deliver_subject: { type: T.string },
    no_consumers: { type: T.bool },
    chunk_size: { type: T.int },
    window_size: { type: T.int },
    jsck: { type: T.bool },
  },
};
const RestoreRequest: GoStruct = {
  name: 'JSApiStreamRestoreRequest',
  fields: { config: { type: T.struct(StreamConfigStruct) }, state: { type: T.struct(StreamStateStruct) } },
};

const DEFAULT_CHUNK = 128 * 1024;
const DEFAULT_WINDOW = 8 * 1024 * 1024;
/** How long the snapshot waits for an ack, and the restore for the next chunk (nats-server: 5 s both). */
const ACK_TIMEOUT_MS = 5_000;
const RESTORE_IDLE_MS = 5_000;
/** How long the snapshot waits for somebody to subscribe its deliver subject (nats-server: 2 s). */
const INTEREST_WAIT_MS = 2_000;
const EMPTY = Buffer.alloc(0);
const CREATE_RESPONSE = 'io.nats.jetstream.api.v1.stream_create_response';

/** What the routes need of the front-end besides the context: its own subscriptions and reply path. */
export interface SnapshotWire {
  subscribe(subject: string, queue: string | undefined, handler: RawHandler): () => void;
  readonly replies: ReplyPath;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/** Cuts a stream of buffers into pieces of exactly `size` bytes (the last one shorter). */
class ChunkCutter {
  private parts: Buffer[] = [];
  private held = 0;
  private ended = false;

  constructor(
    private readonly source: AsyncIterator<Buffer>,
    private readonly size: number,
  ) {}

  /** The next chunk, or null at the end. Throws what the source throws. */
  async next(): Promise<Buffer | null> {
    while (this.held < this.size && !this.ended) {
      const r = await this.source.next();
      if (r.done === true) this.ended = true;
      else if (r.value.length > 0) {
        this.parts.push(r.value);
        this.held += r.value.length;
      }
    }
    if (this.held === 0) return null;
    const all = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    const take = Math.min(this.size, all.length);
    const chunk = all.subarray(0, take);
    const rest = all.subarray(take);
    this.parts = rest.length > 0 ? [rest] : [];
    this.held = rest.length;
    return chunk;
  }
}

/** Sends a snapshot to `deliver` under nats-server's flow control; resolves when the end message is sent. */
async function sendSnapshot(wire: SnapshotWire, stream: string, deliver: string, chunkSize: number, windowSize: number, bytes: AsyncGenerator<Buffer>, log: Logger): Promise<string> {
  const replies = wire.replies;
  const chunk = clamp(chunkSize === 0 ? DEFAULT_CHUNK : chunkSize, 1024, 1024 * 1024);
  const window = Math.max(clamp(windowSize === 0 ? DEFAULT_WINDOW : windowSize, 1024, 32 * 1024 * 1024), chunk);
  let slots = Math.floor(window / chunk);
  let wake: (() => void) | null = null;
  const nap = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(t);
        wake = null;
        resolve();
      };
    });
  // Interest in the deliver subject: allow the receiver a moment to subscribe.
  for (const until = Date.now() + INTEREST_WAIT_MS; !replies.hasSubscriber(deliver) && Date.now() < until; ) await nap(20);
  // As nats-server: without a subscriber after the wait it sends anyway; once there was one, its
  // going away ends the snapshot.
  let subscribed = replies.hasSubscriber(deliver);
  const gone = (): boolean => {
    const now = replies.hasSubscriber(deliver);
    if (now) subscribed = true;
    return subscribed && !now;
  };
  const ackSubject = `$JS.SNAPSHOT.ACK.${stream}.${nuid()}`;
  const unsubscribe = wire.subscribe(`${ackSubject}.>`, undefined, () => {
    slots++;
    wake?.();
  });
  const cutter = new ChunkCutter(bytes, chunk);
  let end: Buffer | null = null;
  let failure = '';
  let sent = 0;
  try {
    for (let index = 1; ; ) {
      // A slot in the window, the receiver still there, an ack within the timeout.
      const deadline = Date.now() + ACK_TIMEOUT_MS;
      let stop: string | null = null;
      while (slots <= 0) {
        if (gone()) {
          stop = 'NATS/1.0 408 No Interest';
          break;
        }
        if (Date.now() >= deadline) {
          stop = 'NATS/1.0 408 No Flow Response';
          break;
        }
        await nap(Math.min(100, Math.max(1, deadline - Date.now())));
      }
      if (stop === null && gone()) stop = 'NATS/1.0 408 No Interest';
      if (stop !== null) {
        end = Buffer.from(`${stop}\r\n\r\n`, 'latin1');
        failure = stop === 'NATS/1.0 408 No Interest' ? 'no interest' : 'no flow response';
        log.warn({ stream, reason: stop.slice(13) }, 'snapshot stopped');
        break;
      }
      let c: Buffer | null;
      try {
        c = await cutter.next();
      } catch (err) {
        const text = err instanceof Error ? err.message : String(err);
        failure = text;
        end = Buffer.from(`NATS/1.0 500 ${text.replace(/[\r\n]+/g, ' ')}\r\n\r\n`, 'latin1');
        log.warn({ stream, err }, 'snapshot failed');
        break;
      }
      if (c === null) break;
      if (c.length < chunk) {
        // The last, shorter chunk: no ack asked for.
        replies.message(deliver, undefined, EMPTY, Buffer.from(c));
        sent += c.length;
        break;
      }
      slots--;
      replies.message(deliver, `${ackSubject}.${c.length}.${index}`, EMPTY, Buffer.from(c));
      sent += c.length;
      end ??= Buffer.from('NATS/1.0 204\r\n\r\n', 'latin1');
      index++;
    }
  } finally {
    unsubscribe();
    await bytes.return(undefined).catch(() => {});
  }
  replies.message(deliver, undefined, end ?? EMPTY, EMPTY);
  log.info({ stream, bytes: sent }, 'snapshot sent');
  return failure;
}

/** One restore in progress: the chunks received on its deliver subject, until the end message. */
/** A restore the registry refused to start (its error is the answer). */
class RestoreRefused extends Error {
  constructor(readonly err: JsApiError) {
    super(err.description);
  }
}

/**
 * One restore in progress: the chunks received on its deliver subject are decoded as they come
 * (StreamBackupReader); once the manifest is in, the registry creates the topic and each log
 * entry is appended when complete, before the chunk that completed it is acknowledged (the
 * client's next chunk waits for that: the backpressure). So only one entry is held at a time.
 * A failure answers the chunk with the error and removes what was restored; a client that stops
 * sending for 5 s ("stalled") or sends without a reply subject has its partial restore removed.
 */
class RestoreSession {
  private readonly reader = new StreamBackupReader();
  private handle: RestoreHandle | null = null;
  private work: Promise<void> = Promise.resolve();
  private failed = false;
  private bytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private done = false;

  constructor(
    private readonly ctx: JetStreamContext,
    private readonly wire: SnapshotWire,
    private readonly input: StreamConfigInput,
    private readonly name: string,
    readonly deliver: string,
    private readonly log: Logger,
    /** The requester and domain of the RESTORE_CREATE/COMPLETE advisories. */
    private readonly advisory: { client: GoJson; domain: string | undefined },
  ) {}

  private readonly started = Date.now();

  /** RESTORE_COMPLETE, sent when the restore is answered (either way), as nats-server does. */
  private completed(): void {
    publishAdvisory(this.wire.replies, `$JS.EVENT.ADVISORY.STREAM.RESTORE_COMPLETE.${this.name}`, 'restore_complete', () => ({
      stream: this.name,
      start: goTime(this.started),
      end: goTime(Date.now()),
      bytes: this.bytes,
      client: this.advisory.client,
      domain: this.advisory.domain,
    }));
  }

  start(): void {
    this.unsubscribe = this.wire.subscribe(this.deliver, undefined, (_s, reply, hdrLen, msg) => this.onChunk(reply, msg.subarray(hdrLen)));
    this.arm();
  }

  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.abandon(`restore for stream '${this.ctx.account} > ${this.name}' is stalled`), RESTORE_IDLE_MS);
    this.timer.unref();
  }

  /** Ends the session without a stream: what was restored so far is removed. */
  private abandon(why: string): void {
    if (this.done) return;
    this.stop();
    this.log.warn({ stream: this.name, bytes: this.bytes }, why);
    this.work = this.work.then(() => this.handle?.abort()).catch((err: unknown) => this.log.error({ err, stream: this.name }, 'removing an abandoned restore failed'));
  }

  private stop(): void {
    this.done = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private onChunk(reply: string | undefined, data: Buffer): void {
    if (this.done) return;
    if (reply === undefined || reply === '') {
      this.abandon(`restore for stream '${this.ctx.account} > ${this.name}' requires reply subject for each chunk`);
      return;
    }
    if (data.length === 0) {
      this.stop();
      this.work = this.work.then(() => this.finish(reply)).catch((err: unknown) => this.log.error({ err, stream: this.name }, 'restore failed'));
      return;
    }
    const copy = Buffer.from(data);
    this.bytes += copy.length;
    // No stall while a chunk is being restored: the timer runs from its acknowledgement.
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.work = this.work.then(() => this.consume(copy, reply));
  }

  /** Decodes one chunk and appends the log entries it completes; then acknowledges it. */
  private async consume(data: Buffer, reply: string): Promise<void> {
    if (this.failed) return;
    try {
      const entries = this.reader.push(data);
      if (this.handle === null && this.reader.manifest !== null) {
        const h = await this.ctx.streams.beginRestore(this.input, this.reader.manifest);
        if ('err_code' in h) throw new RestoreRefused(h);
        this.handle = h;
      }
      for (const e of entries) await this.handle!.append(e);
    } catch (e) {
      this.failed = true;
      this.stop();
      await this.handle?.abort().catch(() => {});
      // As nats-server: the chunk that failed is answered with the error.
      this.fail(reply, e instanceof RestoreRefused ? e.err : jsError('JSStreamRestoreErrF', { err: e instanceof Error ? e.message : String(e) }));
      return;
    }
    if (!this.done) this.arm();
    this.wire.replies.empty(reply);
  }

  private answer(reply: string, body: { [key: string]: GoJson | undefined }): void {
    this.completed();
    this.wire.replies.message(reply, undefined, EMPTY, Buffer.from(goJson({ type: CREATE_RESPONSE, ...body }), 'utf8'));
  }

  private fail(reply: string, err: JsApiError): void {
    this.log.warn({ stream: this.name, bytes: this.bytes, error: err.description }, 'restore failed');
    this.answer(reply, { error: { code: err.code, err_code: err.err_code, description: err.description } });
  }

  private async finish(reply: string): Promise<void> {
    if (this.failed) return;
    const started = Date.now();
    let whole: StreamBackup | null;
    try {
      whole = this.reader.end(this.name);
    } catch (e) {
      await this.handle?.abort();
      return this.fail(reply, jsError('JSStreamRestoreErrF', { err: e instanceof Error ? e.message : String(e) }));
    }
    // A nats-server archive is restored whole now; a Wharf snapshot's entries are in already.
    const r = whole !== null ? await this.ctx.streams.restore(this.input, whole) : await this.handle!.finish();
    if ('err_code' in r) return this.fail(reply, r);
    let consumers = 0;
    const fromNats = whole?.natsConsumers !== undefined && whole.natsConsumers.length > 0 && this.ctx.consumers.restoreInputs !== undefined;
    const own = this.reader.manifest?.consumers ?? [];
    if (fromNats || (own.length > 0 && this.ctx.consumers.restore !== undefined)) {
      try {
        if (fromNats) consumers = await this.ctx.consumers.restoreInputs!(r.name, natsConsumers(whole!.natsConsumers!, this.log));
        else consumers = await this.ctx.consumers.restore!(r.name, own);
      } catch (e) {
        this.log.warn({ err: e, stream: this.name }, 'restoring the consumers failed: the stream is removed');
        await this.ctx.streams.delete(r.name).catch(() => false);
        return this.fail(reply, jsError('JSStreamRestoreErrF', { err: e instanceof Error ? e.message : String(e) }));
      }
    }
    const s = this.ctx.streams.get(r.name);
    if (s === undefined) return this.fail(reply, jsError('JSStreamRestoreErrF', { err: `restore for stream '${this.ctx.account} > ${this.name}' did not create a stream` }));
    this.log.info({ stream: this.name, bytes: this.bytes, consumers, ms: Date.now() - started }, 'stream restored');
    this.answer(reply, encodeStreamInfo(s, { version: this.ctx.version, level: this.ctx.apiLevel, dynamic: true }));
  }
}

/**
 * A nats-server snapshot's consumers ({"config", "state"}; the state has delivered, ack_floor,
 * pending {sseq: {Sequence, Timestamp}}, redelivered {sseq: count}) as configs the
 * API takes and Wharf's consumer state. Entries whose config does not decode are skipped.
 */
function natsConsumers(list: ReadonlyArray<Record<string, unknown>>, log: Logger): Array<{ name: string; input: ConsumerConfigInput; state: ConsumerSnapshot }> {
  const out: Array<{ name: string; input: ConsumerConfigInput; state: ConsumerSnapshot }> = [];
  for (const raw of list) {
    // 2.15 writes {"config": {...}, "state": {...}}; the flattened form is taken too.
    const nested = raw['config'] !== null && typeof raw['config'] === 'object';
    const { delivered, ack_floor: _floor, pending, redelivered, ...flat } = (nested ? raw['state'] ?? {} : raw) as Record<string, unknown>;
    void _floor;
    const config = nested ? (raw['config'] as Record<string, unknown>) : flat;
    const d = decodeGo(JSON.stringify({ config }), CREATE_CONSUMER_REQUEST, { strict: false });
    const name = String(config['durable_name'] ?? config['name'] ?? '');
    const input = d.ok ? consumerConfigInput((d.value['config'] as Record<string, unknown> | undefined) ?? {}) : { error: d.error };
    if ('error' in input || name === '') {
      log.warn({ consumer: name, error: 'error' in input ? input.error : 'no name' }, 'a consumer of the nats-server snapshot is not usable: not restored');
      continue;
    }
    if (input.durable_name === undefined && input.name === undefined) input.name = name;
    const pair = (v: unknown): { cseq: number; sseq: number } => {
      const o = (v ?? {}) as { consumer_seq?: number; stream_seq?: number };
      return { cseq: Number(o.consumer_seq ?? 0), sseq: Number(o.stream_seq ?? 0) };
    };
    const redeliveries = (redelivered ?? {}) as Record<string, number>;
    const pend: ConsumerSnapshot['pending'] = Object.entries((pending ?? {}) as Record<string, { Sequence?: number; Timestamp?: number }>)
      .map(([sseq, p]): [number, number, number, number, string] => [Number(sseq), Number(p.Sequence ?? 0), Math.floor(Number(p.Timestamp ?? 0) / 1e6), 1 + Number(redeliveries[sseq] ?? 0), ''])
      .sort((a, b) => a[0] - b[0]);
    out.push({ name, input, state: { delivered: pair(delivered), pending: pend, exceeded: [], lastDelivered: 0, lastAck: 0 } });
  }
  return out;
}

export function snapshotRoutes(ctx: JetStreamContext, wire: SnapshotWire, logger: Logger): ApiRoute[] {
  const log = logger.child({ component: 'jetstream-snapshots' });
  return [
    {
      pattern: 'STREAM.SNAPSHOT.*',
      type: 'stream_snapshot_response',
      async handle(req, reply) {
        if (isEmptyRequest(req.data)) return reply.error(jsError('JSBadRequestErr'));
        const name = req.tokens[2]!;
        const s = ctx.streams.get(name);
        if (s === undefined) return reply.error(jsError('JSStreamNotFoundErr'));
        const d = decodeOrReply(ctx, req, reply, SnapshotRequest);
        if (d === null) return;
        const deliver = (d['deliver_subject'] as string | undefined) ?? '';
        if (!isValidLiteralSubject(deliver)) return reply.error(jsError('JSSnapshotDeliverSubjectInvalidErr'));
        const source = await ctx.streams.backupSource(name);
        if (source === null) return reply.error(jsError('JSStreamNotFoundErr'));
        const consumers = d['no_consumers'] === true || ctx.consumers.backup === undefined ? [] : await ctx.consumers.backup(name);
        reply.ok({ config: encodeConfig(s.config, ctx.version, ctx.apiLevel, false), state: encodeState(s.state()) });
        const client = clientInfo(req.origin?.clientDetails?.(), ctx.serverName, ctx.account);
        const domain = ctx.domain !== undefined && ctx.domain !== '' ? ctx.domain : undefined;
        const start = Date.now();
        publishAdvisory(wire.replies, `$JS.EVENT.ADVISORY.STREAM.SNAPSHOT_CREATE.${name}`, 'snapshot_create', () => ({ stream: name, state: encodeState(s.state()), client, domain }));
        const manifest = { format: BACKUP_FORMAT, version: BACKUP_VERSION, ...source.manifest, consumers };
        const bytes = encodeStreamBackup(manifest, source.batches());
        void sendSnapshot(wire, name, deliver, (d['chunk_size'] as number | undefined) ?? 0, (d['window_size'] as number | undefined) ?? 0, bytes, log)
          .catch((err: unknown) => {
            log.error({ err, stream: name }, 'snapshot failed');
            return err instanceof Error ? err.message : String(err);
          })
          .then((error) => {
            publishAdvisory(wire.replies, `$JS.EVENT.ADVISORY.STREAM.SNAPSHOT_COMPLETE.${name}`, 'snapshot_complete', () => ({
              stream: name,
              start: goTime(start),
              end: goTime(Date.now()),
              client,
              domain,
              error: typeof error === 'string' && error !== '' ? error : undefined,
            }));
          });
      },
    },
    {
      pattern: 'STREAM.RESTORE.*',
      type: 'stream_restore_response',
      errorFields: { deliver_subject: '' },
      handle(req, reply) {
        const none = { deliver_subject: '' };
        if (isEmptyRequest(req.data)) return reply.error(jsError('JSBadRequestErr'), none);
        const d = decodeOrReply(ctx, req, reply, RestoreRequest, none);
        if (d === null) return;
        const name = req.tokens[2]!;
        const cfg: Decoded = { ...((d['config'] as Decoded | undefined) ?? {}) };
        const badEnum = streamEnumError(cfg);
        if (badEnum !== null) return reply.error(jsError('JSInvalidJSONErr', { err: badEnum }), none);
        if (((cfg['name'] as string | undefined) ?? '') === '') cfg['name'] = name;
        if (cfg['name'] !== name) return reply.error(jsError('JSStreamMismatchErr'), none);
        if (/[\\/]/.test(name)) return reply.error(jsError('JSStreamNameContainsPathSeparatorsErr'), none);
        for (const k of UNSUPPORTED_STREAM_FIELDS) {
          const v = cfg[k];
          if (v !== undefined && v !== false && v !== '' && v !== 'default') return reply.error(jsError('JSStreamInvalidConfigF', { err: `${k} is not supported by this server` }), none);
        }
        const input = toStreamConfigInput(cfg);
        const checked = ctx.streams.restoreCheck(input);
        if ('err_code' in checked) return reply.error(checked, none);
        const client = clientInfo(req.origin?.clientDetails?.(), ctx.serverName, ctx.account);
        const domain = ctx.domain !== undefined && ctx.domain !== '' ? ctx.domain : undefined;
        publishAdvisory(wire.replies, `$JS.EVENT.ADVISORY.STREAM.RESTORE_CREATE.${name}`, 'restore_create', () => ({ stream: name, client, domain }));
        const session = new RestoreSession(ctx, wire, input, name, `$JS.SNAPSHOT.RESTORE.${name}.${nuid()}`, log, { client, domain });
        session.start();
        reply.ok({ deliver_subject: session.deliver });
      },
    },
  ];
}

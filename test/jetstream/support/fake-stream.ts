// An in-memory StreamView and StreamRegistry for tests of the consumer coordinator without the
// wire and without the stream implementation: messages in an array, removals as holes, the
// change events the real streams emit. Only what consumers use is implemented for real.
import type {
  JsApiError,
  PurgeRequest,
  StoredMessage,
  StreamConfig,
  StreamConsumerHooks,
  StreamEvent,
  StreamRegistry,
  StreamRegistryEvent,
  StreamState,
  StreamView,
  SubjectFilter,
} from '../../../src/core/streams/types.js';
import type { SubscriptionOwner } from '../../../src/core/routing/router.js';
import { naiveSubjectMatch } from '../../support/subject-match.js';

export function streamConfig(name: string, over: Partial<StreamConfig> = {}): StreamConfig {
  return {
    name,
    subjects: [`${name.toLowerCase()}.>`],
    retention: 'limits',
    max_consumers: -1,
    max_msgs: -1,
    max_bytes: -1,
    max_age: 0n,
    max_msgs_per_subject: -1,
    max_msg_size: -1,
    discard: 'old',
    storage: 'file',
    num_replicas: 1,
    duplicate_window: 120_000_000_000n,
    compression: 'none',
    allow_direct: false,
    mirror_direct: false,
    sealed: false,
    deny_delete: false,
    deny_purge: false,
    allow_rollup_hdrs: false,
    consumer_limits: {},
    allow_msg_ttl: false,
    ...over,
  };
}

export class FakeStream implements StreamView {
  readonly created = Date.now();
  readonly msgs: Array<StoredMessage | null> = [];
  private first = 1;
  private readonly listeners = new Set<(ev: StreamEvent) => void>();
  hooks: StreamConsumerHooks | null = null;
  /** Reads made with scan() and get(), for tests that count them. */
  reads = 0;

  constructor(
    public config: StreamConfig,
    readonly topicId = Math.random().toString(16).slice(2).padEnd(32, '0'),
  ) {}

  get name(): string {
    return this.config.name;
  }

  readonly online = true;

  get firstSeq(): number {
    while (this.first <= this.msgs.length && this.msgs[this.first - 1] === null) this.first++;
    return this.first;
  }

  get lastSeq(): number {
    return this.msgs.length;
  }

  /** Appends messages and emits the appended event (interest retention asks the hooks first). */
  append(subject: string, data: string | Buffer, hdr: Buffer = Buffer.alloc(0), time = Date.now()): number {
    const seq = this.msgs.length + 1;
    this.msgs.push({ seq, subject, hdr, data: typeof data === 'string' ? Buffer.from(data) : data, time });
    this.emit({ kind: 'appended', first: seq, last: seq });
    if (this.config.retention === 'interest' && this.hooks !== null && !this.hooks.interested(subject, seq)) void this.removeAcked([seq]);
    return seq;
  }

  private emit(ev: StreamEvent): void {
    for (const l of [...this.listeners]) l(ev);
  }

  state(): StreamState {
    let messages = 0;
    for (const m of this.msgs) if (m !== null) messages++;
    return {
      messages,
      bytes: 0,
      first_seq: this.msgs.length === 0 ? 0 : this.firstSeq,
      first_ts: 0,
      last_seq: this.lastSeq,
      last_ts: 0,
      num_subjects: 0,
      num_deleted: 0,
      consumer_count: this.hooks?.consumerCount() ?? 0,
    };
  }

  capture(_s: string, _r: string | undefined, _h: number, _m: Buffer, _o: SubscriptionOwner | null): boolean {
    return false;
  }

  private live(seq: number): StoredMessage | null {
    if (seq < 1 || seq > this.msgs.length) return null;
    return this.msgs[seq - 1] ?? null;
  }

  async get(seq: number): Promise<StoredMessage | null> {
    this.reads++;
    await Promise.resolve();
    return this.live(seq);
  }

  async next(seq: number, filter: SubjectFilter | null): Promise<StoredMessage | null> {
    const s = this.nextSeq(seq, filter);
    return s === 0 ? null : this.live(s);
  }

  nextSeq(seq: number, filter: SubjectFilter | null): number {
    for (let s = Math.max(seq, 1); s <= this.msgs.length; s++) {
      const m = this.msgs[s - 1];
      if (m && (filter === null || filter.matches(m.subject))) return s;
    }
    return 0;
  }

  async last(subject: string): Promise<StoredMessage | null> {
    const s = this.lastSeqOf(subject);
    return s === 0 ? null : this.live(s);
  }

  lastSeqOf(subject: string): number {
    for (let s = this.msgs.length; s >= 1; s--) {
      const m = this.msgs[s - 1];
      if (m && naiveSubjectMatch(subject, m.subject)) return s;
    }
    return 0;
  }

  lastSeqs(filter: SubjectFilter | null): number[] {
    const last = new Map<string, number>();
    for (const m of this.msgs) if (m && (filter === null || filter.matches(m.subject))) last.set(m.subject, m.seq);
    return [...last.values()].sort((a, b) => a - b);
  }

  async readMany(seq: number, filter: SubjectFilter | null, max: number, fn: (m: StoredMessage) => boolean): Promise<number> {
    this.reads++;
    await Promise.resolve();
    let n = 0;
    for (let s = Math.max(seq, 1); s <= this.msgs.length && n < max; s++) {
      const m = this.msgs[s - 1];
      if (!m || (filter !== null && !filter.matches(m.subject))) continue;
      if (!fn(m)) break;
      n++;
    }
    return n;
  }

  count(fromSeq: number, filter: SubjectFilter | null, lastPerSubject: boolean): number {
    if (lastPerSubject) return this.lastSeqs(filter).filter((s) => s >= fromSeq).length;
    let n = 0;
    for (let s = Math.max(fromSeq, 1); s <= this.msgs.length; s++) {
      const m = this.msgs[s - 1];
      if (m && (filter === null || filter.matches(m.subject))) n++;
    }
    return n;
  }

  subjectOf(seq: number): string | null {
    return this.live(seq)?.subject ?? null;
  }

  sizeOf(seq: number): number {
    const m = this.live(seq);
    return m === null ? 0 : m.subject.length + m.hdr.length + m.data.length + 16;
  }

  async seqForTime(timeMs: number): Promise<number> {
    for (const m of this.msgs) if (m && m.time >= timeMs) return m.seq;
    return this.lastSeq + 1;
  }

  async delete(seq: number): Promise<boolean> {
    if (this.live(seq) === null) return false;
    this.msgs[seq - 1] = null;
    this.emit({ kind: 'removed', reason: 'delete', firstSeq: this.firstSeq, seqs: [seq] });
    return true;
  }

  async purge(_req: PurgeRequest): Promise<number> {
    let n = 0;
    for (let i = 0; i < this.msgs.length; i++) {
      if (this.msgs[i] !== null) n++;
      this.msgs[i] = null;
    }
    this.emit({ kind: 'removed', reason: 'purge', firstSeq: this.firstSeq, seqs: [] });
    return n;
  }

  removedByAck: number[] = [];

  async removeAcked(seqs: readonly number[]): Promise<void> {
    await Promise.resolve();
    const gone: number[] = [];
    for (const s of seqs) {
      if (this.live(s) === null) continue;
      this.msgs[s - 1] = null;
      gone.push(s);
      this.removedByAck.push(s);
    }
    if (gone.length > 0) this.emit({ kind: 'removed', reason: 'ack', firstSeq: this.firstSeq, seqs: gone.filter((s) => s >= this.firstSeq) });
  }

  onChange(listener: (ev: StreamEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setConsumerHooks(hooks: StreamConsumerHooks | null): void {
    this.hooks = hooks;
  }

  subjects(): Map<string, number> {
    return new Map();
  }

  deleted(): number[] {
    return [];
  }
}


export class FakeRegistry implements StreamRegistry {
  readonly streams = new Map<string, FakeStream>();
  private readonly listeners = new Set<(ev: StreamRegistryEvent) => void>();

  add(s: FakeStream): FakeStream {
    this.streams.set(s.name, s);
    for (const l of this.listeners) l({ kind: 'created', stream: s });
    return s;
  }

  async create(): Promise<JsApiError> {
    return { code: 500, err_code: 10052, description: 'not in the fake' };
  }

  async update(): Promise<JsApiError> {
    return { code: 500, err_code: 10052, description: 'not in the fake' };
  }

  async delete(name: string): Promise<boolean> {
    const s = this.streams.get(name);
    if (!s) return false;
    this.streams.delete(name);
    for (const l of this.listeners) l({ kind: 'deleted', stream: s });
    return true;
  }

  get(name: string): StreamView | undefined {
    return this.streams.get(name);
  }

  names(): string[] {
    return [...this.streams.keys()].sort();
  }

  capturing(): StreamView | undefined {
    return undefined;
  }

  onChange(listener: (ev: StreamRegistryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

// The consumer protocol's embedded formats of a classic group (ConsumerProtocolSubscription v1,
// ConsumerProtocolAssignment v1), so that broker tools reading the group (kafka-consumer-groups
// --describe) see the topics and partitions; the stream assignor's own data (process id, tasks
// held, standby tasks, follow-up rebalance) travels as JSON in their user data.

export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: number[];
}

export interface Subscription {
  readonly topics: string[];
  readonly userData: Buffer;
  readonly ownedPartitions: TopicPartitions[];
}

export interface Assignment {
  readonly partitions: TopicPartitions[];
  readonly userData: Buffer;
}

class Writer {
  private readonly parts: Buffer[] = [];
  int16(n: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(n);
    this.parts.push(b);
    return this;
  }
  int32(n: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(n);
    this.parts.push(b);
    return this;
  }
  string(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.int16(b.length);
    this.parts.push(b);
    return this;
  }
  bytes(b: Buffer): this {
    this.int32(b.length);
    this.parts.push(b);
    return this;
  }
  topicPartitions(list: TopicPartitions[]): this {
    this.int32(list.length);
    for (const tp of list) {
      this.string(tp.topic);
      this.int32(tp.partitions.length);
      for (const p of tp.partitions) this.int32(p);
    }
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  private at = 0;
  constructor(private readonly b: Buffer) {}
  get remaining(): number {
    return this.b.length - this.at;
  }
  int16(): number {
    const v = this.b.readInt16BE(this.at);
    this.at += 2;
    return v;
  }
  int32(): number {
    const v = this.b.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  string(): string {
    const n = this.int16();
    const s = this.b.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }
  bytes(): Buffer {
    const n = this.int32();
    if (n < 0) return Buffer.alloc(0);
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  topicPartitions(): TopicPartitions[] {
    const n = this.int32();
    const out: TopicPartitions[] = [];
    for (let i = 0; i < n; i++) {
      const topic = this.string();
      const m = this.int32();
      const partitions: number[] = [];
      for (let j = 0; j < m; j++) partitions.push(this.int32());
      out.push({ topic, partitions });
    }
    return out;
  }
}

export function encodeSubscription(s: Subscription): Buffer {
  const w = new Writer().int16(1).int32(s.topics.length);
  for (const t of s.topics) w.string(t);
  return w.bytes(s.userData).topicPartitions(s.ownedPartitions).done();
}

export function decodeSubscription(b: Buffer): Subscription {
  const r = new Reader(b);
  const version = r.int16();
  const n = r.int32();
  const topics: string[] = [];
  for (let i = 0; i < n; i++) topics.push(r.string());
  const userData = r.bytes();
  const ownedPartitions = version >= 1 && r.remaining >= 4 ? r.topicPartitions() : [];
  return { topics, userData, ownedPartitions };
}

export function encodeAssignment(a: Assignment): Buffer {
  return new Writer().int16(1).topicPartitions(a.partitions).bytes(a.userData).done();
}

export function decodeAssignment(b: Buffer): Assignment {
  if (b.length < 2) return { partitions: [], userData: Buffer.alloc(0) };
  const r = new Reader(b);
  r.int16();
  const partitions = r.topicPartitions();
  const userData = r.remaining >= 4 ? r.bytes() : Buffer.alloc(0);
  return { partitions, userData };
}

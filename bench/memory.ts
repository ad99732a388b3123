// Memory benchmark (issue 15): writes GB of 1 KB records across P partitions of one topic into a
// fresh broker (`node dist/src/cli/main.js`, a temp data directory) and reports, every N MB
// acknowledged, the broker's RSS (/proc/PID/status), its V8 heap and external memory and the
// bytes of its caches as it accounts them (from /metrics), as a curve: memory that grows with
// data written shows as a rising RSS column, a bounded broker as a flat one.
//
// The producer is a minimal Kafka client of its own (Produce v3, acks=1, one prebuilt batch of
// 256 records per partition resent over and over, several requests in flight), so that the
// client costs little and the broker, not the client, sets the pace; the broker's CPU time per
// record (utime+stime from /proc over the run) is reported with the rate.
//
//   npm run bench:memory -- [--gb 10] [--partitions 100] [--every-mb 512] [--fsync never] [--dir DIR]
//     [--broker PATH/dist/src/cli/main.js]  (another build of the broker, e.g. before a change)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRecordBatch } from '../src/core/records/batch.js';
import { benchArgs, positiveInt, positiveNumber } from './args.js';
import { cpuSeconds } from './load.js';
import { atExit, start } from './procs.js';

const MB = 1024 * 1024;
const RECORD = 1024;
const RECORDS_PER_BATCH = 256;
const PARTITIONS_PER_REQUEST = 8;
const IN_FLIGHT = 4;
const TOPIC = 'memory-bench';

const USAGE = 'node dist/bench/memory.js [--gb 10] [--partitions 100] [--every-mb 512] [--fsync never|always|interval] [--dir DIR] [--broker PATH/main.js of another build]';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The samples of the /metrics families the curve shows, by name and label. */
async function scrape(httpPort: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(nodejs_heap_size_used_bytes|nodejs_heap_size_total_bytes|nodejs_external_memory_bytes|wharf_cache_bytes|wharf_cache_limit_bytes)(\{cache="(\w+)"\})? (\S+)$/.exec(line);
    if (m) out[m[3] ? `${m[1]}.${m[3]}` : m[1]!] = Number(m[4]);
  }
  return out;
}

/** One Produce v3 request (acks=1) carrying `batch` for each of `partitions`. */
function produceRequest(correlationId: number, partitions: readonly number[], batch: Buffer): Buffer {
  const clientId = Buffer.from('wharf-bench-memory');
  const topic = Buffer.from(TOPIC);
  const size = 2 + 2 + 4 + 2 + clientId.length + 2 + 2 + 4 + 4 + 2 + topic.length + 4 + partitions.length * (4 + 4 + batch.length);
  const out = Buffer.allocUnsafe(4 + size);
  let p = 0;
  p = out.writeInt32BE(size, p);
  p = out.writeInt16BE(0, p); // Produce
  p = out.writeInt16BE(3, p);
  p = out.writeInt32BE(correlationId, p);
  p = out.writeInt16BE(clientId.length, p);
  p += clientId.copy(out, p);
  p = out.writeInt16BE(-1, p); // transactional id
  p = out.writeInt16BE(1, p); // acks
  p = out.writeInt32BE(30_000, p);
  p = out.writeInt32BE(1, p);
  p = out.writeInt16BE(topic.length, p);
  p += topic.copy(out, p);
  p = out.writeInt32BE(partitions.length, p);
  for (const partition of partitions) {
    p = out.writeInt32BE(partition, p);
    p = out.writeInt32BE(batch.length, p);
    p += batch.copy(out, p);
  }
  return out;
}

/** Error codes of a Produce v3 response body (after the correlation id). */
function produceErrors(body: Buffer): number[] {
  let p = 0;
  const topics = body.readInt32BE(p);
  p += 4;
  const errors: number[] = [];
  for (let t = 0; t < topics; t++) {
    p += 2 + body.readInt16BE(p);
    const n = body.readInt32BE(p);
    p += 4;
    for (let i = 0; i < n; i++) {
      errors.push(body.readInt16BE(p + 4));
      p += 4 + 2 + 8 + 8;
    }
  }
  return errors;
}

/** A connection that sends requests and resolves each with its response body, in order. */
class Conn {
  private buf: Buffer = Buffer.alloc(0);
  private readonly waiting: Array<(body: Buffer) => void> = [];
  constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4) {
        const n = this.buf.readInt32BE(0);
        if (this.buf.length < 4 + n) break;
        const body = this.buf.subarray(8, 4 + n);
        this.buf = this.buf.subarray(4 + n);
        this.waiting.shift()?.(body);
      }
    });
  }
  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }
  request(frame: Buffer): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket.write(frame);
    });
  }
  close(): void {
    this.socket.destroy();
  }
}

interface Sample {
  writtenMiB: number;
  seconds: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  hotTail: number;
  index: number;
}

async function main(): Promise<void> {
  const args = benchArgs(process.argv.slice(2), ['gb', 'partitions', 'every-mb', 'fsync', 'dir', 'broker'], USAGE);
  const gb = args.values.gb ? positiveNumber('gb', args.values.gb) : args.quick ? 0.25 : 10;
  const partitions = args.values.partitions ? positiveInt('partitions', args.values.partitions) : 100;
  const everyMiB = args.values['every-mb'] ? positiveInt('every-mb', args.values['every-mb']) : args.quick ? 32 : 512;
  const fsync = args.values.fsync ?? 'never';
  const base = mkdtempSync(join(args.values.dir ?? tmpdir(), 'wharf-bench-memory-'));
  atExit(() => rmSync(base, { recursive: true, force: true }));
  const [natsPort, kafkaPort, httpPort] = [await freePort(), await freePort(), await freePort()];
  const broker = start(
    process.execPath,
    [
      args.values.broker ?? join(import.meta.dirname, '..', 'src', 'cli', 'main.js'),
      '--port', String(natsPort), '--kafka-port', String(kafkaPort), '--http-port', String(httpPort),
      '--data-dir', join(base, 'data'), '--fsync', fsync, '--num-partitions', String(partitions), '--log-level', 'warn',
    ],
    24 * 3600_000,
  );
  const pid = broker.child.pid!;
  for (let i = 0; ; i++) {
    try {
      await scrape(httpPort);
      break;
    } catch {
      if (i > 600) throw new Error(`the broker did not start: ${broker.out()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const idle = rssMiB(pid);
  const records = [];
  const value = Buffer.alloc(RECORD, 'x');
  for (let i = 0; i < RECORDS_PER_BATCH; i++) records.push({ value });
  const batch = buildRecordBatch({ records });
  const conn = await Conn.open(kafkaPort);
  let correlation = 0;
  // The first produce creates the topic (auto-create with --num-partitions); retry until it is there.
  for (let i = 0; ; i++) {
    const errors = produceErrors(await conn.request(produceRequest(++correlation, [0], batch)));
    if (errors.every((e) => e === 0)) break;
    if (i > 100) throw new Error(`produce keeps failing: error codes ${errors.join(',')}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const target = gb * 1024 * MB;
  const requestBytes = PARTITIONS_PER_REQUEST * batch.length;
  let acked = batch.length;
  let nextPartition = 1;
  let nextSample = 0;
  const samples: Sample[] = [];
  const t0 = performance.now();
  const cpu0 = cpuSeconds(pid) ?? NaN;
  const load: number[] = [];
  const sample = async () => {
    const m = await scrape(httpPort);
    load.push(loadavg()[0]!);
    samples.push({
      writtenMiB: acked / MB,
      seconds: (performance.now() - t0) / 1000,
      rss: rssMiB(pid),
      heapUsed: (m.nodejs_heap_size_used_bytes ?? NaN) / MB,
      heapTotal: (m.nodejs_heap_size_total_bytes ?? NaN) / MB,
      external: (m.nodejs_external_memory_bytes ?? NaN) / MB,
      hotTail: (m['wharf_cache_bytes.hot_tail'] ?? NaN) / MB,
      index: (m['wharf_cache_bytes.index'] ?? NaN) / MB,
    });
    const s = samples[samples.length - 1]!;
    console.error(`${s.writtenMiB.toFixed(0)} MiB in ${s.seconds.toFixed(0)} s: RSS ${s.rss.toFixed(1)} MiB, heap ${s.heapUsed.toFixed(1)}/${s.heapTotal.toFixed(1)}, external ${s.external.toFixed(1)}, caches ${s.hotTail.toFixed(1)} + ${s.index.toFixed(1)} MiB`);
  };
  await sample();
  nextSample = everyMiB * MB;
  const worker = async () => {
    while (acked < target) {
      const parts: number[] = [];
      for (let i = 0; i < PARTITIONS_PER_REQUEST; i++) {
        parts.push(nextPartition);
        nextPartition = (nextPartition + 1) % partitions;
      }
      const errors = produceErrors(await conn.request(produceRequest(++correlation, parts, batch)));
      if (errors.some((e) => e !== 0)) throw new Error(`produce failed: error codes ${errors.join(',')}`);
      acked += requestBytes;
      if (acked >= nextSample) {
        nextSample += everyMiB * MB;
        await sample();
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = (cpuSeconds(pid) ?? NaN) - cpu0;
  const recordsWritten = (acked / batch.length) * RECORDS_PER_BATCH;
  await sample();
  conn.close();
  const limits = await scrape(httpPort);
  await broker.kill(10_000);

  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
  const lines = [
    `${(acked / 1024 / MB).toFixed(2)} GiB of ${RECORD} B records (${RECORDS_PER_BATCH} a batch) into ${partitions} partitions of one topic, fsync ${fsync}, acks=1, ${IN_FLIGHT} requests of ${PARTITIONS_PER_REQUEST} batches in flight; ` +
      `${(acked / MB / seconds).toFixed(0)} MiB/s, broker CPU ${((cpu / recordsWritten) * 1e6).toFixed(2)} µs per record (${((cpu / seconds) * 100).toFixed(0)} % of a core); ` +
      `idle RSS before the writes ${f(idle)} MiB; cache bounds: hot tails ${f((limits['wharf_cache_limit_bytes.hot_tail'] ?? NaN) / MB)} MiB, indexes ${f((limits['wharf_cache_limit_bytes.index'] ?? NaN) / MB)} MiB; ` +
      `load average (1 min) ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} on ${(await import('node:os')).cpus().length} cores.`,
    '',
    '| written (MiB) | time (s) | RSS (MiB) | heap used (MiB) | heap total (MiB) | external (MiB) | hot tails (MiB) | indexes (MiB) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...samples.map((s) => `| ${s.writtenMiB.toFixed(0)} | ${s.seconds.toFixed(0)} | ${f(s.rss)} | ${f(s.heapUsed)} | ${f(s.heapTotal)} | ${f(s.external)} | ${f(s.hotTail)} | ${f(s.index)} |`),
  ];
  console.log(lines.join('\n'));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

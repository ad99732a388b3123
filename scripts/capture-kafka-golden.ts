/**
 * Captures golden Kafka protocol frames from the reference Apache Kafka 4.4 broker and real
 * clients (the Java producer, consumer and admin client 4.4, and kcat/librdkafka), for
 * test/kafka/golden-kafka44.test.ts. Run by hand, not in CI:
 *
 *   . scripts/peers/env.sh && npx tsc -p tsconfig.json && node dist/scripts/capture-kafka-golden.js [--no-clamp]
 *
 * It starts Kafka (test/support/kafka.ts) advertising a recording TCP proxy on loopback, so
 * every connection of every client (and the broker's own connections to its advertised
 * listener: transaction markers, partition verification) goes through the proxy. The proxy
 * splits both directions into frames by their 4-byte size prefix, remembers each request's api
 * key and version by correlation id, and labels the response with them.
 *
 * By default the proxy clamps the broker's ApiVersions response (in place, same size) to the
 * versions Wharf's generated codec knows, so the clients pick versions the codec can decode,
 * as they do against Wharf; the ApiVersions response fixture is the broker's original bytes.
 * --no-clamp leaves the negotiation alone.
 *
 * Output: test/kafka/golden/<api>-v<version>-<request|response>-<source>[-<variant>].bin (the
 * frame as on the wire, size prefix included) and index.json. One exchange (request and its
 * response) is kept per api, version, source and variant (Produce: the compression codec, and
 * "txn" for transactional batches; Fetch: "read_committed"): the largest under a size cap.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decodeRequestFrame } from '../src/kafka/protocol/codec.js';
import { FrameSplitter } from '../src/kafka/protocol/frame.js';
import { requestHeaderVersion, responseHeaderVersion } from '../src/kafka/protocol/header.js';
import { apis, type FetchRequest } from '../src/kafka/protocol/messages/index.js';
import { BATCH_HEADER_SIZE, batchCompression, batchDefect, batchIsTransactional, batchSize } from '../src/core/records/batch.js';
import { compressionName } from '../src/core/records/compression.js';
import { startKafka } from '../test/support/kafka.js';
import { findPeer, requirePeer } from '../test/support/peers.js';
import { repoRoot } from '../test/support/wharf.js';

const OUT_DIR = join(repoRoot(), 'test', 'kafka', 'golden');
/** Largest frame kept (either direction); the whole set stays a few hundred KB. */
const MAX_FRAME = 24 * 1024;
const CLAMP = !process.argv.includes('--no-clamp');

interface Exchange {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  source: string;
  phase: string;
  /** The frame with its size prefix; null when over MAX_FRAME. */
  request: Buffer | null;
  requestSize: number;
  /** As the broker sent it (an ApiVersions response before clamping); null when over MAX_FRAME. */
  response?: Buffer | null;
  responseSize?: number;
  /** Set at selection: Produce codecs (+ "-txn"), Fetch "read_committed". */
  variant?: string;
}

const exchanges: Exchange[] = [];
let current = { source: 'none', phase: 'none' };
const clientIds = new Map<string, number>();

// ---------------------------------------------------------------- proxy

function sourceOf(clientId: string | null, fallback: string): string {
  // The broker's own clients reach it through its advertised listener, i.e. through us.
  if (clientId !== null && /^broker-\d+|AddPartitionsManager/.test(clientId)) return 'broker';
  return fallback;
}

function readClientId(frame: Buffer, apiKey: number, apiVersion: number): string | null {
  if (requestHeaderVersion(apiKey, apiVersion) < 1 || frame.length < 10) return null;
  const n = frame.readInt16BE(8);
  return n < 0 ? null : frame.toString('utf8', 10, 10 + n);
}

/** Lowers each max version in a v3+ (flexible) or v0-2 ApiVersions response body in place. */
function clampApiVersions(frame: Buffer, version: number): void {
  let pos = 4; // correlation id (response header v0)
  pos += 2; // error code
  let count: number;
  if (version >= 3) {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = frame[pos++]!;
      v |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
    }
    count = v - 1;
  } else {
    count = frame.readInt32BE(pos);
    pos += 4;
  }
  for (let i = 0; i < count; i++) {
    const key = frame.readInt16BE(pos);
    const max = frame.readInt16BE(pos + 4);
    const api = apis[key];
    if (api !== undefined) {
      const codecMax = api.latestVersionUnstable ? api.maxVersion - 1 : api.maxVersion;
      if (max > codecMax) frame.writeInt16BE(codecMax, pos + 4);
    }
    pos += 6;
    if (version >= 3) {
      const tags = frame[pos++]!; // per-entry tagged fields: none expected
      if (tags !== 0) throw new Error('ApiVersions entry with tagged fields: not clamped');
    }
  }
}

function startProxy(upstream: Promise<number>): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.pause();
    const pending = new Map<number, Exchange>();
    let source = current.source;
    const phase = current.phase;
    void upstream.then((port) => {
      const up = connect(port, '127.0.0.1');
      sockets.add(up);
      const toBroker = new FrameSplitter();
      const toClient = new FrameSplitter();
      const close = () => {
        client.destroy();
        up.destroy();
        sockets.delete(client);
        sockets.delete(up);
      };
      client.on('error', close).on('close', close);
      up.on('error', close).on('close', close);
      client.on('data', (chunk: Buffer) => {
        up.write(chunk);
        toBroker.push(chunk, (frame) => {
          const apiKey = frame.readInt16BE(0);
          const apiVersion = frame.readInt16BE(2);
          const correlationId = frame.readInt32BE(4);
          const clientId = readClientId(frame, apiKey, apiVersion);
          source = sourceOf(clientId, source);
          clientIds.set(`${source} ${clientId}`, (clientIds.get(`${source} ${clientId}`) ?? 0) + 1);
          const ex: Exchange = {
            apiKey,
            apiVersion,
            correlationId,
            clientId,
            source,
            phase,
            request: frame.length + 4 <= MAX_FRAME ? withPrefix(frame) : null,
            requestSize: frame.length + 4,
          };
          exchanges.push(ex);
          pending.set(correlationId, ex);
        });
      });
      // Responses are re-framed here (not forwarded chunk by chunk) so that an ApiVersions
      // response can be clamped before the client sees it.
      up.on('data', (chunk: Buffer) => {
        toClient.push(chunk, (frame) => {
          const correlationId = frame.readInt32BE(0);
          const ex = pending.get(correlationId);
          pending.delete(correlationId);
          const copy = withPrefix(frame);
          if (ex !== undefined) {
            ex.response = copy.length <= MAX_FRAME ? Buffer.from(copy) : null;
            ex.responseSize = copy.length;
            if (ex.apiKey === 18 && CLAMP && copy.readInt16BE(8) === 0) clampApiVersions(copy.subarray(4), ex.apiVersion);
          } else {
            console.error(`response with unknown correlation id ${correlationId} (${source}/${phase})`);
          }
          client.write(copy);
        });
      });
      up.on('connect', () => client.resume());
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function withPrefix(frame: Buffer): Buffer {
  const b = Buffer.allocUnsafe(frame.length + 4);
  b.writeInt32BE(frame.length, 0);
  frame.copy(b, 4);
  return b;
}

// ---------------------------------------------------------------- clients

const JAVA_SOURCE = String.raw`
import java.time.Duration;
import java.util.*;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.serialization.*;

public class GoldenSession {
  static String bs;
  interface Step { void run() throws Exception; }
  static void step(String what, Step s) {
    try { s.run(); System.out.println("ok " + what); }
    catch (Exception e) { System.out.println("failed " + what + ": " + e); }
  }
  static Properties common() {
    Properties p = new Properties();
    p.put("bootstrap.servers", bs);
    p.put("request.timeout.ms", "10000");
    p.put("default.api.timeout.ms", "15000");
    return p;
  }
  public static void main(String[] a) throws Exception {
    bs = a[0];
    switch (a[1]) {
      case "admin-setup": adminSetup(a.length > 2 && a[2].equals("tv1")); break;
      case "produce": produce(a[2]); break;
      case "txn": txn(); break;
      case "consume": consume(a[2], a[3]); break;
      case "consume-committed": consumeCommitted(); break;
      case "admin-inspect": adminInspect(); break;
      default: throw new IllegalArgumentException(a[1]);
    }
  }
  static void adminSetup(boolean tv1) {
    try (Admin admin = Admin.create(common())) {
      // Produce v12 (which the clamped clients do not use) is what transaction.version 2 needs.
      if (tv1) step("updateFeatures transaction.version=1", () -> admin.updateFeatures(Map.of("transaction.version",
        new FeatureUpdate((short) 1, FeatureUpdate.UpgradeType.SAFE_DOWNGRADE)), new UpdateFeaturesOptions()).all().get(20, TimeUnit.SECONDS));
      step("createTopics", () -> admin.createTopics(List.of(
        new NewTopic("golden", 1, (short) 1),
        new NewTopic("golden-txn", 2, (short) 1),
        new NewTopic("golden-scratch", 1, (short) 1).configs(Map.of("retention.ms", "3600000")))).all().get(20, TimeUnit.SECONDS));
      step("describeCluster", () -> admin.describeCluster().nodes().get(10, TimeUnit.SECONDS));
      step("listTopics", () -> admin.listTopics().names().get(10, TimeUnit.SECONDS));
      step("describeTopics", () -> admin.describeTopics(List.of("golden", "golden-txn")).allTopicNames().get(10, TimeUnit.SECONDS));
      step("describeConfigs", () -> admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, "golden-scratch"))).all().get(10, TimeUnit.SECONDS));
      step("incrementalAlterConfigs", () -> admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "golden-scratch"),
        List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET)))).all().get(10, TimeUnit.SECONDS));
      step("createPartitions", () -> admin.createPartitions(Map.of("golden-scratch", NewPartitions.increaseTo(2))).all().get(10, TimeUnit.SECONDS));
      step("describeFeatures", () -> admin.describeFeatures().featureMetadata().get(10, TimeUnit.SECONDS));
      step("describeLogDirs", () -> admin.describeLogDirs(List.of(1)).allDescriptions().get(10, TimeUnit.SECONDS));
      step("describeAcls", () -> admin.describeAcls(AclBindingFilter.ANY).values().get(10, TimeUnit.SECONDS));
      step("describeClientQuotas", () -> admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get(10, TimeUnit.SECONDS));
      step("describeUserScramCredentials", () -> admin.describeUserScramCredentials().all().get(10, TimeUnit.SECONDS));
      step("describeMetadataQuorum", () -> admin.describeMetadataQuorum().quorumInfo().get(10, TimeUnit.SECONDS));
    }
  }
  static void produce(String codec) throws Exception {
    Properties p = common();
    p.put("compression.type", codec);
    p.put("linger.ms", "20");
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> prod = new KafkaProducer<>(p)) {
      for (int i = 0; i < 12; i++) {
        ProducerRecord<String, String> r = new ProducerRecord<>("golden", 0, i % 3 == 2 ? null : "key-" + i,
          "value " + i + " of the " + codec + " batch, compressible compressible compressible");
        if (i % 2 == 0) r.headers().add(new RecordHeader("trace", ("t-" + i).getBytes()));
        prod.send(r);
      }
      prod.flush();
    }
  }
  static void txn() throws Exception {
    Properties p = common();
    p.put("transactional.id", "golden-java-txn");
    p.put("transaction.timeout.ms", "20000");
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> prod = new KafkaProducer<>(p)) {
      prod.initTransactions();
      prod.beginTransaction();
      for (int i = 0; i < 4; i++) prod.send(new ProducerRecord<>("golden-txn", i % 2, "k" + i, "committed " + i));
      prod.sendOffsetsToTransaction(Map.of(new TopicPartition("golden", 0), new OffsetAndMetadata(3, "txn-meta")), new ConsumerGroupMetadata("golden-txn-group"));
      prod.commitTransaction();
      prod.beginTransaction();
      for (int i = 0; i < 2; i++) prod.send(new ProducerRecord<>("golden-txn", 0, "k" + i, "aborted " + i));
      prod.flush();
      prod.abortTransaction();
      prod.beginTransaction();
      prod.send(new ProducerRecord<>("golden-txn", 0, "k", "committed after the abort"));
      prod.commitTransaction();
    }
  }
  static void consume(String protocol, String group) throws Exception {
    Properties p = common();
    p.put("group.id", group);
    p.put("group.protocol", protocol);
    p.put("enable.auto.commit", "false");
    p.put("auto.offset.reset", "earliest");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    if (protocol.equals("classic")) {
      p.put("session.timeout.ms", "6000");
      p.put("heartbeat.interval.ms", "300");
    }
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      c.subscribe(List.of("golden"));
      int got = 0;
      long deadline = System.currentTimeMillis() + 20000;
      while (got < 60 && System.currentTimeMillis() < deadline) got += c.poll(Duration.ofMillis(200)).count();
      System.out.println("consumed " + got);
      c.commitSync(Map.of(new TopicPartition("golden", 0), new OffsetAndMetadata(got, "golden")));
      long until = System.currentTimeMillis() + 1500; // heartbeats
      while (System.currentTimeMillis() < until) c.poll(Duration.ofMillis(200));
      step("committed", () -> c.committed(Set.of(new TopicPartition("golden", 0))));
      step("offsetsForTimes", () -> c.offsetsForTimes(Map.of(new TopicPartition("golden", 0), 0L)));
      step("endOffsets", () -> c.endOffsets(List.of(new TopicPartition("golden", 0))));
    }
  }
  static void consumeCommitted() throws Exception {
    Properties p = common();
    p.put("isolation.level", "read_committed");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> tps = List.of(new TopicPartition("golden-txn", 0), new TopicPartition("golden-txn", 1));
      c.assign(tps);
      c.seekToBeginning(tps);
      int got = 0;
      long deadline = System.currentTimeMillis() + 8000;
      while (got < 5 && System.currentTimeMillis() < deadline) got += c.poll(Duration.ofMillis(200)).count();
      System.out.println("read_committed " + got);
    }
  }
  static void adminInspect() {
    try (Admin admin = Admin.create(common())) {
      TopicPartition g0 = new TopicPartition("golden", 0);
      step("listGroups", () -> admin.listGroups().all().get(10, TimeUnit.SECONDS));
      step("describeConsumerGroups", () -> admin.describeConsumerGroups(List.of("g-classic", "g-consumer")).all().get(10, TimeUnit.SECONDS));
      step("listConsumerGroupOffsets", () -> admin.listConsumerGroupOffsets("g-classic").partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS));
      step("alterConsumerGroupOffsets", () -> admin.alterConsumerGroupOffsets("g-classic", Map.of(g0, new OffsetAndMetadata(5))).all().get(10, TimeUnit.SECONDS));
      step("deleteConsumerGroupOffsets", () -> admin.deleteConsumerGroupOffsets("g-classic", Set.of(g0)).all().get(10, TimeUnit.SECONDS));
      step("listOffsets", () -> admin.listOffsets(Map.of(g0, OffsetSpec.maxTimestamp(), new TopicPartition("golden-txn", 0), OffsetSpec.latest())).all().get(10, TimeUnit.SECONDS));
      step("describeProducers", () -> admin.describeProducers(List.of(g0, new TopicPartition("golden-txn", 0))).all().get(10, TimeUnit.SECONDS));
      step("listTransactions", () -> admin.listTransactions().all().get(10, TimeUnit.SECONDS));
      step("describeTransactions", () -> admin.describeTransactions(List.of("golden-java-txn")).all().get(10, TimeUnit.SECONDS));
      step("listPartitionReassignments", () -> admin.listPartitionReassignments().reassignments().get(10, TimeUnit.SECONDS));
      step("electLeaders", () -> admin.electLeaders(ElectionType.PREFERRED, Set.of(g0)).all().get(10, TimeUnit.SECONDS));
      step("deleteRecords", () -> admin.deleteRecords(Map.of(new TopicPartition("golden-scratch", 0), RecordsToDelete.beforeOffset(0))).all().get(10, TimeUnit.SECONDS));
      step("deleteConsumerGroups", () -> admin.deleteConsumerGroups(List.of("g-classic")).all().get(10, TimeUnit.SECONDS));
      step("deleteTopics", () -> admin.deleteTopics(List.of("golden-scratch")).all().get(10, TimeUnit.SECONDS));
    }
  }
}
`;

function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs ?? 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(`${out.trim()}\n[${cmd} exited ${code ?? signal}]`);
    });
    child.stdin.end(opts.input ?? '');
  });
}

function javac(classpath: string, dir: string): Promise<void> {
  writeFileSync(join(dir, 'GoldenSession.java'), JAVA_SOURCE);
  return new Promise((resolve, reject) =>
    execFile('javac', ['-nowarn', '-cp', classpath, '-d', dir, join(dir, 'GoldenSession.java')], { maxBuffer: 8 << 20 }, (err, _o, stderr) =>
      err ? reject(new Error(`javac failed: ${stderr}`)) : resolve(),
    ),
  );
}

async function phase(source: string, name: string, fn: () => Promise<string>): Promise<void> {
  current = { source, phase: name };
  const t0 = Date.now();
  const out = await fn();
  console.log(`== ${source} ${name} (${Date.now() - t0} ms)\n${out.split('\n').slice(-25).join('\n')}`);
  await new Promise((r) => setTimeout(r, 300)); // let the last responses through
}

// ---------------------------------------------------------------- selection

const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/** Produce: the codecs of the batches sent, and "txn" when they are transactional. */
function produceVariant(req: Buffer): string {
  // Scan for record batches: cheaper than decoding here, and the test decodes them properly.
  const codecs = new Set<string>();
  let txn = false;
  for (let i = 0; i + BATCH_HEADER_SIZE <= req.length; i++) {
    // A whole batch starts here when its header, length, magic and CRC-32C all check out.
    if (batchDefect(req, i, req.length) !== null) continue;
    codecs.add(compressionName(batchCompression(req, i)));
    if (batchIsTransactional(req, i)) txn = true;
    i += batchSize(req, i) - 1;
  }
  return [...codecs].sort().join('+') + (txn ? '-txn' : '');
}

interface IndexEntry {
  file: string;
  direction: 'request' | 'response';
  apiKey: number;
  apiName: string;
  apiVersion: number;
  headerVersion: number;
  source: string;
  variant?: string;
  clientId: string | null;
  correlationId: number;
  phase: string;
  note?: string;
}

function select(kcatVersion: string): IndexEntry[] {
  const best = new Map<string, Exchange>();
  for (const ex of exchanges) {
    if (ex.request === null) continue;
    const api = apis[ex.apiKey];
    if (api === undefined) continue;
    if (ex.apiKey === 0) ex.variant = produceVariant(ex.request);
    if (ex.apiKey === 1) {
      // read_committed fetches (aborted transactions, control batches) get their own file
      const req = decodeRequestFrame(ex.request.subarray(4));
      if (req.kind === 'request' && (req.body as FetchRequest).isolationLevel === 1) ex.variant = 'read_committed';
    }
    const key = `${ex.apiKey}/${ex.apiVersion}/${ex.source}/${ex.variant ?? ''}`;
    const size = (x: Exchange) => x.requestSize + (x.response ? x.response.length : 0) + (x.response ? 1 << 20 : 0);
    const prev = best.get(key);
    if (prev === undefined || size(ex) > size(prev)) best.set(key, ex);
  }
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  const index: IndexEntry[] = [];
  for (const ex of [...best.values()].sort((a, b) => a.apiKey - b.apiKey || a.apiVersion - b.apiVersion || a.source.localeCompare(b.source))) {
    const api = apis[ex.apiKey]!;
    const base = `${kebab(api.name)}-v${ex.apiVersion}`;
    const suffix = `${ex.source}${ex.variant ? `-${ex.variant.replace(/\+/g, '_')}` : ''}`;
    const common = {
      apiKey: ex.apiKey,
      apiName: api.name,
      apiVersion: ex.apiVersion,
      source: ex.source,
      ...(ex.variant ? { variant: ex.variant } : {}),
      clientId: ex.clientId,
      correlationId: ex.correlationId,
      phase: ex.phase,
    };
    const reqFile = `${base}-request-${suffix}.bin`;
    writeFileSync(join(OUT_DIR, reqFile), ex.request!);
    index.push({ file: reqFile, direction: 'request', ...common, headerVersion: requestHeaderVersion(ex.apiKey, ex.apiVersion) });
    if (ex.response) {
      const resFile = `${base}-response-${suffix}.bin`;
      writeFileSync(join(OUT_DIR, resFile), ex.response);
      index.push({
        file: resFile,
        direction: 'response',
        ...common,
        headerVersion: responseHeaderVersion(ex.apiKey, ex.apiVersion),
        ...(ex.apiKey === 18 && CLAMP ? { note: "the broker's bytes; the client got max versions lowered to the codec's" } : {}),
      });
    }
  }
  const header = {
    capturedWith: {
      broker: 'Apache Kafka 4.4.0 (single-node KRaft, scripts/peers/kafka/start-kafka.sh)',
      clients: {
        java: 'Apache Kafka Java clients 4.4.0 (producer, consumer, admin)',
        kcat: kcatVersion,
        broker: "the broker's own clients, through its advertised listener",
      },
      script: 'scripts/capture-kafka-golden.ts',
      clampedToCodecVersions: CLAMP,
      sizePrefixed: true,
    },
  };
  // One line per frame keeps the index small and its diffs readable.
  const json = JSON.stringify(header, null, 1).replace(/\n}$/, ',\n "frames": [\n') + index.map((e) => '  ' + JSON.stringify(e)).join(',\n') + '\n ]\n}\n';
  JSON.parse(json);
  writeFileSync(join(OUT_DIR, 'index.json'), json);
  return index;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const kafkaHome = dirname(dirname(requirePeer('kafka')));
  const libs = join(kafkaHome, 'libs');
  const classpath = readdirSync(libs)
    .filter((f) => f.endsWith('.jar'))
    .map((f) => join(libs, f))
    .join(':');
  const kcat = findPeer('kcat');
  const kcatVersion = kcat ? (/Version [^\n]*/.exec(await run(kcat, ['-V']))?.[0] ?? 'kcat') : 'absent';
  const work = mkdtempSync(join(tmpdir(), 'wharf-golden-'));
  await javac(classpath, work);

  let setUpstream!: (port: number) => void;
  const proxy = await startProxy(new Promise<number>((r) => (setUpstream = r)));
  const kafka = await startKafka([`advertised.listeners=PLAINTEXT://127.0.0.1:${proxy.port}`]);
  setUpstream(kafka.port);
  const bs = `127.0.0.1:${proxy.port}`;
  console.log(`kafka ${kafka.bootstrap}, proxy ${bs}`);
  const java = (...args: string[]) => run('java', ['-Xmx256m', '-cp', `${classpath}:${work}`, 'GoldenSession', bs, ...args], { timeoutMs: 90_000 });
  try {
    await phase('java', 'admin: transaction.version=1 (clamped runs), create topics, describe cluster/topics/configs/features/log dirs/acls/quotas/quorum, alter configs, create partitions', () => java('admin-setup', ...(CLAMP ? ['tv1'] : [])));
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
      await phase('java', `idempotent producer, compression.type=${codec}, 12 records to golden-0`, () => java('produce', codec));
    }
    await phase('java', 'transactional producer: commit (with sendOffsetsToTransaction), abort, commit', () => java('txn'));
    await phase('java', 'classic group consumer g-classic: join, sync, fetch, commit, heartbeats, leave', () => java('consume', 'classic', 'g-classic'));
    await phase('java', 'KIP-848 consumer g-consumer: ConsumerGroupHeartbeat, fetch, commit, leave', () => java('consume', 'consumer', 'g-consumer'));
    await phase('java', 'read_committed consumer of golden-txn (aborted transactions in Fetch)', () => java('consume-committed'));
    await phase('java', 'admin: groups, offsets, producers, transactions, reassignments, elect leaders, delete records/groups/topics', () => java('admin-inspect'));
    if (kcat) {
      const k = (args: string[], input?: string) => run(kcat, ['-b', bs, ...args], { input, timeoutMs: 30_000 });
      await phase('kcat', 'metadata (-L)', () => k(['-L']));
      const lines = Array.from({ length: 10 }, (_, i) => `key-${i}:value ${i} from kcat, compressible compressible compressible`).join('\n') + '\n';
      for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
        await phase('kcat', `producer, compression.codec=${codec}, 10 records to golden-kcat`, () => k(['-P', '-t', 'golden-kcat', '-p', '0', '-K:', '-H', 'trace=kcat', '-z', codec, '-X', 'linger.ms=20'], lines));
      }
      await phase('kcat', 'transactional producer', () => k(['-P', '-t', 'golden-kcat', '-p', '0', '-X', 'transactional.id=golden-kcat-txn'], 'in a transaction\n'));
      await phase('kcat', 'simple consumer from the beginning to the end', () => k(['-C', '-t', 'golden-kcat', '-o', 'beginning', '-e', '-q']));
      await phase('kcat', 'balanced consumer g-kcat (JoinGroup/SyncGroup/Heartbeat/OffsetCommit/LeaveGroup)', () =>
        k(['-G', 'g-kcat', 'golden-kcat', '-o', 'beginning', '-e', '-q', '-X', 'heartbeat.interval.ms=300', '-X', 'session.timeout.ms=6000', '-X', 'auto.commit.interval.ms=200']),
      );
      await phase('kcat', 'offset query (-Q) by timestamp', () => k(['-Q', '-t', 'golden-kcat:0:0']));
    } else {
      console.error('kcat not found: no librdkafka frames');
    }
  } finally {
    await kafka.close();
    await proxy.close();
    rmSync(work, { recursive: true, force: true });
  }
  console.log('client ids:', [...clientIds.entries()].map(([k, n]) => `${k} x${n}`).join(', '));
  const index = select(kcatVersion);
  const total = index.reduce((s, e) => s + (e.direction === 'request' ? 1 : 0), 0);
  const seen = new Set(exchanges.map((e) => `${apis[e.apiKey]?.name ?? e.apiKey} v${e.apiVersion} ${e.source}`));
  console.log(`${exchanges.length} exchanges recorded, ${total} kept (${index.length} files) in ${OUT_DIR}`);
  console.log([...seen].sort().join('\n'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

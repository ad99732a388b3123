// Security benchmark, with the paired driver (bench/pairs.ts): what authorization and TLS cost.
// - Kafka produce with ACLs: Wharf without ACLs (the reference column) against Wharf with
//   StandardAuthorizer on and thousands of ACLs (literal and prefixed, on other principals and
//   topics, plus the one that lets the producer write), the same kafkajs producer sending the same
//   batches: the ratio is the authorization check's cost on the produce path (decisions are
//   cached per connection, so it should be a few percent at most).
// - NATS publish/subscribe over TLS: nats-server v2.15.2 with TLS against Wharf with TLS, the same
//   nats.js publisher and subscriber and the same certificate.
// - Kafka produce and consume over SSL: Apache Kafka 4.4 against Wharf, each reading the same server.properties
//   (a PLAINTEXT and an SSL listener, the same PKCS12 keystore), the same kafkajs producer and consumer.
//
//   node dist/bench/security.js [--pairs N] [--quick] [--acls 5000]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import * as nats from 'nats';
import { startBroker, type Broker } from '../src/index.js';
import { makeTestCerts, PKCS12_PASSWORD, type TestCerts } from '../test/support/certs.js';
import { startKafkaOnProperties } from '../test/support/kafka-properties.js';
import { freePort } from '../test/support/net.js';
import { startNatsServer } from '../test/support/nats-server.js';
import { benchArgs, positiveInt } from './args.js';
import { measure, type Measurement } from './pairs.js';
import { pairedRatios, summarize } from './stats.js';

const { Kafka, logLevel } = kafkajs;

interface Options {
  pairs: number;
  quick: boolean;
  acls: number;
}

function options(argv: string[]): Options {
  const a = benchArgs(argv, ['acls'], 'usage: node dist/bench/security.js [--pairs N] [--quick] [--acls N]');
  return { pairs: a.pairs, quick: a.quick, acls: a.values.acls === undefined ? 5000 : positiveInt('acls', a.values.acls) };
}

/** Records per second a kafkajs producer reaches, in batches of 100 records of 100 bytes (over SSL when given the CA). */
async function produceRate(port: number, batches: number, sasl: boolean, caFile?: string): Promise<number> {
  const k = new Kafka({
    clientId: 'bench-security',
    brokers: [`${caFile === undefined ? '127.0.0.1' : 'localhost'}:${port}`],
    logLevel: logLevel.NOTHING,
    ...(sasl ? { sasl: { mechanism: 'plain' as const, username: 'producer', password: 'pw' } } : {}),
    ...(caFile !== undefined ? { ssl: { ca: [readFileSync(caFile)] } } : {}),
  });
  const p = k.producer();
  await p.connect();
  const messages = Array.from({ length: 100 }, () => ({ value: Buffer.alloc(100, 1) }));
  try {
    await p.send({ topic: 'bench-acl', messages }); // warm-up, creates the topic
    const started = performance.now();
    for (let i = 0; i < batches; i++) await p.send({ topic: 'bench-acl', acks: 1, messages });
    return (batches * messages.length) / ((performance.now() - started) / 1000);
  } finally {
    await p.disconnect();
  }
}

async function kafkaBroker(acls: number): Promise<Broker> {
  const broker = await startBroker({
    host: '127.0.0.1',
    logLevel: 'silent',
    nats: { port: 0 },
    http: { port: -1 },
    storage: { engine: 'memory' },
    kafka: {
      listeners: [{ name: 'SASL_PLAINTEXT', host: '127.0.0.1', port: 0, protocol: 'SASL_PLAINTEXT' }],
      plainUsers: { producer: 'pw' },
      acls: acls > 0,
      allowEveryoneIfNoAcl: false,
    },
  });
  if (acls > 0) {
    const bindings = [];
    for (let i = 0; i < acls; i++) {
      const prefixed = i % 2 === 0;
      bindings.push({ resourceType: 2, resourceName: prefixed ? `team-${i}-` : `topic-${i}`, patternType: prefixed ? 4 : 3, principal: `User:user-${i % 97}`, host: '*', operation: 3 + (i % 5), permission: 3 });
    }
    bindings.push({ resourceType: 2, resourceName: 'bench-', patternType: 4, principal: 'User:producer', host: '*', operation: 2, permission: 3 });
    bindings.push({ resourceType: 4, resourceName: 'kafka-cluster', patternType: 3, principal: 'User:producer', host: '*', operation: 2, permission: 3 });
    await broker.kafka!.security.addAcls(bindings);
  }
  return broker;
}

/** Messages per second from one nats.js publisher to one subscriber. */
async function pubSubRate(port: number, ca: string, count: number): Promise<number> {
  const opts = { servers: `127.0.0.1:${port}`, tls: { caFile: ca } };
  const sub = await nats.connect(opts);
  const pub = await nats.connect(opts);
  try {
    const payload = new Uint8Array(128);
    let got = 0;
    const done = new Promise<void>((resolve) => {
      sub.subscribe('bench.tls', { callback: () => ++got === count && resolve() });
    });
    await sub.flush();
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      pub.publish('bench.tls', payload);
      if (i % 1000 === 999) await pub.flush();
    }
    await pub.flush();
    await done;
    return count / ((performance.now() - started) / 1000);
  } finally {
    await pub.close();
    await sub.close();
  }
}

/** Produce then consume over SSL on one broker: both rates. */
async function sslProduceConsume(port: number, batches: number, caFile: string): Promise<Record<string, number>> {
  const produce = await produceRate(port, batches, false, caFile);
  return { 'kafka-ssl-produce': produce, 'kafka-ssl-consume': await consumeRate(port, (batches + 1) * 100, caFile) };
}

/**
 * Records per second a kafkajs consumer (a group of one, from the beginning) reads of the
 * `expected` records in bench-acl, timed from the first fetch's records to the last (the
 * records of the first fetch are not counted: the time before them is the group's join).
 */
async function consumeRate(port: number, expected: number, caFile: string): Promise<number> {
  const k = new Kafka({ clientId: 'bench-security', brokers: [`localhost:${port}`], logLevel: logLevel.NOTHING, ssl: { ca: [readFileSync(caFile)] } });
  // 64 KiB per fetch: many fetches, so the rate is not one request's latency.
  const c = k.consumer({ groupId: `bench-ssl-${Date.now()}`, maxBytesPerPartition: 64 << 10 });
  await c.connect();
  try {
    await c.subscribe({ topic: 'bench-acl', fromBeginning: true });
    let got = 0;
    let first = 0;
    let firstCount = 0;
    let last = 0;
    await new Promise<void>((resolve, reject) => {
      c.run({
        eachBatch: async ({ batch }) => {
          got += batch.messages.length;
          if (first === 0) {
            first = performance.now();
            firstCount = got;
          }
          if (got >= expected) {
            last = performance.now();
            resolve();
          }
        },
      }).catch(reject);
    });
    return (got - firstCount) / ((last - first) / 1000);
  } finally {
    await c.disconnect();
  }
}

/**
 * One server.properties for Wharf (--kafka-config) and Kafka 4.4 with PLAINTEXT and SSL listeners
 * on fresh ports and a fresh log directory (Kafka's KRaft keys are in it; Wharf warns that they
 * mean nothing on one node). Returns the file and the SSL port.
 */
async function sslProperties(dir: string, certs: TestCerts, run: number): Promise<{ file: string; ssl: number }> {
  const [plain, ssl, controller] = [await freePort(), await freePort(), await freePort()];
  const logDir = join(dir, `kafka-log-${run}`);
  mkdirSync(logDir, { recursive: true });
  const file = join(dir, `server-${run}.properties`);
  writeFileSync(
    file,
    `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controller}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listeners=PLAINTEXT://127.0.0.1:${plain},SSL://127.0.0.1:${ssl},CONTROLLER://127.0.0.1:${controller}
advertised.listeners=PLAINTEXT://127.0.0.1:${plain},SSL://localhost:${ssl}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT
ssl.keystore.type=PKCS12
ssl.keystore.location=${certs.serverP12}
ssl.keystore.password=${PKCS12_PASSWORD}
log.dirs=${logDir}
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
`,
  );
  return { file, ssl };
}

function measurements(o: Options, certs: TestCerts, dir: string): Measurement[] {
  let run = 0;
  const batches = o.quick ? 50 : 500;
  const msgs = o.quick ? 20_000 : 200_000;
  const tlsConf = `tls { cert_file: "${certs.serverCert}", key_file: "${certs.serverKey}" }\n`;
  writeFileSync(join(dir, 'tls.conf'), tlsConf);
  return [
    {
      rows: [{ key: 'kafka-acl-produce', label: `Kafka produce (kafkajs, SASL/PLAIN), ${o.acls} ACLs vs none`, unit: 'records/s', higherIsBetter: true }],
      sides: [
        {
          column: 'wharf',
          run: async () => {
            const b = await kafkaBroker(0);
            try {
              return { 'kafka-acl-produce': await produceRate(b.ports.kafkaListeners.SASL_PLAINTEXT!, batches, true) };
            } finally {
              await b.close();
            }
          },
        },
        {
          column: 'wharfAcls',
          run: async () => {
            const b = await kafkaBroker(o.acls);
            try {
              return { 'kafka-acl-produce': await produceRate(b.ports.kafkaListeners.SASL_PLAINTEXT!, batches, true) };
            } finally {
              await b.close();
            }
          },
        },
      ],
    },
    {
      rows: [
        { key: 'kafka-ssl-produce', label: 'Kafka produce over SSL (kafkajs, 100 × 100 B batches, acks=1, no fsync per append)', unit: 'records/s', higherIsBetter: true },
        { key: 'kafka-ssl-consume', label: 'Kafka consume over SSL (kafkajs consumer group, the records just produced)', unit: 'records/s', higherIsBetter: true },
      ],
      sides: [
        {
          column: 'kafka',
          run: async () => {
            const { file, ssl } = await sslProperties(dir, certs, ++run);
            const k = await startKafkaOnProperties(file, dir);
            try {
              return await sslProduceConsume(ssl, batches, certs.caCert);
            } finally {
              await k.stop();
            }
          },
        },
        {
          column: 'wharf',
          run: async () => {
            const { file, ssl } = await sslProperties(dir, certs, ++run);
            // fsync never: Kafka's default (it leaves flushing to the OS), so both sides promise the same.
            const b = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { port: 0 }, http: { port: -1 }, kafka: { configFile: file }, storage: { fsync: 'never' } });
            try {
              return await sslProduceConsume(ssl, batches, certs.caCert);
            } finally {
              await b.close();
            }
          },
        },
      ],
    },
    {
      rows: [{ key: 'nats-tls-pubsub', label: 'NATS publish/subscribe over TLS (nats.js, 128 B)', unit: 'msgs/s', higherIsBetter: true }],
      sides: [
        {
          column: 'nats-server',
          run: async () => {
            const s = await startNatsServer({ config: tlsConf, monitor: false });
            try {
              return { 'nats-tls-pubsub': await pubSubRate(s.port, certs.caCert, msgs) };
            } finally {
              await s.close();
            }
          },
        },
        {
          column: 'wharf',
          run: async () => {
            const b = await startBroker({ host: '127.0.0.1', logLevel: 'silent', nats: { port: 0, configFile: join(dir, 'tls.conf') }, kafka: { port: -1 }, http: { port: -1 }, storage: { engine: 'memory' } });
            try {
              return { 'nats-tls-pubsub': await pubSubRate(b.ports.nats, certs.caCert, msgs) };
            } finally {
              await b.close();
            }
          },
        },
      ],
    },
  ];
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const certs = makeTestCerts();
  const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-security-'));
  try {
    for (const m of measurements(o, certs, dir)) {
      const rows = await measure(m, { pairs: o.quick ? 1 : o.pairs, log: (l) => process.stderr.write(`${l}\n`) });
      for (const row of rows) {
        const [ref, col] = m.sides.map((s) => s.column) as [string, string];
        const s = summarize(pairedRatios(row, ref, col), row.higherIsBetter);
        const med = s === undefined ? 'n/a' : typeof s.median === 'number' ? s.median.toFixed(3) : s.median;
        process.stdout.write(`${row.label}: ${col}/${ref} median ratio ${med} over ${row.pairs.length} pair(s)\n`);
      }
    }
  } finally {
    certs.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

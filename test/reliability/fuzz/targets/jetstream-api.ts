// Fuzz target: the $JS.API handlers (src/jetstream) driven through a real broker: a Wharf broker
// with memory storage runs in this process, with a stream S (subjects fz.>, a few messages) and
// a durable consumer C; each input picks an API subject by its first byte and is sent as the
// request payload over a NATS connection. Every request must be answered (a reply or, for
// subjects nats-server leaves unanswered, a timeout the pick knows of), JSON API replies must be
// JSON with a type or an error, and the broker must stay up: an exception in a handler reaches
// this process as an unhandled rejection, which Jazzer.js reports. A watchdog (../watchdog.ts)
// names the input and the await of any input pending for more than 15 s (WHARF_FUZZ_WATCHDOG_MS).
// The broker and its connection keep Node's event loop alive, and Jazzer.js ends a run without
// finding by letting the loop drain (it calls no process.exit): after libFuzzer's last input the
// process would live on, and in a corpus merge (-merge=1, whose inner process runs the inputs
// and prints no "Done" line) the outer process waits for that inner one forever. So when no
// input has come for 5 s after the last one (the watchdog's idle callback), the broker is
// closed; an input arriving after all starts a new one.
import { AckPolicy, StorageType, connect, type NatsConnection } from 'nats';
import { startBroker, type Broker } from '../../../../src/index.js';
import { configFromFlags } from '../../../../src/config.js';
import { FuzzWatchdog } from '../watchdog.js';

export const API_SUBJECTS = [
  'INFO', 'STREAM.CREATE.S', 'STREAM.CREATE.T', 'STREAM.UPDATE.S', 'STREAM.INFO.S', 'STREAM.NAMES', 'STREAM.LIST', 'STREAM.PURGE.S',
  'STREAM.MSG.GET.S', 'STREAM.MSG.DELETE.S', 'STREAM.DELETE.T', 'CONSUMER.CREATE.S', 'CONSUMER.CREATE.S.D', 'CONSUMER.DURABLE.CREATE.S.D',
  'CONSUMER.INFO.S.C', 'CONSUMER.NAMES.S', 'CONSUMER.LIST.S', 'CONSUMER.DELETE.S.D', 'CONSUMER.PAUSE.S.C', 'CONSUMER.UNPIN.S.C',
  'STREAM.CREATE.T', 'DIRECT.GET.S', 'CONSUMER.CREATE.T.E.fz.a',
] as const;

const watchdog = new FuzzWatchdog({
  afterMs: Number(process.env.WHARF_FUZZ_WATCHDOG_MS ?? 15_000),
  traceEveryMs: process.env.WHARF_FUZZ_TRACE ? 60_000 : undefined,
  idleMs: 5_000,
  onIdle: () => void closeBroker(),
  describe: (input) => `$JS.API.${API_SUBJECTS[input[0]! % API_SUBJECTS.length]} ${JSON.stringify(input.subarray(1).toString('latin1').slice(0, 300))}`,
});

let ready: Promise<{ broker: Broker; nc: NatsConnection }> | undefined;

async function start(): Promise<{ broker: Broker; nc: NatsConnection }> {
  const broker = await startBroker(configFromFlags({ host: '127.0.0.1', port: 0, httpPort: -1, kafkaPort: -1, logLevel: 'silent', storage: 'memory', jsMaxMemory: 64 << 20 }));
  const nc = await connect({ servers: `127.0.0.1:${broker.ports.nats}` });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: 'S', subjects: ['fz.>'], storage: StorageType.Memory, max_msgs: 1000 });
  const js = nc.jetstream();
  for (let i = 0; i < 5; i++) await js.publish(`fz.${i}`, new TextEncoder().encode(`m${i}`));
  await jsm.consumers.add('S', { durable_name: 'C', ack_policy: AckPolicy.Explicit });
  return { broker, nc };
}

async function closeBroker(): Promise<void> {
  if (ready === undefined) return;
  const started = ready;
  ready = undefined;
  const { broker, nc } = await started;
  await nc.close();
  await broker.close();
}

/** Closes the broker of this target and stops its watchdog (the regression test calls it). */
export async function stopFuzzBroker(): Promise<void> {
  watchdog.stop();
  await closeBroker();
}

export async function fuzz(data: Buffer): Promise<void> {
  if (data.length < 1) return;
  watchdog.begin(data);
  try {
    await fuzzOne(data);
  } finally {
    watchdog.end();
  }
}

async function fuzzOne(data: Buffer): Promise<void> {
  watchdog.stage('broker start');
  ready ??= start();
  const { nc } = await ready;
  watchdog.stage('request');
  const subject = API_SUBJECTS[data[0]! % API_SUBJECTS.length]!;
  let reply;
  try {
    reply = await nc.request(`$JS.API.${subject}`, data.subarray(1), { timeout: 5_000 });
  } catch (err) {
    // S has no allow_direct: DIRECT.GET has no responder there, as in nats-server.
    if (subject.startsWith('DIRECT.GET') && /503/.test((err as Error).message)) return;
    throw new Error(`$JS.API.${subject} ${JSON.stringify(data.subarray(1).toString('latin1').slice(0, 200))}: ${(err as Error).message}`);
  }
  if (subject.startsWith('DIRECT.GET')) return;
  watchdog.stage('reply check');
  const text = new TextDecoder().decode(reply.data);
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object' || !('type' in parsed || 'error' in parsed)) throw new Error(`reply to ${subject} is not an API response: ${text.slice(0, 200)}`);
}

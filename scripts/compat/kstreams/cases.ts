// The cases of the kstreams suite: unmodified Apache Kafka Streams 4.3.1 applications, the five
// demos of kafka-streams-examples and the system-test applications of kafka-streams' test jar,
// each run as Kafka's own system tests run it against an external broker (the topics they
// pre-create, the properties tests/kafkatest/services/streams.py writes, the stdout markers the
// Python tests wait for and grep), and judged by the markers and by the output topics' contents.
//   - PipeDemo, WordCountDemo, WordCountProcessorDemo, TemperatureDemo, PageViewTypedDemo: inputs
//     produced, the output topic read back and compared with what the topology must produce.
//   - BrokerCompatibilityTest (at_least_once, exactly_once_v2): streams_broker_compatibility_test.py
//     starts it, waits for it to exit by itself, and reads the sink topic with a console consumer.
//   - StreamsSmokeTest (at_least_once, exactly_once_v2): streams_smoke_test.py's test_streams: a
//     driver (`run`) produces for 90 s and verifies; three processors (`process`) run one after
//     the other, each stopped (cleanly, or killed for `crash`) after it processed records; the
//     driver must print SUCCESS (at_least_once with a crash: SUCCESS or PROCESSED-MORE-THAN-GENERATED).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asLong, asString, latest, type Io, type OutRecord } from './io.js';
import { JavaApp, type JavaRuntime } from './java-app.js';

export interface CaseEnv {
  io: Io;
  rt: JavaRuntime;
  /** A scratch directory of this case. */
  dir: string;
  bootstrap: string;
  log(msg: string): void;
}

export interface CaseResult {
  ok: boolean;
  /** What the run saw: the failed check, with the application's last lines. */
  observed: string;
}

export interface Case {
  name: string;
  /** In the CI smoke subset. */
  smoke: boolean;
  run(env: CaseEnv): Promise<CaseResult>;
}

const EXAMPLES = 'org.apache.kafka.streams.examples';
const TESTS = 'org.apache.kafka.streams.tests';
const RUNNING = /State transition from REBALANCING to RUNNING/;
const CLOSED = /State transition from PENDING_SHUTDOWN to NOT_RUNNING/;

function props(file: string, p: Record<string, string | number>): string {
  writeFileSync(file, Object.entries(p).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return file;
}

function tail(app: JavaApp, n = 12): string {
  const lines = app.output().split('\n').filter((l) => l.trim() && !/^\s+at /.test(l));
  return lines.slice(-n).join(' | ').slice(-1500);
}

const pass = (): CaseResult => ({ ok: true, observed: '' });
const fail = (what: string, app?: JavaApp): CaseResult => ({ ok: false, observed: app ? `${what}; application output: ${tail(app)}` : what });

function eqMap<T>(a: Map<string, T>, b: Record<string, T>): boolean {
  return a.size === Object.keys(b).length && Object.entries(b).every(([k, v]) => a.get(k) === v);
}

const show = (m: Map<string, unknown>): string => JSON.stringify(Object.fromEntries(m));

/**
 * A demo: topics created first (the demos' documentation asks for that), the application started
 * and running, inputs produced, the output checked, then a clean stop (its shutdown hook closes
 * Kafka Streams and the JVM exits 0).
 */
async function demo(
  env: CaseEnv,
  o: {
    main: string;
    args?: string[];
    topics: Array<{ name: string; partitions: number }>;
    before?: () => Promise<void>;
    after?: () => Promise<void>;
    output: string;
    done: (r: OutRecord[]) => boolean;
    check: (r: OutRecord[]) => string | null;
    timeoutMs?: number;
    mustExitCleanly?: boolean;
  },
): Promise<CaseResult> {
  await env.io.createTopics(o.topics);
  if (o.before) await o.before();
  const app = new JavaApp(o.main.split('.').pop()!, env.rt, o.main, o.args ?? [], join(env.dir, 'app.log'));
  try {
    if (!(await app.waitFor(RUNNING, 120_000))) return fail('the application never reached RUNNING', app);
    if (o.after) await o.after();
    const got = await env.io.collect(o.output, o.done, o.timeoutMs ?? 90_000);
    const problem = o.check(got);
    if (problem) return fail(problem, app);
    // The JVM exits 143 after its shutdown hooks ran on SIGTERM; Kafka Streams closed when it
    // logged its last state change (what the system tests check: PENDING_SHUTDOWN -> NOT_RUNNING).
    const stop = await app.stop(o.mustExitCleanly === false ? 20_000 : 60_000);
    if (o.mustExitCleanly !== false && (!stop.clean || !CLOSED.test(app.output()))) return fail(`Kafka Streams did not close on SIGTERM (exit ${stop.code ?? stop.signal})`, app);
    return pass();
  } finally {
    await app.kill();
  }
}

const pipe: Case = {
  name: 'PipeDemo',
  smoke: true,
  run(env) {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i} of the pipe`);
    return demo(env, {
      main: `${EXAMPLES}.pipe.PipeDemo`,
      topics: [{ name: 'streams-plaintext-input', partitions: 1 }, { name: 'streams-pipe-output', partitions: 1 }],
      after: () => env.io.produce('streams-plaintext-input', lines.map((value) => ({ value }))),
      output: 'streams-pipe-output',
      done: (r) => r.length >= lines.length,
      check: (r) => {
        const got = r.map((x) => x.value?.toString() ?? null);
        return JSON.stringify(got) === JSON.stringify(lines) ? null : `streams-pipe-output held ${JSON.stringify(got.slice(0, 25))}, expected the 20 input lines in order`;
      },
    });
  },
};

const WORDS_IN = ['all streams lead to kafka', 'hello kafka streams', 'join kafka summit'];
const WORDS_OUT: Record<string, number> = { all: 1, streams: 2, lead: 1, to: 1, kafka: 3, hello: 1, join: 1, summit: 1 };

const wordCount: Case = {
  name: 'WordCountDemo',
  smoke: true,
  run(env) {
    const file = props(join(env.dir, 'streams.properties'), { 'bootstrap.servers': env.bootstrap, 'state.dir': join(env.dir, 'state') });
    return demo(env, {
      main: `${EXAMPLES}.wordcount.WordCountDemo`,
      args: [file],
      topics: [{ name: 'streams-plaintext-input', partitions: 1 }, { name: 'streams-wordcount-output', partitions: 1 }],
      after: () => env.io.produce('streams-plaintext-input', WORDS_IN.map((value) => ({ value }))),
      output: 'streams-wordcount-output',
      done: (r) => eqMap(latest(r, asLong), WORDS_OUT),
      check: (r) => (eqMap(latest(r, asLong), WORDS_OUT) ? null : `final counts ${show(latest(r, asLong))}, expected ${JSON.stringify(WORDS_OUT)}`),
    });
  },
};

const wordCountProcessor: Case = {
  name: 'WordCountProcessorDemo',
  smoke: false,
  run(env) {
    const file = props(join(env.dir, 'streams.properties'), { 'bootstrap.servers': env.bootstrap, 'state.dir': join(env.dir, 'state') });
    const t0 = Date.now() - 60_000;
    // Its punctuator forwards the store every second of stream time: the last line moves
    // stream time 5 s on, so the counts of everything before it are forwarded.
    const expected = { hello: '2', world: '1', kafka: '1', end: '1' };
    return demo(env, {
      main: `${EXAMPLES}.wordcount.WordCountProcessorDemo`,
      args: [file],
      topics: [{ name: 'streams-plaintext-input', partitions: 1 }, { name: 'streams-wordcount-processor-output', partitions: 1 }],
      after: () =>
        env.io.produce('streams-plaintext-input', [
          { value: 'hello world', timestamp: t0 },
          { value: 'hello kafka', timestamp: t0 },
          { value: 'end', timestamp: t0 + 5_000 },
        ]),
      output: 'streams-wordcount-processor-output',
      done: (r) => eqMap(latest(r, asString), expected),
      check: (r) => (eqMap(latest(r, asString), expected) ? null : `last forwarded counts ${show(latest(r, asString))}, expected ${JSON.stringify(expected)}`),
    });
  },
};

const temperature: Case = {
  name: 'TemperatureDemo',
  smoke: false,
  run(env) {
    // One 5 s window (explicit timestamps inside it): the running max is forwarded on every
    // update and only values over the threshold (20) pass the filter.
    const base = Math.floor((Date.now() - 60_000) / 5_000) * 5_000;
    const temps = ['15', '25', '18', '30'];
    return demo(env, {
      main: `${EXAMPLES}.temperature.TemperatureDemo`,
      topics: [{ name: 'iot-temperature', partitions: 1 }, { name: 'iot-temperature-max', partitions: 1 }],
      after: () => env.io.produce('iot-temperature', temps.map((value, i) => ({ value, timestamp: base + i }))),
      output: 'iot-temperature-max',
      done: (r) => r.some((x) => x.value?.toString() === '30'),
      check: (r) => {
        const vals = r.map((x) => x.value?.toString() ?? '');
        const keysOk = r.every((x) => x.key !== null && x.key.length === 4 + 8 && x.key.subarray(0, 4).toString() === 'temp' && Number(x.key.readBigInt64BE(4)) === base);
        const ok = vals.length >= 2 && vals[0] === '25' && vals.at(-1) === '30' && vals.every((v) => Number(v) > 20) && keysOk;
        return ok ? null : `iot-temperature-max held ${JSON.stringify(vals)} (window keys ${keysOk ? 'as expected' : 'wrong'}), expected the window max over 20: 25 first, 30 last`;
      },
    });
  },
};

const pageView: Case = {
  name: 'PageViewTypedDemo',
  smoke: false,
  run(env) {
    const t0 = Date.now() - 120_000;
    return demo(env, {
      main: `${EXAMPLES}.pageview.PageViewTypedDemo`,
      topics: [{ name: 'streams-pageview-input', partitions: 1 }, { name: 'streams-userprofile-input', partitions: 1 }, { name: 'streams-pageviewstats-typed-output', partitions: 1 }],
      // The profile is in its table topic before the view arrives, so the stream-table join finds it.
      before: async () => {
        await env.io.produce('streams-userprofile-input', [{ key: 'alice', value: JSON.stringify({ _t: 'up', region: 'europe', timestamp: t0 }), timestamp: t0 }]);
        await env.io.produce('streams-pageview-input', [{ key: 'alice', value: JSON.stringify({ _t: 'pv', user: 'alice', page: 'index.html', timestamp: t0 + 1_000 }), timestamp: t0 + 1_000 }]);
      },
      output: 'streams-pageviewstats-typed-output',
      // A 7-day window advancing by 1 s: the one view counts in 604800 windows; the first few do.
      done: (r) => r.length >= 10,
      check: (r) => {
        const vals = r.slice(0, 10).map((x) => JSON.parse(x.value?.toString() ?? 'null') as { _t?: string; region?: string; count?: number } | null);
        const keys = r.slice(0, 10).map((x) => JSON.parse(x.key?.toString() ?? 'null') as { _t?: string; region?: string; windowStart?: number } | null);
        const ok = r.length >= 10 && vals.every((v) => v?._t === 'rc' && v.region === 'europe' && v.count === 1) && keys.every((k) => k?._t === 'wpvbr' && k.region === 'europe' && typeof k.windowStart === 'number');
        return ok ? null : `streams-pageviewstats-typed-output began with ${JSON.stringify(r.slice(0, 3).map((x) => [x.key?.toString(), x.value?.toString()]))} (${r.length} read), expected region counts {region: europe, count: 1} per window`;
      },
      timeoutMs: 180_000,
      // It is still counting the view in its 604800 windows when told to stop: no clean-exit check.
      mustExitCleanly: false,
    });
  },
};

/** BrokerCompatibilityTest: starts, sends one record itself, waits for its count, closes, exits. */
function brokerCompatibility(mode: 'at_least_once' | 'exactly_once_v2'): Case {
  return {
    name: `BrokerCompatibilityTest ${mode}`,
    smoke: true,
    async run(env) {
      await env.io.createTopics([{ name: 'brokerCompatibilitySourceTopic', partitions: 1 }, { name: 'brokerCompatibilitySinkTopic', partitions: 1 }]);
      const file = props(join(env.dir, 'streams.properties'), {
        'state.dir': join(env.dir, 'state'),
        'bootstrap.servers': env.bootstrap,
        'replication.factor': 1,
        'acceptable.recovery.lag': '9223372036854775807',
        'session.timeout.ms': '10000',
      });
      const app = new JavaApp('BrokerCompatibilityTest', env.rt, `${TESTS}.BrokerCompatibilityTest`, [file, mode], join(env.dir, 'app.log'));
      try {
        if (!(await app.waitFor(/StreamsTest instance started/, 60_000))) return fail('never printed "StreamsTest instance started"', app);
        const exit = await app.waitExit(240_000);
        if (!exit) return fail('did not exit by itself within 240 s', app);
        const out = app.output();
        if (/FATAL|Non-Streams exception occurred/.test(out)) return fail(`reported an error (exit ${exit.code ?? exit.signal})`, app);
        if (exit.code !== 0 || !out.includes('close Kafka Streams')) return fail(`exited ${exit.code ?? exit.signal} without closing Kafka Streams`, app);
        const sink = await env.io.collect('brokerCompatibilitySinkTopic', (r) => r.length > 0, 30_000);
        if (!sink.some((r) => r.key?.toString() === 'key' && r.value?.toString() === '1')) return fail(`brokerCompatibilitySinkTopic held ${JSON.stringify(sink.map((r) => [r.key?.toString(), r.value?.toString()]))}, expected key=1`, app);
        return pass();
      } finally {
        await app.kill();
      }
    },
  };
}

/** The topics streams_smoke_test.py creates (5 partitions each). */
const SMOKE_TOPICS = ['echo', 'data', 'min', 'min-suppressed', 'min-raw', 'max', 'sum', 'sws-raw', 'sws-suppressed', 'dif', 'cnt', 'avg', 'wcnt', 'tagg', 'fk'];

function smokeTest(guarantee: 'at_least_once' | 'exactly_once_v2', crash: boolean): Case {
  return {
    name: `StreamsSmokeTest ${guarantee}${crash ? ' crash' : ''}`,
    smoke: false,
    async run(env) {
      await env.io.createTopics(SMOKE_TOPICS.map((name) => ({ name, partitions: 5 })));
      const base = {
        'bootstrap.servers': env.bootstrap,
        'processing.guarantee': guarantee,
        'num.stream.threads': 3,
        'replication.factor': 1,
        'num.standby.replicas': 2,
        'buffered.records.per.partition': 100,
        'commit.interval.ms': 1000,
        'auto.offset.reset': 'earliest',
        acks: 'all',
        'acceptable.recovery.lag': '9223372036854775807',
        'session.timeout.ms': '10000',
      };
      const driverProps = props(join(env.dir, 'driver.properties'), { ...base, 'state.dir': join(env.dir, 'driver') });
      let driver: JavaApp | null = null;
      const apps: JavaApp[] = [];
      try {
        for (let i = 1; i <= 3; i++) {
          const p = props(join(env.dir, `processor${i}.properties`), { ...base, 'state.dir': join(env.dir, `processor${i}`) });
          const proc = new JavaApp(`processor${i}`, env.rt, `${TESTS}.StreamsSmokeTest`, [p, 'process'], join(env.dir, `processor${i}.log`), 512);
          apps.push(proc);
          if (!(await proc.waitFor(/StreamsTest instance started/, 60_000))) return fail(`processor${i} never printed "StreamsTest instance started"`, proc);
          if (!(await proc.waitFor(/REBALANCING -> RUNNING/, 120_000))) return fail(`processor${i}: never saw 'REBALANCING -> RUNNING'`, proc);
          if (i === 1) {
            // The driver starts once the first processor runs, as in the system test.
            driver = new JavaApp('driver', env.rt, `${TESTS}.StreamsSmokeTest`, [driverProps, 'run'], join(env.dir, 'driver.log'));
            apps.push(driver);
            if (!(await driver.waitFor(/StreamsTest instance started/, 60_000))) return fail('the driver never started', driver);
          }
          if (!(await proc.waitFor(/processed/, 90_000))) return fail(`processor${i}: didn't see any processing messages`, proc);
          if (i < 3) {
            if (/Result Verification/.test(driver!.output())) return fail(`the driver finished before processor${i} was stopped (the test would prove nothing)`, driver ?? undefined);
            env.log(`kstreams: ${crash ? 'killing' : 'stopping'} processor${i}`);
            if (crash) await proc.kill();
            else {
              const s = await proc.stop(120_000);
              if (!s.clean) return fail(`processor${i} took too long to exit`, proc);
            }
          }
        }
        if (!driver) return fail('the driver never started');
        const exit = await driver.waitExit(900_000);
        if (!exit) return fail('the driver did not finish its verification within 15 minutes', driver);
        await apps.at(-1)!.stop(120_000);
        const out = driver.output();
        const verdict = (/^(SUCCESS|FAILURE)$/m.exec(out) ?? [''])[0];
        const delivered = (/^(ALL-RECORDS-DELIVERED|PROCESSED-MORE-THAN-GENERATED|PROCESSED-LESS-THAN-GENERATED|missedRecords=\d+)$/m.exec(out) ?? ['(no delivery line)'])[0];
        const ok = verdict === 'SUCCESS' || (crash && guarantee === 'at_least_once' && /^PROCESSED-MORE-THAN-GENERATED$/m.test(out));
        if (ok) return pass();
        // Under exactly_once_v2 the driver first checks that every transaction finished; when that
        // check fails it prints its reason and FAILED, and no verdict.
        const early = /^Transaction verification failed: .*$/m.exec(out)?.[0];
        return fail(early ? `the driver printed FAILED before verifying: ${early}` : `the driver printed ${verdict || 'no verdict'} (${delivered})`, driver);
      } finally {
        for (const a of apps) await a.kill();
      }
    },
  };
}

export const CASES: Case[] = [
  pipe,
  wordCount,
  wordCountProcessor,
  temperature,
  pageView,
  brokerCompatibility('at_least_once'),
  brokerCompatibility('exactly_once_v2'),
  smokeTest('at_least_once', false),
  smokeTest('exactly_once_v2', true),
];

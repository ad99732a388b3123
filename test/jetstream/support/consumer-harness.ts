// A NATS listener with the consumers half of JetStream over in-memory fake streams (the
// FakeStream of fake-stream.ts capturing publishes, a minimal STREAM.CREATE/INFO/DELETE and
// account INFO): lets wire tests of consumers run with real clients independently of the stream
// implementation. The consumer coordinator, its durable state (a memory-engine log), the
// consumer API, pull, push, acks and advisories are the real ones.
import { Router, type CaptureEntry, type SubscriptionOwner } from '../../../src/core/routing/router.js';
import { NatsServer } from '../../../src/nats/server.js';
import { subjectMatches } from '../../../src/core/routing/subject.js';
import { configFromFlags, resolveOptions } from '../../../src/config.js';
import { openLog, type Log } from '../../../src/core/log/index.js';
import { createStorageEngine } from '../../../src/storage/index.js';
import { ConsumerCoordinator } from '../../../src/core/coordinators/jetstream/consumer-coordinator.js';
import { JetStreamFrontEnd } from '../../../src/jetstream/front-end.js';
import { attachConsumers, consumerWire } from '../../../src/jetstream/consumer-service.js';
import type { ApiRoute } from '../../../src/jetstream/api-table.js';
import { goTime, type GoJson } from '../../../src/jetstream/json.js';
import { silentLogger } from '../../storage/helpers.js';
import { FakeRegistry, FakeStream, streamConfig } from './fake-stream.js';
import type { StreamConfig } from '../../../src/core/streams/types.js';

export interface ConsumerHarness {
  readonly port: number;
  readonly router: Router;
  readonly registry: FakeRegistry;
  readonly coordinator: ConsumerCoordinator;
  close(): Promise<void>;
}

class Capture implements CaptureEntry {
  readonly queue = undefined;
  constructor(
    readonly subject: string,
    private readonly stream: FakeStream,
    private readonly router: Router,
    private readonly owner: SubscriptionOwner,
  ) {}
  capture(subject: string, reply: string | undefined, hdrLen: number, msg: Buffer): boolean {
    const hdr = Buffer.from(msg.subarray(0, hdrLen));
    const data = Buffer.from(msg.subarray(hdrLen));
    const seq = this.stream.append(subject, data, hdr);
    if (reply !== undefined) this.router.publish(reply, undefined, 0, Buffer.from(JSON.stringify({ stream: this.stream.name, seq })), this.owner);
    return false;
  }
}

function streamInfo(s: FakeStream): { [key: string]: GoJson } {
  const st = s.state();
  return {
    config: JSON.parse(JSON.stringify({ ...s.config, max_age: 0, duplicate_window: 120000000000 })) as GoJson,
    created: goTime(s.created),
    state: { messages: st.messages, bytes: 0, first_seq: st.first_seq, first_ts: goTime(0), last_seq: st.last_seq, last_ts: goTime(0), consumer_count: st.consumer_count },
    ts: goTime(Date.now()),
  };
}

export async function startConsumerHarness(opts: { log?: Log } = {}): Promise<ConsumerHarness> {
  const router = new Router();
  const options = resolveOptions(configFromFlags({ host: '127.0.0.1', port: 0, httpPort: -1, kafkaPort: -1, logLevel: 'silent' }));
  const log = opts.log ?? (await openLog({ engine: await createStorageEngine({ kind: 'memory', logger: silentLogger }), fsync: 'always', fsyncInterval: 1000, logger: silentLogger }));
  const registry = new FakeRegistry();
  const captures = new Map<string, Capture[]>();
  let owner: SubscriptionOwner = { echo: true };
  const routes: ApiRoute[] = [
    {
      pattern: 'INFO',
      type: 'account_info_response',
      handle: (_req, reply) => reply.ok({ memory: 0, storage: 0, reserved_memory: 0, reserved_storage: 0, streams: registry.streams.size, consumers: 0, limits: { max_memory: -1, max_storage: -1, max_streams: -1, max_consumers: -1, max_ack_pending: -1, memory_max_stream_bytes: -1, storage_max_stream_bytes: -1, max_bytes_required: false }, api: { level: 1, total: 0, errors: 0 } }),
    },
    {
      pattern: 'STREAM.CREATE.*',
      type: 'stream_create_response',
      handle(req, reply) {
        const body = JSON.parse(req.data.toString() || '{}') as Partial<StreamConfig>;
        const name = req.tokens[2]!;
        let s = registry.streams.get(name);
        if (s === undefined) {
          s = registry.add(new FakeStream(streamConfig(name, { ...body, max_age: 0n, duplicate_window: 120_000_000_000n, consumer_limits: body.consumer_limits ?? {}, subjects: body.subjects ?? [name] })));
          const list: Capture[] = [];
          for (const subj of s.config.subjects ?? [name]) {
            const c = new Capture(subj, s, router, owner);
            router.captures.insert(c);
            list.push(c);
          }
          captures.set(name, list);
        }
        reply.ok({ ...streamInfo(s), did_create: true });
      },
    },
    {
      pattern: 'STREAM.NAMES',
      type: 'stream_names_response',
      handle(req, reply) {
        const body = JSON.parse(req.data.toString() || '{}') as { subject?: string };
        const names = [...registry.streams.values()]
          .filter((s) => body.subject === undefined || (s.config.subjects ?? []).some((x) => subjectMatches(x, body.subject!) || subjectMatches(body.subject!, x)))
          .map((s) => s.name)
          .sort();
        reply.ok({ total: names.length, offset: 0, limit: 1024, streams: names });
      },
    },
    {
      pattern: 'STREAM.INFO.*',
      type: 'stream_info_response',
      handle(req, reply) {
        const s = registry.streams.get(req.tokens[2]!);
        if (s === undefined) return reply.error({ code: 404, err_code: 10059, description: 'stream not found' });
        reply.ok(streamInfo(s));
      },
    },
    {
      pattern: 'STREAM.DELETE.*',
      type: 'stream_delete_response',
      async handle(req, reply) {
        const name = req.tokens[2]!;
        for (const c of captures.get(name) ?? []) router.captures.remove(c);
        captures.delete(name);
        if (!(await registry.delete(name))) return reply.error({ code: 404, err_code: 10059, description: 'stream not found' });
        reply.ok({ success: true });
      },
    },
  ];
  const fe = new JetStreamFrontEnd({ router, logger: silentLogger, routes, serverName: 'wharf', apiLevel: 1 });
  owner = fe;
  const wire = consumerWire(router, fe);
  const coordinator = await ConsumerCoordinator.open({ log, streams: registry, logger: silentLogger, events: wire.events, pushSinks: wire.pushSinks });
  attachConsumers({ frontEnd: fe, coordinator, router, wire, server: { version: '2.11.0', level: 1 }, strict: true });
  fe.start();
  const nats = new NatsServer(options.nats, router, silentLogger);
  await nats.listen();
  return {
    port: nats.port,
    router,
    registry,
    coordinator,
    async close() {
      await nats.close();
      await fe.close();
      await coordinator.close();
      if (opts.log === undefined) await log.close();
    },
  };
}

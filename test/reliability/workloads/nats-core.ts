// NATS core: request-reply and queue groups under load. Three responders in a queue group answer
// requests with the request's id; three workers in another queue group take published work
// items. Checked: every reply matches its request; no request or work item reaches two members
// of a group; while no fault disconnects anyone, every work item is delivered (core NATS is
// at most once, so losses across a broker kill or pause are allowed and counted).
import { StringCodec, type NatsConnection } from 'nats';
import { examples, type Outcome } from '../outcome.js';
import { natsConnect } from './nats-client.js';
import { retrying, type Workload, type WorkloadContext } from './workload.js';

const sc = StringCodec();

export function natsCoreWorkload(): Workload {
  const conns: NatsConnection[] = [];
  let svc = '';
  let work = '';
  const served = new Map<string, number>();
  const worked = new Map<string, number>();
  const published = new Set<string>();
  let requests = 0;
  let replies = 0;
  let mismatched: string[] = [];
  let requestErrors = 0;
  let disconnects = 0;

  async function conn(ctx: WorkloadContext, name: string): Promise<NatsConnection> {
    const nc = await retrying(() => natsConnect(ctx.target.natsUrl!, name), 90_000, `${name} connect`);
    conns.push(nc);
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'disconnect') disconnects++;
    })();
    return nc;
  }

  return {
    name: 'nats-core',
    unsupported: (t) => (t.natsUrl ? undefined : 'no NATS listener'),
    async setup(ctx) {
      svc = `rel.svc.${ctx.tag}`;
      work = `rel.work.${ctx.tag}`;
      for (let m = 0; m < 3; m++) {
        const nc = await conn(ctx, `responder-${m}`);
        nc.subscribe(svc, {
          queue: 'svc',
          callback: (_err, msg) => {
            const id = sc.decode(msg.data);
            served.set(id, (served.get(id) ?? 0) + 1);
            msg.respond(sc.encode(`${id}|${m}`));
          },
        });
        nc.subscribe(work, {
          queue: 'workers',
          callback: (_err, msg) => {
            const id = sc.decode(msg.data);
            worked.set(id, (worked.get(id) ?? 0) + 1);
          },
        });
        await nc.flush();
      }
    },
    async run(ctx) {
      const requester = async (r: number) => {
        const nc = await conn(ctx, `requester-${r}`);
        for (let n = 0; !ctx.stopped(); n++) {
          const id = `r${r}:${n}`;
          requests++;
          try {
            const reply = sc.decode((await nc.request(svc, sc.encode(id), { timeout: 2_000 })).data);
            replies++;
            if (reply.slice(0, reply.lastIndexOf('|')) !== id) mismatched.push(`${id} answered ${reply}`);
          } catch {
            requestErrors++;
          }
        }
      };
      const publisher = async () => {
        const nc = await conn(ctx, 'publisher');
        for (let n = 0; !ctx.stopped(); n++) {
          const id = `w:${n}`;
          published.add(id);
          nc.publish(work, sc.encode(id));
          if (n % 50 === 49) await nc.flush().catch(() => undefined);
        }
        await nc.flush().catch(() => undefined);
      };
      await Promise.all([requester(0), requester(1), publisher()]);
    },
    async check(_ctx, out: Outcome) {
      // Let the last work items arrive: wait until the count stops growing.
      for (let last = -1; last !== worked.size; ) {
        last = worked.size;
        await new Promise((r) => setTimeout(r, 500));
      }
      out.attempted = requests + published.size;
      out.acknowledged = replies;
      if (mismatched.length) out.violations.push(`replies that do not match their request: ${examples(mismatched)}`);
      const twiceServed = [...served].filter(([, c]) => c > 1).map(([id, c]) => `${id} ×${c}`);
      const twiceWorked = [...worked].filter(([, c]) => c > 1).map(([id, c]) => `${id} ×${c}`);
      out.duplicated = twiceServed.length + twiceWorked.length;
      if (twiceServed.length) out.violations.push(`requests served by two members of the queue group: ${examples(twiceServed)}`);
      if (twiceWorked.length) out.violations.push(`work items delivered to two members of the queue group: ${examples(twiceWorked)}`);
      const unexpected = [...worked.keys()].filter((id) => !published.has(id));
      out.unexpected = unexpected.length;
      if (unexpected.length) out.violations.push(`work items never published: ${examples(unexpected)}`);
      const lost = [...published].filter((id) => !worked.has(id));
      out.lost = lost.length;
      if (lost.length) {
        if (disconnects > 0) out.allowed.push(`${lost.length} work items lost while clients were disconnected (${disconnects} disconnects; core NATS is at most once)`);
        else out.violations.push(`${lost.length} work items lost with every client connected: ${examples(lost)}`);
      }
      if (requestErrors) out.notes.push(`${requestErrors} requests timed out`);
      mismatched = [];
    },
    async close() {
      await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    },
  };
}

// A kafkajs 2.2.4 consumer-group member for groups-rebalance.test.ts, run as a child process so
// that the test can SIGKILL it. It speaks the same line protocol as test/kafka/java/
// RebalanceMember.java (see there): P lines for processed records, C lines for the records a
// successful commit covered, F for failed commits, A on each assignment, and the stdin commands
// `die` and `close`. Each batch is processed and then committed (commitOffsets, no auto commit).
//
//   node rebalance-kafkajs-member.js <port> <topic> <group> <out file>
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { kafkaClient } from './kafkajs.js';

const [portArg, topic, group, file] = process.argv.slice(2);

async function main(): Promise<void> {
  const line = (s: string) => appendFileSync(file!, s + '\n');
  const event = (s: string) => {
    line(s);
    process.stdout.write(s + '\n');
  };
  let die = false;
  let close = false;
  const pending = new Map<number, [number, number]>();
  let owned: number[] = [];
  const kafka = kafkaClient(Number(portArg), `member-${process.pid}`);
  const consumer = kafka.consumer({ groupId: group!, sessionTimeout: 6_000, rebalanceTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100, maxBytesPerPartition: 2_000, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1_000 } });
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    // A new generation: positions come from the committed offsets again, so whatever was
    // processed and not committed is given up (another member, or this one, processes it again).
    // kafkajs is eager: each generation replaces the whole assignment.
    pending.clear();
    if (owned.length > 0) event(`R ${owned.join(',')}`);
    owned = (e.payload.memberAssignment[topic!] ?? []).slice().sort((a, b) => a - b);
    event(`A ${owned.join(',')}`);
  });
  consumer.on(consumer.events.CRASH, (e) => event(`CRASH ${String(e.payload.error)}`));
  createInterface({ input: process.stdin })
    .on('line', (cmd) => {
      if (cmd.trim() === 'die') die = true;
      if (cmd.trim() === 'close') close = true;
    })
    .on('close', () => {
      if (!close) process.exit(3); // stdin closed: the test is gone
    });
  await consumer.connect();
  await consumer.subscribe({ topic: topic!, fromBeginning: true });
  event('STARTED');
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, isStale, resolveOffset }) => {
      if (close || isStale()) return;
      const p = batch.partition;
      for (const m of batch.messages) {
        const o = Number(m.offset);
        const r = pending.get(p);
        if (!r) pending.set(p, [o, o]);
        else if (o !== r[1] + 1) {
          event(`GAP ${p} ${r[1]} ${o}`);
          pending.set(p, [o, o]);
        } else r[1] = o;
        line(`P ${p} ${o} ${m.value!.toString()}`);
        resolveOffset(m.offset); // the fetch position; nothing is committed automatically
      }
      if (die) {
        event('DYING');
        await new Promise(() => {});
      }
      const r = pending.get(p);
      if (!r) return;
      try {
        await consumer.commitOffsets([{ topic: batch.topic, partition: p, offset: String(r[1] + 1) }]);
      } catch (e) {
        event(`F ${(e as Error).name} ${(e as Error).message}`);
        throw e; // kafkajs rejoins on rebalance errors
      }
      line(`C ${p} ${r[0]} ${r[1]}`);
      pending.delete(p);
      process.stdout.write('COMMITTED\n');
    },
  });
  const until = Date.now() + 300_000;
  while (!close && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  await consumer.disconnect();
  event('X');
  process.exit(0);
}

// Imported or run without arguments (e.g. picked up by a test runner's glob): do nothing.
if (file !== undefined) {
  main().catch((e) => {
    process.stdout.write(`FATAL ${String(e)}\n`);
    process.exit(1);
  });
}

// Child process of the crash test: appends numbered batches as fast as it can, printing one
// line per acknowledged append ("A <seq> <baseOffset> <records>"), until it is killed.
// stdout is a pipe, which Node writes synchronously on Linux: a printed line was acknowledged.
// It does nothing unless started with --crash-writer (the test runner may load this file).
import { buildRecordBatch } from '../../src/core/records/batch.js';
import { openLog } from '../../src/core/log/log-manager.js';
import { createStorageEngine } from '../../src/storage/index.js';
import { pino } from 'pino';

async function main(): Promise<void> {
  const [dir, policy, seqStartArg, concurrencyArg] = process.argv.slice(3);
  const logger = pino({ level: 'silent' });
  const log = await openLog({
    engine: await createStorageEngine({ kind: 'local', dataDir: dir!, logger }),
    fsync: policy as 'always' | 'interval' | 'never',
    fsyncInterval: 50,
    logger,
    maintenanceIntervalMs: 0,
  });
  if (!log.hasTopic('crash')) await log.createTopic('crash', { partitions: 1, configs: { 'segment.bytes': '16384' } });
  const p = log.partition('crash', 0);
  process.stdout.write('READY\n');
  let seq = Number(seqStartArg);
  const concurrency = Number(concurrencyArg);
  const one = async (): Promise<void> => {
    for (;;) {
      const s = seq++;
      const count = 1 + (s % 3);
      const pad = 'x'.repeat((s * 7919) % 1500);
      const records = Array.from({ length: count }, (_, i) => ({ key: `k${s}`, value: i === 0 ? `${s}|${pad}` : `${s}.${i}` }));
      const r = await p.append(buildRecordBatch({ records }));
      process.stdout.write(`A ${s} ${r.baseOffset} ${count}\n`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
}

if (process.argv[2] === '--crash-writer') {
  main().catch((e) => {
    process.stderr.write(`writer failed: ${(e as Error).stack}\n`);
    process.exit(1);
  });
}

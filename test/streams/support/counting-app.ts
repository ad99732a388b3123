// The application of the crash and rebalance tests: every input record is echoed to `echo`
// (one output per input: exactly once means each input value appears once there) and counted
// per key into the `counts` store, whose updates go to `counts` (the final count of a key must
// equal the number of its inputs). Runs in-process (countingApp) or as a child process
// (`node counting-app.js <bootstrap> <stateDir> <applicationId> [guarantee]`) that a test can
// kill -9.
import { KafkaStreams, Serdes, StreamsBuilder, type Logger, type ProcessingGuarantee } from 'wharf/streams';

export interface CountingAppOptions {
  bootstrap: string;
  stateDir: string;
  applicationId: string;
  guarantee?: ProcessingGuarantee;
  logger?: Logger;
  storeType?: 'persistent' | 'inMemory';
  numStandbyReplicas?: number;
}

export function countingApp(o: CountingAppOptions): KafkaStreams {
  const b = new StreamsBuilder();
  const input = b.stream('input', { key: Serdes.String(), value: Serdes.String() });
  input.mapValues((v) => v).to('echo', { key: Serdes.String(), value: Serdes.String() });
  input.groupByKey().count({ storeName: 'counts', storeType: o.storeType ?? 'persistent' }).toStream().to('counts', { key: Serdes.String(), value: Serdes.Long() });
  return new KafkaStreams(b.build(), {
    applicationId: o.applicationId,
    bootstrapServers: o.bootstrap,
    processingGuarantee: o.guarantee ?? 'exactly_once_v2',
    stateDir: o.stateDir,
    commitIntervalMs: 100,
    heartbeatIntervalMs: 200,
    sessionTimeoutMs: 6_000,
    rebalanceTimeoutMs: 10_000,
    transactionTimeoutMs: 5_000,
    maxRecordsPerTaskIteration: 50,
    numStandbyReplicas: o.numStandbyReplicas ?? 0,
    ...(o.logger ? { logger: o.logger } : {}),
  });
}

const [bootstrap, stateDir, applicationId, guarantee] = process.argv.slice(2);
if (process.argv[1]?.endsWith('counting-app.js') && bootstrap && stateDir && applicationId) {
  const app = countingApp({ bootstrap, stateDir, applicationId, guarantee: guarantee === 'at_least_once' ? 'at_least_once' : 'exactly_once_v2' });
  app.on('error', (err: unknown) => {
    console.error(`app error: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
  app.start().then(
    () => console.log('RUNNING'),
    (err: unknown) => {
      console.error(`start failed: ${err instanceof Error ? err.stack : String(err)}`);
      process.exit(1);
    },
  );
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

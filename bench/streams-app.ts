// The TypeScript side of the streams benchmark (bench/streams.ts): wharf/streams running the
// topology bench/java/StreamsBench.java runs in Java Kafka Streams 4.3.1 (word count, or a
// windowed count of 10 s tumbling windows with 1 min grace), with the same settings
// (commit.interval.ms=100, the default 10 MB cache, persistent stores), the guarantee and the
// topics given on the command line. Prints RUNNING once the application runs, stops on SIGTERM.
//
//   node dist/bench/streams-app.js BOOTSTRAP APP_ID wordcount|windowed at_least_once|exactly_once_v2 INPUT OUTPUT STATE_DIR
import { KafkaStreams, Serdes, StreamsBuilder, TimeWindows, type ProcessingGuarantee, type Windowed } from 'wharf/streams';

const [bootstrap, applicationId, topology, guarantee, input, output, stateDir] = process.argv.slice(2);
if (!bootstrap || !applicationId || !input || !output || !stateDir || (topology !== 'wordcount' && topology !== 'windowed') || (guarantee !== 'at_least_once' && guarantee !== 'exactly_once_v2')) {
  console.error('usage: streams-app.js BOOTSTRAP APP_ID wordcount|windowed at_least_once|exactly_once_v2 INPUT OUTPUT STATE_DIR');
  process.exit(2);
}
const S = Serdes.String();
const L = Serdes.Long();
const b = new StreamsBuilder();
if (topology === 'wordcount') {
  b.stream(input, { key: S, value: S })
    .flatMapValues((line) => line.split(' '))
    .groupBy((_k, w) => w, { key: S, value: S })
    .count({ storeName: 'counts', key: S, value: L })
    .toStream()
    .to(output, { key: S, value: L });
} else {
  b.stream(input, { key: S, value: S })
    .groupByKey({ key: S, value: S })
    .windowedBy(TimeWindows.ofSizeAndGrace(10_000, 60_000))
    .count({ storeName: 'wcounts', key: S, value: L })
    .toStream((wk: Windowed<string>) => `${wk.key}@${wk.window.start}`)
    .to(output, { key: S, value: L });
}
const app = new KafkaStreams(b.build(), {
  applicationId,
  bootstrapServers: bootstrap,
  processingGuarantee: guarantee satisfies ProcessingGuarantee,
  stateDir,
  commitIntervalMs: 100,
});
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  app.close().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
await app.start();
console.log('RUNNING');

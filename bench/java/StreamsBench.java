// The Java side of the streams benchmark (bench/streams.ts): Kafka Streams 4.3.1 running the
// topology the TypeScript side (bench/streams-app.ts) runs, word count or a windowed count, with
// the guarantee and topics given on the command line. Prints RUNNING once the application is
// in state RUNNING, and stops on SIGTERM.
//
//   java -cp <kafka-streams 4.3.1 classpath>:<classes> StreamsBench BOOTSTRAP APP_ID wordcount|windowed at_least_once|exactly_once_v2 INPUT OUTPUT STATE_DIR
import java.time.Duration;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;

public class StreamsBench {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], appId = args[1], topology = args[2], guarantee = args[3], input = args[4], output = args[5], stateDir = args[6];
    StreamsBuilder b = new StreamsBuilder();
    if (topology.equals("wordcount")) {
      b.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
          .flatMapValues(line -> Arrays.asList(line.split(" ")))
          .groupBy((k, w) -> w, Grouped.with(Serdes.String(), Serdes.String()))
          .count(Materialized.as("counts"))
          .toStream()
          .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    } else {
      b.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
          .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(10), Duration.ofMinutes(1)))
          .count(Materialized.as("wcounts"))
          .toStream((wk, v) -> wk.key() + "@" + wk.window().start())
          .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    }
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    KafkaStreams app = new KafkaStreams(b.build(), p);
    CountDownLatch done = new CountDownLatch(1);
    app.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING) System.out.println("RUNNING");
      if (now == KafkaStreams.State.ERROR) {
        System.out.println("ERROR");
        done.countDown();
      }
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      app.close(Duration.ofSeconds(10));
      done.countDown();
    }));
    app.start();
    done.await();
  }
}

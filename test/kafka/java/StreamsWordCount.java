// A Kafka Streams 4.4 word count with the streams group protocol (KIP-1071,
// group.protocol=streams) for streams-group-java.test.ts: lines of the input topic are split
// into lowercase words, counted (a state store with its changelog, behind a repartition topic)
// and the counts written to the output topic (String keys, Long values), exactly once. It
// prints, each on its own flushed line:
//   STATE <new>             every state change of the application (RUNNING, REBALANCING, ...)
//   TASKS <sorted ids>      the active tasks of this instance whenever they change
//   CLOSED                  after a clean close (SIGTERM or stdin closed)
//   FATAL <exception>       an uncaught exception (the application shuts down)
//
//   java StreamsWordCount <bootstrap> <application id> <state dir> <input> <output> <instance name>
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Produced;

public class StreamsWordCount {
  static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], appId = args[1], stateDir = args[2], input = args[3], output = args[4], name = args[5];
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    p.put(StreamsConfig.CLIENT_ID_CONFIG, name);
    p.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "streams");
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);

    StreamsBuilder b = new StreamsBuilder();
    b.<String, String>stream(input)
        .flatMapValues(line -> Arrays.asList(line.toLowerCase(Locale.ROOT).split("\\W+")))
        .filter((k, w) -> !w.isEmpty())
        .groupBy((k, w) -> w, Grouped.with("words", Serdes.String(), Serdes.String()))
        .count()
        .toStream()
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));

    KafkaStreams streams = new KafkaStreams(b.build(), p);
    streams.setStateListener((now, before) -> say("STATE " + now));
    streams.setUncaughtExceptionHandler(e -> {
      say("FATAL " + e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    CountDownLatch done = new CountDownLatch(1);
    Runnable close = () -> {
      streams.close(Duration.ofSeconds(30));
      say("CLOSED");
      done.countDown();
    };
    Runtime.getRuntime().addShutdownHook(new Thread(close));
    streams.start();
    // Report the active tasks whenever they change.
    Thread watch = new Thread(() -> {
      String last = null;
      while (done.getCount() > 0) {
        try {
          TreeSet<String> ids = new TreeSet<>();
          for (ThreadMetadata t : streams.metadataForLocalThreads()) for (TaskMetadata m : t.activeTasks()) ids.add(m.taskId().toString());
          String now = String.join(",", ids);
          if (!now.equals(last)) {
            say("TASKS " + now);
            last = now;
          }
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          // not running yet
        }
      }
    });
    watch.setDaemon(true);
    watch.start();
    // The test closing our stdin means it is gone: close cleanly.
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    while (in.readLine() != null) { }
    System.exit(0);
  }
}

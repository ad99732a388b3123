// Java Kafka Streams 4.3.1 side of the byte-compatibility test: builds the same topologies as
// test/streams/java-compat.test.ts, runs them in Java's TopologyTestDriver with the same input,
// and prints describe() and every record written to every topic (outputs, repartition topics,
// changelogs) as hex, for the TypeScript side to compare byte for byte.
import java.time.Duration;
import java.util.*;
import org.apache.kafka.common.serialization.*;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.*;
import org.apache.kafka.streams.kstream.*;
import org.apache.kafka.streams.state.*;
import org.apache.kafka.streams.test.TestRecord;

public class StreamsCompat {
  static final Serde<String> S = Serdes.String();
  static final Serde<Long> L = Serdes.Long();

  static String hex(byte[] b) {
    if (b == null) return "-";
    StringBuilder sb = new StringBuilder();
    for (byte x : b) sb.append(String.format("%02x", x));
    return sb.length() == 0 ? "." : sb.toString();
  }

  static Topology build(String name) {
    StreamsBuilder b = new StreamsBuilder();
    switch (name) {
      case "wordcount":
        b.stream("in", Consumed.with(S, S))
          .flatMapValues(v -> Arrays.asList(v.toLowerCase().split(" ")))
          .groupBy((k, v) -> v, Grouped.with(S, S))
          .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("counts").withKeySerde(S).withValueSerde(L).withCachingDisabled())
          .toStream()
          .to("out", Produced.with(S, L));
        break;
      case "windowed":
        b.stream("in", Consumed.with(S, S))
          .groupByKey(Grouped.with(S, S))
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10_000), Duration.ofMillis(0)))
          .count(Materialized.<String, Long, WindowStore<Bytes, byte[]>>as("wcounts").withKeySerde(S).withValueSerde(L).withCachingDisabled())
          .toStream()
          .to("out", Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, 10_000), L));
        break;
      case "session":
        b.stream("in", Consumed.with(S, S))
          .groupByKey(Grouped.with(S, S))
          .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(5_000), Duration.ofMillis(60_000)))
          .count(Materialized.<String, Long, SessionStore<Bytes, byte[]>>as("scounts").withKeySerde(S).withValueSerde(L).withCachingDisabled())
          .toStream()
          .to("out", Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(String.class), L));
        break;
      case "tablegroup":
        b.table("in", Consumed.with(S, S), Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as("users").withKeySerde(S).withValueSerde(S).withCachingDisabled())
          .groupBy((k, v) -> KeyValue.pair(v, k), Grouped.with(S, S))
          .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("per-region").withKeySerde(S).withValueSerde(L).withCachingDisabled())
          .toStream()
          .to("out", Produced.with(S, L));
        break;
      case "serdes":
        KStream<String, String> s = b.stream("in", Consumed.with(S, S));
        s.mapValues(v -> Long.parseLong(v)).to("longs", Produced.with(S, Serdes.Long()));
        s.mapValues(v -> Integer.parseInt(v)).to("ints", Produced.with(S, Serdes.Integer()));
        s.mapValues(v -> Double.parseDouble(v) / 4).to("doubles", Produced.with(S, Serdes.Double()));
        s.mapValues(v -> Float.parseFloat(v) / 2).to("floats", Produced.with(S, Serdes.Float()));
        s.mapValues(v -> Short.parseShort(v)).to("shorts", Produced.with(S, Serdes.Short()));
        s.mapValues(v -> Long.parseLong(v) % 2 == 0).to("booleans", Produced.with(S, Serdes.Boolean()));
        break;
      default:
        throw new IllegalArgumentException(name);
    }
    return b.build();
  }

  public static void main(String[] args) {
    String name = args[0];
    Topology t = build(name);
    System.out.println("DESCRIBE");
    System.out.print(t.describe().toString());
    System.out.println("END");
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "compat");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    try (TopologyTestDriver d = new TopologyTestDriver(t, p)) {
      TestInputTopic<String, String> in = d.createInputTopic("in", S.serializer(), S.serializer());
      Scanner sc = new Scanner(System.in);
      while (sc.hasNextLine()) {
        String line = sc.nextLine();
        if (line.isEmpty()) continue;
        String[] f = line.split("\t", -1);
        in.pipeInput(f[0].equals("-") ? null : f[0], f[1].equals("-") ? null : f[1], Long.parseLong(f[2]));
      }
      List<String> topics = new ArrayList<>(d.producedTopicNames());
      Collections.sort(topics);
      for (String topic : topics) {
        TestOutputTopic<byte[], byte[]> out = d.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        for (TestRecord<byte[], byte[]> r : out.readRecordsToList()) {
          System.out.println(topic + "\t" + hex(r.key()) + "\t" + hex(r.value()) + "\t" + r.timestamp());
        }
      }
    }
  }
}

// A Kafka Streams-free exactly-once read-process-write application on the Java clients:
// consume `in` (read_committed, no auto commit), copy each record to the same partition of
// `out` inside a transaction together with the consumed offsets (sendOffsetsToTransaction),
// commit. Any error aborts and recreates consumer and producer, which resume from the committed
// offsets, so a broker killed at any moment leaves the committed output exact.
//
//   java -cp <kafka-clients and deps>:<dir> ReadProcessWrite <bootstrap> <in> <out> <group> <transactional.id> [classic|consumer] [pause ms per transaction]
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class ReadProcessWrite {
  public static void main(String[] a) throws Exception {
    String bs = a[0], in = a[1], out = a[2], group = a[3], txid = a[4];
    String protocol = a.length > 5 ? a[5] : "classic";
    long pause = a.length > 6 ? Long.parseLong(a[6]) : 0;
    long total = 0;
    while (true) {
      Properties cp = new Properties();
      cp.put("bootstrap.servers", bs);
      cp.put("group.id", group);
      cp.put("client.id", txid);
      cp.put("group.protocol", protocol);
      cp.put("isolation.level", "read_committed");
      cp.put("enable.auto.commit", "false");
      cp.put("auto.offset.reset", "earliest");
      cp.put("max.poll.records", "50");
      cp.put("key.deserializer", StringDeserializer.class.getName());
      cp.put("value.deserializer", StringDeserializer.class.getName());
      cp.put("request.timeout.ms", "5000");
      cp.put("default.api.timeout.ms", "10000");
      cp.put("reconnect.backoff.max.ms", "500");
      cp.put("retry.backoff.max.ms", "500");
      if (protocol.equals("classic")) {
        cp.put("session.timeout.ms", "6000");
        cp.put("heartbeat.interval.ms", "500");
      }
      Properties pp = new Properties();
      pp.put("bootstrap.servers", bs);
      pp.put("transactional.id", txid);
      pp.put("transaction.timeout.ms", "10000");
      pp.put("delivery.timeout.ms", "15000");
      pp.put("request.timeout.ms", "5000");
      pp.put("max.block.ms", "15000");
      pp.put("reconnect.backoff.max.ms", "500");
      pp.put("retry.backoff.max.ms", "500");
      pp.put("key.serializer", StringSerializer.class.getName());
      pp.put("value.serializer", StringSerializer.class.getName());
      KafkaConsumer<String, String> c = null;
      KafkaProducer<String, String> p = null;
      try {
        p = new KafkaProducer<>(pp);
        p.initTransactions();
        c = new KafkaConsumer<>(cp);
        c.subscribe(List.of(in));
        while (true) {
          ConsumerRecords<String, String> recs = c.poll(Duration.ofMillis(200));
          if (recs.isEmpty()) continue;
          p.beginTransaction();
          Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
          for (TopicPartition tp : recs.partitions()) {
            List<ConsumerRecord<String, String>> l = recs.records(tp);
            for (ConsumerRecord<String, String> r : l) p.send(new ProducerRecord<>(out, r.partition(), r.key(), r.value()));
            offsets.put(tp, new OffsetAndMetadata(l.get(l.size() - 1).offset() + 1));
          }
          p.sendOffsetsToTransaction(offsets, c.groupMetadata());
          p.commitTransaction();
          total += recs.count();
          System.out.println("COMMITTED " + total);
          if (pause > 0) Thread.sleep(pause);
        }
      } catch (Exception e) {
        System.out.println("RESTART " + e);
        try {
          if (p != null) p.abortTransaction();
        } catch (Exception ignored) {
        }
      } finally {
        try {
          if (c != null) c.close(Duration.ofSeconds(1));
        } catch (Exception ignored) {
        }
        try {
          if (p != null) p.close(Duration.ofSeconds(1));
        } catch (Exception ignored) {
        }
      }
      Thread.sleep(300);
    }
  }
}

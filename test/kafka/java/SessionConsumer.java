// A Java 4.4 consumer group member (classic protocol) that reads a topic with many partitions
// and then keeps polling: its fetcher uses incremental fetch sessions (KIP-227), so once the
// records are read its fetches name no partition at all.
//
//   java -cp <kafka-clients and deps>:<dir> SessionConsumer <bootstrap> <topic> <group> <records> <idle ms>
// Prints "CONSUMED <n>" once it has read <records> records, then polls for <idle ms> and prints "DONE".
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

public class SessionConsumer {
  public static void main(String[] a) throws Exception {
    String bs = a[0], topic = a[1], group = a[2];
    int records = Integer.parseInt(a[3]);
    long idle = Long.parseLong(a[4]);
    Properties cp = new Properties();
    cp.put("bootstrap.servers", bs);
    cp.put("group.id", group);
    cp.put("auto.offset.reset", "earliest");
    cp.put("fetch.max.wait.ms", "200");
    cp.put("key.deserializer", StringDeserializer.class.getName());
    cp.put("value.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cp)) {
      c.subscribe(List.of(topic));
      int n = 0;
      long end = System.currentTimeMillis() + 60_000;
      while (n < records && System.currentTimeMillis() < end) n += c.poll(Duration.ofMillis(200)).count();
      System.out.println("CONSUMED " + n);
      System.out.flush();
      long stop = System.currentTimeMillis() + idle;
      while (System.currentTimeMillis() < stop) n += c.poll(Duration.ofMillis(100)).count();
      System.out.println("DONE " + n);
    }
  }
}

// A Java 4.4 KafkaShareConsumer (KIP-932) in one of two acknowledgement modes:
//   implicit: every record a poll returns is accepted by the next poll (or by close);
//   explicit: each record is acknowledged by the app: RELEASE on the first delivery of values
//             divisible by 5 (so they come back with delivery count 2), REJECT for values
//             divisible by 7 (never again), ACCEPT otherwise; commitSync after each poll.
//   java -cp <kafka-clients and deps>:<dir> ShareConsume <bootstrap> <topic> <group> <implicit|explicit> <stop after distinct> <idle ms>
// Prints "R <partition> <offset> <delivery count> <value> <ack>" per record, "GOT <n>" once it has
// seen <n> distinct values (or at its 60 s deadline), then polls <idle ms> more (still printing)
// and prints "DONE" after close.
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

public class ShareConsume {
  public static void main(String[] a) throws Exception {
    String bs = a[0], topic = a[1], group = a[2], mode = a[3];
    int stopAfter = Integer.parseInt(a[4]);
    long idle = Long.parseLong(a[5]);
    boolean explicit = mode.equals("explicit");
    Properties cp = new Properties();
    cp.put("bootstrap.servers", bs);
    cp.put("group.id", group);
    cp.put("share.acknowledgement.mode", explicit ? "explicit" : "implicit");
    cp.put("key.deserializer", StringDeserializer.class.getName());
    cp.put("value.deserializer", StringDeserializer.class.getName());
    Set<String> seen = new HashSet<>();
    try (KafkaShareConsumer<String, String> c = new KafkaShareConsumer<>(cp)) {
      c.subscribe(List.of(topic));
      long end = System.currentTimeMillis() + 60_000;
      boolean announced = false;
      long stop = Long.MAX_VALUE;
      while (System.currentTimeMillis() < Math.min(end, stop)) {
        ConsumerRecords<String, String> rs = c.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, String> r : rs) {
          int v = Integer.parseInt(r.value());
          int dc = r.deliveryCount().orElse((short) -1);
          String ack = "implicit";
          if (explicit) {
            AcknowledgeType t = (v % 5 == 0 && dc == 1) ? AcknowledgeType.RELEASE : (v % 7 == 0 ? AcknowledgeType.REJECT : AcknowledgeType.ACCEPT);
            c.acknowledge(r, t);
            ack = t.toString();
          }
          seen.add(r.value());
          System.out.println("R " + r.partition() + " " + r.offset() + " " + dc + " " + r.value() + " " + ack);
        }
        if (explicit && !rs.isEmpty()) c.commitSync();
        if (!announced && seen.size() >= stopAfter) {
          announced = true;
          System.out.println("GOT " + seen.size());
          System.out.flush();
          stop = System.currentTimeMillis() + idle;
        }
      }
      if (!announced) System.out.println("GOT " + seen.size());
    }
    System.out.println("DONE");
  }
}

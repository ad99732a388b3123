// Transactions with the Java clients 4.4 against a broker that finalizes transaction.version 2
// (KIP-890 part 2): the producer adds partitions through its writes (no AddPartitionsToTxn) and
// ends each transaction with EndTxn v5, which bumps its epoch; every third transaction is
// aborted. A read_committed consumer then reads the topic back.
//
//   java -cp <kafka-clients and deps>:<dir> TransactionsV2 <bootstrap> <topic> <transactional.id> <transactions> <partitions>
// Prints "COMMITTED <n>" and "ABORTED <n>" after producing, then every value read as
// "VALUE <value>" and "CONSUMED <n>".
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class TransactionsV2 {
  public static void main(String[] a) throws Exception {
    String bs = a[0], topic = a[1], txid = a[2];
    int transactions = Integer.parseInt(a[3]), partitions = Integer.parseInt(a[4]);
    Properties pp = new Properties();
    pp.put("bootstrap.servers", bs);
    pp.put("transactional.id", txid);
    pp.put("key.serializer", StringSerializer.class.getName());
    pp.put("value.serializer", StringSerializer.class.getName());
    int committed = 0, aborted = 0;
    try (KafkaProducer<String, String> p = new KafkaProducer<>(pp)) {
      p.initTransactions();
      for (int t = 0; t < transactions; t++) {
        p.beginTransaction();
        for (int i = 0; i < partitions; i++) p.send(new ProducerRecord<>(topic, i, null, t + "-" + i));
        if (t % 3 == 1) {
          p.abortTransaction();
          aborted++;
        } else {
          p.commitTransaction();
          committed++;
        }
      }
    }
    System.out.println("COMMITTED " + committed);
    System.out.println("ABORTED " + aborted);
    Properties cp = new Properties();
    cp.put("bootstrap.servers", bs);
    cp.put("isolation.level", "read_committed");
    cp.put("key.deserializer", StringDeserializer.class.getName());
    cp.put("value.deserializer", StringDeserializer.class.getName());
    int expected = committed * partitions, n = 0;
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cp)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int i = 0; i < partitions; i++) tps.add(new TopicPartition(topic, i));
      c.assign(tps);
      c.seekToBeginning(tps);
      long end = System.currentTimeMillis() + 30_000;
      while (n < expected && System.currentTimeMillis() < end) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          System.out.println("VALUE " + r.value());
          n++;
        }
      }
      // A little more: anything past the committed records would be a bug.
      for (int i = 0; i < 3; i++) for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
        System.out.println("VALUE " + r.value());
        n++;
      }
    }
    System.out.println("CONSUMED " + n);
  }
}

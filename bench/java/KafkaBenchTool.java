// Measurements of bench/kafka.ts that Kafka 4.4's own perf tools do not make, written against
// the same Java client (kafka-clients 4.4.0) so that Kafka and Wharf see identical clients.
// Compiled by bench/kafka.ts with `javac -cp $WHARF_KAFKA_CLASSPATH -d OUT`; every mode prints
// one line `RESULT {json}` on stdout.
//
//   consume    BOOTSTRAP TOPIC N                      consume N records by assignment (no group)
//   txn        BOOTSTRAP TOPIC N SIZE PER_TXN         transactional producer, PER_TXN records per transaction
//   e2e        BOOTSTRAP TOPIC N SIZE ACKS TXN        send one record, wait for its ack, poll it back; TXN=1:
//                                                    each record in its own transaction, consumer read_committed
//   rebalance  BOOTSTRAP TOPIC MEMBERS                group of MEMBERS consumers (classic protocol); time from
//                                                    one member's close() until the others own every partition
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class KafkaBenchTool {
  static final long DEADLINE_MS = 120_000;

  public static void main(String[] args) throws Exception {
    if (args.length < 3) die("usage: consume|txn|e2e|rebalance BOOTSTRAP TOPIC ...");
    String mode = args[0], bootstrap = args[1], topic = args[2];
    switch (mode) {
      case "consume" -> consume(bootstrap, topic, Long.parseLong(args[3]));
      case "txn" -> txn(bootstrap, topic, Long.parseLong(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]));
      case "e2e" -> e2e(bootstrap, topic, Integer.parseInt(args[3]), Integer.parseInt(args[4]), args[5], args[6].equals("1"));
      case "rebalance" -> rebalance(bootstrap, topic, Integer.parseInt(args[3]));
      default -> die("unknown mode " + mode);
    }
    System.exit(0);
  }

  static void die(String msg) {
    System.err.println(msg);
    System.exit(2);
  }

  static void result(String json) {
    System.out.println("RESULT " + json);
    System.out.flush();
  }

  static Properties producerProps(String bootstrap) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("max.block.ms", "20000");
    return p;
  }

  static Properties consumerProps(String bootstrap) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    p.put("enable.auto.commit", "false");
    p.put("auto.offset.reset", "earliest");
    return p;
  }

  static byte[] payload(int size, long seed) {
    byte[] b = new byte[size];
    java.util.Random r = new java.util.Random(seed);
    for (int i = 0; i < size; i++) b[i] = (byte) ('A' + r.nextInt(26)); // as ProducerPerformance: random letters
    return b;
  }

  static void ensureTopic(String bootstrap, String topic, int partitions) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(p)) {
      try {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) throw e;
      }
    }
  }

  /** Consumes N records from every partition of TOPIC by assignment, the way ConsumerPerformance fetches (1 MB per partition, 2 MB socket buffer). */
  static void consume(String bootstrap, String topic, long n) {
    Properties p = consumerProps(bootstrap);
    p.put("max.partition.fetch.bytes", "1048576");
    p.put("receive.buffer.bytes", "2097152");
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo pi : c.partitionsFor(topic, Duration.ofSeconds(20))) tps.add(new TopicPartition(topic, pi.partition()));
      c.assign(tps);
      c.seekToBeginning(tps);
      long count = 0, bytes = 0;
      long t0 = System.nanoTime();
      long lastRecord = System.currentTimeMillis();
      while (count < n) {
        ConsumerRecords<byte[], byte[]> rs = c.poll(Duration.ofMillis(100));
        for (ConsumerRecord<byte[], byte[]> r : rs) {
          count++;
          bytes += r.serializedValueSize() + Math.max(0, r.serializedKeySize());
        }
        if (!rs.isEmpty()) lastRecord = System.currentTimeMillis();
        else if (System.currentTimeMillis() - lastRecord > 15_000) die("no records for 15 s after " + count + " of " + n);
      }
      double ms = (System.nanoTime() - t0) / 1e6;
      result(String.format("{\"records\":%d,\"bytes\":%d,\"ms\":%.3f}", count, bytes, ms));
    }
  }

  /** Transactional producer: N records of SIZE bytes, PER_TXN per transaction, acks=all, batch.size 64 KB, linger.ms 5. */
  static void txn(String bootstrap, String topic, long n, int size, int perTxn) {
    Properties p = producerProps(bootstrap);
    p.put("transactional.id", "wharf-bench-txn-" + UUID.randomUUID());
    p.put("acks", "all");
    p.put("batch.size", "65536");
    p.put("linger.ms", "5");
    byte[] value = payload(size, 0);
    try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(p)) {
      prod.initTransactions();
      long sent = 0, txns = 0;
      long t0 = System.nanoTime();
      while (sent < n) {
        prod.beginTransaction();
        for (int i = 0; i < perTxn && sent < n; i++, sent++) prod.send(new ProducerRecord<>(topic, value));
        prod.commitTransaction();
        txns++;
      }
      double ms = (System.nanoTime() - t0) / 1e6;
      result(String.format("{\"records\":%d,\"bytes\":%d,\"transactions\":%d,\"ms\":%.3f}", sent, sent * size, txns, ms));
    }
  }

  /**
   * End-to-end latency as EndToEndLatency measures it (send, wait for the ack, poll until the
   * record is back), with microsecond resolution (the Kafka tool reports whole milliseconds).
   */
  static void e2e(String bootstrap, String topic, int n, int size, String acks, boolean txn) throws Exception {
    ensureTopic(bootstrap, topic, 1);
    Properties pp = producerProps(bootstrap);
    pp.put("acks", acks);
    pp.put("linger.ms", "0");
    if (txn) pp.put("transactional.id", "wharf-bench-e2e-" + UUID.randomUUID());
    else pp.put("enable.idempotence", "false");
    Properties cp = consumerProps(bootstrap);
    cp.put("fetch.min.bytes", "1");
    cp.put("fetch.max.wait.ms", "500");
    if (txn) cp.put("isolation.level", "read_committed");
    int warmup = Math.max(100, n / 10);
    long[] lat = new long[n];
    try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(pp); KafkaConsumer<byte[], byte[]> cons = new KafkaConsumer<>(cp)) {
      if (txn) prod.initTransactions();
      TopicPartition tp = new TopicPartition(topic, 0);
      cons.assign(List.of(tp));
      cons.seekToEnd(List.of(tp));
      cons.position(tp);
      byte[] value = payload(size, 1);
      long deadline = System.currentTimeMillis() + DEADLINE_MS;
      for (int i = -warmup; i < n; i++) {
        if (System.currentTimeMillis() > deadline) die("e2e: deadline passed at message " + i);
        long t0 = System.nanoTime();
        if (txn) prod.beginTransaction();
        prod.send(new ProducerRecord<>(topic, value)).get();
        if (txn) prod.commitTransaction();
        ConsumerRecords<byte[], byte[]> rs = cons.poll(Duration.ofSeconds(10));
        while (rs.isEmpty()) {
          if (System.currentTimeMillis() > deadline) die("e2e: record " + i + " never came back");
          rs = cons.poll(Duration.ofSeconds(10));
        }
        long elapsed = System.nanoTime() - t0;
        if (rs.count() != 1) die("e2e: expected 1 record, got " + rs.count());
        if (!Arrays.equals(rs.iterator().next().value(), value)) die("e2e: payload differs");
        if (i >= 0) lat[i] = elapsed;
      }
    }
    Arrays.sort(lat);
    double sum = 0;
    for (long l : lat) sum += l;
    result(String.format("{\"n\":%d,\"p50us\":%.1f,\"p99us\":%.1f,\"p999us\":%.1f,\"avgus\":%.1f}", n,
        lat[(int) (n * 0.50)] / 1e3, lat[(int) (n * 0.99)] / 1e3, lat[Math.min(n - 1, (int) (n * 0.999))] / 1e3, sum / n / 1e3));
  }

  /** One member of the rebalance test, polling in its own thread. */
  static final class Member implements Runnable, ConsumerRebalanceListener {
    final KafkaConsumer<byte[], byte[]> consumer;
    final String topic;
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicInteger owned = new AtomicInteger();
    final AtomicLong lastAssignedNanos = new AtomicLong();
    final AtomicInteger generations = new AtomicInteger();
    volatile Throwable error;
    volatile long closedNanos;

    Member(Properties p, String topic) {
      this.consumer = new KafkaConsumer<>(p);
      this.topic = topic;
    }

    public void onPartitionsRevoked(Collection<TopicPartition> ps) {
      owned.addAndGet(-ps.size());
    }

    public void onPartitionsAssigned(Collection<TopicPartition> ps) {
      owned.addAndGet(ps.size());
      lastAssignedNanos.set(System.nanoTime());
      generations.incrementAndGet();
    }

    public void onPartitionsLost(Collection<TopicPartition> ps) {
      owned.addAndGet(-ps.size());
    }

    public void run() {
      try {
        consumer.subscribe(List.of(topic), this);
        while (!stop.get()) consumer.poll(Duration.ofMillis(100));
        consumer.close(); // sends LeaveGroup
        closedNanos = System.nanoTime();
      } catch (Throwable t) {
        error = t;
      }
    }
  }

  static void rebalance(String bootstrap, String topic, int members) throws Exception {
    ensureTopic(bootstrap, topic, members);
    Properties p = consumerProps(bootstrap);
    p.put("group.id", "wharf-bench-rebalance-" + UUID.randomUUID());
    p.put("group.protocol", "classic");
    List<Member> ms = new ArrayList<>();
    List<Thread> ts = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < members; i++) {
      Member m = new Member(p, topic);
      ms.add(m);
      Thread t = new Thread(m, "member-" + i);
      t.setDaemon(true);
      ts.add(t);
      t.start();
    }
    long deadline = System.currentTimeMillis() + DEADLINE_MS;
    // Stable: every member owns exactly one partition.
    while (!ms.stream().allMatch(m -> m.owned.get() == 1)) {
      for (Member m : ms) if (m.error != null) throw new RuntimeException(m.error);
      if (System.currentTimeMillis() > deadline) die("rebalance: the group never became stable: owned=" + ms.stream().map(m -> m.owned.get()).toList());
      Thread.sleep(5);
    }
    double joinMs = (ms.stream().mapToLong(m -> m.lastAssignedNanos.get()).max().getAsLong() - start) / 1e6;
    Thread.sleep(1000);
    Member leaving = ms.get(0);
    List<Member> rest = ms.subList(1, members);
    Map<Member, Integer> gens = new HashMap<>();
    for (Member m : rest) gens.put(m, m.generations.get());
    long leave = System.nanoTime();
    leaving.stop.set(true);
    // Done: every remaining member went through a new assignment and together they own every partition.
    while (!(rest.stream().allMatch(m -> m.generations.get() > gens.get(m)) && rest.stream().mapToInt(m -> m.owned.get()).sum() == members)) {
      for (Member m : ms) if (m.error != null) throw new RuntimeException(m.error);
      if (System.currentTimeMillis() > deadline) die("rebalance: the group did not rebalance after a member left: owned=" + rest.stream().map(m -> m.owned.get()).toList());
      Thread.sleep(2);
    }
    double rebalanceMs = (rest.stream().mapToLong(m -> m.lastAssignedNanos.get()).max().getAsLong() - leave) / 1e6;
    double closeMs = leaving.closedNanos > 0 ? (leaving.closedNanos - leave) / 1e6 : -1;
    for (Member m : rest) m.stop.set(true);
    for (Thread t : ts) t.join(30_000);
    result(String.format("{\"rebalanceMs\":%.1f,\"initialJoinMs\":%.1f,\"leaverCloseMs\":%.1f}", rebalanceMs, joinMs, closeMs));
  }
}

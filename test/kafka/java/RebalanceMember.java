// A consumer-group member for the rebalance test (groups-rebalance.test.ts) on the Java clients:
// consumes a topic without auto commit, "processes" each record by appending it to its own
// output file, and after each poll commits synchronously the positions after the records it
// processed (and, on revocation, whatever it processed and has not committed yet). Every line
// is flushed at once; the test SIGKILLs a member only after DYING, when no commit is in flight,
// so the file says exactly which commits succeeded:
//
//   A p,p,...             partitions assigned (eager protocols: the whole assignment)
//   R p,p,...             partitions revoked (committed first)
//   L p,p,...             partitions lost (nothing committed)
//   P p o value           record p:o processed
//   C p first last        commitSync succeeded; it covered the records first..last of p that
//                         this member processed (contiguous; all of them since its last commit)
//   F exception           commitSync failed; the records stay pending until the next commit
//                         covers them, or the partition is revoked or lost (then another
//                         member processes them again)
//   S ms, RESUMED         stalled for ms between processing a poll and committing it
//   DYING, X              processed a poll it will not commit (waits for SIGKILL) / closed cleanly
//
// Commands on stdin (one a line): `stall MS` sleeps MS inside the loop, after processing the
// next non-empty poll and before its commit; `die` stops before committing the next non-empty
// poll, prints DYING and waits to be killed; `close` commits, closes the consumer and exits.
// The member halts when its stdin closes (the test is gone) and after five minutes in any case.
//
//   java RebalanceMember <bootstrap> <topic> <group> <out file> <classic|consumer> <max.poll.interval.ms>
import java.io.BufferedReader;
import java.io.FileWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

public class RebalanceMember {
  static PrintWriter out;
  static KafkaConsumer<String, String> consumer;
  /** Per partition: the first and last offset processed and not yet committed. */
  static final Map<TopicPartition, long[]> pending = new HashMap<>();
  static volatile long stallMs = 0;
  static volatile boolean die = false;
  static volatile boolean close = false;

  static void line(String s) {
    out.println(s);
    out.flush();
  }

  static void event(String s) {
    line(s);
    System.out.println(s);
    System.out.flush();
  }

  static String parts(Collection<TopicPartition> tps) {
    return tps.stream().map(TopicPartition::partition).sorted().map(String::valueOf).collect(Collectors.joining(","));
  }

  /** Commits the positions after the pending records of these partitions; true when it succeeded. */
  static boolean commit(Collection<TopicPartition> tps) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    Map<TopicPartition, long[]> covered = new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));
    for (TopicPartition tp : tps) {
      long[] r = pending.get(tp);
      if (r == null) continue;
      offsets.put(tp, new OffsetAndMetadata(r[1] + 1));
      covered.put(tp, r);
    }
    if (offsets.isEmpty()) return true;
    try {
      consumer.commitSync(offsets, Duration.ofSeconds(15));
    } catch (Exception e) {
      event("F " + e.getClass().getSimpleName() + " " + String.valueOf(e.getMessage()).replace('\n', ' '));
      return false;
    }
    for (Map.Entry<TopicPartition, long[]> c : covered.entrySet()) {
      line("C " + c.getKey().partition() + " " + c.getValue()[0] + " " + c.getValue()[1]);
      pending.remove(c.getKey());
    }
    System.out.println("COMMITTED");
    System.out.flush();
    return true;
  }

  public static void main(String[] a) throws Exception {
    String bs = a[0], topic = a[1], group = a[2], file = a[3], protocol = a[4];
    String maxPoll = a[5];
    out = new PrintWriter(new FileWriter(file, true));
    Thread commands = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in))) {
        for (String cmd; (cmd = in.readLine()) != null; ) {
          cmd = cmd.trim();
          if (cmd.startsWith("stall ")) stallMs = Long.parseLong(cmd.substring(6).trim());
          else if (cmd.equals("die")) die = true;
          else if (cmd.equals("close")) close = true;
        }
      } catch (IOException ignored) {
      }
      if (!close) Runtime.getRuntime().halt(3); // stdin closed: the test is gone
    });
    commands.setDaemon(true);
    commands.start();
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(300_000);
      } catch (InterruptedException ignored) {
      }
      Runtime.getRuntime().halt(4);
    });
    watchdog.setDaemon(true);
    watchdog.start();

    Properties cp = new Properties();
    cp.put("bootstrap.servers", bs);
    cp.put("group.id", group);
    cp.put("group.protocol", protocol);
    cp.put("enable.auto.commit", "false");
    cp.put("auto.offset.reset", "earliest");
    cp.put("max.poll.records", "40");
    cp.put("max.poll.interval.ms", maxPoll);
    cp.put("fetch.max.wait.ms", "100");
    cp.put("key.deserializer", StringDeserializer.class.getName());
    cp.put("value.deserializer", StringDeserializer.class.getName());
    cp.put("request.timeout.ms", "10000");
    cp.put("default.api.timeout.ms", "15000");
    cp.put("reconnect.backoff.max.ms", "500");
    cp.put("retry.backoff.max.ms", "500");
    if (protocol.equals("classic")) {
      cp.put("session.timeout.ms", "6000");
      cp.put("heartbeat.interval.ms", "500");
    }
    consumer = new KafkaConsumer<>(cp);
    consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> tps) {
        if (tps.isEmpty()) return;
        commit(tps);
        for (TopicPartition tp : tps) pending.remove(tp);
        event("R " + parts(tps));
      }

      @Override
      public void onPartitionsLost(Collection<TopicPartition> tps) {
        if (tps.isEmpty()) return;
        for (TopicPartition tp : tps) pending.remove(tp);
        event("L " + parts(tps));
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> tps) {
        event("A " + parts(tps));
      }
    });
    event("STARTED");
    while (!close) {
      ConsumerRecords<String, String> recs = consumer.poll(Duration.ofMillis(100));
      if (recs.isEmpty()) continue;
      for (TopicPartition tp : recs.partitions()) {
        for (ConsumerRecord<String, String> r : recs.records(tp)) {
          long[] p = pending.get(tp);
          if (p == null) pending.put(tp, new long[] {r.offset(), r.offset()});
          else if (r.offset() != p[1] + 1) {
            // Not contiguous with what is pending: the checker would misread the next C line.
            event("GAP " + tp.partition() + " " + p[1] + " " + r.offset());
            pending.put(tp, new long[] {r.offset(), r.offset()});
          } else p[1] = r.offset();
          line("P " + r.partition() + " " + r.offset() + " " + r.value());
        }
      }
      if (die) {
        event("DYING");
        Thread.sleep(60_000);
      }
      long stall = stallMs;
      if (stall > 0) {
        stallMs = 0;
        event("S " + stall);
        Thread.sleep(stall);
        event("RESUMED");
      }
      commit(new ArrayList<>(pending.keySet()));
    }
    commit(new ArrayList<>(pending.keySet()));
    consumer.close(Duration.ofSeconds(10));
    event("X");
    out.close();
  }
}

# confluent-kafka (librdkafka): a cooperative-sticky consumer group whose second member joins
# mid-way, each member running a transactional read-process-write loop
# (send_offsets_to_transaction) with its own transactional id; the first transaction is aborted
# on purpose and its input re-read from the committed offsets. Prints JSON facts on the last line.
import json, sys, time
from confluent_kafka import Producer, Consumer, TopicPartition, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

bs = sys.argv[1]
N = 200
a = AdminClient({'bootstrap.servers': bs})
for f in a.create_topics([NewTopic('rin', 4, 1), NewTopic('rout', 4, 1)]).values():
    f.result()
p = Producer({'bootstrap.servers': bs, 'enable.idempotence': True})
for i in range(N):
    p.produce('rin', value=str(i).encode(), partition=i % 4)
p.flush()

class Worker:
    def __init__(self, name):
        self.c = Consumer({'bootstrap.servers': bs, 'group.id': 'rdk-g', 'auto.offset.reset': 'earliest', 'enable.auto.commit': False,
                           'isolation.level': 'read_committed', 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 200,
                           'partition.assignment.strategy': 'cooperative-sticky'})
        self.c.subscribe(['rin'])
        self.p = Producer({'bootstrap.servers': bs, 'transactional.id': 'rdk-tx-' + name})
        self.p.init_transactions(10)
        self.done = 0
        self.fenced = 0

    def step(self, abort=False):
        msgs = [m for m in self.c.consume(20, 0.2) if not m.error()]
        if not msgs:
            return 0
        self.p.begin_transaction()
        for m in msgs:
            self.p.produce('rout', value=b'x' + m.value(), partition=m.partition())
        try:
            self.p.send_offsets_to_transaction(self.c.position(self.c.assignment()), self.c.consumer_group_metadata())
            if not abort:
                self.p.commit_transaction()
        except KafkaException as e:
            # A rebalance between consume() and the offset commit fences this generation
            # (ILLEGAL_GENERATION), as on Kafka: abort and re-read from the committed offsets,
            # which is what an exactly-once application does.
            if not e.args[0].txn_requires_abort():
                raise
            self.fenced += 1
            abort = True
        if abort:
            self.p.abort_transaction()
            self.rewind()
            return -1
        self.done += len(msgs)
        return len(msgs)

    def rewind(self):
        for tp in self.c.committed(self.c.assignment(), 10):
            self.c.seek(TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else 0))

w1 = Worker('1')
aborted = 0
t0 = time.time()
while aborted == 0 and time.time() - t0 < 20:
    if w1.step(abort=True) == -1:
        aborted = 1
while w1.done < N // 4 and time.time() - t0 < 30:
    w1.step()
w2 = Worker('2')
while w1.done + w2.done < N and time.time() - t0 < 60:
    w1.step()
    w2.step()
first = sorted(t.partition for t in w1.c.assignment())
second = sorted(t.partition for t in w2.c.assignment())
committed = {t.partition: t.offset for t in w1.c.committed([TopicPartition('rin', i) for i in range(4)], 10)}
w1.c.close()
w2.c.close()
chk = Consumer({'bootstrap.servers': bs, 'group.id': 'rdk-check', 'auto.offset.reset': 'earliest', 'isolation.level': 'read_committed'})
chk.subscribe(['rout'])
got, t0 = [], time.time()
while time.time() - t0 < 20:
    m = chk.poll(0.3)
    if m and not m.error():
        got.append(int(m.value()[1:]))
    if len(got) >= N and m is None:
        break
chk.close()
print(json.dumps({'processed': w1.done + w2.done, 'aborted': aborted, 'fenced': w1.fenced + w2.fenced, 'out': sorted(got), 'committed': committed, 'first': first, 'second': second}))

# confluent-kafka (PyPI, bundled librdkafka) against a Kafka listener: admin create/describe/list
# offsets/delete records, produce with every codec, consume by assignment. Prints one JSON line.
# Run by test/kafka/wire-librdkafka.test.ts: python confluent_kafka_check.py HOST:PORT
import sys, json
from confluent_kafka import Producer, Consumer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic, ConfigResource, OffsetSpec
bs = sys.argv[1]
a = AdminClient({'bootstrap.servers': bs})
fs = a.create_topics([NewTopic('py1', num_partitions=2, replication_factor=1, config={'retention.ms': '3600000'})])
for t, f in fs.items(): f.result()
out = {}
for codec in ['none', 'gzip', 'snappy', 'lz4', 'zstd']:
    pc = Producer({'bootstrap.servers': bs, 'compression.type': codec})
    res = []
    pc.produce('py1', key=b'k', value=('v-' + codec).encode(), partition=0, headers=[('h', codec.encode())], on_delivery=lambda e, m: res.append((str(e), m.offset())))
    pc.flush(10)
    out['produce-' + codec] = res
c = Consumer({'bootstrap.servers': bs, 'group.id': 'py', 'enable.auto.commit': False})
c.assign([TopicPartition('py1', 0, OFFSET_BEGINNING)])
got = []
while len(got) < 5:
    m = c.poll(5)
    if m is None: break
    if m.error(): got.append(str(m.error())); continue
    got.append([m.offset(), m.key().decode(), m.value().decode(), [(k, v.decode()) for k, v in (m.headers() or [])]])
out['consumed'] = got
c.close()
r = a.describe_configs([ConfigResource('topic', 'py1')])
for res, f in r.items():
    cfg = f.result(); out['retention.ms'] = cfg['retention.ms'].value
lo = a.list_offsets({TopicPartition('py1', 0): OffsetSpec.latest(), TopicPartition('py1', 1): OffsetSpec.earliest()})
out['offsets'] = {str(k.partition): v.result().offset for k, v in lo.items()}
dr = a.delete_records([TopicPartition('py1', 0, 2)])
out['deleted'] = {str(k.partition): v.result().low_watermark for k, v in dr.items()}
print(json.dumps(out))

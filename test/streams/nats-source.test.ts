// Beyond Kafka Streams: NATS publishers feed a topology. A topic created over Kafka with
// `wharf.nats.subjects` captures those NATS subjects (each publish is a record whose key is the
// subject and whose value is the payload), so a wharf/streams application reads what plain NATS
// clients publish and writes its results to a Kafka topic; a NATS subscriber could equally read
// them back from a stream. This is the example of docs/streams.md, run over the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from 'nats';
import { Admin } from '@platformatic/kafka';
import { KafkaStreams, Serdes, StreamsBuilder } from 'wharf/streams';
import { startTestBroker } from '../support/broker.js';
import { latestByKey, readUntil } from './support/cluster.js';
import { silent } from './support/logger.js';

test('a topology counts what NATS clients publish on captured subjects', { timeout: 120_000 }, async () => {
  const broker = await startTestBroker({ kafkaPort: 0, groupInitialRebalanceDelay: 0, groupMinSessionTimeout: 500 });
  const bootstrap = `127.0.0.1:${broker.ports.kafka}`;
  const stateDir = mkdtempSync(join(tmpdir(), 'wharf-streams-nats-'));
  const nc = await nats.connect({ servers: `127.0.0.1:${broker.ports.nats}` });
  let app: KafkaStreams | null = null;
  try {
    const admin = new Admin({ clientId: 'setup', bootstrapBrokers: [bootstrap] });
    try {
      await admin.createTopics({ topics: ['SENSORS'], partitions: 1, replicas: 1, configs: [{ name: 'wharf.nats.subjects', value: 'sensors.>' }] });
      await admin.createTopics({ topics: ['readings-per-sensor'], partitions: 1, replicas: 1 });
    } finally {
      await admin.close();
    }
    const builder = new StreamsBuilder();
    builder.stream('SENSORS', { key: Serdes.String(), value: Serdes.JSON<{ celsius: number }>() })
      .filter((_subject, reading) => reading.celsius > -273.15)
      .selectKey((subject) => subject.split('.')[1] ?? subject)
      .groupByKey({ key: Serdes.String(), value: Serdes.JSON<{ celsius: number }>() })
      .count({ storeName: 'readings' })
      .toStream()
      .to('readings-per-sensor', { key: Serdes.String(), value: Serdes.Long() });
    app = new KafkaStreams(builder.build(), { applicationId: 'sensor-counts', bootstrapServers: bootstrap, processingGuarantee: 'exactly_once_v2', stateDir, logger: silent, heartbeatIntervalMs: 200 });
    await app.start();

    // Plain core NATS publishes (no JetStream API used by the publisher): the topic captures them.
    const sent: Record<string, number> = { kitchen: 0, garage: 0, attic: 0 };
    for (let i = 0; i < 90; i++) {
      const room = Object.keys(sent)[i % 3]!;
      nc.publish(`sensors.${room}.temperature`, JSON.stringify({ celsius: i % 2 === 0 ? 20 + i / 10 : -300 }));
      if (i % 2 === 0) sent[room]!++;
    }
    await nc.flush();
    await readUntil(bootstrap, 'readings-per-sensor', (rs) => {
      const m = latestByKey(rs, (b) => Number(b.readBigInt64BE(0)));
      return Object.entries(sent).every(([room, n]) => m.get(room) === n);
    }, 'counts per room');
    assert.deepEqual(Object.fromEntries((await app.store<string, number>('readings').all()).map((e) => [e.key, e.value])), sent);
    assert.equal(await app.store<string, number>('readings').get('garage'), 15);
  } finally {
    await app?.close();
    await nc.close();
    rmSync(stateDir, { recursive: true, force: true });
    await broker.close();
  }
});

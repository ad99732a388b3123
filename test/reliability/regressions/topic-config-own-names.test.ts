// Found while checking the fuzz finding of jetstream-json-own-keys.test.ts for its kind
// elsewhere: CreateTopics accepted configs named after Object.prototype members
// ("constructor", "toString") because the topic config table was looked up with `table[name]`,
// while any other unknown name is refused (Apache Kafka refuses them all: INVALID_CONFIG).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Broker } from '../../../src/index.js';
import { startTestBroker } from '../../support/broker.js';
import { kafkaClient } from '../../kafka/support/kafkajs.js';
import { validateTopicConfig } from '../../../src/core/log/topic-config.js';

let broker: Broker;
before(async () => {
  broker = await startTestBroker({ kafkaPort: 0, storage: 'memory' });
});
after(() => broker.close());

for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
  test(`a topic config named "${name}" is unknown: refused by the log and by CreateTopics`, async () => {
    assert.throws(() => validateTopicConfig(name, '1'), /unknown topic config/);
    const admin = kafkaClient(broker.ports.kafka).admin();
    await admin.connect();
    try {
      await assert.rejects(admin.createTopics({ topics: [{ topic: `own-${name.replace(/_/g, 'u')}`, configEntries: [{ name, value: '1' }] }] }), (err: Error) => {
        const errors = (err as Error & { errors?: Array<{ type?: string }> }).errors ?? [];
        return errors.some((e) => e.type === 'INVALID_CONFIG');
      });
    } finally {
      await admin.disconnect();
    }
  });
}

// The configuration examples of the README's Security section are read by the product readers
// without error, so that the documentation cannot drift from what Wharf accepts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNatsServerConfig } from '../../src/core/security/config/nats-server-config.js';
import { readKafkaProperties } from '../../src/core/security/config/kafka-properties.js';

function securityExamples(): string[] {
  const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
  const section = readme.slice(readme.indexOf('## Security'), readme.indexOf('## Embedding'));
  return [...section.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe('README security examples', () => {
  it('the nats-server file and the server.properties are accepted', () => {
    const [natsConf, kafkaProps] = securityExamples();
    assert.ok(natsConf !== undefined && kafkaProps !== undefined);
    const dir = mkdtempSync(join(tmpdir(), 'wharf-readme-'));
    try {
      writeFileSync(join(dir, 'nats.conf'), natsConf);
      const n = readNatsServerConfig(join(dir, 'nats.conf'));
      assert.deepEqual(Object.keys(n.options['nats-accounts'] as object).sort(), ['BILLING', 'ORDERS']);
      writeFileSync(join(dir, 'server.properties'), kafkaProps);
      const k = readKafkaProperties(join(dir, 'server.properties'));
      assert.equal(k.options['kafka-acls'], true);
      assert.deepEqual(k.warnings, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

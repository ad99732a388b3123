// Every input of the fuzz corpora (fuzz/corpus/<target>/, kept in the repository) and every
// finding (fuzz/crashes/<target>/, written by the fuzzer and kept as regressions once fixed)
// replayed through its target without Jazzer.js: none may throw. This is how a crash the fuzzer
// found stays fixed. (The jetstream-api target replays through a broker started in this process.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/wharf.js';
import { fuzz as natsParser } from './fuzz/targets/nats-parser.js';
import { fuzz as kafkaRequest } from './fuzz/targets/kafka-request.js';
import { fuzz as recordBatch } from './fuzz/targets/record-batch.js';
import { fuzz as jetstreamJson } from './fuzz/targets/jetstream-json.js';
import { fuzz as config } from './fuzz/targets/config.js';
import { fuzz as natsConfig } from './fuzz/targets/nats-config.js';
import { fuzz as kafkaProperties } from './fuzz/targets/kafka-properties.js';
import { fuzz as jetstreamApi, stopFuzzBroker } from './fuzz/targets/jetstream-api.js';

const TARGETS: Record<string, (data: Buffer) => void | Promise<void>> = {
  'nats-parser': natsParser,
  'kafka-request': kafkaRequest,
  'record-batch': recordBatch,
  'jetstream-json': jetstreamJson,
  config,
  'nats-config': natsConfig,
  'kafka-properties': kafkaProperties,
  'jetstream-api': jetstreamApi,
};

function inputs(target: string): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  for (const kind of ['corpus', 'crashes']) {
    const dir = join(repoRoot(), 'test', 'reliability', 'fuzz', kind, target);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) out.push([`${kind}/${target}/${f}`, readFileSync(join(dir, f))]);
  }
  return out;
}

after(() => stopFuzzBroker());

for (const [target, fn] of Object.entries(TARGETS)) {
  test(`fuzz corpus and findings of ${target} replay without an exception`, async () => {
    const all = inputs(target);
    assert.ok(all.length > 0, `no corpus for ${target}: run node dist/test/reliability/fuzz/seeds.js`);
    for (const [name, data] of all) {
      try {
        await fn(data);
      } catch (err) {
        assert.fail(`${name}: ${(err as Error).stack ?? String(err)}`);
      }
    }
  });
}

// The JetStream keys of a nats-server account block, as Wharf's reader of nats-server files maps
// them (src/core/security/config/nats-server-config.ts): `jetstream: enabled` is unlimited, a
// `jetstream { … }` block takes nats-server's key names and aliases (what it leaves out is
// unlimited), and an unknown key is an error naming it. The limits' effect is on the wire in
// accounts.test.ts, against nats-server too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNatsConf } from '../../src/core/security/config/nats-conf.js';
import { mapNatsServerConfig, NatsConfigError } from '../../src/core/security/config/nats-server-config.js';
import type { NatsAccount } from '../../src/core/security/nats-users.js';

const accountsOf = (text: string): Record<string, NatsAccount> => mapNatsServerConfig(parseNatsConf(text, { env: {} })).options['nats-accounts'] as Record<string, NatsAccount>;

test('jetstream: enabled in an account is JetStream without limits', () => {
  const a = accountsOf('accounts { A { jetstream: enabled }, B { jetstream: disabled }, C {} }');
  assert.equal(a['A']!.jetstream, true);
  assert.equal(a['A']!.jetstreamLimits, undefined);
  assert.equal(a['B']!.jetstream, false);
  assert.equal(a['C']!.jetstream, undefined);
});

test('a jetstream block in an account gives its limits, with nats-server aliases and units', () => {
  const a = accountsOf('accounts { A { jetstream { max_mem: 1M, max_disk: 1GB, streams: 3, max_consumers: 4, max_ack_pending: 5, max_bytes_required: true, mem_max_stream_bytes: 6, store_max_stream_bytes: 7 } } }');
  assert.equal(a['A']!.jetstream, true);
  assert.deepEqual(a['A']!.jetstreamLimits, {
    maxMemory: 1_000_000,
    maxStorage: 1024 ** 3,
    maxStreams: 3,
    maxConsumers: 4,
    maxAckPending: 5,
    memoryMaxStreamBytes: 6,
    storageMaxStreamBytes: 7,
    maxBytesRequired: true,
  });
  const partial = accountsOf('accounts { A { jetstream { max_file: 10 } } }')['A']!.jetstreamLimits!;
  assert.equal(partial.maxStorage, 10);
  assert.equal(partial.maxMemory, -1);
  assert.equal(partial.maxStreams, -1);
});

test('an unknown key of an account jetstream block is an error naming it', () => {
  assert.throws(() => accountsOf('accounts { A { jetstream { max_widgets: 1 } } }'), (e: unknown) => e instanceof NatsConfigError && e.message.includes('accounts.A.jetstream.max_widgets'));
});

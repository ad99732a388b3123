// Per-task metrics over Wharf: while an async processing function holds its records, the tasks
// report consumer lag (high watermark minus the processed position of their input partitions);
// once it lets them go, every input is counted as processed, the lag falls to 0, and the
// processing latency and the records-per-second rate are positive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaStreams, Serdes, StreamsBuilder, type TaskMetricsSnapshot } from 'wharf/streams';
import { createTopics, produce, startWharfCluster } from './support/cluster.js';
import { silent } from './support/logger.js';
import { waitFor } from '../support/wait.js';

const N = 200;

function sum(ms: TaskMetricsSnapshot[], f: (m: TaskMetricsSnapshot) => number): number {
  return ms.reduce((n, m) => n + f(m), 0);
}

test('metrics per task: lag while records wait, then all processed, lag 0, latency and rate', { timeout: 120_000 }, async () => {
  const cluster = await startWharfCluster();
  const stateDir = mkdtempSync(join(tmpdir(), 'wharf-streams-metrics-'));
  let app: KafkaStreams | undefined;
  try {
    await createTopics(cluster.bootstrap, { input: 2, out: 2 });
    await produce(cluster.bootstrap, 'input', Array.from({ length: N }, (_, i) => ({ key: Buffer.from(`k${i % 10}`), value: Buffer.from(String(i)) })));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const b = new StreamsBuilder();
    b.stream('input', { key: Serdes.String(), value: Serdes.String() })
      .mapValuesAsync(async (v) => {
        await gate;
        return v;
      })
      .to('out', { key: Serdes.String(), value: Serdes.String() });
    app = new KafkaStreams(b.build(), { applicationId: 'metrics', bootstrapServers: cluster.bootstrap, stateDir, processingGuarantee: 'at_least_once', commitIntervalMs: 100, maxAsyncInFlight: 8, logger: silent });
    await app.start();
    const a = app;
    assert.deepEqual(a.metrics().map((m) => m.taskId).sort(), ['0_0', '0_1']);
    await waitFor(() => sum(a.metrics(), (m) => m.recordsLag) > 0, { what: 'lag reported while the async function holds the records', detail: () => JSON.stringify(a.metrics()) });
    assert.ok(sum(a.metrics(), (m) => m.recordsProcessed) < N, 'not everything processed while held');
    open();
    await waitFor(() => sum(a.metrics(), (m) => m.recordsProcessed) === N && sum(a.metrics(), (m) => m.recordsLag) === 0, { what: `${N} processed and no lag`, detail: () => JSON.stringify(a.metrics()) });
    await waitFor(() => a.metrics().every((m) => m.recordsPerSecond > 0), { what: 'a rate for every task', detail: () => JSON.stringify(a.metrics()) });
    for (const m of a.metrics()) {
      assert.ok(m.recordsProcessed > 0, `${m.taskId} processed records`);
      assert.ok(m.processLatencyAvgMs > 0, `${m.taskId} latency ${m.processLatencyAvgMs}`);
      assert.equal(m.state, 'running');
    }
  } finally {
    await app?.close();
    rmSync(stateDir, { recursive: true, force: true });
    await cluster.close();
  }
});

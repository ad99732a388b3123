// A broker embedded in a fresh process of its own, as an application or a test suite embeds
// it (startBroker from the package's entry), for what only a fresh process can show: the
// memory and start time of an idle broker (bench/idle-rss.ts) and which modules it loaded
// (test/kafka/not-loaded.test.ts, with ./module-log/register.js).
//
//   node [--expose-gc] [--import ./dist/test/support/module-log/register.js] dist/test/support/embedded-broker.js \
//     '{"config": {...BrokerConfig}, "index": "OTHER/dist/src/index.js", "settleMs": 1000}'
//
// Imports the entry (this build's dist/src/index.js unless `index` names another build's),
// starts the broker with `config`, waits `settleMs`, collects garbage twice (with --expose-gc),
// prints one line `EMBEDDED-BROKER {json}` (ports, wall and CPU times, process.memoryUsage(), the native
// add-ons mapped in, from /proc/self/maps), closes the broker and exits.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface Spec {
  config?: Record<string, unknown>;
  index?: string;
  settleMs?: number;
}

/** The native add-ons (.node files) mapped into this process (Linux; [] elsewhere). */
function nativeAddons(): string[] {
  let maps: string;
  try {
    maps = readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return [];
  }
  const files = new Set<string>();
  for (const line of maps.split('\n')) {
    const m = /\s(\/\S+\.node)$/.exec(line);
    if (m) files.add(m[1]!);
  }
  return [...files].sort();
}

const processStartToScript = performance.now();
/** CPU time (user + system) of this process so far, ms: less disturbed by other load than wall time. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const c0 = cpuMs();
const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const entry = spec.index !== undefined ? pathToFileURL(spec.index).href : new URL('../../src/index.js', import.meta.url).href;
const t0 = performance.now();
const { startBroker } = (await import(entry)) as { startBroker(config: Record<string, unknown>): Promise<{ ports: unknown; close(): Promise<void> }> };
const t1 = performance.now();
const c1 = cpuMs();
const broker = await startBroker(spec.config ?? {});
const t2 = performance.now();
const c2 = cpuMs();
await new Promise((r) => setTimeout(r, spec.settleMs ?? 1000));
const gc = (globalThis as { gc?: () => void }).gc;
if (gc !== undefined) {
  gc();
  gc();
}
const memory = process.memoryUsage();
console.log(
  `EMBEDDED-BROKER ${JSON.stringify({
    ports: broker.ports,
    ms: { toScript: processStartToScript, import: t1 - t0, start: t2 - t1, ready: t2 },
    cpuMs: { import: c1 - c0, start: c2 - c1, ready: c2 },
    gc: gc !== undefined,
    memory,
    nativeAddons: nativeAddons(),
  })}`,
);
await broker.close();
process.exit(0);

// V8's sampling heap profiler in a running broker, switched on and off by touching files (SIGUSR2
// is Wharf's own signal). Preload it: `node --import ./dist/bench/heap-sampler.js
// dist/src/cli/main.js ...`; then `touch $DIR/start` before a load run and `touch $DIR/stop`
// after it (DIR is WHARF_HEAP_SAMPLER_DIR, default /tmp/wharf-heap). Objects already collected
// by the young and the old generation's collections are kept in the samples, so the profile is
// the garbage made, not what survived: what a scavenge's rate depends on. On stop it writes
// $DIR/heap-<pid>-<n>.txt: the total sampled bytes, then the allocation sites (function,
// file:line, and the two callers above) by bytes. Divide by the messages of the run for bytes per
// message (docs/nats-performance.md).
import { Session } from 'node:inspector';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface SamplingNode {
  callFrame: CallFrame;
  selfSize: number;
  children: SamplingNode[];
}

const dir = process.env.WHARF_HEAP_SAMPLER_DIR ?? '/tmp/wharf-heap';
mkdirSync(dir, { recursive: true });
const session = new Session();
session.connect();
let running = false;
let busy = false;
let runs = 0;

function frameName(f: CallFrame): string {
  const file = f.url === '' ? '(native)' : f.url.replace(/^file:\/\/.*?\/(dist|node:)/, '$1');
  return `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
}

function summarise(head: SamplingNode): string {
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: SamplingNode, path: string[]): void => {
    const here = [...path, frameName(node.callFrame)];
    if (node.selfSize > 0) {
      total += node.selfSize;
      const site = here.slice(-3).reverse().join('  <  ');
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    }
    for (const c of node.children) walk(c, here);
  };
  walk(head, []);
  const rows = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 60);
  return [`total sampled bytes ${total}`, ...rows.map(([site, bytes]) => `${String(bytes).padStart(12)}  ${((100 * bytes) / Math.max(1, total)).toFixed(1).padStart(5)} %  ${site}`)].join('\n') + '\n';
}

function post(method: string, params: object = {}): Promise<unknown> {
  return new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
}

async function poll(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    const start = join(dir, 'start');
    const stop = join(dir, 'stop');
    if (!running && existsSync(start)) {
      rmSync(start, { force: true });
      await post('HeapProfiler.enable');
      await post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
      running = true;
    } else if (running && existsSync(stop)) {
      rmSync(stop, { force: true });
      const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };
      running = false;
      writeFileSync(join(dir, `heap-${process.pid}-${++runs}.txt`), summarise(profile.head));
    }
  } finally {
    busy = false;
  }
}

setInterval(() => void poll(), 200).unref();

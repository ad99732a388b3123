// Idle memory and start time of an embedded broker, with and without a Kafka listener: the cost
// of what a broker loads at start. Each run is a fresh process (test/support/embedded-broker.ts)
// that imports the package's entry, calls startBroker() on free loopback ports with a fresh data
// directory (local storage, the monitor on, logging at warn), waits --settle-ms, collects garbage
// twice (node --expose-gc) and reports process.memoryUsage() (RSS is VmRSS) and its times, wall
// clock and CPU (user + system, less disturbed by other load on the machine): the import of the
// entry, startBroker(), and ready since the process started. Configurations
// alternate run by run; the medians of --runs are printed as a Markdown table, then one more run
// of each with the module log (test/support/module-log) counts the modules it loaded.
//
//   npm run bench:idle -- [--runs 5] [--settle-ms 1000] [--broker OTHER/dist/src/index.js]
//     (--broker: the entry of another build, e.g. before a change; this build's by default)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, positiveInt } from './args.js';
import { start } from './procs.js';

const USAGE = 'node dist/bench/idle-rss.js [--runs 5] [--settle-ms 1000] [--broker OTHER/dist/src/index.js]';
const CHILD = fileURLToPath(new URL('../test/support/embedded-broker.js', import.meta.url));
const MODULE_LOG = fileURLToPath(new URL('../test/support/module-log/register.js', import.meta.url));
const MiB = 1024 * 1024;

interface Report {
  ms: { import: number; start: number; ready: number };
  cpuMs: { import: number; start: number; ready: number };
  memory: NodeJS.MemoryUsage;
  nativeAddons: string[];
}

const CONFIGS = [
  { name: 'NATS + Kafka (default)', kafkaPort: 0 },
  { name: 'NATS only (`kafka: { port: -1 }`)', kafkaPort: -1 },
] as const;

async function run(kafkaPort: number, settleMs: number, index: string | undefined, moduleLog?: string): Promise<Report> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wharf-idle-'));
  try {
    const spec = {
      config: { host: '127.0.0.1', nats: { port: 0 }, kafka: { port: kafkaPort }, http: { port: 0 }, storage: { dataDir }, logLevel: 'warn' },
      settleMs,
      ...(index !== undefined ? { index } : {}),
    };
    const args = ['--expose-gc', ...(moduleLog !== undefined ? ['--import', MODULE_LOG] : []), CHILD, JSON.stringify(spec)];
    const p = start(process.execPath, args, 60_000, { env: { ...process.env, ...(moduleLog !== undefined ? { WHARF_MODULE_LOG: moduleLog } : {}) } });
    const code = await p.exited;
    const line = /^EMBEDDED-BROKER (.*)$/m.exec(p.out());
    if (code !== 0 || line === null) throw new Error(`embedded broker exited ${code}:\n${p.out()}`);
    return JSON.parse(line[1]!) as Report;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The npm package a file under node_modules belongs to (`@scope/name` or `name`). */
function packageOf(file: string): string {
  const parts = (file.split('/node_modules/').pop() ?? file).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const args = benchArgs(process.argv.slice(2), ['runs', 'settle-ms', 'broker'], USAGE);
const runs = args.values.runs !== undefined ? positiveInt('runs', args.values.runs) : 5;
const settleMs = args.values['settle-ms'] !== undefined ? positiveInt('settle-ms', args.values['settle-ms']) : 1000;
const index = args.values.broker;

const reports: Report[][] = CONFIGS.map(() => []);
for (let i = 0; i < runs; i++) {
  // Alternating the first configuration of each round, so that neither always runs on a warmer machine.
  const order = i % 2 === 0 ? [0, 1] : [1, 0];
  for (const c of order) reports[c]!.push(await run(CONFIGS[c]!.kafkaPort, settleMs, index));
}
const counts: { modules: number; kafka: number; addons: string[] }[] = [];
for (const c of CONFIGS) {
  const log = join(mkdtempSync(join(tmpdir(), 'wharf-modules-')), 'modules.txt');
  const r = await run(c.kafkaPort, 100, index, log);
  const urls = readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith('file:'));
  rmSync(join(log, '..'), { recursive: true, force: true });
  counts.push({ modules: urls.length, kafka: urls.filter((u) => u.includes('/dist/src/kafka/')).length, addons: r.nativeAddons.map(packageOf) });
}

const f1 = (n: number) => n.toFixed(1);
console.log(`Build: ${index ?? 'this build'}; ${runs} runs each, settle ${settleMs} ms, Node ${process.version}, load average ${loadavg()[0]!.toFixed(2)} at the end\n`);
console.log('| configuration | RSS (MiB) | heap used (MiB) | heap total (MiB) | external (MiB) | import of the entry, ms: wall (CPU) | startBroker(), ms: wall (CPU) | ready since process start, ms: wall (CPU) | ES modules loaded (of them src/kafka) | native add-ons |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
CONFIGS.forEach((c, i) => {
  const rs = reports[i]!;
  const m = (f: (r: Report) => number) => median(rs.map(f));
  const t = (k: 'import' | 'start' | 'ready') => `${m((r) => r.ms[k]).toFixed(0)} (${m((r) => r.cpuMs[k]).toFixed(0)})`;
  const n = counts[i]!;
  console.log(
    `| ${c.name} | ${f1(m((r) => r.memory.rss) / MiB)} | ${f1(m((r) => r.memory.heapUsed) / MiB)} | ${f1(m((r) => r.memory.heapTotal) / MiB)} | ${f1(m((r) => r.memory.external) / MiB)} | ${t('import')} | ${t('start')} | ${t('ready')} | ${n.modules} (${n.kafka}) | ${n.addons.join(', ')} |`,
  );
});
console.log('\nRSS of each run (MiB):');
CONFIGS.forEach((c, i) => console.log(`- ${c.name}: ${reports[i]!.map((r) => f1(r.memory.rss / MiB)).join(', ')}`));

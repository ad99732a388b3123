// Summarises a V8 CPU profile (`node --cpu-prof` writes one per process): the share of samples
// spent in each function itself (self time) and under each function (total time, a flame
// graph's widths), and self time by source file, so that the profile notes in docs/jetstream.md
// say where the broker's time goes. The JetStream benchmark starts Wharf with extra node flags
// from WHARF_BENCH_NODE_FLAGS, e.g.
//
//   WHARF_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir /tmp/prof" node dist/bench/jetstream.js --quick --rows consume
//   node dist/bench/cpu-profile.js /tmp/prof/CPU.*.cpuprofile [--top 30] [--folded FILE]
//
// --folded writes the stacks in the folded format flame-graph tools read (one line per stack,
// frames separated by ';', then the sample count).
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

function frameName(f: CallFrame): string {
  const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/dist\//, '').replace(/^node:/, 'node:');
  return `${f.functionName || '(anonymous)'} ${file ? `${file}:${f.lineNumber + 1}` : ''}`.trim();
}

function pct(n: number, total: number): string {
  return `${((n / total) * 100).toFixed(1).padStart(5)} %`;
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string' }, folded: { type: 'string' } } });
  const top = Number(values.top ?? 30);
  for (const file of positionals) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const hits = new Map<number, number>();
    for (const s of p.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
    const self = new Map<string, number>();
    const total = new Map<string, number>();
    const byFile = new Map<string, number>();
    const folded = new Map<string, number>();
    let idle = 0;
    for (const [id, count] of hits) {
      const leaf = byId.get(id)!.callFrame;
      if (leaf.functionName === '(idle)') {
        idle += count;
        continue;
      }
      const name = frameName(leaf);
      self.set(name, (self.get(name) ?? 0) + count);
      const f = leaf.url ? leaf.url.replace(/^.*\/dist\//, '') : `(${leaf.functionName})`;
      byFile.set(f, (byFile.get(f) ?? 0) + count);
      const stack: string[] = [];
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const fr = frameName(byId.get(cur)!.callFrame);
        stack.push(fr);
        if (!seen.has(fr)) {
          seen.add(fr);
          total.set(fr, (total.get(fr) ?? 0) + count);
        }
      }
      const key = stack.reverse().join(';');
      folded.set(key, (folded.get(key) ?? 0) + count);
    }
    const busy = p.samples.length - idle;
    const list = (m: Map<string, number>) =>
      [...m]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([k, v]) => `${pct(v, busy)}  ${k}`)
        .join('\n');
    process.stdout.write(`# ${file}\n${p.samples.length} samples, ${busy} busy (${pct(busy, p.samples.length).trim()} of them)\n\n## self time\n${list(self)}\n\n## total time (under the function)\n${list(total)}\n\n## self time by file\n${list(byFile)}\n\n`);
    if (values.folded) writeFileSync(values.folded, [...folded].map(([k, v]) => `${k} ${v}`).join('\n') + '\n');
  }
}

main();

// Sums rounds into the table docs/reliability.md shows (workload x fault x target: rounds,
// attempted, acknowledged, lost, duplicated, unexpected, failed rounds) and prints violations.
import type { Outcome } from './outcome.js';

export interface Row {
  workload: string;
  fault: string;
  target: string;
  rounds: number;
  failed: number;
  skipped: string | undefined;
  attempted: number;
  acknowledged: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  allowed: string[];
  notes: string[];
  seeds: number[];
}

export function summarize(outcomes: Outcome[]): Row[] {
  const rows = new Map<string, Row>();
  for (const o of outcomes) {
    const key = `${o.workload}\u0000${o.fault}\u0000${o.target}`;
    let r = rows.get(key);
    if (!r) {
      r = { workload: o.workload, fault: o.fault, target: o.target, rounds: 0, failed: 0, skipped: undefined, attempted: 0, acknowledged: 0, lost: 0, duplicated: 0, unexpected: 0, allowed: [], notes: [], seeds: [] };
      rows.set(key, r);
    }
    if (o.skipped) {
      r.skipped = o.skipped;
      continue;
    }
    r.rounds++;
    r.seeds.push(o.seed);
    if (o.violations.length) r.failed++;
    r.attempted += o.attempted;
    r.acknowledged += o.acknowledged;
    r.lost += o.lost;
    r.duplicated += o.duplicated;
    r.unexpected += o.unexpected;
    for (const a of o.allowed) if (r.allowed.length < 3) r.allowed.push(a);
    for (const n of o.notes) if (r.notes.length < 2) r.notes.push(n);
  }
  return [...rows.values()];
}

export function markdownTable(rows: Row[]): string {
  const lines = [
    '| workload | fault | target | rounds | failed | attempted | acked | lost | duplicated | unexpected | allowed by the guarantee / notes |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    if (r.skipped && r.rounds === 0) {
      lines.push(`| ${r.workload} | ${r.fault} | ${r.target} | n/a | | | | | | | ${r.skipped} |`);
      continue;
    }
    const extra = [...r.allowed, ...r.notes].join('; ').replace(/\|/g, '/').replace(/\n/g, ' ').slice(0, 300);
    lines.push(`| ${r.workload} | ${r.fault} | ${r.target} | ${r.rounds} | ${r.failed} | ${r.attempted} | ${r.acknowledged} | ${r.lost} | ${r.duplicated} | ${r.unexpected} | ${extra} |`);
  }
  return lines.join('\n');
}

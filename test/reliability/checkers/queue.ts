// The queue checker: given what producers attempted and what the broker acknowledged, and what a
// reader found in the log afterwards, counts lost (acknowledged, absent), duplicated (present more
// than once), unexpected (present, never attempted) and per-producer order violations (two
// acknowledged values of one producer in one partition found in the reverse of their send order).
export interface QueueHistory {
  /** Every value a producer tried to write. */
  attempted: Set<string>;
  /** Acknowledged values: value -> partition (or 0 for single-log systems). */
  acknowledged: Map<string, number>;
}

export interface QueueFindings {
  lost: string[];
  duplicated: string[];
  unexpected: string[];
  reordered: string[];
  /** Values found that were attempted but not acknowledged (indeterminate writes that landed). */
  indeterminateFound: number;
}

/** Values are `<producer>:<n>`; `found` maps partition -> values in log order. */
export function checkQueue(history: QueueHistory, found: Map<number, string[]>): QueueFindings {
  const count = new Map<string, number>();
  const where = new Map<string, number>();
  const reordered: string[] = [];
  for (const [partition, values] of found) {
    const lastN = new Map<string, number>();
    for (const v of values) {
      count.set(v, (count.get(v) ?? 0) + 1);
      if (!where.has(v)) where.set(v, partition);
      if (!history.acknowledged.has(v) || count.get(v)! > 1) continue;
      const sep = v.lastIndexOf(':');
      const producer = v.slice(0, sep);
      const n = Number(v.slice(sep + 1));
      const prev = lastN.get(producer);
      if (prev !== undefined && n < prev) reordered.push(`${v} after ${producer}:${prev} in partition ${partition}`);
      lastN.set(producer, n);
    }
  }
  const lost: string[] = [];
  for (const [v, p] of history.acknowledged) {
    if (!count.has(v)) lost.push(`${v} (partition ${p})`);
    else if (where.get(v) !== p) reordered.push(`${v} acknowledged in partition ${p}, found in ${where.get(v)}`);
  }
  const duplicated = [...count].filter(([, c]) => c > 1).map(([v, c]) => `${v} ×${c}`);
  const unexpected = [...count.keys()].filter((v) => !history.attempted.has(v));
  let indeterminateFound = 0;
  for (const v of count.keys()) if (history.attempted.has(v) && !history.acknowledged.has(v)) indeterminateFound++;
  return { lost, duplicated, unexpected, reordered, indeterminateFound };
}

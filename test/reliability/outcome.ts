// What one round of a workload under a fault found: the counts the report's table shows, and the
// property violations that make the round (and the run) fail. Counts that a workload's guarantee
// allows (a non-idempotent producer's duplicates, core NATS's at-most-once losses across a broker
// kill, bytes an injected corruption destroyed) are reported as `allowed` apart from violations.
export interface Outcome {
  workload: string;
  fault: string;
  target: string;
  seed: number;
  /** Operations attempted / acknowledged by the system under test. */
  attempted: number;
  acknowledged: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  /** Property violations: each a sentence; an empty list means the round passed. */
  violations: string[];
  /** Counts the guarantee allows, explained (shown in the report, not failures). */
  allowed: string[];
  /** Other observations (how long recovery took, errors clients saw). */
  notes: string[];
  /** The round could not run (a fault that does not apply to this target): why. */
  skipped?: string;
  durationMs: number;
}

export function emptyOutcome(workload: string, fault: string, target: string, seed: number): Outcome {
  return { workload, fault, target, seed, attempted: 0, acknowledged: 0, lost: 0, duplicated: 0, unexpected: 0, violations: [], allowed: [], notes: [], durationMs: 0 };
}

/** Keeps at most `max` example items in a violation message. */
export function examples<T>(items: Iterable<T>, max = 5): string {
  const out: string[] = [];
  let n = 0;
  for (const item of items) {
    if (n++ < max) out.push(String(item));
  }
  return n > max ? `${out.join(', ')}, … (${n} in all)` : out.join(', ');
}

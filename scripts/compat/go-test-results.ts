// `go test -v` output as suite figures, shared by the Go suites (franz-go kgo, nats.go): parse
// the top-level results with the first diagnostic line of each test, and count each test into
// the headline (it reaches the broker) or the client-only group, with the failure text observed.
import { failure, type Counts, type Diagnosis, type Failure, type SuiteResult } from './lib.js';

export interface GoTest {
  name: string;
  result: 'PASS' | 'FAIL' | 'SKIP';
  detail: string;
}

/** Parses `go test -v` output: top-level results, and the first diagnostic line of each test. */
export function parseGoTestV(text: string): GoTest[] {
  const out: GoTest[] = [];
  const detail = new Map<string, string>();
  let current = '';
  for (const line of text.split('\n')) {
    const marker = /^=== (?:RUN|CONT|NAME|PAUSE)\s+(\S+)/.exec(line);
    if (marker) {
      current = marker[1]!.split('/')[0]!;
      continue;
    }
    const res = /^--- (PASS|FAIL|SKIP): (\S+) \(/.exec(line);
    if (res) {
      out.push({ name: res[2]!, result: res[1] as GoTest['result'], detail: detail.get(res[2]!) ?? '' });
      continue;
    }
    const diag = /^\s+(\w+_test\.go:\d+: .*)$/.exec(line);
    if (diag && current && !detail.has(current)) detail.set(current, diag[1]!.slice(0, 200));
    if (/^panic: /.test(line) && current && !detail.has(current)) detail.set(current, line.slice(0, 200));
  }
  return out;
}

export type ClientOnly = Counts & { failures: Failure[]; tests: string[]; how: string };

/** Counts each test into `result` when `reaches` has it, else into `apart` (client-only). */
export function tallyGoTests(tests: readonly GoTest[], reaches: ReadonlySet<string>, result: SuiteResult, apart: ClientOnly, known: readonly Diagnosis[]): void {
  for (const t of tests) {
    const into = reaches.has(t.name) ? result : apart;
    if (into === apart) apart.tests.push(t.name);
    if (t.result === 'SKIP') {
      into.skipped++;
      if (into === result) result.skips.push({ test: t.name, reason: t.detail.replace(/^\w+_test\.go:\d+: /, '') || 'skipped' });
      continue;
    }
    into.run++;
    if (t.result === 'PASS') into.passed++;
    else {
      into.failed++;
      into.failures.push(failure(known, t.name, t.detail || 'FAIL (no diagnostic line)'));
    }
  }
}

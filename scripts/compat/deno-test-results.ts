// What a sequential `deno test` run of the nats.js 3.x suites reports, test by test, matched to
// the tests the sources declare (deno-test-scan.ts): the JUnit report (per test: passed, failed
// with its message, ignored, cancelled, and the line it was declared on), the pretty reporter's
// result lines (with nst's notCompatible() message where a test skipped itself because the
// server's version is older, and Deno's "Uncaught error from" lines), and its summary line.
//
// Titles repeat within a file (nats.js 3.4.0 has two such pairs), so results are matched to
// declarations by occurrence: Deno registers, runs and reports a file's tests in declaration
// order, and a --filter keeps or drops every test of one title alike, so the n-th result with a
// title in a file belongs to the n-th declaration with it. Each declared test gets its own result
// or none; nothing is counted that has no result of its own, and every way the reports can fail
// to add up is returned for the runner to refuse publication with.
export type DenoResult = 'passed' | 'failed' | 'ignored' | 'cancelled';

export interface JUnitCase {
  file: string;
  name: string;
  /** The `line` attribute Deno writes (where the test was declared), when present. */
  line?: number;
  result: DenoResult;
  message: string;
}

function unescape(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&#x([0-9a-fA-F]+);/g, (_, n: string) => String.fromCharCode(parseInt(n, 16))).replace(/&amp;/g, '&');
}

/**
 * Deno's JUnit report, in document order: a testcase per test, and one per step (named
 * "test > step"; they match no declared title). A `<failure>` is a failed test; an `<error>` is
 * a test Deno cancelled (an uncaught error from its module stopped the module's remaining tests:
 * they never ran); `<skipped>` is an ignored one.
 */
export function parseDenoJUnit(xml: string): JUnitCase[] {
  const out: JUnitCase[] = [];
  for (const suite of xml.matchAll(/<testsuite name="([^"]*)"[^>]*>([\s\S]*?)<\/testsuite>/g)) {
    const file = unescape(suite[1]!);
    for (const tc of suite[2]!.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
      const attrs = new Map<string, string>();
      for (const a of tc[1]!.matchAll(/(\w[\w-]*)="([^"]*)"/g)) attrs.set(a[1]!, unescape(a[2]!));
      const inner = tc[3] ?? '';
      const fail = /<failure\b[^>]*?message="([^"]*)"/.exec(inner) ?? (/<failure\b/.test(inner) ? ['', ''] : null);
      const error = /<error\b[^>]*?message="([^"]*)"/.exec(inner) ?? (/<error\b/.test(inner) ? ['', ''] : null);
      const line = attrs.has('line') ? Number(attrs.get('line')) : undefined;
      out.push({
        file,
        name: attrs.get('name') ?? '',
        ...(line !== undefined && Number.isFinite(line) ? { line } : {}),
        result: fail ? 'failed' : error ? 'cancelled' : /<skipped\b/.test(inner) ? 'ignored' : 'passed',
        message: fail ? unescape(fail[1]!) : error ? unescape(error[1]!) : '',
      });
    }
  }
  return out;
}

/** A test's result line in the pretty reporter's output (tests run one at a time). */
export interface PrettyResult {
  file: string;
  title: string;
  occurrence: number;
  result: DenoResult;
  /** nst's notCompatible() message printed by the test: it skipped itself (server too old). */
  versionSkip?: string;
}

/** Deno's "Uncaught error from FILE FAILED": an error no test caught, counted as a failure in its summary. */
export interface UncaughtError {
  file: string;
  /** The title of the test whose result line came last before it in that file, if any. */
  after?: string;
  /** The error, from the summary's ERRORS section ("FILE (uncaught error)" then "error: ..."). */
  error: string;
}

export interface PrettyRun {
  results: PrettyResult[];
  uncaught: UncaughtError[];
  /** The closing summary line's counts, if the run got that far. */
  summary?: { passed: number; failed: number; ignored: number; filteredOut: number };
}

const ANSI = /\u001b\[[0-9;]*m/g;
const STATUS: Record<string, DenoResult> = { ok: 'passed', FAILED: 'failed', ignored: 'ignored', cancelled: 'cancelled' };

/**
 * The pretty reporter's output of a sequential run: `running N tests from FILE`, then per test
 * `TITLE ... STATUS (time)` (repeated as `TITLE ...` around the test's own output blocks, which
 * is why only result lines count), steps indented beneath it, and at the end the ERRORS section
 * and the summary line `ok | P passed | F failed [| I ignored] [| N filtered out] (time)`.
 */
export function parsePretty(pretty: string): PrettyRun {
  const run: PrettyRun = { results: [], uncaught: [] };
  let file = '';
  let inOutput = false;
  let buf = '';
  let pendingSkip: string | undefined;
  let inErrors = false;
  const seen = new Map<string, number>();
  const lastInFile = new Map<string, string>();
  const lines = pretty.replace(ANSI, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const f = /^running \d+ tests? from (\S+)/.exec(line);
    if (f) {
      file = f[1]!;
      continue;
    }
    if (/^------- (?:pre-test |post-test )?output -------$/.test(line)) {
      inOutput = true;
      buf = '';
      continue;
    }
    // The end marker follows the test's output on the same line when that output did not end
    // with a newline (nst's skip message does not).
    const end = /^(.*)----- (?:pre-test |post-test )?output end -----$/.exec(line);
    if (inOutput && end) {
      inOutput = false;
      buf += end[1]!;
      const m = /skipping test as server \(([^)]*)\) doesn't implement required feature from (\S+)/.exec(buf);
      if (m) pendingSkip = `server ${m[1]} older than ${m[2]}`;
      continue;
    }
    if (inOutput) {
      // An uncaught error or a result line also ends an output block.
      if (!/^Uncaught error from \S+ FAILED$/.test(line) && !/^(\S.*) \.\.\. (ok|FAILED|ignored|cancelled)\b/.test(line)) {
        buf += `${line}\n`;
        continue;
      }
      inOutput = false;
    }
    if (line.trim() === 'ERRORS') {
      inErrors = true;
      continue;
    }
    const u = /^Uncaught error from (\S+) FAILED$/.exec(line);
    if (u) {
      run.uncaught.push({ file: u[1]!, ...(lastInFile.has(u[1]!) ? { after: lastInFile.get(u[1]!)! } : {}), error: '' });
      continue;
    }
    const e = /^(\S+) \(uncaught error\)$/.exec(line);
    if (e) {
      const err = /^error: (.*)$/.exec(lines[i + 1] ?? '');
      const target = run.uncaught.find((x) => x.file === e[1] && !x.error);
      if (target && err) target.error = err[1]!.trim();
      continue;
    }
    const s = /^(ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \(\d+ steps?\))?(?: \| (\d+) ignored(?: \(\d+ steps?\))?)?(?: \| \d+ measured)?(?: \| (\d+) filtered out)?/.exec(line);
    if (s) {
      run.summary = { passed: Number(s[2]), failed: Number(s[3]), ignored: Number(s[4] ?? 0), filteredOut: Number(s[5] ?? 0) };
      continue;
    }
    if (!inErrors && run.summary === undefined) {
      const r = /^(\S.*) \.\.\. (ok|FAILED|ignored|cancelled)\b/.exec(line);
      if (r && file) {
        const title = r[1]!;
        const k = `${file}\t${title}`;
        const occurrence = seen.get(k) ?? 0;
        seen.set(k, occurrence + 1);
        lastInFile.set(file, title);
        run.results.push({ file, title, occurrence, result: STATUS[r[2]!]!, ...(pendingSkip ? { versionSkip: pendingSkip } : {}) });
        pendingSkip = undefined;
      }
    }
  }
  return run;
}

/** Key of one declared test: file (as Deno names it, `./dir/x_test.ts`), title, occurrence. */
export function testKey(file: string, title: string, occurrence: number): string {
  return `${file}\t${title}\t${occurrence}`;
}

/**
 * Numbers each case of a report with its occurrence (the n-th case with that name in its file),
 * keyed like testKey, in document order.
 */
export function byOccurrence<T extends { file: string; name: string }>(cases: readonly T[]): Map<string, T> {
  const out = new Map<string, T>();
  const seen = new Map<string, number>();
  for (const c of cases) {
    const k = `${c.file}\t${c.name}`;
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    out.set(testKey(c.file, c.name, n), c);
  }
  return out;
}

/** A declared test, as the runner selected it. */
export interface DeclaredTest {
  /** As Deno names files: `./dir/x_test.ts`. */
  file: string;
  title: string;
  occurrence: number;
  line: number;
  selected: boolean;
}

export interface MatchedResult<T extends DeclaredTest> {
  test: T;
  result: 'passed' | 'failed' | 'ignored';
  versionSkip?: string;
  message: string;
}

export interface Matched<T extends DeclaredTest> {
  /** Selected tests with a result of their own (JUnit case and result line agreeing on it), in declaration order. */
  results: MatchedResult<T>[];
  /** What does not add up: the run is incomplete when any is non-empty. */
  problems: string[];
}

function name(t: DeclaredTest, all: readonly DeclaredTest[]): string {
  const twin = all.some((o) => o !== t && o.file === t.file && o.title === t.title);
  return `${t.file.replace(/^\.\//, '')}: ${t.title}${twin ? ` (line ${t.line})` : ''}`;
}

function listed(what: string, xs: string[]): string {
  return `${xs.length} ${what}: ${xs.slice(0, 5).join('; ')}${xs.length > 5 ? `; and ${xs.length - 5} more` : ''}`;
}

/**
 * Each selected declared test matched to its JUnit case and its result line of the same
 * occurrence. Problems: a selected test with no result (or only one of the two), one Deno
 * cancelled (it never ran), the two reports disagreeing, a JUnit case on another line than its
 * declaration, a result line for a test the sources do not declare, and Deno's summary not
 * equal to the result lines plus its uncaught errors (which Deno counts as failures).
 */
export function matchResults<T extends DeclaredTest>(declared: readonly T[], cases: readonly JUnitCase[], pretty: PrettyRun): Matched<T> {
  const junitBy = byOccurrence(cases);
  const prettyBy = byOccurrence(pretty.results.map((p) => ({ ...p, name: p.title })));
  const results: MatchedResult<T>[] = [];
  const missing: string[] = [];
  const cancelled: string[] = [];
  const disagree: string[] = [];
  const misplaced: string[] = [];
  for (const t of declared) {
    if (!t.selected) continue;
    const k = testKey(t.file, t.title, t.occurrence);
    const c = junitBy.get(k);
    const p = prettyBy.get(k);
    const n = name(t, declared);
    if (!c || !p) {
      missing.push(`${n}${!c && !p ? '' : !c ? ' (no JUnit case)' : ' (no result line)'}`);
      continue;
    }
    if (c.line !== undefined && c.line !== t.line) misplaced.push(`${n}: JUnit line ${c.line}`);
    if (c.result !== p.result) {
      disagree.push(`${n}: JUnit ${c.result}, result line ${p.result}`);
      continue;
    }
    if (c.result === 'cancelled') {
      cancelled.push(n);
      continue;
    }
    results.push({ test: t, result: c.result, ...(p.versionSkip ? { versionSkip: p.versionSkip } : {}), message: c.message });
  }
  const problems: string[] = [];
  if (missing.length) problems.push(listed('selected test(s) without a result (not run, not counted)', missing));
  if (cancelled.length) problems.push(listed('selected test(s) cancelled by Deno after an uncaught error in their file (not run, not counted)', cancelled));
  if (disagree.length) problems.push(listed('test(s) whose JUnit case and result line disagree (not counted)', disagree));
  if (misplaced.length) problems.push(listed('JUnit case(s) matched in order to a declaration on another line', misplaced));
  const declaredKeys = new Set(declared.map((t) => testKey(t.file, t.title, t.occurrence)));
  const undeclared = [...prettyBy.keys()].filter((k) => !declaredKeys.has(k)).map((k) => k.split('\t').slice(0, 2).join(': '));
  if (undeclared.length) problems.push(listed('result line(s) for tests the source scan does not declare', undeclared));
  const s = pretty.summary;
  if (s) {
    const count = (x: DenoResult) => pretty.results.filter((p) => p.result === x).length;
    const failedLines = count('failed') + count('cancelled');
    const u = pretty.uncaught.length;
    if (s.passed !== count('passed') || s.failed !== failedLines + u || s.ignored !== count('ignored')) {
      problems.push(`deno's summary counts ${s.passed} passed, ${s.failed} failed, ${s.ignored} ignored; its result lines ${count('passed')} passed, ${failedLines} failed (${count('cancelled')} of them cancelled), ${count('ignored')} ignored, with ${u} uncaught error(s)`);
    }
  }
  return { results, problems };
}

// What the nats.js 3.x Deno suites' test files say about each test, read from the sources so the
// report can say how it was decided: the text from one top-level `Deno.test("title", ...)` to the
// next is that test's body. A body that neither starts a server (nst's `setup(`, `NatsServer.`)
// nor connects (`connect(`) tests the client alone; markers in a body name what else it needs
// (a cluster, accounts, the public demo server, the internet). Also the runner's outputs: the
// pretty reporter's per-test output blocks (where nst's notCompatible() says it skipped a test
// because the server's version is older) and the JUnit report (per test: passed, failed with
// its message, ignored).
import { readFileSync } from 'node:fs';

const TEST = /^Deno\.test\(\s*(["'`])((?:(?!\1).)+)\1/gm;
const REACHES = /\bsetup\(|\bNatsServer\.|\bconnect\(/;

export interface DenoTestSource {
  title: string;
  body: string;
  reaches: boolean;
}

export function denoTests(file: string): DenoTestSource[] {
  const src = readFileSync(file, 'utf8');
  const starts: { at: number; title: string }[] = [];
  for (const m of src.matchAll(TEST)) starts.push({ at: m.index, title: m[2]! });
  return starts.map((s, i) => {
    const body = src.slice(s.at, i + 1 < starts.length ? starts[i + 1]!.at : src.length);
    return { title: s.title, body, reaches: REACHES.test(body) };
  });
}

export interface JUnitCase {
  file: string;
  name: string;
  result: 'passed' | 'failed' | 'ignored';
  message: string;
}

function unescape(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');
}

/** Deno's JUnit report: one testcase per top-level test (steps are not counted). */
export function parseDenoJUnit(xml: string): JUnitCase[] {
  const out: JUnitCase[] = [];
  for (const suite of xml.matchAll(/<testsuite name="([^"]*)"[^>]*>([\s\S]*?)<\/testsuite>/g)) {
    const file = unescape(suite[1]!);
    for (const tc of suite[2]!.matchAll(/<testcase name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
      const inner = tc[3] ?? '';
      const fail = /<failure message="([^"]*)"/.exec(inner);
      out.push({ file, name: unescape(tc[1]!), result: fail ? 'failed' : /<skipped/.test(inner) ? 'ignored' : 'passed', message: fail ? unescape(fail[1]!) : '' });
    }
  }
  return out;
}

/**
 * Tests whose output (pretty reporter, tests run one at a time) holds nst's notCompatible()
 * message, keyed `file\ttitle`, with the version the test asked for.
 */
export function versionSkips(pretty: string): Map<string, string> {
  const out = new Map<string, string>();
  let file = '';
  let last = '';
  let inOutput = false;
  let buf = '';
  for (const line of pretty.split('\n')) {
    const f = /^running \d+ tests? from (\S+)/.exec(line);
    if (f) {
      file = f[1]!;
      continue;
    }
    if (line === '------- output -------') {
      inOutput = true;
      buf = '';
      continue;
    }
    if (line === '----- output end -----') {
      inOutput = false;
      const m = /skipping test as server \(([^)]*)\) doesn't implement required feature from (\S+)/.exec(buf);
      if (m && last) out.set(`${file}\t${last}`, `server ${m[1]} older than ${m[2]!.replace(/\u001b\[[0-9;]*m/g, '')}`);
      continue;
    }
    if (inOutput) {
      buf += `${line}\n`;
      continue;
    }
    const t = /^(\S.*?) \.\.\.(?: (?:ok|FAILED|ignored).*)?$/.exec(line);
    if (t) last = t[1]!;
  }
  return out;
}

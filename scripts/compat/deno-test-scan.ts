// What the nats.js 3.x Deno suites' test files say about each test, read from the sources so the
// report can say how it was decided: the text from one top-level `Deno.test("title", ...)` to the
// next is that test's body, with the text of the file's helper functions it calls (transitively)
// added. A body that neither starts a server (nst's `setup(`, `NatsServer.`)
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

const HELPER = /^(?:export )?(?:async )?function (\w+)\s*\(/gm;

/**
 * The file's top-level helper functions (`function name(` at column 0, up to the next `}` at
 * column 0), each with its body and the bodies of the helpers it calls, transitively: a test that
 * calls a helper is read as if the helper's text were in its body.
 */
function helpers(src: string): Map<string, string> {
  const own = new Map<string, string>();
  for (const m of src.matchAll(HELPER)) {
    const end = src.indexOf('\n}', m.index);
    own.set(m[1]!, src.slice(m.index, end < 0 ? src.length : end + 2));
  }
  const expanded = new Map<string, string>();
  for (const name of own.keys()) {
    const seen = new Set([name]);
    let text = own.get(name)!;
    for (let changed = true; changed; ) {
      changed = false;
      for (const [other, body] of own) {
        if (!seen.has(other) && new RegExp(`\\b${other}\\(`).test(text)) {
          seen.add(other);
          text += `\n${body}`;
          changed = true;
        }
      }
    }
    expanded.set(name, text);
  }
  return expanded;
}

export function denoTests(file: string): DenoTestSource[] {
  const src = readFileSync(file, 'utf8');
  const fns = helpers(src);
  const starts: { at: number; title: string }[] = [];
  for (const m of src.matchAll(TEST)) starts.push({ at: m.index, title: m[2]! });
  return starts.map((s, i) => {
    let body = src.slice(s.at, i + 1 < starts.length ? starts[i + 1]!.at : src.length);
    for (const [name, text] of fns) if (new RegExp(`\\b${name}\\(`).test(body)) body += `\n${text}`;
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

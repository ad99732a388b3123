// What the nats.js 3.x Deno suites' test files say about each test, read from the sources so the
// report can say how it was decided: the text from one top-level `Deno.test(...)` to the next is
// that test's body, with the text of the file's helper functions it calls (transitively) added.
// A body that neither starts a server (nst's `setup(`, `NatsServer.`) nor connects (`connect(`)
// tests the client alone; markers in a body name what else it needs (a cluster, accounts, the
// public demo server, the internet). What the runs report is read by deno-test-results.ts.
//
// Titles are not unique: nats.js 3.4.0 declares two tests named "ordered consumers - consume
// reset" in one file, and two named "jsm - purge by subject" in another. So a test is known by
// its file, title and occurrence (the n-th test with that title in that file, in declaration
// order), and its line.
import { readFileSync } from 'node:fs';

/** `Deno.test("title", ...)` or `Deno.test({ name: "title", ... })` at the start of a line. */
const TEST = /^Deno\.test\(\s*(?:(["'`])((?:(?!\1).)+)\1|\{\s*name:\s*(["'`])((?:(?!\3).)+)\3)/gm;
const REACHES = /\bsetup\(|\bNatsServer\.|\bconnect\(/;

export interface DenoTestSource {
  title: string;
  /** 1-based line of the `Deno.test(` call (where Deno's JUnit report places the test). */
  line: number;
  /** 0-based: this is the occurrence-th test with this title in its file. */
  occurrence: number;
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
  return denoTestsOf(readFileSync(file, 'utf8'));
}

/** The tests a test file's source declares, in declaration order. */
export function denoTestsOf(src: string): DenoTestSource[] {
  const fns = helpers(src);
  const starts: { at: number; title: string }[] = [];
  for (const m of src.matchAll(TEST)) starts.push({ at: m.index, title: (m[2] ?? m[4])! });
  const seen = new Map<string, number>();
  return starts.map((s, i) => {
    let body = src.slice(s.at, i + 1 < starts.length ? starts[i + 1]!.at : src.length);
    for (const [name, text] of fns) if (new RegExp(`\\b${name}\\(`).test(body)) body += `\n${text}`;
    const occurrence = seen.get(s.title) ?? 0;
    seen.set(s.title, occurrence + 1);
    const line = src.slice(0, s.at).split('\n').length;
    return { title: s.title, line, occurrence, body, reaches: REACHES.test(body) };
  });
}

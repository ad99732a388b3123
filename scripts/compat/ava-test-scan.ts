// Which tests of an ava test file (the nats.js 2.x suite) reach a server, read from the file:
// the text from one top-level `test("title", ...)` to the next is that test's body, and a body
// that neither connects (`connect(`) nor starts a server (`NatsServer.`, the `setup(` helper,
// which does both) tests the client alone (its parser, header class, timers). Mechanical, so the
// report can say how it was decided; the runner reports those tests apart from the headline.
import { readFileSync } from 'node:fs';

const TEST = /^test(?:\.serial)?\(\s*(["'`])((?:(?!\1).)+)\1/gm;
const REACHES = /\bconnect\(|\bNatsServer\.|\bsetup\(/;

/** Titles of the file's top-level tests whose bodies never connect nor start a server. */
export function clientOnlyTests(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const starts: { at: number; title: string }[] = [];
  for (const m of src.matchAll(TEST)) starts.push({ at: m.index, title: m[2]! });
  const out: string[] = [];
  starts.forEach((s, i) => {
    const body = src.slice(s.at, i + 1 < starts.length ? starts[i + 1]!.at : src.length);
    if (!REACHES.test(body)) out.push(s.title);
  });
  return out;
}

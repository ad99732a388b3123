// Which top-level tests of a Go package reach the broker, read from the package's _test.go
// files (used by the franz-go suite, whose test binary mixes client-only tests with tests that
// talk to the broker named by KGO_SEEDS).
// The rule is mechanical, so that anyone can check it: a function of the test files "reaches"
// when its body names one of the caller's markers (for kgo: the seed-broker helpers), or calls or names another
// function of the test files that reaches (methods are matched as `.name(`), transitively. A
// top-level TestXxx that reaches is broker-facing; the others are client-only. The sources are
// gofmt'd, so a declaration starts with `func ` at column 0 and ends at the next `}` at column 0.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface GoFunc {
  name: string;
  method: boolean;
  body: string;
}

function functions(dir: string): GoFunc[] {
  const out: GoFunc[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('_test.go')).sort()) {
    const lines = readFileSync(join(dir, f), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = /^func (\([^)]*\) )?([A-Za-z_]\w*)/.exec(lines[i]!);
      if (!m) continue;
      let j = i;
      if (!lines[i]!.endsWith('}')) while (j + 1 < lines.length && lines[j] !== '}') j++;
      out.push({ name: m[2]!, method: m[1] !== undefined, body: lines.slice(i, j + 1).join('\n') });
      i = j;
    }
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Splits the package's top-level tests into those that reach the broker and the rest. */
export function brokerFacingTests(dir: string, markers: string[]): { broker: Set<string>; clientOnly: Set<string> } {
  const fns = functions(dir).filter((f) => f.name !== 'init');
  const reached = new Set<GoFunc>(fns.filter((f) => markers.some((m) => f.body.includes(m))));
  for (let changed = true; changed; ) {
    changed = false;
    const refs = [...reached].map((f) => (f.method ? `\\.${escape(f.name)}\\(` : `\\b${escape(f.name)}\\b`));
    const re = new RegExp(refs.join('|'));
    for (const f of fns) {
      if (reached.has(f)) continue;
      // The declaration line names the function itself: look past it.
      const body = f.body.slice(f.body.indexOf('\n') + 1);
      if (re.test(body)) {
        reached.add(f);
        changed = true;
      }
    }
  }
  const broker = new Set<string>();
  const clientOnly = new Set<string>();
  for (const f of fns) {
    if (f.method || !/^Test[A-Z0-9_]/.test(f.name)) continue;
    (reached.has(f) ? broker : clientOnly).add(f.name);
  }
  return { broker, clientOnly };
}

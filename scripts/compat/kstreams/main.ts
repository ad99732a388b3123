// Entry point of the kstreams suite inside its network namespace (the suite starts it with
// `unshare --net`): brings the namespace's loopback up, then runs each selected case against a
// fresh broker (Wharf, or the reference Kafka 4.4 for the control) on localhost:9092, and writes
// the results as JSON for scripts/compat/suites/kstreams.ts.
//   node dist/scripts/compat/kstreams/main.js --target wharf|kafka --mode full|smoke --dir PREPARED --out FILE [--case NAME]...
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tmpWork, type Context } from '../lib.js';
import { CASES, type CaseResult } from './cases.js';
import { Io } from './io.js';
import { javaRuntime } from './java-app.js';
import { startBroker, type KstreamsTarget } from './target.js';

export interface CaseOutcome extends CaseResult {
  name: string;
  seconds: number;
}

function arg(name: string): string[] {
  const out: string[] = [];
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) if (a[i] === name && a[i + 1] !== undefined) out.push(a[++i]!);
  return out;
}

async function main(): Promise<void> {
  const target = (arg('--target')[0] ?? 'wharf') as KstreamsTarget;
  const mode = arg('--mode')[0] ?? 'full';
  const dir = arg('--dir')[0]!;
  const outFile = arg('--out')[0]!;
  const only = arg('--case');
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  const work = arg('--work')[0] ?? tmpWork();
  const ctx: Context = {
    repo: repoRoot(),
    peersDir: process.env.WHARF_PEERS_DIR || join(process.env.HOME || '/root', '.cache', 'wharf-peers'),
    work,
    target: 'wharf',
    log: (m) => process.stderr.write(`[compat] ${m}\n`),
  };
  const rt = javaRuntime(dir, readFileSync(join(dir, 'classpath.txt'), 'utf8').trim());
  const cases = CASES.filter((c) => (only.length ? only.includes(c.name) : mode !== 'smoke' || c.smoke));
  const results: CaseOutcome[] = [];
  for (const c of cases) {
    const t0 = Date.now();
    const caseDir = join(work, c.name.replace(/[^A-Za-z0-9]+/g, '-'));
    mkdirSync(caseDir, { recursive: true });
    ctx.log(`kstreams: ${c.name} against ${target}`);
    let r: CaseResult;
    let broker;
    try {
      broker = await startBroker(ctx, target);
      const io = new Io(broker.bootstrap);
      r = await c.run({ io, rt, dir: caseDir, bootstrap: broker.bootstrap, log: ctx.log });
    } catch (e) {
      r = { ok: false, observed: `the case threw: ${(e as Error).message.split('\n')[0]}` };
    } finally {
      if (broker) {
        const out = broker.output();
        if (out) writeFileSync(join(caseDir, 'broker.log'), out);
        await broker.stop().catch(() => undefined);
      }
    }
    ctx.log(`kstreams: ${c.name}: ${r.ok ? 'ok' : `FAILED: ${r.observed.slice(0, 300)}`}`);
    results.push({ name: c.name, ...r, seconds: (Date.now() - t0) / 1000 });
    writeFileSync(outFile, JSON.stringify({ finished: false, results }, null, 2));
  }
  writeFileSync(outFile, JSON.stringify({ finished: true, results }, null, 2));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`kstreams runner: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);

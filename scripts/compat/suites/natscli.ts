// The `nats` CLI (natscli v0.5.0, installed by scripts/peers/install-nats.sh): its pub, sub,
// request, reply and bench commands against Wharf. Each case is a real CLI session with a
// pass condition on its output and exit code; commands that need what Wharf does not offer
// (the system account behind `nats server ...`, JetStream API levels above 1) are listed as not
// applicable. test/jetstream/natscli*.test.ts check the JetStream commands in depth, with
// nats-server as control.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JETSTREAM_API_LEVEL } from '../../../src/jetstream/service.js';
import { emptyResult, freePort, run, scratch, startWharf, type Context, type Mode, type Suite, type SuiteResult, type Wharf } from '../lib.js';

const VERSION = 'v0.5.0';

interface Env {
  nats: string;
  home: string;
  url: string;
  /** Wharf's monitoring port, to see which subscriptions it has. */
  http: number;
}

interface Case {
  name: string;
  smoke?: boolean;
  /** Extra Wharf flags for this case; the default is a plain broker. */
  wharfArgs?: string[];
  /**
   * The JetStream API level the case needs: below it (the level Wharf advertises,
   * JETSTREAM_API_LEVEL) the case is listed as not applicable with `belowLevel` as the reason.
   */
  minApiLevel?: number;
  belowLevel?: string;
  /** Resolves with '' on success, or with what went wrong. */
  check(e: Env, w: Wharf): Promise<string>;
}

function cli(e: Env, args: string[], timeoutMs = 20_000) {
  return run(e.nats, ['--server', e.url, ...args], { timeoutMs, env: { ...process.env, HOME: e.home, XDG_CONFIG_HOME: join(e.home, '.config'), NO_COLOR: '1', NATS_CONTEXT: '' } });
}

/** Starts a long-running CLI command and resolves once its output matches `ready`. */
function background(e: Env, args: string[], ready: RegExp, timeoutMs = 30_000) {
  const child = spawn(e.nats, ['--server', e.url, ...args], { env: { ...process.env, HOME: e.home, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  const done = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      process.removeListener('exit', onExit);
      resolve({ code, out });
    }),
  );
  const isReady = new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(false), 10_000);
    const check = () => {
      if (ready.test(out)) {
        clearTimeout(t);
        resolve(true);
      }
    };
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      check();
    });
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
      check();
    });
    child.on('close', () => resolve(false));
  });
  return { isReady, done, kill: () => child.kill('SIGKILL'), output: () => out };
}

/**
 * Waits until at least `count` subscriptions would receive a publish to `subject` (Wharf's
 * /subsz?subs=1&test=). natscli prints "Subscribing on" and "Starting ... subscriber" before it
 * subscribes, so its output does not say the SUB reached the broker.
 */
async function interest(e: Env, subject: string, count: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${e.http}/subsz?subs=1&test=${encodeURIComponent(subject)}`);
      const body = (await res.json()) as { total?: unknown };
      if (typeof body.total === 'number' && body.total >= count) return true;
    } catch {
      // not answering yet: try again
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until `done()` holds, at most timeoutMs; true if it did. */
async function until(done: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** A scratch directory under the CLI's home for one case's files. */
function scratchDir(e: Env): string {
  return mkdtempSync(join(e.home, 'case-'));
}

const tail = (s: string) => s.trim().split('\n').slice(-2).join(' / ').slice(0, 200);

const CASES: Case[] = [
  {
    name: 'pub/sub: 3 messages reach a subscriber (sub --count 3, pub --count 3)',
    smoke: true,
    async check(e) {
      const sub = background(e, ['sub', 'cli.ps', '--count', '3'], /Subscribing on/);
      if (!(await sub.isReady)) return `sub did not start: ${tail(sub.output())}`;
      const pub = await cli(e, ['pub', 'cli.ps', 'hello {{Count}}', '--count', '3']);
      if (pub.code !== 0) return `pub exited ${pub.code}: ${tail(pub.stderr)}`;
      const r = await sub.done;
      if (r.code !== 0) return `sub exited ${r.code}: ${tail(r.out)}`;
      for (const n of [1, 2, 3]) if (!r.out.includes(`hello ${n}`)) return `message 'hello ${n}' missing: ${tail(r.out)}`;
      return '';
    },
  },
  {
    name: 'pub -H: headers reach a subscriber',
    smoke: true,
    async check(e) {
      const sub = background(e, ['sub', 'cli.hdr', '--count', '1'], /Subscribing on/);
      if (!(await sub.isReady)) return `sub did not start: ${tail(sub.output())}`;
      const pub = await cli(e, ['pub', 'cli.hdr', 'body', '-H', 'X-Wharf:yes', '-H', 'X-Two:2']);
      if (pub.code !== 0) return `pub exited ${pub.code}: ${tail(pub.stderr)}`;
      const r = await sub.done;
      if (!/X-Wharf: yes/.test(r.out) || !/X-Two: 2/.test(r.out) || !r.out.includes('body')) return `headers or body missing: ${tail(r.out)}`;
      return '';
    },
  },
  {
    name: 'sub with wildcards (cli.*.x and cli.>)',
    async check(e) {
      const a = background(e, ['sub', 'cli.*.x', '--count', '1'], /Subscribing on/);
      const b = background(e, ['sub', 'cli.>', '--count', '1'], /Subscribing on/);
      if (!(await a.isReady) || !(await b.isReady)) return 'subscribers did not start';
      const pub = await cli(e, ['pub', 'cli.w.x', 'wild']);
      if (pub.code !== 0) return `pub exited ${pub.code}`;
      const [ra, rb] = await Promise.all([a.done, b.done]);
      if (!ra.out.includes('wild') || !rb.out.includes('wild')) return `a wildcard subscriber missed the message: ${tail(ra.out)} | ${tail(rb.out)}`;
      return '';
    },
  },
  {
    name: 'sub --queue: 10 messages are shared by two queue members, each once',
    async check(e) {
      const a = background(e, ['sub', 'cli.q', '--queue', 'workers', '--raw'], /Subscribing on|^$/m, 20_000);
      const b = background(e, ['sub', 'cli.q', '--queue', 'workers', '--raw'], /Subscribing on|^$/m, 20_000);
      await Promise.all([a.isReady, b.isReady]);
      if (!(await interest(e, 'cli.q', 2))) return 'the two queue members never subscribed';
      const pub = await cli(e, ['pub', 'cli.q', 'm{{Count}}', '--count', '10']);
      const lines = () => (a.output() + '\n' + b.output()).split('\n').filter((l) => /^m\d+$/.test(l.trim()));
      await until(() => lines().length >= 10);
      a.kill();
      b.kill();
      await Promise.all([a.done, b.done]);
      if (pub.code !== 0) return `pub exited ${pub.code}`;
      const got = lines();
      if (got.length !== 10 || new Set(got).size !== 10) return `expected 10 distinct messages across the group, got ${got.length}`;
      return '';
    },
  },
  {
    name: 'request/reply: nats reply answers nats request',
    smoke: true,
    async check(e) {
      const rep = background(e, ['reply', 'cli.svc', 'pong', '--count', '1'], /Listening on/);
      if (!(await rep.isReady)) return `reply did not start: ${tail(rep.output())}`;
      const req = await cli(e, ['request', 'cli.svc', 'ping', '--raw']);
      await rep.done;
      if (req.code !== 0 || req.stdout.trim() !== 'pong') return `request exited ${req.code}, got '${tail(req.stdout + req.stderr)}'`;
      return '';
    },
  },
  {
    name: 'request without responders: "No responders are available" at once (503 status)',
    async check(e) {
      const t0 = Date.now();
      const req = await cli(e, ['request', 'cli.nobody', 'x', '--timeout', '3s']);
      // natscli reports it and exits 0, against nats-server as against Wharf.
      if (!/no responders are available/i.test(req.stdout + req.stderr)) return `expected "No responders are available": exit ${req.code}: ${tail(req.stdout + req.stderr)}`;
      if (Date.now() - t0 > 2_500) return 'took the whole timeout instead of a 503 status';
      return '';
    },
  },
  {
    name: 'reply --command: the request body reaches a command and its output comes back',
    async check(e) {
      const rep = background(e, ['reply', 'cli.echo', '--command', 'printenv NATS_REQUEST_BODY', '--count', '1'], /Listening on/);
      if (!(await rep.isReady)) return `reply did not start: ${tail(rep.output())}`;
      const req = await cli(e, ['request', 'cli.echo', 'echo-me', '--raw']);
      await rep.done;
      if (req.code !== 0 || !req.stdout.includes('echo-me')) return `got '${tail(req.stdout + req.stderr)}'`;
      return '';
    },
  },
  {
    name: 'bench pub: 50000 messages of 128 B',
    smoke: true,
    async check(e) {
      const r = await cli(e, ['bench', 'pub', 'cli.bench.p', '--msgs', '50000', '--size', '128', '--no-progress'], 120_000);
      if (r.code !== 0 || !/msgs\/sec/.test(r.stdout + r.stderr)) return `exit ${r.code}: ${tail(r.stdout + r.stderr)}`;
      return '';
    },
  },
  {
    name: 'bench sub + bench pub: 50000 messages of 128 B delivered',
    async check(e) {
      const sub = background(e, ['bench', 'sub', 'cli.bench.s', '--msgs', '50000', '--no-progress'], /Starting|subscriber|waiting/i, 120_000);
      await sub.isReady;
      if (!(await interest(e, 'cli.bench.s', 1))) return `bench sub never subscribed: ${tail(sub.output())}`;
      const pub = await cli(e, ['bench', 'pub', 'cli.bench.s', '--msgs', '50000', '--size', '128', '--no-progress'], 120_000);
      const r = await sub.done;
      if (pub.code !== 0) return `bench pub exit ${pub.code}: ${tail(pub.stdout + pub.stderr)}`;
      if (r.code !== 0 || !/msgs\/sec/.test(r.out)) return `bench sub exit ${r.code}: ${tail(r.out)}`;
      return '';
    },
  },
  {
    name: 'bench pub/sub with 4 publishers and 2 subscribers',
    async check(e) {
      const sub = background(e, ['bench', 'sub', 'cli.bench.m', '--clients', '2', '--msgs', '40000', '--no-progress'], /Starting|subscriber|waiting/i, 120_000);
      await sub.isReady;
      if (!(await interest(e, 'cli.bench.m', 2))) return `bench sub never subscribed both clients: ${tail(sub.output())}`;
      const pub = await cli(e, ['bench', 'pub', 'cli.bench.m', '--clients', '4', '--msgs', '40000', '--size', '64', '--no-progress'], 120_000);
      const r = await sub.done;
      if (pub.code !== 0) return `bench pub exit ${pub.code}: ${tail(pub.stdout + pub.stderr)}`;
      if (r.code !== 0 || !/msgs\/sec/.test(r.out)) return `bench sub exit ${r.code}: ${tail(r.out)}`;
      return '';
    },
  },
  {
    name: 'bench service serve + bench service request: 5000 requests',
    smoke: true,
    async check(e) {
      const srv = background(e, ['bench', 'service', 'serve', 'cli.bench.svc', '--msgs', '5000', '--no-progress'], /Starting|service|waiting/i, 120_000);
      await srv.isReady;
      if (!(await interest(e, 'cli.bench.svc', 1))) return `bench service serve never subscribed: ${tail(srv.output())}`;
      const req = await cli(e, ['bench', 'service', 'request', 'cli.bench.svc', '--msgs', '5000', '--no-progress'], 120_000);
      srv.kill();
      await srv.done;
      if (req.code !== 0 || !/msgs\/sec/.test(req.stdout + req.stderr)) return `exit ${req.code}: ${tail(req.stdout + req.stderr)}`;
      return '';
    },
  },
  {
    name: 'rtt reports a round trip time',
    async check(e) {
      const r = await cli(e, ['rtt']);
      if (r.code !== 0 || !/\d+(\.\d+)?(µs|us|ms|ns)/.test(r.stdout)) return `exit ${r.code}: ${tail(r.stdout + r.stderr)}`;
      return '';
    },
  },
  {
    name: 'user/password: right credentials publish, wrong ones get "Authorization Violation"',
    wharfArgs: ['--user', 'alice', '--pass', 's3cret'],
    async check(e) {
      const ok = await cli(e, ['pub', 'cli.auth', 'x', '--user', 'alice', '--password', 's3cret']);
      if (ok.code !== 0) return `right credentials: exit ${ok.code}: ${tail(ok.stderr)}`;
      const bad = await cli(e, ['pub', 'cli.auth', 'x', '--user', 'alice', '--password', 'wrong']);
      if (bad.code === 0) return 'wrong password was accepted';
      if (!/authorization violation/i.test(bad.stdout + bad.stderr)) return `expected "Authorization Violation": ${tail(bad.stderr)}`;
      return '';
    },
  },
  {
    name: 'token: right token publishes, missing token is refused',
    wharfArgs: ['--auth-token', 'tok123'],
    async check(e) {
      const ok = await cli(e, ['pub', 'cli.tok', 'x', '--token', 'tok123']);
      if (ok.code !== 0) return `right token: exit ${ok.code}: ${tail(ok.stderr)}`;
      const bad = await cli(e, ['pub', 'cli.tok', 'x']);
      if (bad.code === 0) return 'missing token was accepted';
      return '';
    },
  },
  {
    name: 'pub of a payload over max_payload is refused',
    wharfArgs: ['--max-payload', '1KB'],
    async check(e) {
      const r = await cli(e, ['pub', 'cli.big', 'x'.repeat(2048)]);
      if (r.code === 0) return 'a 2 KB payload was accepted with max_payload 1KB';
      if (!/payload/i.test(r.stdout + r.stderr)) return `expected a max payload error: ${tail(r.stderr)}`;
      return '';
    },
  },
  {
    name: 'stream add, pub -J, stream info: 3 messages stored',
    async check(e) {
      const add = await cli(e, ['stream', 'add', 'CLIJS', '--subjects', 'clijs.>', '--defaults']);
      if (add.code !== 0) return `stream add exit ${add.code}: ${tail(add.stdout + add.stderr)}`;
      const pub = await cli(e, ['pub', 'clijs.a', 'm {{Count}}', '--count', '3', '-J']);
      if (pub.code !== 0 || !/Sequence: 3/.test(pub.stdout + pub.stderr)) return `pub -J exit ${pub.code}: ${tail(pub.stdout + pub.stderr)}`;
      const info = await cli(e, ['stream', 'info', 'CLIJS', '-j']);
      const state = (JSON.parse(info.stdout || '{}') as { state?: { messages?: number } }).state;
      if (state?.messages !== 3) return `stream info: ${tail(info.stdout + info.stderr)}`;
      return '';
    },
  },
  {
    name: 'kv add, put, get; kv watch sees the next put',
    async check(e) {
      if ((await cli(e, ['kv', 'add', 'CLIKV'])).code !== 0) return 'kv add failed';
      if ((await cli(e, ['kv', 'put', 'CLIKV', 'k', 'v1'])).code !== 0) return 'kv put failed';
      const get = await cli(e, ['kv', 'get', 'CLIKV', 'k', '--raw']);
      if (get.stdout !== 'v1') return `kv get: ${tail(get.stdout + get.stderr)}`;
      const watch = background(e, ['kv', 'watch', 'CLIKV'], /PUT CLIKV > k: v1/, 30_000);
      if (!(await watch.isReady)) return `kv watch: ${tail(watch.output())}`;
      await cli(e, ['kv', 'put', 'CLIKV', 'k', 'v2']);
      const seen = await until(() => /PUT CLIKV > k: v2/.test(watch.output()));
      watch.kill();
      return seen ? '' : `kv watch did not see the update: ${tail(watch.output())}`;
    },
  },
  {
    name: 'object add, put, get: 300 kB read back',
    async check(e) {
      if ((await cli(e, ['object', 'add', 'CLIOBJ'])).code !== 0) return 'object add failed';
      const dir = scratchDir(e);
      const src = join(dir, 'in.bin');
      const dst = join(dir, 'out.bin');
      writeFileSync(src, Buffer.alloc(300_000, 7));
      const put = await cli(e, ['object', 'put', 'CLIOBJ', src, '--name', 'blob', '--no-progress']);
      if (put.code !== 0) return `object put exit ${put.code}: ${tail(put.stdout + put.stderr)}`;
      const get = await cli(e, ['object', 'get', 'CLIOBJ', 'blob', '-O', dst, '-f', '--no-progress']);
      if (get.code !== 0) return `object get exit ${get.code}: ${tail(get.stdout + get.stderr)}`;
      return readFileSync(dst).equals(readFileSync(src)) ? '' : 'object read back differs';
    },
  },
  {
    name: 'bench js pub async (stream made by stream add) + js ordered, js consume, js fetch: 20000 messages',
    async check(e) {
      if ((await cli(e, ['stream', 'add', 'benchstream', '--subjects', 'benchsubj', '--defaults'])).code !== 0) return 'stream add failed';
      const steps: string[][] = [
        ['bench', 'js', 'pub', 'async', 'benchsubj', '--msgs', '20000', '--no-progress'],
        ['bench', 'js', 'ordered', '--msgs', '20000', '--no-progress'],
        ['bench', 'js', 'consume', '--msgs', '20000', '--no-progress'],
      ];
      for (const args of steps) {
        const r = await cli(e, args, 120_000);
        if (r.code !== 0 || !/msgs\/sec/.test(r.stdout + r.stderr)) return `${args.slice(0, 3).join(' ')} exit ${r.code}: ${tail(r.stdout + r.stderr)}`;
      }
      // fetch reads with the durable consume left (all acked): a fresh stream of 20000 first.
      await cli(e, ['stream', 'purge', 'benchstream', '-f']);
      await cli(e, ['consumer', 'rm', 'benchstream', 'nats-bench', '-f']);
      const pub = await cli(e, steps[0]!, 120_000);
      if (pub.code !== 0) return `js pub (again) exit ${pub.code}: ${tail(pub.stdout + pub.stderr)}`;
      const fetch = await cli(e, ['bench', 'js', 'fetch', '--msgs', '20000', '--no-progress'], 120_000);
      if (fetch.code !== 0 || !/msgs\/sec/.test(fetch.stdout + fetch.stderr)) return `js fetch exit ${fetch.code}: ${tail(fetch.stdout + fetch.stderr)}`;
      return '';
    },
  },
  {
    name: 'bench js pub batch (atomic batches, stream made by stream add --allow-batch), counter increment/get, pub --schedule-after: the 2.12 features',
    async check(e) {
      if ((await cli(e, ['stream', 'add', 'batchstream', '--subjects', 'batchsubj', '--allow-batch', '--defaults'])).code !== 0) return 'stream add --allow-batch failed';
      const b = await cli(e, ['bench', 'js', 'pub', 'batch', 'batchsubj', '--stream', 'batchstream', '--msgs', '20000', '--batch', '100', '--no-progress'], 120_000);
      if (b.code !== 0 || !/msgs\/sec/.test(b.stdout + b.stderr)) return `bench js pub batch exit ${b.code}: ${tail(b.stdout + b.stderr)}`;
      if ((await cli(e, ['stream', 'add', 'CLICNT', '--subjects', 'clicnt.>', '--allow-counter', '--defaults'])).code !== 0) return 'stream add --allow-counter failed';
      await cli(e, ['counter', 'increment', 'clicnt.a', '40']);
      const c = await cli(e, ['counter', 'increment', 'clicnt.a', '2']);
      if (c.code !== 0 || c.stdout.trim() !== '42') return `counter increment: ${tail(c.stdout + c.stderr)}`;
      if ((await cli(e, ['stream', 'add', 'CLISCH', '--subjects', 'clisch.>', '--allow-schedules', '--defaults'])).code !== 0) return 'stream add --allow-schedules failed';
      const p = await cli(e, ['pub', 'clisch.s', 'later', '--schedule-after=1s', '--schedule-dest=clisch.out']);
      if (p.code !== 0) return `pub --schedule-after exit ${p.code}: ${tail(p.stdout + p.stderr)}`;
      for (let i = 0; i < 75; i++) {
        const g = await cli(e, ['stream', 'get', 'CLISCH', '--last-for', 'clisch.out']);
        if (g.code === 0) return /Nats-Scheduler: clisch\.s/.test(g.stdout) ? '' : `scheduled message without Nats-Scheduler: ${tail(g.stdout)}`;
        await new Promise((r) => setTimeout(r, 200));
      }
      return 'the scheduled message did not arrive within 15 s';
    },
  },
  {
    name: 'bench js pub sync --create (the bench makes its stream: allow_atomic, allow_batched, Nats-Required-Api-Level: 3) + bench js pub fast (fast batch publish): the 2.14 features',
    minApiLevel: 4,
    belowLevel:
      'natscli 0.5.0 creates the bench stream with allow_atomic and allow_batched (fast batch publish, nats-server 2.14) and sends Nats-Required-Api-Level: 3 (the level jsm.go gives allow_batched); Wharf advertises an API level below 3 and answers 10185 as nats-server 2.12 does; with the stream made first (nats stream add) the benchmarks run (cases above)',
    async check(e) {
      const c = await cli(e, ['bench', 'js', 'pub', 'sync', 'fastsubj', '--stream', 'faststream', '--create', '--msgs', '2000', '--no-progress'], 120_000);
      if (c.code !== 0 || !/msgs\/sec/.test(c.stdout + c.stderr)) return `bench js pub sync --create exit ${c.code}: ${tail(c.stdout + c.stderr)}`;
      const f = await cli(e, ['bench', 'js', 'pub', 'fast', 'fastsubj', '--stream', 'faststream', '--msgs', '20000', '--batch', '500', '--no-progress'], 120_000);
      if (f.code !== 0 || !/msgs\/sec/.test(f.stdout + f.stderr)) return `bench js pub fast exit ${f.code}: ${tail(f.stdout + f.stderr)}`;
      const info = await cli(e, ['stream', 'info', 'faststream', '--json']);
      if (info.code !== 0) return `stream info exit ${info.code}: ${tail(info.stdout + info.stderr)}`;
      const si = JSON.parse(info.stdout) as { config: { allow_batched?: boolean; allow_atomic?: boolean }; state: { messages: number } };
      if (si.config.allow_batched !== true || si.config.allow_atomic !== true) return `the bench stream lacks allow_batched/allow_atomic: ${tail(info.stdout)}`;
      return si.state.messages === 22_000 ? '' : `faststream holds ${si.state.messages} messages, not 22000`;
    },
  },
  {
    name: 'bench kv put + kv get: 5000 keys',
    async check(e) {
      for (const op of ['put', 'get']) {
        const r = await cli(e, ['bench', 'kv', op, '--msgs', '5000', '--no-progress'], 120_000);
        if (r.code !== 0 || !/msgs\/sec/.test(r.stdout + r.stderr)) return `bench kv ${op} exit ${r.code}: ${tail(r.stdout + r.stderr)}`;
      }
      return '';
    },
  },
];

const NOT_APPLICABLE = [
  { what: 'nats server list / ping / info / report / check', count: 1, reason: 'the system account ($SYS) server events (not built in Wharf)' },
  { what: 'nats account info', count: 1, reason: 'accounts and JetStream account info (not built in Wharf)' },
];

export const natscli: Suite = {
  id: 'natscli',
  name: "Wharf's own scenario scripts with the `nats` CLI (pub/sub/request/reply/bench, streams, kv, object, bench js/kv)",
  smokeTests: 5,
  async run(ctx: Context, mode: Mode): Promise<SuiteResult> {
    const t0 = Date.now();
    const result = emptyResult(this.id, this.name, `natscli ${VERSION}`);
    const nats = join(ctx.peersDir, 'bin', 'nats');
    if (!existsSync(nats)) {
      result.status = 'unavailable';
      result.notes.push(`${nats} is missing: run scripts/peers/install-nats.sh`);
      return result;
    }
    const home = scratch(ctx, 'natscli-home-');
    if (mode === 'full') result.notApplicable.push(...NOT_APPLICABLE);
    for (const c of CASES) {
      if (mode === 'smoke' && !c.smoke) continue;
      if (c.minApiLevel !== undefined && c.minApiLevel > JETSTREAM_API_LEVEL) {
        if (mode === 'full') result.notApplicable.push({ what: c.name, count: 1, reason: `${c.belowLevel ?? ''} (Wharf advertises API level ${JETSTREAM_API_LEVEL}, the case needs ${c.minApiLevel})` });
        continue;
      }
      result.run++;
      let why: string;
      let w: Wharf | undefined;
      try {
        const http = await freePort();
        w = await startWharf(ctx, { args: [...(c.wharfArgs ?? []), '--http-port', String(http)] });
        why = await Promise.race([
          c.check({ nats, home, url: `nats://127.0.0.1:${w.port}`, http }, w),
          new Promise<string>((r) => setTimeout(() => r('timed out after 150 s'), 150_000).unref()),
        ]);
      } catch (err) {
        why = `error: ${(err as Error).message.split('\n')[0]}`;
      } finally {
        await w?.stop();
      }
      ctx.log(`natscli: ${why ? 'FAIL' : 'ok  '} ${c.name}${why ? ` — ${why}` : ''}`);
      if (why) {
        result.failed++;
        result.failures.push({ test: c.name, observed: why });
      } else {
        result.passed++;
      }
    }
    result.seconds = (Date.now() - t0) / 1000;
    return result;
  },
};

// The test service of the ntf tester protocol, which nats.go's integration tests (v1.53.0 on)
// ask for servers instead of embedding nats-server (TESTER_NATS_URL; client:
// github.com/synadia-io/orbit.go/ntf-client). This program starts a Wharf broker in-process for
// its own control plane (core NATS only, in memory, on 127.0.0.1), answers the protocol's
// requests on it, and runs the servers the tests ask for as child processes of one backend
// (ntf-backends.ts): Wharf from this checkout, or nats-server v2.15.2 as the control.
//   node dist/scripts/compat/ntf-tester.js --backend wharf|nats-server [--port N] [--dir D]
// It prints `ntf-tester ready nats://127.0.0.1:N` on stdout once it answers, logs each request on
// stderr, and on SIGTERM/SIGINT kills every server it started and removes their directories.
// Subjects (JSON bodies; replies JSON): tester.create.server, tester.destroy, tester.stop.server,
// tester.start.server (same port, same data), tester.update.server (stages snippets for the next
// start or reload), tester.reload.server, tester.list, tester.status, tester.reset. A request the
// backend cannot honour is answered with the headers Nats-Service-Error (the reason, naming the
// setting or feature) and Nats-Service-Error-Code, which the client turns into t.Fatalf, so the
// test fails at once and visibly. Clusters and super-clusters are refused (501): one server only.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, headers, type Msg, type NatsConnection } from 'nats';
import { startBroker } from '../../src/index.js';
import { repoRoot } from './lib.js';
import { natsServerBackend, wharfBackend, type Backend, type ServerSpec } from './ntf-backends.js';
import { portNames, SNIPPET_SLOTS, TesterError, type SnippetSlot } from './ntf-template.js';

interface Managed extends ServerSpec {
  instanceId: string;
  running: boolean;
  child?: ChildProcess;
  exited?: Promise<void>;
  /** The last output of the server process, for the error of a start that failed. */
  output: string;
}

interface Instance {
  id: string;
  description: string;
  created: Date;
  servers: Managed[];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const p = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(p));
    });
  });
}

/** Resolves once the port takes connections and the server sends its INFO line. */
function waitInfo(port: number, deadline: number): Promise<boolean> {
  return new Promise((resolve) => {
    const attempt = () => {
      const s = netConnect(port, '127.0.0.1');
      let buf = '';
      const retry = () => {
        s.destroy();
        if (Date.now() > deadline) resolve(false);
        else setTimeout(attempt, 50);
      };
      s.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.startsWith('INFO ')) {
          s.destroy();
          resolve(true);
        }
      });
      s.once('error', retry);
      s.setTimeout(1_000, retry);
    };
    attempt();
  });
}

function body<T>(m: Msg): Partial<T> {
  if (m.data.length === 0) return {};
  try {
    return JSON.parse(Buffer.from(m.data).toString('utf8')) as Partial<T>;
  } catch {
    throw new TesterError('request body is not JSON');
  }
}

function snippetsOf(v: unknown): Partial<Record<SnippetSlot, string>> {
  const out: Partial<Record<SnippetSlot, string>> = {};
  if (v === undefined || v === null) return out;
  if (typeof v !== 'object') throw new TesterError('snippets: expected an object');
  for (const [k, b] of Object.entries(v as Record<string, unknown>)) {
    if (!(SNIPPET_SLOTS as readonly string[]).includes(k)) throw new TesterError(`unknown snippet '${k}'`);
    if (typeof b !== 'string') throw new TesterError(`snippet ${k}: expected a string`);
    out[k as SnippetSlot] = b;
  }
  return out;
}

class Tester {
  private readonly instances = new Map<string, Instance>();
  private readonly byName = new Map<string, Managed>();
  private serial = 0;

  constructor(
    private readonly backend: Backend,
    private readonly root: string,
    private readonly log: (s: string) => void,
  ) {}

  private async reservePorts(snippets: Partial<Record<SnippetSlot, string>>, template?: string): Promise<Record<string, number>> {
    const names = new Set(['monitoring']);
    for (const b of [...Object.values(snippets), template ?? '']) for (const n of portNames(b)) names.add(n);
    const ports: Record<string, number> = {};
    for (const n of names) ports[n] = await freePort();
    return ports;
  }

  async createServer(req: { jetstream?: boolean; description?: string; snippets?: unknown; template?: string; tls?: unknown; trace?: boolean }): Promise<unknown> {
    const snippets = snippetsOf(req.snippets);
    const id = randomBytes(8).toString('hex');
    const name = `${this.backend.id === 'wharf' ? 'wharf' : 'nats'}-${++this.serial}`;
    const dir = join(this.root, name);
    mkdirSync(dir, { recursive: true });
    const spec: Managed = {
      name,
      instanceId: id,
      port: await freePort(),
      ports: await this.reservePorts(snippets, req.template),
      dir,
      jetstream: req.jetstream === true,
      snippets,
      ...(typeof req.template === 'string' && req.template !== '' ? { template: req.template } : {}),
      tls: req.tls !== undefined && req.tls !== null,
      trace: req.trace === true,
      running: false,
      output: '',
    };
    try {
      await this.start(spec);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    const inst: Instance = { id, description: req.description ?? '', created: new Date(), servers: [spec] };
    this.instances.set(id, inst);
    this.byName.set(name, spec);
    return { id, description: inst.description, kind: 'server', servers: [this.managed(spec)] };
  }

  private managed(s: Managed) {
    return { name: s.name, cluster: '', port: s.port, ports: s.ports, running: s.running };
  }

  private async start(s: Managed): Promise<void> {
    if (s.running) return;
    const c = this.backend.command(s);
    s.output = '';
    const child = spawn(c.cmd, c.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      s.output = (s.output + d.toString()).slice(-4_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    s.child = child;
    s.exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.once('exit', () => {
      s.running = false;
      s.child = undefined;
    });
    const up = await waitInfo(s.port, Date.now() + 20_000);
    if (!up || child.exitCode !== null) {
      child.kill('SIGKILL');
      await s.exited;
      // The error line of a crash comes before its stack: name it, then the output's tail.
      const lines = s.output.trim().split('\n');
      const error = lines.find((l) => /\b\w*Error\b|^error/i.test(l));
      process.stderr.write(`[ntf-tester] ${s.name} did not start; its output:\n${s.output}\n`);
      throw new TesterError(`${this.backend.id} server ${s.name} did not start on port ${s.port}: ${[...(error !== undefined ? [error] : []), ...lines.slice(-3)].join(' / ') || '(no output)'}`, 500);
    }
    s.running = true;
    if (c.mustNotServeJetStream && (await this.servesJetStream(s.port))) {
      await this.stop(s);
      throw new TesterError('jetstream: false, but this Wharf serves JetStream and has no switch to turn it off (no option --jetstream)', 501);
    }
  }

  private async servesJetStream(port: number): Promise<boolean> {
    const nc = await connect({ servers: `127.0.0.1:${port}`, reconnect: false });
    try {
      await nc.request('$JS.API.INFO', new Uint8Array(0), { timeout: 2_000 });
      return true;
    } catch {
      return false;
    } finally {
      await nc.close();
    }
  }

  private async stop(s: Managed): Promise<void> {
    const child = s.child;
    if (!child || !s.running) return;
    child.kill('SIGTERM');
    const hard = setTimeout(() => {
      this.log(`${s.name} did not stop within 10 s of SIGTERM: killed; its last output: ${s.output.trim().split('\n').slice(-5).join(' / ')}`);
      child.kill('SIGKILL');
    }, 10_000);
    await s.exited;
    clearTimeout(hard);
    s.running = false;
  }

  private server(name: unknown): Managed {
    const s = typeof name === 'string' ? this.byName.get(name) : undefined;
    if (!s) throw new TesterError(`no server named ${JSON.stringify(name)}`, 404);
    return s;
  }

  async destroy(id: unknown): Promise<unknown> {
    const inst = typeof id === 'string' ? this.instances.get(id) : undefined;
    if (!inst) throw new TesterError(`no instance ${JSON.stringify(id)}`, 404);
    for (const s of inst.servers) {
      await this.stop(s);
      this.byName.delete(s.name);
      rmSync(s.dir, { recursive: true, force: true });
    }
    this.instances.delete(inst.id);
    return { destroyed: true };
  }

  async handle(subject: string, m: Msg): Promise<unknown> {
    switch (subject) {
      case 'tester.create.server':
        return this.createServer(body(m));
      case 'tester.create.cluster':
      case 'tester.create.super-cluster':
        throw new TesterError(`${subject.slice('tester.create.'.length)}s are not supported by this tester: it serves single servers (Wharf has no clustering)`, 501);
      case 'tester.destroy':
        return this.destroy(body<{ instance_id: string }>(m).instance_id);
      case 'tester.stop.server':
        await this.stop(this.server(body<{ name: string }>(m).name));
        return { shutdown: true };
      case 'tester.start.server':
        await this.start(this.server(body<{ name: string }>(m).name));
        return { started: true };
      case 'tester.update.server': {
        const req = body<{ name: string; snippets: unknown; template: string; tls_timeout: number }>(m);
        const s = this.server(req.name);
        if (req.tls_timeout !== undefined) throw new TesterError('tls_timeout: generated TLS is not supported by this tester', 501);
        const next = { ...s, snippets: { ...s.snippets, ...snippetsOf(req.snippets) }, ...(req.template ? { template: req.template } : {}) };
        for (const b of [...Object.values(next.snippets), next.template ?? '']) for (const n of portNames(b)) if (next.ports[n] === undefined) next.ports = { ...next.ports, [n]: await freePort() };
        this.backend.command(next); // refuses now what it could not start later
        s.snippets = next.snippets;
        s.ports = next.ports;
        if (next.template !== undefined) s.template = next.template;
        return { updated: true };
      }
      case 'tester.reload.server': {
        const s = this.server(body<{ name: string }>(m).name);
        if (!this.backend.reload) throw new TesterError('reload: Wharf has no configuration reload', 501);
        if (!s.running || !s.child) throw new TesterError(`server ${s.name} is not running`, 409);
        this.backend.command(s); // rewrites the configuration file
        s.child.kill('SIGHUP');
        return { reloaded: true };
      }
      case 'tester.list':
        return {
          instances: [...this.instances.values()].map((i) => ({ id: i.id, description: i.description, kind: 'server', cluster: '', servers: i.servers.length, created: i.created.toISOString() })),
        };
      case 'tester.status': {
        const id = body<{ instance_id: string }>(m).instance_id;
        const list = [...this.instances.values()].filter((i) => !id || i.id === id);
        if (id && list.length === 0) throw new TesterError(`no instance ${JSON.stringify(id)}`, 404);
        return { instances: list.map((i) => ({ id: i.id, description: i.description, kind: 'server', servers: i.servers.map((s) => this.managed(s)) })) };
      }
      case 'tester.reset':
        await this.reset();
        return { shutdown: true };
      default:
        throw new TesterError(`unknown tester request ${subject}`, 404);
    }
  }

  async reset(): Promise<void> {
    for (const id of [...this.instances.keys()]) await this.destroy(id);
  }
}

async function main(): Promise<void> {
  const kind = arg('--backend') ?? 'wharf';
  const repo = repoRoot();
  const peers = process.env.WHARF_PEERS_DIR || join(process.env.HOME || '/root', '.cache', 'wharf-peers');
  let backend: Backend;
  if (kind === 'wharf') backend = wharfBackend(repo);
  else if (kind === 'nats-server') backend = natsServerBackend(process.env.WHARF_NATS_SERVER || join(peers, 'bin', 'nats-server'));
  else {
    process.stderr.write(`ntf-tester: unknown backend ${kind} (wharf or nats-server)\n`);
    process.exit(2);
  }
  const root = mkdtempSync(join(arg('--dir') ?? tmpdir(), 'ntf-tester-'));
  const control = await startBroker({ host: '127.0.0.1', nats: { port: Number(arg('--port') ?? 0) }, kafka: { port: -1 }, http: { port: -1 }, storage: { engine: 'memory' }, logLevel: 'warn' });
  const url = `nats://127.0.0.1:${control.ports.nats}`;
  const log = (s: string) => process.stderr.write(`[ntf-tester ${new Date().toISOString().slice(11, 23)}] ${s}\n`);
  const tester = new Tester(backend, root, log);
  const nc: NatsConnection = await connect({ servers: url, name: 'ntf-tester' });
  const sub = nc.subscribe('tester.>');
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await tester.reset().catch(() => undefined);
    await nc.close().catch(() => undefined);
    await control.close().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  log(`${backend.describe()}; control plane ${url}; servers under ${root}`);
  process.stdout.write(`ntf-tester ready ${url}\n`);
  for await (const m of sub) {
    void (async () => {
      const t0 = Date.now();
      const what = `${m.subject}${m.data.length ? ` ${Buffer.from(m.data).toString('utf8').slice(0, 200)}` : ''}`;
      try {
        const reply = await tester.handle(m.subject, m);
        log(`${what} -> ok (${Date.now() - t0} ms)`);
        m.respond(new TextEncoder().encode(JSON.stringify(reply)));
      } catch (err) {
        const e = err instanceof TesterError ? err : new TesterError(`tester failure: ${(err as Error).message}`, 500);
        log(`${what} -> ERROR ${e.code} ${e.message}`);
        const h = headers();
        h.set('Nats-Service-Error', e.message.replace(/[\r\n]+/g, ' '));
        h.set('Nats-Service-Error-Code', String(e.code));
        m.respond(new Uint8Array(0), { headers: h });
      }
    })();
  }
}

await main();

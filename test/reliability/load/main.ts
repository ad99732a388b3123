// `npm run reliability:load -- [--connections 10000] [--soak 60s] [--soak-connections 1000]
// [--flood 20s] [--out docs/reliability]`: the load scenarios against a Wharf child process.
//  - connections: N bare connections, half NATS and half Kafka, held open; the broker's RSS per
//    connection, and a client that connects after them is still served;
//  - flood: a publisher floods a subject that a stalled subscriber (it never reads) and a healthy
//    one have subscribed to; the broker must cut the stalled one off at --max-pending and keep
//    its memory bounded while the healthy one gets everything;
//  - soak: connections held with steady traffic for the duration; RSS, the PING round trip of an
//    idle probe connection (an upper bound on the broker's event-loop lag) and open file
//    descriptors sampled, written as JSON and drawn as SVG charts.
// The harness raises its own open-file limit first (prlimit, as root), and the broker inherits it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { wharfTarget } from '../targets/wharf.js';
import type { Target } from '../targets/target.js';
import { lineChart } from './chart.js';
import { kafkaHold, natsHold, pingRtt } from './raw.js';

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Raises the soft open-file limit to `n`, or to the hard limit where `n` is above it (no CAP_SYS_RESOURCE). */
function raiseFileLimit(n: number): string {
  const read = (what: 'SOFT' | 'HARD') => Number(execFileSync('prlimit', ['--pid', String(process.pid), '--nofile', '--noheadings', '--output', what]).toString().trim());
  for (const target of [n, read('HARD')]) {
    try {
      execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${target}:${Math.max(target, read('HARD'))}`], { stdio: 'pipe' });
      break;
    } catch {
      /* above the hard limit: try the hard limit */
    }
  }
  return `soft ${read('SOFT')}, hard ${read('HARD')}`;
}

function ports(t: Target): { nats: number; kafka: number } {
  return { nats: Number(t.natsUrl!.split(':').pop()), kafka: Number(t.kafkaBootstrap!.split(':').pop()) };
}

function fds(t: Target): number {
  try {
    return readdirSync(`/proc/${t.pid()}/fd`).length;
  } catch {
    return -1;
  }
}

async function holdMany(n: number, open: () => Promise<Socket>): Promise<Socket[]> {
  const out: Socket[] = [];
  for (let i = 0; i < n; i += 250) {
    const batch = await Promise.all(Array.from({ length: Math.min(250, n - i) }, () => open()));
    out.push(...batch);
  }
  return out;
}

export interface ConnectionsResult {
  connections: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  bytesPerConnection: number;
  servedAfter: boolean;
  pingMsAfter: number;
}

export async function connectionsScenario(n: number): Promise<ConnectionsResult> {
  const t = await wharfTarget({ env: {} }, ['--max-connections', String(n + 100)]);
  await t.start();
  try {
    const p = ports(t);
    await sleep(500);
    const before = t.rss()!;
    const nats = await holdMany(Math.ceil(n / 2), () => natsHold(p.nats));
    const kafka = await holdMany(Math.floor(n / 2), () => kafkaHold(p.kafka));
    await sleep(1_000);
    const after = t.rss()!;
    const probe = await natsHold(p.nats);
    const rtt = await pingRtt(probe);
    const k = await kafkaHold(p.kafka);
    for (const s of [...nats, ...kafka, probe, k]) s.destroy();
    return { connections: n, rssBeforeMb: before / MB, rssAfterMb: after / MB, bytesPerConnection: Math.round((after - before) / n), servedAfter: true, pingMsAfter: rtt };
  } finally {
    await t.destroy();
  }
}

export interface FloodResult {
  seconds: number;
  maxPendingMb: number;
  published: number;
  healthyReceived: number;
  rssBaselineMb: number;
  rssPeakMb: number;
  stalledCutOff: boolean;
}

export async function floodScenario(seconds: number, maxPendingMb = 8): Promise<FloodResult> {
  const t = await wharfTarget({ env: {} }, ['--max-pending', `${maxPendingMb}MB`, '--write-deadline', '2s']);
  await t.start();
  try {
    const p = ports(t);
    const stalled = await natsHold(p.nats);
    stalled.write('SUB flood 1\r\nPING\r\n');
    await sleep(200);
    let stalledClosed = false;
    stalled.on('close', () => (stalledClosed = true));
    stalled.pause(); // never reads again: the kernel buffers fill, then the broker's
    const healthy = await natsHold(p.nats);
    let received = 0;
    let tail = '';
    healthy.removeAllListeners('data');
    healthy.on('data', (d: Buffer) => {
      const text = tail + d.toString('latin1');
      let i = -1;
      let end = 0;
      while ((i = text.indexOf('MSG flood', i + 1)) >= 0) {
        received++;
        end = i + 9;
      }
      tail = text.slice(Math.max(end, text.length - 16));
      if (d.includes('PING\r\n')) healthy.write('PONG\r\n');
    });
    healthy.write('SUB flood 2\r\nPING\r\n');
    await sleep(200);
    const baseline = t.rss()!;
    let peak = baseline;
    const pub = await natsHold(p.nats);
    const frame = Buffer.from(`PUB flood 1000\r\n${'x'.repeat(1000)}\r\n`.repeat(64));
    let published = 0;
    const end = Date.now() + seconds * 1000;
    const sampler = setInterval(() => (peak = Math.max(peak, t.rss() ?? 0)), 100);
    while (Date.now() < end) {
      const ok = pub.write(frame);
      published += 64;
      if (!ok) await new Promise((r) => pub.once('drain', r));
    }
    pub.write('PING\r\n');
    // Wait until the healthy subscriber has everything (or stops getting more).
    for (let last = -1; received < published && last !== received; ) {
      last = received;
      await sleep(1_000);
    }
    clearInterval(sampler);
    const cutOff = stalledClosed || !t.running() ? stalledClosed : await (async () => {
      stalled.resume();
      await sleep(2_000);
      return stalledClosed;
    })();
    for (const s of [stalled, healthy, pub]) s.destroy();
    return { seconds, maxPendingMb, published, healthyReceived: received, rssBaselineMb: baseline / MB, rssPeakMb: peak / MB, stalledCutOff: cutOff };
  } finally {
    await t.destroy();
  }
}

export interface SoakSample {
  t: number;
  rssMb: number;
  pingMs: number;
  fds: number;
  delivered: number;
}

export async function soakScenario(seconds: number, connections: number, sampleEveryMs: number): Promise<SoakSample[]> {
  const t = await wharfTarget({ env: {} }, ['--max-connections', String(connections + 100)]);
  await t.start();
  const samples: SoakSample[] = [];
  try {
    const p = ports(t);
    const idle = [...(await holdMany(Math.floor(connections * 0.45), () => natsHold(p.nats))), ...(await holdMany(Math.floor(connections * 0.45), () => kafkaHold(p.kafka)))];
    const subs = await holdMany(20, () => natsHold(p.nats));
    let delivered = 0;
    subs.forEach((s, i) => {
      s.removeAllListeners('data');
      s.on('data', (d: Buffer) => {
        let k = -1;
        while ((k = d.indexOf('MSG soak', k + 1)) >= 0) delivered++;
        if (d.includes('PING\r\n')) s.write('PONG\r\n');
      });
      s.write(`SUB soak.${i % 10} ${i}\r\n`);
    });
    const pubs = await holdMany(Math.max(1, connections - idle.length - 21), () => natsHold(p.nats));
    const probe = await natsHold(p.nats);
    // Steady traffic: every publisher sends 4 messages of 128 bytes every 100 ms.
    const payload = 'p'.repeat(128);
    const traffic = setInterval(() => {
      pubs.forEach((s, i) => s.write(`PUB soak.${i % 10} 128\r\n${payload}\r\n`.repeat(4)));
    }, 100);
    const t0 = Date.now();
    while (Date.now() - t0 < seconds * 1000) {
      await sleep(sampleEveryMs);
      samples.push({ t: Math.round((Date.now() - t0) / 1000), rssMb: (t.rss() ?? 0) / MB, pingMs: await pingRtt(probe), fds: fds(t), delivered });
    }
    clearInterval(traffic);
    for (const s of [...idle, ...subs, ...pubs, probe]) s.destroy();
    return samples;
  } finally {
    await t.destroy();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const get = (name: string, dflt: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1]! : dflt;
  };
  const seconds = (v: string) => (v.endsWith('m') ? Number(v.slice(0, -1)) * 60 : v.endsWith('h') ? Number(v.slice(0, -1)) * 3600 : Number(v.replace(/s$/, '')));
  const out = get('--out', '');
  const limit = raiseFileLimit(65536);
  process.stderr.write(`[load] open-file limit ${limit}\n`);
  const conns = await connectionsScenario(Number(get('--connections', '10000')));
  process.stderr.write(`[load] connections: ${JSON.stringify(conns)}\n`);
  const flood = await floodScenario(seconds(get('--flood', '20s')));
  process.stderr.write(`[load] flood: ${JSON.stringify(flood)}\n`);
  const soakSecs = seconds(get('--soak', '120s'));
  const soak = await soakScenario(soakSecs, Number(get('--soak-connections', '1000')), soakSecs > 600 ? 10_000 : 2_000);
  const first = soak[0];
  const last = soak[soak.length - 1];
  process.stderr.write(`[load] soak: ${soak.length} samples, RSS ${first?.rssMb.toFixed(0)} -> ${last?.rssMb.toFixed(0)} MB, fds ${first?.fds} -> ${last?.fds}, ping max ${Math.max(...soak.map((s) => s.pingMs)).toFixed(1)} ms\n`);
  if (out) {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'load.json'), JSON.stringify({ limit, connections: conns, flood, soak }, null, 2));
    writeFileSync(join(out, 'soak-rss-lag.svg'), lineChart(`Soak: ${soakSecs} s, ${soak.length} samples`, 'seconds', [
      { label: 'broker RSS', unit: 'MB', color: '#1f77b4', points: soak.map((s) => [s.t, s.rssMb]) },
      { label: 'PING round trip', unit: 'ms', color: '#d62728', points: soak.map((s) => [s.t, s.pingMs]) },
    ]));
    writeFileSync(join(out, 'soak-fds.svg'), lineChart('Soak: open file descriptors of the broker', 'seconds', [{ label: 'fds', unit: 'count', color: '#2ca02c', points: soak.map((s) => [s.t, s.fds]) }]));
  }
  const ok = conns.servedAfter && flood.stalledCutOff && flood.healthyReceived >= flood.published && flood.rssPeakMb - flood.rssBaselineMb < flood.maxPendingMb * 8 + 64;
  process.exit(ok ? 0 : 1);
}

if (process.argv[1]?.endsWith('load/main.js')) await main();

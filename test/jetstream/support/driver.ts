// A differential driver: publishes and API requests over a raw NATS connection, each answer
// recorded (normalised: times, version and level, and the parts of API answers that name the
// server) under its step, so that the same scenario run against nats-server and Wharf can be
// compared step by step. Used by the 2.12 feature tests (atomic batches, counters, schedules).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OptionsByFlag } from '../../../src/config.js';
import { startNatsServer } from '../../support/nats-server.js';
import { startWharf } from '../../support/wharf.js';
import { RawNats } from './raw-nats.js';
import { Normaliser, type Json } from './normalise.js';

export type Headers = Array<[string, string]>;

export interface Step {
  step: string;
  answers: Json[];
}

const norm = new Normaliser();

/** One server under test: a raw connection and the answers of each step. */
export class Driver {
  private n = 0;
  readonly steps: Step[] = [];
  constructor(readonly nc: RawNats) {}

  private answer(m: { payload: Buffer; hdr: string | null }): Json {
    const text = m.payload.toString('utf8');
    if (text === '') return m.hdr === null ? '<empty>' : `<status ${m.hdr.split('\r\n')[0]}>`;
    const j = JSON.parse(text) as { [k: string]: Json };
    // Server-specific parts of API answers: the leader's name, the time of the answer.
    delete j['cluster'];
    delete j['ts'];
    delete j['created'];
    return norm.json(j);
  }

  /** Publishes (or requests) and records the one answer. */
  async pub(step: string, subject: string, headers: Headers | null, payload = ''): Promise<Json> {
    const reply = `_R.${++this.n}`;
    const got = await this.nc.request(subject, reply, Buffer.from(payload), headers, 1, 5_000);
    assert.equal(got.length, 1, `${step}: one answer on ${subject}`);
    const a = this.answer(got[0]!);
    this.steps.push({ step, answers: [a] });
    return a;
  }

  async api(step: string, subject: string, body: unknown): Promise<Json> {
    return this.pub(step, subject, null, JSON.stringify(body));
  }

  /** A message of batch `id` at `seq` (commit: the Nats-Batch-Commit value). */
  batch(step: string, id: string, seq: number | null, subject: string, extra: Headers = [], commit?: string, payload = 'x'): Promise<Json> {
    const h: Headers = [['Nats-Batch-Id', id]];
    if (seq !== null) h.push(['Nats-Batch-Sequence', String(seq)]);
    if (commit !== undefined) h.push(['Nats-Batch-Commit', commit]);
    return this.pub(step, subject, [...h, ...extra], payload);
  }
}


export type Side = 'nats-server' | 'wharf';

/** The two servers of a differential test: nats-server -js on a temporary store, and Wharf. */
export interface ServerPair {
  /** Each side's NATS port, nats-server first. */
  readonly sides: ReadonlyArray<readonly [Side, number]>;
  close(): Promise<void>;
}

/**
 * Starts nats-server with JetStream (`jetstreamExtra`: more settings of its jetstream block) and
 * Wharf (with `wharfOptions`).
 */
export async function startServerPair(jetstreamExtra = '', wharfOptions: OptionsByFlag = {}): Promise<ServerPair> {
  const store = mkdtempSync(join(tmpdir(), 'wharf-ref-js-'));
  const ref = await startNatsServer({ config: `jetstream { store_dir: ${JSON.stringify(store)}${jetstreamExtra} }\n` });
  const wharf = await startWharf(wharfOptions);
  return {
    sides: [['nats-server', ref.port], ['wharf', wharf.port]],
    async close() {
      await wharf.close();
      await ref.close();
      rmSync(store, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `scenario` over a raw connection to each side of the pair, nats-server first, and returns
 * each side's steps (those taken before a failure too: the failure is thrown after).
 */
export async function stepsOnEachSide(pair: ServerPair, scenario: (d: Driver) => Promise<void>): Promise<Record<Side, Step[]>> {
  const out: Record<Side, Step[]> = { 'nats-server': [], wharf: [] };
  for (const [side, port] of pair.sides) {
    const nc = await RawNats.open(port);
    const d = new Driver(nc);
    try {
      await scenario(d);
    } finally {
      out[side] = d.steps;
      nc.close();
    }
  }
  return out;
}

/** Wharf answered every step as nats-server did. */
export function assertSameSteps(results: Record<Side, Step[]>): void {
  const expected = results['nats-server'];
  const got = results.wharf;
  assert.equal(got.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.deepEqual(got[i], expected[i], `step ${expected[i]!.step}`);
}

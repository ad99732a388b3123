import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apis } from '../../src/kafka/protocol/messages/index.js';
import * as messages from '../../src/kafka/protocol/messages/index.js';
import { Reader } from '../../src/kafka/protocol/reader.js';
import { Writer } from '../../src/kafka/protocol/writer.js';
import { messageSchemas, rng, sampleMessage } from './support/sample.js';

type Enc = (w: Writer, v: number, x: any) => void;
type Dec = (r: Reader, v: number) => any;

const SEEDS = [1, 2, 3];

function roundTrip(name: string, version: number, seed: number, enc: Enc, dec: Dec): void {
  const sample = sampleMessage(name, version, rng(seed * 7919 + version));
  const w = new Writer(16);
  enc(w, version, sample);
  const bytes = w.finish();
  const r = new Reader(bytes);
  const back = dec(r, version);
  assert.equal(r.remaining, 0, `${name} v${version}: decoder left ${r.remaining} bytes`);
  assert.deepStrictEqual(back, sample, `${name} v${version} seed ${seed}: decoded value differs`);
  const w2 = new Writer(16);
  enc(w2, version, back);
  assert.ok(w2.finish().equals(bytes), `${name} v${version}: re-encoding differs`);
  // Every byte is needed: a truncated body must fail loudly, never decode to something.
  if (bytes.length > 0) assert.throws(() => dec(new Reader(bytes.subarray(0, bytes.length - 1)), version), `${name} v${version} truncated`);
}

describe('every API, every version, round trips', () => {
  for (const api of apis) {
    if (!api) continue;
    test(`${api.key} ${api.name} v${api.minVersion}-${api.maxVersion}`, () => {
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        for (const seed of SEEDS) {
          roundTrip(`${api.name}Request`, v, seed, api.encodeRequest, api.decodeRequest);
          roundTrip(`${api.name}Response`, v, seed, api.encodeResponse, api.decodeResponse);
        }
      }
    });
  }
});

describe('data definitions round trip', () => {
  const mods = messages as unknown as Record<string, Record<string, unknown>>;
  for (const m of Object.values(messageSchemas)) {
    if (m.type !== 'data') continue;
    test(m.name, () => {
      const mod = mods[m.name.charAt(0).toLowerCase() + m.name.slice(1)]!;
      const enc = mod[`encode${m.name}`] as Enc;
      const dec = mod[`decode${m.name}`] as Dec;
      for (let v = m.valid[0]; v <= m.valid[1]; v++) for (const seed of SEEDS) roundTrip(m.name, v, seed, enc, dec);
    });
  }
});

test('the API table matches the definitions', () => {
  assert.equal(apis[0]?.name, 'Produce');
  assert.equal(apis[0]?.flexibleVersion, 9);
  assert.equal(apis[1]?.name, 'Fetch');
  assert.equal(apis[18]?.name, 'ApiVersions');
  assert.equal(apis[18]?.flexibleVersion, 3);
  let n = 0;
  for (const a of apis) if (a) n++;
  assert.equal(n, Object.values(messageSchemas).filter((m) => m.type === 'request').length);
});

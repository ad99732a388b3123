// How the console shows keys, values and headers: JSON pretty-printed, text, or hex.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asHex, asText, bestView, preview, render } from '../../../packages/console/src/lib/value.js';

const b64 = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s) : s).toString('base64');

test('picks JSON for JSON, text for UTF-8 text, hex for binary', () => {
  assert.equal(bestView(Buffer.from('{"a":1}')), 'json');
  assert.equal(bestView(Buffer.from('[1,2]')), 'json');
  assert.equal(bestView(Buffer.from('{not json}')), 'text');
  assert.equal(bestView(Buffer.from('héllo wörld\n')), 'text');
  assert.equal(bestView(Buffer.from([0xca, 0xfe, 0x00, 0xff])), 'hex');
  assert.equal(asText(Buffer.from([0xff, 0xfe])), null, 'not UTF-8');
  assert.equal(asText(Buffer.from('a\u0001b')), null, 'control characters are binary');
});

test('renders each view, falling back when the bytes do not fit it', () => {
  assert.equal(render(b64('{"a":1,"b":[true]}'), 'json'), '{\n  "a": 1,\n  "b": [\n    true\n  ]\n}');
  assert.equal(render(b64('plain'), 'json'), 'plain');
  assert.equal(render(b64('AB'), 'hex'), '000000  41 42');
  assert.equal(render(b64(Buffer.from([0, 1, 2])), 'text'), '000000  00 01 02', 'binary shown as text falls back to hex');
  assert.equal(render(null, 'text'), 'null');
  assert.equal(asHex(new Uint8Array(17)).split('\n').length, 2, 'sixteen bytes a line');
});

test('previews fit one line', () => {
  assert.equal(preview(b64('a\n  b')), 'a b');
  assert.equal(preview(b64('x'.repeat(100)), 10), `${'x'.repeat(9)}…`);
  assert.equal(preview(b64(Buffer.from([0xca, 0xfe]))), 'ca fe');
  assert.equal(preview(null), 'null');
});

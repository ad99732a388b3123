// Found by the jetstream-json fuzz target (crash file fuzz/crashes/jetstream-json/crash-3fee…):
// a $JS.API request with a key named after an Object.prototype member ("constructor",
// "toString") made decodeGo look the field up on the prototype and throw a TypeError, which the
// broker answered as a 500 with JavaScript's message; "__proto__" set the parsed object's
// prototype. Such keys are unknown fields like any other: strict mode refuses them with
// nats-server's text, lenient mode drops them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGo, parseGoJson } from '../../../src/jetstream/json.js';
import { StreamConfigRequest } from '../../../src/jetstream/api/schemas.js';

for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
  test(`a request key "${key}" is an unknown field, in strict and lenient mode`, () => {
    const body = `{"name":"S","subjects":["s"],${JSON.stringify(key)}:{"a":1}}`;
    assert.deepEqual(decodeGo(body, StreamConfigRequest, { strict: true }), { ok: false, error: `json: unknown field ${JSON.stringify(key)}` });
    const lenient = decodeGo(body, StreamConfigRequest, { strict: false });
    assert.equal(lenient.ok, true);
    if (lenient.ok) {
      assert.equal(lenient.value['name'], 'S');
      assert.equal(Object.hasOwn(lenient.value, key), false);
      assert.equal(Object.getPrototypeOf(lenient.value), Object.prototype);
    }
  });
}

test('a parsed "__proto__" key is an own property, not the prototype', () => {
  const v = parseGoJson('{"__proto__":{"polluted":true}}');
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v));
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.equal(Object.hasOwn(v as object, '__proto__'), true);
  assert.equal((v as Record<string, unknown>)['polluted'], undefined);
});

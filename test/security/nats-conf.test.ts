// The syntax of nats-server configuration files as src/core/security/config/nats-conf.ts reads
// it: each case is a reading nats-server's conf package gives the same text (its lexer's rules
// for separators, numbers with size suffixes, strings that begin with digits, variables, includes).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfSyntaxError, isUsedVariable, parseNatsConf, parseNatsConfFile } from '../../src/core/security/config/nats-conf.js';

describe('nats-server configuration syntax', () => {
  it('takes =, : and a space as key separators, and new lines, commas and semicolons between entries', () => {
    assert.deepEqual(parseNatsConf('a = 1\nb: 2\nc 3; d=4, e="x"'), { a: 1, b: 2, c: 3, d: 4, e: 'x' });
  });

  it('reads blocks and arrays, nested, with comments anywhere', () => {
    const conf = parseNatsConf(`
      # a comment
      authorization { // another
        users = [
          { user: alice, password: "s3cret" }   # trailing
          { user: bob, password: 'raw\\n' },
        ]
      }
    `);
    assert.deepEqual(conf, { authorization: { users: [{ user: 'alice', password: 's3cret' }, { user: 'bob', password: 'raw\\n' }] } });
  });

  it('expands size suffixes as nats-server does (k = 1000, kb = 1024) and keeps durations as strings', () => {
    const conf = parseNatsConf('a: 1k\nb: 1KB\nc: 2mb\nd: 1MiB\ne: 1g\nf: 10s\ng: 2m\nh: "2m"\ni: 1.5\nj: -3');
    assert.deepEqual(conf, { a: 1000, b: 1024, c: 2 * 1024 * 1024, d: 1024 * 1024, e: 1e9, f: '10s', g: 2_000_000, h: '2m', i: 1.5, j: -3 });
  });

  it('reads booleans in their six spellings, IP addresses and dates as strings', () => {
    const conf = parseNatsConf('a: yes\nb: off\nc: TRUE\nlisten: 127.0.0.1:4222\nd: 2024-01-02T03:04:05Z');
    assert.deepEqual(conf, { a: true, b: false, c: true, listen: '127.0.0.1:4222', d: '2024-01-02T03:04:05Z' });
  });

  it('escapes in double quotes only; single quotes are raw', () => {
    assert.deepEqual(parseNatsConf(`a: "t\\tn\\nq\\"x\\x41"\nb: 'no\\tescape'`), { a: 't\tn\nq"xA', b: 'no\\tescape' });
    assert.throws(() => parseNatsConf('a: "\\q"'), /invalid escape character/);
  });

  it('looks variables up in the enclosing blocks, then the environment (parsed as a value)', () => {
    const conf = parseNatsConf('TOKEN: "abc"\nauthorization { token: $TOKEN, max: $LIMIT }', { env: { LIMIT: '2KB' } });
    assert.deepEqual(conf.authorization, { token: 'abc', max: 2048 });
    assert.equal(isUsedVariable(conf, 'TOKEN'), true);
    assert.equal(isUsedVariable(conf, 'authorization'), false);
    assert.throws(() => parseNatsConf('a: $MISSING', { env: {} }), (e: Error) => e instanceof ConfSyntaxError && /variable reference for 'MISSING'.*can not be found/.test(e.message));
    // A bcrypt hash is not a reference.
    assert.deepEqual(parseNatsConf('p: $2a$11$abcdefghijklmnopqrstuv'), { p: '$2a$11$abcdefghijklmnopqrstuv' });
  });

  it('refuses an environment variable that refers to itself', () => {
    assert.throws(() => parseNatsConf('a: $LOOP', { env: { LOOP: '$LOOP' } }), /cycle/);
  });

  it('merges included files into the including block, relative to the including file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-conf-'));
    try {
      writeFileSync(join(dir, 'users.conf'), 'users = [ { user: a, password: b } ]\n');
      writeFileSync(join(dir, 'main.conf'), 'port: 4333\nauthorization {\n  include ./users.conf\n  timeout: 3\n}\n');
      assert.deepEqual(parseNatsConfFile(join(dir, 'main.conf')), { port: 4333, authorization: { users: [{ user: 'a', password: 'b' }], timeout: 3 } });
      writeFileSync(join(dir, 'loop.conf'), 'include "loop.conf"\n');
      assert.throws(() => parseNatsConfFile(join(dir, 'loop.conf')), /include cycle/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads JSON, and a configuration wrapped in braces', () => {
    assert.deepEqual(parseNatsConf('{"port": 4222, "authorization": {"users": [{"user": "a", "password": "b"}]}}'), {
      port: 4222,
      authorization: { users: [{ user: 'a', password: 'b' }] },
    });
  });

  it('reads a raw block ended by ) on its own line', () => {
    assert.deepEqual(parseNatsConf('key: (\nline one\n  line two\n)\nnext: 1'), { key: '\nline one\n  line two', next: 1 });
  });

  it('names the file and line of a syntax error', () => {
    assert.throws(() => parseNatsConf('a: 1\nb: [1, 2\n', { file: 'x.conf' }), /x\.conf:\d+: .*unterminated array|x\.conf:\d+: expected an array value terminator/);
    assert.throws(() => parseNatsConf('a: 1 2'), /config:1: expected a value to end/);
    assert.throws(() => parseNatsConf('a:\n'), /expected value but found new line/);
  });
});

// The subject permission decisions of core/security, below the wire: the cases nats-server's
// rules make surprising, the bounds of the decision caches, and subjectsCollide's table. The
// same behaviour is checked against nats-server itself in test/nats/differential.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SubjectPermissions, subjectsCollide } from '../../src/core/security/subject-permissions.js';
import type { Permissions } from '../../src/core/security/principal.js';

test('publish: allow list, deny overrides, empty lists restrict nothing', () => {
  const p = SubjectPermissions.of({ publish: { allow: ['foo.>', 'bar'], deny: ['foo.secret'] } });
  assert.ok(p.restrictsPublish);
  for (const s of ['foo.a', 'foo.a.b', 'bar']) assert.ok(p.publishAllowed(s), s);
  for (const s of ['foo', 'foo.secret', 'bar.x', 'baz']) assert.ok(!p.publishAllowed(s), s);
  assert.ok(!SubjectPermissions.of({ publish: { allow: [], deny: [] } }).restrictsPublish);
  assert.ok(!SubjectPermissions.of({ subscribe: { deny: ['x'] } }).restrictsPublish);
});

test('publish: granting responses turns the blanket allow off', () => {
  const p = SubjectPermissions.of({ responses: { maxMsgs: 0, expiresMs: 0 } });
  assert.ok(p.restrictsPublish);
  assert.ok(!p.publishAllowed('anything'));
  assert.deepEqual(p.responses, { maxMsgs: 1, expiresMs: 120_000 }, "nats-server's defaults");
});

test('subscribe: wildcards are matched as tokens, queue entries apply to their groups', () => {
  const p = SubjectPermissions.of({ subscribe: { allow: ['foo.*', 'work q1', 'jobs.* w.*'], deny: ['foo.hidden', 'work q1.bad'] } });
  assert.ok(p.subscribeAllowed('foo.x', undefined));
  assert.ok(p.subscribeAllowed('foo.*', undefined));
  assert.ok(p.subscribeAllowed('foo.>', undefined), 'allow foo.* admits foo.> in nats-server');
  assert.ok(!p.subscribeAllowed('foo.hidden', undefined));
  assert.ok(!p.subscribeAllowed('foo.a.b', undefined));
  assert.ok(p.subscribeAllowed('work', 'q1'));
  assert.ok(!p.subscribeAllowed('work', 'q2'));
  assert.ok(!p.subscribeAllowed('work', undefined), 'a queue entry does not allow plain subscriptions');
  assert.ok(p.subscribeAllowed('jobs.a', 'w.x'), 'queue names match wildcard entries');
  assert.ok(!p.subscribeAllowed('jobs.a', 'wx'));
  assert.ok(p.subscribeAllowed('foo.x', 'any'), 'a plain entry allows every queue');
  assert.ok(!p.subscribeAllowed('foo..bar', undefined), 'an invalid subject matches no allow entry');
});

test('delivery filter: only subscriptions that overlap a deny entry get one', () => {
  const p = SubjectPermissions.of({ subscribe: { deny: ['secret.>', 'tasks qx'] } });
  assert.ok(p.filtersDelivery('>', undefined));
  assert.ok(p.filtersDelivery('*.a', undefined));
  assert.ok(!p.filtersDelivery('open.*', undefined));
  assert.ok(!p.filtersDelivery('open', undefined), 'a literal plain subscription cannot overlap');
  assert.ok(p.filtersDelivery('tasks', 'qy'), 'a queue subscription on a denied subject');
  assert.ok(p.deliveryDenied('secret.x', undefined));
  assert.ok(!p.deliveryDenied('secret', undefined));
  assert.ok(p.deliveryDenied('tasks', 'qx'));
  assert.ok(!p.deliveryDenied('tasks', 'qy'));
  assert.ok(!p.deliveryDenied('tasks', undefined));
});

test('decision caches stay bounded', () => {
  const p = SubjectPermissions.of({ publish: { allow: ['ok.>'] }, subscribe: { deny: ['x.>'] } });
  for (let i = 0; i < 5_000; i++) {
    assert.equal(p.publishAllowed(`ok.${i}`), true);
    assert.equal(p.publishAllowed(`no.${i}`), false);
    p.deliveryDenied(`x.${i}`, undefined);
    p.deliveryDenied(`y.${i}`, `q${i}`);
  }
  const sizes = p.cacheSizes();
  assert.ok(sizes.publish <= 128, `publish cache holds ${sizes.publish}`);
  assert.ok(sizes.delivery <= 256, `delivery cache holds ${sizes.delivery}`);
  assert.ok(sizes.queues <= 256, `queue delivery caches: ${sizes.queues}`);
  // Decisions stay right after pruning.
  assert.equal(p.publishAllowed('ok.1'), true);
  assert.equal(p.publishAllowed('no.1'), false);
});

test('a refusal is not cached when responses are granted (the reply grants change)', () => {
  const p = SubjectPermissions.of({ responses: { maxMsgs: 1, expiresMs: 1000 } });
  for (let i = 0; i < 10; i++) p.publishAllowed(`r.${i}`);
  assert.equal(p.cacheSizes().publish, 0);
});

test('one compiled set per permission object, and invalid entries are refused', () => {
  const perms: Permissions = { publish: { allow: ['a'] } };
  assert.equal(SubjectPermissions.of(perms), SubjectPermissions.of(perms));
  assert.throws(() => SubjectPermissions.of({ publish: { allow: ['foo..bar'] } }), /invalid publish allow permission/);
  assert.throws(() => SubjectPermissions.of({ publish: { deny: ['foo q'] } }), /invalid publish deny permission/);
  assert.throws(() => SubjectPermissions.of({ subscribe: { allow: ['foo q r'] } }), /invalid subscribe allow permission/);
});

test("subjectsCollide follows nats-server's SubjectsCollide", () => {
  const cases: [string, string, boolean][] = [
    ['foo.bar', 'foo.bar', true],
    ['foo.bar', 'foo.baz', false],
    ['foo.*', 'foo.bar', true],
    ['foo.>', 'foo.bar.baz', true],
    ['foo.*', 'foo.bar.baz', false],
    ['*.bar', 'foo.*', true],
    ['foo.*', 'bar.*', false],
    ['foo.*.baz', 'foo.>', true],
    ['foo.*', 'foo.*.*', false],
    ['>', 'anything.at.all', true],
    ['secret.>', '*', false],
    ['secret.>', '*.*', true],
  ];
  for (const [a, b, want] of cases) {
    assert.equal(subjectsCollide(a, b), want, `${a} / ${b}`);
    assert.equal(subjectsCollide(b, a), want, `${b} / ${a}`);
  }
});

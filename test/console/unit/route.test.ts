// The console's hash routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { href, parseRoute } from '../../../packages/console/src/lib/route.js';

test('hashes name pages, and names with slashes or spaces survive the round trip', () => {
  assert.deepEqual(parseRoute(''), { page: 'overview' });
  assert.deepEqual(parseRoute('#/'), { page: 'overview' });
  assert.deepEqual(parseRoute('#/topics'), { page: 'topics' });
  assert.deepEqual(parseRoute('#/topics/orders'), { page: 'topic', topic: 'orders', tab: 'messages' });
  assert.deepEqual(parseRoute('#/topics/orders/configs'), { page: 'topic', topic: 'orders', tab: 'configs' });
  assert.deepEqual(parseRoute(href('groups', 'my group/1')), { page: 'group', group: 'my group/1' });
  assert.deepEqual(parseRoute('#/nats/slow'), { page: 'nats', tab: 'slow' });
  assert.deepEqual(parseRoute('#/jetstream/kv/config'), { page: 'jetstream', bucket: 'config' });
  assert.deepEqual(parseRoute('#/nowhere'), { page: 'notfound', path: 'nowhere' });
});

// The console end to end, in a real browser: Debian's Chromium driven by playwright-core against
// a broker with topics, groups with lag, a JetStream stream, a KV bucket, an open transaction and
// live traffic on both protocols (fixture.ts). The pages must show what the broker has (checked
// against the broker's own state), browsing by offset and by time must land where the log says,
// producing and resetting offsets must change the broker, and the live chart must move.
// WHARF_CONSOLE_SCREENSHOTS=1 writes the screenshots of docs/console.md (docs/console/*.png).
// Without Chromium the suite is skipped with the reason, except in CI, where .ci/run installs it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemo, type Demo } from './fixture.js';
import { waitFor } from '../support/wait.js';

const CHROMIUM = process.env['WHARF_CHROMIUM'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env['CI'] === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium for the console's browser tests`);
const skip = haveChromium ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set WHARF_CHROMIUM)`;
const SHOTS = process.env['WHARF_CONSOLE_SCREENSHOTS'] === '1' ? fileURLToPath(new URL('../../../docs/console/', import.meta.url)) : null;
/** The flags this machine's Chromium needs (no sandbox as root, no background network). */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  if (SHOTS === null) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

const num = (s: string | null): number => Number((s ?? '').replace(/[^0-9.]/g, ''));

describe('console in Chromium', { skip, timeout: 300_000 }, () => {
  let demo: Demo;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    demo = await startDemo();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.setDefaultTimeout(15_000);
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  const open = async (hash: string) => {
    await page.goto(`${demo.consoleUrl}${hash}`);
  };

  it('overview shows the broker: version, listeners, connections, storage, and a live chart that moves', async () => {
    await open('');
    await page.getByTestId('overview').waitFor();
    assert.match((await page.getByTestId('version').textContent()) ?? '', /^wharf \d+\.\d+\.\d+/);
    const listeners = (await page.getByTestId('listeners').textContent()) ?? '';
    assert.ok(listeners.includes(`nats://127.0.0.1:${demo.broker.ports.nats}`), listeners);
    assert.ok(listeners.includes(`127.0.0.1:${demo.broker.ports.kafka}`), listeners);
    // The NATS client of the fixture and kafkajs's connections.
    await waitFor(async () => num(await page.getByTestId('nats-connections').textContent()) === demo.broker.nats.connections.size, { what: 'NATS connections shown', timeoutMs: 10_000 });
    assert.ok(num(await page.getByTestId('kafka-connections').textContent()) >= 1);
    assert.equal(await page.getByTestId('health').locator('.badge').textContent(), 'ok');
    // The chart gains a point per sample, and the rates follow the live traffic (> 0).
    const points = async () => Number(await page.getByTestId('rates-chart').getAttribute('data-points'));
    await waitFor(async () => (await points()) >= 2, { what: 'two rate samples', timeoutMs: 15_000 });
    const before = await points();
    await waitFor(async () => (await points()) > before, { what: 'the live chart to move', timeoutMs: 15_000 });
    assert.ok(num(await page.getByTestId('rate-in').textContent()) > 0, 'messages in per second with live traffic');
    await page.locator('.u-over').first().waitFor();
    await shot(page, 'overview');
  });

  it('topics page lists the topics with their partitions and records', async () => {
    await open('#/topics');
    const row = page.locator('tr[data-topic="orders"]');
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[1], '3');
    const stream = page.locator('tr[data-topic="SENSORS"]');
    assert.ok(((await stream.textContent()) ?? '').includes('sensors.>'), 'the stream topic shows its NATS subjects');
    await shot(page, 'topics');
  });

  it('creates a topic from the form, edits a config, returns one to its default, and deletes the topic', async () => {
    const config = (name: string) => demo.broker.log.describeTopic('from-console').effectiveConfigs.find((c) => c.name === name)!;
    await open('#/topics');
    await page.getByRole('button', { name: 'New topic' }).click();
    await page.fill('input[name="topic-name"]', 'from-console');
    await page.fill('input[name="topic-partitions"]', '2');
    await page.fill('textarea[name="topic-configs"]', 'retention.ms=3600000');
    await page.click('[data-testid="create-topic"] button[type="submit"]');
    await page.getByTestId('topic').waitFor();
    assert.equal(demo.broker.log.topicInfo('from-console')?.partitions, 2);
    assert.equal(config('retention.ms').value, '3600000');

    await open('#/topics/from-console/configs');
    const retention = page.locator('tr[data-config="retention.ms"]');
    assert.equal(await retention.getByTestId('config-source').textContent(), 'set on the topic');
    const segment = page.locator('tr[data-config="segment.ms"]');
    assert.equal(await segment.getByTestId('config-source').textContent(), 'default');
    await segment.getByRole('button', { name: 'Edit' }).click();
    await segment.locator('input[name="config-value"]').fill('7200000');
    await segment.getByRole('button', { name: 'Save' }).click();
    await waitFor(() => config('segment.ms').value === '7200000' && !config('segment.ms').isDefault, { what: 'segment.ms set to 7200000 on the topic' });
    await segment.getByTestId('config-source').filter({ hasText: 'set on the topic' }).waitFor();
    await retention.getByRole('button', { name: 'Default' }).click();
    await waitFor(() => config('retention.ms').isDefault, { what: 'retention.ms back to its default' });

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete topic' }).click();
    await page.getByTestId('topics').waitFor();
    await waitFor(() => !demo.broker.log.hasTopic('from-console'), { what: 'the topic deleted' });
  });

  it('browses a partition from an offset and from a time, and shows a value as JSON', async () => {
    await open('#/topics/orders');
    await page.locator('tr[data-offset="0"]').waitFor();
    await page.selectOption('select[name="from"]', 'offset');
    await page.fill('input[name="offset"]', '7');
    await page.click('form.toolbar button[type="submit"]');
    await page.locator('tbody tr[data-offset]').first().waitFor();
    await waitFor(async () => (await page.locator('tbody tr[data-offset]').first().getAttribute('data-offset')) === '7', { what: 'the first row to be offset 7' });

    // By time: the offset the log's time index gives for the timestamp of partition 0's record 10.
    const part = demo.broker.log.partition('orders', 0);
    const records = await (await fetch(`${demo.consoleUrl}api/topics/orders/partitions/0/records?from=offset&offset=10&limit=1`)).json() as { records: Array<{ offset: number; timestamp: number }> };
    const ts = records.records[0]!.timestamp;
    const expected = (await part.offsetForTimestamp(Math.floor(ts / 1000) * 1000))!.offset;
    const local = new Date(Math.floor(ts / 1000) * 1000 - new Date(ts).getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    await page.selectOption('select[name="from"]', 'timestamp');
    await page.fill('input[name="time"]', local);
    await page.click('form.toolbar button[type="submit"]');
    await waitFor(async () => (await page.locator('tbody tr[data-offset]').first().getAttribute('data-offset')) === String(expected), { what: `the first row to be offset ${expected} (time ${local})` });

    await page.locator('tbody tr[data-offset]').first().click();
    const value = (await page.getByTestId('record-value').textContent()) ?? '';
    assert.match(value, /^\{\n {2}"order": \d+,/, `the value is pretty-printed JSON: ${value}`);
    await shot(page, 'messages', false);
  });

  it('produces a message that the log then holds', async () => {
    await open('#/topics/payments/produce');
    await page.fill('input[name="produce-key"]', 'console-key');
    await page.fill('textarea[name="produce-value"]', '{"from":"the console"}');
    await page.fill('textarea[name="produce-headers"]', 'origin: browser');
    await page.click('[data-testid="producer"] button[type="submit"]');
    const result = (await page.getByTestId('produce-result').textContent()) ?? '';
    const m = /partition (\d+) at offset (\d+)/.exec(result);
    assert.ok(m, result);
    const part = demo.broker.log.partition('payments', Number(m[1]));
    const read = await (await fetch(`${demo.consoleUrl}api/topics/payments/partitions/${m[1]}/records?from=offset&offset=${m[2]}&limit=1`)).json() as { records: Array<{ key: string; value: string; headers: Array<{ key: string; value: string }> }> };
    const rec = read.records[0]!;
    assert.equal(Buffer.from(rec.key, 'base64').toString(), 'console-key');
    assert.equal(Buffer.from(rec.value, 'base64').toString(), '{"from":"the console"}');
    assert.deepEqual(rec.headers.map((h) => [h.key, Buffer.from(h.value, 'base64').toString()]), [['origin', 'browser']]);
    assert.ok(part.highWatermark > Number(m[2]));
  });

  it('groups page shows lag; an empty group is reset to an offset and the coordinator holds it', async () => {
    await open('#/groups');
    const billing = page.locator('tr[data-group="billing"]');
    await billing.waitFor();
    assert.ok(num(await billing.getByTestId('group-lag').textContent()) > 0, 'billing lags');
    await waitFor(async () => ((await page.locator('tr[data-group="shipping"]').textContent()) ?? '').includes('Stable'), { what: 'shipping to show its live member (Stable)' });
    await shot(page, 'groups');

    await billing.locator('a').click();
    await page.getByTestId('lag-table').waitFor();
    await shot(page, 'group');
    page.once('dialog', (d) => void d.accept());
    await page.selectOption('select[name="reset-to"]', 'offset');
    await page.fill('input[name="reset-offset"]', '3');
    await page.click('[data-testid="reset"] button[type="submit"]');
    assert.match((await page.getByTestId('reset-result').textContent()) ?? '', /reset 3 partitions/);
    const committed = demo.broker.coordinators!.groups.fetchOffsets({ groupId: 'billing', partitions: null, requireStable: false }).offsets.map((o) => o.offset);
    assert.deepEqual(committed, [3, 3, 3]);
    await waitFor(async () => (await page.getByTestId('committed').allTextContents()).every((t) => t === '3'), { what: 'the page to show the reset offsets' });

    // A group with a live member cannot be reset.
    const res = await fetch(`${demo.consoleUrl}api/groups/shipping/reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: 'earliest' }) });
    assert.equal(res.status, 409);
  });

  it('NATS page lists connections with sort and filter, and subscriptions', async () => {
    await open('#/nats');
    await page.locator('[data-testid="connections-table"] tbody tr').first().waitFor();
    assert.ok(((await page.getByTestId('connections-table').textContent()) ?? '').includes('sensor-gateway'));
    await page.fill('input[name="conn-filter"]', 'no-such-client');
    await page.getByText('No connections.').waitFor();
    await page.fill('input[name="conn-filter"]', 'sensor');
    await page.locator('[data-testid="connections-table"] tbody tr').first().waitFor();
    await page.selectOption('select[name="conn-sort"]', 'msgs_from');
    await shot(page, 'nats');
    await open('#/nats/subscriptions');
    await page.getByTestId('subscriptions-table').waitFor();
    assert.ok(((await page.getByTestId('subscriptions-table').textContent()) ?? '').includes('monitors'), 'the queue subscription is listed');
  });

  it('transactions page shows the open transaction with its partitions', async () => {
    await open('#/transactions');
    const row = page.locator('tr[data-txn="payments-tx"]');
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    assert.ok(text.includes('Ongoing') && text.includes('payments'), text);
    await shot(page, 'transactions');
  });

  it('JetStream page shows streams, a consumer with pending messages and the KV keys', async () => {
    await open('#/jetstream');
    await page.locator('tr[data-stream="SENSORS"]').waitFor();
    const consumers = (await page.getByTestId('consumers-table').textContent()) ?? '';
    assert.ok(consumers.includes('dashboard'), consumers);
    await shot(page, 'jetstream');
    await open('#/jetstream/kv/config');
    const keys = page.getByTestId('kv-keys');
    await keys.locator('td code').first().waitFor();
    const text = (await keys.textContent()) ?? '';
    assert.ok(text.includes('feature.checkout') && text.includes('off') && text.includes('limits.rate'), text);
  });

  it('fits a phone: nothing wider than the screen but the tables, which scroll', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      await phone.goto(demo.consoleUrl);
      await phone.getByTestId('overview').waitFor();
      // The rate tiles and the chart fill in after two samples.
      await waitFor(async () => !((await phone.getByTestId('rate-in').textContent()) ?? '').includes('…'), { what: 'the rates on the phone', timeoutMs: 15_000 });
      await waitFor(async () => Number(await phone.getByTestId('rates-chart').getAttribute('data-points')) >= 2, { what: 'the chart on the phone', timeoutMs: 15_000 });
      const [scroll, inner] = await phone.evaluate<[number, number]>('[document.documentElement.scrollWidth, window.innerWidth]');
      assert.ok(scroll <= inner, `page is ${scroll}px wide on a ${inner}px screen`);
      if (SHOTS !== null) await phone.screenshot({ path: join(SHOTS, 'phone.png'), fullPage: false });
    } finally {
      await phone.close();
    }
  });

  it('raised no script errors', () => {
    assert.deepEqual(errors, []);
  });
});

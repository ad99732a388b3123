// The console's login and rights in a real browser (Debian's Chromium driven by playwright-core,
// as browser.test.ts): against a broker with Kafka SASL users and ACLs, the app shows its login
// form (on a phone-sized screen too), a read-only user (READ on shop-* topics) logs in, sees the
// records but is offered no producer, no "New topic" and no deletion, is told why where the
// producer would be, and is refused with the API's message when it produces anyway; a user with
// WRITE produces through the same form; Log out brings the form back.
// WHARF_CONSOLE_SCREENSHOTS=1 writes docs/console/login.png. Skipped without Chromium (not in CI).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBroker, type Broker } from '../../src/index.js';
import { OperationCode, PatternTypeCode, PermissionCode, ResourceTypeCode } from '../../src/core/security/acl.js';
import { buildRecordBatch } from '../../src/core/records/batch.js';

const CHROMIUM = process.env['WHARF_CHROMIUM'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env['CI'] === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium for the console's browser tests`);
const skip = haveChromium ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set WHARF_CHROMIUM)`;
const SHOTS = process.env['WHARF_CONSOLE_SCREENSHOTS'] === '1' ? fileURLToPath(new URL('../../../docs/console/', import.meta.url)) : null;
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

const USERS = { reader: 'reader-pw', writer: 'writer-pw' };

describe('console login and a read-only user in Chromium', { skip, timeout: 180_000 }, () => {
  let dataDir: string;
  let broker: Broker;
  let browser: Browser;
  let page: Page;
  let consoleUrl: string;
  const errors: string[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wharf-console-login-'));
    broker = await startBroker({
      host: '127.0.0.1',
      logLevel: 'silent',
      nats: { port: 0 },
      http: { port: 0 },
      storage: { engine: 'local', dataDir, fsync: 'never' },
      kafka: { listeners: [{ name: 'SASL_PLAINTEXT', host: '127.0.0.1', port: 0, protocol: 'SASL_PLAINTEXT' }], plainUsers: USERS, acls: true },
    });
    consoleUrl = `http://127.0.0.1:${broker.ports.http}/console/`;
    const allow = (principal: string, operation: number) => ({ resourceType: ResourceTypeCode.TOPIC, resourceName: 'shop-', patternType: PatternTypeCode.PREFIXED, principal, host: '*', operation, permission: PermissionCode.ALLOW });
    await broker.kafka!.security.addAcls([allow('User:reader', OperationCode.READ), allow('User:writer', OperationCode.READ), allow('User:writer', OperationCode.WRITE)]);
    await broker.log.createTopic('shop-orders', { partitions: 1, configs: {} });
    await broker.log.createTopic('payroll', { partitions: 1, configs: {} });
    await broker.log.partition('shop-orders', 0).append(buildRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('{"order":1}'), headers: [], timestamp: Date.now() }] }));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.setDefaultTimeout(15_000);
  });

  after(async () => {
    await browser?.close();
    await broker?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  const logIn = async (user: keyof typeof USERS, password: string = USERS[user]) => {
    await page.getByTestId('login').waitFor();
    await page.fill('input[name="login-user"]', user);
    await page.fill('input[name="login-password"]', password);
    await page.click('[data-testid="login"] button[type="submit"]');
  };

  it('shows a login form, refuses a wrong password, and lets the reader in', async () => {
    await page.goto(consoleUrl);
    await page.getByTestId('login').waitFor();
    if (SHOTS !== null) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'login.png') });
    }
    await logIn('reader', 'wrong');
    await page.locator('[data-testid="login"] [role="alert"]').waitFor();
    assert.match((await page.locator('[data-testid="login"] [role="alert"]').textContent()) ?? '', /wrong user name or password/);
    await logIn('reader');
    await page.getByTestId('user').waitFor();
    assert.match((await page.getByTestId('user').textContent()) ?? '', /reader/);
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('a read-only user sees the records but cannot produce, create or delete', async () => {
    await page.goto(`${consoleUrl}#/topics`);
    await page.locator('tr[data-topic="shop-orders"]').waitFor();
    assert.equal(await page.locator('tr[data-topic="payroll"]').count(), 0, 'a topic the user may not describe is not listed');
    assert.equal(await page.getByRole('button', { name: 'New topic' }).count(), 0, 'no "New topic" without CREATE');
    await page.goto(`${consoleUrl}#/topics/shop-orders/messages`);
    await page.locator('[data-testid="browser"] tr[data-offset="0"]').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Produce' }).count(), 0, 'no Produce tab without WRITE');
    assert.equal(await page.getByRole('button', { name: 'Delete topic' }).count(), 0, 'no deletion without DELETE');
    await page.goto(`${consoleUrl}#/topics/shop-orders/produce`);
    await page.getByTestId('not-allowed').waitFor();
    assert.match((await page.getByTestId('not-allowed').textContent()) ?? '', /User:reader may not produce to topic shop-orders/);
    assert.equal(await page.getByTestId('producer').count(), 0);
    // Produced anyway, from the page with its session: the API refuses it with a message.
    const refused = await page.evaluate(async () => {
      const res = await fetch('./api/topics/shop-orders/records', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: 'sneaky' }) });
      return { status: res.status, body: (await res.json()) as { error: string } };
    });
    assert.equal(refused.status, 403);
    assert.match(refused.body.error, /User:reader is not authorized to WRITE topic shop-orders/);
    assert.equal(broker.log.partition('shop-orders', 0).highWatermark, 1, 'nothing was written');
  });

  it('a user with WRITE produces; Log out brings the form back', async () => {
    await page.getByTestId('logout').click();
    await page.getByTestId('login').waitFor();
    await logIn('writer');
    await page.getByTestId('user').waitFor();
    await page.goto(`${consoleUrl}#/topics/shop-orders/produce`);
    await page.fill('textarea[name="produce-value"]', 'from the writer');
    await page.click('[data-testid="producer"] button[type="submit"]');
    await page.getByTestId('produce-result').waitFor();
    assert.equal(broker.log.partition('shop-orders', 0).highWatermark, 2);
    await page.getByTestId('logout').click();
    await page.getByTestId('login').waitFor();
    const after = await page.evaluate(async () => (await fetch('./api/topics')).status);
    assert.equal(after, 401, 'the session ended on the server too');
    assert.deepEqual(errors, []);
  });
});

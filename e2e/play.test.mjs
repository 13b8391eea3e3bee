// End-to-end: serve the built app, press Play, wait until records reach the broker panel,
// save a screenshot, and fail on any browser console error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useApp, shots, watchErrors } from './harness.mjs';

const app = useApp();

test('Play moves records through every stage into the broker logs', async () => {
  const page = await app.browser.newPage({ viewport: { width: 1600, height: 900 } });
  const errors = watchErrors(page);
  await page.goto(app.baseUrl);
  await page.locator('#play').waitFor({ timeout: 30000 });
  assert.equal(await page.locator('#clock').textContent(), 't = 0.000 ms');
  await page.selectOption('select[aria-label="speed"]', { label: '10×' });
  await page.click('#play');
  await page.locator('#broker-panel .log-cell').first().waitFor({ timeout: 30000 });
  await page.waitForFunction(() => document.querySelectorAll('#broker-panel .log-cell').length >= 30, null, { timeout: 30000 });
  const callbacks = await page.locator('#callbacks-panel .callback.ok').count();
  assert.ok(callbacks > 0, 'delivery callbacks fired');
  assert.match(await page.locator('#partitioner-panel').textContent(), /murmur2/);
  // A chart per metric the issue names, under Kafka's names, drawn over model time.
  const titles = await page.$$eval('#charts .chart figcaption b', (bs) => bs.map((b) => b.textContent));
  for (const name of ['record-send-rate', 'request-latency', 'batch-size-avg', 'records-per-request-avg', 'compression-rate-avg',
    'record-error-rate', 'record-retry-rate', 'buffer-available-bytes', 'send → callback latency']) {
    assert.ok(titles.includes(name), `a chart of ${name}: ${titles}`);
  }
  assert.ok((await page.locator('#chart-record-send-rate polyline').first().getAttribute('points')).split(' ').length > 2, 'the chart has a line');
  assert.match(await page.locator('#chart-latency-percentiles figcaption').textContent(), /p50 [\d.]+ms · p95 [\d.]+ms · p99 [\d.]+ms/);
  // The metrics table is built when opened, under Kafka's names.
  assert.equal(await page.locator('#metrics tbody tr').count(), 0, 'closed, the table is not built');
  await page.locator('#metrics summary').click();
  await page.waitForFunction(() => document.querySelectorAll('#metrics tbody tr').length > 10);
  assert.match(await page.locator('#metrics tbody').textContent(), /record-send-rate[\d.]+/);
  // Clicking a callback follows that record: its log cell lights up too.
  await page.locator('#callbacks-panel .callback').first().click();
  assert.equal(await page.locator('#callbacks-panel .callback.selected').count(), 1);
  assert.equal(await page.locator('#broker-panel .log-cell.selected').count(), 1);
  await page.waitForTimeout(400); // let the entry animations settle
  await page.screenshot({ path: path.join(shots, 'pipeline.png') });
  assert.deepEqual(errors, []);
});

test('a busy producer: batches fill in the accumulator while requests are in flight', async () => {
  const page = await app.browser.newPage({ viewport: { width: 1600, height: 900 } });
  const errors = watchErrors(page);
  await page.goto(app.baseUrl);
  await page.locator('#rate').waitFor({ timeout: 30000 });
  await page.fill('#rate', '4000');
  await page.locator('#rate').blur();
  await page.fill('#records', '4000');
  await page.locator('#records').blur();
  await page.selectOption('select[aria-label="speed"]', { label: '0.1×' });
  await page.click('#play');
  await page.waitForFunction(() => document.querySelectorAll('#accumulator-panel .batch').length >= 3, null, { timeout: 30000 });
  await page.waitForFunction(() => document.querySelectorAll('#broker-panel .log-cell').length >= 12, null, { timeout: 30000 });
  await page.click('#pause');
  await page.waitForTimeout(400);
  assert.ok(await page.locator('#accumulator-panel .batch').count() >= 1, 'batches wait in the accumulator');
  await page.screenshot({ path: path.join(shots, 'pipeline-busy.png') });
  assert.deepEqual(errors, []);
});

test('an invalid config shows Kafka\'s message and nothing breaks', async () => {
  const page = await app.browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors = watchErrors(page);
  await page.goto(app.baseUrl);
  await page.locator('#acks').waitFor({ timeout: 30000 });
  await page.fill('#acks', 'most');
  await page.press('#acks', 'Enter');
  await page.locator('#acks').blur();
  const message = await page.locator('#config-error').textContent({ timeout: 10000 });
  assert.match(message, /Invalid value most for configuration acks: String must be one of: all, -1, 0, 1/);
  assert.equal(await page.locator('#play').count(), 1);
  assert.ok(await page.locator('#play').isDisabled(), 'no run starts with an invalid config');
  await page.screenshot({ path: path.join(shots, 'invalid-config.png') });
  assert.deepEqual(errors, []);
});

// End-to-end: the Application panel's flush() and close(timeout) buttons. flush() sends the
// lingering batches at once and blocks the application until they complete; close(0) aborts
// what is left. Both are recorded in the scenario, so the shared link replays the same run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useApp, shots, watchErrors } from './harness.mjs';

const app = useApp();

// Batches linger 2 s and never fill: only flush() or close() sends them early.
const lingering = {
  seed: 5,
  producer: { 'linger.ms': '2000' },
  cluster: { brokers: 1, partitions: 3 },
  workload: { records_per_second: 100, records: 300, keys: { kind: 'pool', count: 6 } },
};

const clock = (page) => page.evaluate(() => parseFloat(document.querySelector('#clock').textContent.slice(4)));
const callbacks = (page) => page.evaluate(() => Number(document.querySelector('#callbacks-panel .metric b').textContent));

async function playUntil(page, ms) {
  await page.click('#play');
  await page.waitForFunction((t) => parseFloat(document.querySelector('#clock').textContent.slice(4)) >= t, ms, { timeout: 30000 });
  await page.click('#pause');
}

test('flush() sends lingering batches now and close(0) aborts the rest; the link replays both', async () => {
  const page = await app.browser.newPage({ viewport: { width: 1600, height: 900 } });
  const errors = watchErrors(page);
  await page.goto(`${app.baseUrl}?scenario=${encodeURIComponent(JSON.stringify(lingering))}`);
  await page.locator('#call-flush').waitFor({ timeout: 30000 });
  await page.selectOption('select[aria-label="speed"]', { label: '1×' });
  await playUntil(page, 300);
  assert.equal(await callbacks(page), 0, 'nothing sent yet: the batches linger');
  const flushedAt = await clock(page);
  await page.click('#call-flush');
  // The call takes effect at the next millisecond of model time.
  await page.click('#step');
  await page.waitForFunction(() => /flush\(\) blocks the application/.test(document.querySelector('#call-status')?.textContent ?? ''));
  await page.click('#play');
  await page.waitForFunction(() => !document.querySelector('#call-status'), null, { timeout: 30000 });
  await page.click('#pause');
  const flushedRecords = await callbacks(page);
  assert.ok(flushedRecords >= 30, `the records sent before flush() completed: ${flushedRecords}`);
  assert.ok(await clock(page) < 2000, 'before linger.ms (2 s from the first batch) would have sent them');
  // More records linger; close(0) aborts them at once.
  await playUntil(page, flushedAt + 500);
  await page.fill('#close-timeout', '0');
  assert.equal(await page.locator('#call-close').textContent(), 'close(0 ms)');
  await page.click('#call-close');
  await page.click('#play');
  await page.waitForFunction(() => /close\(\) timed out: [1-9]\d* records aborted/.test(document.querySelector('#call-status')?.textContent ?? ''), null, { timeout: 30000 });
  assert.ok(await page.locator('#callbacks-panel .callback.err').count() > 0, 'aborted records report their failure');
  assert.ok(await page.locator('#call-flush').isDisabled(), 'a closed producer takes no more calls');
  await page.locator('#app-panel').screenshot({ path: path.join(shots, 'calls.png') });
  const hash = await page.locator('.hash').textContent();
  const link = page.url();
  assert.match(decodeURIComponent(link), /"calls":\[\{"at_ms":\d+,"kind":"flush"\},\{"at_ms":\d+,"kind":"close","timeout_ms":0\}\]/);
  // The link replays the run, calls included.
  const b = await app.browser.newPage();
  const errorsB = watchErrors(b);
  await b.goto(link);
  await b.locator('#play').waitFor({ timeout: 30000 });
  await b.selectOption('select[aria-label="speed"]', { label: '100×' });
  await b.click('#play');
  await b.waitForFunction(() => document.querySelector('#play')?.disabled === true, null, { timeout: 60000 });
  assert.equal(await b.locator('.hash').textContent(), hash);
  assert.match(await b.locator('#call-status').textContent(), /close\(\) timed out/);
  assert.deepEqual(errors, []);
  assert.deepEqual(errorsB, []);
});

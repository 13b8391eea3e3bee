// End-to-end: the sweep runs the current workload across batch.size × linger.ms in the
// browser, stays responsive (the page keeps answering while it works), and prints its time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useApp, shots, watchErrors } from './harness.mjs';

const app = useApp();
// Records sent flat out per point: enough that the sweep (about 4 s for 100,000 per point in
// Chromium on this project's machine) is still busy while the Steps below are clicked.
const RECORDS = 300000;

test('the sweep fills its grid and the page stays responsive', async () => {
  const page = await app.browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const errors = watchErrors(page);
  await page.goto(app.baseUrl);
  await page.locator('#sweep summary').click();
  // Enough records per point that the sweep is still busy while the Steps below are clicked.
  await page.fill('#sweep-records', String(RECORDS));
  const started = Date.now();
  await page.click('#sweep-run');
  // While it runs, the page still handles input: Steps move the clock before the sweep ends.
  // (Each Step is one event and the first few happen at t = 0, so step until the clock moves.)
  const clock = () => page.locator('#clock').textContent();
  for (let i = 0; i < 60 && (await clock()) === 't = 0.000 ms'; i++) await page.click('#step');
  assert.notEqual(await clock(), 't = 0.000 ms');
  assert.ok(Number(await page.locator('#sweep-progress').getAttribute('value')) < 64, 'the sweep was still running');
  await page.waitForFunction(() => document.querySelector('#sweep-progress')?.value === 64, null, { timeout: 120000 });
  const seconds = (Date.now() - started) / 1000;
  const cells = await page.$$eval('#sweep-table .sweep-cell b', (bs) => bs.map((b) => Number(b.textContent)));
  assert.equal(cells.length, 64);
  assert.ok(cells.every((v) => v > 0), 'every point acknowledged records');
  await page.locator('#sweep').screenshot({ path: path.join(shots, 'sweep.png') });
  console.log(`# sweep: 64 points x ${RECORDS} records in ${seconds.toFixed(2)} s (Chromium, wasm); the page says: ${await page.locator('#sweep-time').textContent()}`);
  assert.deepEqual(errors, []);
});

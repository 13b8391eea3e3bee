// End-to-end: the sweep runs the current workload across batch.size × linger.ms in the
// browser's Web Workers (the app's own wasm module), stays responsive (the page keeps
// answering while it works), prints its time, and computes exactly what the page computes
// without workers (window.producerLabSweepOnPage).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useApp, shots, watchErrors } from './harness.mjs';

const app = useApp();
// Records sent flat out per point: enough that the sweep (about 3 s for
// 100,000 per point in Chromium's workers on this project's 2 cores, about 5 s for 300,000)
// is surely still busy while the Steps below are clicked, even on a faster machine or model.
const RECORDS = 600000;

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
  assert.match(await page.locator('#sweep-time').textContent(), /workers?\)/, 'the points ran in workers');
  assert.equal(await page.locator('#sweep-hint').count(), 0, 'no fallback to the page');
  assert.ok(cells.every((v) => v > 0), 'every point acknowledged records');
  await page.locator('#sweep').screenshot({ path: path.join(shots, 'sweep.png') });
  console.log(`# sweep: 64 points x ${RECORDS} records in ${seconds.toFixed(2)} s (Chromium, wasm); the page says: ${await page.locator('#sweep-time').textContent()}`);
  assert.deepEqual(errors, []);
});

/** Runs a small sweep and returns every cell's tooltip (all of a point's figures). */
async function smallSweep({ onPage = false, noWorker = false, brokenWorker = false } = {}) {
  const page = await app.browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const errors = watchErrors(page);
  if (onPage) await page.addInitScript(() => { window.producerLabSweepOnPage = true; });
  if (noWorker) await page.addInitScript(() => { window.Worker = undefined; });
  if (brokenWorker) {
    await page.route('**/sweep-worker.js', (route) => route.fulfill({
      contentType: 'text/javascript',
      body: "self.onmessage = () => self.postMessage({ fatal: 'broken on purpose' });",
    }));
  }
  await page.goto(app.baseUrl);
  await page.locator('#sweep summary').click();
  await page.fill('#sweep-records', '2000');
  await page.locator('#sweep-records').blur();
  await page.click('#sweep-run');
  await page.locator('#sweep-time').waitFor({ timeout: 120000 });
  const titles = await page.$$eval('#sweep-table .sweep-cell', (tds) => tds.map((td) => td.title));
  const time = await page.locator('#sweep-time').textContent();
  const hint = (await page.locator('#sweep-hint').count()) ? await page.locator('#sweep-hint').textContent() : null;
  await page.close();
  assert.deepEqual(errors, []);
  return { titles, time, hint };
}

test('the workers compute exactly what the page computes', async () => {
  const workers = await smallSweep({ onPage: false });
  const inPage = await smallSweep({ onPage: true });
  assert.match(workers.time, /workers?\)/);
  assert.match(inPage.time, /on this page\)/);
  assert.equal(workers.titles.length, 64);
  assert.ok(workers.titles.every((t) => t.includes('flat out:')), 'every cell has its figures');
  assert.deepEqual(workers.titles, inPage.titles);
});

test('without working workers the sweep runs on the page and says so', async () => {
  const reference = await smallSweep({ onPage: true });
  const none = await smallSweep({ noWorker: true });
  assert.match(none.hint, /no Web Workers; the sweep runs on this page instead/);
  assert.match(none.time, /on this page\)/);
  assert.deepEqual(none.titles, reference.titles);
  const broken = await smallSweep({ brokenWorker: true });
  assert.match(broken.hint, /broken on purpose; the sweep runs on this page instead/);
  assert.match(broken.time, /in workers, then on this page\)/);
  assert.deepEqual(broken.titles, reference.titles);
});

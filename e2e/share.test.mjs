// End-to-end: the URL carries the whole scenario, faults included; opening it reproduces the
// exact run (the same trace hash).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, shots, watchErrors } from './harness.mjs';

const app = useApp();

async function runToEnd(page) {
  await page.selectOption('select[aria-label="speed"]', { label: '100×' });
  if (await page.locator('#play').count() && await page.locator('#play').isEnabled()) await page.click('#play');
  await page.waitForFunction(() => document.querySelector('#play')?.disabled === true, null, { timeout: 60000 });
  return page.locator('.hash').textContent();
}

test('a shared link replays the run, injected fault included', async () => {
  const a = await app.browser.newPage();
  const errors = watchErrors(a);
  await a.goto(app.baseUrl);
  await a.locator('#records').waitFor({ timeout: 30000 });
  await a.fill('#records', '2000');
  await a.locator('#records').blur();
  await a.selectOption('select[aria-label="speed"]', { label: '1×' });
  await a.click('#play');
  await a.waitForFunction(() => document.querySelectorAll('#callbacks-panel .callback.ok').length >= 5, null, { timeout: 30000 });
  await a.click('#fault-drop-response');
  const hashA = await runToEnd(a);
  const link = a.url();
  assert.match(decodeURIComponent(link), /"kind":"drop_next_response"/);
  const b = await app.browser.newPage();
  const errorsB = watchErrors(b);
  await b.goto(link);
  await b.locator('#play').waitFor({ timeout: 30000 });
  assert.equal(await b.inputValue('#records'), '2000');
  const hashB = await runToEnd(b);
  assert.equal(hashB, hashA);
  assert.deepEqual(errors, []);
  assert.deepEqual(errorsB, []);
});

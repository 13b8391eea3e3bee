// End-to-end: keyboard shortcuts (→ steps, space plays and pauses) and the timeline, which
// re-runs the same scenario to an earlier moment and lands on the very same state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useApp, shots, watchErrors } from './harness.mjs';

const app = useApp();

test('keyboard shortcuts and the timeline scrubber', async () => {
  const page = await app.browser.newPage({ viewport: { width: 1600, height: 900 } });
  const errors = watchErrors(page);
  await page.goto(app.baseUrl);
  await page.locator('#play').waitFor({ timeout: 30000 });
  for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowRight');
  assert.notEqual(await page.locator('#clock').textContent(), 't = 0.000 ms');
  await page.keyboard.press(' ');
  await page.locator('#pause').waitFor({ timeout: 15000 });
  await page.waitForFunction(() => parseFloat(document.querySelector('#clock').textContent.slice(4)) > 300, null, { timeout: 30000 });
  await page.keyboard.press(' ');
  await page.locator('#play').waitFor({ timeout: 15000 });
  // Remember the state at 200 ms, go further, then come back with the timeline.
  const scrubTo = async (ms) => {
    await page.$eval('#scrubber', (el, v) => { el.value = String(v); el.dispatchEvent(new Event('change', { bubbles: true })); }, ms);
    await page.waitForFunction((v) => document.querySelector('#clock').textContent === `t = ${v.toFixed(3)} ms`, ms, { timeout: 30000 });
  };
  await scrubTo(200);
  // The charts are rebuilt up to that moment on the way.
  assert.ok(await page.locator('#chart-record-send-rate polyline').count() > 0, 'charts after going back');
  assert.equal((await page.locator('#chart-record-send-rate .axis span').last().textContent()).trim(), '200 ms');
  const at200 = { hash: await page.locator('.hash').textContent(), broker: await page.locator('#broker-panel').textContent() };
  await scrubTo(300);
  assert.notEqual(await page.locator('#broker-panel').textContent(), at200.broker, 'more records by 300 ms');
  await scrubTo(200);
  assert.equal(await page.locator('.hash').textContent(), at200.hash, 'the same trace at the same moment');
  assert.equal(await page.locator('#broker-panel').textContent(), at200.broker);
  // The theme button cycles system → dark → light.
  await page.click('#theme');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await page.screenshot({ path: path.join(shots, 'dark.png') });
  await page.click('#theme');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
  assert.deepEqual(errors, []);
});

test('a field keeps what is typed while the run re-renders every tick', async () => {
  const page = await app.browser.newPage({ viewport: { width: 1600, height: 900 } });
  const errors = watchErrors(page);
  await page.goto(app.baseUrl);
  await page.locator('#play').waitFor({ timeout: 30000 });
  await page.click('#play');
  await page.waitForFunction(() => parseFloat(document.querySelector('#clock').textContent.slice(4)) > 50, null, { timeout: 30000 });
  // Slow typing spans many ticks, each a re-render of the form.
  await page.fill('#records', '');
  await page.type('#records', '4321', { delay: 120 });
  assert.equal(await page.inputValue('#records'), '4321', 'the typed text survives re-renders');
  await page.keyboard.press('Tab');
  await page.waitForFunction(() => /\/ 4321 send\(\)/.test(document.querySelector('#app-panel')?.textContent ?? ''), null, { timeout: 15000 });
  assert.deepEqual(errors, []);
});

// End-to-end: inject a fault from the UI and see the model's answer: killing the leader of
// partition 0 moves its leadership to another in-sync replica once the controller notices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useApp, shots, watchErrors } from './harness.mjs';

const app = useApp();

test('killing the leader of P0 elects a new leader from the ISR', async () => {
  const page = await app.browser.newPage({ viewport: { width: 1600, height: 900 } });
  const errors = watchErrors(page);
  await page.goto(app.baseUrl);
  await page.locator('#fault-kill-leader').waitFor({ timeout: 30000 });
  await page.fill('#rate', '50');
  await page.locator('#rate').blur();
  await page.fill('#records', '5000');
  await page.locator('#records').blur();
  const p0 = page.locator('#broker-panel .row').first();
  assert.match(await p0.textContent(), /leader 1/);
  assert.match(await page.locator('#fault-kill-leader').textContent(), /broker 1/);
  await page.selectOption('select[aria-label="speed"]', { label: '10×' });
  await page.click('#play');
  await page.locator('#callbacks-panel .callback.ok').first().waitFor({ timeout: 30000 });
  await page.click('#fault-kill-leader');
  // The controller fences the dead broker after broker.session.timeout.ms (9 s of model time).
  await page.waitForFunction(() => /leader 2/.test(document.querySelector('#broker-panel .row')?.textContent ?? ''), null, { timeout: 30000 });
  assert.match(await page.locator('#sender-panel').textContent(), /broker 1 · in flight \d+\/5 · DOWN/);
  assert.ok(await page.locator('#fault-restart').isEnabled(), 'the crashed broker can be restarted');
  await page.screenshot({ path: path.join(shots, 'leader-killed.png') });
  await page.click('#fault-restart');
  await page.waitForFunction(() => !/DOWN/.test(document.querySelector('#sender-panel')?.textContent ?? ''), null, { timeout: 10000 });
  assert.deepEqual(errors, []);
});

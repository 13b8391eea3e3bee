// End-to-end in Real mode: the app, served by producer-bridge, sends the model's own send()
// calls through the WebSocket bridge to a real Kafka-compatible broker (tansu), and every
// delivery report lands on the partition the model predicted. `./lab test` starts the
// broker and the bridge and sets BRIDGE_APP_URL; without it the test is skipped (a failure
// under CI=true).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launch } from './browser.mjs';
import { shots, watchErrors } from './harness.mjs';

const appUrl = process.env.BRIDGE_APP_URL;
let browser;

before(async () => { if (appUrl) browser = await launch(); });
after(async () => { await browser?.close(); });

test('Real mode: records reach Kafka on the partitions the model predicts', { skip: !appUrl && process.env.CI !== 'true' && 'BRIDGE_APP_URL not set (./lab test sets it)' }, async () => {
  assert.ok(appUrl, 'BRIDGE_APP_URL must be set under CI=true');
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const errors = watchErrors(page);
  await page.goto(appUrl);
  await page.locator('#mode-real').waitFor({ timeout: 30000 });
  await page.fill('#records', '60');
  await page.locator('#records').blur();
  await page.click('#mode-real');
  await page.waitForFunction(() => /Kafka at/.test(document.querySelector('#bridge-status')?.textContent ?? ''), null, { timeout: 30000 });
  await page.selectOption('select[aria-label="speed"]', { label: '1×' });
  await page.click('#play');
  // The rows are read in the same moment the condition holds: newer sends push older rows out.
  const rows = await (await page.waitForFunction(
    () => {
      const rows = [...document.querySelectorAll('#real-panel tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent));
      return rows.filter((r) => r[6] === 'acked').length >= 20 && rows;
    },
    null, { timeout: 60000 })).jsonValue();
  const acked = rows.filter((r) => r[6] === 'acked');
  assert.ok(acked.length >= 20);
  for (const r of acked) {
    assert.equal(r[3], r[2], `record ${r[0]} (key ${r[1]}): Kafka put it on ${r[3]}, the model predicted ${r[2]}`);
    assert.match(r[4], /^\d+$/, 'a real offset');
  }
  assert.match(await page.locator('#real-panel .hint').first().textContent(), /on the partition the model predicted/);
  await page.screenshot({ path: path.join(shots, 'real-mode.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

// End-to-end: every lesson plays to its end and its answer, read off the run, shows what the
// lesson promises (acks=1 loses acknowledged writes, acks=all does not, and so on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useApp, shots, watchErrors } from './harness.mjs';

const app = useApp();

const promises = {
  'keys': /^Every key on exactly 1 partition/,
  'null-keys': /records per stint \([1-9]\d* switches/,
  'acks-1': /^[1-9]\d* acknowledged records are lost/,
  'acks-all': /^0 acknowledged records are lost/,
  'retries': /^[1-9]\d* records were written twice/,
  'idempotence': /^0 records were written twice; the broker recognised [1-9]/,
  'sync': /^1\.0 records per request/,
  'errors': /^0 records failed after [1-9]\d* record retries/,
  'monitoring': /^(\d{2,}|[2-9])\.\d records per request; batches waited [1-9]/,
  'no-flush': /^[1-9]\d* of \d+ records were never sent/,
  'tiny-batches': /^1\.\d\d records per request/,
};

test('every lesson plays and its answer shows what it promises', async () => {
  const page = await app.browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const errors = watchErrors(page);
  await page.goto(app.baseUrl);
  await page.locator('#lesson').waitFor({ timeout: 30000 });
  const ids = await page.$$eval('#lesson option', (os) => os.map((o) => o.value).filter(Boolean));
  assert.deepEqual(ids.sort(), Object.keys(promises).sort());
  for (const id of ids) {
    await page.selectOption('#lesson', id);
    await page.locator('#lesson-card').waitFor();
    assert.ok(await page.locator('#reveal').isDisabled(), `${id}: the answer waits for the run`);
    await page.selectOption('select[aria-label="speed"]', { label: '100×' });
    await page.click('#play');
    await page.waitForFunction(() => document.querySelector('#reveal')?.disabled === false, null, { timeout: 60000 });
    await page.click('#reveal');
    const answer = await page.locator('#lesson-answer').textContent();
    assert.match(answer, promises[id], `${id}: ${answer}`);
    if (id === 'acks-1') await page.screenshot({ path: path.join(shots, 'lesson-acks-1.png') });
  }
  assert.deepEqual(errors, []);
});

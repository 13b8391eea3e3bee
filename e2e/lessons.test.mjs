// End-to-end: every lesson plays to its end and its answer, read off the run, shows what the
// lesson promises (acks=1 loses acknowledged writes, acks=all does not, and so on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useApp, shots, watchErrors } from './harness.mjs';

const app = useApp();

/** The numbers in a text, in order. */
const numbers = (text) => (text.match(/\d+(\.\d+)?/g) || []).map(Number);

// What each lesson promises, checked on the answer its finished run gives.
const promises = {
  'producer': /^Record #0 went to partition \d+ at offset 0; its callback came [\d.]+ ms after send\(\)\. All 10 records were acknowledged: yes\./,
  'architecture': (a) => {
    assert.match(a, /^2000 send\(\) calls went out in \d+ produce requests to 3 brokers: \d+ batches/);
    const [records, requests, , batches] = numbers(a);
    assert.ok(requests < records / 4 && batches > requests, `batches share requests: ${a}`);
  },
  'acks-1': /^[1-9]\d* acknowledged records are lost/,
  'acks-all': /^0 acknowledged records are lost/,
  'retries-backoff': (a) => {
    assert.match(a, /^Batch b\d+ was retried ([3-9]|\d{2,}) times, waiting [\d, ]+ ms before each; 0 of 30 records failed/);
    const waits = numbers(a.slice(a.indexOf('waiting'), a.indexOf(' ms before')));
    assert.ok(waits[0] < waits[1] && waits[1] < waits[2], `the backoff grows: ${a}`);
    assert.ok(Math.max(...waits) <= 1100, `up to retry.backoff.max.ms: ${a}`);
  },
  'batch-linger': /^[1-9]\d* of \d+ batches left full \(batch\.size reached\), [1-9]\d* when linger\.ms expired/,
  'compression': /^compression-rate-avg 0\.[0-8]\d: a batch took \d+% of its uncompressed size/,
  'retries': /^[1-9]\d* records were written twice/,
  'idempotence': /^0 records were written twice; the broker recognised [1-9]/,
  'sync': /^1\.0 records per request/,
  'serialization': /^Key "key-\d+": 5 bytes \(6b 65 79 2d [\da-f ]+\); value: 100 bytes; in its batch a record took about 1[01]\d bytes/,
  'keys': /^Every key on exactly 1 partition/,
  'null-keys': /records per stint \([1-9]\d* switches/,
  'errors': /^0 records failed after [1-9]\d* record retries/,
  'sweep': (a) => {
    assert.match(a, /^batch\.size 1024 with linger\.ms 0: \d+ records\/s at most, [\d.]+ ms per record; batch\.size 65536 with linger\.ms 20: \d+ records\/s/);
    const [, , small, , , , big] = numbers(a);
    assert.ok(big > 2 * small, `big batches carry more: ${a}`);
  },
  'monitoring': /^(\d{2,}|[2-9])\.\d records per request; batches waited [1-9]/,
  'no-flush': /^[1-9]\d* of \d+ records were never sent/,
  'ignored-callbacks': /^[1-9]\d* of 40 records failed \(\w+\); every send\(\) returned normally/,
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
    const promise = promises[id];
    if (promise instanceof RegExp) assert.match(answer, promise, `${id}: ${answer}`);
    else promise(answer);
    if (id === 'acks-1') await page.screenshot({ path: path.join(shots, 'lesson-acks-1.png') });
  }
  assert.deepEqual(errors, []);
});

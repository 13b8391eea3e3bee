// End-to-end: the twin view runs one workload through the model and, through producer-bridge,
// through the real broker (tansu) that `./lab test` starts (it sets BRIDGE_APP_URL; without it
// the test is skipped, a failure under CI=true). The page's figures are checked against each
// other: every keyed record agrees, per-partition counts match the model's, offsets and
// latencies are real numbers, and the reasons name the partitioner, the offsets and (for null
// keys) the two kinds of stickiness.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launch } from './browser.mjs';
import { shots, watchErrors } from './harness.mjs';

const appUrl = process.env.BRIDGE_APP_URL;
let browser;

before(async () => { if (appUrl) browser = await launch(); });
after(async () => { await browser?.close(); });

const skip = !appUrl && process.env.CI !== 'true' && 'BRIDGE_APP_URL not set (./lab test sets it)';

/** A page switched to Real mode and connected through the bridge, with its console errors. */
async function openReal() {
  assert.ok(appUrl, 'BRIDGE_APP_URL must be set under CI=true');
  const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
  const errors = watchErrors(page);
  await page.goto(appUrl);
  await page.locator('#mode-real').waitFor({ timeout: 30000 });
  await page.click('#mode-real');
  await page.waitForFunction(() => /Kafka at/.test(document.querySelector('#bridge-status')?.textContent ?? ''), null, { timeout: 30000 });
  return { page, errors };
}

async function runTwin(page, records, keys) {
  await page.fill('#records', String(records));
  await page.locator('#records').blur();
  await page.fill('#keys', keys);
  await page.locator('#keys').blur();
  // The twin runs the workload the form shows once the app has taken the edits in.
  await page.waitForFunction(
    ([n, k]) => (document.querySelector('#twin-workload')?.textContent ?? '').startsWith(`This workload: ${n} records at `)
      && document.querySelector('#twin-workload').textContent.includes(`keys ${k},`),
    [records, keys], { timeout: 30000 });
  await page.locator('#twin-run:not([disabled])').waitFor({ timeout: 30000 });
  await page.click('#twin-run');
  await page.waitForFunction(
    (n) => new RegExp(`^done: ${n} of ${n} answered`).test(document.querySelector('#twin-status')?.textContent ?? ''),
    records, { timeout: 90000 });
  // The last render after `flushed` shows every record.
  await page.waitForFunction(
    (n) => [...document.querySelectorAll('#twin-offsets tbody tr')]
      .map((tr) => Number(tr.children[4].textContent)).reduce((a, b) => a + b, 0) === n,
    records, { timeout: 30000 });
}

const reasons = (page) => page.$$eval('#twin-reasons li', (lis) => lis.map((li) => [li.dataset.about, li.textContent]));

test('Twin view: the model and the real broker side by side, with the reasons they differ', { skip }, async () => {
  const { page, errors } = await openReal();

  // Keyed records: murmur2 on both sides.
  const records = 300;
  await runTwin(page, records, 'pool:50');
  const agreement = await page.locator('#twin-agreement').textContent();
  const m = agreement.match(/^(\d+) of (\d+) keyed records on the partition the model chose/);
  assert.ok(m, agreement);
  assert.equal(Number(m[2]), records, agreement);
  assert.equal(m[1], m[2], `every keyed record agrees: ${agreement}`);
  assert.equal(await page.locator('#twin-mismatches').count(), 0);
  const firstRecords = await page.$$eval('#twin-records tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.equal(firstRecords.length, 12, 'the first records, one by one');
  for (const [id, key, model, modelMs, real, realMs, same] of firstRecords) {
    assert.match(key, /^key-\d+$/, id);
    assert.match(model, /^P\d+ @ \d+$/, `${id}: model place`);
    assert.match(real, /^P\d+ @ \d+$/, `${id}: real place`);
    assert.equal(model.split(' @ ')[0], real.split(' @ ')[0], `${id} (${key}): same partition`);
    assert.equal(same, '✓', id);
    assert.match(modelMs, /^[\d.]+ ms$/);
    assert.match(realMs, /^[\d.]+ ms$/);
  }

  const rows = await page.$$eval('#twin-offsets tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.ok(rows.length >= 2, 'records on several partitions');
  for (const [partition, modelCount, modelOffsets, modelSpan, realCount, realOffsets, realSpan] of rows) {
    assert.equal(realCount, modelCount, `${partition}: same number of records as the model`);
    assert.match(modelOffsets, /^0–\d+$/, `${partition}: the model starts at 0`);
    assert.equal(modelSpan, modelCount, `${partition}: the model's offsets are contiguous`);
    const [first, last] = realOffsets.split('–').map(Number);
    assert.ok(first >= 0 && last >= first, `${partition}: real offsets ${realOffsets}`);
    assert.equal(Number(realSpan), last - first + 1, `${partition}: span = last − first + 1`);
    assert.ok(Number(realSpan) >= Number(realCount), `${partition}: ${realCount} records span at least as many offsets`);
  }

  const latency = Object.fromEntries(await page.$$eval('#twin-latency tbody tr', (trs) => trs.map((tr) => [tr.children[0].textContent, [tr.children[1].textContent, tr.children[2].textContent].map(Number)])));
  assert.deepEqual(latency.records, [records, records]);
  for (const q of ['p50', 'p95', 'p99', 'max']) {
    assert.ok(latency[q].every((v) => Number.isFinite(v) && v >= 0), `${q}: ${latency[q]}`);
  }
  assert.ok(latency.p50[0] <= latency.p99[0] && latency.p99[0] <= latency.max[0], 'model percentiles in order');
  assert.ok(latency.p50[1] <= latency.p99[1] && latency.p99[1] <= latency.max[1], 'real percentiles in order');
  assert.ok(latency.p50[1] > 0, 'real latency is measured');
  assert.equal(await page.locator('#twin-histogram tr').count(), 3, 'model, real and the bucket edges');

  assert.match(await page.locator('#twin-throughput').textContent(), /^model \d+ records\/s · real \d+ records\/s/);

  let why = await reasons(page);
  const about = (a) => why.filter(([x]) => x === a).map(([, t]) => t).join(' ');
  assert.match(about('partitioner'), /All 300 keyed records agree/);
  assert.match(about('partitioner'), /consistent_random/);
  assert.match(about('partitioner'), /partitioner=murmur2_random/, 'the bridge reports the partitioner it set');
  assert.match(about('offsets'), /compare counts/);
  assert.match(about('latency'), /Median send → delivery: model [\d.]+ ms, real [\d.]+ ms/);
  assert.match(about('latency'), /the bridge's latency_ms/);
  assert.match(about('high watermark'), /base offset \+ 1/);
  await page.locator('#twin').screenshot({ path: path.join(shots, 'twin.png') });

  // Null keys: each side's own sticky partitioner, and the reason says how they differ.
  await runTwin(page, 100, 'null');
  why = await reasons(page);
  assert.match(about('null keys'), /100 null-keyed records/, JSON.stringify(why));
  assert.match(about('null keys'), /byte-based \(KIP-794/);
  assert.match(about('null keys'), /time-based: it draws a new partition every sticky\.partitioning\.linger\.ms/);
  assert.match(await page.locator('#twin-agreement').textContent(), /^0 of 0 keyed records.*100 null-keyed records/);
  assert.deepEqual(errors, []);
});

test('Real sweep: throughput against batch.size × linger.ms on the real broker, with a cancel', { skip }, async () => {
  const { page, errors } = await openReal();

  // Cancel stops a sweep at once and says so.
  await page.fill('#real-sweep-records', '20000');
  await page.click('#real-sweep-run');
  await page.waitForFunction(() => /point 1 of 9/.test(document.querySelector('#real-sweep-status')?.textContent ?? ''), null, { timeout: 30000 });
  await page.click('#real-sweep-cancel');
  assert.equal(await page.locator('#real-sweep-status').textContent(), 'stopped: cancelled');
  assert.equal(await page.locator('#real-sweep-run').isDisabled(), false, 'can run again');

  await page.fill('#real-sweep-records', '400');
  await page.click('#real-sweep-run');
  await page.waitForFunction(() => /^done: 9 points of 400 records/.test(document.querySelector('#real-sweep-status')?.textContent ?? ''), null, { timeout: 120000 });
  const rows = await page.$$eval('#real-sweep-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.equal(rows.length, 9);
  for (const [batch, linger, real, latency, model, failed] of rows) {
    const point = `batch.size=${batch} linger.ms=${linger}`;
    assert.ok(Number(real) > 0, `${point}: real records/s ${real}`);
    const [p50, p99] = latency.split(' / ').map(Number);
    assert.ok(p50 > 0 && p99 >= p50, `${point}: latency ${latency}`);
    assert.ok(Number(model) > 0, `${point}: model records/s ${model}`);
    assert.equal(failed, '0', `${point}: no failed records`);
  }
  // linger.ms=50 holds a batch that never fills (400 records over 6 partitions at 131072 bytes)
  // for its whole linger: the median latency shows it.
  const lingering = rows.find(([b, l]) => b === '131072' && l === '50');
  assert.ok(Number(lingering[3].split(' / ')[0]) >= 45, `linger.ms=50 waits: ${lingering[3]}`);
  await page.locator('#real-sweep').screenshot({ path: path.join(shots, 'real-sweep.png') });
  assert.deepEqual(errors, []);
});

// End-to-end: clicking a batch, then a request, highlights its path through every stage
// (accumulator, sender and its broker connection, the partition rows, log cells and the
// replicas holding them, the callbacks), with a one-line caption saying where it is now;
// the same thing again, Escape or the caption's ✕ clears it; Enter selects a focused batch.
// Fails on any browser console error and saves a screenshot of each selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useApp, shots, watchErrors } from './harness.mjs';

const app = useApp();

// 12 partitions on 3 brokers, acks=all with the ISR: requests wait for the followers.
const scenario = {
  seed: 3,
  profile: 'kafka-4',
  cluster: { brokers: 3, partitions: 12, replication_factor: 3, min_insync_replicas: 2 },
  workload: { records_per_second: 1000, records: 100000, keys: { kind: 'pool', count: 1000 } },
};

const caption = (page) => page.locator('#selection-caption').textContent();

/** Plays at 0.1× and pauses in the page itself in the frame `done(arg)` first holds. */
async function playUntil(page, done, arg) {
  await page.click('#play');
  await page.waitForFunction(([src, a]) => {
    // eslint-disable-next-line no-new-func
    if (!new Function('a', `return (${src})(a)`)(a)) return false;
    document.querySelector('#pause')?.click();
    return true;
  }, [done.toString(), arg], { timeout: 30000 });
  await page.locator('#play').waitFor();
}

test('a batch, then a request: highlighted in every stage, with a caption', async () => {
  const page = await app.browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const errors = watchErrors(page);
  await page.goto(`${app.baseUrl}?scenario=${encodeURIComponent(JSON.stringify(scenario))}`);
  await page.locator('#play').waitFor({ timeout: 30000 });
  await page.selectOption('select[aria-label="speed"]', { label: '0.1×' });
  assert.match(await page.locator('#selection').textContent(), /Click a record, a batch or a request/);

  // A batch in flight, picked in the sender.
  await playUntil(page, () => document.querySelector('#sender-panel .pick.bid')
    && document.querySelectorAll('#broker-panel .log-cell').length > 0);
  const bid = page.locator('#sender-panel .pick.bid').first();
  const [, batch, partition] = (await bid.getAttribute('aria-label')).match(/^batch (\d+) of partition (\d+)$/);
  await bid.click();
  const inFlight = await caption(page);
  const m = inFlight.match(new RegExp(`^batch ${batch} of partition ${partition}: in flight to broker (\\d+) in request (\\d+), attempt 1`));
  assert.ok(m, inFlight);
  const [, broker, request] = m;
  assert.equal(await page.locator(`#sender-panel .pick.bid[aria-pressed="true"]`).count(), 1);
  const carrier = page.locator('#sender-panel .request.selected');
  assert.equal(await carrier.count(), 1, 'the request carrying it is highlighted');
  assert.equal(await carrier.locator('.pick.rq').getAttribute('aria-label'), `request ${request} to broker ${broker}`);
  assert.equal(await page.locator('#accumulator-panel .batch.selected').count(), 0, 'it left the accumulator');
  assert.deepEqual(await page.$$eval('#broker-panel .pill.selected', (ps) => ps.map((p) => p.textContent)), [`P${partition}`]);

  // On to its callbacks: written on the leader, replicated, acknowledged.
  await playUntil(page, () => /callbacks fired/.test(document.querySelector('#selection-caption')?.textContent ?? ''));
  const done = await caption(page);
  assert.match(done, new RegExp(`^batch ${batch} of partition ${partition}: written by broker ${broker} at offsets? \\d+(–\\d+)?, on [23] of 3 replicas, (not )?committed`), done);
  const [, fired, of] = done.match(/(\d+) of (\d+) callbacks fired/);
  assert.equal(fired, of, done);
  const selectedCallbacks = await page.locator('#callbacks-panel .callback.selected').count();
  assert.ok(selectedCallbacks >= 1 && selectedCallbacks <= Number(of), `its callbacks are highlighted: ${selectedCallbacks} of ${of}`);
  if (!/older than the log cells shown/.test(done)) {
    const cells = await page.locator('#broker-panel .log-cell.selected').count();
    assert.ok(cells >= 1 && cells <= Number(of), `its log cells are highlighted: ${cells}`);
  }
  assert.equal(await page.locator('#sender-panel .request.selected').count(), 0, 'no request holds it now');
  // The replicas that hold it are marked in its partition's ISR.
  const row = page.locator('#broker-panel .row', { has: page.locator('.pill.selected') });
  const on = Number(done.match(/on (\d) of 3 replicas/)[1]);
  assert.equal(await row.locator('.leader .holds').count(), on, 'the replicas holding it');
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(shots, 'highlight-batch.png') });

  // Escape clears every highlight.
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#selection-caption').count(), 0);
  assert.equal(await page.locator('.pipeline .selected').count(), 0);

  // Keyboard: a batch in the accumulator, focused, Enter selects it; Enter again clears it.
  await playUntil(page, () => document.querySelector('#accumulator-panel .batch'));
  const queued = page.locator('#accumulator-panel .batch').first();
  await queued.focus();
  await page.keyboard.press('Enter');
  assert.equal(await queued.getAttribute('aria-pressed'), 'true');
  assert.match(await caption(page), /^batch \d+ of partition \d+: in the accumulator, \d+ records, \d+ B$/);
  assert.equal(await page.locator('#accumulator-panel .batch.selected').count(), 1);
  await page.keyboard.press('Enter');
  assert.equal(await queued.getAttribute('aria-pressed'), 'false');
  assert.equal(await page.locator('.pipeline .selected').count(), 0);

  // A request in flight: its batches, their partitions, its broker connection.
  await playUntil(page, () => document.querySelector('#sender-panel .pick.rq'));
  const rq = page.locator('#sender-panel .pick.rq').first();
  const [, req, node] = (await rq.getAttribute('aria-label')).match(/^request (\d+) to broker (\d+)$/);
  await rq.click();
  assert.equal(await rq.getAttribute('aria-pressed'), 'true');
  const sent = await caption(page);
  const r = sent.match(new RegExp(`^request ${req} to broker ${node}: in flight with batch(?:es)? (.+), (\\d+) records$`));
  assert.ok(r, sent);
  const parts = r[1].split(', ').map((s) => s.match(/^(\d+) \(P(\d+)\)$/));
  assert.ok(parts.every(Boolean), r[1]);
  assert.equal(await page.locator('#sender-panel .pick.bid.selected').count(), parts.length, 'each of its batches');
  const partitions = [...new Set(parts.map((p) => `P${p[2]}`))].sort();
  assert.deepEqual((await page.$$eval('#broker-panel .pill.selected', (ps) => ps.map((p) => p.textContent))).sort(), partitions);
  const slot = page.locator('#sender-panel .node.selected');
  assert.equal(await slot.count(), 1, 'its broker connection');
  assert.match(await slot.locator('.label').textContent(), new RegExp(`^→ broker ${node} · in flight`));
  await page.screenshot({ path: path.join(shots, 'highlight-request.png') });

  // Answered: its records' callbacks light up.
  await playUntil(page, () => /answered.*callbacks fired/.test(document.querySelector('#selection-caption')?.textContent ?? ''));
  const answered = await caption(page);
  assert.match(answered, new RegExp(`^request ${req} to broker ${node}: answered; batch \\d+ of P\\d+: offsets? \\d+`), answered);
  assert.ok(await page.locator('#callbacks-panel .callback.selected').count() >= 1, 'its callbacks are highlighted');
  assert.equal(await page.locator('#sender-panel .node.selected').count(), 0, 'no longer on the connection');

  // The same request again (its caption's ✕ here) clears it.
  await page.click('#selection-clear');
  assert.equal(await page.locator('.pipeline .selected').count(), 0);
  assert.deepEqual(errors, []);
});

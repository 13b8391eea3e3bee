// End-to-end: the view stays readable with 12 partitions and 3 brokers at 1280×720 and
// 1920×1080 (no sideways scrolling, every partition row on screen, the stages side by side),
// every control has an accessible name, the run form's fields explain themselves, every
// producer config of the profile is listed with its default and explanation, and a refused
// config shows Kafka's message next to its field. Saves a screenshot per size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useApp, shots, watchErrors } from './harness.mjs';

const app = useApp();

const busy = {
  seed: 1,
  profile: 'kafka-4',
  cluster: { brokers: 3, partitions: 12, replication_factor: 3, min_insync_replicas: 2 },
  workload: { records_per_second: 20000, records: 100000000, keys: { kind: 'pool', count: 1000 } },
};

async function openBusy(size) {
  const page = await app.browser.newPage({ viewport: size });
  const errors = watchErrors(page);
  await page.goto(`${app.baseUrl}?scenario=${encodeURIComponent(JSON.stringify(busy))}`);
  await page.locator('#play').waitFor({ timeout: 30000 });
  await page.selectOption('select[aria-label="speed"]', { label: '1×' });
  await page.click('#play');
  await page.waitForFunction(() => document.querySelectorAll('#broker-panel .log-cell').length >= 24, null, { timeout: 30000 });
  await page.waitForTimeout(1500);
  await page.click('#pause');
  await page.waitForTimeout(300);
  return { page, errors };
}

for (const size of [{ width: 1280, height: 720 }, { width: 1920, height: 1080 }]) {
  test(`12 partitions and 3 brokers are readable at ${size.width}x${size.height}`, async () => {
    const { page, errors } = await openBusy(size);
    const view = await page.evaluate(() => {
      const box = (sel) => document.querySelector(sel)?.getBoundingClientRect();
      const rows = (sel) => [...document.querySelectorAll(sel)].map((r) => r.getBoundingClientRect().bottom);
      const stages = [...document.querySelectorAll('.pipeline > .stage')].map((s) => s.getBoundingClientRect());
      return {
        scrollWidth: document.documentElement.scrollWidth,
        stages: stages.map((r) => ({ left: r.left, right: r.right, top: r.top })),
        accumulatorRows: rows('#accumulator-panel .row'),
        brokerRows: rows('#broker-panel .row'),
        brokerRowHeights: [...document.querySelectorAll('#broker-panel .row')].map((r) => r.getBoundingClientRect().height),
        visibleCells: [...document.querySelectorAll('#broker-panel .row')].map((row) => {
          const log = row.querySelector('.log').getBoundingClientRect();
          return [...row.querySelectorAll('.log-cell')].filter((c) => {
            const r = c.getBoundingClientRect();
            return r.left >= log.left - 0.5 && r.right <= log.right + 0.5;
          }).length;
        }),
        pipeline: box('.pipeline'),
      };
    });
    assert.ok(view.scrollWidth <= size.width, `no sideways scrolling (${view.scrollWidth} > ${size.width})`);
    assert.equal(view.stages.length, 7);
    for (let i = 1; i < 7; i++) {
      assert.ok(view.stages[i].left >= view.stages[i - 1].right, 'the seven stages stand side by side, in order');
      assert.equal(view.stages[i].top, view.stages[0].top);
    }
    assert.equal(view.accumulatorRows.length, 12);
    assert.equal(view.brokerRows.length, 12);
    assert.ok(Math.max(...view.accumulatorRows, ...view.brokerRows) <= size.height, `every partition row is on screen: ${Math.max(...view.brokerRows)}`);
    assert.ok(Math.max(...view.brokerRowHeights) <= 34, `one line per partition log: ${view.brokerRowHeights}`);
    assert.ok(Math.min(...view.visibleCells) >= 2, `whole log cells show for every partition: ${view.visibleCells}`);
    await page.screenshot({ path: path.join(shots, `layout-${size.width}x${size.height}.png`) });
    assert.deepEqual(errors, []);
  });
}

test('controls: accessible names, explanations, speeds, every config and its error', async () => {
  const page = await app.browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const errors = watchErrors(page);
  await page.goto(app.baseUrl);
  await page.locator('#play').waitFor({ timeout: 30000 });
  // Every button, input and select has an accessible name.
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, input, select, summary')].filter((el) => {
    const label = el.id && document.querySelector(`label[for="${el.id}"]`);
    const name = el.getAttribute('aria-label') || label?.textContent || el.closest('label')?.textContent || el.textContent || el.title;
    return !name || !name.trim();
  }).map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, []);
  // The form's fields each have an explanation as their description; the producer configs
  // on it say where tutorials are outdated.
  const described = await page.$$eval('.fields input, .fields select', (els) => els.map((el) => ({
    id: el.id, text: document.getElementById(el.getAttribute('aria-describedby'))?.textContent ?? '',
  })));
  assert.ok(described.length >= 12);
  for (const d of described) assert.ok(d.text.length > 20, `${d.id} is explained: ${d.text}`);
  assert.match(described.find((d) => d.id === 'acks').text, /Default under kafka-4: all\..*Note: .*Kafka 3\.0/);
  assert.match(described.find((d) => d.id === 'linger-ms').text, /Default under kafka-4: 5\..*Note: .*4\.0/);
  await page.hover('#acks');
  assert.ok(await page.locator('#acks-hint').isVisible(), 'the explanation shows on hover');
  // Speed spans 0.1× to 1000×.
  const speeds = await page.$$eval('select[aria-label="speed"] option', (os) => os.map((o) => o.textContent));
  assert.equal(speeds[0], '0.1×');
  assert.equal(speeds[speeds.length - 1], '1000×');
  // Every config of the profile, with its default under the profile and an explanation.
  await page.locator('#configs summary').click();
  const cards = await page.$$eval('#configs .cfg', (cs) => cs.map((c) => ({
    key: c.querySelector('code').textContent, placeholder: c.querySelector('input').placeholder, doc: c.querySelector('.doc').textContent,
  })));
  assert.ok(cards.length >= 30, `${cards.length} configs`);
  assert.deepEqual(cards.find((c) => c.key === 'enable.idempotence').placeholder, 'true');
  for (const c of cards) assert.ok(c.doc.length > 20, `${c.key} is explained`);
  // The tutorial's profile has the tutorial's defaults.
  await page.selectOption('#profile', 'kafka-2.0');
  await page.waitForFunction(() => document.querySelector('#cfg-acks')?.placeholder === '1');
  assert.equal(await page.locator('#cfg-linger-ms').getAttribute('placeholder'), '0');
  await page.selectOption('#profile', 'kafka-4');
  // A refused value: Kafka's message next to that field, and no run.
  await page.fill('#cfg-max-in-flight-requests-per-connection', '0');
  await page.locator('#cfg-max-in-flight-requests-per-connection').blur();
  const card = page.locator('.cfg.invalid');
  await card.waitFor({ timeout: 10000 });
  assert.equal(await card.locator('code').textContent(), 'max.in.flight.requests.per.connection');
  assert.match(await card.locator('.error').textContent(), /Invalid value 0 for configuration max\.in\.flight\.requests\.per\.connection/);
  assert.ok(await page.locator('#play').isDisabled(), 'no run starts with an invalid config');
  await page.fill('#cfg-max-in-flight-requests-per-connection', '');
  await page.locator('#cfg-max-in-flight-requests-per-connection').blur();
  await page.waitForFunction(() => !document.querySelector('.cfg.invalid'));
  assert.ok(await page.locator('#play').isEnabled());
  assert.deepEqual(errors, []);
});

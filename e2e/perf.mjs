// Performance figures of the built app in headless Chromium (a script, not a test):
//   (a) a busy run — 12 partitions, 3 brokers, 20,000 records/s of model time — played at a
//       speed that keeps the model working every tick: frames per second counted with
//       requestAnimationFrame over 5 s, and the DOM node count at the start and the end;
//   (b) an 8×8 sweep of 100,000 records per point (sent flat out, plus a 5 s latency sample at
//       the workload's rate): its wall time.
//
//   cd e2e && node perf.mjs            # serves ../dist (DIST=… or BASE_URL=… to change)
//   options: --speed 1× (a label of the speed control)  --seconds 5  --records-per-point 100000
//            --width 1600 --height 900  --skip-sweep  --skip-play
//            --retention BYTES (the topic's retention.bytes per partition: bounds the model's logs)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDist } from './serve-dist.mjs';
import { launch, watchErrors } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const flag = (name) => args.includes(`--${name}`);
const speed = opt('speed', '1×');
const seconds = Number(opt('seconds', '5'));
const perPoint = Number(opt('records-per-point', '100000'));
const viewport = { width: Number(opt('width', '1600')), height: Number(opt('height', '900')) };
const retention = opt('retention', null);

/** The busy scenario: what the issue's frame-rate target names. */
const busy = {
  seed: 1,
  profile: 'kafka-4',
  cluster: { brokers: 3, partitions: 12, replication_factor: 3, min_insync_replicas: 2 },
  workload: { records_per_second: 20000, records: 100000000, keys: { kind: 'pool', count: 1000 } },
};
if (retention) busy.cluster.retention_bytes = Number(retention);

const domNodes = (page) => page.evaluate(() => document.getElementsByTagName('*').length);
/** The wasm instance's linear memory in MiB (trunk hands out the exports on start). */
const wasmMiB = (page) => page.evaluate(() => (window.__labWasm?.memory?.buffer.byteLength ?? 0) / 2 ** 20);
const keepWasm = () => addEventListener('TrunkApplicationStarted', (e) => { window.__labWasm = e.detail.wasm; });
const clockMs = (page) => page.evaluate(() => parseFloat(document.querySelector('#clock').textContent.slice(4)));

/** Counts animation frames for `ms` of wall time; also the longest gap between two frames. */
const frames = (page, ms) => page.evaluate((ms) => new Promise((resolve) => {
  let count = 0, worst = 0, last = performance.now();
  const start = last;
  const frame = (t) => {
    count += 1;
    worst = Math.max(worst, t - last);
    last = t;
    if (t - start < ms) requestAnimationFrame(frame);
    else resolve({ fps: (count - 1) / ((t - start) / 1000), worstMs: worst });
  };
  requestAnimationFrame((t) => { last = t; requestAnimationFrame(frame); });
}), ms);

async function play(browser, baseUrl) {
  const page = await browser.newPage({ viewport });
  const errors = watchErrors(page);
  await page.addInitScript(keepWasm);
  await page.goto(`${baseUrl}?scenario=${encodeURIComponent(JSON.stringify(busy))}`);
  await page.locator('#play').waitFor({ timeout: 30000 });
  const idle = await frames(page, 2000);
  await page.selectOption('select[aria-label="speed"]', { label: speed });
  await page.click('#play');
  await page.waitForTimeout(1000);
  const t0 = { dom: await domNodes(page), clock: await clockMs(page), wall: Date.now(), mem: await wasmMiB(page) };
  const busyFrames = await frames(page, seconds * 1000);
  const t1 = { dom: await domNodes(page), clock: await clockMs(page), wall: Date.now() };
  // Keep playing as long again: a bounded DOM stays put.
  await page.waitForTimeout(seconds * 1000);
  const t2 = { dom: await domNodes(page), clock: await clockMs(page), mem: await wasmMiB(page) };
  const heapMb = await page.evaluate(() => performance.memory?.usedJSHeapSize / 2 ** 20);
  await page.close();
  const modelPerWall = (t1.clock - t0.clock) / (t1.wall - t0.wall);
  console.log(`play: 12 partitions, 3 brokers, 20,000 records/s of model time, speed ${speed}, ${viewport.width}x${viewport.height}${retention ? `, retention.bytes ${retention}` : ''}`);
  console.log(`  idle fps (paused)          ${idle.fps.toFixed(1)}`);
  console.log(`  fps while playing (${seconds} s)   ${busyFrames.fps.toFixed(1)}  (longest frame ${busyFrames.worstMs.toFixed(0)} ms)`);
  console.log(`  model time per wall time    ${modelPerWall.toFixed(3)}×  (${(modelPerWall * 20000).toFixed(0)} records/s of wall time)`);
  console.log(`  DOM nodes                   start ${t0.dom} · after ${seconds} s ${t1.dom} · after ${2 * seconds} s ${t2.dom}  (model t = ${t2.clock.toFixed(0)} ms)`);
  if (heapMb) console.log(`  JS heap                     ${heapMb.toFixed(1)} MiB`);
  console.log(`  wasm memory                 start ${t0.mem.toFixed(0)} MiB · after ${2 * seconds} s ${t2.mem.toFixed(0)} MiB (the model's logs grow unless the scenario sets retention_bytes)`);
  if (errors.length) console.log(`  console errors: ${errors.join('; ')}`);
  return errors.length === 0;
}

async function sweep(browser, baseUrl) {
  const page = await browser.newPage({ viewport });
  const errors = watchErrors(page);
  await page.goto(baseUrl);
  await page.locator('#sweep summary').click();
  await page.fill('#sweep-records', String(perPoint));
  await page.locator('#sweep-records').blur();
  const started = Date.now();
  await page.click('#sweep-run');
  const total = Number(await page.locator('#sweep-progress').getAttribute('max'));
  await page.locator('#sweep-time').waitFor({ timeout: 30 * 60 * 1000 });
  const secs = (Date.now() - started) / 1000;
  const inPage = await page.locator('#sweep-time').textContent();
  const filled = await page.$$eval('#sweep-table .sweep-cell b', (bs) => bs.length);
  await page.close();
  // The latency sample's records, as the page states them ("… + 1000 at 200 records/s").
  const sample = Number(inPage.match(/\+ (\d+) at/)?.[1] ?? 0);
  console.log(`sweep: ${total} points (8x8), each ${perPoint} records flat out (capacity) + the first ${sample} records at the workload's rate (latency), Chromium wasm`);
  console.log(`  wall time                   ${secs.toFixed(2)} s  (${(total * (perPoint + sample) / secs / 1e6).toFixed(2)} M model records/s; ${filled} cells filled)`);
  console.log(`  the page says               ${inPage}`);
  if (errors.length) console.log(`  console errors: ${errors.join('; ')}`);
  return errors.length === 0;
}

let server = null;
let baseUrl = process.env.BASE_URL;
if (!baseUrl) ({ server, url: baseUrl } = await serveDist(process.env.DIST || path.join(here, '..', 'dist')));
const browser = await launch();
let ok = true;
try {
  if (!flag('skip-play')) ok = (await play(browser, baseUrl)) && ok;
  if (!flag('skip-sweep')) ok = (await sweep(browser, baseUrl)) && ok;
} finally {
  await browser.close();
  server?.close();
}
process.exit(ok ? 0 : 1);

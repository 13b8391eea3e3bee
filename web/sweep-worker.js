// The sweep's Web Worker: it instantiates the app's own wasm module (no second module) and
// runs one point of the 8x8 sweep per message with the module's `sweep_point` export.
// First message: { init: true, glue, wasm } (the URLs of the wasm-bindgen glue and the wasm).
// Then: { index, batch, linger, records, scenario } -> { index, point, ms } or { index, error }.
// A failure to load the module is answered with { fatal }.
let ready = null;

self.onmessage = async (event) => {
  const m = event.data;
  if (m && m.init === true) {
    ready = import(m.glue).then(async (glue) => {
      await glue.default({ module_or_path: m.wasm });
      return glue;
    });
    ready.catch((err) => self.postMessage({ fatal: `the sweep worker could not load the app's module: ${err}` }));
    return;
  }
  const index = m && typeof m.index === 'number' ? m.index : -1;
  if (!ready) {
    self.postMessage({ index, error: 'the sweep worker got a point before its module' });
    return;
  }
  let glue;
  try {
    glue = await ready;
  } catch {
    return; // reported as fatal above
  }
  try {
    const t0 = performance.now();
    const point = glue.sweep_point(String(m.scenario), m.batch >>> 0, m.linger >>> 0, m.records >>> 0);
    self.postMessage({ index, point, ms: performance.now() - t0 });
  } catch (err) {
    self.postMessage({ index, error: String(err) });
  }
};

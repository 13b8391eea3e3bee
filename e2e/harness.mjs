// What every browser test of the built app shares: the app (served from dist/, or $DIST, unless BASE_URL
// is given), Debian's Chromium, the screenshot folder, and the console-error watch.
import { before, after } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDist } from './serve-dist.mjs';
import { launch } from './browser.mjs';

export { watchErrors } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Where screenshots go (git-ignored); created on import. */
export const shots = process.env.SCREENSHOT_DIR || path.join(here, 'screenshots');
fs.mkdirSync(shots, { recursive: true });

/** Registers before/after hooks; the returned object holds `browser` and `baseUrl` once they run. */
export function useApp() {
  const app = { browser: null, baseUrl: process.env.BASE_URL, server: null };
  before(async () => {
    if (!app.baseUrl) ({ server: app.server, url: app.baseUrl } = await serveDist(process.env.DIST || path.join(here, '..', 'dist')));
    app.browser = await launch();
  });
  after(async () => { await app.browser?.close(); app.server?.close(); });
  return app;
}

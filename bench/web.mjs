// Measures the storefront for bench/web.sh and prints its RESULTS.md section.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'apps/web/dist');
// playwright-core lives with the web app's packages.
const { chromium } = createRequire(join(root, 'apps/web/package.json'))('playwright-core');

const BASE = process.env.BENCH_WEB_URL;
const RUNS = Number(process.env.BENCH_WEB_RUNS ?? 15);
const GOAL_KB = 200;

// ---- what index.html loads before anything renders ----
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const attr = (tag, name) => new RegExp(`${name}="([^"]+)"`).exec(tag)?.[1];
const tags = html.match(/<(script|link)\b[^>]*>/g) ?? [];
const js = new Set();
const css = new Set();
for (const t of tags) {
  if (t.startsWith('<script') && /type="module"/.test(t) && attr(t, 'src')) js.add(attr(t, 'src'));
  if (t.startsWith('<link') && /rel="modulepreload"/.test(t)) js.add(attr(t, 'href'));
  if (t.startsWith('<link') && /rel="stylesheet"/.test(t)) css.add(attr(t, 'href'));
}
const size = (files) =>
  [...files].reduce(
    (a, f) => {
      const buf = readFileSync(join(dist, f.replace(/^\//, '')));
      return { raw: a.raw + buf.length, gz: a.gz + gzipSync(buf, { level: 9 }).length };
    },
    { raw: 0, gz: 0 },
  );
const jsSize = size(js);
const cssSize = size(css);
const kb = (n) => (n / 1024).toFixed(1);

// ---- first render, beside /healthz, in the same browser ----
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
async function cold(url, ready) {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const t0 = performance.now();
  await page.goto(url, { waitUntil: ready ? 'commit' : 'load' });
  if (ready) await page.locator(ready).first().waitFor({ state: 'visible', timeout: 30_000 });
  const ms = performance.now() - t0;
  const fcp = ready
    ? await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null)
    : null;
  await context.close();
  return { ms, fcp };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.9) - 1)];
// One warm-up each (the server's first responses, the browser's first process).
await cold(`${BASE}/healthz`, null);
await cold(`${BASE}/t/demo/`, '.card-title');
const ceiling = [];
const render = [];
const fcp = [];
for (let i = 0; i < RUNS; i++) {
  ceiling.push((await cold(`${BASE}/healthz`, null)).ms);
  const r = await cold(`${BASE}/t/demo/`, '.card-title');
  render.push(r.ms);
  if (r.fcp != null) fcp.push(r.fcp);
}
await browser.close();

const m = median(render);
const c = median(ceiling);
const when = new Date().toISOString().slice(0, 16) + 'Z';
const met = jsSize.gz / 1024 <= GOAL_KB;
console.log(`## Storefront bundle and first render

Measured by \`bench/web.sh\` (${when}, built from ${process.env.BENCH_BUILT_FROM ?? '?'}, 2 cores): the production build of \`apps/web\` and headless Chromium (Debian's, through playwright-core) against \`taquilla serve\` (release) with the demo tenant.

**Initial bundle** (what \`index.html\` loads before the first render: its module script and modulepreloads; gzip -9):

| | files | raw KB | gzip KB |
| --- | ---: | ---: | ---: |
| JavaScript | ${js.size} | ${kb(jsSize.raw)} | **${kb(jsSize.gz)}** |
| CSS | ${css.size} | ${kb(cssSize.raw)} | ${kb(cssSize.gz)} |

Initial JS is **${kb(jsSize.gz)} KB** gzip, ${Math.round((jsSize.gz / 1024 / GOAL_KB) * 100)}% of the 200 KB goal: **${met ? 'met' : 'NOT met'}**. Pages other than the event list (console, admin, checkout's Stripe form, the code editor, charts, the QR scanner) are separate chunks loaded when opened.

**First render of the event list**: a fresh browser context (cold cache) opens \`/t/demo/\`; the time from navigation start until the first event tile is visible (the app loaded, the tenant's events fetched and drawn), ${RUNS} runs. The ceiling, in the same run and browser: navigating to \`/healthz\` (a small JSON answer, nothing to run).

| | median ms | p90 ms |
| --- | ---: | ---: |
| event list rendered | **${m.toFixed(0)}** | ${p90(render).toFixed(0)} |
| first contentful paint | ${fcp.length ? median(fcp).toFixed(0) : '—'} | ${fcp.length ? p90(fcp).toFixed(0) : '—'} |
| ceiling: \`/healthz\` | ${c.toFixed(0)} | ${p90(ceiling).toFixed(0)} |

The event list is on screen **${(m / c).toFixed(1)}×** the ceiling's time. Load average before the run: ${process.env.BENCH_LOAD_START ?? '?'}.`);

/**
 * Helpers of the end-to-end tests: Debian's chromium through playwright-core
 * (never a downloaded browser), polling assertions (playwright-core has no
 * `expect`), and screenshots of every open page when a step fails.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE_URL = (process.env.E2E_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
export const ADMIN_EMAIL = process.env.E2E_ADMIN_EMAIL ?? '';
export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? '';
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
/** Default time an assertion or an action may take: the machine is slow and shared. */
export const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS ?? 30_000);

const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: process.env.E2E_HEADED !== '1',
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', ...extraArgs],
  });
}

/**
 * A browser whose camera films `y4m` (a YUV4MPEG2 file) in a loop:
 * Chromium's own fake capture device, so getUserMedia and the page's QR
 * scanner run for real.
 */
export async function launchWithCamera(y4m) {
  return launch([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${y4m}`,
  ]);
}

/**
 * A YUV4MPEG2 video (4:2:0) of `frames` copies of one grayscale picture
 * (`gray`: width × height bytes, row by row).
 */
export function y4mOf(gray, width, height, frames = 10) {
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), Buffer.from(gray), chroma]);
  return Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]);
}

/**
 * One person at one browser: their own context (cookies, localStorage,
 * sessionStorage) and one page. `name` is used in screenshot file names.
 */
export async function actor(browser, name) {
  const context = await browser.newContext({
    baseURL: BASE_URL,
    locale: 'en-US',
    timezoneId: 'Europe/Madrid',
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT * 2);
  const page = await context.newPage();
  // E2E_CPU_THROTTLE=4: the page runs 4× slower (a slow phone, a loaded machine).
  const throttle = Number(process.env.E2E_CPU_THROTTLE ?? 0);
  if (throttle > 1) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
  }
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  return { name, context, page, consoleErrors };
}

/**
 * Polls `probe` until it returns a truthy value (which is returned), or
 * fails with the last value or error it saw. `what` says what was expected.
 */
export async function waitFor(what, probe, { timeout = TIMEOUT, interval = 150 } = {}) {
  const until = Date.now() + timeout;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > until) {
      const why = lastError ? `last error: ${lastError.message ?? lastError}` : `last value: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (${why})`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Waits until the locator is visible (the first match when several). */
export async function visible(locator, timeout = TIMEOUT) {
  await locator.first().waitFor({ state: 'visible', timeout });
  return locator.first();
}

/** Waits until the locator's text contains every one of `parts` (strings or regexps). */
export async function textContains(locator, parts, timeout = TIMEOUT) {
  const want = Array.isArray(parts) ? parts : [parts];
  let text = '';
  await waitFor(
    `${locator} to contain ${want.map(String).join(', ')}`,
    async () => {
      text = (await locator.first().innerText({ timeout: 2_000 })).replace(/\s+/g, ' ');
      return want.every((w) => (typeof w === 'string' ? text.includes(w) : w.test(text)));
    },
    { timeout },
  ).catch((e) => {
    throw new Error(`${e.message}; text was: ${JSON.stringify(text.slice(0, 500))}`);
  });
  return text;
}

/** Waits until the locator's attribute equals `value`. */
export async function attributeIs(locator, name, value, timeout = TIMEOUT) {
  return waitFor(`${locator} [${name}] to be ${value}`, async () => (await locator.getAttribute(name, { timeout: 2_000 })) === value, {
    timeout,
  });
}

/** Chooses the option of a <select> whose text contains `text`. */
export async function selectOptionContaining(select, text) {
  const value = await waitFor(`an option containing "${text}" in ${select}`, () =>
    select.evaluate((el, t) => {
      const o = [...el.options].find((x) => x.textContent.includes(t));
      return o ? o.value : null;
    }, text),
  );
  await select.selectOption(value);
}

/** "YYYY-MM-DDTHH:MM" of a date, in the browser's time zone, for <input type="datetime-local">. */
export function localInput(d, timeZone = 'Europe/Madrid') {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** A short random tag, so names are unique across runs against one server. */
export function tag(n = 6) {
  return Math.random().toString(36).slice(2, 2 + n);
}

function safe(s) {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
}

/** Screenshots every page of every actor; prints and returns the paths. */
/**
 * With E2E_SHOWCASE_DIR set (`make screenshots`), keeps a picture of the page
 * as `<dir>/<name>.png`: the README's screenshots come from this journey.
 */
export async function showcase(page, name) {
  const dir = process.env.E2E_SHOWCASE_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), timeout: 10_000 });
}

export async function screenshotAll(actors, label) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = [];
  for (const a of actors) {
    if (!a) continue;
    for (const [i, p] of a.context.pages().entries()) {
      if (p.isClosed()) continue;
      const file = join(ARTIFACTS, `${stamp}-${safe(label)}-${safe(a.name)}${i ? `-${i}` : ''}.png`);
      try {
        await p.screenshot({ path: file, fullPage: true, timeout: 10_000 });
        out.push(file);
        console.error(`e2e: screenshot of ${a.name} (${p.url()}): ${file}`);
      } catch (e) {
        console.error(`e2e: no screenshot of ${a.name}: ${e.message}`);
      }
    }
    if (a.consoleErrors?.length) {
      console.error(`e2e: browser errors of ${a.name}:\n  ${a.consoleErrors.slice(-10).join('\n  ')}`);
    }
  }
  return out;
}

/**
 * Steps of one journey: each runs as a subtest; when one fails, every open
 * page is screenshot and the following steps are skipped (they depend on it).
 */
export function journey(t, actors) {
  let failed = null;
  return async function step(name, fn) {
    await t.test(name, { skip: failed ? `after the failed step “${failed}”` : false }, async () => {
      const started = Date.now();
      try {
        await fn();
      } catch (e) {
        failed = name;
        const shots = await screenshotAll(actors(), name);
        if (shots.length && e instanceof Error) e.message += `\n  screenshots:\n    ${shots.join('\n    ')}`;
        throw e;
      }
      console.error(`e2e: ✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      // E2E_SCREENSHOTS=always: a picture of every page after every step, to look at.
      if (process.env.E2E_SCREENSHOTS === 'always') await screenshotAll(actors(), `ok ${name}`);
    });
  };
}

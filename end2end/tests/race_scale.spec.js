// A race at scale: a 500-runner event whose runners all have full histories, opened
// mid-race while their phones keep reporting. The page must go Live at once, stay Live
// (the page that subscribed to every runner's topic was cut off as a slow consumer,
// close 4008, in a loop) and draw the whole field from the field stream.
//
// The spec starts its own server, on its own port, with its own event and store.
const { spawn, execFileSync } = require('child_process');
const path = require('path');
const fs = require('fs');
const { test, expect, snapshot, waitHealthy, labelsOnScreen, stopServer } = require('./fixtures');
const { seriousProblems } = require('./axe');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = process.env.SPECTATE_BIN || path.join(ROOT, 'target/debug/spectate');
const PORT = Number(process.env.SPECTATE_E2E_SCALE_PORT || 3919);
const BASE = `http://127.0.0.1:${PORT}`;
const DIR = path.join(ROOT, 'target/e2e-scale');
const RUNNERS = 500;
/** Fixes of history per runner, one every 5 s: more than a catch-up of every runner fits. */
const HISTORY = 120;
const FIX_EVERY_MS = 5000;
/** Metres a runner covers between two fixes (about 11 km/h). */
const STEP_M = 15;

test.describe.configure({ timeout: 180_000 });

let server;
let line;
let ticker;
/** When the runners' first fixes were taken. */
let start;


/** `[lat, lng]` about `metres` along the course (the view has a point per 25 m). */
function along(metres) {
  const i = Math.min(line.length - 1, Math.round(metres / 25));
  return line[i];
}

/** Runner `bib`'s fix taken at `t`: each runner 7 m ahead of the previous bib, all at
 * the same pace. */
function fixAt(bib, t) {
  const [lat, lng] = along(bib * 7 + ((t - start) / FIX_EVERY_MS) * STEP_M);
  return { runner: bib, lat, lng, t };
}

async function post(fixes) {
  const r = await fetch(`${BASE}/api/fixes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fixes),
  });
  if (!r.ok) throw new Error(`POST /api/fixes: ${r.status} ${await r.text()}`);
}

test.beforeAll(async () => {
  // 60,000 fixes through the real ingestion path take a while on a busy machine.
  test.setTimeout(170_000);
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  const event = path.join(DIR, 'event.toml');
  fs.writeFileSync(event, execFileSync(path.join(ROOT, 'bench/event.sh'), ['Big field', 'big', String(RUNNERS)]));
  server = spawn(BIN, ['serve', '--open', '--addr', `127.0.0.1:${PORT}`, '--log-level', 'warn',
    '--event', event, '--tile-url', 'none', '--data-dir', path.join(DIR, 'data'),
    '--site-root', path.join(ROOT, 'target/site')], { stdio: 'inherit' });
  await waitHealthy(BASE);
  line = (await (await fetch(`${BASE}/api/race`)).json()).event.line;
  // Every runner's full history, the newest fix a few seconds ago.
  start = Date.now() - HISTORY * FIX_EVERY_MS;
  for (let k = 0; k < HISTORY; k += 20) {
    const batch = [];
    for (let bib = 1; bib <= RUNNERS; bib++) {
      for (let j = k; j < Math.min(k + 20, HISTORY); j++) batch.push(fixAt(bib, start + j * FIX_EVERY_MS));
    }
    await post(batch);
  }
  // The race goes on: a fifth of the field reports every second.
  let tick = 0;
  ticker = setInterval(() => {
    const t = Date.now();
    const batch = [];
    for (let bib = 1 + (tick % 5); bib <= RUNNERS; bib += 5) batch.push(fixAt(bib, t));
    tick += 1;
    post(batch).catch(() => {});
  }, 1000);
});

test.afterAll(async () => {
  clearInterval(ticker);
  await stopServer(server);
});

/** Records, from the page's first script on, when each socket to `/ws` is made and
 * every value the status takes: the debug bundle takes seconds to compile before the
 * page connects at all, so "Live within 2 s" is timed from the socket's creation. */
async function recordLink(page) {
  await page.addInitScript(() => {
    window.__sockets = [];
    window.__statuses = [];
    const Native = window.WebSocket;
    window.WebSocket = function (url, protocols) {
      window.__sockets.push({ url: String(url), at: performance.now() });
      return protocols === undefined ? new Native(url) : new Native(url, protocols);
    };
    window.WebSocket.prototype = Native.prototype;
    Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
    document.addEventListener('DOMContentLoaded', () => {
      const status = document.querySelector('.status');
      new MutationObserver(() => window.__statuses.push({ status: status.dataset.status, at: performance.now() }))
        .observe(status, { attributes: true, attributeFilter: ['data-status'] });
    });
  });
}

test('500 runners with full histories: the page opened mid-race goes Live in 2 s, stays Live and draws the whole field', async ({ page }) => {
  await recordLink(page);
  await page.goto(`${BASE}/`);
  await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
  const link = () => page.evaluate(() => ({ sockets: window.__sockets, statuses: window.__statuses }));
  const first = await link();
  const live = first.statuses.find((s) => s.status === 'live');
  const liveAfterMs = live.at - first.sockets[0].at;
  console.log(`Live ${Math.round(liveAfterMs)} ms after the socket was made (${Math.round(live.at)} ms after navigation)`);
  expect(liveAfterMs).toBeLessThan(2000);
  const map = page.locator('.live-map');
  await expect(map).toHaveAttribute('data-markers', String(RUNNERS), { timeout: 10_000 });
  const drawn = await page.evaluate(() => performance.now());
  console.log(`${RUNNERS} markers ${Math.round(drawn - live.at)} ms after Live (at most that)`);
  await page.screenshot({ path: path.join(ROOT, 'end2end/artifacts', 'race-scale-no-follows-view.png') });
  // Live for 10 s more: one socket, never anything but Live.
  await page.waitForTimeout(10_000);
  const after = await link();
  expect(after.sockets.map((s) => new URL(s.url).pathname)).toEqual(['/ws']);
  // (Hydration may write "connecting" again before the socket opens.)
  const statuses = after.statuses.map((s) => s.status);
  expect(statuses.slice(statuses.indexOf('live'))).toEqual(['live']);
  await expect(map).toHaveAttribute('data-markers', String(RUNNERS));
  // The subtitle counts the whole field, not just the runners the page was sent.
  await expect(page.locator('.race-head p')).toContainText(`${RUNNERS} runners`);
  // The board is pushed: its top, and "Show all" for the rest.
  await expect(page.locator('.leaderboard tbody tr')).toHaveCount(25);
  await expect(page.locator('.show-all')).toHaveText(`Show all ${RUNNERS}`);
  // "Show all" fetches the whole board (one page of 500), "Show the top only" goes back.
  await page.click('.show-all');
  await expect(page.locator('.leaderboard tbody tr')).toHaveCount(RUNNERS);
  await expect(page.locator('.show-more')).toHaveCount(0);
  await page.click('.show-all');
  await expect(page.locator('.leaderboard tbody tr')).toHaveCount(25);
  // Every name reached the search, not only those of the first paint.
  await page.fill('#follow-input', 'Runner 437');
  await expect(page.locator('#follow-suggestions [role=option]').first()).toHaveAttribute('data-runner', '437');
  const metrics = await (await fetch(`${BASE}/metrics`)).text();
  expect(metrics).not.toMatch(/spectate_dropped_total\{reason="slow_consumer"\} [1-9]/);
  await page.keyboard.press('Escape');
  await snapshot(page, 'race-scale-no-follows');
});

test('the 500-runner field at a phone and a laptop size, following three runners', async ({ page }) => {
  for (const [w, h] of [[360, 740], [1366, 768]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.goto(`${BASE}/?follow=1,250,437`);
    await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
    await expect(page.locator('.live-map')).toHaveAttribute('data-markers', String(RUNNERS));
    await page.waitForTimeout(1500);
    // The followed runners and the checkpoints are labelled, and no label covers
    // another; zoomed out, still none.
    const labels = await labelsOnScreen(page);
    expect(labels.overlaps, `${w}px`).toEqual([]);
    expect(labels.shown.filter((l) => !l.mark).length, `${w}px: ${labels.shown.map((l) => l.text)}`).toBeGreaterThanOrEqual(1);
    // The page keeps its frame rate while the field moves (rAF intervals over 2 s).
    const frames = await page.evaluate(() => new Promise((resolve) => {
      const times = [];
      const tick = (t) => {
        times.push(t);
        if (t - times[0] < 2000) requestAnimationFrame(tick);
        else resolve(times.slice(1).map((x, i) => x - times[i]).sort((a, b) => a - b));
      };
      requestAnimationFrame(tick);
    }));
    const median = frames[Math.floor(frames.length / 2)];
    console.log(`${w}x${h}: ${frames.length} frames in 2 s, median ${median.toFixed(1)} ms, p95 ${frames[Math.floor(frames.length * 0.95)].toFixed(1)} ms`);
    expect(median, 'median frame interval (ms)').toBeLessThan(34);
    await snapshot(page, `race-scale-${w}x${h}`);
    await page.screenshot({ path: path.join(ROOT, 'end2end/artifacts', `race-scale-${w}x${h}-view.png`) });
  }
});

test('reached by a link from the dashboard, the map fetches the race, then subscribes to the field', async ({ page }) => {
  await page.goto(`${BASE}/dashboard`);
  await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
  await page.click('nav a[href="/"]');
  await expect(page.locator('h1')).toHaveText('Big field');
  await expect(page.locator('.live-map')).toHaveAttribute('data-markers', String(RUNNERS));
  await expect(page.locator('.leaderboard tbody tr')).toHaveCount(25);
});

test('at race size, with the whole board shown, axe finds no serious violation', async ({ page }) => {
  await page.goto(`${BASE}/?follow=1,250`);
  await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
  await expect(page.locator('.live-map')).toHaveAttribute('data-markers', String(RUNNERS));
  await expect(page.locator('.runner-panel')).toBeVisible();
  expect(await seriousProblems(page)).toEqual([]);
  await page.click('.show-all');
  await expect(page.locator('.leaderboard tbody tr')).toHaveCount(RUNNERS);
  expect(await seriousProblems(page)).toEqual([]);
});

// Shared test fixtures: every page fails its test on a console error or an uncaught
// exception, and helpers publish fixes like a phone would, over a real WebSocket.
const base = require('@playwright/test');
const WebSocket = require('ws');
const fs = require('fs');
const path = require('path');

const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

const test = base.test.extend({
  page: async ({ page }, use) => {
    const problems = watch(page);
    await use(page);
    base.expect(problems, 'console errors and page errors').toEqual([]);
  },
});

/** Collects console errors and uncaught exceptions of a page. */
function watch(page) {
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}

/** Waits until the page has hydrated and its socket is live. */
async function waitLive(page) {
  await base.expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
}

/** Opens a socket to `path` and resolves once it is open. */
function openSocket(baseURL, socketPath) {
  const url = baseURL.replace(/^http/, 'ws') + socketPath;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Publishes fixes through the seed protocol, as the seed's phones did. */
async function publisher(baseURL) {
  const ws = await openSocket(baseURL, '/');
  return {
    fix(userId, lat, lng) {
      ws.send(JSON.stringify({ userId, lat, lng }));
    },
    close() {
      ws.close();
    },
  };
}

/** Publishes through protocol v1, with the device's own time `t` when given. */
async function v1Publisher(baseURL) {
  const ws = await openSocket(baseURL, '/ws');
  let id = 0;
  return {
    fix(runner, lat, lng, t) {
      id += 1;
      const data = t === undefined ? { lat, lng } : { lat, lng, t };
      ws.send(JSON.stringify({ type: 'publish', id, topic: `runner:${runner}`, data }));
    },
    close() {
      ws.close();
    },
  };
}

/** The event the e2e server tracks (the bundled demo event, without its simulation). */
async function raceView(baseURL) {
  const response = await fetch(`${baseURL}/api/race`);
  return response.json();
}

/** Saves a full-page screenshot as a test artifact. */
async function snapshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Every label drawn on the map and on screen, with its box; and the pairs of them
 * that overlap (by more than half a pixel). */
async function labelsOnScreen(page) {
  return page.evaluate(() => {
    const map = document.querySelector('.live-map').getBoundingClientRect();
    const shown = [];
    for (const el of document.querySelectorAll('.live-map .leaflet-tooltip')) {
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right < map.left || r.left > map.right || r.bottom < map.top || r.top > map.bottom) continue;
      shown.push({ text: el.textContent, mark: el.classList.contains('mark-label'), x0: r.left, y0: r.top, x1: r.right, y1: r.bottom });
    }
    const overlaps = [];
    for (let i = 0; i < shown.length; i++) {
      for (let j = i + 1; j < shown.length; j++) {
        const a = shown[i];
        const b = shown[j];
        const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
        const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
        if (w > 0.5 && h > 0.5) overlaps.push(`"${a.text}" and "${b.text}"`);
      }
    }
    const hidden = document.querySelectorAll('.live-map .leaflet-tooltip.label-hidden').length;
    const counted = [...document.querySelectorAll('.live-map .runner-tag .more')].map((m) => m.textContent).filter(Boolean);
    return { shown, overlaps, hidden, counted };
  });
}

/** Waits until the server at `url` answers `/healthz` (at most `tries` × 50 ms). */
async function waitHealthy(url, tries = 400) {
  for (let i = 0; i < tries; i++) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
    } catch (_) { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('server did not start');
}

/**
 * Makes an organiser who can sign in to /admin, with the real CLI
 * (`spectate admin add-user`) on the test server's data directory, the password on
 * stdin. The paths are playwright.config.js's.
 */
function addOrganiser(name, password) {
  const { bin, data } = serverPaths();
  require('child_process').execFileSync(
    bin,
    ['admin', 'add-user', name, '--data-dir', data],
    { input: `${password}\n`, stdio: ['pipe', 'pipe', 'pipe'] },
  );
}

/** Stops a server a spec started itself, and waits for it to exit. */
async function stopServer(server) {
  if (!server) return;
  await new Promise((resolve) => {
    server.once('exit', resolve);
    server.kill('SIGTERM');
  });
}

/** The server binary and data directory of playwright.config.js. */
function serverPaths() {
  const root = path.resolve(__dirname, '..', '..');
  return {
    bin: process.env.SPECTATE_BIN || path.join(root, 'target/debug/spectate'),
    data: path.join(root, 'target/e2e-data'),
  };
}

/** A token for `runner`, signed with the e2e server's secret (its data dir). */
function runnerToken(runner) {
  const { bin, data } = serverPaths();
  const env = { ...process.env };
  delete env.SPECTATE_SECRET;
  return require('child_process')
    .execFileSync(bin, ['token', '--runner', runner, '--data-dir', data], { env })
    .toString()
    .trim();
}

/** Fills the organiser's sign-in form on `page` and sends it. */
async function signIn(page, name, password) {
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
}

module.exports = {
  test, expect: base.expect, watch, waitLive, openSocket, publisher, v1Publisher, raceView, snapshot, waitHealthy,
  labelsOnScreen, addOrganiser, runnerToken, signIn, stopServer,
};

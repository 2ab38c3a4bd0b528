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

module.exports = {
  test, expect: base.expect, watch, waitLive, openSocket, publisher, v1Publisher, raceView, snapshot, waitHealthy,
};

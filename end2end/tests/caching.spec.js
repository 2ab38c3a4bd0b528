// A returning spectator downloads almost nothing: the static files have hashed names
// and are kept for a year, the pages are revalidated, a page loads only what it uses,
// and going back to the map restores it from the back/forward cache.
const { test, expect, waitLive, publisher } = require('./fixtures');

// Playwright starts Chromium with the back/forward cache off; these tests need it.
test.use({
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  },
});

const YEAR = 'public, max-age=31536000, immutable';

/** Every request the page makes, with whether the network answered it and its bytes. */
async function recordNetwork(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const requests = new Map();
  cdp.on('Network.requestWillBeSent', (e) => {
    requests.set(e.requestId, { url: e.request.url, cached: false, bytes: 0, headers: {} });
  });
  cdp.on('Network.requestServedFromCache', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.cached = true;
  });
  cdp.on('Network.responseReceived', (e) => {
    const r = requests.get(e.requestId);
    if (r) {
      r.headers = e.response.headers;
      r.cached = r.cached || e.response.fromDiskCache || e.response.fromPrefetchCache;
    }
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.bytes = e.encodedDataLength;
  });
  return {
    all: () => [...requests.values()],
    clear: () => requests.clear(),
  };
}

const header = (r, name) => Object.entries(r.headers).find(([k]) => k.toLowerCase() === name)?.[1];

test('static files have hashed names kept for a year, pages are revalidated, and a reload fetches no wasm', async ({ page }) => {
  const net = await recordNetwork(page);
  await page.goto('/');
  await waitLive(page);
  await expect(page.locator('.live-map')).toHaveAttribute('data-ready', 'true');
  const first = net.all();
  const html = first.find((r) => new URL(r.url).pathname === '/');
  expect(header(html, 'cache-control')).toBe('no-cache');
  const hashed = {
    wasm: /\/pkg\/spectate(_bg)?\.[0-9a-f]{16}\.wasm$/,
    js: /\/pkg\/spectate\.[0-9a-f]{16}\.js$/,
    css: /\/pkg\/spectate\.[0-9a-f]{16}\.css$/,
    leafletJs: /\/vendor\/leaflet\/leaflet\.[0-9a-f]{16}\.js$/,
    leafletCss: /\/vendor\/leaflet\/leaflet\.[0-9a-f]{16}\.css$/,
  };
  for (const [name, pattern] of Object.entries(hashed)) {
    const r = first.find((x) => pattern.test(x.url));
    expect(r, `${name} is loaded under a hashed name`).toBeTruthy();
    expect(header(r, 'cache-control'), name).toBe(YEAR);
  }

  net.clear();
  await page.reload();
  await waitLive(page);
  await expect(page.locator('.live-map')).toHaveAttribute('data-ready', 'true');
  const again = net.all();
  const wasm = again.filter((r) => hashed.wasm.test(r.url));
  expect(wasm.every((r) => r.cached), 'the wasm comes from the cache').toBe(true);
  const fromNetwork = again.filter((r) => !r.cached && !r.url.startsWith('data:'));
  expect(fromNetwork.map((r) => new URL(r.url).pathname).filter((p) => /^\/(pkg|vendor)\//.test(p))).toEqual([]);
  const bytes = fromNetwork.reduce((sum, r) => sum + r.bytes, 0);
  expect(bytes, `a warm reload downloads ${bytes} B`).toBeLessThan(20_000);

  // A file asked for under a name that is not its hash is not answered as that file.
  const wrong = await page.request.get('/pkg/spectate.0000000000000000.wasm');
  expect(wrong.status()).toBe(404);
});

test('the dashboard loads no Leaflet; the map loads it when it mounts', async ({ page }) => {
  const net = await recordNetwork(page);
  await page.goto('/dashboard');
  await waitLive(page);
  await expect(page.locator('canvas').first()).toBeVisible();
  expect(net.all().map((r) => r.url).filter((u) => u.includes('/vendor/leaflet/'))).toEqual([]);
  await page.click('nav a[href="/"]');
  await expect(page.locator('.live-map')).toHaveAttribute('data-ready', 'true');
  expect(net.all().filter((r) => r.url.includes('/vendor/leaflet/')).length).toBe(2);
});

test('back to the map comes from the back/forward cache, reconnects at once and catches up', async ({ page, baseURL }) => {
  await page.goto('/?follow=e2e-bfcache');
  await waitLive(page);
  const phone = await publisher(baseURL);
  phone.fix('e2e-bfcache', 51.5, -0.12);
  const tag = page.locator('.runner-tag[data-runner="e2e-bfcache"]');
  await expect(tag).toHaveAttribute('data-lat', '51.5');
  // Every status the page shows from now on.
  await page.evaluate(() => {
    window.shown = [];
    window.addEventListener('pageshow', (e) => { window.restored = e.persisted; });
    const status = document.querySelector('.status');
    new MutationObserver(() => window.shown.push(status.dataset.status))
      .observe(status, { attributes: true, attributeFilter: ['data-status'] });
  });

  await page.goto('/room');
  await waitLive(page);
  phone.fix('e2e-bfcache', 51.25, -0.12); // published while the map was away
  // Restored from the cache: there is no load event to wait for.
  await page.goBack({ waitUntil: 'commit' });
  expect(await page.evaluate(() => window.restored)).toBe(true);
  await waitLive(page);
  await expect(tag).toHaveAttribute('data-lat', '51.25');
  phone.fix('e2e-bfcache', 51.75, -0.12);
  await expect(tag).toHaveAttribute('data-lat', '51.75');
  // It never waited out a reconnect's backoff: closed on the way out, opened on return.
  const shown = await page.evaluate(() => window.shown);
  expect(shown).not.toContain('reconnecting');
  expect(shown).toContain('live');
  phone.close();
});

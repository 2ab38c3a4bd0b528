// `/embed` (issue 19): the live map and leaderboard in an iframe on the race's own
// site. Two "race sites" are served here on other ports of 127.0.0.1 (other origins):
// the e2e server names the first (its port + 100) with --embed-origin, not the second
// (+ 101), so the browser's own frame-ancestors check is what is tested. (Sites on
// loopback: Chromium keeps a public site from framing a loopback server at all.)
const http = require('http');
const { test, expect, v1Publisher, raceView } = require('./fixtures');

const PORT = Number(process.env.SPECTATE_E2E_PORT || 3917);
const NAMED = PORT + 100;
const OTHER = PORT + 101;

/** `[lat, lng]` about `metres` along the course (the view has a point per 25 m). */
function along(view, metres) {
  return view.event.line[Math.round(metres / 25)];
}

/** A race site on `port`: `/frame?src=URL&style=CSS` is a page framing URL. */
function raceSite(port) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    const src = url.searchParams.get('src') || '';
    const style = url.searchParams.get('style') || 'width:900px;height:700px';
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><meta name="viewport" content="width=device-width">
      <title>Race site</title><style>body{margin:0}</style><h1>Our race</h1>
      <iframe id="live" title="Live tracking" style="border:0;${style}" src="${src}"></iframe>`);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

let sites = [];
test.beforeAll(async () => {
  sites = await Promise.all([raceSite(NAMED), raceSite(OTHER)]);
});
test.afterAll(() => sites.forEach((s) => s.close()));

/** Opens the site on `port`, framing `path` of ours. */
async function framed(page, baseURL, port, path, style) {
  const query = new URLSearchParams({ src: `${baseURL}${path}` });
  if (style) query.set('style', style);
  await page.goto(`http://127.0.0.1:${port}/frame?${query}`);
  return page.frameLocator('#live');
}

test('the race site named by --embed-origin shows the live map and board in its iframe', async ({ page, baseURL }) => {
  const view = await raceView(baseURL);
  const phone = await v1Publisher(baseURL);
  const [lat0, lng0] = along(view, 2000);
  phone.fix('e2e-embed', lat0, lng0);

  const frame = await framed(page, baseURL, NAMED, '/embed?follow=e2e-embed&height=320');
  await expect(frame.locator('.status')).toHaveAttribute('data-status', 'live');
  await expect(frame.locator('h1')).toHaveText('Spectate demo run');
  // Not the site's header or search: the map, at the asked height, and the board.
  await expect(frame.locator('.topbar')).toHaveCount(0);
  await expect(frame.locator('#follow-input')).toHaveCount(0);
  const box = await frame.locator('.live-map-wrap').boundingBox();
  expect(Math.round(box.height)).toBe(320);
  await expect(frame.locator('#board-title')).toBeVisible();
  await expect(frame.locator('.board tr[data-runner]').first()).toBeVisible();
  // Live: a fix published now moves the followed runner's marker in the frame (a
  // runner outside the event, which open mode takes, so no other test's board moves).
  await expect(frame.locator('.live-map')).toHaveAttribute('data-ready', 'true');
  const [lat1, lng1] = along(view, 2400);
  phone.fix('e2e-embed', lat1, lng1);
  await expect(frame.locator('.runner-tag[data-runner="e2e-embed"]')).toHaveAttribute('data-lat', String(lat1));
  // The link out opens the full map with the same follow, in a new tab.
  const out = frame.locator('a.embed-open');
  await expect(out).toHaveAttribute('href', '/?follow=e2e-embed');
  await expect(out).toHaveAttribute('target', '_blank');
  phone.close();
});

test('a site not named cannot frame the map, and no site can frame the other pages', async ({ browser, baseURL }) => {
  // Chromium reports each refused frame as a console error: that refusal is the test.
  const page = await browser.newPage();
  const refusals = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && msg.text().includes('frame-ancestors')) refusals.push(msg.text());
  });
  let frame = await framed(page, baseURL, OTHER, '/embed?follow=e2e-embed');
  await expect(page.locator('h1')).toHaveText('Our race');
  await expect.poll(() => refusals.length).toBe(1);
  await expect(frame.locator('.live-map-wrap')).toHaveCount(0);
  // The named site may frame /embed only: not the console's sign-in, not the map page.
  for (const path of ['/admin/sign-in', '/']) {
    frame = await framed(page, baseURL, NAMED, path);
    await expect(page.locator('h1')).toHaveText('Our race');
    await expect(frame.locator('input[name=password], #follow-input')).toHaveCount(0);
  }
  await expect.poll(() => refusals.length).toBe(3);
  await page.close();
});

test('the embed without its board fits a phone-sized frame', async ({ page, baseURL }) => {
  await page.setViewportSize({ width: 360, height: 640 });
  const frame = await framed(page, baseURL, NAMED, '/embed?board=0&height=300', 'width:100%;height:360px');
  await expect(frame.locator('.status')).toHaveAttribute('data-status', 'live');
  await expect(frame.locator('#board-title')).toHaveCount(0);
  const box = await frame.locator('.live-map-wrap').boundingBox();
  expect(Math.round(box.height)).toBe(300);
  expect(box.width).toBeGreaterThan(320);
  expect(box.width).toBeLessThanOrEqual(360);
});

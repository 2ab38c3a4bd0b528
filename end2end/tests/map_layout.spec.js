// A map that stays readable: labels never cover one another, the leaderboard fits its
// column at every width, a phone keeps the map near the top, and a link to follow
// runners is one press away.
//
// The spec starts a server of its own (the demo event: 12 runners on a 12.8 km loop
// that passes its 3 km mark again at 10 km), so that the bunches it puts the field in
// move no other spec's runners.
const { spawn } = require('child_process');
const path = require('path');
const fs = require('fs');
const { test, expect, waitLive, publisher, v1Publisher, raceView, snapshot, labelsOnScreen, waitHealthy, stopServer } = require('./fixtures');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = process.env.SPECTATE_BIN || path.join(ROOT, 'target/debug/spectate');
const PORT = Number(process.env.SPECTATE_E2E_LAYOUT_PORT || 3921);
const BASE = `http://127.0.0.1:${PORT}`;
const DIR = path.join(ROOT, 'target/e2e-layout');

let server;

test.use({ baseURL: BASE });

test.beforeAll(async () => {
  fs.rmSync(DIR, { recursive: true, force: true });
  server = spawn(BIN, ['serve', '--open', '--addr', `127.0.0.1:${PORT}`, '--log-level', 'warn',
    '--event', path.join(ROOT, 'server/assets/demo/event.toml'), '--tile-url', 'none',
    '--data-dir', DIR, '--site-root', path.join(ROOT, 'target/site')], { stdio: 'inherit' });
  await waitHealthy(BASE);
});

test.afterAll(async () => {
  await stopServer(server);
});

/** `[lat, lng]` about `metres` along the course (the view has a point per 25 m). */
function along(view, metres) {
  return view.event.line[Math.round(metres / 25)];
}

/** Puts the whole demo field in three bunches: at 3 km and 10 km (the same stretch of
 * the loop, run in opposite directions) and at Halfway, plus a followed runner from
 * outside the event whose last fix is three minutes old (a long "last seen" label). */
async function bunchTheField(baseURL) {
  const view = await raceView(baseURL);
  const phone = await publisher(baseURL);
  const places = {
    1: 2950, 2: 3000, 3: 3025, 4: 3050,
    5: 9975, 6: 10000, 7: 10025, 8: 10050,
    9: 6375, 10: 6400, 11: 6425, 12: 6450,
  };
  for (const [bib, metres] of Object.entries(places)) {
    const [lat, lng] = along(view, metres);
    phone.fix(bib, lat, lng);
  }
  const late = await v1Publisher(baseURL);
  const [lat, lng] = along(view, 6410);
  late.fix('e2e-late', lat, lng, Date.now() - 3 * 60 * 1000);
  await new Promise((r) => setTimeout(r, 300));
  phone.close();
  late.close();
}

test('no label covers another, at a phone and a laptop size', async ({ browser, baseURL }) => {
  await bunchTheField(baseURL);
  for (const [width, height, mobile] of [[360, 740, true], [1366, 768, false]]) {
    const context = await browser.newContext({ viewport: { width, height }, isMobile: mobile, hasTouch: mobile });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${baseURL}/?follow=3,6,10,e2e-late`);
    await waitLive(page);
    await expect(page.locator('.live-map')).toHaveAttribute('data-markers', '13');
    // The stale runner's long label, and every runner of the field labelled (a small field).
    await expect(page.locator('.runner-tag[data-runner="e2e-late"]')).toContainText(/no signal since \d\d:\d\d/);
    await expect(page.locator('.runner-tag')).toHaveCount(13);
    await expect.poll(async () => (await labelsOnScreen(page)).overlaps, { timeout: 8000 }).toEqual([]);
    // Still so after the markers' glides have ended.
    await page.waitForTimeout(1200);
    const labels = await labelsOnScreen(page);
    expect(labels.overlaps, `${width}px: overlapping labels`).toEqual([]);
    // The checkpoints on screen are all labelled, and the followed runners too.
    const texts = labels.shown.map((l) => l.text);
    expect(texts.filter((t) => /Halfway|3 km \/ 10 km/.test(t)).length, texts.join(' | ')).toBe(2);
    for (const name of ['3 Alan Turing', '6 Donald Knuth', '10 Ken Thompson', 'e2e-late']) {
      expect(texts.some((t) => t.startsWith(name)), `${width}px: ${name} among ${texts.join(' | ')}`).toBe(true);
    }
    // Bibs of the bunched field were hidden, and counted on the labels that stayed.
    expect(labels.hidden).toBeGreaterThan(0);
    expect(labels.counted.length).toBeGreaterThan(0);
    // Zoomed out, the bunches merge further: still nothing overlaps.
    await page.locator('.leaflet-control-zoom-out').click();
    await page.locator('.leaflet-control-zoom-out').click();
    await expect.poll(async () => (await labelsOnScreen(page)).overlaps, { timeout: 8000 }).toEqual([]);
    await snapshot(page, `map-labels-${width}px`);
    expect(problems).toEqual([]);
    await context.close();
  }
});

test('the leaderboard fits its column, with every star in reach, from 320 to 1920 px', async ({ page }) => {
  test.setTimeout(90_000);
  for (const [width, height] of [[320, 700], [360, 740], [414, 800], [768, 900], [1024, 768], [1280, 800], [1366, 768], [1920, 1080]]) {
    await page.setViewportSize({ width, height });
    await page.goto('/?follow=6');
    await waitLive(page);
    const rows = page.locator('.board tbody tr');
    await expect(rows).toHaveCount(12);
    // Nothing wider than its box: no star cut off behind a scrollbar nobody sees.
    const fit = await page.evaluate(() => {
      const scroll = document.querySelector('.leaderboard .table-scroll');
      const board = document.querySelector('.board').getBoundingClientRect();
      const panel = document.querySelector('.leaderboard').getBoundingClientRect();
      return { overflow: scroll.scrollWidth - scroll.clientWidth, right: board.right, panelRight: panel.right };
    });
    expect(fit.overflow, `${width}px: the board scrolls sideways`).toBeLessThanOrEqual(0);
    expect(fit.right, `${width}px: the board leaves its panel`).toBeLessThanOrEqual(fit.panelRight + 0.5);
    // Every row in turn scrolled into view: its star is on screen and nothing covers
    // it, and its name is on one line beside its bib, never wrapped under it.
    const problems = await page.evaluate(() => {
      const found = [];
      document.querySelectorAll('.board tbody tr').forEach((tr, i) => {
        tr.scrollIntoView({ block: 'nearest' });
        const star = tr.querySelector('.follow-toggle');
        const r = star.getBoundingClientRect();
        if (r.left < 0 || r.right > innerWidth) found.push(`row ${i}: star at ${r.left}..${r.right}`);
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        if (!star.contains(hit)) found.push(`row ${i}: star covered by ${hit && hit.outerHTML.slice(0, 60)}`);
        const range = document.createRange();
        range.selectNodeContents(tr.querySelector('td.name button'));
        const middles = [...range.getClientRects()].map((q) => (q.top + q.bottom) / 2);
        if (Math.max(...middles) - Math.min(...middles) > 8) found.push(`row ${i}: the name wraps`);
      });
      return found;
    });
    expect(problems, `${width}px`).toEqual([]);
    // And a real click reaches the last row's star.
    await rows.last().locator('.follow-toggle').click({ trial: true, timeout: 2000 });
  }
  // At 1366x768, at least ten rows without scrolling the page: with a runner's panel
  // open and without.
  await page.setViewportSize({ width: 1366, height: 768 });
  for (const path of ['/?follow=6', '/']) {
    await page.goto(path);
    await waitLive(page);
    await expect(page.locator('.board tbody tr')).toHaveCount(12);
    const visible = await page.evaluate(() => [...document.querySelectorAll('.board tbody tr')].filter((tr) => {
      const star = tr.querySelector('.follow-toggle').getBoundingClientRect();
      const x = star.left + star.width / 2;
      const y = star.top + star.height / 2;
      return y > 0 && y < innerHeight && tr.querySelector('.follow-toggle').contains(document.elementFromPoint(x, y));
    }).length);
    expect(visible, `${path}: rows in view at 1366x768`).toBeGreaterThanOrEqual(10);
    expect(await page.evaluate(() => scrollY)).toBe(0);
  }
  await snapshot(page, 'map-board-1366');
});

test('on a phone, four follows keep the map near the top, and a tapped marker shows its panel', async ({ browser, baseURL }) => {
  // The four followed runners spread around the loop, so each marker can be tapped.
  const view = await raceView(baseURL);
  const phone = await publisher(baseURL);
  for (const [bib, metres] of [['3', 1000], ['6', 4500], ['10', 8000], ['12', 11500]]) {
    const [lat, lng] = along(view, metres);
    phone.fix(bib, lat, lng);
  }
  await new Promise((r) => setTimeout(r, 300));
  phone.close();
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${baseURL}/?follow=3,6,10,12`);
  await waitLive(page);
  await expect(page.locator('.chip')).toHaveCount(4);
  await expect(page.locator('.live-map')).toHaveAttribute('data-ready', 'true');
  // The chips are one line, scrolling sideways; the map starts within 300 px.
  const tops = await page.locator('.chip').evaluateAll((chips) => chips.map((c) => Math.round(c.getBoundingClientRect().top)));
  expect(new Set(tops).size, `chip rows: ${tops}`).toBe(1);
  const map = await page.locator('.live-map-wrap').boundingBox();
  expect(map.y, 'the map starts within the first 300 px').toBeLessThanOrEqual(300);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  // The panel is below the map, out of view, until a marker is tapped.
  const facts = page.locator('.runner-panel .facts');
  await expect(facts).not.toBeInViewport({ ratio: 1 });
  await page.locator('.runner-dot-wrap[title="10 Ken Thompson"]').tap();
  await expect(page.locator('.runner-panel')).toHaveAttribute('data-runner', '10');
  await expect(facts).toBeInViewport({ ratio: 1 });
  await expect(page.locator('.runner-panel h2')).toBeInViewport();
  await snapshot(page, 'map-phone-panel');
  expect(problems).toEqual([]);
  await context.close();
});

test('share: the follow link is copied with "Link copied", or handed to the share sheet', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  const page = await context.newPage();
  await page.goto(`${baseURL}/?follow=3,7`);
  await waitLive(page);
  // This Chromium has no share sheet: the link goes to the clipboard.
  expect(await page.evaluate(() => typeof navigator.share)).toBe('undefined');
  await page.getByRole('button', { name: 'Share a link to follow these runners' }).click();
  await expect(page.locator('.share-note')).toHaveText('Link copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${baseURL}/?follow=3,7`);
  await expect(page.locator('.share-note')).toHaveCount(0, { timeout: 8000 });
  // The runner panel shares that runner alone.
  await page.locator('.runner-panel').getByRole('button', { name: 'Share a link to follow Alan Turing' }).click();
  await expect(page.locator('.share-note')).toHaveText('Link copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${baseURL}/?follow=3`);
  await context.close();

  // With the Web Share API, the share sheet gets the title and the link.
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await phone.addInitScript(() => {
    window.__shared = [];
    navigator.share = (data) => { window.__shared.push(data); return Promise.resolve(); };
  });
  const sheet = await phone.newPage();
  await sheet.goto(`${baseURL}/?follow=3,7`);
  await waitLive(sheet);
  await sheet.getByRole('button', { name: 'Share a link to follow these runners' }).tap();
  await expect.poll(() => sheet.evaluate(() => window.__shared)).toEqual([
    { title: 'Follow Alan Turing and Margaret Hamilton live', url: `${baseURL}/?follow=3,7` },
  ]);
  await expect(sheet.locator('.share-note')).toHaveCount(0);
  await phone.close();

  // Neither a share sheet nor a clipboard (a page over plain HTTP): the link is shown.
  const bare = await browser.newContext();
  await bare.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined });
  });
  const plain = await bare.newPage();
  await plain.goto(`${baseURL}/?follow=3`);
  await waitLive(plain);
  await plain.getByRole('button', { name: 'Share a link to follow these runners' }).click();
  await expect(plain.locator('.share-link')).toHaveValue(`${baseURL}/?follow=3`);
  await bare.close();
});

// The spectator's page: search and follow, shared links, markers that move, the
// stale cue, the leaderboard's order, the runner panel, and a phone-sized layout.
// The e2e server tracks the demo event (12 runners, a 12.8 km course) and publishes
// nothing by itself: each test sends the fixes it needs, for its own runners.
const { test, expect, waitLive, publisher, v1Publisher, raceView, snapshot } = require('./fixtures');

/** `[lat, lng]` about `metres` along the course (the view has a point per 25 m). */
function along(view, metres) {
  return view.event.line[Math.round(metres / 25)];
}

test('search by name, pick a suggestion, and the follow is in the URL and chips', async ({ page }) => {
  await page.goto('/');
  await waitLive(page);
  await expect(page.locator('h1')).toHaveText('Spectate demo run');
  await expect(page.locator('.live-map')).toHaveAttribute('data-ready', 'true');
  await page.fill('#follow-input', 'grace');
  const options = page.locator('#follow-suggestions [role=option]');
  await expect(options).toHaveCount(1);
  await expect(options.first()).toContainText('Grace Hopper');
  await page.press('#follow-input', 'Enter');
  await expect(page).toHaveURL(/\?follow=2$/);
  await expect(page.locator('.chip[data-runner="2"]')).toContainText('Grace Hopper');
  // By bib, with the keyboard: "1" suggests 1, 10, 11, 12; ArrowDown picks the second.
  await page.fill('#follow-input', '1');
  await expect(options.first()).toHaveAttribute('data-runner', '1');
  await page.press('#follow-input', 'ArrowDown');
  await expect(options.nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.press('#follow-input', 'Enter');
  await expect(page).toHaveURL(/\?follow=2,10$/);
  // Follows persist: a bare / reopens with them.
  await page.goto('/');
  await expect(page).toHaveURL(/\?follow=2,10$/);
  await expect(page.locator('.chip')).toHaveCount(2);
  // Chips are removable.
  await page.click('.chip[data-runner="10"] a');
  await expect(page).toHaveURL(/\?follow=2$/);
  await page.click('.chip[data-runner="2"] a');
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator('.chip')).toHaveCount(0);
  await page.goto('/');
  await expect(page.locator('.chip')).toHaveCount(0);
});

test('a shared link opens with its follows, and a published fix moves the marker', async ({ page, baseURL }) => {
  const view = await raceView(baseURL);
  const phone = await publisher(baseURL);
  const [lat0, lng0] = along(view, 1000);
  phone.fix('3', lat0, lng0);
  phone.fix('e2e-cy', 51.5033, -0.1195);
  await new Promise((r) => setTimeout(r, 200));

  await page.goto('/?follow=3,e2e-cy');
  await waitLive(page);
  await expect(page.locator('.chip')).toHaveCount(2);
  const tag = page.locator('.runner-tag[data-runner="3"]');
  await expect(tag).toHaveAttribute('data-lat', String(lat0));
  await expect(tag).toContainText('3 Alan Turing');
  await expect(page.locator('.runner-tag[data-runner="e2e-cy"]')).toHaveAttribute('data-lat', '51.5033');
  // A followed runner's marker is a keyboard stop: Enter on it opens their panel.
  await page.locator('.runner-dot-wrap[title="e2e-cy"]').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.runner-panel')).toHaveAttribute('data-runner', 'e2e-cy');
  await page.locator('.runner-dot-wrap[title="3 Alan Turing"]').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.runner-panel')).toHaveAttribute('data-runner', '3');
  // Leave only runner 3 so the view fits them.
  await page.click('.chip[data-runner="e2e-cy"] a');
  await expect(page).toHaveURL(/\?follow=3$/);
  await page.waitForTimeout(300);
  const before = await tag.boundingBox();

  const [lat1, lng1] = along(view, 1100);
  phone.fix('3', lat1, lng1);
  await expect(tag).toHaveAttribute('data-lat', String(lat1));
  await page.waitForTimeout(1200); // the glide takes up to a second
  const after = await tag.boundingBox();
  expect(Math.hypot(after.x - before.x, after.y - before.y)).toBeGreaterThan(3);
  // The panel of the followed runner, with their speed and the course's elevation.
  await expect(page.locator('.runner-panel[data-runner="3"] h2')).toContainText('Alan Turing');
  // (Its speed needs 10 s of fixes, as the board's pace does: numbers.spec.js.)
  await expect(page.getByRole('img', { name: 'Speed of runner 3' })).toBeVisible();
  // The course profile (130 points, every 100 m) and the runner on it.
  await expect(page.getByRole('img', { name: /^Elevation along the course/ })).toHaveAttribute('data-points', '131');
  // The user pans: auto-fit stops and "Recenter" appears; pressing it resumes.
  await expect(page.locator('.recenter')).toBeHidden();
  const map = await page.locator('.live-map').boundingBox();
  await page.mouse.move(map.x + map.width / 2, map.y + map.height / 2);
  await page.mouse.down();
  await page.mouse.move(map.x + map.width / 2 + 120, map.y + map.height / 2 + 60, { steps: 8 });
  await page.mouse.up();
  await expect(page.locator('.recenter')).toBeVisible();
  await page.click('.recenter');
  await expect(page.locator('.recenter')).toBeHidden();
  await snapshot(page, 'map-following');
  phone.close();
});

test('a runner whose last fix is old turns grey with "no signal since"', async ({ page, baseURL }) => {
  const view = await raceView(baseURL);
  const phone = await v1Publisher(baseURL);
  const [lat, lng] = along(view, 2000);
  // Taken three minutes ago (a phone that lost its signal since).
  const taken = Date.now() - 3 * 60 * 1000;
  phone.fix('4', lat, lng, taken);
  await page.goto('/?follow=4');
  await waitLive(page);
  const tag = page.locator('.runner-tag[data-runner="4"]');
  await expect(tag).toHaveAttribute('data-stale', 'true');
  // The time of day in the event's time zone (the demo's start is 09:00+01:00).
  const since = new Date(taken + view.event.utc_offset_min * 60_000).toISOString().slice(11, 16);
  await expect(tag).toContainText(`no signal since ${since}`);
  await expect(page.locator('.runner-panel .last-seen')).toHaveText('3 min ago');
  // A fresh fix brings them back.
  const [lat1, lng1] = along(view, 2050);
  phone.fix('4', lat1, lng1);
  await expect(tag).toHaveAttribute('data-stale', 'false');
  await expect(tag).not.toContainText('no signal');
  phone.close();
});

test('the leaderboard orders runners by distance, and a row follows its runner', async ({ page, baseURL }) => {
  const view = await raceView(baseURL);
  const phone = await v1Publisher(baseURL);
  // Ten minutes ago, so that runner 8's 2 km to overtake below is a run (3.3 m/s),
  // not a jump the intake refuses.
  const t = Date.now() - 600_000;
  // Runner 6 is 3 km in, runner 8 1.5 km in.
  for (const [bib, metres] of [['6', 3000], ['8', 1500]]) {
    const [lat, lng] = along(view, metres);
    phone.fix(bib, lat, lng, t);
  }
  await page.goto('/');
  await waitLive(page);
  const rows = page.locator('.board tbody tr');
  const order = async () => (await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.runner)));
  await expect.poll(async () => {
    const o = await order();
    return o.indexOf('6') >= 0 && o.indexOf('6') < o.indexOf('8') && o.indexOf('8') < o.indexOf('1');
  }).toBe(true);
  await expect(page.locator('.board tr[data-runner="6"] .distance')).toHaveText(/^(2\.9|3\.0)\d km$/);
  // Runner 8 overtakes: the board reorders within one refresh.
  const [lat, lng] = along(view, 3500);
  phone.fix('8', lat, lng, Date.now());
  await expect.poll(async () => {
    const o = await order();
    return o.indexOf('8') < o.indexOf('6');
  }, { timeout: 12_000 }).toBe(true);
  // Follow from the board.
  await page.click('.board tr[data-runner="8"] .follow-toggle');
  await expect(page).toHaveURL(/\?follow=8$/);
  await expect(page.locator('.board tr[data-runner="8"] .follow-toggle')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('.runner-panel[data-runner="8"]')).toBeVisible();
  await snapshot(page, 'map-leaderboard');
  phone.close();
});

test('"follow the leaders" follows the first three', async ({ page }) => {
  await page.goto('/');
  await waitLive(page);
  await page.click('button.leaders');
  await expect(page).toHaveURL(/\?follow=[^,]+,[^,]+,[^,]+$/);
  await expect(page.locator('.chip')).toHaveCount(3);
});

test('on a 360 px phone the map and the controls do not overlap', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${baseURL}/?follow=6`);
  await waitLive(page);
  await expect(page.locator('.live-map')).toHaveAttribute('data-ready', 'true');
  const boxes = {};
  for (const [name, sel] of [['header', '.topbar'], ['search', '.follow-form'], ['chips', '.follow-row'], ['map', '.live-map-wrap']]) {
    boxes[name] = await page.locator(sel).boundingBox();
    expect(boxes[name].x, `${name} starts on screen`).toBeGreaterThanOrEqual(0);
    expect(boxes[name].x + boxes[name].width, `${name} fits 360 px`).toBeLessThanOrEqual(360.5);
  }
  const below = (a, b) => boxes[b].y >= boxes[a].y + boxes[a].height - 0.5;
  expect(below('search', 'chips'), 'chips below the search').toBe(true);
  expect(below('chips', 'map'), 'map below the chips').toBe(true);
  expect(boxes.map.height).toBeGreaterThan(250);
  // Nothing scrolls sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  const button = await page.locator('.follow-form button').boundingBox();
  expect(button.height, 'a thumb-sized target').toBeGreaterThanOrEqual(44);
  await snapshot(page, 'map-360px');
  expect(problems).toEqual([]);
  await context.close();
});

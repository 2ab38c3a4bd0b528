// Numbers a spectator can trust: every figure of the board is the board's latest (a
// gap that changes alone is redrawn), a runner without signal says so and has no
// live pace, and the runner panel's speed agrees with its pace on a noisy track.
// The e2e server tracks the demo event (12 runners, 12.8 km) and publishes nothing by
// itself: each test sends its own runners' fixes, with the phones' own times.
const { test, expect, waitLive, v1Publisher, raceView, snapshot } = require('./fixtures');

/** `[lat, lng]` `metres` along the course, between the view's points (every 25 m). */
function along(view, metres) {
  const line = view.event.line;
  const k = Math.min(metres / 25, line.length - 1);
  const i = Math.min(Math.floor(k), line.length - 2);
  const f = k - i;
  return [0, 1].map((j) => line[i][j] + (line[i + 1][j] - line[i][j]) * f);
}

/** The board's row of `bib`, as the server has it now. */
async function row(baseURL, bib) {
  const board = await (await fetch(`${baseURL}/api/leaderboard`)).json();
  return board.standings.find((s) => String(s.bib) === bib);
}

/** How the page writes a gap (format::gap); both roundings of an exact half. */
function gapTexts(m) {
  if (m < 1) return ['leader'];
  if (m < 1000) return [...new Set([Math.floor(m + 0.5), Math.ceil(m - 0.5)])].map((x) => `+${x} m`);
  return [`+${(m / 1000).toFixed(1)} km`];
}

/** `hh:mm` of `ms` in the demo event's time zone (its start is 09:00+01:00, Paris in
 * November). */
function clock(ms) {
  return new Date(ms + 60 * 60_000).toISOString().slice(11, 16);
}

/** The value of a fact of the runner panel ("Pace", "Status"...). */
function fact(page, name) {
  return page.locator('.runner-panel .facts div').filter({ has: page.getByText(name, { exact: true }) }).locator('dd');
}

test('a gap that changes while nothing else of the row does is redrawn', async ({ page, baseURL }) => {
  const view = await raceView(baseURL);
  const phone = await v1Publisher(baseURL);
  const t = Date.now() - 30_000;
  // Runner 9 leads at 5 km, runner 12 is 1 km behind.
  phone.fix('9', ...along(view, 5000), t);
  phone.fix('12', ...along(view, 4000), t);
  await page.goto('/');
  await waitLive(page);
  const gap = page.locator('.board tr[data-runner="12"] .gap');
  await expect.poll(async () => (await row(baseURL, '9'))?.position).toBe(1);
  const before = await row(baseURL, '12');
  await expect(gap).toHaveText(gapTexts(before.gap_m)[0]);
  // The leader runs on 200 m; runner 12 sends nothing: their distance, position,
  // status and pace stay, only their gap grows.
  phone.fix('9', ...along(view, 5200), Date.now());
  await expect.poll(async () => (await row(baseURL, '12')).gap_m).toBeGreaterThan(before.gap_m + 150);
  const after = await row(baseURL, '12');
  for (const key of ['distance_m', 'position', 'status', 'pace_s_per_km', 'last_seen_ms']) {
    expect(after[key], key).toEqual(before[key]);
  }
  await expect(gap).toHaveText(new RegExp(`^(${gapTexts(after.gap_m).join('|').replace(/\+/g, '\\+')})$`));
  phone.close();
});

test('a runner without signal is marked in the board, on the map and in the panel, with no live pace', async ({ page, baseURL }) => {
  const view = await raceView(baseURL);
  const phone = await v1Publisher(baseURL);
  const now = Date.now();
  // Runner 5 ran 600 m in two minutes (a pace), then went silent three minutes ago.
  const last = now - 3 * 60_000;
  phone.fix('5', ...along(view, 1000), now - 5 * 60_000);
  phone.fix('5', ...along(view, 1600), last);
  await expect.poll(async () => (await row(baseURL, '5'))?.status).toBe('stale');
  const stale = await row(baseURL, '5');
  expect(stale.pace_s_per_km, 'no live pace').toBeNull();
  expect(stale.finish.eta_ms, 'no ETA from an old pace').toBeNull();

  await page.goto('/?follow=5');
  await waitLive(page);
  const mark = `no signal since ${clock(last)}`;
  const boardRow = page.locator('.board tr[data-runner="5"]');
  await expect(boardRow).toHaveAttribute('data-status', 'no signal');
  await expect(boardRow).toContainText(mark);
  await expect(boardRow.locator('.pace')).toHaveText('–');
  await expect(page.locator('.runner-tag[data-runner="5"]')).toContainText(mark);
  await expect(fact(page, 'Pace')).toHaveText('–');
  await expect(fact(page, 'Status')).toHaveText(mark);
  // Their speed chart keeps its history, but its legend gives no speed now.
  const speed = page.locator('.runner-panel figure.chart').first();
  await expect(speed.locator('canvas')).toHaveAttribute('data-points', '1');
  await expect(speed.locator('.legend .latest')).toHaveCount(0);
  await snapshot(page, 'numbers-no-signal');
  // A fresh fix brings them back: running, the mark gone.
  phone.fix('5', ...along(view, 1650), Date.now());
  await expect(boardRow).toHaveAttribute('data-status', 'running');
  await expect(boardRow).not.toContainText('no signal');
  await expect(page.locator('.runner-tag[data-runner="5"]')).not.toContainText('no signal');
  phone.close();
});

/** A seeded normal sample (Box-Muller over a small LCG), so the noise is the same
 * on every run. */
function noise(seed) {
  let s = seed;
  const uniform = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s + 1) / 2147483649;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

test('the speed chart agrees with the pace on a noisy track, and the charts say what they show', async ({ page, baseURL }) => {
  const view = await raceView(baseURL);
  const phone = await v1Publisher(baseURL);
  // Runner 7 runs 3.5 m/s for four minutes, a fix every 5 s, each off by GPS noise of
  // 6 m (one sigma) in each direction.
  const gauss = noise(7);
  const start = Date.now() - 240_000;
  for (let k = 0; k <= 48; k++) {
    const [lat, lng] = along(view, 2000 + 3.5 * 5 * k);
    const dLat = (6 * gauss()) / 111_320;
    const dLng = (6 * gauss()) / (111_320 * Math.cos((lat * Math.PI) / 180));
    phone.fix('7', lat + dLat, lng + dLng, start + k * 5000);
    await new Promise((r) => setTimeout(r, 60)); // within the publish rate
  }
  await expect.poll(async () => (await row(baseURL, '7'))?.pace_s_per_km).not.toBeNull();

  await page.goto('/?follow=7');
  await waitLive(page);
  const panel = page.locator('.runner-panel[data-runner="7"]');
  await expect(fact(page, 'Pace')).toHaveText(/^\d+:\d\d \/km$/);
  const speedLegend = panel.locator('figure.chart').first().locator('.legend li').first().locator('.latest');
  await expect(speedLegend).toHaveText(/^\d+\.\d km\/h$/);
  const [m, s] = (await fact(page, 'Pace').textContent()).match(/(\d+):(\d\d)/).slice(1).map(Number);
  const paceKmh = 3600 / (m * 60 + s);
  const chartKmh = parseFloat(await speedLegend.textContent());
  expect(Math.abs(chartKmh - paceKmh) / paceKmh, `chart ${chartKmh} km/h, pace ${paceKmh.toFixed(2)} km/h`).toBeLessThan(0.05);

  // Both charts name their axes.
  await expect(panel.locator('figure.chart').first().locator('.axis-title')).toHaveText(['Speed (km/h)', 'Time of day']);
  await expect(panel.locator('.profile-chart .axis-title')).toHaveText(['Elevation (m)', 'Distance (km)']);
  // The elevation legend gives the runner's elevation, and only theirs (not the
  // finish's, the course series' last point).
  const distance = (await row(baseURL, '7')).distance_m;
  const profile = view.event.profile;
  const i = profile.findIndex((p) => p[0] > distance);
  const [a, b] = [profile[i - 1], profile[i]];
  const expected = a[1] + ((b[1] - a[1]) * (distance - a[0])) / (b[0] - a[0]);
  const values = (await panel.locator('.profile-chart .legend .latest').allTextContents()).filter((v) => v !== '' && v !== '–');
  expect(values).toHaveLength(1);
  expect(Math.abs(parseFloat(values[0]) - expected)).toBeLessThan(0.2);
  await snapshot(page, 'numbers-runner-panel');
  phone.close();
});

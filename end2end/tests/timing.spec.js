// Split times in the page: the runner panel's table, the followed runners on the
// course profile with their projected finish, and the in-page notice of a split,
// shown once even when the socket drops and the page resumes. The e2e server tracks
// the demo event (checkpoints at 3 km, 6.4 km "Halfway" and 10 km); the test takes a
// runner no other file has sent a fix for (they share the server).
const { test, expect, waitLive, v1Publisher, raceView, snapshot } = require('./fixtures');

/** A promise with its resolve. */
function deferred() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

/** A runner of the event with no fix yet: other files' tests move theirs. */
async function untouchedRunner(baseURL) {
  const board = await (await fetch(`${baseURL}/api/leaderboard`)).json();
  const free = board.standings.filter((s) => s.last_seen_ms == null);
  expect(free.length, 'a runner nobody has moved').toBeGreaterThan(0);
  const last = free[free.length - 1];
  return { bib: String(last.bib), name: last.name };
}

/** `[lat, lng]` about `metres` along the course (the view has a point per 25 m). */
function along(view, metres) {
  return view.event.line[Math.round(metres / 25)];
}

test('the panel tables the splits, and a split shows one notice, across a reconnect too', async ({ page, baseURL }) => {
  const view = await raceView(baseURL);
  const { bib, name } = await untouchedRunner(baseURL);
  // Every socket of the page goes through here: the test can drop one, and hold each
  // reconnect back until it has published what the page is to catch up on.
  const routes = [];
  const gates = [deferred(), deferred()];
  await page.routeWebSocket(/\/ws(\?|$)/, async (ws) => {
    const n = routes.push(ws);
    if (n > 1) await gates[n - 2].promise;
    const server = ws.connectToServer();
    if (n === 3) {
      // This reconnect's resume names another run of the server: the answer is a gap
      // and a fresh snapshot, which repeats the splits the page has already seen.
      ws.onMessage((message) => {
        const msg = JSON.parse(message);
        if (msg.type === 'subscribe' && msg.resume) msg.resume.epoch = 'another-run';
        server.send(JSON.stringify(msg));
      });
    }
  });

  // A browser where the spectator allowed notifications: each one is recorded.
  await page.addInitScript(() => {
    window.shown = [];
    window.Notification = class {
      static get permission() { return 'granted'; }
      static requestPermission() { return Promise.resolve('granted'); }
      constructor(title, options) { window.shown.push({ title, ...options }); }
    };
  });

  await page.goto(`/?follow=${bib}`);
  await waitLive(page);
  const panel = page.locator(`.runner-panel[data-runner="${bib}"]`);
  await expect(panel.locator('table.splits caption')).toHaveText('Splits');
  await expect(panel.locator('.splits-empty')).toBeVisible();
  // On the course profile, once the runner has a position.
  const mine = page.locator(`.progress-list li[data-runner="${bib}"]`);
  await expect(mine).toContainText(name);

  // Runner 5 passes 3 km halfway between two fixes 40 s apart, 21 minutes ago (so
  // that the last fixes below, 20 minutes later, are recent: a runner silent for
  // 2 minutes has no pace and no ETA).
  const phone = await v1Publisher(baseURL);
  const t0 = Date.now() - 21.5 * 60_000;
  phone.fix(bib, ...along(view, 2900), t0);
  phone.fix(bib, ...along(view, 3100), t0 + 40_000);

  const notices = page.locator(`.split-alert[data-runner="${bib}"]`);
  await expect(notices).toHaveCount(1);
  await expect(notices.first()).toHaveAttribute('data-point', '0');
  await expect(notices.first()).toContainText(new RegExp(`^${bib} ${name} passed 3 km at \\d\\d:\\d\\d:\\d\\d · [\\d:]+ · \\d+(st|nd|rd|th)`));

  // The table row says what the server recorded.
  const api = await (await fetch(`${baseURL}/api/runners/${bib}/splits`)).json();
  expect(api.splits).toHaveLength(1);
  const split = api.splits[0];
  expect(Math.abs(split.at_ms - (t0 + 20_000))).toBeLessThan(1_000);
  const row = panel.locator('table.splits tbody tr[data-point="0"]');
  await expect(row.locator('.checkpoint')).toHaveText('3 km');
  await expect(row.locator('.time')).toHaveText(split.time);
  await expect(row.locator('.rank')).toHaveText(String(split.rank));
  // From the gun: the demo event's start is days ago here, too slow a pace to show.
  await expect(row.locator('.pace')).toHaveText(/^(–|\d+:\d\d)$/);
  await expect(row.locator('.elapsed')).toHaveText(/^\d+:\d\d:\d\d$/);
  await expect(panel.locator('.splits-empty')).toHaveCount(0);
  await expect(page.locator(`.progress-runner[data-runner="${bib}"] .progress-dot`)).toBeVisible();

  // The socket drops. While the page waits to reconnect, the runner passes Halfway.
  await routes[0].close();
  await expect(page.locator('.status')).not.toHaveAttribute('data-status', 'live');
  phone.fix(bib, ...along(view, 6300), t0 + 440_000);
  phone.fix(bib, ...along(view, 6500), t0 + 480_000);
  await expect.poll(async () => {
    const now = await (await fetch(`${baseURL}/api/runners/${bib}/splits`)).json();
    return now.splits.length;
  }).toBe(2);
  gates[0].resolve();
  await waitLive(page);
  expect(routes.length).toBe(2);

  // The resume brings the Halfway split: one notice for it, none again for 3 km.
  await expect(page.locator(`.split-alert[data-runner="${bib}"][data-point="1"]`)).toHaveCount(1);
  await expect(page.locator(`.split-alert[data-runner="${bib}"][data-point="1"]`)).toContainText('passed Halfway');
  await page.waitForTimeout(500);
  await expect(notices).toHaveCount(2);
  await expect(page.locator(`.split-alert[data-runner="${bib}"][data-point="0"]`)).toHaveCount(1);
  await expect(panel.locator('table.splits tbody tr')).toHaveCount(2);
  await expect(panel.locator('table.splits tbody tr[data-point="1"] .checkpoint')).toHaveText('Halfway');
  // Its section pace: 3.4 km from the 3 km split, as the server measured it.
  const halfway = (await (await fetch(`${baseURL}/api/runners/${bib}/splits`)).json()).splits[1];
  const s = Math.round(halfway.pace_s_per_km);
  expect(Math.abs(s - (halfway.at_ms - split.at_ms) / 3400)).toBeLessThan(1);
  await expect(panel.locator('table.splits tbody tr[data-point="1"] .pace'))
    .toHaveText(`${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`);

  // Dropped again, and this time the resume fails: the fresh snapshot repeats 3 km
  // and Halfway, which show no second notice; only the new 10 km split does.
  await routes[1].close();
  await expect(page.locator('.status')).not.toHaveAttribute('data-status', 'live');
  phone.fix(bib, ...along(view, 9900), t0 + 1_200_000);
  phone.fix(bib, ...along(view, 10100), t0 + 1_240_000);
  await expect.poll(async () => {
    const now = await (await fetch(`${baseURL}/api/runners/${bib}/splits`)).json();
    return now.splits.length;
  }).toBe(3);
  gates[1].resolve();
  await waitLive(page);
  await expect(page.locator(`.split-alert[data-runner="${bib}"][data-point="2"]`)).toHaveCount(1);
  await page.waitForTimeout(500);
  await expect(notices).toHaveCount(3);
  for (const point of ['0', '1', '2']) {
    await expect(page.locator(`.split-alert[data-runner="${bib}"][data-point="${point}"]`)).toHaveCount(1);
  }
  await expect(panel.locator('table.splits tbody tr')).toHaveCount(3);
  // The runner was heard from a minute ago, with a pace: the finish has an ETA and a
  // projected finish time, in the panel and in the list of followed runners.
  await expect(mine.locator('.progress-finish')).toContainText(/finish in .* · projected \d+:\d\d:\d\d/);
  await expect(panel.locator('.facts')).toContainText('projected');
  // One system notification per split too, never repeated.
  const shown = await page.evaluate(() => window.shown);
  expect(shown.map((n) => n.tag)).toEqual([0, 1, 2].map((p) => `split-${bib}-${p}`));
  expect(shown[1].body).toContain(`${bib} ${name} passed Halfway at`);
  // A notice goes when dismissed.
  await notices.first().locator('button.close').click();
  await expect(notices).toHaveCount(2);

  for (const [width, height] of [[1366, 768], [360, 740]]) {
    await page.setViewportSize({ width, height });
    await snapshot(page, `timing-splits-${width}`);
  }
  await panel.screenshot({ path: 'artifacts/timing-panel-360.png' });
  await page.locator('.course-progress').screenshot({ path: 'artifacts/timing-progress-360.png' });

  phone.close();
});

test('the spectator is asked once for system notifications, from the followed runners panel', async ({ page }) => {
  await page.addInitScript(() => {
    window.permission = 'default';
    window.Notification = class {
      static get permission() { return window.permission; }
      static requestPermission() {
        window.permission = 'granted';
        return Promise.resolve('granted');
      }
    };
  });
  await page.goto('/?follow=5');
  await waitLive(page);
  const ask = page.locator('.course-progress button.notify');
  await expect(ask).toHaveText('Notify me of their splits');
  await ask.click();
  await expect(ask).toHaveCount(0);
  expect(await page.evaluate(() => window.permission)).toBe('granted');
});

// The runner page: a phone opens its personal link, shares its location, and its
// fixes reach the runner's followers with the phone's own timestamps.
const { test, expect, waitLive, openSocket, snapshot, v1Publisher, runnerToken } = require('./fixtures');


/** Resolves with the first event on `topic` seen by a v1 subscriber. */
async function firstEvent(baseURL, topic) {
  const ws = await openSocket(baseURL, '/ws');
  ws.send(JSON.stringify({ type: 'subscribe', topics: [topic] }));
  return new Promise((resolve) => {
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString());
      if (msg.type === 'event' && msg.topic === topic) {
        ws.close();
        resolve(msg);
      }
    });
  });
}

test('the runner page publishes the phone position with its token', async ({ browser, baseURL }) => {
  const context = await browser.newContext({
    permissions: ['geolocation'],
    geolocation: { latitude: 48.8584, longitude: 2.2945, accuracy: 8 },
  });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  page.on('pageerror', (err) => errors.push(err.message));

  const event = firstEvent(baseURL, 'runner:e2e-track');
  await page.goto(`/track?token=${runnerToken('e2e-track')}`);
  await waitLive(page);
  await expect(page.getByTestId('track-runner')).toHaveText('Runner e2e-track');
  await page.getByTestId('track-start').click();

  const fix = await event;
  expect(fix.data.lat).toBe(48.8584);
  expect(fix.data.lng).toBe(2.2945);
  await expect(page.getByTestId('track-sent')).toHaveText('1');
  await expect(page.getByTestId('track-waiting')).toHaveText('0');
  await expect(page.getByTestId('track-last')).toHaveText('48.85840, 2.29450 (±8 m)');
  await snapshot(page, 'track-runner-page');
  await page.getByTestId('track-stop').click();
  await expect(page.getByTestId('track-start')).toBeEnabled();
  expect(errors).toEqual([]);
  await context.close();
});

test('without a token the runner page says how to open it', async ({ page }) => {
  await page.goto('/track');
  await waitLive(page);
  await expect(page.locator('.notice')).toContainText('personal tracking link');
});

/** A fake location for the page: the test calls `__fix(lat, lng, t)` and
 * `__locationError(message)` where a phone's GPS would. */
function fakeLocation() {
  window.__geo = {};
  const geo = {
    watchPosition(ok, err) { window.__geo.ok = ok; window.__geo.err = err; return 1; },
    clearWatch() {},
    getCurrentPosition() {},
  };
  Object.defineProperty(Navigator.prototype, 'geolocation', { get: () => geo, configurable: true });
  window.__fix = (lat, lng, t) => window.__geo.ok({ coords: { latitude: lat, longitude: lng, accuracy: 5 }, timestamp: t });
  window.__locationError = (message) => window.__geo.err({ code: 3, message });
}

test('the runner page shows the runner their own race, by name', async ({ page, baseURL }) => {
  const view = await (await fetch(`${baseURL}/api/race`)).json();
  const phone = await openSocket(baseURL, '/');
  const [lat, lng] = view.event.line[Math.round(1500 / 25)];
  phone.send(JSON.stringify({ userId: '5', lat, lng }));
  await new Promise((r) => setTimeout(r, 300));
  phone.close();
  await page.goto(`/track?token=${runnerToken('5')}`);
  await waitLive(page);
  await expect(page.getByTestId('track-runner')).toHaveText('5 Barbara Liskov');
  await expect(page.locator('.track-event')).toHaveText('Spectate demo run');
  await expect(page.getByTestId('track-done')).toHaveText(/^1\.\d\d km$/);
  await expect(page.getByTestId('track-to-go')).toHaveText(/^11\.\d\d km$/);
  // Of the whole field, as the event has it now (setup.spec.js imports runners).
  await expect(page.getByTestId('track-rank')).toHaveText(new RegExp(`^\\d+ of ${view.event.runners}$`));
  await expect(page.getByTestId('track-next')).toHaveText(/^3 km, 1\.\d\d km away$/);
  await expect(page.getByTestId('track-next-eta')).toBeVisible();
  await expect(page.getByTestId('track-pace')).toBeVisible();
  await expect(page.getByTestId('track-finish')).toBeVisible();
  await expect(page.getByTestId('track-link')).toHaveText('Live: press Start to share your position');
  await snapshot(page, 'track-own-race');
});

test('cheers to the runner are shown on their page, and read aloud when they ask', async ({ browser, baseURL }) => {
  // A cheer sent before the runner opens the page.
  const early = await (await browser.newContext()).newPage();
  await early.goto('/?follow=5');
  await waitLive(early);
  await early.fill('#cheer-name', 'Early bird');
  await early.selectOption('#cheer-to', '5');
  await early.fill('#room-input', 'You can do it');
  await early.press('#room-input', 'Enter');
  await expect(early.locator('.messages li.mine')).toHaveCount(1);

  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await context.addInitScript(() => {
    window.__spoken = [];
    const synth = { speak: (u) => window.__spoken.push(u.text), cancel() {}, getVoices: () => [] };
    Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true });
    window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  });
  const runner = await context.newPage();
  await runner.goto(`/track?token=${runnerToken('5')}`);
  await waitLive(runner);
  await expect(runner.locator('.cheers h2')).toHaveText('Cheers for you');
  await expect(runner.locator('.cheers .messages li .text')).toHaveText(['You can do it']);
  await expect(runner.locator('.cheers .messages li .who')).toHaveText(['Early bird']);
  await runner.getByTestId('track-speak').check();
  await expect.poll(() => runner.evaluate(() => window.__spoken)).toEqual(['Cheers will be read aloud.']);

  await early.fill('#room-input', 'Go Barbara!');
  await early.press('#room-input', 'Enter');
  await expect(runner.locator('.cheers .messages li .text')).toHaveText(['You can do it', 'Go Barbara!']);
  await expect.poll(() => runner.evaluate(() => window.__spoken)).toEqual(['Cheers will be read aloud.', 'Early bird: Go Barbara!']);
  // Turned off, and kept off for the next visit.
  await runner.getByTestId('track-speak').uncheck();
  await early.fill('#room-input', 'Quietly now');
  await early.press('#room-input', 'Enter');
  await expect(runner.locator('.cheers .messages li')).toHaveCount(3);
  expect(await runner.evaluate(() => window.__spoken.length)).toBe(2);
  await runner.reload();
  await waitLive(runner);
  await expect(runner.getByTestId('track-speak')).not.toBeChecked();
  await snapshot(runner, 'track-cheers');
  await context.close();
});

test('offline, the status says how many fixes wait, and they go when the link is back', async ({ browser }) => {
  const context = await browser.newContext();
  await context.addInitScript(fakeLocation);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`/track?token=${runnerToken('e2e-offline')}`);
  await waitLive(page);
  await expect(page.getByTestId('track-runner')).toHaveText('Runner e2e-offline');
  await page.getByTestId('track-start').click();
  const t0 = Date.now() - 60_000;
  await page.evaluate((t) => window.__fix(48.85, 2.29, t), t0);
  await expect(page.getByTestId('track-sent')).toHaveText('1');
  await expect(page.getByTestId('track-link')).toHaveText('Live: sharing your position');

  await context.setOffline(true);
  await expect(page.getByTestId('track-link')).toHaveAttribute('data-state', 'offline');
  for (let i = 1; i <= 3; i++) {
    await page.evaluate(([t, k]) => window.__fix(48.85 + k * 0.0001, 2.29, t), [t0 + i * 10_000, i]);
  }
  await expect(page.getByTestId('track-link')).toHaveText('Offline, 3 fixes waiting');
  await expect(page.getByTestId('track-waiting')).toHaveText('3');

  await context.setOffline(false);
  await expect(page.getByTestId('track-waiting')).toHaveText('0', { timeout: 20_000 });
  await expect(page.getByTestId('track-sent')).toHaveText('4');
  await expect(page.getByTestId('track-link')).toHaveText('Live: sharing your position');
  expect(errors).toEqual([]);
  await context.close();
});

test('a passing location error clears itself with the next fix', async ({ browser }) => {
  const context = await browser.newContext();
  await context.addInitScript(fakeLocation);
  const page = await context.newPage();
  await page.goto(`/track?token=${runnerToken('e2e-gps')}`);
  await waitLive(page);
  await page.getByTestId('track-start').click();
  await page.evaluate(() => window.__locationError('Timeout expired'));
  await expect(page.getByTestId('track-location-error')).toContainText('Timeout expired');
  await page.evaluate(() => window.__fix(48.85, 2.29, Date.now()));
  await expect(page.getByTestId('track-location-error')).toHaveCount(0);
  await expect(page.getByTestId('track-sent')).toHaveText('1');
  await context.close();
});

test('a link the server refuses says so plainly, and only that', async ({ page }) => {
  await page.goto('/track?token=not-a-real-token');
  await waitLive(page);
  const refused = page.getByTestId('track-refused');
  await expect(refused).toContainText('This tracking link is not valid');
  await expect(refused).toContainText('Ask the organiser for a new link.');
  await expect(page.getByText('Checking your link')).toHaveCount(0);
  await expect(page.getByTestId('track-start')).toBeDisabled();
  await snapshot(page, 'track-refused');
});

test('the runner page lists the runner\'s last three splits as they pass', async ({ page, baseURL }) => {
  const view = await (await fetch(`${baseURL}/api/race`)).json();
  // A runner no other test has moved: other files share the server.
  const board = await (await fetch(`${baseURL}/api/leaderboard`)).json();
  const free = board.standings.filter((s) => s.last_seen_ms == null);
  expect(free.length, 'a runner nobody has moved').toBeGreaterThan(0);
  const bib = String(free[0].bib);
  await page.goto(`/track?token=${runnerToken(bib)}`);
  await waitLive(page);
  const table = page.locator('.track-race table.splits');
  await expect(table.locator('caption')).toHaveText('Splits');
  await expect(page.locator('.track-race .splits-empty')).toBeVisible();

  // The runner passes the three checkpoints (3 km, Halfway, 10 km) and the finish at
  // 4 m/s, the last fix 5 minutes ago.
  const line = view.event.line;
  const at = (metres) => line[Math.min(line.length - 1, Math.round(metres / 25))];
  const finish = (line.length - 1) * 25;
  const phone = await v1Publisher(baseURL);
  const t0 = Date.now() - 5 * 60_000 - (finish / 4) * 1000;
  for (const metres of [2900, 3100, 6300, 6500, 9900, 10100, finish - 100, finish]) {
    phone.fix(bib, ...at(metres), t0 + (metres / 4) * 1000);
  }
  // Four splits, of which the page keeps the last three: Halfway, 10 km, the finish.
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toHaveAttribute('data-point', '1');
  await expect(rows.nth(2)).toHaveClass(/finish/);
  await expect(page.locator('.track-race .splits-empty')).toHaveCount(0);
  phone.close();
  await snapshot(page, 'track-splits');
});

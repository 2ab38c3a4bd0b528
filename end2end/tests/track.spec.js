// The runner page: a phone opens its personal link, shares its location, and its
// fixes reach the runner's followers with the phone's own timestamps.
const { execFileSync } = require('child_process');
const path = require('path');
const { test, expect, waitLive, openSocket, snapshot } = require('./fixtures');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = process.env.SPECTATE_BIN || path.join(ROOT, 'target/debug/spectate');

/** A token for `runner`, signed with the e2e server's secret (its data dir). */
function runnerToken(runner) {
  const env = { ...process.env };
  delete env.SPECTATE_SECRET;
  return execFileSync(BIN, ['token', '--runner', runner, '--data-dir', path.join(ROOT, 'target/e2e-data')], { env })
    .toString()
    .trim();
}

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

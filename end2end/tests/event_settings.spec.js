// The event set up in the browser (issue 19): the settings changed on /admin/event,
// a course upload refused (not GPX, a 50 MB file) then taken, a checkpoint placed at
// the new course's GPX waypoint and drawn on the map and the profile, and the new
// name seen by spectators. At race size: a 1,000-runner event.
//
// The spec starts its own server, on its own port, with its own event and store: it
// changes the course, which every other spec's server must keep.
const { spawn, execFileSync } = require('child_process');
const path = require('path');
const fs = require('fs');
const { test, expect, snapshot, waitHealthy, signIn, stopServer } = require('./fixtures');
const { seriousProblems } = require('./axe');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = process.env.SPECTATE_BIN || path.join(ROOT, 'target/debug/spectate');
const PORT = Number(process.env.SPECTATE_E2E_EVENT_PORT || 3923);
const BASE = `http://127.0.0.1:${PORT}`;
const DIR = path.join(ROOT, 'target/e2e-event');
const PASSWORD = 'a long enough password';

let server;

test.beforeAll(async () => {
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  const event = path.join(DIR, 'event.toml');
  fs.writeFileSync(event, execFileSync(path.join(ROOT, 'bench/event.sh'), ['Big field', 'big', '1000']));
  const data = path.join(DIR, 'data');
  execFileSync(BIN, ['admin', 'add-user', 'ana', '--data-dir', data], { input: `${PASSWORD}\n` });
  server = spawn(BIN, ['serve', '--open', '--addr', `127.0.0.1:${PORT}`, '--log-level', 'warn',
    '--event', event, '--tile-url', 'none', '--data-dir', data,
    '--site-root', path.join(ROOT, 'target/site')], { stdio: 'inherit' });
  await waitHealthy(BASE);
});

test.afterAll(async () => {
  await stopServer(server);
});

/** A straight course east along the Seine, a point every ~73 m with elevations, and a
 * waypoint "Bridge" half way. */
function gpx() {
  const points = Array.from({ length: 11 }, (_, i) =>
    `<trkpt lat="48.8600" lon="${(2.33 + 0.001 * i).toFixed(4)}"><ele>${30 + 2 * i}</ele></trkpt>`).join('\n');
  return '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">\n' +
    '<wpt lat="48.8600" lon="2.3350"><name>Bridge</name></wpt>\n' +
    `<trk><name>Night run</name><trkseg>\n${points}\n</trkseg></trk>\n</gpx>\n`;
}

async function upload(page, name, buffer) {
  // Playwright takes a file over 50 MB only from disk.
  const file = path.join(DIR, name);
  fs.writeFileSync(file, buffer);
  await page.setInputFiles('#course input[type=file]', file);
  await page.click('text=Upload the course');
}

test('the event set up in the browser: settings, a course refused then taken, a checkpoint at its waypoint', async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ baseURL: BASE });
  const page = await context.newPage();
  // Console errors with the address they are about: the refusals below are answered
  // 4xx, which Chromium reports as failed loads, and on the 413's plain-text answer
  // it asks for /favicon.ico; anything else fails the test.
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto('/admin/sign-in');
  await signIn(page, 'ana', PASSWORD);
  await page.click('text=Event');
  await expect(page.locator('input[name=name]')).toHaveValue('Big field');
  await expect(page.locator('input[name=offset]')).toHaveValue('+01:00');

  // A spectator with the map open before the change.
  const spectator = await context.newPage();
  await spectator.goto('/');
  await expect(spectator.locator('.status')).toHaveAttribute('data-status', 'live', { timeout: 30_000 });

  await page.fill('input[name=name]', 'Riverside Night Run');
  await page.fill('input[name=start]', '2026-11-29T21:00:00');
  await page.click('text=Save the event');
  await expect(page.locator('#event-history')).toContainText('ana: name "Big field" → "Riverside Night Run"');
  await expect(page.locator('#event-history')).toContainText('start "2026-11-29T09:00:00+01:00" → "2026-11-29T21:00:00+01:00"');

  // Refused, each with its reason, and nothing saved.
  await upload(page, 'runners.csv', Buffer.from('bib,name\n1,Ada\n'));
  await expect(page.locator('#problems')).toContainText('the GPX file: line 1: not well-formed XML');
  await expect(page.locator('#problems')).toContainText('nothing was saved');
  await upload(page, 'huge.gpx', Buffer.alloc(50 * 1024 * 1024, 32));
  await expect(page.locator('body')).toContainText('over the limit');
  await page.goto('/admin/event');
  await expect(page.locator('#course-map figcaption')).toContainText('12.');

  // Taken: the new course is drawn, then a checkpoint at its waypoint on map and profile.
  await upload(page, 'night.gpx', Buffer.from(gpx()));
  await expect(page.locator('#course-map figcaption')).toContainText('The course, 0.73 km');
  await page.fill('input[name=cp0_name]', 'Bridge');
  await page.fill('input[name=cp0_at]', 'Bridge');
  await page.click('text=Save the event');
  await expect(page.locator('#course-map text', { hasText: 'Bridge' })).toHaveCount(1);
  await expect(page.locator('#course-profile text', { hasText: 'Bridge' })).toHaveCount(1);
  await expect(page.locator('#event-history')).toContainText('a new course, 0.73 km');
  expect(await seriousProblems(page)).toEqual([]);
  for (const width of [360, 1366]) {
    await page.setViewportSize({ width, height: 900 });
    await snapshot(page, `event-settings-${width}`);
  }

  // The open map is told, and shows the new event once reloaded.
  const notice = spectator.getByTestId('event-changed');
  await expect(notice).toContainText('The organisers changed the event');
  await notice.getByText('Reload to see it').click();
  await expect(spectator.locator('h1')).toContainText('Riverside Night Run');
  await expect(spectator.getByTestId('event-changed')).toHaveCount(0);

  // Spectators see the new event.
  const view = await (await fetch(`${BASE}/api/race`)).json();
  expect(view.event.name).toBe('Riverside Night Run');
  expect(view.event.marks.map((m) => m.name)).toEqual(['Start', 'Bridge', 'Finish']);
  await page.goto('/');
  await expect(page.locator('h1')).toContainText('Riverside Night Run');
  const expected = /status of (413|422) .*\/admin\/event\/course$|status of 404 .*\/favicon\.ico$/;
  expect(problems.filter((p) => !expected.test(p))).toEqual([]);
  await context.close();
});

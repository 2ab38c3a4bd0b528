// Race control (issue 19): an organiser signs in, sets a DNF on /admin/race, and an
// already open map shows it on the board without reload while the runner leaves the
// ranking; an announcement appears live on the map and the runner's page, and in
// the first paint of a page opened after. In Chromium against the real server.
const { test, expect, watch, waitLive, v1Publisher, raceView, snapshot, addOrganiser, runnerToken, signIn } = require('./fixtures');
const { seriousProblems } = require('./axe');

const NAME = 'rita';
const PASSWORD = 'a long enough password';
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

test.beforeAll(() => addOrganiser(NAME, PASSWORD));

/** A signed-in organiser's page on /admin/race, in a context of its own. */
async function organiser(browser) {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/admin/race');
  await expect(page).toHaveURL(/\/admin\/sign-in$/);
  await signIn(page, NAME, PASSWORD);
  await expect(page).toHaveURL(/\/admin$/);
  await page.click('text=Race control');
  await expect(page.locator('h1')).toHaveText('Race control');
  return page;
}

async function setStatus(admin, bib, status, reason) {
  await admin.fill('input[name=bib]', bib);
  await admin.selectOption('select[name=status]', status);
  await admin.fill('input[name=reason]', reason);
  await admin.click('text=Set status');
  await expect(admin).toHaveURL(/\/admin\/race$/);
}

test('a DNF appearing on /', async ({ browser, baseURL }) => {
  // Runners 1, 2 and 3 on the course, 1 ahead of 2 (earlier specs moved others, on
  // the one e2e server: where 1 ranks depends on them).
  const view = await raceView(baseURL);
  const phone = await v1Publisher(baseURL);
  const t = Date.now() - 60_000;
  phone.fix('1', ...view.event.line[80], t);
  phone.fix('2', ...view.event.line[60], t);
  phone.fix('3', ...view.event.line[40], t);
  phone.close();

  const context = await browser.newContext(PHONE);
  const spectator = await context.newPage();
  const problems = watch(spectator);
  await spectator.goto('/?follow=1');
  await waitLive(spectator);
  const one = spectator.locator('.board tr[data-runner="1"]');
  const rank = async (bib) => Number(await spectator.locator(`.board tr[data-runner="${bib}"] .pos`).textContent());
  await expect.poll(async () => (await rank('1')) > 0 && (await rank('2')) > (await rank('1'))).toBe(true);
  const [oneWas, twoWas] = [await rank('1'), await rank('2')];
  await spectator.evaluate(() => { window.__sameDocument = true; });

  const admin = await organiser(browser);
  await setStatus(admin, '1', 'dnf', 'knee injury');
  await expect(admin.locator('#out tr[data-runner="1"]')).toContainText('knee injury');
  await expect(admin.locator('#out tr[data-runner="1"]')).toContainText(NAME);

  // The open page, without reload: out of the ranking, its reason on the board and
  // in the runner panel, listed after the ranked runners.
  await expect(one).toHaveAttribute('data-status', 'did not finish');
  await expect(one.locator('.verdict')).toHaveText('DNF — knee injury');
  await expect(one.locator('.pos')).toHaveText('–');
  await expect(spectator.locator('.board tr[data-runner="2"] .pos')).toHaveText(String(twoWas - 1));
  const order = await spectator.locator('.board tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.runner));
  expect(order.indexOf('1')).toBeGreaterThan(order.indexOf('3'));
  await expect(spectator.locator('.runner-panel')).toContainText('DNF — knee injury');
  await expect(spectator.locator('.live-map')).toHaveAttribute('data-ready', 'true');
  await expect(spectator.locator('.runner-tag[data-runner="1"]')).toContainText('DNF');
  expect(await spectator.evaluate(() => window.__sameDocument)).toBe(true);
  await snapshot(spectator, 'race-control-dnf-360');

  // Undone: back in the race, ranked again.
  await setStatus(admin, '1', 'racing', '');
  await expect(one.locator('.pos')).toHaveText(String(oneWas));
  await expect(one.locator('.verdict')).toHaveCount(0);
  expect(problems).toEqual([]);
  await context.close();
});

test('an announcement appears live on / and /track, and on a page opened after', async ({ browser }) => {
  const context = await browser.newContext(PHONE);
  const spectator = await context.newPage();
  const problems = watch(spectator);
  await spectator.goto('/');
  await waitLive(spectator);
  const runner = await context.newPage();
  const runnerProblems = watch(runner);
  await runner.goto(`/track?token=${runnerToken('5')}`);
  await waitLive(runner);
  await expect(runner.getByTestId('track-runner')).toContainText('5');

  const admin = await organiser(browser);
  const text = 'Course shortened: the hill loop is closed <b>now</b>';
  await admin.fill('input[name=text]', text);
  await admin.selectOption('select[name=audience]', 'both');
  await admin.click('text=Publish');
  await expect(admin.locator('#announcement')).toHaveText(text);

  for (const page of [spectator, runner]) {
    const banner = page.getByTestId('announcement');
    await expect(banner).toContainText(text);
    await expect(banner).toHaveAttribute('role', 'status');
    // Shown as text: the organiser's markup is not the page's.
    await expect(banner.locator('b')).toHaveCount(0);
  }
  expect(await seriousProblems(spectator)).toEqual([]);
  await snapshot(spectator, 'race-control-announcement-360');
  await snapshot(runner, 'race-control-announcement-track-360');

  // Opened after: in the first paint, before any script runs.
  const later = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await later.goto('/');
  await expect(later.getByTestId('announcement')).toContainText(text);

  // Dismissed on one page; cleared by the organiser on every other.
  await spectator.getByTestId('announcement').getByRole('button', { name: 'Dismiss' }).click();
  await expect(spectator.getByTestId('announcement')).toHaveCount(0);
  await admin.click('text=Clear the announcement');
  await expect(admin.locator('#announcement-none')).toBeVisible();
  await expect(runner.getByTestId('announcement')).toHaveCount(0);
  expect([...problems, ...runnerProblems]).toEqual([]);
  await context.close();
});

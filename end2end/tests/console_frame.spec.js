// The console's own frame (issue 19): every console page, the Leptos monitor and the
// server's plain pages alike, has the console's header (event, Monitor, Runners,
// Import, Race control, Event, who is signed in, Sign out) and not the spectators'
// one; it fits a 360 px phone without sideways scrolling, and axe finds nothing
// serious on any of them.
const { test, expect, watch, addOrganiser, signIn, raceView } = require('./fixtures');
const { seriousProblems } = require('./axe');

const NAME = 'cleo';
const PASSWORD = 'a long enough password';
const LINKS = [
  ['Monitor', '/admin/monitor'],
  ['Runners', '/admin/runners'],
  ['Import', '/admin/runners/import'],
  ['Race control', '/admin/race'],
  ['Event', '/admin/event'],
];
// Each page, and the link its header marks as the current one (none on /admin).
const PAGES = [
  ['/admin', null],
  ['/admin/monitor', 'Monitor'],
  ['/admin/runners', 'Runners'],
  ['/admin/runners/3', 'Runners'],
  ['/admin/runners/import', 'Import'],
  ['/admin/race', 'Race control'],
  ['/admin/event', 'Event'],
];

test.beforeAll(() => addOrganiser(NAME, PASSWORD));

/** A signed-in organiser's page, `width` px wide. */
async function organiser(browser, width) {
  const context = await browser.newContext({ viewport: { width, height: 800 } });
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto('/admin/sign-in');
  await expect(page.locator('.console-bar')).toHaveCount(0);
  await signIn(page, NAME, PASSWORD);
  await expect(page).toHaveURL(/\/admin$/);
  return { context, page, problems };
}

for (const width of [360, 1366]) {
  test(`every console page has the console's header at ${width} px, and nothing serious for axe`, async ({ browser, baseURL }) => {
    // The event's name as it is now (another spec may have renamed it).
    const { name: event } = (await raceView(baseURL)).event;
    const { context, page, problems } = await organiser(browser, width);
    for (const [path, current] of PAGES) {
      await page.goto(path);
      if (path === '/admin/monitor') {
        await expect(page.locator('#monitor-table tbody tr[data-bib]').first()).toBeVisible({ timeout: 30_000 });
      }
      const bar = page.locator('header.console-bar');
      await expect(bar, path).toHaveCount(1);
      await expect(page.locator('header.topbar'), path).toHaveCount(0);
      await expect(bar.locator('.console-event'), path).toHaveText(event);
      await expect(bar.locator('#organiser'), path).toHaveText(NAME);
      const nav = bar.getByRole('navigation', { name: 'Console' });
      for (const [label, href] of LINKS) {
        await expect(nav.getByRole('link', { name: label, exact: true }), `${path}: ${label}`).toHaveAttribute('href', href);
      }
      const marked = nav.locator('a[aria-current=page]');
      if (current) {
        await expect(marked, path).toHaveText(current);
      } else {
        await expect(marked, path).toHaveCount(0);
      }
      await expect(bar.getByRole('button', { name: 'Sign out' }), path).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
      expect(await seriousProblems(page), path).toEqual([]);
    }
    expect(problems).toEqual([]);
    await context.close();
  });
}

test('the monitor header leads to the server\'s pages, and signs out', async ({ browser }) => {
  const { context, page, problems } = await organiser(browser, 1366);
  await page.goto('/admin/monitor');
  await expect(page.locator('#monitor-table tbody tr[data-bib]').first()).toBeVisible({ timeout: 30_000 });
  const nav = page.getByRole('navigation', { name: 'Console' });
  await nav.getByRole('link', { name: 'Race control' }).click();
  await expect(page).toHaveURL(/\/admin\/race$/);
  await expect(page.locator('h1')).toHaveText('Race control');
  await nav.getByRole('link', { name: 'Monitor' }).click();
  await expect(page).toHaveURL(/\/admin\/monitor$/);
  await expect(page.locator('#monitor-table tbody tr[data-bib]').first()).toBeVisible({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/admin\/sign-in$/);
  await page.goto('/admin/monitor');
  await expect(page).toHaveURL(/\/admin\/sign-in$/);
  expect(problems).toEqual([]);
  await context.close();
});

// The spectators' search kept live (issue 19): a runner added in the console is
// found by the search of a map page that was open before, without a reload, and is
// gone from it once removed (the runner is removed again, so later specs see the
// field they expect).
const { test, expect, waitLive, addOrganiser, signIn } = require('./fixtures');

const NAME = 'sam';
const PASSWORD = 'a long enough password';
const BIB = '77';
const RUNNER = 'Quentin Quokka';

test.beforeAll(() => addOrganiser(NAME, PASSWORD));

test('a runner added in the console is found by an open map page\'s search, without a reload', async ({ page, browser, baseURL }) => {
  await page.goto('/');
  await waitLive(page);
  await expect(page.locator('.live-map')).toHaveAttribute('data-ready', 'true');
  const options = page.locator('#follow-suggestions [role=option]');
  await page.fill('#follow-input', 'quokka');
  await expect(options).toHaveCount(0);
  // Marks the document: a reload would lose it.
  await page.evaluate(() => { window.notReloaded = true; });

  const organiser = await browser.newContext();
  const admin = await organiser.newPage();
  await admin.goto('/admin/sign-in');
  await signIn(admin, NAME, PASSWORD);
  await admin.goto('/admin/runners');
  await admin.fill('input[name=bib]', BIB);
  await admin.fill('input[name=name]', RUNNER);
  try {
    await admin.getByRole('button', { name: 'Add runner' }).click();
    await expect(admin).toHaveURL(new RegExp(`/admin/runners/${BIB}$`));

    await page.fill('#follow-input', '');
    await page.fill('#follow-input', 'quokka');
    await expect(options).toHaveCount(1);
    await expect(options.first()).toContainText(RUNNER);
    await expect(options.first()).toHaveAttribute('data-runner', BIB);
    expect(await page.evaluate(() => window.notReloaded)).toBe(true);
  } finally {
    const removed = await organiser.request.post(`/admin/runners/${BIB}/remove`, { headers: { Origin: baseURL }, maxRedirects: 0 });
    expect(removed.status()).toBe(303);
  }
  await page.fill('#follow-input', '');
  await page.fill('#follow-input', 'quokka');
  await expect(options).toHaveCount(0);
  await organiser.close();
});

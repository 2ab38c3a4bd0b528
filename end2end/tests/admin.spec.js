// The organiser's console sign-in (issue 19): in Chromium against the real server,
// with an organiser made by the real CLI.
const { test, expect, addOrganiser, watch, signIn } = require('./fixtures');

const NAME = 'ana';
const PASSWORD = 'a long enough password';

test.beforeAll(() => addOrganiser(NAME, PASSWORD));


test('an organiser is sent to sign in, signs in, sees the console and signs out', async ({ page, context }) => {
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/admin\/sign-in$/);
  await signIn(page, NAME, PASSWORD);
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.locator('#organiser')).toHaveText(NAME);
  const [session] = (await context.cookies()).filter((c) => c.name === 'spectate_session');
  expect(session.httpOnly).toBe(true);
  expect(session.sameSite).toBe('Strict');
  // A page's script never sees it.
  expect(await page.evaluate(() => document.cookie)).not.toContain('spectate_session');

  await page.click('text=Sign out');
  await expect(page).toHaveURL(/\/admin\/sign-in$/);
  await page.goto('/admin');
  await expect(page).toHaveURL(/\/admin\/sign-in$/);
});

test('a wrong password and another site\'s form are refused', async ({ browser, baseURL }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // Chromium reports the 401 and 403 documents as failed loads: those are the
  // refusals under test; any other console error still fails it.
  const problems = watch(page);
  await page.goto('/admin/sign-in');
  await signIn(page, NAME, 'not the password');
  await expect(page.locator('#problem')).toHaveText('Wrong name or password.');
  await expect(page).toHaveURL(/\/admin\/sign-in$/);
  expect((await context.cookies()).map((c) => c.name)).not.toContain('spectate_session');

  // Another site's page that posts the right password to our form.
  await page.route('http://evil.test/**', (route) => route.fulfill({
    contentType: 'text/html',
    body: `<form method="post" action="${baseURL}/admin/sign-in">
      <input name="name" value="${NAME}"><input name="password" value="${PASSWORD}">
      <button type="submit">Win a prize</button></form>`,
  }));
  await page.goto('http://evil.test/');
  await page.click('text=Win a prize');
  await expect(page.locator('body')).toContainText('refused: this request came from another site');
  expect((await context.cookies()).map((c) => c.name)).not.toContain('spectate_session');
  expect(problems.filter((p) => !/status of (401|403)/.test(p))).toEqual([]);
  await context.close();
});

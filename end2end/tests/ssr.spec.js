// The server-rendered HTML carries the page before any script runs.
const { test, expect } = require('./fixtures');

test('the HTML of / has the page content before any script runs', async ({ request }) => {
  const response = await request.get('/?follow=3,7');
  expect(response.status()).toBe(200);
  const html = await response.text();
  expect(html).toContain('<h1>Spectate demo run');
  // The leaderboard and the static map are in the first paint.
  expect(html).toContain('<tr data-runner="12"');
  expect(html).toContain('Ada Lovelace');
  expect(html).toContain('<li data-runner="3" class="chip">');
  expect(html).toContain('<li data-runner="7" class="chip">');
  expect(html).toContain("Map of the course and the runners' last known positions");
});

test('with JavaScript off, the page still shows follows and the form adds to them', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/?follow=3,7');
  await expect(page.locator('h1')).toHaveText('Spectate demo run');
  await expect(page.locator('svg.static-map')).toBeVisible();
  await expect(page.locator('.chip')).toHaveCount(2);
  await page.fill('#follow-input', '12');
  await page.click('button[type=submit]');
  await expect(page.locator('.chip')).toHaveCount(3);
  await expect(page.locator('.chip[data-runner="12"]')).toBeVisible();
  await context.close();
});

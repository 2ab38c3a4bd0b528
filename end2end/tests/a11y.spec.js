// Accessibility: axe-core (from npm, run inside the page) finds no serious or
// critical problem on any page, with the board, a runner panel and the charts drawn;
// and a skip link takes a keyboard user past the header to the page's content. (At
// race size: race_scale.spec.js.)
const { test, expect, waitLive, v1Publisher, raceView } = require('./fixtures');
const { seriousProblems } = require('./axe');

test('the map page with its board and a runner panel has no serious axe violation', async ({ page, baseURL }) => {
  // Two runners on the course, so that the board has ranked rows with gaps and paces.
  const view = await raceView(baseURL);
  const phone = await v1Publisher(baseURL);
  const t = Date.now() - 60_000;
  phone.fix('1', ...view.event.line[40], t);
  phone.fix('2', ...view.event.line[30], t);
  await page.goto('/?follow=1,2');
  await waitLive(page);
  await expect(page.locator('.live-map')).toHaveAttribute('data-ready', 'true');
  await expect(page.locator('.board tbody tr')).toHaveCount(12);
  await expect(page.locator('.runner-panel')).toBeVisible();
  expect(await seriousProblems(page)).toEqual([]);
  phone.close();
});

for (const path of ['/dashboard', '/room', '/track', '/embed?follow=1,2']) {
  test(`${path} has no serious axe violation`, async ({ page }) => {
    await page.goto(path);
    await waitLive(page);
    expect(await seriousProblems(page)).toEqual([]);
  });
}

test('a skip link is the first stop of the keyboard and leads to the content', async ({ page }) => {
  await page.goto('/dashboard');
  await waitLive(page);
  await page.keyboard.press('Tab');
  const skip = page.locator(':focus');
  await expect(skip).toHaveText('Skip to content');
  await expect(skip).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();
  // The next Tab goes into the page, not back to the header.
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.querySelector('main').contains(document.activeElement))).toBe(true);
});

// Following a runner in the UI shows a marker that moves with published fixes.
const { test, expect, waitLive, publisher, snapshot } = require('./fixtures');

test('follow by id, see the marker move, unfollow', async ({ page, baseURL }) => {
  await page.goto('/');
  await waitLive(page);
  await page.fill('#follow-input', 'e2e-anna');
  await page.click('button[type=submit]');
  await expect(page).toHaveURL(/\?follow=e2e-anna$/);
  await expect(page.locator('.chip[data-runner="e2e-anna"]')).toBeVisible();
  await expect(page.locator('.map-hint')).toHaveText('Waiting for positions…');

  const phone = await publisher(baseURL);
  const marker = page.locator('g.runner[data-runner="e2e-anna"]');
  phone.fix('e2e-anna', 37.2417, -121.9723);
  await expect(marker).toHaveAttribute('data-lat', '37.2417');
  const first = await marker.locator('circle').boundingBox();

  phone.fix('e2e-anna', 37.2450, -121.9690);
  await expect(marker).toHaveAttribute('data-lat', '37.245');
  const second = await marker.locator('circle').boundingBox();
  expect(second.x !== first.x || second.y !== first.y).toBeTruthy();
  // North-east: the marker moved right and up.
  expect(second.x).toBeGreaterThan(first.x);
  expect(second.y).toBeLessThan(first.y);
  await expect(page.locator('tr[data-runner="e2e-anna"] td').first()).toHaveText('37.24500, -121.96900');
  await snapshot(page, 'map-following');

  await page.click('.chip[data-runner="e2e-anna"] a');
  await expect(page).toHaveURL(/\/$/);
  await expect(marker).toHaveCount(0);
  phone.close();
});

test('a shared link opens with its follows and gets the latest fix at once', async ({ page, baseURL }) => {
  const phone = await publisher(baseURL);
  phone.fix('e2e-bob', 51.5007, -0.1246);
  phone.fix('e2e-cy', 51.5033, -0.1195);
  await new Promise((r) => setTimeout(r, 200));
  await page.goto('/?follow=e2e-bob,e2e-cy');
  await waitLive(page);
  await expect(page.locator('g.runner')).toHaveCount(2);
  await expect(page.locator('g.runner[data-runner="e2e-bob"]')).toHaveAttribute('data-lat', '51.5007');
  phone.close();
});

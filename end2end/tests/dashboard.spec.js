// The dashboard's happiness chart gains points as values arrive.
const { test, expect, waitLive, snapshot } = require('./fixtures');

test('the happiness chart grows', async ({ page }) => {
  await page.goto('/dashboard');
  await waitLive(page);
  const chart = page.locator('svg.line-chart');
  await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(1);
  const before = Number(await chart.getAttribute('data-points'));
  await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(before + 2);
  const latest = Number(await page.getByTestId('happiness-latest').textContent());
  expect(latest).toBeGreaterThanOrEqual(0);
  expect(latest).toBeLessThan(10);
  await snapshot(page, 'dashboard');
});

// The dashboard's charts gain points as values arrive; the window selector and
// pause work; any published series can be added.
const { test, expect, waitLive, openSocket, snapshot } = require('./fixtures');

test('the happiness chart grows, its window changes, and pause holds it', async ({ page }) => {
  await page.goto('/dashboard');
  await waitLive(page);
  const chart = page.locator('.happiness-chart canvas');
  await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(1);
  const before = Number(await chart.getAttribute('data-points'));
  await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(before + 2);
  const latest = Number(await page.getByTestId('happiness-latest').textContent());
  expect(latest).toBeGreaterThanOrEqual(0);
  expect(latest).toBeLessThan(10);

  const tools = page.locator('.happiness-chart .chart-tools');
  await expect(chart).toHaveAttribute('data-window', '60');
  await tools.getByRole('button', { name: '10 min' }).click();
  await expect(chart).toHaveAttribute('data-window', '600');
  await expect(tools.getByRole('button', { name: '10 min' })).toHaveAttribute('aria-pressed', 'true');
  await tools.getByRole('button', { name: '1 h' }).click();
  await expect(chart).toHaveAttribute('data-window', '3600');

  // Hovering shows the value under the pointer.
  const box = await chart.boundingBox();
  await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2);
  await expect(page.locator('.happiness-chart .chart-tip')).toContainText('Happiness:');

  await tools.getByRole('button', { name: 'Pause' }).click();
  await expect(chart).toHaveAttribute('data-paused', 'true');
  await expect(tools.getByRole('button', { name: 'Resume' })).toBeVisible();
  // Points keep being collected while paused.
  const paused = Number(await chart.getAttribute('data-points'));
  await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(paused);
  await tools.getByRole('button', { name: 'Resume' }).click();
  await expect(chart).toHaveAttribute('data-paused', 'false');
  await snapshot(page, 'dashboard');
});

test('a published series can be added and charted', async ({ page, baseURL }) => {
  await page.goto('/dashboard');
  await waitLive(page);
  // A name the protocol refuses is said so, and nothing is subscribed.
  await page.fill('#series-input', 'no spaces!');
  await page.click('.series-form button');
  // The message echoes the name and the character, quoted: the release wasm has no
  // Debug formatting, so this also checks that they are not written with `{:?}`.
  await expect(page.locator('.series-chart').locator('..').locator('.notice'))
    .toContainText(`series name "no spaces!" contains ' '`);
  await expect(page.locator('.series-chart .legend li')).toHaveCount(0);
  await page.fill('#series-input', 'e2e-pulse');
  await page.click('.series-form button');
  const chart = page.locator('.series-chart canvas');
  await expect(page.locator('.series-chart .legend')).toContainText('e2e-pulse');
  const ws = await openSocket(baseURL, '/ws');
  for (let i = 0; i < 5; i++) {
    ws.send(JSON.stringify({ type: 'publish', id: i + 1, topic: 'series:e2e-pulse', data: { value: 60 + i } }));
    await new Promise((r) => setTimeout(r, 30));
  }
  await expect(chart).toHaveAttribute('data-points', '5');
  await expect(page.locator('.series-chart .legend .latest')).toHaveText('64.0');
  ws.close();
});

test('the hub chart starts from a full interval, and the happiness chart says what it shows', async ({ page }) => {
  await page.goto('/dashboard');
  // Messages per second as the hub chart's legend shows them, from its first value on.
  // The e2e server's happiness feed sends this page 4 frames a second, and no one
  // else is connected: the page's own catch-up (up to 256 frames of history) is not a
  // rate, and no reading is 0.0 (the rate is taken over 10 s, from the first full
  // interval after the page opened).
  const hub = page.locator('article.card').filter({ has: page.locator('h2', { hasText: 'Hub' }) });
  const latest = hub.locator('.legend li').filter({ hasText: 'Messages/s' }).locator('.latest');
  const canvas = hub.locator('canvas');
  // One reading per poll (each adds points to the chart).
  const seen = [];
  let points = '0';
  const deadline = Date.now() + 25_000;
  while (Date.now() < deadline && seen.length < 3) {
    const now = await canvas.getAttribute('data-points');
    const text = await latest.textContent();
    if (now !== points && text !== '–') seen.push(text);
    points = now;
    await page.waitForTimeout(100);
  }
  expect(seen.length, `readings ${seen}`).toBeGreaterThanOrEqual(2);
  for (const value of seen.map(Number)) {
    expect(value, `readings ${seen}`).toBeGreaterThan(1);
    expect(value, `readings ${seen}`).toBeLessThan(12);
  }
  // What the happiness chart is, in words beside it.
  await expect(page.locator('.happiness-chart figcaption')).toContainText(/happiness.*0.*10/i);
});

// A message typed in one page appears in another, as text.
const { test, expect, watch, waitLive, snapshot } = require('./fixtures');

test('a room message goes from one page to another, never as HTML', async ({ page, browser }) => {
  const other = await (await browser.newContext()).newPage();
  const otherProblems = watch(other);
  let dialogs = 0;
  for (const p of [page, other]) p.on('dialog', async (d) => { dialogs += 1; await d.dismiss(); });

  await page.goto('/room');
  await other.goto('/room');
  await waitLive(page);
  await waitLive(other);
  await expect(page.getByTestId('room-online')).toHaveText('2 here');

  await page.fill('#room-input', 'Go Anna, go!');
  await page.click('.room-form button');
  await expect(other.locator('.messages li.theirs .text')).toHaveText(['Go Anna, go!']);
  await expect(page.locator('.messages li.mine .text')).toHaveText(['Go Anna, go!']);

  const payload = '<img src=x onerror="alert(1)"><b>bold</b>';
  await other.fill('#room-input', payload);
  await other.press('#room-input', 'Enter');
  await expect(page.locator('.messages li.theirs .text')).toHaveText([payload]);
  await expect(page.locator('.messages img')).toHaveCount(0);
  expect(dialogs).toBe(0);
  await snapshot(page, 'room');
  expect(otherProblems).toEqual([]);
});

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

  // (The lobby's last cheers of earlier tests come first: the room keeps its last 20.)
  await page.fill('#room-input', 'Go Anna, go!');
  await page.click('.room-form button');
  await expect(other.locator('.messages li.theirs .text').last()).toHaveText('Go Anna, go!');
  await expect(page.locator('.messages li.mine .text')).toHaveText(['Go Anna, go!']);

  const payload = '<img src=x onerror="alert(1)"><b>bold</b>';
  await other.fill('#room-input', payload);
  await other.press('#room-input', 'Enter');
  await expect(page.locator('.messages li.theirs .text').last()).toHaveText(payload);
  await expect(page.locator('.messages img')).toHaveCount(0);
  expect(dialogs).toBe(0);
  await snapshot(page, 'room');
  expect(otherProblems).toEqual([]);
});

test('on the map page, a cheer to a runner reaches that runner\'s followers only', async ({ page, browser }) => {
  const fan = await (await browser.newContext()).newPage();
  const stranger = await (await browser.newContext()).newPage();
  const fanProblems = watch(fan);
  await page.goto('/?follow=11');
  await fan.goto('/?follow=11');
  await stranger.goto('/?follow=9');
  for (const p of [page, fan, stranger]) await waitLive(p);
  await page.fill('#cheer-name', 'Zoé');
  await expect(page.locator('#cheer-to option[value="11"]')).toHaveText('Followers of Radia Perlman');
  await page.selectOption('#cheer-to', '11');
  await page.fill('#room-input', 'Allez 11!');
  await page.press('#room-input', 'Enter');
  const cheer = fan.locator('.cheers .messages li.theirs', { hasText: 'Allez 11!' });
  await expect(cheer).toHaveCount(1);
  // Signed with the name the sender chose, and for the runner by name.
  await expect(cheer.locator('.who')).toHaveText('Zoé');
  await expect(cheer.locator('.to')).toHaveText('for Radia Perlman');
  await expect(page.locator('.cheers .messages li.mine .who')).toHaveText(['Zoé (you)']);
  await page.waitForTimeout(300);
  await expect(stranger.locator('.cheers .messages li', { hasText: 'Allez 11!' })).toHaveCount(0);
  await snapshot(fan, 'map-cheers');
  expect(fanProblems).toEqual([]);
});

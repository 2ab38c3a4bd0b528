// Cheers carry the name their sender chose, say whom they are for by name, and a
// spectator who opens the page later sees the last cheers of the room.
const { test, expect, waitLive, openSocket } = require('./fixtures');

/** Resolves with the next frame of `ws` that `ok` accepts. */
function frame(ws, ok) {
  return new Promise((resolve) => {
    const on = (raw) => {
      const msg = JSON.parse(raw.toString());
      if (ok(msg)) {
        ws.off('message', on);
        resolve(msg);
      }
    };
    ws.on('message', on);
  });
}

test('a new spectator cheers as "Fan" and a number; the name they choose is kept', async ({ page }) => {
  await page.goto('/?follow=2');
  await waitLive(page);
  await expect(page.locator('#cheer-name')).toHaveValue(/^Fan \d{3}$/);
  await page.fill('#cheer-name', 'Ada’s sister');
  await page.reload();
  await waitLive(page);
  await expect(page.locator('#cheer-name')).toHaveValue('Ada’s sister');
});

test('a bad name is refused with a clear error, and nothing is sent', async ({ page }) => {
  await page.goto('/room');
  await waitLive(page);
  await page.fill('#cheer-name', 'x'.repeat(41));
  await expect(page.locator('.field-error')).toHaveText("A cheer's name is at most 40 characters; this one has 41.");
  await expect(page.locator('#cheer-name')).toHaveAttribute('aria-invalid', 'true');
  await page.fill('#room-input', 'hello');
  await page.press('#room-input', 'Enter');
  await expect(page.locator('.messages li.mine')).toHaveCount(0);
  await page.fill('#cheer-name', 'bell\u0007');
  await expect(page.locator('.field-error')).toContainText('cannot contain control characters');
  await page.fill('#cheer-name', '   ');
  await expect(page.locator('.field-error')).toHaveText("A cheer's name cannot be empty.");
  await page.fill('#cheer-name', 'Sam');
  await expect(page.locator('.field-error')).toBeHidden();
  await page.press('#room-input', 'Enter');
  await expect(page.locator('.messages li.mine .text')).toHaveText(['hello']);
});

test('someone who opens the page later sees the last 20 cheers of the room', async ({ page, baseURL }) => {
  // 22 cheers for runner 9's followers, from five sockets (each may send five at once).
  const sockets = [];
  for (let s = 0; s < 5; s++) {
    const ws = await openSocket(baseURL, '/ws');
    ws.send(JSON.stringify({ type: 'subscribe', id: 1, topics: ['room:cheer-9'] }));
    await frame(ws, (m) => m.type === 'ack' && m.id === 1);
    sockets.push(ws);
  }
  for (let i = 1; i <= 22; i++) {
    const ws = sockets[(i - 1) % 5];
    ws.send(JSON.stringify({ type: 'publish', id: 100 + i, topic: 'room:cheer-9', data: { text: `cheer ${i}`, name: `Fan ${i}` } }));
    const answer = await frame(ws, (m) => m.id === 100 + i);
    expect(answer.type, JSON.stringify(answer)).toBe('ack');
  }
  await page.goto('/?follow=9');
  await waitLive(page);
  // (Lobby cheers of earlier tests are there too; runner 9's have a "for".)
  const lines = page.locator('.cheers .messages li', { has: page.locator('.to') });
  await expect(lines).toHaveCount(20);
  await expect(lines.first().locator('.text')).toHaveText('cheer 3');
  await expect(lines.first().locator('.who')).toHaveText('Fan 3');
  await expect(lines.last().locator('.text')).toHaveText('cheer 22');
  await expect(lines.last().locator('.to')).toHaveText('for Frances Allen');
  // A cheer sent now comes after them; the page's own is not shown twice when the
  // room is joined again (unfollow, follow).
  await page.fill('#cheer-name', 'Me');
  await page.selectOption('#cheer-to', '9');
  await page.fill('#room-input', 'cheer 23');
  await page.press('#room-input', 'Enter');
  await expect(lines.last().locator('.text')).toHaveText('cheer 23');
  await page.click('.chip[data-runner="9"] a');
  await expect(lines).toHaveCount(0);
  await page.goto('/?follow=9');
  await waitLive(page);
  await expect(lines).toHaveCount(20);
  await expect(lines.last().locator('.text')).toHaveText('cheer 23');
  await expect(page.locator('.cheers .messages li', { hasText: 'cheer 23' })).toHaveCount(1);
  for (const ws of sockets) ws.close();
});

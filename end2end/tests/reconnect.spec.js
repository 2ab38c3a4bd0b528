// After the server restarts, the page shows it is offline, reconnects by itself,
// catches up on what it missed and follows again.
const { spawn } = require('child_process');
const path = require('path');
const fs = require('fs');
const { test, expect, waitLive, publisher, waitHealthy, stopServer } = require('./fixtures');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = process.env.SPECTATE_BIN || path.join(ROOT, 'target/debug/spectate');
const PORT = Number(process.env.SPECTATE_E2E_RESTART_PORT || 3918);
const BASE = `http://127.0.0.1:${PORT}`;
const DATA = path.join(ROOT, 'target/e2e-data-restart');

function startServer() {
  const child = spawn(BIN, ['serve', '--open', '--addr', `127.0.0.1:${PORT}`, '--log-level', 'warn', '--tile-url', 'none',
    '--data-dir', DATA, '--site-root', path.join(ROOT, 'target/site')],
  { stdio: 'inherit' });
  return child;
}


test('the page reconnects with backoff after a restart and follows again', async ({ browser }) => {
  fs.rmSync(DATA, { recursive: true, force: true });
  let server = startServer();
  await waitHealthy(BASE);
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(err.message));
  try {
    await page.goto(`${BASE}/?follow=e2e-restart`);
    await waitLive(page);
    const phone0 = await publisher(BASE);
    phone0.fix('e2e-restart', 10.25, 20.25);
    const tag = page.locator('.runner-tag[data-runner="e2e-restart"]');
    await expect(tag).toHaveAttribute('data-lat', '10.25');
    phone0.close();

    await stopServer(server);
    await expect(page.locator('.status')).toHaveAttribute('data-status', 'reconnecting');
    await expect(page.locator('.status .label')).toContainText('retrying in');
    await expect(page.locator('.offline-banner')).toContainText('Connection lost');

    server = startServer();
    await waitHealthy(BASE);
    // Published while the page is still waiting to reconnect: it catches up on it.
    const phone = await publisher(BASE);
    phone.fix('e2e-restart', 10.5, 20.25);
    await expect(page.locator('.status')).toHaveAttribute('data-status', 'live', { timeout: 20_000 });
    await expect(page.locator('.offline-banner')).toHaveCount(0);
    await expect(tag).toHaveAttribute('data-lat', '10.5');
    // And the follow was re-sent on reconnect: live fixes keep coming.
    phone.fix('e2e-restart', 10.75, 20.25);
    await expect(tag).toHaveAttribute('data-lat', '10.75');
    phone.close();
    expect(problems).toEqual([]);
  } finally {
    await context.close();
    await stopServer(server);
  }
});

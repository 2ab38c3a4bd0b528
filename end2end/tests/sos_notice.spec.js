// The runner page is told when an organiser acts on its SOS (issue 19): SOS on
// /track, acknowledged on the monitor, then resolved; the runner's page says that an
// organiser has seen it (with the time), then that it was resolved, without a reload.
const { test, expect, watch, addOrganiser, runnerToken, signIn } = require('./fixtures');

const NAME = 'sol';
const PASSWORD = 'a long enough password';
// Runner 11: monitor.spec.js already put their phone at this spot, so this SOS's fix
// moves nobody on the shared server's board.
const RUNNER = '11';

test.beforeAll(() => addOrganiser(NAME, PASSWORD));

test('an SOS acknowledged and resolved on the monitor is shown on the runner\'s page', async ({ browser }) => {
  const organiser = await browser.newContext();
  const monitor = await organiser.newPage();
  const monitorProblems = watch(monitor);
  await monitor.goto('/admin/sign-in');
  await signIn(monitor, NAME, PASSWORD);
  await monitor.goto('/admin/monitor');
  await expect(monitor.locator('#monitor-table tbody tr[data-bib]').first()).toBeVisible({ timeout: 30_000 });

  const phone = await browser.newContext({
    permissions: ['geolocation'],
    geolocation: { latitude: 48.8584, longitude: 2.2945, accuracy: 8 },
  });
  const page = await phone.newPage();
  const problems = watch(page);
  await page.goto(`/track?token=${runnerToken(RUNNER)}`);
  await expect(page.getByTestId('track-runner')).toBeVisible({ timeout: 30_000 });
  await page.getByTestId('sos').click();
  await page.getByTestId('sos-confirm').click();
  const status = page.getByTestId('sos-status');
  await expect(status).toHaveAttribute('data-state', 'received');

  const card = monitor.locator(`[data-testid=alert][data-kind=sos][data-runner="${RUNNER}"]`);
  await expect(card).toBeVisible();
  await card.getByTestId('acknowledge').click();
  await expect(status).toHaveAttribute('data-state', 'seen');
  await expect(status).toContainText(/An organiser has seen your SOS \(at \d\d:\d\d\)/);

  await card.getByTestId('resolve').click();
  await expect(status).toHaveAttribute('data-state', 'resolved');
  await expect(status).toContainText(/resolved by the organisers \(at \d\d:\d\d\)/);
  expect([...problems, ...monitorProblems]).toEqual([]);
  await phone.close();
  await organiser.close();
});

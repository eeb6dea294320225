import { expect, onboard, test } from './helpers';

// The browser's store at its quota (Chromium's quota for the origin set, through the DevTools
// protocol, to what the origin already uses): a save is refused in words, what was typed stays
// on screen and in the document, the badge says it is not saved, and once space returns the
// app's own retry stores it, with no second tap.
test('a full browser store says so in words, keeps what was typed and stores it once space returns', async ({
  page,
}) => {
  await onboard(page);
  await page.goto('/me');
  await expect(page.getByTestId('sync-badge')).toHaveText('仅本机');
  const origin = new URL(page.url()).origin;
  const cdp = await page.context().newCDPSession(page);
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage });

  await page.locator('#field-profile-about').fill('住在3幢，晚上有空');
  await page.getByRole('button', { name: '保存', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('没能保存到本机');
  await expect(page.getByRole('alert')).toContainText('你输入的内容还在');
  await expect(page.locator('#field-profile-about')).toHaveValue('住在3幢，晚上有空');
  await expect(page.getByTestId('sync-badge')).toContainText('未能保存');

  // Space returns: the retry every few seconds stores the change.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  await expect(page.getByTestId('sync-badge')).toHaveText('仅本机', { timeout: 15_000 });
  await page.reload();
  await expect(page.getByTestId('about-saved')).toHaveText('住在3幢，晚上有空');
});

import type { Page } from '@playwright/test';
import { expect, onboard, test } from './helpers';

// The browser's store at its quota. Chromium 156 did not refuse writes to a database already
// open when its quota was lowered through the DevTools protocol (Storage.overrideQuotaForOrigin
// took effect only for databases opened after it, and its usage lagged behind small writes), so
// the page's IndexedDB is made to do what Chromium does at quota: every write transaction aborts
// with QuotaExceededError. A save is refused in words, what was typed stays on screen, the badge
// says it is not saved, and once space returns the app's own retry stores it, with no second tap.
test('a full browser store says so in words, keeps what was typed and stores it once space returns', async ({
  page,
}) => {
  await onboard(page);
  await page.goto('/me');
  await expect(page.getByTestId('sync-badge')).toHaveText('仅本机');
  await atQuota(page, true);

  await page.locator('#field-profile-about').fill('住在3幢，晚上有空');
  await page.getByRole('button', { name: '保存', exact: true }).click();
  // The form says so, and so does the banner that stays until dismissed.
  const said = page.locator('form').getByRole('alert');
  await expect(said).toContainText('没能保存到本机');
  await expect(said).toContainText('QuotaExceededError');
  await expect(said).toContainText('你输入的内容还在');
  await expect(page.getByTestId('notice')).toContainText('没能保存到本机');
  await expect(page.locator('#field-profile-about')).toHaveValue('住在3幢，晚上有空');
  await expect(page.getByTestId('sync-badge')).toContainText('未能保存');

  // Space returns: the retry every few seconds stores the change.
  await atQuota(page, false);
  await expect(page.getByTestId('sync-badge')).toHaveText('仅本机', { timeout: 15_000 });
  await page.reload();
  await expect(page.getByTestId('about-saved')).toHaveText('住在3幢，晚上有空');
});

/** Makes this page's IndexedDB writes fail as at quota, or succeed again. */
async function atQuota(page: Page, full: boolean) {
  await page.evaluate((full) => {
    const w = window as unknown as { __full?: boolean };
    if (w.__full === undefined) {
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: [unknown, IDBValidKey?]) {
        const request = put.apply(this, args);
        if (w.__full) {
          const tx = this.transaction;
          const error = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
          Object.defineProperty(tx, 'error', { get: () => error });
          tx.abort();
        }
        return request;
      };
    }
    w.__full = full;
  }, full);
}

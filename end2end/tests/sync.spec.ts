import { addSkill, expect, invite, join, skillList, test } from './helpers';

// Two residents of the demo community, each in a browser context of their own, against the
// running linli-server.
test('changes made offline survive a reload and reach a neighbour once online', async ({ browser }) => {
  const a = await browser.newContext();
  const b = await browser.newContext();
  const pa = await a.newPage();
  const pb = await b.newPage();
  for (const p of [pa, pb]) {
    p.on('pageerror', (e) => expect.soft(e.message, 'page error').toBe(''));
  }
  await join(pa, invite('resident'), '赵阿姨');
  await join(pb, invite('resident'), '李叔');

  // B watches the neighbours page, where A's profile will show.
  await pb.getByRole('navigation').getByText('我的').click();
  await pb.getByRole('link', { name: '邻居' }).click();
  const aOnB = pb.getByTestId('neighbour').filter({ hasText: '赵阿姨' });
  await expect(aOnB).toContainText('还没有填写资料。');

  // A's app must be able to load without the network: wait for the service worker.
  await pa.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await a.setOffline(true);
  await expect(pa.getByTestId('sync-badge')).toHaveText('离线');
  await pa.getByRole('navigation').getByText('我的').click();
  await addSkill(pa, '修自行车', /离线|1 项待同步/);
  await pa.locator('#field-profile-about').fill('住在3幢，晚上有空');
  await pa.getByRole('button', { name: '保存', exact: true }).click();
  await expect(pa.getByTestId('about-saved')).toHaveText('住在3幢，晚上有空');

  // A reload without a network keeps everything.
  await pa.reload();
  await expect(skillList(pa)).toHaveText(['修自行车']);
  await expect(pa.getByTestId('about-saved')).toHaveText('住在3幢，晚上有空');
  await expect(pa.getByTestId('sync-badge')).toHaveText('离线');
  // Nothing reached B meanwhile.
  await expect(aOnB).toContainText('还没有填写资料。');

  await a.setOffline(false);
  await expect(pa.getByTestId('sync-badge')).toHaveText('已同步');
  // B sees A's changes without reloading.
  await expect(aOnB).toContainText('住在3幢，晚上有空');
  await expect(aOnB).toContainText('修自行车');
  await expect(pb.getByTestId('sync-badge')).toHaveText('已同步');

  // The sync view lists what this device holds and when it was last in step.
  await pa.getByTestId('sync-badge').click();
  await expect(pa.getByRole('heading', { name: '同步状态' })).toBeVisible();
  await expect(pa.getByTestId('sync-docs')).toContainText('我的资料');
  await expect(pa.getByTestId('sync-docs')).toContainText('社区名录');
  await expect(pa.getByTestId('sync-docs')).toContainText('上次同步');
  await a.close();
  await b.close();
});

test('a wrong invite code is refused in words and what was typed stays', async ({ page, errors }) => {
  await page.goto('/');
  await page.locator('#field-join-code').fill('ZZZZ-ZZZZ');
  await page.locator('#field-join-name').fill('赵阿姨');
  await page.getByRole('button', { name: '加入社区' }).click();
  await expect(page.getByRole('alert')).toHaveText('邀请码不正确，请核对后重试。');
  await expect(page.locator('#field-join-name')).toHaveValue('赵阿姨');
  await expect(page.locator('#field-join-code')).toHaveValue('ZZZZ-ZZZZ');
  // The browser logs the refused request itself; that one is expected.
  const refused = errors.findIndex((e) => e.includes('status of 404'));
  expect(refused).toBeGreaterThanOrEqual(0);
  errors.splice(refused, 1);
});

test('an invite link fills in the code', async ({ page }) => {
  const code = invite('resident');
  await page.goto(`/?invite=${code}`);
  await expect(page.locator('#field-join-code')).toHaveValue(code);
  await page.locator('#field-join-name').fill('张师傅');
  await page.getByRole('button', { name: '加入社区' }).click();
  await expect(page.getByTestId('sync-badge')).toHaveText('已同步');
  await page.getByRole('navigation').getByText('我的').click();
  await expect(page.getByTestId('joined-as')).toContainText('张师傅');
});

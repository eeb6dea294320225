import { addSkill, cli, expect, invite, join, memberId, onboard, test } from './helpers';
import type { Page } from '@playwright/test';

async function openHelp(page: Page) {
  await page.getByRole('navigation').getByText('邻里帮').click();
  await expect(page.getByRole('heading', { name: '邻里帮' })).toBeVisible();
}

async function post(page: Page, title: string) {
  await openHelp(page);
  await page.getByTestId('help-new').click();
  await page.locator('#field-help-category').selectOption('repair');
  await page.locator('#field-help-title').fill(title);
  await page.locator('#field-help-place').fill('2 幢');
  await page.getByRole('button', { name: '发布' }).click();
  await expect(page.getByTestId('help-detail-title')).toHaveText(title);
}

test('trying the sandbox, then joining from the Me page: in step within seconds, and a neighbour sees the profile', async ({ browser }) => {
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]);
  const [pa, pb] = await Promise.all([a.newPage(), b.newPage()]);
  await onboard(pa, '试试看');
  await post(pa, '沙盒里的求助：修水龙头');

  await pa.getByRole('navigation').getByText('我的').click();
  await pa.locator('#field-join-code').fill(invite('resident'));
  await pa.locator('#field-join-name').fill('周阿姨');
  await pa.getByRole('button', { name: '加入社区' }).click();
  await expect(pa.getByTestId('community-name')).toHaveText('湖前第二社区');
  await expect(pa.getByTestId('sync-badge')).toHaveText('已同步', { timeout: 10_000 });
  // What the sandbox wrote stayed in the sandbox.
  await openHelp(pa);
  await expect(pa.getByTestId('help-list')).not.toContainText('沙盒里的求助');
  await expect(pa.getByTestId('notice')).toHaveCount(0);

  await pa.getByRole('navigation').getByText('我的').click();
  await addSkill(pa, '包饺子', /已同步|项待同步/);
  await expect(pa.getByTestId('sync-badge')).toHaveText('已同步');

  await join(pb, invite('resident'), '钱大爷');
  await pb.getByRole('navigation').getByText('我的').click();
  await pb.getByRole('link', { name: '邻居' }).click();
  await expect(pb.getByTestId('neighbour').filter({ hasText: '周阿姨' })).toContainText('包饺子');
  await Promise.all([a.close(), b.close()]);
});

test('a change refused after a role change offline is shown in words with its text; the rest stays in step', async ({ browser }) => {
  const s = await browser.newContext();
  const ps = await s.newPage();
  await join(ps, invite('staff'), '社区小吴');
  await post(ps, '楼道灯坏了');
  await expect(ps.getByTestId('sync-badge')).toHaveText('已同步');

  // Offline, staff hide the request; meanwhile the community makes them a resident.
  await ps.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await s.setOffline(true);
  await expect(ps.getByTestId('sync-badge')).toHaveText('离线');
  await ps.locator('[id^="field-help-hide"]').fill('和另一条重复，先隐藏');
  await ps.getByRole('button', { name: '隐藏这条求助' }).click();
  await expect(ps.getByText('已被社区工作者隐藏：和另一条重复，先隐藏')).toBeVisible();
  cli('member', 'role', memberId('社区小吴'), '--role', 'resident');

  await s.setOffline(false);
  const notice = ps.getByTestId('notice');
  await expect(notice).toContainText('服务器没有接受你写的内容');
  await expect(notice).toContainText('你没有权限做这项修改');
  await expect(ps.getByTestId('refused-text')).toHaveValue('和另一条重复，先隐藏');
  // The request itself went up before; the hide is gone from the device, kept aside.
  await expect(ps.getByText('已被社区工作者隐藏')).toHaveCount(0);
  await expect(ps.getByTestId('help-detail-title')).toHaveText('楼道灯坏了');
  await expect(ps.getByTestId('sync-badge')).toHaveText('已同步');
  // The sync page keeps what was refused, with the text, after the notice is gone.
  await notice.getByRole('button', { name: '知道了' }).click();
  await ps.getByTestId('sync-badge').click();
  await expect(ps.getByTestId('sync-refused')).toContainText('你没有权限做这项修改');
  await expect(ps.getByTestId('refused-kept')).toHaveValue('和另一条重复，先隐藏');
  await s.close();
});

test('every route of the app survives a reload, online and offline', async ({ page, context }) => {
  // Twenty-six loads of the whole app: about 26 s alone, past 40 s beside another worker.
  test.setTimeout(90_000);
  await join(page, invite('staff'), '社区小郑');
  await post(page, '路灯不亮，求助');
  const detail = new URL(page.url()).pathname;
  const routes = ['/help', '/help/new', '/help/reports', detail, '/deliberation', '/deliberation/new', '/points', '/points/board', '/points/desk', '/patrol', '/me', '/neighbours', '/sync'];
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  for (const offline of [false, true]) {
    await context.setOffline(offline);
    for (const route of routes) {
      await page.goto(route);
      await page.reload();
      await expect(page.getByTestId('sync-badge'), `${route} offline=${offline}`).toBeVisible();
      await expect(page.getByText('找不到这个页面。'), route).toHaveCount(0);
    }
  }
  await context.setOffline(false);
  // The sync page, reloaded, is the app's page, not the server's endpoint.
  await page.goto('/sync');
  await page.reload();
  await expect(page.getByRole('heading', { name: '同步状态' })).toBeVisible();
});

import { device, expect, invite, join, joinAt, test } from './helpers';
import type { Page } from '@playwright/test';
import { OwnServer } from './server';

async function openHelp(page: Page) {
  await page.getByRole('navigation').getByText('邻里帮').click();
  await expect(page.getByRole('heading', { name: '邻里帮' })).toBeVisible();
}

// Three residents of the demo community, each in a browser context of their own.
test('a request gets offers made offline; the chosen helper sees the contact, the other does not; done for all', async ({ browser }) => {
  const [a, b, c] = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
  const [pa, pb, pc] = await Promise.all([a.newPage(), b.newPage(), c.newPage()]);
  await join(pa, invite('resident'), '刘阿姨');
  await join(pb, invite('resident'), '马师傅');
  await join(pc, invite('resident'), '高同学');

  // A asks for help.
  await openHelp(pa);
  await pa.getByTestId('help-new').click();
  await pa.locator('#field-help-category').selectOption('errand');
  await pa.locator('#field-help-title').fill('帮忙取一下药');
  await pa.locator('#field-help-details').fill('处方在我这里，下午三点前');
  await pa.locator('#field-help-place').fill('9 幢');
  await pa.getByRole('button', { name: '发布' }).click();
  await expect(pa.getByTestId('help-detail-title')).toHaveText('帮忙取一下药');
  await expect(pa.getByTestId('help-detail-status')).toHaveText('等待帮助');
  await expect(pa.getByTestId('sync-badge')).toHaveText('已同步');

  // B and C see it, then lose their signal and offer anyway.
  for (const [page, ctx] of [[pb, b], [pc, c]] as const) {
    await openHelp(page);
    await page.getByTestId('help-list').getByText('帮忙取一下药').click();
    await expect(page.getByTestId('help-detail-title')).toHaveText('帮忙取一下药');
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await ctx.setOffline(true);
    await expect(page.getByTestId('sync-badge')).toHaveText('离线');
  }
  await pb.locator('[id^="field-help-offer"]').fill('我下午在家');
  await pb.getByRole('button', { name: '我来帮忙' }).click();
  await pc.getByRole('button', { name: '我来帮忙' }).click();
  for (const page of [pb, pc]) {
    await expect(page.getByTestId('offers').getByTestId('offer')).toHaveCount(1);
    await expect(page.getByTestId('help-waiting')).toBeVisible();
  }
  await expect(pa.getByTestId('no-offers')).toBeVisible();

  await b.setOffline(false);
  await c.setOffline(false);
  for (const page of [pb, pc]) await expect(page.getByTestId('sync-badge')).toHaveText('已同步');

  // A sees both offers without reloading, chooses B, and leaves a phone number.
  await expect(pa.getByTestId('offer')).toHaveCount(2);
  await pa.getByTestId('offer').filter({ hasText: '马师傅' }).getByRole('button', { name: '选这位邻居' }).click();
  await expect(pa.getByTestId('help-detail-status')).toHaveText('已选定');
  await pa.locator('[id^="field-help-contact"]').fill('138 1234 5678');
  await pa.getByTestId('private-panel').getByRole('button', { name: '保存' }).click();
  await expect(pa.getByTestId('my-contact')).toHaveText('138 1234 5678');

  // B sees A's contact; C sees neither the panel nor the number, and that it was not chosen.
  await expect(pb.getByTestId('their-contact')).toHaveText('刘阿姨 的联系方式：138 1234 5678');
  await expect(pc.getByTestId('help-detail-status')).toHaveText('已选定');
  await expect(pc.getByTestId('offer').filter({ hasText: '高同学' }).getByTestId('offer-not-chosen')).toBeVisible();
  await expect(pc.getByTestId('private-panel')).toHaveCount(0);
  await expect(pc.locator('body')).not.toContainText('138 1234 5678');

  // B marks it done; A confirms; all three see it done.
  await pb.getByRole('button', { name: '我已经帮完了' }).click();
  await expect(pa.getByTestId('help-detail-status')).toHaveText('待确认完成');
  await pa.getByRole('button', { name: '确认已完成' }).click();
  for (const page of [pa, pb, pc]) {
    await expect(page.getByTestId('help-detail-status')).toHaveText('已完成');
    await expect(page.getByTestId('sync-badge')).toHaveText('已同步');
  }
  await expect(pc.getByTestId('offer').filter({ hasText: '高同学' }).getByTestId('offer-not-chosen')).toBeVisible();
  await Promise.all([a.close(), b.close(), c.close()]);
});

test('bad input is refused in words and what was typed stays', async ({ page }) => {
  await join(page, invite('resident'), '郑先生');
  await openHelp(page);
  await page.getByTestId('help-new').click();
  await page.locator('#field-help-title').fill('借'.repeat(81));
  await page.locator('#field-help-place').fill('1 幢');
  await page.getByRole('button', { name: '发布' }).click();
  await expect(page.getByRole('alert')).toHaveText('“标题”最多 80 个字。');
  await expect(page.locator('#field-help-title')).toHaveValue('借'.repeat(81));
});

// Other tests add and hide requests in the same community: this one only looks at the seed's.
test('the demo community shows its requests, filtered by status', async ({ page }) => {
  await join(page, invite('resident'), '钱女士');
  await openHelp(page);
  const list = page.getByTestId('help-list');
  for (const title of ['帮忙去药店取药', '周六陪我去医院复查', '搬家需要两个人抬柜子', '帮忙买点菜']) {
    await expect(list).toContainText(title);
  }
  await page.getByRole('combobox', { name: '状态' }).selectOption('done');
  await expect(list).toContainText('下午想找人聊聊天');
  await expect(list).not.toContainText('帮忙去药店取药');
  await page.getByRole('combobox', { name: '状态' }).selectOption('expired');
  await expect(list).toContainText('帮忙买点菜');
  await page.getByRole('combobox', { name: '状态' }).selectOption('');
  await page.getByRole('combobox', { name: '类别' }).selectOption('lending');
  await expect(list).toContainText('借一把电钻');
  await expect(list).not.toContainText('帮忙买点菜');
});

test('a report reaches staff, who hide the request; residents no longer see it', async ({ browser }) => {
  const [r, s] = await Promise.all([browser.newContext(), browser.newContext()]);
  const [pr, ps] = await Promise.all([r.newPage(), s.newPage()]);
  await join(pr, invite('resident'), '吴先生');
  await openHelp(pr);
  await pr.getByTestId('help-list').getByText('教老人用手机挂号').click();
  await pr.getByRole('button', { name: '举报' }).click();
  await pr.locator('#field-help-report').fill('重复发布');
  await pr.getByRole('button', { name: '提交举报' }).click();
  await expect(pr.getByText('举报已送到社区工作者。')).toBeVisible();

  await join(ps, invite('staff'), '陈主任');
  await openHelp(ps);
  await ps.getByRole('link', { name: '居民举报' }).click();
  await expect(ps.getByTestId('reports')).toContainText('吴先生 举报：重复发布');
  await ps.getByTestId('reports').getByRole('link', { name: '查看求助' }).click();
  await expect(ps.getByTestId('help-detail-title')).toHaveText('教老人用手机挂号');
  await ps.locator('[id^="field-help-hide"]').fill('重复发布，已合并');
  await ps.getByRole('button', { name: '隐藏这条求助' }).click();
  await expect(ps.getByText('已被社区工作者隐藏：重复发布，已合并')).toBeVisible();

  await pr.getByRole('link', { name: '返回列表' }).click();
  await expect(pr.getByTestId('help-list')).toContainText('帮忙去药店取药');
  await expect(pr.getByTestId('help-list')).not.toContainText('教老人用手机挂号');
  await Promise.all([r.close(), s.close()]);
});

test('a refused offer note stays in its field, and one request\'s draft never shows on another\'s page', async ({ page }) => {
  await join(page, invite('resident'), '孙阿姨');
  await openHelp(page);
  await page.getByTestId('help-list').getByText('帮忙去药店取药').click();
  const note = page.locator('[id^="field-help-offer"]');
  const long = '好'.repeat(101);
  await note.fill(long);
  await page.getByRole('button', { name: '我来帮忙' }).click();
  await expect(page.getByRole('alert')).toContainText('留言');
  await expect(note).toHaveValue(long);
  await expect(page.getByTestId('offers').getByTestId('offer')).toHaveCount(0);

  // Another request's page starts empty; coming back, the first draft is still there.
  await page.getByRole('link', { name: '返回列表' }).click();
  await page.getByTestId('help-list').getByText('借一把两米的梯子').click();
  await expect(page.getByTestId('help-detail-title')).toHaveText('借一把两米的梯子');
  await expect(page.locator('[id^="field-help-offer"]')).toHaveValue('');
  await page.getByRole('link', { name: '返回列表' }).click();
  await page.getByTestId('help-list').getByText('帮忙去药店取药').click();
  await expect(page.locator('[id^="field-help-offer"]')).toHaveValue(long);
  // Shortened to fit, it goes through and only then is the field cleared.
  await page.locator('[id^="field-help-offer"]').fill('我可以去');
  await page.getByRole('button', { name: '我来帮忙' }).click();
  await expect(page.getByTestId('offers').getByTestId('offer')).toHaveCount(1);
});

// On a server of its own: the requests it posts would push the shared community's seeds off
// the first page that other tests read.
test('a long list renders a page at a time; "more" shows the rest', async ({ browser }) => {
  test.setTimeout(180_000);
  const server = await OwnServer.started();
  const [ctx, page] = await device(browser);
  try {
    await joinAt(page, server, 'resident', '发帖的老陆');
    await openHelp(page);
    const items = page.getByTestId('help-item');
    const seeded = await items.count();
    const posts = 31 - seeded;
    for (let i = 1; i <= posts; i++) {
      await page.goto(`${server.url}/help/new`);
      await page.locator('#field-help-title').fill(`帮忙浇花 ${i}`);
      await page.locator('#field-help-place').fill('2 幢');
      await page.getByRole('button', { name: '发布' }).click();
      await expect(page.getByTestId('help-detail-title')).toHaveText(`帮忙浇花 ${i}`);
    }
    await openHelp(page);
    await expect(items).toHaveCount(30);
    // In the list's order: urgent first, then newest.
    await expect(items.filter({ hasText: `帮忙浇花 ${posts}` })).toHaveCount(1);
    await expect(page.getByTestId('help-more')).toHaveText('再显示一些（还有 1 条）');
    await page.getByTestId('help-more').click();
    await expect(items).toHaveCount(31);
    await expect(page.getByTestId('help-more')).toHaveCount(0);
  } finally {
    await ctx.close();
    await server.dispose();
  }
});

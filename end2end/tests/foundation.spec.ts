import { addSkill, chineseLeftIn, expect, onboard, skillList, test } from './helpers';

test('first run asks for language, name, role and community, then opens the shell', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: '欢迎来到邻里' })).toBeVisible();
  // Joining with an invite code comes first; the sandbox is one tap away.
  await expect(page.getByTestId('join-form')).toBeVisible();
  await page.getByText('还没有邀请码？先在本机体验').click();
  // A blank name is refused with a clear error and the form stays.
  await page.getByRole('button', { name: '开始使用' }).click();
  await expect(page.getByRole('alert')).toHaveText('请填写“昵称”。');
  await page.locator('#field-member-name').fill('  王阿姨 ');
  await page.locator('#field-community').selectOption('huazhong');
  await page.getByRole('button', { name: '开始使用' }).click();

  await expect(page.getByTestId('community-name')).toHaveText('华中社区');
  await expect(page.getByTestId('sync-badge')).toHaveText('仅本机');
  await expect(page.getByText('体验模式：数据只保存在这台设备上')).toBeVisible();
  await expect(page).toHaveURL(/\/help$/);
  // Help works in the sandbox too: nothing posted yet.
  await expect(page.getByText('这里还没有求助。')).toBeVisible();
  for (const tab of ['邻里帮', '社区议事', '邻里积分', '我的']) {
    await expect(page.getByRole('navigation').getByText(tab)).toBeVisible();
  }
  await page.reload();
  await expect(page.getByTestId('community-name')).toHaveText('华中社区');
  await page.getByRole('navigation').getByText('我的').click();
  await expect(page.locator('#field-member-name')).toHaveValue('王阿姨');

  // The Me page edits the same settings.
  await page.locator('#field-community').selectOption('lupu-2');
  await page.getByRole('button', { name: '保存设置' }).click();
  await expect(page.getByText('设置已保存。')).toBeVisible();
  await expect(page.getByTestId('community-name')).toHaveText('芦浦第二社区');
});

test('data written in a document survives a reload', async ({ page }) => {
  await onboard(page);
  await page.goto('/me');
  await expect(page.getByTestId('skills-empty')).toBeVisible();
  await addSkill(page, '修自行车');
  await addSkill(page, '陪老人聊天');
  await page.locator('#field-profile-about').fill('住在3幢，晚上有空');
  await page.getByRole('button', { name: '保存', exact: true }).click();
  await expect(page.getByTestId('about-saved')).toHaveText('住在3幢，晚上有空');

  await page.reload();
  await expect(skillList(page)).toHaveText(['修自行车', '陪老人聊天']);
  await expect(page.getByTestId('about-saved')).toHaveText('住在3幢，晚上有空');
});

test('a removal asks first, and bad input is refused in words', async ({ page }) => {
  await onboard(page);
  await page.goto('/me');
  await addSkill(page, '搬东西');
  await page.getByRole('button', { name: '删除' }).click();
  await page.getByRole('button', { name: '取消' }).click();
  await expect(skillList(page)).toHaveText(['搬东西']);
  await page.getByRole('button', { name: '删除' }).click();
  await expect(page.getByText('确定删除“搬东西”吗？')).toBeVisible();
  await page.locator('.confirm').getByRole('button', { name: '删除' }).click();
  await expect(page.getByTestId('skills-empty')).toBeVisible();

  await page.locator('#field-profile-skill').fill('这是一段远远超过三十个字的很长很长很长很长很长很长很长的描述文字内容');
  await page.getByRole('button', { name: '添加' }).click();
  await expect(page.getByRole('alert')).toHaveText('“我能帮忙的事”最多 30 个字。');
  // What was typed is still there to fix.
  await expect(page.locator('#field-profile-skill')).toHaveValue(/^这是一段/);
});

test('a half-typed draft survives a reload', async ({ page }) => {
  await onboard(page);
  await page.goto('/me');
  await page.locator('#field-profile-about').fill('我住在湖前第二社区5幢，周末');
  await page.locator('#field-profile-skill').fill('教小朋友下');
  await expect(page.getByTestId('draft-saved-profile.about')).toBeVisible();
  await expect(page.getByTestId('draft-saved-profile.skill')).toBeVisible();

  await page.reload();
  await expect(page.locator('#field-profile-about')).toHaveValue('我住在湖前第二社区5幢，周末');
  await expect(page.locator('#field-profile-skill')).toHaveValue('教小朋友下');
  // Nothing became a record: a draft is not a submission.
  await expect(page.getByTestId('skills-empty')).toBeVisible();
});

test('a corrupted change record leaves the others visible, warns, and the next write succeeds', async ({ page }) => {
  await onboard(page);
  await page.goto('/me');
  for (const s of ['甲', '乙', '丙']) await addSkill(page, s);

  const corrupted = await page.evaluate(async () => {
    const db: IDBDatabase = await new Promise((ok, err) => {
      const req = indexedDB.open('linli-sandbox'); // the sandbox's own database
      req.onsuccess = () => ok(req.result);
      req.onerror = () => err(req.error);
    });
    const tx = db.transaction('changes', 'readwrite');
    const store = tx.objectStore('changes');
    const keys: IDBValidKey[] = await new Promise((ok) => {
      const r = store.getAllKeys();
      r.onsuccess = () => ok(r.result);
    });
    const values: { bytes: Uint8Array; stored_at: number }[] = await new Promise((ok) => {
      const r = store.getAll();
      r.onsuccess = () => ok(r.result);
    });
    // The newest record: the change that added the last skill.
    let newest = 0;
    values.forEach((v, i) => { if (v.stored_at > values[newest].stored_at) newest = i; });
    const bytes = new Uint8Array(values[newest].bytes);
    for (let i = 10; i < 20 && i < bytes.length; i++) bytes[i] ^= 0xff;
    store.put({ bytes, stored_at: values[newest].stored_at }, keys[newest]);
    await new Promise((ok) => { tx.oncomplete = ok; });
    return values.length;
  });
  expect(corrupted).toBe(3);

  await page.reload();
  await expect(skillList(page)).toHaveText(['甲', '乙']);
  await expect(page.getByTestId('notice')).toContainText('1 条记录已损坏');
  await addSkill(page, '丁');
  await expect(skillList(page)).toHaveText(['甲', '乙', '丁']);
  await expect(page.getByTestId('set-aside')).toBeVisible();

  await page.reload();
  await expect(skillList(page)).toHaveText(['甲', '乙', '丁']);
});

test('two tabs open at once both see a write made in either', async ({ context }) => {
  const one = await context.newPage();
  await onboard(one);
  await one.goto('/me');
  const two = await context.newPage();
  await two.goto('/me');
  await expect(two.getByTestId('skills-empty')).toBeVisible();

  await addSkill(one, '修水管');
  await expect(skillList(two)).toHaveText(['修水管']);
  await addSkill(two, '借梯子');
  await expect(skillList(one)).toHaveText(['修水管', '借梯子']);
  await expect(skillList(two)).toHaveText(['修水管', '借梯子']);
});

test('switching language changes every visible string', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome to Linli' })).toBeVisible();
  expect(await chineseLeftIn(page)).toEqual([]);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');

  await page.getByText('No invite code yet? Try it on this device').click();
  expect(await chineseLeftIn(page)).toEqual([]);
  await page.locator('#field-member-name').fill('Wang');
  await page.getByRole('button', { name: 'Get started' }).click();
  for (const path of ['/help', '/deliberation', '/points', '/patrol', '/me', '/nowhere']) {
    await page.goto(path);
    await expect(page.getByTestId('sync-badge')).toHaveText('This device only');
    await expect(page.locator('main')).not.toContainText('Loading…');
    expect(await chineseLeftIn(page), path).toEqual([]);
  }
  await page.goto('/me');
  await page.getByRole('button', { name: '简体中文' }).click();
  await expect(page.getByRole('navigation').getByText('我的')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByTestId('community-name')).toHaveText('湖前第二社区');
});

test('the patrol tab is hidden from a resident and shown to a grid worker', async ({ browser }) => {
  const resident = await (await browser.newContext()).newPage();
  await onboard(resident, '李师傅', 'resident');
  await expect(resident.getByRole('navigation').getByRole('link')).toHaveCount(5);
  await expect(resident.getByRole('navigation').getByText('反映问题')).toBeVisible();
  await expect(resident.getByRole('navigation').getByText('网格巡查')).toHaveCount(0);
  await resident.goto('/patrol');
  await expect(resident.getByText('网格巡查只对网格员和社区工作者开放。')).toBeVisible();

  const worker = await (await browser.newContext()).newPage();
  await onboard(worker, '张网格', 'grid_worker');
  await expect(worker.getByRole('navigation').getByRole('link')).toHaveCount(5);
  await worker.getByRole('navigation').getByText('网格巡查').click();
  await expect(worker.getByRole('heading', { name: '我的巡查', exact: true })).toBeVisible();
});

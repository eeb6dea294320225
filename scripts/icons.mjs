// Renders public/icons/icon.svg to the PNG sizes the manifest and iOS need, in Debian's
// Chromium. A developer tool: the PNGs are committed, so builds never run it.
//   node scripts/icons.mjs
import { readFileSync } from 'node:fs';
import { chromium } from '../end2end/node_modules/playwright-core/index.mjs';

const svg = readFileSync(new URL('../public/icons/icon.svg', import.meta.url), 'utf8');
const sizes = { 'icon-192.png': 192, 'icon-512.png': 512, 'apple-touch-icon.png': 180 };
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
for (const [name, size] of Object.entries(sizes)) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  const sized = svg.replace('width="512" height="512"', `width="${size}" height="${size}"`);
  await page.setContent(`<html><body style="margin:0">${sized}</body></html>`);
  await page.screenshot({ path: new URL(`../public/icons/${name}`, import.meta.url).pathname });
  await page.close();
}
await browser.close();
console.log('icons written:', Object.keys(sizes).join(', '));

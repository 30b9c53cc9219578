// The explorer's sidechain page in Chromium, against a main chain on which the Rust test
// (a_relayer_anchors_a_sidechain_on_main_…) registered a sidechain and anchored its headers:
// the sidechain appears with its name, and its anchored head and latest anchors are the ones
// the chain holds.

import { launch, guardedPage, checkAccessibility, checkFitsWidth, screenshot, assert, checkProblems, env } from './lib.mjs';

const browser = await launch();
try {
  for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
    const { page, problems } = await guardedPage(browser, viewport);
    await page.goto(`${env('APP_URL')}#/sidechains`);
    await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Sidechains' && document.querySelector('.sidechain'));
    const section = await page.textContent('.sidechain');
    assert(section.includes(`Sidechain 0: ${env('NAME')}`), `the sidechain and its name: ${section}`);
    const head = Number((await page.textContent('.anchored-head')).match(/#([\d,]+)/)[1].replace(/,/g, ''));
    assert(head === Number(env('ANCHORED_HEAD')), `the anchored head ${head}`);
    const anchors = await page.locator('.anchors tbody tr').count();
    assert(anchors >= 1, 'anchored headers are listed');
    const newest = await page.textContent('.anchors tbody tr td');
    assert(Number(newest.replace(/[#,]/g, '')) === head, `the newest anchor is the head: ${newest} vs ${head}`);
    await checkAccessibility(page, `sidechains at ${viewport.width} px`);
    if (viewport.width === 390) await checkFitsWidth(page, 'sidechains');
    await screenshot(page, viewport.width === 390 ? 'sidechains-390' : 'sidechains');
    checkProblems(problems);
    console.log(`SEEN ${JSON.stringify({ width: viewport.width, head, anchors })}`);
  }
} finally {
  await browser.close();
}

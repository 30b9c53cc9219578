// The data market in Chromium against a `--dev` node with its gateway (tests:
// a_file_sold_in_the_browser_is_delivered_decrypted_confirmed_and_rated.rs). Bob publishes a
// file from the page (encrypted in the browser, listed, uploaded with the gateway login, the
// key shared with proxy Charlie); Dave, in another browser profile, finds it, buys it through
// Charlie; Charlie's `cpchain market serve` delivers; Dave's page refuses a download changed on
// the way, then downloads, decrypts and saves the original bytes, confirms and rates. Then the
// page and the CLI meet: Eve buys with the CLI, Bob's page delivers from the key it kept, and
// `cpchain market fetch` gets the same bytes; Eve disputes in the page and Charlie rules a split
// from his dashboard, which shows the fees earned. Every flow runs at a phone's width (390 px),
// with axe-core and no horizontal scrolling on each page.
// Prints `SEEN {json}` for the test to check against RPC.

import { spawn, execFile } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { launch, guardedPage, checkAccessibility, checkFitsWidth, screenshot, assert, checkProblems, env, heading, message, shown, mainText, importDev as importAccount } from './lib.mjs';

const app = env('APP_URL');
const cpchain = env('CPCHAIN');
const rpc = env('RPC_URL');
const charlie = env('CHARLIE');
const PASSWORD = 'market-password-1';
const seen = {};
const work = mkdtempSync(path.join(tmpdir(), 'cpchain-market-'));

// 2.5 MiB of readings: three chunks, the last one short.
const data = Buffer.alloc(2 * 1024 * 1024 + 500_000);
for (let i = 0; i < data.length; i++) data[i] = (Math.imul(i, 2654435761) >>> 13) & 0xff;
seen.contentHash = `0x${createHash('sha256').update(data).digest('hex')}`;

function cli(args) {
  return new Promise((resolve, reject) => {
    execFile(cpchain, [...args, '--rpc-url', rpc, '--json'], { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`cpchain ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

async function importDev(page, name) {
  await importAccount(page, app, name, PASSWORD);
}

async function act(page, id, password = PASSWORD) {
  await page.fill(`#${id}-password`, password);
  await page.click(`#${id}-form button[type=submit]`);
}

async function orderStatus(page, status, timeout = 20_000) {
  try {
    await page.waitForFunction((s) => document.querySelector('#order-status')?.textContent === s, status, { timeout });
  } catch {
    throw new Error(`waiting for the order to be ${status}; main: ${await mainText(page)}`);
  }
}

// Every flow runs at a phone's width; the screenshots for the docs are taken wide.
const PHONE = { width: 390, height: 844 };

async function fits(page, name) {
  await checkFitsWidth(page, `${name} at 390 px`);
  await checkAccessibility(page, `${name} at 390 px`);
}

async function wideScreenshot(page, name) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await checkAccessibility(page, name);
  await screenshot(page, name);
  await page.setViewportSize(PHONE);
}

const browser = await launch();
let daemon = null;
try {
  // Bob publishes.
  const seller = await guardedPage(browser, PHONE);
  await importDev(seller.page, 'Bob');
  await seller.page.goto(`${app}#/market/publish`);
  await heading(seller.page, 'Publish a file');
  await fits(seller.page, 'publish');
  const page = seller.page;
  await page.setInputFiles('#publish-file', { name: 'readings.csv', mimeType: 'text/csv', buffer: data });
  await page.fill('#publish-title', 'Soil moisture, field 7');
  await page.fill('#publish-description', 'Hourly soil moisture from 12 sensors.');
  await page.fill('#publish-tags', 'soil, iot');
  await page.fill('#publish-category', 'agriculture');
  await page.fill('#publish-license', 'CC-BY-4.0');
  // Bad input first: each refused with a message before anything is signed or sent.
  await page.fill('#publish-price', '50');
  await act(page, 'publish');
  await message(page, '#publish-error', 'Choose at least one proxy.');
  await page.check(`input[name=publish-proxy][value="${charlie}"]`);
  await page.fill('#publish-price', 'fifty');
  await act(page, 'publish');
  await message(page, '#publish-error', 'Enter an amount such as 1.5.');
  await page.fill('#publish-price', '50');
  await act(page, 'publish', 'wrong-password');
  await message(page, '#publish-error', 'Wrong password.');
  assert((await page.locator('#publish-status li').count()) === 0, 'nothing was sent for the refused attempts');
  // A gateway that cannot take the file: listed, three upload attempts, then delisted (as the
  // CLI does), so nobody buys content that is not there. The refused connections are the only
  // errors the browser reports.
  const gateway = await page.inputValue('#publish-gateway');
  const closed = `127.0.0.1:${env('CLOSED_PORT')}`;
  await page.fill('#publish-gateway', `http://${closed}`);
  await act(page, 'publish');
  await message(page, '#publish-error', 'is delisted', 60_000);
  seen.failedProduct = Number((await page.textContent('#publish-error')).match(/product (\d+) is delisted/)[1]);
  assert((await page.textContent('#publish-status')).includes('Upload attempt 2 failed'), 'three attempts');
  const unexpected = seller.problems.filter((p) => !p.includes(`${closed}/`) && p !== 'console error: Failed to load resource: net::ERR_CONNECTION_REFUSED');
  assert(unexpected.length === 0 && seller.problems.length > 0, `only the refused uploads failed: ${seller.problems.join('; ')}`);
  seller.problems.length = 0;
  await page.fill('#publish-gateway', gateway);
  await act(page, 'publish');
  await shown(page, '#publish-done', 120_000);
  const steps = await page.textContent('#publish-status');
  assert(/Encrypting/.test(steps) && /Listing on chain/.test(steps) && /Uploading/.test(steps) && /Key shared with proxy/.test(steps), `the publish went through every step: ${steps}`);
  seen.product = Number((await page.textContent('#publish-product')).match(/\d+/)[0]);
  assert((await page.textContent('#publish-upload-text')) === '100%', 'the upload finished');
  await fits(page, 'publish, done');
  await wideScreenshot(page, 'market-publish');

  // The list: found by a search, its facts on the product page.
  await page.goto(`${app}#/market`);
  await heading(page, 'Data market');
  await page.fill('#market-search', 'SOIL moisture');
  await page.waitForFunction(() => document.querySelector('#market-count')?.textContent.startsWith('1 of'));
  const row = await page.textContent('#market-products tbody');
  assert(row.includes('Soil moisture, field 7') && row.includes('50 CPC') && row.includes('CC-BY-4.0') && row.includes('Gateway'), `the listed product: ${row}`);
  await page.fill('#market-search', 'no such words');
  await page.waitForFunction(() => document.querySelector('#market-count')?.textContent.startsWith('0 of'));
  await page.fill('#market-search', 'soil');
  await fits(page, 'market list');
  await screenshot(page, 'market-390');
  await wideScreenshot(page, 'market-list');
  checkProblems(seller.problems);

  // Dave, in a browser profile of his own, buys through Charlie.
  const buyer = await guardedPage(browser, PHONE);
  const b = buyer.page;
  await importDev(b, 'Dave');
  await b.goto(`${app}#/market/product/${seen.product}`);
  await heading(b, 'Soil moisture, field 7');
  const facts = await b.textContent('#product-facts');
  assert(facts.includes(seen.contentHash), `the product's hash is the file's: ${facts}`);
  await b.waitForFunction(() => /yes/.test(document.querySelector('#product-proxies tbody')?.textContent ?? ''));
  await fits(b, 'product');
  await wideScreenshot(b, 'product');
  await act(b, 'buy', 'wrong-password');
  await message(b, '#buy-error', 'Wrong password.');
  await act(b, 'buy');
  await shown(b, '#buy-order');
  seen.order = Number((await b.textContent('#buy-order')).replace('#', ''));

  // Charlie's delivery daemon (the CLI) delivers; the order page follows it live.
  daemon = spawn(cpchain, ['market', 'serve', '--suri', '//Charlie', '--allow-private-gateways', '--poll-ms', '300', '--key-dir', path.join(work, 'charlie-keys'), '--rpc-url', rpc], { stdio: 'ignore' });
  await b.click('#buy-order');
  await heading(b, `Order ${seen.order}`);
  await orderStatus(b, 'Delivered', 90_000);
  daemon.kill();
  daemon = null;
  const timeline = await b.textContent('#order-timeline');
  assert(/Created/.test(timeline) && /Delivered/.test(timeline) && /Completed \(next\)/.test(timeline) && /block #/.test(timeline), `the timeline: ${timeline}`);

  // A download changed on the way is refused: nothing offered to save.
  await b.route('**/products/*/blob*', async (route) => {
    const response = await route.fetch();
    const body = await response.body();
    body[body.length - 1] ^= 1;
    await route.fulfill({ response, body });
  });
  await act(b, 'download');
  await message(b, '#download-error', 'failed its authentication check');
  assert((await b.locator('#download-file').count()) === 0, 'no file for a tampered download');
  await b.unroute('**/products/*/blob*');

  // The real download: decrypted in the page, checked, saved; the bytes are the original.
  await act(b, 'download');
  await shown(b, '#download-verified');
  const [download] = await Promise.all([b.waitForEvent('download'), b.click('#download-file')]);
  const saved = readFileSync(await download.path());
  assert(saved.equals(data), `the saved file is the original (${saved.length} of ${data.length} bytes)`);
  seen.downloaded = saved.length;
  await fits(b, 'order, downloaded');
  await wideScreenshot(b, 'order');

  // Confirm and rate.
  await act(b, 'confirm');
  await shown(b, '#confirm-finalized');
  await orderStatus(b, 'Completed');
  await b.selectOption('#rate-rating', '5');
  await b.selectOption('#rate-proxy', '4');
  await act(b, 'rate');
  await shown(b, '#rate-done');
  await b.waitForFunction(() => !document.querySelector('#rate-form'));
  await b.goto(`${app}#/wallet/${env('DAVE')}`);
  await b.waitForFunction(() => /\d/.test(document.querySelector('#wallet-free')?.textContent ?? ''));
  seen.daveFree = (await b.textContent('#wallet-free')).trim();
  await b.goto(`${app}#/market/orders`);
  await b.waitForFunction((o) => document.querySelector('#market-orders')?.textContent.includes(`#${o}`), seen.order);
  await fits(b, 'your orders');
  checkProblems(buyer.problems);

  // The page and the CLI: Eve buys with the CLI, Bob's page delivers from the key it kept, and
  // the CLI fetches the same bytes.
  const eve = await cli(['market', 'buy', String(seen.product), '--proxy', charlie, '--suri', '//Eve']);
  seen.eveOrder = eve.orderId;
  await page.goto(`${app}#/market/order/${seen.eveOrder}`);
  await heading(page, `Order ${seen.eveOrder}`);
  await message(page, '#deliver-form', 'As the seller');
  await act(page, 'deliver');
  await orderStatus(page, 'Delivered', 60_000);
  const out = path.join(work, 'eve.csv');
  const fetched = await cli(['market', 'fetch', String(seen.eveOrder), '--out', out, '--suri', '//Eve']);
  assert(fetched.verified === true && readFileSync(out).equals(data), 'the CLI fetched the bytes the page published');
  checkProblems(seller.problems);

  // Eve (the same dev account, now in Dave's browser) disputes; Charlie rules a split from
  // his dashboard, in a third profile.
  await importDev(b, 'Eve');
  await b.goto(`${app}#/market/order/${seen.eveOrder}`);
  await heading(b, `Order ${seen.eveOrder}`);
  await b.fill('#dispute-reason', 'Half of the readings are zeros.');
  await act(b, 'dispute');
  await orderStatus(b, 'Disputed', 60_000);
  await fits(b, 'a disputed order');
  const proxy = await guardedPage(browser, PHONE);
  const c = proxy.page;
  await importDev(c, 'Charlie');
  await c.goto(`${app}#/market/proxy`);
  await heading(c, 'Proxy dashboard');
  await message(c, '#proxy-disputes', `#${seen.eveOrder}`);
  await c.click(`#proxy-disputes a[href="#/market/order/${seen.eveOrder}"]`);
  await heading(c, `Order ${seen.eveOrder}`);
  await c.selectOption('#resolve-ruling', 'Split');
  await c.fill('#resolve-share', '1001');
  await act(c, 'resolve');
  await message(c, '#resolve-error', 'A split gives the buyer 0 to 1000 per mille.');
  await c.fill('#resolve-share', '500');
  await act(c, 'resolve');
  await orderStatus(c, 'Resolved', 60_000);
  await message(c, '#order-timeline', 'ruling: split(500');
  await fits(c, 'a ruled order');
  await c.goto(`${app}#/market/proxy`);
  await heading(c, 'Proxy dashboard');
  await shown(c, '#proxy-earned', 20_000);
  seen.proxyEarned = (await c.textContent('#proxy-earned')).trim();
  await fits(c, 'proxy dashboard');
  await wideScreenshot(c, 'market-proxy');
  checkProblems(proxy.problems);
  checkProblems(buyer.problems);
  checkProblems(seller.problems);

  console.log(`SEEN ${JSON.stringify(seen)}`);
} finally {
  daemon?.kill();
  await browser.close();
  rmSync(work, { recursive: true, force: true });
}

// The wallet in Chromium against a `--dev` node (tests: the_wallet_imports_bob_and_sends_a_
// finalized_transfer_in_a_real_browser.rs): create a fresh account, import //Bob, refuse bad
// input (a malformed address, an amount above the balance, a wrong password) without sending
// anything, send a transfer that the page follows to finalized, see both accounts' balances
// and history, keep the accounts over a reload, and export the phrase only with its password.
// Prints `SEEN {json}` with what the page showed, for the test to check against RPC.

import { launch, guardedPage, checkAccessibility, checkFitsWidth, screenshot, assert, checkProblems, env, heading, message, importDev as importAccount } from './lib.mjs';

const app = env('APP_URL');
const BOB_PASSWORD = 'bob-password-1';
const FRESH_PASSWORD = 'fresh-password-1';
const seen = {};

async function amountShown(page, selector) {
  await page.waitForFunction((s) => /\d/.test(document.querySelector(s)?.textContent ?? ''), selector);
  return (await page.textContent(selector)).trim();
}

async function importDev(page, name, password) {
  await importAccount(page, app, name, password);
}

const browser = await launch();
try {
  const { page, problems } = await guardedPage(browser);
  await page.goto(`${app}#/wallet`);
  await heading(page, 'Wallet');
  await checkAccessibility(page, 'wallet (empty)');

  // A new account: passwords that differ are refused; then the phrase and address are shown.
  await page.fill('#create-name', 'Fresh');
  await page.fill('#create-password', FRESH_PASSWORD);
  await page.fill('#create-repeat', 'something-else');
  await page.click('#create-form button[type=submit]');
  await message(page, '#create-error', 'The two passwords differ.');
  await page.fill('#create-repeat', FRESH_PASSWORD);
  await page.click('#create-form button[type=submit]');
  await page.locator('#new-address').waitFor();
  seen.fresh = (await page.textContent('#new-address')).trim();
  const phrase = (await page.textContent('#new-phrase')).trim();
  assert(phrase.split(' ').length === 12, `a 12-word phrase: ${phrase}`);

  // A bad phrase is refused with the reason; //Bob comes from the dev accounts.
  await page.fill('#import-secret', 'these words are not a recovery phrase at all');
  await page.fill('#import-name', 'Nobody');
  await page.fill('#import-password', BOB_PASSWORD);
  await page.fill('#import-repeat', BOB_PASSWORD);
  await page.click('#import-form button[type=submit]');
  await message(page, '#import-error', 'Not a valid recovery phrase');
  await importDev(page, 'Bob', BOB_PASSWORD);
  seen.bob = (await page.textContent('#wallet-address')).trim();
  assert(seen.bob === env('BOB'), `//Bob is Bob: ${seen.bob}`);
  seen.bobFreeBefore = await amountShown(page, '#wallet-free');
  await checkAccessibility(page, 'wallet account');

  // Bad input: each refused with a message, nothing signed or sent (the test checks Bob's
  // nonce on chain).
  const tampered = seen.fresh.slice(0, -1) + (seen.fresh.endsWith('a') ? 'b' : 'a');
  const attempts = [
    [tampered, '12.5', BOB_PASSWORD, 'Not a valid address'],
    [seen.fresh, '999999999999', BOB_PASSWORD, 'more than the transferable balance'],
    [seen.fresh, '12.5', 'wrong-password', 'Wrong password.'],
    [seen.fresh, '1.0000000000001', BOB_PASSWORD, 'At most 12 decimal places.'],
  ];
  for (const [to, amount, password, expected] of attempts) {
    await page.fill('#transfer-to', to);
    await page.fill('#transfer-amount', amount);
    await page.fill('#transfer-password', password);
    await page.click('#transfer-form button[type=submit]');
    await message(page, '#transfer-error', expected);
    assert((await page.locator('#transfer-status li').count()) === 0, `nothing was sent for: ${expected}`);
  }

  // The transfer: a fee estimate, then the live status to finalized with the fee paid.
  await page.fill('#transfer-to', seen.fresh);
  await page.fill('#transfer-amount', '12.5');
  await page.waitForFunction(() => /CPC/.test(document.querySelector('#transfer-fee')?.textContent ?? ''));
  seen.feeEstimated = (await page.textContent('#transfer-fee')).replace(' (estimated)', '').trim();
  await page.fill('#transfer-password', BOB_PASSWORD);
  await page.click('#transfer-form button[type=submit]');
  await page.locator('#transfer-finalized').waitFor({ timeout: 60_000 });
  const statuses = await page.textContent('#transfer-status');
  assert(/Submitted/.test(statuses) && /In block #/.test(statuses) && /Success/.test(statuses), `the status went through the pool and a block: ${statuses}`);
  seen.finalizedBlock = Number((await page.textContent('#transfer-finalized')).match(/#([\d,]+)/)[1].replace(/,/g, ''));
  seen.feePaid = (await page.textContent('#transfer-fee-paid')).trim();
  await page.waitForFunction((before) => document.querySelector('#wallet-free')?.textContent.trim() !== before, seen.bobFreeBefore);
  seen.bobFreeAfter = (await page.textContent('#wallet-free')).trim();
  await page.waitForFunction(() => /finalized/.test(document.querySelector('#wallet-history tbody')?.textContent ?? ''));
  const bobHistory = await page.textContent('#wallet-history tbody');
  assert(bobHistory.includes(seen.fresh) && bobHistory.includes('12.5 CPC') && bobHistory.includes('Sent'), `Bob's history: ${bobHistory}`);
  await screenshot(page, 'wallet-transfer');

  // Reloaded, the wallet still holds both accounts; the fresh one received the amount.
  await page.goto(`${app}#/wallet`);
  await page.reload();
  await heading(page, 'Wallet');
  const accounts = await page.textContent('#wallet-accounts');
  assert(accounts.includes('Bob') && accounts.includes('Fresh'), `both accounts after a reload: ${accounts}`);
  await checkAccessibility(page, 'wallet');
  await screenshot(page, 'wallet');
  await page.goto(`${app}#/wallet/${seen.fresh}`);
  await heading(page, 'Wallet: Fresh');
  seen.freshFree = await amountShown(page, '#wallet-free');
  await page.waitForFunction(() => /Received/.test(document.querySelector('#wallet-history tbody')?.textContent ?? ''));
  const freshHistory = await page.textContent('#wallet-history tbody');
  assert(freshHistory.includes(seen.bob) && freshHistory.includes('12.5 CPC'), `the fresh account's history: ${freshHistory}`);

  // Export: the phrase only with the password.
  await page.fill('#export-password', 'wrong-password');
  await page.click('#export-form button[type=submit]');
  await message(page, '#export-error', 'Wrong password.');
  assert((await page.locator('#export-secret').count()) === 0, 'no secret for a wrong password');
  await page.fill('#export-password', FRESH_PASSWORD);
  await page.click('#export-form button[type=submit]');
  await page.locator('#export-secret').waitFor();
  assert((await page.textContent('#export-secret')).trim() === phrase, 'the exported phrase is the one shown at creation');
  checkProblems(problems);

  // At phone width, in a browser profile of its own.
  const phone = await guardedPage(browser, { width: 390, height: 844 });
  await phone.page.goto(`${app}#/wallet`);
  await heading(phone.page, 'Wallet');
  await checkFitsWidth(phone.page, 'wallet');
  await checkAccessibility(phone.page, 'wallet at 390 px');
  await importDev(phone.page, 'Alice', 'alice-password-1');
  await amountShown(phone.page, '#wallet-free');
  await checkFitsWidth(phone.page, 'wallet account');
  // The transfer at phone width too: Alice pays Ferdie 1 CPC.
  await phone.page.fill('#transfer-to', env('FERDIE'));
  await phone.page.fill('#transfer-amount', '1');
  await phone.page.fill('#transfer-password', 'alice-password-1');
  await phone.page.click('#transfer-form button[type=submit]');
  await phone.page.locator('#transfer-finalized').waitFor({ timeout: 60_000 });
  assert(/Success/.test(await phone.page.textContent('#transfer-finalized')), 'the transfer at 390 px succeeded');
  await checkFitsWidth(phone.page, 'wallet account after a transfer');
  await checkAccessibility(phone.page, 'wallet account at 390 px');
  await screenshot(phone.page, 'wallet-390');
  checkProblems(phone.problems);

  console.log(`SEEN ${JSON.stringify(seen)}`);
} finally {
  await browser.close();
}

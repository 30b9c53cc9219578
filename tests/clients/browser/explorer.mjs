// The explorer in Chromium against a `--dev` node the Rust test started and sent a transfer
// through (tests: the_explorer_shows_a_transfer_decoded_with_its_lbft_certificate_…). Prints
// `SEEN {json}` with what the page showed, for the test to check against RPC.

import { launch, guardedPage, checkAccessibility, checkFitsWidth, screenshot, assert, checkProblems, env } from './lib.mjs';

const app = env('APP_URL');
const heightOf = (text) => Number(String(text).replace(/[#,]/g, ''));
const seen = {};

async function waitForHeading(page, prefix) {
  await page.waitForFunction((p) => document.querySelector('main h1')?.textContent.startsWith(p), prefix);
}

async function liveHeads(page) {
  await page.goto(app);
  await page.waitForFunction(() => /^#\d/.test(document.querySelector('#finalized-height')?.textContent ?? ''));
  const first = heightOf(await page.textContent('#finalized-height'));
  await page.waitForFunction(
    (n) => Number(document.querySelector('#finalized-height').textContent.replace(/[#,]/g, '')) > n,
    first,
    { timeout: 20_000 },
  );
  await page.locator('#latest-blocks tbody tr').first().waitFor();
  return { first, later: heightOf(await page.textContent('#finalized-height')) };
}

const browser = await launch();
try {
  const { page, problems } = await guardedPage(browser);

  // The home page follows the chain.
  const heads = await liveHeads(page);
  seen.finalizedFirst = heads.first;
  seen.finalizedAdvancedTo = heads.later;
  await checkAccessibility(page, 'home');
  await screenshot(page, 'home');

  // Search by number leads to the block; the transfer is decoded by name with its arguments.
  await page.fill('#search', env('BLOCK_NUMBER'));
  await page.click('#search-form button');
  await waitForHeading(page, `Block #${Number(env('BLOCK_NUMBER')).toLocaleString('en-US')}`);
  seen.blockHash = (await page.textContent('#block-hash')).trim();
  assert((await page.textContent('#block-status')) === 'Finalized', 'the block shows as finalized');
  const row = page.locator('#extrinsics tbody tr', { hasText: 'Balances.transfer_keep_alive' });
  assert((await row.count()) === 1, 'one transfer row');
  const rowText = await row.textContent();
  for (const part of [env('TO'), env('AMOUNT'), env('FROM'), 'Success', 'dest: ', 'value: ']) {
    assert(rowText.includes(part), `the transfer row shows ${part}: ${rowText}`);
  }
  const events = await page.textContent('#block-events');
  assert(/Balances\.Transfer\(from: \S+, to: \S+, amount: [\d.,]+ CPC\)/.test(events.replace(/\s+/g, ' ')), `the Transfer event with its fields: ${events}`);
  assert(events.includes(env('TO')) && events.includes(env('AMOUNT')), 'the event names the receiver and the amount');
  assert((await page.textContent('#cert-round')) === env('ROUND'), 'the certificate round');
  const signers = await page.textContent('#cert-signers');
  assert(signers.includes(`validator ${env('SIGNER_INDEX')}: ${env('SIGNER')}`), `the certificate's signer: ${signers}`);
  await checkAccessibility(page, 'block');
  await screenshot(page, 'block');

  // The extrinsic's own page, from the row's link.
  await row.locator('a').first().click();
  await waitForHeading(page, 'Extrinsic ');
  assert((await page.textContent('#extrinsic-events')).includes('Balances.Transfer'), 'the extrinsic page lists its events');
  await checkAccessibility(page, 'extrinsic');

  // The receiver's page, from the link on the account.
  await page.goto(`${app}#/account/${env('TO')}`);
  await waitForHeading(page, 'Account');
  await page.waitForFunction(() => /CPC/.test(document.querySelector('#balance-free')?.textContent ?? ''));
  seen.daveFree = (await page.textContent('#balance-free')).trim();
  await checkAccessibility(page, 'account');
  await screenshot(page, 'account');

  // The committee names the validator that signed.
  await page.goto(`${app}#/consensus`);
  await waitForHeading(page, 'Consensus');
  const committee = await page.textContent('#committee');
  assert(committee.includes(env('SIGNER')), `the committee lists the signer: ${committee}`);
  await checkAccessibility(page, 'consensus');
  await screenshot(page, 'consensus');

  await page.goto(`${app}#/runtime`);
  await waitForHeading(page, 'Runtime');
  const spec = (await page.textContent('#spec')).trim();
  assert(/^cpchain \d+$/.test(spec), 'the runtime spec');
  const genesisRow = await page.textContent('#upgrades tbody tr');
  assert(genesisRow.includes('genesis') && genesisRow.includes(spec), `the upgrade history starts with the genesis runtime: ${genesisRow}`);
  await checkAccessibility(page, 'runtime');
  await screenshot(page, 'runtime');

  // Bad input gets a message and goes nowhere.
  const before = page.url();
  const tampered = env('TO').slice(0, -1) + (env('TO').endsWith('a') ? 'b' : 'a');
  for (const [term, message] of [
    ['not an address', 'Not a block number, a hash or an address'],
    [tampered, 'bad checksum'],
  ]) {
    await page.fill('#search', term);
    await page.click('#search-form button');
    await page.waitForFunction((m) => document.querySelector('#search-error').textContent.includes(m), message);
    assert(page.url() === before, `a bad search (${term}) leaves the page where it was`);
  }
  await page.fill('#rpc-url', 'http://127.0.0.1:1');
  await page.click('#rpc-form button');
  await page.waitForFunction(() => document.querySelector('#rpc-error').textContent.includes('WebSocket address'));
  checkProblems(problems);

  // At phone width: nothing wider than the screen, still accessible.
  const phone = await guardedPage(browser, { width: 390, height: 844 });
  await liveHeads(phone.page);
  await checkFitsWidth(phone.page, 'home');
  await checkAccessibility(phone.page, 'home at 390 px');
  await screenshot(phone.page, 'home-390');
  await phone.page.goto(`${app}#/block/${env('BLOCK_HASH')}`);
  await waitForHeading(phone.page, 'Block #');
  await checkFitsWidth(phone.page, 'block');
  await checkAccessibility(phone.page, 'block at 390 px');
  await screenshot(phone.page, 'block-390');
  checkProblems(phone.problems);

  console.log(`SEEN ${JSON.stringify(seen)}`);
} finally {
  await browser.close();
}

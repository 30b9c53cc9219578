// The wallet's pages: the accounts kept in this browser (create, import, export, remove),
// one account's balances, a transfer with its fee and live status until finalized, and the
// account's transfers. Keys stay in the page (vault.js, crypto.js); the node only ever sees
// signed transactions.

import { h, replace, short } from './dom.js';
import { Account, Balance, Variant } from './metadata.js';
import { ss58Decode, ss58Encode, fromHex, toHex } from './hash.js';
import * as vault from './vault.js';
import * as crypto from './crypto.js';
import { estimateFee, signed } from './extrinsic.js';
import { watch } from './tx.js';

const DEV_ACCOUNTS = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];
/** How many recent blocks the account page searches for the account's transfers. */
const HISTORY_BLOCKS = 100;

export function field(id, label, input, hint) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('span', { class: 'muted', id: `${id}-hint` }, hint) : null);
}

export function input(id, attrs = {}) {
  return h('input', { id, name: id, autocomplete: 'off', spellcheck: 'false', ...attrs });
}

export function addressOf(chain, publicKey) {
  return ss58Encode(fromHex(publicKey), chain.ss58Format);
}

/** An amount typed in the token (`1.5`, `1,000.25`) to its smallest unit; throws with a reason. */
export function parseAmount(text, decimals) {
  const s = String(text ?? '').trim().replace(/[,_ ]/g, '');
  if (!/^\d{1,30}(\.\d*)?$/.test(s)) throw new Error('Enter an amount such as 1.5.');
  const [whole, fraction = ''] = s.split('.');
  if (fraction.length > decimals) throw new Error(`At most ${decimals} decimal places.`);
  const value = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
  if (value === 0n) throw new Error('The amount must be more than zero.');
  return value;
}

/** An address typed by the user, checked; throws "Not a valid address: …". */
export function parseAddress(chain, text) {
  const t = String(text ?? '').trim();
  if (!t) throw new Error('Enter the address to send to.');
  let decoded;
  try {
    decoded = ss58Decode(t);
  } catch (e) {
    throw new Error(`Not a valid address: ${e.message.replace(/^not an address: /, '')}.`);
  }
  if (decoded.format !== chain.ss58Format) throw new Error(`This address is for another network (format ${decoded.format}; this chain uses ${chain.ss58Format}).`);
  return decoded.publicKey;
}

export async function balances(chain, publicKey) {
  const a = await chain.account(addressOf(chain, publicKey));
  const data = a.info?.data ?? {};
  const value = (x) => (x instanceof Balance ? x.value : 0n);
  const free = value(data.free);
  const frozen = value(data.frozen);
  return { free, reserved: value(data.reserved), frozen, transferable: free > frozen ? free - frozen : 0n, nonce: a.info?.nonce ?? 0 };
}

/** `#/wallet`: the accounts, and the forms that add one. */
export async function index(chain, root) {
  let list;
  let damaged = null;
  try {
    list = vault.accounts();
  } catch (e) {
    list = [];
    damaged = e.message;
  }
  const rows = list.map((a) => {
    const address = addressOf(chain, a.publicKey);
    const free = h('td', { class: 'amount' }, '\u2026');
    balances(chain, a.publicKey).then((b) => replace(free, chain.formatBalance(b.free)), () => replace(free, '\u2014'));
    return h('tr', {}, h('td', {}, h('a', { href: `#/wallet/${address}` }, a.name)), h('td', {}, short(address, 10)), free);
  });
  const devChain = ['Development', 'Local'].includes(chain.chainType);
  replace(
    root,
    h('h1', {}, 'Wallet'),
    h('p', { class: 'muted' }, 'Keys are kept in this browser, sealed with a password, and never sent to the node. Anyone with the recovery phrase owns the account: write it down.'),
    damaged ? h('p', { role: 'alert', class: 'error' }, damaged) : null,
    h('section', { 'aria-labelledby': 'accounts-title' },
      h('h2', { id: 'accounts-title' }, 'Accounts'),
      rows.length
        ? h('table', { id: 'wallet-accounts' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Address'), h('th', { scope: 'col' }, 'Free'))), h('tbody', {}, rows))
        : h('p', { id: 'wallet-accounts' }, 'No account yet: create or import one below.')),
    createForm(chain),
    importForm(chain, devChain),
  );
}

function createForm(chain) {
  const error = h('p', { id: 'create-error', class: 'error', role: 'alert' });
  const result = h('div', { id: 'create-result', 'aria-live': 'polite' });
  const form = h('form', { id: 'create-form', class: 'stack' },
    field('create-name', 'Name', input('create-name', { required: true, maxlength: 64 })),
    field('create-password', 'Password', input('create-password', { type: 'password', autocomplete: 'new-password', required: true })),
    field('create-repeat', 'Repeat the password', input('create-repeat', { type: 'password', autocomplete: 'new-password', required: true })),
    h('button', { type: 'submit' }, 'Create account'),
    error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    replace(result);
    const get = (id) => form.querySelector(`#${id}`).value;
    try {
      const name = vault.checkNew(get('create-name'), get('create-password'), get('create-repeat'));
      const phrase = await crypto.newPhrase();
      const account = await vault.add(name, phrase, get('create-password'), 'phrase');
      const address = addressOf(chain, account.publicKey);
      form.reset();
      replace(result,
        h('p', {}, 'Your recovery phrase. Write it down and keep it safe; it is shown only now (and later with the password, under Export).'),
        h('p', { id: 'new-phrase', class: 'mono secret' }, phrase),
        h('p', {}, 'Address: ', h('a', { id: 'new-address', href: `#/wallet/${address}`, class: 'mono' }, address)));
    } catch (e) {
      error.textContent = e.message;
    }
  });
  return h('section', { 'aria-labelledby': 'create-title' }, h('h2', { id: 'create-title' }, 'Create an account'), form, result);
}

function importForm(chain, devChain) {
  const error = h('p', { id: 'import-error', class: 'error', role: 'alert' });
  const secret = h('textarea', { id: 'import-secret', name: 'import-secret', rows: 2, autocomplete: 'off', spellcheck: 'false', required: true });
  const dev = devChain
    ? field('import-dev', 'Dev account', h('select', { id: 'import-dev', name: 'import-dev' }, h('option', { value: '' }, 'None'), DEV_ACCOUNTS.map((n) => h('option', { value: n }, `//${n}`))), 'This is a development chain: its well-known accounts hold funds.')
    : null;
  const form = h('form', { id: 'import-form', class: 'stack' },
    dev,
    field('import-secret', 'Recovery phrase or secret URI', secret, 'Twelve to 24 words, or a URI such as a phrase followed by //hard/soft paths.'),
    field('import-name', 'Name', input('import-name', { required: true, maxlength: 64 })),
    field('import-password', 'Password', input('import-password', { type: 'password', autocomplete: 'new-password', required: true })),
    field('import-repeat', 'Repeat the password', input('import-repeat', { type: 'password', autocomplete: 'new-password', required: true })),
    h('button', { type: 'submit' }, 'Import account'),
    error);
  form.querySelector('#import-dev')?.addEventListener('change', (event) => {
    const n = event.target.value;
    if (!n) return;
    secret.value = `//${n}`;
    form.querySelector('#import-name').value = n;
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const get = (id) => form.querySelector(`#${id}`).value;
    try {
      const name = vault.checkNew(get('import-name'), get('import-password'), get('import-repeat'));
      const text = secret.value.trim().replace(/\s+/g, ' ');
      if (!text) throw new Error('Enter the recovery phrase or secret URI.');
      const account = await vault.add(name, text, get('import-password'), /^[a-z ]+$/.test(text) ? 'phrase' : 'uri');
      location.hash = `#/wallet/${addressOf(chain, account.publicKey)}`;
    } catch (e) {
      error.textContent = e.message;
    }
  });
  return h('section', { 'aria-labelledby': 'import-title' }, h('h2', { id: 'import-title' }, 'Import an account'), form);
}

/** `#/wallet/<address>`: one account. Returns a function that stops its live parts. */
export async function account(chain, root, address) {
  let publicKey;
  try {
    publicKey = toHex(ss58Decode(address).publicKey);
  } catch (e) {
    replace(root, h('h1', {}, 'Not an address'), h('p', { role: 'alert' }, `${e.message}.`));
    return () => {};
  }
  const a = vault.find(publicKey);
  if (!a) {
    replace(root, h('h1', {}, 'Not in this wallet'), h('p', {}, 'This browser keeps no key for this address. ', h('a', { href: `#/account/${address}` }, 'See it in the explorer'), ' or ', h('a', { href: '#/wallet' }, 'go to the wallet'), '.'));
    return () => {};
  }
  const ids = ['free', 'reserved', 'frozen', 'transferable', 'nonce'];
  const out = Object.fromEntries(ids.map((id) => [id, h('span', { id: `wallet-${id}` }, '\u2026')]));
  let current = null;
  const refresh = async () => {
    current = await balances(chain, publicKey);
    for (const id of ids.slice(0, 4)) replace(out[id], chain.formatBalance(current[id]));
    replace(out.nonce, String(current.nonce));
  };
  await refresh();
  const key = chain.metadata.storageKey('System', 'Account', fromHex(publicKey));
  const stopBalances = chain.rpc.subscribe('state_subscribeStorage', [[key]], 'state_unsubscribeStorage', () => refresh().catch(() => {}));

  const historyBody = h('tbody');
  const historySection = h('section', { 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title' }, 'Transfers'),
    h('p', { class: 'muted', id: 'history-note' }, `Sent from this browser, and found in the last ${HISTORY_BLOCKS} blocks.`),
    h('table', { id: 'wallet-history' }, h('thead', {}, h('tr', {}, ['Block', 'Transfer', 'Amount', 'Status'].map((c) => h('th', { scope: 'col' }, c)))), historyBody));
  let found = [];
  const showHistory = () => renderHistory(chain, publicKey, historyBody, found);
  showHistory();
  let stopped = false;
  scanTransfers(chain, publicKey, HISTORY_BLOCKS, () => stopped).then((transfers) => {
    found = transfers;
    showHistory();
  }, (e) => {
    document.getElementById('history-note')?.append(` (The search stopped: ${e.message}.)`);
  });

  replace(
    root,
    h('h1', {}, `Wallet: ${a.name}`),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Address'), h('dd', {}, h('span', { id: 'wallet-address', class: 'mono' }, addressOf(chain, publicKey)), ' ', h('a', { href: `#/account/${addressOf(chain, publicKey)}` }, 'in the explorer')),
      h('dt', {}, 'Free'), h('dd', {}, out.free),
      h('dt', {}, 'Reserved'), h('dd', {}, out.reserved),
      h('dt', {}, 'Frozen'), h('dd', {}, out.frozen),
      h('dt', {}, 'Transferable'), h('dd', {}, out.transferable),
      h('dt', {}, 'Nonce'), h('dd', {}, out.nonce)),
    transferForm(chain, publicKey, () => current, () => showHistory()),
    historySection,
    exportForm(publicKey),
    removeForm(publicKey),
  );
  return () => {
    stopped = true;
    stopBalances();
  };
}

function transferForm(chain, publicKey, current, onSent) {
  const error = h('p', { id: 'transfer-error', class: 'error', role: 'alert' });
  const fee = h('output', { id: 'transfer-fee', for: 'transfer-to transfer-amount', 'aria-live': 'polite' }, '');
  const status = h('ol', { id: 'transfer-status', class: 'status', 'aria-live': 'polite' });
  const to = input('transfer-to', { required: true, placeholder: 'SS58 address' });
  const amount = input('transfer-amount', { required: true, inputmode: 'decimal', placeholder: '0.0' });
  const password = input('transfer-password', { type: 'password', autocomplete: 'current-password', required: true });
  const send = h('button', { type: 'submit' }, 'Send');
  const form = h('form', { id: 'transfer-form', class: 'stack' },
    field('transfer-to', 'To', to),
    field('transfer-amount', `Amount (${chain.symbol || 'units'})`, amount),
    h('p', {}, 'Fee: ', fee),
    field('transfer-password', 'Password', password),
    send,
    error);

  const callFor = (dest, value) => chain.metadata.encodeCall('Balances', 'transfer_keep_alive', { dest: new Variant('Id', dest), value });
  // The fee follows the form, as far as it can be worked out.
  let estimating = 0;
  const estimate = async () => {
    const n = ++estimating;
    let dest;
    let value;
    try {
      dest = parseAddress(chain, to.value);
      value = parseAmount(amount.value, chain.decimals);
    } catch {
      fee.textContent = '';
      return null;
    }
    const b = current();
    const f = await estimateFee(chain, fromHex(publicKey), callFor(dest, value), b?.nonce ?? 0);
    if (n === estimating) fee.textContent = `${chain.formatBalance(f)} (estimated)`;
    return f;
  };
  let timer = null;
  for (const el of [to, amount]) {
    el.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => estimate().catch(() => {}), 300);
    });
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    send.disabled = true;
    try {
      // Everything is checked before the password opens the key; nothing is sent on a refusal.
      const dest = parseAddress(chain, to.value);
      const value = parseAmount(amount.value, chain.decimals);
      const b = current();
      if (!b) throw new Error('The balance is not known yet; try again.');
      const call = callFor(dest, value);
      const expected = await estimateFee(chain, fromHex(publicKey), call, b.nonce);
      fee.textContent = `${chain.formatBalance(expected)} (estimated)`;
      if (value + expected > b.transferable) {
        throw new Error(`The amount and the fee (${chain.formatBalance(value + expected)}) are more than the transferable balance (${chain.formatBalance(b.transferable)}).`);
      }
      if (!password.value) throw new Error('Enter the account\u2019s password.');
      const { secret, pair } = await vault.unlock(publicKey, password.value);
      password.value = '';
      const tx = await signed(chain, (payload) => crypto.sign(pair, payload), fromHex(publicKey), call, b.nonce);
      pair.raw.fill(0);
      void secret;
      const entry = { hash: tx.hash, to: ss58Encode(dest, chain.ss58Format), amount: value.toString(), fee: expected.toString(), status: 'submitted', at: Date.now() };
      vault.remember(publicKey, entry);
      replace(status, h('li', {}, 'Submitted: ', short(tx.hash)));
      onSent();
      await watch(chain, tx, status, 'transfer', (update) => {
        Object.assign(entry, update);
        vault.remember(publicKey, entry);
        onSent();
      });
      form.reset();
      fee.textContent = '';
    } catch (e) {
      error.textContent = e.message;
    } finally {
      send.disabled = false;
    }
  });
  return h('section', { 'aria-labelledby': 'transfer-title' }, h('h2', { id: 'transfer-title' }, 'Send'), form, status);
}

// The account's transfers in the last `depth` finalized blocks (Balances.Transfer events).
async function scanTransfers(chain, publicKey, depth, stopped) {
  const found = [];
  let at = await chain.rpc.send('chain_getFinalizedHead');
  const me = publicKey.toLowerCase();
  const hexOf = (acc) => (acc instanceof Account ? toHex(acc.bytes) : null);
  for (let i = 0; i < depth && at && !stopped(); i++) {
    const header = await chain.rpc.send('chain_getHeader', [at]);
    if (!header) break;
    const number = parseInt(header.number, 16);
    const events = await chain.rpc.send('state_getStorage', [chain.metadata.storageKey('System', 'Events'), at]).catch(() => undefined);
    if (events === undefined) break; // pruned
    for (const ev of chain.metadata.decodeEvents(events)) {
      if (ev.pallet !== 'Balances' || ev.name !== 'Transfer') continue;
      const from = hexOf(ev.args?.from);
      const to = hexOf(ev.args?.to);
      if (from !== me && to !== me) continue;
      found.push({ block: number, blockHash: at, out: from === me, other: from === me ? ev.args.to : ev.args.from, amount: ev.args.amount?.value ?? 0n });
    }
    if (number === 0) break;
    at = header.parentHash;
  }
  return found;
}

function renderHistory(chain, publicKey, body, found) {
  const local = vault.history(publicKey);
  const rows = [];
  const seenBlocks = new Set();
  for (const x of local) {
    rows.push(h('tr', {},
      h('td', {}, x.block != null ? h('a', { href: `#/block/${x.block}` }, `#${Number(x.block).toLocaleString('en-US')}`) : '\u2014'),
      h('td', {}, 'Sent to ', h('a', { href: `#/account/${x.to}`, class: 'mono' }, x.to)),
      h('td', { class: 'amount' }, chain.formatBalance(BigInt(x.amount))),
      h('td', {}, x.status)));
    if (x.block != null) seenBlocks.add(`${x.block}:${x.to}:${x.amount}`);
  }
  for (const t of found) {
    const other = String(t.other);
    if (t.out && seenBlocks.has(`${t.block}:${other}:${t.amount}`)) continue;
    rows.push(h('tr', {},
      h('td', {}, h('a', { href: `#/block/${t.blockHash}` }, `#${t.block.toLocaleString('en-US')}`)),
      h('td', {}, t.out ? 'Sent to ' : 'Received from ', h('a', { href: `#/account/${other}`, class: 'mono' }, other)),
      h('td', { class: 'amount' }, chain.formatBalance(t.amount)),
      h('td', {}, 'finalized')));
  }
  replace(body, rows.length ? rows : h('tr', {}, h('td', { colspan: 4 }, 'No transfers yet.')));
}

function exportForm(publicKey) {
  const error = h('p', { id: 'export-error', class: 'error', role: 'alert' });
  const shown = h('div', { id: 'export-result', 'aria-live': 'polite' });
  const password = input('export-password', { type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { id: 'export-form', class: 'stack' }, field('export-password', 'Password', password), h('button', { type: 'submit' }, 'Show the secret'), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    replace(shown);
    try {
      const { secret, pair } = await vault.unlock(publicKey, password.value);
      pair.raw.fill(0);
      password.value = '';
      const hide = h('button', { type: 'button' }, 'Hide');
      hide.addEventListener('click', () => replace(shown));
      replace(shown, h('p', {}, 'Anyone who sees this owns the account.'), h('p', { id: 'export-secret', class: 'mono secret' }, secret), hide);
    } catch (e) {
      error.textContent = e.message;
    }
  });
  return h('section', { 'aria-labelledby': 'export-title' }, h('h2', { id: 'export-title' }, 'Export'), form, shown);
}

function removeForm(publicKey) {
  const error = h('p', { id: 'remove-error', class: 'error', role: 'alert' });
  const password = input('remove-password', { type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { id: 'remove-form', class: 'stack' },
    h('p', {}, 'Removes the key from this browser. The account and its funds stay on chain; without the recovery phrase they cannot be reached again.'),
    field('remove-password', 'Password', password), h('button', { type: 'submit', class: 'danger' }, 'Remove from this browser'), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      await vault.remove(publicKey, password.value);
      location.hash = '#/wallet';
    } catch (e) {
      error.textContent = e.message;
    }
  });
  return h('section', { 'aria-labelledby': 'remove-title' }, h('h2', { id: 'remove-title' }, 'Remove'), form);
}

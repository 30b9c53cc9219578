// The data market's pages: products (search, filters, a product with its proxies, buying),
// publishing a file (encrypted here, listed on chain, uploaded to a gateway, its key shared
// with the proxies: the CLI's order and format), orders (the timeline with deadlines,
// delivery, download and decryption, confirmation, disputes, ratings) and the proxy's
// dashboard. Files and keys are handled by the node's own Rust compiled to wasm (crypto.js);
// everything read from the chain is a stranger's text and shown as text.

import { h, replace, short } from './dom.js';
import { Balance, Variant } from './metadata.js';
import { fromHex, toHex, ss58Decode, ss58Encode, utf8 } from './hash.js';
import * as crypto from './crypto.js';
import * as vault from './vault.js';
import { Gateway, audienceOf, withStall } from './gateway.js';
import { send } from './tx.js';
import { field, input, parseAmount, addressOf, balances } from './wallet.js';

/**
 * The largest file the page publishes or downloads: a published file's encrypted copy, and a
 * downloaded file's plaintext, are kept in memory until uploaded or saved.
 */
export const MAX_PUBLISH_BYTES = 1 << 30;
/** Products read for the list (in pages of 100, the RPC's default). */
const MAX_PRODUCTS = 1000;
const PAGE = 100;
/** Registered proxies read for the forms. */
const MAX_PROXIES = 1000;
/** Upload attempts before a publish delists what it listed (the CLI's three). */
const UPLOAD_ATTEMPTS = 3;
const LIMITS = { title: 128, description: 2048, tags: 8, tag: 32, category: 32, license: 512, location: 256, proxies: 8, reason: 256 };
const KEYS = 'cpchain.market.keys.v1';
const STATUS_TEXT = { created: 'Created', delivered: 'Delivered', completed: 'Completed', refunded: 'Refunded', disputed: 'Disputed', resolved: 'Resolved' };

// ---------------------------------------------------------------------------------------
// Reads

const u64le = (n) => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
};

function hexOfAddress(address) {
  return toHex(ss58Decode(address).publicKey);
}

async function products(chain) {
  const out = [];
  for (let start = 0; out.length < MAX_PRODUCTS;) {
    const page = await chain.rpc.send('market_products', [start, PAGE]);
    if (!Array.isArray(page)) throw new Error('the node gave no product list');
    out.push(...page);
    if (page.length < PAGE) break;
    start = Number(page[page.length - 1].id) + 1;
  }
  return out;
}

async function params(chain) {
  const m = chain.metadata;
  const hex = await chain.rpc.send('state_getStorage', [m.storageKey('DataMarket', 'ParamsOf')]);
  return m.storageValue('DataMarket', 'ParamsOf', hex);
}

/** Registered proxies: `{address, publicKey, bond, feePerMille, openOrders, ratingSum, ratings, acceptsAll}`. */
async function proxies(chain) {
  const m = chain.metadata;
  const read = async (entry) => {
    const prefix = m.storageKey('DataMarket', entry);
    const keys = (await chain.rpc.send('state_getKeysPaged', [prefix, MAX_PROXIES, null])) ?? [];
    if (!keys.length) return [];
    const [changes] = await chain.rpc.send('state_queryStorageAt', [keys]);
    // Blake2_128Concat of the account: the last 32 bytes of each key.
    return (changes?.changes ?? []).filter(([key, value]) => value != null && key.length === prefix.length + 96).map(([key, value]) => [`0x${key.slice(-64)}`, value]);
  };
  const [registered, all] = await Promise.all([read('Proxies'), read('AcceptsAll')]);
  const acceptsAll = new Set(all.map(([pk]) => pk));
  return registered.map(([publicKey, value]) => {
    const p = m.storageValue('DataMarket', 'Proxies', value);
    return {
      publicKey,
      address: ss58Encode(fromHex(publicKey), chain.ss58Format),
      bond: p.bond instanceof Balance ? p.bond.value : BigInt(p.bond),
      feePerMille: Number(p.fee_per_mille),
      openOrders: Number(p.open_orders),
      ratingSum: Number(p.rating_sum),
      ratings: Number(p.ratings),
      acceptsAll: acceptsAll.has(publicKey),
    };
  });
}

/**
 * Every order of `address` (as buyer, seller or proxy), following the RPC's pages at one
 * block, at most `max`; newest (highest id) first. `cut` says whether some were left out.
 */
async function allOrders(chain, address, max = 10_000) {
  const at = await chain.rpc.send('chain_getBlockHash', []);
  const out = [];
  let after = null;
  for (;;) {
    const page = await chain.rpc.send('market_ordersPage', [address, after, 1000, at]);
    out.push(...(page?.orders ?? []));
    after = page?.next ?? null;
    if (after == null || out.length >= max) break;
  }
  out.sort((a, b) => Number(b.id) - Number(a.id));
  return { orders: out, cut: after != null };
}

async function accepted(chain, product, proxyPublicKey) {
  const key = chain.metadata.storageKey('DataMarket', 'Acceptances', u64le(product), fromHex(proxyPublicKey));
  return (await chain.rpc.send('state_getStorage', [key])) != null;
}

async function order(chain, id) {
  const o = await chain.rpc.send('market_order', [Number(id)]);
  return o ?? null;
}

async function product(chain, id) {
  return (await chain.rpc.send('market_product', [Number(id)])) ?? null;
}

// ---------------------------------------------------------------------------------------
// Showing things

function rating(sum, count) {
  if (!count) return 'not rated';
  return `${(Number(sum) / Number(count)).toFixed(1)} of 5 (${count})`;
}

function bytes(n) {
  const v = Number(n);
  if (v < 1024) return `${v} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let x = v / 1024;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${x.toFixed(x < 10 ? 1 : 0)} ${units[i]} (${v.toLocaleString('en-US')} bytes)`;
}

function locationKind(location) {
  const kind = Object.keys(location ?? {})[0] ?? 'unknown';
  return { node: 'Gateway', s3: 'S3', ipfs: 'IPFS', sidechain: 'Sidechain', sidechainStream: 'Sidechain stream' }[kind] ?? kind;
}

function locationText(location) {
  const [kind, value] = Object.entries(location ?? {})[0] ?? ['unknown', ''];
  return `${locationKind(location)}: ${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

const accountLink = (address) => h('a', { href: `#/account/${address}`, class: 'mono' }, address);

/** The accounts of this wallet, with their hex public keys. */
function walletAccounts(chain) {
  try {
    return vault.accounts().map((a) => ({ ...a, address: addressOf(chain, a.publicKey) }));
  } catch {
    return [];
  }
}

function accountSelect(chain, id, label, preferred) {
  const accounts = walletAccounts(chain);
  const select = h('select', { id, name: id, required: true }, accounts.map((a) => h('option', { value: a.publicKey, selected: a.publicKey === preferred }, `${a.name} (${a.address.slice(0, 8)}\u2026)`)));
  const hint = accounts.length ? null : h('span', { class: 'error' }, 'No account in this wallet: ', h('a', { href: '#/wallet' }, 'create or import one'), ' first.');
  return h('div', { class: 'field' }, h('label', { for: id }, label), select, hint);
}

// A form that acts for one wallet account: fields, the password, a button, an error line and
// a list of steps. `check(form)` runs before the key is opened (nothing is sent when it
// throws); `run(pair, values, steps)` gets the opened key.
function actionForm(chain, { id, title, intro, fields = [], button, account, check = () => ({}), run, log = null }) {
  const error = h('p', { id: `${id}-error`, class: 'error', role: 'alert' });
  // A page whose forms are rebuilt as the chain moves (an order's) passes a list of its own,
  // so the steps of an action stay in view after its form is gone.
  const steps = log ?? h('ol', { id: `${id}-status`, class: 'status', 'aria-live': 'polite' });
  const password = input(`${id}-password`, { type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit' }, button);
  const form = h('form', { id: `${id}-form`, class: 'stack' }, intro ? h('p', {}, intro) : null, fields, field(`${id}-password`, 'Password', password), submit, error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    let pair = null;
    try {
      const who = typeof account === 'function' ? account(form) : account;
      if (!who) throw new Error('Choose an account of this wallet.');
      const values = await check(form, who);
      if (!password.value) throw new Error('Enter the account\u2019s password.');
      ({ pair } = await vault.unlock(who, password.value));
      password.value = '';
      replace(steps);
      await run(pair, values, steps, who);
    } catch (e) {
      error.textContent = e.message;
      // The form may have been rebuilt while it ran (an order page follows the chain).
      if (log && !error.isConnected) step(log, h('span', { class: 'bad' }, e.message));
    } finally {
      pair?.raw.fill(0);
      submit.disabled = false;
    }
  });
  return h('section', { 'aria-labelledby': `${id}-heading` }, h('h2', { id: `${id}-heading` }, title), form, log ? null : steps);
}

/** Labels each body cell of `table` with its column's heading (for the phone layout). */
function stacked(table) {
  table.classList.add('stacked');
  const names = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
  for (const tr of table.querySelectorAll('tbody tr')) {
    [...tr.children].forEach((td, i) => {
      if (names[i] && td.colSpan === 1) td.dataset.label = names[i];
    });
  }
  return table;
}

function step(list, ...children) {
  const li = h('li', {}, ...children);
  list.append(li);
  return li;
}

function progress(id, label) {
  const bar = h('progress', { id, max: 1, value: 0, 'aria-label': label });
  const text = h('span', { id: `${id}-text` }, '0%');
  return {
    el: h('span', {}, bar, ' ', text),
    set(done, total) {
      bar.max = Math.max(1, total);
      bar.value = done;
      text.textContent = `${Math.floor((100 * done) / Math.max(1, total))}%`;
    },
  };
}

// ---------------------------------------------------------------------------------------
// Content keys of the products this browser published, sealed to the seller's own encryption
// key (so only the seller's password opens them), by chain and product.

function keyStore() {
  const text = localStorage.getItem(KEYS);
  if (text == null) return {};
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch {
    // Falls through.
  }
  throw new Error('The stored market keys are damaged; they were left as they are.');
}

function saveKey(chain, productId, seller, sealed) {
  const store = keyStore();
  store[`${chain.genesis}/${productId}`] = { seller, sealed: toHex(sealed), saved: Date.now() };
  localStorage.setItem(KEYS, JSON.stringify(store));
}

function savedKey(chain, productId) {
  try {
    const entry = keyStore()[`${chain.genesis}/${productId}`];
    return typeof entry?.sealed === 'string' && typeof entry?.seller === 'string' ? entry : null;
  } catch {
    return null;
  }
}

/** Registers the account's encryption key unless the chain already has it (as the CLI does). */
async function ensureEncryptionKey(chain, pair, steps) {
  const key = await crypto.encryptionKey(pair);
  const onChain = await chain.rpc.send('market_encryptionKey', [ss58Encode(pair.publicKey, chain.ss58Format)]);
  if (onChain !== toHex(key)) {
    await send(chain, pair, chain.metadata.encodeCall('DataMarket', 'set_encryption_key', { key }), steps, 'Registering this account\u2019s encryption key', 'key');
  }
  return key;
}

// ---------------------------------------------------------------------------------------
// `#/market`: the products

/** `#/market`: products, searchable and filtered. */
export async function index(chain, root) {
  const list = await products(chain);
  const sellerRatings = new Map();
  for (const p of list) {
    const r = sellerRatings.get(p.seller) ?? { sum: 0, count: 0 };
    r.sum += Number(p.ratingSum);
    r.count += Number(p.ratings);
    sellerRatings.set(p.seller, r);
  }
  const search = input('market-search', { type: 'search', placeholder: 'Title, description, tag or category' });
  const categories = [...new Set(list.map((p) => p.category).filter(Boolean))].sort();
  const category = h('select', { id: 'market-category', name: 'market-category' }, h('option', { value: '' }, 'Any'), categories.map((c) => h('option', { value: c }, c)));
  const kinds = [...new Set(list.map((p) => locationKind(p.location)))].sort();
  const kind = h('select', { id: 'market-kind', name: 'market-kind' }, h('option', { value: '' }, 'Any'), kinds.map((k) => h('option', { value: k }, k)));
  const unlisted = h('input', { id: 'market-unlisted', name: 'market-unlisted', type: 'checkbox' });
  const body = h('tbody');
  const count = h('p', { id: 'market-count', role: 'status' });
  const show = () => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = list.filter((p) => {
      if (!unlisted.checked && !p.listed) return false;
      if (category.value && p.category !== category.value) return false;
      if (kind.value && locationKind(p.location) !== kind.value) return false;
      const text = [p.title, p.description, p.category, ...(p.tags ?? [])].join(' ').toLowerCase();
      return words.every((w) => text.includes(w));
    });
    count.textContent = `${rows.length} of ${list.length} products${list.length >= MAX_PRODUCTS ? ` (the first ${MAX_PRODUCTS})` : ''}.`;
    replace(body, rows.length
      ? rows.map((p) => {
        const s = sellerRatings.get(p.seller);
        return h('tr', {},
          h('td', {}, h('a', { href: `#/market/product/${p.id}` }, p.title || `Product ${p.id}`), p.listed ? null : h('span', { class: 'muted' }, ' (not listed)')),
          h('td', { class: 'amount' }, chain.formatBalance(BigInt(p.price))),
          h('td', {}, bytes(p.size)),
          h('td', {}, rating(p.ratingSum, p.ratings)),
          h('td', {}, short(p.seller, 6), h('br'), h('span', { class: 'muted' }, `seller: ${rating(s.sum, s.count)}`)),
          h('td', {}, p.license || '\u2014'),
          h('td', {}, locationKind(p.location)));
      })
      : h('tr', {}, h('td', { colspan: 7 }, list.length ? 'No product matches.' : 'No product yet.')));
    stacked(table);
  };
  const table = h('table', { id: 'market-products' },
    h('thead', {}, h('tr', {}, ['Product', 'Price', 'Size', 'Rating', 'Seller', 'License', 'Stored at'].map((c) => h('th', { scope: 'col' }, c)))),
    body);
  for (const el of [search, category, kind, unlisted]) el.addEventListener('input', show);
  replace(root,
    h('h1', {}, 'Data market'),
    h('p', {}, h('a', { href: '#/market/publish' }, 'Publish a file'), ' \u00b7 ', h('a', { href: '#/market/orders' }, 'Your orders'), ' \u00b7 ', h('a', { href: '#/market/proxy' }, 'Proxy dashboard')),
    h('form', { id: 'market-filter', class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() },
      field('market-search', 'Search', search),
      field('market-category', 'Category', category),
      field('market-kind', 'Stored at', kind),
      h('div', { class: 'field check' }, h('label', { for: 'market-unlisted' }, unlisted, ' Show unlisted'))),
    count,
    table);
  show();
}

// ---------------------------------------------------------------------------------------
// `#/market/product/<id>`

/** `#/market/product/<id>`: one product, its proxies, and buying it. */
export async function productPage(chain, root, id) {
  if (!/^\d{1,19}$/.test(String(id ?? ''))) {
    replace(root, h('h1', {}, 'No such product'), h('p', { role: 'alert' }, 'A product is named by its number.'));
    return;
  }
  const [p, registered] = await Promise.all([product(chain, id), proxies(chain)]);
  if (!p) {
    replace(root, h('h1', {}, 'No such product'), h('p', {}, `The chain has no product ${id}. `, h('a', { href: '#/market' }, 'All products'), '.'));
    return;
  }
  const byKey = new Map(registered.map((x) => [x.publicKey, x]));
  const rows = [];
  const accepting = [];
  for (const address of p.proxies ?? []) {
    const pk = hexOfAddress(address);
    const info = byKey.get(pk);
    const ok = info ? info.acceptsAll || (await accepted(chain, p.id, pk)) : false;
    if (ok) accepting.push({ address, info });
    rows.push(h('tr', {},
      h('td', {}, accountLink(address)),
      h('td', {}, info ? `${info.feePerMille}\u2030` : '\u2014'),
      h('td', { class: 'amount' }, info ? chain.formatBalance(info.bond) : 'not registered'),
      h('td', {}, info ? rating(info.ratingSum, info.ratings) : '\u2014'),
      h('td', {}, ok ? h('span', { class: 'ok' }, 'yes') : 'not yet')));
  }
  const facts = [
    ['Product', String(p.id)],
    ['Seller', accountLink(p.seller)],
    ['Price', h('span', { id: 'product-price' }, chain.formatBalance(BigInt(p.price)))],
    ['Size', bytes(p.size)],
    ['Rating', rating(p.ratingSum, p.ratings)],
    ['Sales', String(p.sales)],
    ['Category', p.category || '\u2014'],
    ['Tags', (p.tags ?? []).join(', ') || '\u2014'],
    ['License', p.license || '\u2014'],
    ['Stored at', h('span', { class: 'mono' }, locationText(p.location))],
    ['Content hash (sha2-256)', h('span', { class: 'mono' }, p.contentHash)],
    ['CID', h('span', { class: 'mono' }, p.cid)],
    ['Listed', p.listed ? 'yes' : 'no'],
    ['Seller\u2019s deposit', chain.formatBalance(BigInt(p.deposit))],
  ];
  replace(root,
    h('h1', {}, p.title || `Product ${p.id}`),
    p.description ? h('p', { id: 'product-description' }, p.description) : null,
    h('dl', { class: 'facts', id: 'product-facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    h('section', { 'aria-labelledby': 'proxies-title' }, h('h2', { id: 'proxies-title' }, 'Proxies'),
      h('p', { class: 'muted' }, 'A proxy delivers the key and rules disputes of its orders; a buyer picks one that the seller listed and that accepted the product.'),
      stacked(h('table', { id: 'product-proxies' }, h('thead', {}, h('tr', {}, ['Proxy', 'Fee', 'Bond', 'Rating', 'Serves this product'].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows)))),
    p.listed ? buyForm(chain, p, accepting) : h('p', {}, 'This product is not listed: it cannot be bought.'));
}

function buyForm(chain, p, accepting) {
  const proxy = h('select', { id: 'buy-proxy', name: 'buy-proxy', required: true }, accepting.map(({ address, info }) => h('option', { value: address }, `${address.slice(0, 10)}\u2026 (${info.feePerMille}\u2030)`)));
  const price = BigInt(p.price);
  return actionForm(chain, {
    id: 'buy',
    title: 'Buy',
    intro: `The price (${chain.formatBalance(price)}) is held in escrow until you confirm the delivery, or returned if nobody delivers in time.`,
    fields: [accountSelect(chain, 'buy-account', 'Pay from'), field('buy-proxy', 'Through proxy', proxy, accepting.length ? null : 'No proxy of this product serves it yet.')],
    button: 'Buy',
    account: (form) => form.querySelector('#buy-account').value,
    check: async (form, who) => {
      if (!proxy.value) throw new Error('No proxy serves this product yet; it cannot be bought now.');
      if (hexOfAddress(p.seller) === who) throw new Error('This is your own product.');
      if (hexOfAddress(proxy.value) === who) throw new Error('A buyer cannot be its own order\u2019s proxy: choose another proxy or account.');
      const b = await balances(chain, who);
      if (b.transferable < price) throw new Error(`The price (${chain.formatBalance(price)}) is more than the transferable balance (${chain.formatBalance(b.transferable)}).`);
      return { proxy: proxy.value };
    },
    run: async (pair, { proxy: via }, steps) => {
      await ensureEncryptionKey(chain, pair, steps);
      const call = chain.metadata.encodeCall('DataMarket', 'buy', { product: BigInt(p.id), proxy: ss58Decode(via).publicKey, max_price: price });
      const outcome = await send(chain, pair, call, steps, 'Buying', 'buy');
      const created = outcome.events.find((e) => e.pallet === 'DataMarket' && e.name === 'OrderCreated');
      const orderId = created?.args?.order;
      if (orderId == null) throw new Error('The purchase went through but its order was not found in the block.');
      step(steps, 'Order ', h('a', { id: 'buy-order', href: `#/market/order/${orderId}` }, `#${orderId}`), ' created. The proxy delivers the key next.');
    },
  });
}

// ---------------------------------------------------------------------------------------
// `#/market/publish`

let gatewayDefault = null;
async function defaultGateway() {
  gatewayDefault ??= fetch('config.json', { cache: 'no-store' })
    .then((r) => r.json())
    .then((c) => (Number.isInteger(c.gatewayPort) ? `http://${location.hostname}:${c.gatewayPort}` : ''))
    .catch(() => '');
  return gatewayDefault;
}

function utf8Bounded(text, name, max, { required = false } = {}) {
  const bytes = utf8(String(text ?? '').trim());
  if (required && bytes.length === 0) throw new Error(`Give the product a ${name}.`);
  if (bytes.length > max) throw new Error(`The ${name} has at most ${max} bytes (it has ${bytes.length}).`);
  return bytes;
}

/** Encrypts `file` as the CLI does: `{blob, contentHash, blobHash}` (sha2-256s as bytes). */
async function encryptFile(file, key, onProgress) {
  let encryptor = null;
  let plainHash = null;
  let blobHash = null;
  try {
    encryptor = await crypto.Encryptor.open(key);
    plainHash = await crypto.Sha256.open();
    blobHash = await crypto.Sha256.open();
    const header = await encryptor.header();
    await blobHash.update(header);
    const parts = [header];
    const chunks = Math.max(1, Math.ceil(file.size / crypto.CHUNK_SIZE));
    for (let i = 0; i < chunks; i++) {
      const plain = new Uint8Array(await file.slice(i * crypto.CHUNK_SIZE, (i + 1) * crypto.CHUNK_SIZE).arrayBuffer());
      await plainHash.update(plain);
      const sealed = await encryptor.chunk(plain, i === chunks - 1);
      await blobHash.update(sealed);
      parts.push(sealed);
      onProgress(Math.min(file.size, (i + 1) * crypto.CHUNK_SIZE), file.size);
    }
    await encryptor.close();
    const contentHash = await plainHash.close();
    return { blob: new Blob(parts), contentHash, blobHash: await blobHash.close() };
  } finally {
    await Promise.all([encryptor?.close(), plainHash?.close(), blobHash?.close()]);
  }
}

/** `#/market/publish`: sells a file. */
export async function publish(chain, root) {
  const [registered, gateway, p] = await Promise.all([proxies(chain), defaultGateway(), params(chain)]);
  const proxyBoxes = registered.length
    ? registered.map((x, i) => h('div', {}, h('input', { type: 'checkbox', id: `publish-proxy-${i}`, name: 'publish-proxy', value: x.address }), ' ', h('label', { for: `publish-proxy-${i}` }, h('span', { class: 'mono' }, x.address), ` \u2013 fee ${x.feePerMille}\u2030, ${rating(x.ratingSum, x.ratings)}${x.acceptsAll ? ', serves every product listing it' : ''}`)))
    : h('p', { class: 'error' }, 'No proxy is registered on this chain: a product needs at least one.');
  const fields = [
    accountSelect(chain, 'publish-account', 'Seller account'),
    field('publish-file', 'File', h('input', { id: 'publish-file', name: 'publish-file', type: 'file', required: true }), `Encrypted in this browser before it leaves it; at most ${bytes(MAX_PUBLISH_BYTES)} here (use \u201ccpchain market publish\u201d for larger files).`),
    field('publish-title', 'Title', input('publish-title', { required: true, maxlength: LIMITS.title })),
    field('publish-description', 'Description', h('textarea', { id: 'publish-description', name: 'publish-description', rows: 3, maxlength: LIMITS.description })),
    field('publish-tags', 'Tags', input('publish-tags', { placeholder: 'soil, iot' }), `Up to ${LIMITS.tags}, separated by commas.`),
    field('publish-category', 'Category', input('publish-category', { maxlength: LIMITS.category })),
    field('publish-license', 'License', input('publish-license', { maxlength: LIMITS.license })),
    field('publish-price', `Price (${chain.symbol || 'units'})`, input('publish-price', { required: true, inputmode: 'decimal', placeholder: '0.0' })),
    h('fieldset', { id: 'publish-proxies' }, h('legend', {}, 'Proxies (who may deliver the key and rule disputes)'), proxyBoxes),
    field('publish-gateway', 'Storage gateway', input('publish-gateway', { type: 'url', required: true, value: gateway }), 'The node gateway the encrypted file is uploaded to; buyers download from it.'),
  ];
  const intro = `Listing deposits ${chain.formatBalance(p.product_deposit_base.value)} plus ${chain.formatBalance(p.product_deposit_per_byte.value)} per byte of what the product records on chain (title, description, tags, location and the rest; returned when the product is removed).`;
  replace(root,
    h('h1', {}, 'Publish a file'),
    actionForm(chain, {
      id: 'publish',
      title: 'The product',
      intro,
      fields,
      button: 'Encrypt, list and upload',
      account: (form) => form.querySelector('#publish-account').value,
      check: (form, who) => checkPublish(chain, form, who),
      run: (pair, values, steps) => runPublish(chain, pair, values, steps),
    }));
}

function checkPublish(chain, form, who) {
  const get = (id) => form.querySelector(`#${id}`).value;
  // The content key is kept here once listed: a store that cannot take it stops us now.
  keyStore();
  const file = form.querySelector('#publish-file').files[0];
  if (!file) throw new Error('Choose the file to sell.');
  if (file.size === 0) throw new Error('This file is empty: there is nothing to sell.');
  if (file.size > MAX_PUBLISH_BYTES) throw new Error(`This file is ${bytes(file.size)}; the page publishes at most ${bytes(MAX_PUBLISH_BYTES)}.`);
  const tags = get('publish-tags').split(',').map((t) => t.trim()).filter(Boolean);
  if (tags.length > LIMITS.tags) throw new Error(`At most ${LIMITS.tags} tags.`);
  const chosen = [...form.querySelectorAll('input[name=publish-proxy]:checked')].map((x) => x.value);
  if (!chosen.length) throw new Error('Choose at least one proxy.');
  if (chosen.length > LIMITS.proxies) throw new Error(`At most ${LIMITS.proxies} proxies.`);
  if (chosen.some((a) => hexOfAddress(a) === who)) throw new Error('A seller cannot be a proxy of its own product: untick your own account.');
  const gateway = get('publish-gateway').trim();
  audienceOf(gateway);
  return {
    file,
    title: utf8Bounded(get('publish-title'), 'title', LIMITS.title, { required: true }),
    description: utf8Bounded(get('publish-description'), 'description', LIMITS.description),
    tags: tags.map((t) => utf8Bounded(t, 'tag', LIMITS.tag)),
    category: utf8Bounded(get('publish-category'), 'category', LIMITS.category),
    license: utf8Bounded(get('publish-license'), 'license', LIMITS.license),
    price: parseAmount(get('publish-price'), chain.decimals),
    proxies: chosen,
    gateway: utf8Bounded(gateway.replace(/\/+$/, ''), 'gateway address', LIMITS.location),
  };
}

async function runPublish(chain, pair, v, steps) {
  const me = ss58Encode(pair.publicKey, chain.ss58Format);
  const gatewayUrl = new TextDecoder().decode(v.gateway);
  // The proxies' keys first: a listing whose key cannot reach its proxies would never deliver.
  const proxyKeys = [];
  for (const address of v.proxies) {
    if (address === me) continue;
    const key = await chain.rpc.send('market_encryptionKey', [address]);
    if (typeof key !== 'string') throw new Error(`Proxy ${address} has registered no encryption key.`);
    proxyKeys.push([address, fromHex(key)]);
  }
  const key = crypto.contentKey();
  try {
    const encrypting = progress('publish-encrypt', 'Encrypting');
    step(steps, h('strong', {}, 'Encrypting'), ' in this browser: ', encrypting.el);
    const { blob, contentHash, blobHash } = await encryptFile(v.file, key, (d, t) => encrypting.set(d, t));
    encrypting.set(1, 1);

    const info = {
      title: v.title,
      description: v.description,
      tags: v.tags,
      category: v.category,
      price: v.price,
      content_hash: contentHash,
      size: BigInt(v.file.size),
      location: new Variant('Node', v.gateway),
      license: v.license,
      proxies: v.proxies.map((a) => ss58Decode(a).publicKey),
    };
    const call = chain.metadata.encodeCall('DataMarket', 'publish', { info });
    const outcome = await send(chain, pair, call, steps, 'Listing on chain', 'publish-list');
    const published = outcome.events.find((e) => e.pallet === 'DataMarket' && e.name === 'Published');
    const productId = published?.args?.product;
    if (productId == null) throw new Error('The listing went through but its product id was not found in the block.');
    // Listed from here on: the key must be kept and the content must reach the gateway, or
    // the listing must go (as the CLI does), so nobody buys what cannot be delivered.
    const delist = async (why) => {
      const call = chain.metadata.encodeCall('DataMarket', 'set_listed', { product: BigInt(productId), listed: false });
      let status = 'delisted';
      try {
        await send(chain, pair, call, steps, 'Delisting the product', 'publish-delist');
      } catch (d) {
        status = `still listed (delisting failed: ${d.message})`;
      }
      return new Error(`${why}; product ${productId} is ${status}.`);
    };
    try {
      saveKey(chain, productId, toHex(pair.publicKey), await crypto.sealKey(key, await crypto.encryptionKey(pair)));
    } catch (e) {
      throw await delist(`The content key could not be kept in this browser (${e.message})`);
    }
    step(steps, `Product ${productId} listed; its key is kept in this browser, sealed to your account.`);

    const uploading = progress('publish-upload', 'Uploading');
    step(steps, h('strong', {}, 'Uploading'), ` to ${gatewayUrl}: `, uploading.el);
    const gateway = new Gateway(gatewayUrl);
    const expected = toHex(blobHash).slice(2);
    for (let attempt = 1; ; attempt++) {
      try {
        await gateway.login(chain, pair);
        const stored = await gateway.upload(productId, blob, (d, t) => uploading.set(d, t));
        if (stored !== expected) throw new Error(`the gateway stored other bytes than were sent (sha2-256 ${stored})`);
        break;
      } catch (e) {
        if (attempt < UPLOAD_ATTEMPTS) {
          step(steps, `Upload attempt ${attempt} failed (${e.message}); trying again.`);
          await new Promise((r) => setTimeout(r, 1000 << (attempt - 1)));
          continue;
        }
        throw await delist(`${e.message}. Its key is kept in this browser`);
      }
    }
    uploading.set(1, 1);

    for (const [address, theirs] of proxyKeys) {
      await gateway.shareKey(productId, address, await crypto.sealKey(key, theirs));
      step(steps, 'Key shared with proxy ', h('span', { class: 'mono' }, address), '.');
    }
    step(steps, h('span', { id: 'publish-done', class: 'ok' }, 'Published'), ': ', h('a', { id: 'publish-product', href: `#/market/product/${productId}` }, `product ${productId}`), `, content sha2-256 ${toHex(contentHash)}.`);
  } finally {
    key.fill(0);
  }
}

// ---------------------------------------------------------------------------------------
// Orders

function roles(chain, o) {
  const mine = new Map(walletAccounts(chain).map((a) => [a.publicKey, a]));
  const as = (address) => mine.get(hexOfAddress(address)) ?? null;
  return { buyer: as(o.buyer), seller: as(o.seller), proxy: as(o.proxy) };
}

function deadline(best, block) {
  if (block == null) return '';
  const left = Number(block) - best;
  return left > 0 ? `block #${Number(block).toLocaleString('en-US')} (in ${left.toLocaleString('en-US')} blocks)` : `block #${Number(block).toLocaleString('en-US')} (passed)`;
}

/** The stages of an order, each `[name, state ('done' | 'current' | 'next' | 'skipped'), detail]`. */
export function timeline(o, best) {
  const s = o.status;
  const delivered = ['delivered', 'completed', 'disputed', 'resolved'].includes(s);
  const stages = [['Created', 'done', `at block #${Number(o.createdAt).toLocaleString('en-US')}`]];
  if (s === 'created') stages.push(['Delivered', 'next', `the key is due by ${deadline(best, o.deliveryDeadline)}; then the price goes back to the buyer`]);
  else if (s === 'refunded' && !delivered) stages.push(['Delivered', 'skipped', 'nobody delivered in time']);
  else stages.push(['Delivered', 'done', 'the key was delivered, sealed to the buyer']);
  if (s === 'delivered') stages.push(['Completed', 'next', `on the buyer\u2019s confirmation, or at ${deadline(best, o.confirmationDeadline)}; the buyer may dispute until then`]);
  if (s === 'completed') stages.push(['Completed', 'done', 'the seller, the proxy and the protocol were paid']);
  if (s === 'refunded') stages.push(['Refunded', 'done', 'the buyer got the price back']);
  if (s === 'disputed') stages.push(['Disputed', 'current', `the proxy (or governance) rules by ${deadline(best, o.disputeDeadline)}; else the buyer is refunded`]);
  if (s === 'resolved') stages.push(['Disputed', 'done', ''], ['Resolved', 'done', o.ruling ? `ruling: ${o.ruling}` : '']);
  return stages;
}

const perMille = (amount, n) => (amount * BigInt(n)) / 1000n;

/** How `amount` is paid out under `o`'s fees: the pallet's `split` (fees never exceed it). */
function split(o, amount = BigInt(o.price)) {
  const protocol = perMille(amount, o.protocolFeePerMille);
  const p = perMille(amount, o.proxyFeePerMille);
  const proxy = p < amount - protocol ? p : amount - protocol;
  return { protocol, proxy, seller: amount - protocol - proxy };
}

/** What a resolved order paid out, from its ruling (`paySeller`, `refundBuyer`, `split(N‰ …)`). */
function ruledSplit(o) {
  const price = BigInt(o.price);
  const share = /^split\((\d{1,4})‰/.exec(o.ruling ?? '');
  const refund = o.ruling === 'paySeller' ? 0n : share ? perMille(price, Number(share[1])) : price;
  return split(o, price - refund);
}

/** `#/market/orders`: the orders of this wallet's accounts. */
export async function orders(chain, root) {
  const accounts = walletAccounts(chain);
  const rows = [];
  for (const a of accounts) {
    const { orders: list } = await allOrders(chain, a.address);
    const is = (address) => hexOfAddress(address) === a.publicKey;
    for (const o of list.slice(0, 100)) {
      const role = [is(o.buyer) && 'buyer', is(o.seller) && 'seller', is(o.proxy) && 'proxy'].filter(Boolean).join(', ');
      rows.push(h('tr', {},
        h('td', {}, h('a', { href: `#/market/order/${o.id}` }, `#${o.id}`)),
        h('td', {}, h('a', { href: `#/market/product/${o.product}` }, `product ${o.product}`)),
        h('td', {}, `${a.name} (${role})`),
        h('td', { class: 'amount' }, chain.formatBalance(BigInt(o.price))),
        h('td', {}, STATUS_TEXT[o.status] ?? o.status)));
    }
  }
  replace(root,
    h('h1', {}, 'Your orders'),
    h('p', { class: 'muted' }, 'Orders of the accounts in this wallet, as buyer, seller or proxy (the newest 100 of each).'),
    stacked(h('table', { id: 'market-orders' }, h('thead', {}, h('tr', {}, ['Order', 'Product', 'Account', 'Price', 'Status'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 5 }, accounts.length ? 'No order yet.' : 'No account in this wallet.'))))));
}

/** `#/market/order/<id>`: an order's timeline and what this wallet's accounts can do. Returns a stop function. */
export async function orderPage(chain, root, id) {
  if (!/^\d{1,19}$/.test(String(id ?? ''))) {
    replace(root, h('h1', {}, 'No such order'), h('p', { role: 'alert' }, 'An order is named by its number.'));
    return () => {};
  }
  let o = await order(chain, id);
  if (!o) {
    replace(root, h('h1', {}, 'No such order'), h('p', {}, `The chain has no order ${id} (closed orders are removed after their retention period).`));
    return () => {};
  }
  const p = await product(chain, o.product);
  const timelineList = h('ol', { id: 'order-timeline', class: 'timeline' });
  const statusOut = h('span', { id: 'order-status' });
  const actions = h('div', { id: 'order-actions' });
  const log = h('ol', { id: 'order-log', class: 'status', 'aria-live': 'polite' });
  // Outside the forms, which are rebuilt when the order moves: a saved file's link stays.
  const result = h('div', { id: 'download-result', 'aria-live': 'polite' });
  const urls = [];
  let shown = null;
  const render = async () => {
    const best = parseInt((await chain.rpc.send('chain_getHeader', [])).number, 16);
    replace(statusOut, STATUS_TEXT[o.status] ?? o.status);
    replace(timelineList, timeline(o, best).map(([name, state, detail]) => h('li', { class: state, 'data-stage': name }, h('strong', {}, name), state === 'next' ? ' (next)' : state === 'skipped' ? ' (skipped)' : '', detail ? ` \u2013 ${detail}` : '')));
    // Forms are rebuilt only when the status changes, so a half-filled form survives new blocks.
    const key = `${o.status}/${o.buyerRated}/${o.sellerRated}`;
    if (key !== shown) {
      shown = key;
      replace(actions, orderActions(chain, o, p, refresh, { log, result, urls }));
    }
  };
  const refresh = async () => {
    o = (await order(chain, id)) ?? o;
    await render();
  };
  const s = split(o);
  replace(root,
    h('h1', {}, `Order ${o.id}`),
    h('dl', { class: 'facts', id: 'order-facts' },
      h('dt', {}, 'Product'), h('dd', {}, h('a', { href: `#/market/product/${o.product}` }, p?.title || `product ${o.product}`)),
      h('dt', {}, 'Status'), h('dd', {}, statusOut),
      h('dt', {}, 'Buyer'), h('dd', {}, accountLink(o.buyer)),
      h('dt', {}, 'Seller'), h('dd', {}, accountLink(o.seller)),
      h('dt', {}, 'Proxy'), h('dd', {}, accountLink(o.proxy)),
      h('dt', {}, 'Price'), h('dd', {}, h('span', { id: 'order-price' }, chain.formatBalance(BigInt(o.price)))),
      h('dt', {}, 'Split'), h('dd', {}, `seller ${chain.formatBalance(s.seller)}, proxy ${chain.formatBalance(s.proxy)} (${o.proxyFeePerMille}\u2030), protocol ${chain.formatBalance(s.protocol)} (${o.protocolFeePerMille}\u2030)`)),
    h('section', { 'aria-labelledby': 'timeline-title' }, h('h2', { id: 'timeline-title' }, 'Timeline'), timelineList),
    result,
    actions,
    h('section', { 'aria-labelledby': 'log-title' }, h('h2', { id: 'log-title' }, 'Activity'), h('p', { class: 'muted' }, 'What this page sent, step by step.'), log));
  await render();
  const storageKey = chain.metadata.storageKey('DataMarket', 'Orders', u64le(o.id));
  const unsubscribe = chain.rpc.subscribe('state_subscribeStorage', [[storageKey]], 'state_unsubscribeStorage', () => refresh().catch(() => {}));
  return () => {
    unsubscribe();
    for (const url of urls) URL.revokeObjectURL(url);
  };
}

function orderActions(chain, o, p, refresh, { log, result, urls }) {
  const r = roles(chain, o);
  const out = [];
  const gatewayUrl = p?.location?.node;
  const paidRuling = o.status !== 'resolved' || (o.ruling && o.ruling !== 'refundBuyer' && !/^split\(1000‰/.test(o.ruling));
  if (r.buyer && ['delivered', 'completed', 'resolved'].includes(o.status) && paidRuling && o.sealedKey) {
    out.push(downloadForm(chain, o, p, gatewayUrl, r.buyer, log, result, urls));
  }
  if (r.buyer && o.status === 'delivered') {
    out.push(actionForm(chain, {
      log, id: 'confirm', title: 'Confirm', intro: 'Confirm once the file is what was promised: the seller and proxy are paid.', button: 'Confirm the delivery', account: r.buyer.publicKey,
      run: async (pair, _, steps) => {
        await send(chain, pair, chain.metadata.encodeCall('DataMarket', 'confirm', { order: BigInt(o.id) }), steps, 'Confirming', 'confirm');
        await refresh();
      },
    }));
    const reason = h('textarea', { id: 'dispute-reason', name: 'dispute-reason', rows: 2, maxlength: LIMITS.reason, required: true });
    out.push(actionForm(chain, {
      log, id: 'dispute', title: 'Dispute', intro: 'If the file is not what was promised, the proxy (or governance) rules; the price stays in escrow meanwhile.', fields: [field('dispute-reason', 'Reason', reason)], button: 'Dispute', account: r.buyer.publicKey,
      check: () => ({ reason: utf8Bounded(reason.value, 'reason', LIMITS.reason, { required: true }) }),
      run: async (pair, v, steps) => {
        await send(chain, pair, chain.metadata.encodeCall('DataMarket', 'dispute', { order: BigInt(o.id), reason: v.reason }), steps, 'Disputing', 'dispute');
        await refresh();
      },
    }));
  }
  if (o.status === 'created' && (r.seller || r.proxy)) out.push(deliverForm(chain, o, p, r, refresh, log));
  if (r.proxy && o.status === 'disputed') out.push(resolveForm(chain, o, r.proxy, refresh, log));
  const closed = ['completed', 'resolved'].includes(o.status);
  if (closed && r.buyer && !o.buyerRated) out.push(rateForm(chain, o, r.buyer, 'the product', refresh, log));
  if (closed && r.seller && !o.sellerRated) out.push(rateForm(chain, o, r.seller, 'the buyer', refresh, log, 'rate-seller'));
  if (!out.length) out.push(h('p', { class: 'muted', id: 'order-nothing' }, r.buyer || r.seller || r.proxy ? 'Nothing to do on this order now.' : 'No account of this wallet takes part in this order.'));
  return out;
}

function rateForm(chain, o, account, what, refresh, log, id = 'rate') {
  const stars = (id, label, optional) => field(id, label, h('select', { id, name: id }, optional ? h('option', { value: '' }, 'No rating') : null, [5, 4, 3, 2, 1].map((n) => h('option', { value: n }, `${n} of 5`))));
  return actionForm(chain, {
    log, id, title: `Rate ${what}`, fields: [stars(`${id}-rating`, `Rating of ${what}`, false), stars(`${id}-proxy`, 'Rating of the proxy', true)], button: 'Rate', account: account.publicKey,
    check: (form) => ({ rating: Number(form.querySelector(`#${id}-rating`).value), proxy: form.querySelector(`#${id}-proxy`).value ? Number(form.querySelector(`#${id}-proxy`).value) : null }),
    run: async (pair, v, steps) => {
      await send(chain, pair, chain.metadata.encodeCall('DataMarket', 'rate', { order: BigInt(o.id), rating: v.rating, proxy_rating: v.proxy }), steps, 'Rating', 'rate');
      step(steps, h('span', { id: `${id}-done`, class: 'ok' }, 'Rated.'));
      await refresh();
    },
  });
}

function resolveForm(chain, o, account, refresh, log) {
  const ruling = h('select', { id: 'resolve-ruling', name: 'resolve-ruling' }, h('option', { value: 'RefundBuyer' }, 'Refund the buyer'), h('option', { value: 'PaySeller' }, 'Pay the seller'), h('option', { value: 'Split' }, 'Split'));
  const share = input('resolve-share', { inputmode: 'numeric', placeholder: '500' });
  return actionForm(chain, {
    log, id: 'resolve', title: 'Rule the dispute', intro: `The buyer\u2019s reason is in the dispute\u2019s extrinsic (see the explorer).`, fields: [field('resolve-ruling', 'Ruling', ruling), field('resolve-share', 'For a split: the buyer\u2019s share, per mille', share)], button: 'Rule', account: account.publicKey,
    check: () => {
      if (ruling.value !== 'Split') return { ruling: ruling.value };
      const n = Number(share.value);
      if (!/^\d{1,4}$/.test(share.value.trim()) || n > 1000) throw new Error('A split gives the buyer 0 to 1000 per mille.');
      return { ruling: new Variant('Split', { buyer_per_mille: n }) };
    },
    run: async (pair, v, steps) => {
      await send(chain, pair, chain.metadata.encodeCall('DataMarket', 'resolve', { order: BigInt(o.id), ruling: v.ruling }), steps, 'Ruling', 'resolve');
      await refresh();
    },
  });
}

/** Seals the product's content key to the buyer and delivers it: from this browser's saved key
 * (the seller) or from the key the seller shared through the gateway (a proxy). */
async function deliverOrder(chain, o, p, pair, steps) {
  const me = toHex(pair.publicKey);
  let contentKey;
  const saved = savedKey(chain, o.product);
  if (saved && saved.seller === me) {
    contentKey = await crypto.openSealed(pair, fromHex(saved.sealed));
  } else {
    const url = p?.location?.node;
    if (!url) throw new Error('This product is not stored at a node gateway: its seller delivers it.');
    const gateway = new Gateway(url);
    await gateway.login(chain, pair);
    const shared = await gateway.sharedKey(o.product, ss58Encode(pair.publicKey, chain.ss58Format));
    contentKey = await crypto.openSealed(pair, shared);
    step(steps, `Fetched the key the seller shared at ${gateway.base}.`);
  }
  try {
    const sealed = await crypto.sealKey(contentKey, fromHex(o.buyerKey));
    await send(chain, pair, chain.metadata.encodeCall('DataMarket', 'deliver', { order: BigInt(o.id), sealed_key: sealed }), steps, 'Delivering the key', 'deliver');
  } finally {
    contentKey.fill(0);
  }
}

function deliverForm(chain, o, p, r, refresh, log) {
  // The seller delivers from this browser's key when it has it; else the proxy, from the gateway.
  const saved = savedKey(chain, o.product);
  const account = r.seller && saved?.seller === r.seller.publicKey ? r.seller : r.proxy;
  if (!account) return h('p', { class: 'muted' }, 'This browser does not hold the key of this product: deliver with the CLI (cpchain market deliver) or let the proxy deliver.');
  return actionForm(chain, {
    log, id: 'deliver', title: 'Deliver', intro: `As ${account === r.seller ? 'the seller' : 'the proxy'}: the content key is sealed to the buyer\u2019s registered key and put on chain.`, button: 'Deliver the key', account: account.publicKey,
    run: async (pair, _, steps) => {
      await deliverOrder(chain, o, p, pair, steps);
      await refresh();
    },
  });
}

// Bytes as they arrive from the network, taken from the front in chunk-sized pieces without
// copying what stays behind more than once.
class ByteQueue {
  constructor() {
    this.pieces = [];
    this.length = 0;
  }

  push(bytes) {
    this.pieces.push(bytes);
    this.length += bytes.length;
  }

  take(n) {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const piece = this.pieces[0];
      const used = Math.min(piece.length, n - at);
      out.set(piece.subarray(0, used), at);
      at += used;
      if (used === piece.length) this.pieces.shift();
      else this.pieces[0] = piece.subarray(used);
    }
    this.length -= n;
    return out;
  }
}

/** Downloads, decrypts and checks the product: the plaintext as a Blob, or throws. */
async function downloadAndDecrypt(chain, o, p, pair, gatewayUrl, bar) {
  const size = Number(p.size);
  if (!(size <= MAX_PUBLISH_BYTES)) throw new Error(`This product is ${bytes(size)}; the page downloads at most ${bytes(MAX_PUBLISH_BYTES)}. Use \u201ccpchain market fetch\u201d.`);
  let contentKey = null;
  let reader = null;
  let decryptor = null;
  let hash = null;
  const parts = [];
  const pending = new ByteQueue();
  let received = 0;
  let limit = Infinity;
  const tooMuch = () => new Error('The gateway sent more than this product\u2019s size: stopped.');
  try {
    contentKey = await crypto.openSealed(pair, fromHex(o.sealedKey));
    hash = await crypto.Sha256.open();
    const gateway = new Gateway(gatewayUrl);
    await gateway.login(chain, pair);
    reader = (await gateway.download(o.product, o.id)).getReader();
    for (;;) {
      const { done, value } = await withStall(reader.read(), 'The gateway stopped sending the file.');
      if (value) {
        received += value.length;
        // A gateway the seller chose cannot fill this tab: the blob is at most the product's
        // size encrypted in the chunks its header declares.
        if (received > limit) throw tooMuch();
        pending.push(value);
      }
      if (!decryptor && pending.length >= crypto.HEADER_LEN) {
        decryptor = await crypto.Decryptor.open(contentKey, pending.take(crypto.HEADER_LEN));
        const plainChunk = decryptor.chunkSize - crypto.TAG_LEN;
        limit = crypto.HEADER_LEN + size + Math.max(1, Math.ceil(size / plainChunk)) * crypto.TAG_LEN;
        if (received > limit) throw tooMuch();
      }
      // Full chunks are opened as they come; the last is known only at the end.
      while (decryptor && pending.length > decryptor.chunkSize) {
        const plain = await decryptor.chunk(pending.take(decryptor.chunkSize), false);
        await hash.update(plain);
        parts.push(plain);
      }
      bar.set(received, Number.isFinite(limit) ? limit : received + 1);
      if (done) break;
    }
    if (!decryptor) throw new crypto.CryptoError(10);
    const last = await decryptor.chunk(pending.take(pending.length), true);
    await hash.update(last);
    parts.push(last);
    const digest = toHex(await hash.close());
    if (digest !== p.contentHash) throw new Error(`The decrypted file is not the product: its sha2-256 is ${digest}, the product says ${p.contentHash}.`);
    return new Blob(parts);
  } finally {
    contentKey?.fill(0);
    await reader?.cancel().catch(() => {});
    await Promise.all([hash?.close(), decryptor?.close()]);
  }
}

function downloadForm(chain, o, p, gatewayUrl, buyer, log, result, urls) {
  return actionForm(chain, {
    log, id: 'download', title: 'Download', intro: gatewayUrl ? `From the gateway at ${gatewayUrl}, decrypted in this browser with the delivered key and checked against the product\u2019s hash.` : 'This product is not at a node gateway: fetch it with the CLI (cpchain market fetch).', button: 'Download and decrypt', account: buyer.publicKey,
    check: () => {
      if (!gatewayUrl) throw new Error('This product is not at a node gateway: fetch it with the CLI (cpchain market fetch).');
      return {};
    },
    run: async (pair, _, steps) => {
      replace(result);
      while (urls.length) URL.revokeObjectURL(urls.pop());
      const bar = progress('download-progress', 'Downloading');
      step(steps, h('strong', {}, 'Downloading and decrypting'), ': ', bar.el);
      const file = await downloadAndDecrypt(chain, o, p, pair, gatewayUrl, bar);
      const url = URL.createObjectURL(file);
      urls.push(url);
      const name = `${(p.title || `product-${p.id}`).replace(/[^\w.-]+/g, '-').slice(0, 60)}`;
      replace(result, h('p', {}, h('span', { class: 'ok', id: 'download-verified' }, 'Verified'), `: ${bytes(file.size)}, sha2-256 equal to the product\u2019s. `, h('a', { id: 'download-file', href: url, download: name }, 'Save the file')));
    },
  });
}

// ---------------------------------------------------------------------------------------
// `#/market/proxy`

/** `#/market/proxy[/<address>]`: a proxy's registration, orders to deliver, fees earned. */
export async function proxyPage(chain, root, address) {
  const accounts = walletAccounts(chain);
  let wanted = null;
  try {
    wanted = address ? hexOfAddress(address) : null;
  } catch {
    // Not an address: the first account is shown.
  }
  const chosen = accounts.find((a) => a.publicKey === wanted) ?? accounts[0];
  const pick = h('select', { id: 'proxy-account', name: 'proxy-account' }, accounts.map((a) => h('option', { value: a.address, selected: a === chosen }, `${a.name} (${a.address.slice(0, 8)}\u2026)`)));
  pick.addEventListener('change', () => {
    location.hash = `#/market/proxy/${pick.value}`;
  });
  if (!chosen) {
    replace(root, h('h1', {}, 'Proxy dashboard'), h('p', {}, 'No account of this wallet is chosen: ', h('a', { href: '#/wallet' }, 'add one'), '.'));
    return;
  }
  const [registered, p, all] = await Promise.all([proxies(chain), params(chain), allOrders(chain, chosen.address)]);
  const me = registered.find((x) => x.publicKey === chosen.publicKey);
  const mine = all.orders.filter((o) => hexOfAddress(o.proxy) === chosen.publicKey);
  const toDeliver = mine.filter((o) => o.status === 'created');
  const disputed = mine.filter((o) => o.status === 'disputed');
  const completed = mine.filter((o) => o.status === 'completed');
  // A ruling is read per order (newest 100): the rest of a long history is left out, and said.
  const resolved = mine.filter((o) => o.status === 'resolved');
  const ruled = await Promise.all(resolved.slice(0, 100).map((o) => order(chain, o.id)));
  const partial = all.cut || resolved.length > ruled.length;
  const earned = completed.reduce((sum, o) => sum + split(o).proxy, 0n) + ruled.filter(Boolean).reduce((sum, o) => sum + ruledSplit(o).proxy, 0n);
  const orderRows = (list, action) => (list.length
    ? list.map((o) => h('tr', {}, h('td', {}, h('a', { href: `#/market/order/${o.id}` }, `#${o.id}`)), h('td', {}, `product ${o.product}`), h('td', { class: 'amount' }, chain.formatBalance(BigInt(o.price))), h('td', {}, action)))
    : h('tr', {}, h('td', { colspan: 4 }, 'None.')));
  const sections = [
    h('h1', {}, 'Proxy dashboard'),
    field('proxy-account', 'Account', pick),
  ];
  if (!me) {
    sections.push(registerForm(chain, chosen, p));
  } else {
    sections.push(
      h('dl', { class: 'facts', id: 'proxy-facts' },
        h('dt', {}, 'Fee'), h('dd', {}, `${me.feePerMille}\u2030 of each price`),
        h('dt', {}, 'Bond'), h('dd', {}, chain.formatBalance(me.bond)),
        h('dt', {}, 'Open orders'), h('dd', {}, String(me.openOrders)),
        h('dt', {}, 'Rating'), h('dd', {}, rating(me.ratingSum, me.ratings)),
        h('dt', {}, 'Serves'), h('dd', {}, me.acceptsAll ? 'every product listing it' : 'the products it accepted one by one'),
        h('dt', {}, 'Fees earned'), h('dd', {}, h('span', { id: 'proxy-earned' }, chain.formatBalance(earned)), ` on ${completed.length} completed and ${ruled.length} ruled orders${partial ? ' (the newest only: the history is longer)' : ''}`)),
      h('section', { 'aria-labelledby': 'deliver-title' }, h('h2', { id: 'deliver-title' }, 'Orders to deliver'),
        h('p', { class: 'muted' }, 'Open the order to deliver its key (fetched from the seller\u2019s gateway), or run \u201ccpchain market serve\u201d to deliver every order as it comes.'),
        stacked(h('table', { id: 'proxy-deliver' }, h('thead', {}, h('tr', {}, ['Order', 'Product', 'Price', 'State'].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, orderRows(toDeliver, 'waiting for the key'))))),
      h('section', { 'aria-labelledby': 'disputes-title' }, h('h2', { id: 'disputes-title' }, 'Disputes to rule'),
        stacked(h('table', { id: 'proxy-disputes' }, h('thead', {}, h('tr', {}, ['Order', 'Product', 'Price', 'State'].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, orderRows(disputed, 'to rule'))))));
    if (!me.acceptsAll) sections.push(acceptAllForm(chain, chosen));
  }
  replace(root, ...sections);
}

/** Shows the current page again (after an action that changes what it lists). */
function rerender() {
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

function registerForm(chain, account, p) {
  const fee = input('register-fee', { inputmode: 'numeric', required: true, placeholder: '50' });
  const bond = input('register-bond', { inputmode: 'decimal', required: true, value: chain.formatBalance(p.proxy_min_bond.value).replace(/ .*$/, '').replace(/,/g, '') });
  return actionForm(chain, {
    id: 'register', title: 'Become a proxy', intro: `This account is not a proxy. A proxy bonds at least ${chain.formatBalance(p.proxy_min_bond.value)} and takes at most ${p.max_proxy_fee_per_mille}\u2030 of each price.`,
    fields: [field('register-fee', 'Fee, per mille of each price', fee), field('register-bond', `Bond (${chain.symbol || 'units'})`, bond)], button: 'Register', account: account.publicKey,
    check: () => {
      if (!/^\d{1,4}$/.test(fee.value.trim())) throw new Error('The fee is a whole number of per mille.');
      const n = Number(fee.value);
      if (n > p.max_proxy_fee_per_mille) throw new Error(`A proxy takes at most ${p.max_proxy_fee_per_mille}\u2030.`);
      const b = parseAmount(bond.value, chain.decimals);
      if (b < p.proxy_min_bond.value) throw new Error(`The bond is at least ${chain.formatBalance(p.proxy_min_bond.value)}.`);
      return { fee: n, bond: b };
    },
    run: async (pair, v, steps) => {
      await ensureEncryptionKey(chain, pair, steps);
      await send(chain, pair, chain.metadata.encodeCall('DataMarket', 'register_proxy', { fee_per_mille: v.fee, bond: v.bond }), steps, 'Registering as a proxy', 'register');
      rerender();
    },
  });
}

function acceptAllForm(chain, account) {
  return actionForm(chain, {
    id: 'accept-all', title: 'Serve every product', intro: 'Agree to serve every product that lists this account as a proxy (withdrawn for later orders the same way).', button: 'Serve every product listing me', account: account.publicKey,
    run: async (pair, _, steps) => {
      await send(chain, pair, chain.metadata.encodeCall('DataMarket', 'set_accepts_all', { accepts_all: true }), steps, 'Accepting every product', 'accept-all');
      rerender();
    },
  });
}

// The page's entry: the node to talk to (the serving node's RPC by default, or one the user
// names, kept in this browser), the router over `#/…` addresses, and the search box.

import { Chain } from './chain.js';
import { h, replace } from './dom.js';
import * as explorer from './explorer.js';
import * as wallet from './wallet.js';
import * as market from './market.js';

const STORED_URL = 'cpchain.rpcUrl';
const main = document.getElementById('main');
const status = document.getElementById('connection');
const urlInput = document.getElementById('rpc-url');
let chain = null;
let stop = () => {};

async function defaultUrl() {
  const stored = localStorage.getItem(STORED_URL);
  if (stored) return stored;
  try {
    // The serving node's RPC, on the host this page was loaded from.
    const config = await (await fetch('config.json', { cache: 'no-store' })).json();
    if (Number.isInteger(config.rpcPort)) {
      return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.hostname}:${config.rpcPort}`;
    }
  } catch {
    // Not served by a node (a file or another server): fall back to the usual local node.
  }
  return 'ws://127.0.0.1:9944';
}

function validUrl(url) {
  try {
    const u = new URL(url);
    return u.protocol === 'ws:' || u.protocol === 'wss:';
  } catch {
    return false;
  }
}

function connect(url) {
  stop();
  chain?.close();
  urlInput.value = url;
  chain = new Chain(url, (state, detail) => {
    status.dataset.state = state;
    status.textContent = state === 'open' ? 'Connected' : state === 'connecting' ? 'Connecting\u2026' : `Disconnected: ${detail}`;
  });
  chain.loaded.then(route, (e) => showError(`Cannot read the chain at ${url}: ${e.message}`));
}

function showError(message) {
  replace(main, h('h1', {}, 'Something went wrong'), h('p', { role: 'alert' }, message));
}

async function route() {
  // In-page anchors (the skip link's `#main`) are not pages.
  if (location.hash && !location.hash.startsWith('#/') && main.dataset.page != null) return;
  stop();
  stop = () => {};
  if (!chain) return;
  const [, page = '', ...rest] = location.hash.split('/');
  const args = rest.map(decodeURIComponent);
  try {
    await chain.loaded;
    switch (page) {
      case '':
        stop = explorer.home(chain, main);
        break;
      case 'block':
        await explorer.block(chain, main, args[0]);
        break;
      case 'extrinsic':
        await explorer.extrinsic(chain, main, args[0], args[1]);
        break;
      case 'account':
        await explorer.account(chain, main, args[0] ?? '');
        break;
      case 'runtime':
        await explorer.runtime(chain, main);
        break;
      case 'sidechains':
        await explorer.sidechains(chain, main);
        break;
      case 'consensus':
        await explorer.consensus(chain, main);
        break;
      case 'wallet':
        if (args[0]) stop = await wallet.account(chain, main, args[0]);
        else await wallet.index(chain, main);
        break;
      case 'market':
        stop = (await marketPage(args)) ?? (() => {});
        break;
      default:
        replace(main, h('h1', {}, 'Page not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the chain')));
    }
    main.dataset.page = page;
    document.title = `${main.querySelector('h1')?.textContent ?? 'CPChain'} \u2013 CPChain`;
  } catch (e) {
    showError(e.message);
  }
}

// `#/market/…`: the data market's pages.
async function marketPage([sub = '', id]) {
  switch (sub) {
    case '':
      return market.index(chain, main);
    case 'product':
      return market.productPage(chain, main, id);
    case 'publish':
      return market.publish(chain, main);
    case 'orders':
      return market.orders(chain, main);
    case 'order':
      return market.orderPage(chain, main, id);
    case 'proxy':
      return market.proxyPage(chain, main, id);
    default:
      replace(main, h('h1', {}, 'Page not found'), h('p', {}, h('a', { href: '#/market' }, 'Back to the market')));
      return null;
  }
}

document.getElementById('rpc-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const url = urlInput.value.trim();
  const error = document.getElementById('rpc-error');
  if (!validUrl(url)) {
    error.textContent = 'Enter a WebSocket address, such as ws://127.0.0.1:9944.';
    return;
  }
  error.textContent = '';
  localStorage.setItem(STORED_URL, url);
  connect(url);
});

document.getElementById('search-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const error = document.getElementById('search-error');
  error.textContent = '';
  try {
    location.hash = await explorer.search(chain, document.getElementById('search').value);
  } catch (e) {
    error.textContent = e.message;
  }
});

window.addEventListener('hashchange', route);
defaultUrl().then(connect);

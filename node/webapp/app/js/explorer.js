// The explorer's pages: the live chain, a block, an extrinsic, an account, the runtime.
// Each takes the connected `Chain` and a container, renders, and returns a function that
// stops what it keeps live (subscriptions).

import { h, replace, short } from './dom.js';
import { Account, Balance, Variant } from './metadata.js';
import { toHex, ss58Decode } from './hash.js';

const RECENT = 10;

/** A decoded value as page content: accounts link to their page, amounts in the token. */
export function renderValue(chain, v, depth = 0) {
  if (depth > 16) return '\u2026';
  if (v == null) return h('span', { class: 'muted' }, '\u2014');
  if (v instanceof Account) return h('a', { href: `#/account/${v.address}`, class: 'mono' }, v.address);
  if (v instanceof Balance) return h('span', { class: 'amount' }, chain.formatBalance(v.value));
  if (v instanceof Uint8Array) {
    const hex = toHex(v);
    return hex.length > 70 ? h('span', { class: 'mono', title: hex }, `${hex.slice(0, 66)}\u2026 (${v.length} bytes)`) : h('span', { class: 'mono' }, hex);
  }
  if (v instanceof Variant) {
    if (v.value == null) return v.name;
    // MultiAddress::Id(account) reads as the account.
    if (v.name === 'Id' && v.value instanceof Account) return renderValue(chain, v.value, depth + 1);
    return h('span', {}, `${v.name}(`, renderValue(chain, v.value, depth + 1), ')');
  }
  if (Array.isArray(v)) {
    const items = v.slice(0, 20).flatMap((x, i) => (i ? [', ', renderValue(chain, x, depth + 1)] : [renderValue(chain, x, depth + 1)]));
    return h('span', {}, '[', items, v.length > 20 ? `, \u2026 ${v.length - 20} more` : '', ']');
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v);
    return h('span', {}, '{ ', entries.flatMap(([k, x], i) => [i ? ', ' : '', h('span', { class: 'key' }, `${k}: `), renderValue(chain, x, depth + 1)]), ' }');
  }
  if (typeof v === 'bigint') return v.toString();
  return String(v);
}

/** `Pallet.call(name: value, …)` with the arguments rendered. */
function renderCall(chain, pallet, call, args) {
  const parts = [];
  if (args && typeof args === 'object' && !Array.isArray(args) && !(args instanceof Variant) && !(args instanceof Uint8Array) && !(args instanceof Account) && !(args instanceof Balance)) {
    Object.entries(args).forEach(([k, v], i) => parts.push(i ? ', ' : '', h('span', { class: 'key' }, `${k}: `), renderValue(chain, v)));
  } else if (args != null) {
    parts.push(renderValue(chain, args));
  }
  return h('span', { class: 'call' }, h('strong', {}, `${pallet}.${call}`), '(', parts, ')');
}

function blockLink(number, hash) {
  return h('a', { href: `#/block/${hash ?? number}` }, `#${number.toLocaleString('en-US')}`);
}

export function home(chain, root) {
  const best = h('output', { id: 'best-height', 'aria-live': 'polite' }, '\u2026');
  const finalized = h('output', { id: 'finalized-height', 'aria-live': 'polite' }, '\u2026');
  const rows = h('tbody');
  const recent = [];
  replace(
    root,
    h('h1', {}, chain.name),
    h('section', { class: 'cards', 'aria-label': 'Chain heads' },
      h('div', { class: 'card' }, h('span', { class: 'label' }, 'Best block'), best),
      h('div', { class: 'card' }, h('span', { class: 'label' }, 'Finalized block'), finalized),
      h('div', { class: 'card' }, h('span', { class: 'label' }, 'Runtime'), h('a', { href: '#/runtime' }, `${chain.version.specName} ${chain.version.specVersion}`))),
    h('section', {}, h('h2', {}, 'Latest blocks'),
      h('table', { id: 'latest-blocks' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Block'), h('th', { scope: 'col' }, 'Hash'), h('th', { scope: 'col' }, 'Extrinsics root'))), rows)),
  );
  const unsubscribeNew = chain.rpc.subscribe('chain_subscribeNewHeads', [], 'chain_unsubscribeNewHeads', async (header) => {
    const number = parseInt(header.number, 16);
    best.textContent = `#${number.toLocaleString('en-US')}`;
    const hash = await chain.rpc.send('chain_getBlockHash', [number]).catch(() => null);
    if (!hash || recent.some((b) => b.hash === hash)) return;
    recent.unshift({ number, hash, extrinsicsRoot: header.extrinsicsRoot });
    recent.sort((a, b) => b.number - a.number);
    recent.length = Math.min(recent.length, RECENT);
    replace(rows, recent.map((b) => h('tr', {}, h('td', {}, blockLink(b.number, b.hash)), h('td', {}, short(b.hash)), h('td', {}, short(b.extrinsicsRoot)))));
  });
  const unsubscribeFinal = chain.rpc.subscribe('chain_subscribeFinalizedHeads', [], 'chain_unsubscribeFinalizedHeads', (header) => {
    finalized.textContent = `#${parseInt(header.number, 16).toLocaleString('en-US')}`;
  });
  return () => {
    unsubscribeNew();
    unsubscribeFinal();
  };
}

/** Events in order; with `phases`, each says whether an extrinsic or the block raised it. */
function eventsList(chain, events, phases = false) {
  if (!events.length) return h('p', { class: 'muted' }, 'No events.');
  const phase = (ev) => (ev.extrinsic != null ? `extrinsic ${ev.extrinsic}: ` : 'block: ');
  return h('ol', { class: 'events', id: phases ? 'block-events' : 'extrinsic-events' }, events.map((ev) => h('li', {}, phases ? h('span', { class: 'key' }, phase(ev)) : null, renderCall(chain, ev.pallet, ev.name, ev.args))));
}

function outcome(x) {
  if (x.success == null) return h('span', { class: 'muted' }, '\u2014');
  return x.success ? h('span', { class: 'ok' }, 'Success') : h('span', { class: 'bad' }, 'Failed');
}

function facts(rows) {
  return h('dl', { class: 'facts' }, rows.filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

export async function block(chain, root, id) {
  replace(root, h('p', { role: 'status' }, 'Loading block\u2026'));
  const b = await chain.block(id);
  if (!b) {
    replace(root, h('h1', {}, 'Block not found'), h('p', { role: 'alert' }, `This node has no block ${String(id).slice(0, 80)}.`));
    return;
  }
  const cert = b.certificate;
  replace(
    root,
    h('h1', {}, `Block #${b.number.toLocaleString('en-US')}`),
    facts([
      ['Hash', h('span', { class: 'mono', id: 'block-hash' }, b.hash)],
      ['Status', h('span', { id: 'block-status' }, b.finalized ? 'Finalized' : b.canonical ? 'Not yet finalized' : 'Not on the best chain')],
      ['Parent', b.number > 0 ? h('a', { href: `#/block/${b.header.parentHash}`, class: 'mono' }, b.header.parentHash) : '\u2014'],
      ['State root', h('span', { class: 'mono' }, b.header.stateRoot)],
      ['Extrinsics root', h('span', { class: 'mono' }, b.header.extrinsicsRoot)],
      b.number > 0 ? ['Next', h('a', { href: `#/block/${b.number + 1}` }, `#${(b.number + 1).toLocaleString('en-US')}`)] : null,
    ]),
    h('section', { 'aria-labelledby': 'cert-title' },
      h('h2', { id: 'cert-title' }, 'LBFT certificate'),
      cert
        ? [
            facts([
              ['Kind', cert.kind],
              ['Round', h('span', { id: 'cert-round' }, String(cert.round))],
              ['Height', String(cert.height)],
            ]),
            h('h3', {}, `Signers (${cert.signers.length})`),
            h('ul', { id: 'cert-signers' }, cert.signers.map((s) => h('li', {}, `validator ${s.index}: `, s.account ? renderValue(chain, s.account) : 'not in the committee this node knows'))),
          ]
        : h('p', { class: 'muted' }, b.number === 0 ? 'The genesis block needs no certificate.' : 'This node keeps no certificate for this block.'),
    ),
    h('section', { 'aria-labelledby': 'xt-title' },
      h('h2', { id: 'xt-title' }, `Extrinsics (${b.extrinsics.length})`),
      h('table', { id: 'extrinsics' },
        h('thead', {}, h('tr', {}, ['#', 'Call', 'Signer', 'Result'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, b.extrinsics.slice(0, 500).map((x) => h('tr', {},
          h('td', {}, h('a', { href: `#/extrinsic/${b.hash}/${x.index}` }, String(x.index))),
          h('td', {}, x.error ? h('span', { class: 'bad' }, `undecodable: ${x.error}`) : renderCall(chain, x.pallet, x.call, x.args)),
          h('td', {}, x.signer ? renderValue(chain, x.signer) : h('span', { class: 'muted' }, 'unsigned')),
          h('td', {}, outcome(x)))))),
      b.extrinsics.length > 500 ? h('p', { class: 'muted' }, `The first 500 of ${b.extrinsics.length} are listed.`) : null,
    ),
    h('section', { 'aria-labelledby': 'ev-title' },
      h('h2', { id: 'ev-title' }, 'Events'),
      b.eventsError ? h('p', { role: 'alert' }, b.eventsError) : eventsList(chain, b.events, true),
    ),
  );
}

export async function extrinsic(chain, root, blockId, index) {
  replace(root, h('p', { role: 'status' }, 'Loading extrinsic\u2026'));
  const b = await chain.block(blockId);
  const x = b?.extrinsics[Number(index)];
  if (!x) {
    replace(root, h('h1', {}, 'Extrinsic not found'), h('p', { role: 'alert' }, 'This node has no such extrinsic.'));
    return;
  }
  replace(
    root,
    h('h1', {}, `Extrinsic ${b.number}-${x.index}`),
    facts([
      ['Hash', h('span', { class: 'mono', id: 'extrinsic-hash' }, x.hash ?? '\u2014')],
      ['Block', blockLink(b.number, b.hash)],
      ['Call', x.error ? h('span', { class: 'bad' }, x.error) : renderCall(chain, x.pallet, x.call, x.args)],
      ['Signer', x.signer ? renderValue(chain, x.signer) : 'unsigned'],
      x.extra ? ['Signed extensions', renderValue(chain, x.extra)] : null,
      ['Result', outcome(x)],
    ]),
    h('section', { 'aria-labelledby': 'xev-title' }, h('h2', { id: 'xev-title' }, 'Events'), eventsList(chain, x.events)),
  );
}

export async function account(chain, root, address) {
  let decoded;
  try {
    decoded = ss58Decode(address);
  } catch (e) {
    replace(root, h('h1', {}, 'Not an address'), h('p', { role: 'alert' }, `${e.message}.`));
    return;
  }
  replace(root, h('p', { role: 'status' }, 'Loading account\u2026'));
  const a = await chain.account(address);
  const data = a.info?.data ?? {};
  const amount = (x) => (x instanceof Balance ? chain.formatBalance(x.value) : '\u2014');
  replace(
    root,
    h('h1', {}, 'Account'),
    facts([
      ['Address', h('span', { class: 'mono', id: 'account-address' }, a.address.address)],
      ['Public key', h('span', { class: 'mono' }, toHex(decoded.publicKey))],
      decoded.format !== chain.ss58Format ? ['Note', `This address was written for network format ${decoded.format}; this chain uses ${chain.ss58Format}.`] : null,
      ['Free', h('span', { id: 'balance-free' }, amount(data.free))],
      ['Reserved', h('span', { id: 'balance-reserved' }, amount(data.reserved))],
      ['Frozen', h('span', { id: 'balance-frozen' }, amount(data.frozen))],
      ['Nonce', String(a.info?.nonce ?? 0)],
    ]),
    a.exists ? null : h('p', { class: 'muted' }, 'This account holds nothing on chain.'),
  );
}

export async function runtime(chain, root) {
  await chain.loaded;
  const v = chain.version;
  let history;
  try {
    history = await chain.rpc.send('runtime_upgrades', [0, 1000]);
  } catch (e) {
    history = { error: e.message };
  }
  replace(
    root,
    h('h1', {}, 'Runtime'),
    facts([
      ['Spec', h('span', { id: 'spec' }, `${v.specName} ${v.specVersion}`)],
      ['Implementation', `${v.implName} ${v.implVersion}`],
      ['Transaction version', String(v.transactionVersion)],
      ['Genesis', h('span', { class: 'mono' }, chain.genesis)],
      ['Token', `${chain.symbol || '(none)'}, ${chain.decimals} decimals`],
    ]),
    h('section', { 'aria-labelledby': 'upgrades-title' },
      h('h2', { id: 'upgrades-title' }, 'Upgrade history'),
      history.error
        ? h('p', { class: 'muted' }, `This node keeps no upgrade history (${history.error}).`)
        : [
            h('table', { id: 'upgrades' },
              h('thead', {}, h('tr', {}, ['Installed in', 'Spec', 'Implementation', 'Transaction version'].map((t) => h('th', { scope: 'col' }, t)))),
              h('tbody', {}, history.upgrades.map((u) => h('tr', {},
                h('td', {}, u.block === 0 ? 'genesis' : blockLink(u.block)),
                h('td', {}, u.version ? `${u.version.specName} ${u.version.specVersion}` : 'unknown (state pruned before it was indexed)'),
                h('td', {}, u.version ? `${u.version.implName} ${u.version.implVersion}` : '\u2014'),
                h('td', {}, u.version ? String(u.version.transactionVersion) : '\u2014'))))),
            h('p', { class: 'muted' }, `Indexed up to block #${(history.indexedTo ?? 0).toLocaleString('en-US')}; a new runtime runs from the block after the one that installed it.`),
          ]),
    h('h2', {}, `Pallets (${chain.metadata.pallets.length})`),
    h('table', {},
      h('thead', {}, h('tr', {}, ['Index', 'Pallet', 'Calls', 'Storage entries'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, chain.metadata.pallets.map((p) => h('tr', {},
        h('td', {}, String(p.index)),
        h('td', {}, p.name),
        h('td', {}, p.calls == null ? '0' : String(chain.metadata.type(p.calls).def.variants?.length ?? 0)),
        h('td', {}, String(p.storage?.entries.length ?? 0)))))),
  );
}

export async function consensus(chain, root) {
  replace(root, h('p', { role: 'status' }, 'Loading consensus\u2026'));
  const c = await chain.consensus();
  const member = (m) => m.account ?? m;
  replace(
    root,
    h('h1', {}, 'Consensus'),
    facts([
      ['Term', h('span', { id: 'term' }, String(c.term))],
      ['Term started at', h('a', { href: `#/block/${c.termStart}` }, `#${c.termStart.toLocaleString('en-US')}`)],
      ['Committee set', String(c.setId)],
    ]),
    h('section', { 'aria-labelledby': 'committee-title' },
      h('h2', { id: 'committee-title' }, `Validator committee (${c.validators.length})`),
      h('table', { id: 'committee' },
        h('thead', {}, h('tr', {}, ['Index', 'Account', 'Session key'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, c.validators.map((m, i) => h('tr', {}, h('td', {}, String(i)), h('td', {}, renderValue(chain, member(m))), h('td', {}, renderValue(chain, m.session_key))))))),
    h('section', { 'aria-labelledby': 'proposers-title' },
      h('h2', { id: 'proposers-title' }, `Proposers of term ${c.term} (${c.proposers.length} slots)`),
      c.proposers.length
        ? h('ol', { id: 'proposers', start: '0' }, c.proposers.map((m) => h('li', {}, renderValue(chain, member(m)))))
        : h('p', { class: 'muted' }, 'No proposers recorded for this term.')),
    h('section', { 'aria-labelledby': 'scores-title' },
      h('h2', { id: 'scores-title' }, 'Reputation at the last election'),
      c.scores.length
        ? h('table', { id: 'scores' },
            h('thead', {}, h('tr', {}, ['Candidate', 'Reputation', 'Impeachments', 'Dimensions'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, c.scores.map((s) => h('tr', {}, h('td', {}, renderValue(chain, s.account)), h('td', {}, renderValue(chain, s.reputation)), h('td', {}, renderValue(chain, s.impeachments)), h('td', {}, renderValue(chain, s.dimensions))))))
        : h('p', { class: 'muted' }, 'No election has scored candidates yet.')),
    h('section', { 'aria-labelledby': 'impeach-title' },
      h('h2', { id: 'impeach-title' }, `Impeachments (${c.impeachmentCount} kept)`),
      c.impeachments.length
        ? h('table', { id: 'impeachments' },
            h('thead', {}, h('tr', {}, ['Block', 'Proposer', 'Term', 'Round', 'Reason, reported by'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, c.impeachments.map((x) => h('tr', {}, h('td', {}, blockLink(x.block)), h('td', {}, renderValue(chain, x.proposer)), h('td', {}, String(x.term)), h('td', {}, String(x.round)), h('td', {}, renderValue(chain, x.reason))))))
        : h('p', { class: 'muted' }, 'No impeachments are on record.')),
  );
}

export async function sidechains(chain, root) {
  replace(root, h('p', { role: 'status' }, 'Loading sidechains\u2026'));
  const list = await chain.sidechains();
  if (list == null) {
    replace(root, h('h1', {}, 'Sidechains'), h('p', {}, 'This chain has no sidechain registry.'));
    return;
  }
  replace(
    root,
    h('h1', {}, 'Sidechains'),
    list.length === 0 ? h('p', { class: 'muted' }, 'No sidechain is registered.') : null,
    list.map((s) => h('section', { class: 'sidechain', 'aria-labelledby': `sidechain-${s.id}` },
      h('h2', { id: `sidechain-${s.id}` }, `Sidechain ${s.id}: ${s.metadata || '(no name)'}`),
      facts([
        ['Status', s.status],
        ['Registrant', renderValue(chain, tryAccount(chain, s.registrant))],
        ['Bond', /^\d+$/.test(s.bond) ? chain.formatBalance(BigInt(s.bond)) : s.bond],
        ['Registered at', blockLink(s.registeredAt)],
        ['Genesis', h('span', { class: 'mono' }, s.genesis)],
        ['Anchored head', h('span', { class: 'anchored-head' }, `#${s.anchored.number.toLocaleString('en-US')} `, short(s.anchored.hash))],
        ['Committee', `set ${s.committee.setId} from #${s.committee.from}, ${s.committee.members.length} members`],
      ]),
      h('h3', {}, 'Latest anchored headers'),
      s.anchors.length
        ? h('table', { class: 'anchors' },
            h('thead', {}, h('tr', {}, ['Sidechain block', 'Hash', 'State root'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', {}, s.anchors.map((a) => h('tr', {}, h('td', {}, `#${a.number.toLocaleString('en-US')}`), h('td', {}, short(toHex(a.hash))), h('td', {}, short(toHex(a.state_root)))))))
        : h('p', { class: 'muted' }, 'Nothing anchored yet.'))),
  );
}

function tryAccount(chain, address) {
  try {
    return new Account(ss58Decode(address).publicKey, chain.ss58Format);
  } catch {
    return address;
  }
}

/** Where a search term leads: a block, an extrinsic, an account; or an error to show. */
export async function search(chain, term) {
  const t = term.trim();
  if (/^\d{1,10}$/.test(t)) return `#/block/${Number(t)}`;
  if (/^0x[0-9a-fA-F]{64}$/.test(t)) {
    const hash = t.toLowerCase();
    const header = await chain.rpc.send('chain_getHeader', [hash]).catch(() => null);
    if (header) return `#/block/${hash}`;
    const found = await chain.findExtrinsic(hash);
    if (found) return `#/extrinsic/${found.block}/${found.index}`;
    throw new Error('No block with this hash, and no extrinsic with it in the last 256 blocks.');
  }
  try {
    ss58Decode(t);
    return `#/account/${t}`;
  } catch (e) {
    throw new Error(`Not a block number, a hash or an address (${e.message}).`);
  }
}

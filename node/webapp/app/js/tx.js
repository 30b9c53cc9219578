// Sending a signed transaction and following it: submitted, in the pool, in a block,
// finalized, with its outcome read from the finalized block's events (success or the
// dispatch error by name, the fee paid, the extrinsic's own events). The wallet's transfer and
// every market action go through here.

import { h } from './dom.js';
import { Balance } from './metadata.js';
import { signed } from './extrinsic.js';
import { ss58Encode } from './hash.js';
import * as crypto from './crypto.js';

/** The account's next nonce, counting its transactions still in the pool. */
export async function nextNonce(chain, publicKey) {
  const n = await chain.rpc.send('system_accountNextIndex', [ss58Encode(publicKey, chain.ss58Format)]);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error('the node gave no nonce for the account');
  return n;
}

/** How the extrinsic `hash` fared in block `blockHash`: success, its error, fee and events. */
export async function outcomeOf(chain, blockHash, hash) {
  const block = await chain.block(blockHash);
  const x = block.extrinsics.find((e) => e.hash === hash);
  if (!x) return { success: false, error: 'not found in the block', feePaid: null, events: [] };
  const paid = x.events.find((e) => e.pallet === 'Balances' && e.name === 'TransactionFeePaid');
  const failed = x.events.find((e) => e.pallet === 'System' && e.name === 'ExtrinsicFailed');
  const actual = paid?.args?.actual_fee;
  const feePaid = actual instanceof Balance ? actual.value : actual != null ? BigInt(actual) : null;
  const error = failed ? chain.metadata.errorName(failed.args?.dispatch_error) : null;
  return { success: x.success === true, error, feePaid, events: x.events };
}

/**
 * Submits `tx` (from `signed`) and follows it until it is finalized or fails, adding a line
 * to the list `list` at each step (the last one with id `${id}-finalized`); resolves with the
 * outcome and the block, rejects when the pool drops it or the connection breaks.
 */
export function watch(chain, tx, list, id = 'tx', update = () => {}) {
  return new Promise((resolve, reject) => {
    let stop = () => {};
    const step = (...children) => list.append(h('li', {}, ...children));
    const finish = (fn) => {
      stop();
      fn();
    };
    const onStatus = async (s) => {
      try {
        if (s === 'ready' || s === 'future') {
          step(s === 'ready' ? 'In the pool, ready.' : 'In the pool, waiting for an earlier nonce.');
        } else if (s?.inBlock) {
          const header = await chain.rpc.send('chain_getHeader', [s.inBlock]);
          const number = parseInt(header.number, 16);
          step('In block ', h('a', { href: `#/block/${s.inBlock}` }, `#${number.toLocaleString('en-US')}`), '.');
          update({ status: 'in block', block: number });
        } else if (s?.finalized) {
          const header = await chain.rpc.send('chain_getHeader', [s.finalized]);
          const number = parseInt(header.number, 16);
          const outcome = await outcomeOf(chain, s.finalized, tx.hash);
          const li = h('li', { id: `${id}-finalized` }, 'Finalized in block ', h('a', { href: `#/block/${s.finalized}` }, `#${number.toLocaleString('en-US')}`), '. ');
          if (outcome.feePaid != null) li.append('Fee paid: ', h('span', { id: `${id}-fee-paid` }, chain.formatBalance(outcome.feePaid)), '. ');
          li.append(outcome.success ? h('span', { class: 'ok' }, 'Success') : h('span', { class: 'bad' }, `Failed${outcome.error ? `: ${outcome.error}` : ''}`));
          list.append(li);
          update({ status: outcome.success ? 'finalized' : 'failed', block: number, fee: outcome.feePaid?.toString() });
          finish(() => resolve({ ...outcome, block: number, blockHash: s.finalized }));
        } else if (s?.retracted) {
          step('Its block was retracted; waiting for it to be included again.');
        } else if (s === 'dropped' || s === 'invalid' || s?.usurped || s?.dropped || s?.invalid || s?.finalityTimeout) {
          const why = typeof s === 'string' ? s : s.finalityTimeout ? 'not finalized in time' : Object.keys(s)[0];
          step(h('span', { class: 'bad' }, `The transaction was ${why}.`));
          update({ status: why });
          finish(() => reject(new Error(`The transaction was ${why}.`)));
        }
      } catch (e) {
        finish(() => reject(e));
      }
    };
    chain.rpc
      .watch('author_submitAndWatchExtrinsic', [tx.hex], 'author_unwatchExtrinsic', onStatus, () => {
        step(h('span', { class: 'bad' }, 'The connection dropped; the transaction may still go through.'));
        reject(new Error('The connection to the node dropped while the transaction was pending.'));
      })
      .then((unsubscribe) => {
        stop = unsubscribe;
      }, (e) => reject(new Error(`The node refused the transaction: ${e.message}`)));
  });
}

/**
 * Signs `call` with `pair` (its next nonce), submits it and follows it to finalized, showing
 * the steps under a heading `what` in `list`; throws with the dispatch error's name when the
 * call failed on chain, so a caller stops at the first failed step.
 */
export async function send(chain, pair, call, list, what, id = 'tx') {
  // One transaction at a time per account: two forms of one page submitting at once would
  // otherwise read the same next nonce.
  const key = ss58Encode(pair.publicKey, 42);
  const before = sending.get(key) ?? Promise.resolve();
  let done;
  const mine = new Promise((resolve) => {
    done = resolve;
  });
  sending.set(key, mine);
  try {
    await before;
    const nonce = await nextNonce(chain, pair.publicKey);
    const tx = await signed(chain, (payload) => crypto.sign(pair, payload), pair.publicKey, call, nonce);
    list.append(h('li', { class: 'step' }, h('strong', {}, what), ': submitted.'));
    const outcome = await watch(chain, tx, list, id);
    if (!outcome.success) throw new Error(`${what} failed on chain: ${outcome.error ?? 'see the block'}.`);
    return outcome;
  } finally {
    done();
    if (sending.get(key) === mine) sending.delete(key);
  }
}

/** The last transaction each account is sending, by address. */
const sending = new Map();

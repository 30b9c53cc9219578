// @polkadot/api, unmodified and with no custom types, against a running CPChain dev node.
//
// Started by node/cpchain/tests/polkadot_js_signs_transfers_and_follows_an_upgrade.rs, which
// runs `cpchain --dev` and passes its WebSocket URL (CPC_WS) and the next runtime's wasm
// (CPC_V2_WASM). Each step prints what it saw; any failure exits non-zero, and the whole run
// is bounded in time.

import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';

const URL = process.env.CPC_WS ?? 'ws://127.0.0.1:9944';
const V2_WASM = process.env.CPC_V2_WASM;
// The cpchain binary and the node's keystore, for the session-key proof (optional).
const BIN = process.env.CPC_BIN;
const KEYSTORE = process.env.CPC_KEYSTORE;
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const UNITS = 1_000_000_000_000n;

const deadline = setTimeout(() => {
  console.error('FAIL: the run took longer than 150 s');
  process.exit(2);
}, 150_000);

function step(name) {
  console.log(`-- ${name}`);
}

/// Waits for `predicate` over values a subscription delivers, bounded in time.
function waitFor(what, subscribe, predicate, ms = 30_000) {
  return new Promise((resolve, reject) => {
    let unsub;
    const timer = setTimeout(() => {
      if (unsub) unsub();
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    subscribe((value) => {
      if (predicate(value)) {
        clearTimeout(timer);
        if (unsub) unsub();
        resolve(value);
      }
    }).then((u) => {
      unsub = u;
    }, reject);
  });
}

/// Signs and sends `tx`, follows its statuses to finalization, returns the events.
function sendAndFinalize(tx, signer) {
  return new Promise((resolve, reject) => {
    const seen = [];
    const timer = setTimeout(() => reject(new Error(`not finalized; statuses: ${seen}`)), 30_000);
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      seen.push(status.type);
      if (status.isInvalid || status.isDropped || status.isUsurped) {
        clearTimeout(timer);
        reject(new Error(`transaction ${status.type}`));
      }
      if (status.isFinalized) {
        clearTimeout(timer);
        if (dispatchError) {
          const why = dispatchError.isModule
            ? (({ section, name }) => `${section}.${name}`)(tx.registry.findMetaError(dispatchError.asModule))
            : dispatchError.toString();
          reject(new Error(`dispatch failed: ${why}`));
          return;
        }
        resolve({ events, statuses: seen, blockHash: status.asFinalized });
      }
    }).catch((e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function names(events) {
  return events.map(({ event }) => `${event.section}.${event.method}`);
}

await cryptoWaitReady();
const api = await ApiPromise.create({ provider: new WsProvider(URL), throwOnConnect: true, noInitWarn: true });
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const alice = keyring.addFromUri('//Alice');
const bob = keyring.addFromUri('//Bob');
assert.equal(alice.address, ALICE);

step('runtime and chain');
assert.equal(api.runtimeVersion.specName.toString(), 'cpchain');
const startVersion = api.runtimeVersion.specVersion.toNumber();
console.log(`spec ${startVersion}, chain ${await api.rpc.system.chain()}, genesis ${api.genesisHash.toHex()}`);

step('query.system.account with an SS58 address');
const aliceAccount = await api.query.system.account(ALICE);
assert.ok(aliceAccount.data.free.toBigInt() > 0n, 'Alice has funds');
console.log(`Alice: nonce ${aliceAccount.nonce}, free ${aliceAccount.data.free}`);

step('subscribeNewHeads and query.system.account(callback) deliver updates');
const heads = [];
const unsubHeads = await api.rpc.chain.subscribeNewHeads((header) => heads.push(header.number.toNumber()));
const bobBalances = [];
const unsubBob = await api.query.system.account(BOB, (account) => bobBalances.push(account.data.free.toBigInt()));

step('tx.paymentInfo and a transferKeepAlive to finalization');
const amount = 7n * UNITS + 12_345n;
const bobBefore = (await api.query.system.account(BOB)).data.free.toBigInt();
const transfer = api.tx.balances.transferKeepAlive(BOB, amount);
const info = await transfer.paymentInfo(alice);
assert.ok(info.partialFee.toBigInt() > 0n, 'a fee is quoted');
console.log(`fee quoted: ${info.partialFee}, weight ${info.weight.refTime}`);
const sent = await sendAndFinalize(transfer, alice);
console.log(`statuses: ${sent.statuses.join(' -> ')}; events: ${names(sent.events).join(', ')}`);
assert.ok(names(sent.events).includes('balances.Transfer'));
assert.ok(names(sent.events).includes('system.ExtrinsicSuccess'));
const transferEvent = sent.events.find(({ event }) => api.events.balances.Transfer.is(event)).event;
assert.equal(transferEvent.data.from.toString(), ALICE);
assert.equal(transferEvent.data.to.toString(), BOB);
assert.equal(transferEvent.data.amount.toBigInt(), amount);
const bobAfter = (await api.query.system.account(BOB)).data.free.toBigInt();
assert.equal(bobAfter - bobBefore, amount, "Bob's balance rose by exactly the amount");

await waitFor('the account subscription to see the transfer', (cb) => {
  cb(bobBalances.at(-1));
  const timer = setInterval(() => cb(bobBalances.at(-1)), 100);
  return Promise.resolve(() => clearInterval(timer));
}, (latest) => latest === bobAfter);
assert.ok(heads.length >= 2 && heads.at(-1) > heads[0], `new heads arrived: ${heads}`);
unsubHeads();
unsubBob();
console.log(`heads seen: ${heads.join(', ')}; Bob's balances seen: ${bobBalances.length}`);

step('a data-market publish, decoded');
const registered = await sendAndFinalize(api.tx.dataMarket.registerProxy(10, 100n * UNITS), bob);
assert.ok(names(registered.events).includes('dataMarket.ProxyRegistered'), names(registered.events).join());
const published = await sendAndFinalize(
  api.tx.dataMarket.publish({
    title: 'Air quality, Shenzhen, 2026-12',
    description: 'PM2.5 readings every minute from 40 sensors',
    tags: ['air', 'pm25'],
    category: 'environment',
    price: 3n * UNITS,
    contentHash: '0x' + '11'.repeat(32),
    size_: 4096,
    location: { Node: '0x' + Buffer.from('cid-1').toString('hex') },
    license: 'CC-BY-4.0',
    proxies: [bob.address],
  }),
  alice,
);
const publishedEvent = published.events.find(({ event }) => event.section === 'dataMarket' && event.method === 'Published');
assert.ok(publishedEvent, names(published.events).join());
const productId = publishedEvent.event.data[0];
const product = await api.query.dataMarket.products(productId);
assert.ok(product.isSome, 'the product is stored');
assert.equal(product.unwrap().seller.toString(), ALICE);
assert.equal(product.unwrap().info.title.toUtf8(), 'Air quality, Shenzhen, 2026-12');
console.log(`product ${productId}: ${product.unwrap().info.title.toUtf8()}, price ${product.unwrap().info.price}`);

step('a hybrid-consensus storage query, decoded');
const validators = await api.query.hybridConsensus.validators();
assert.ok(validators.length >= 1);
assert.equal(validators[0].account.toString(), ALICE);
const term = await api.query.hybridConsensus.currentTerm();
console.log(`validators: ${validators.map((v) => v.account.toString()).join(', ')}; term ${term}`);
const fromApi = await api.call.hybridConsensusApi.validators();
assert.equal(fromApi[1][0].account.toString(), ALICE, 'the runtime API decodes through metadata V15');

if (BIN && KEYSTORE) {
  step('a validator set up the Substrate way: author_rotateKeys, then a registration');
  const keys = (await api.rpc.author.rotateKeys()).toHex();
  assert.equal((await api.rpc.author.hasSessionKeys(keys)).toHuman(), true);
  assert.equal((await api.rpc.author.hasKey(keys, 'lbft')).toHuman(), true);
  const proof = execFileSync(
    BIN,
    ['key', 'sign', '--keystore-path', KEYSTORE, '--public', keys, '--session-key-proof', bob.address],
    { encoding: 'utf8', timeout: 30_000 },
  ).trim();
  const minBond = (await api.query.hybridConsensus.paramsOf()).minBond.toBigInt();
  const registered = await sendAndFinalize(api.tx.hybridConsensus.register(keys, proof, minBond), bob);
  assert.ok(names(registered.events).includes('hybridConsensus.Registered'), names(registered.events).join());
  const candidate = await api.query.hybridConsensus.candidates(bob.address);
  assert.ok(candidate.isSome, 'Bob is a candidate');
  assert.equal(candidate.unwrap().sessionKey.toHex(), keys);
  console.log(`Bob registered with session key ${keys}`);
}

if (V2_WASM) {
  step('a runtime upgrade by sudo, seen by the running client');
  const code = readFileSync(V2_WASM);
  const upgrade = api.tx.governance.sudo(api.tx.system.setCode('0x' + code.toString('hex')));
  const upgraded = await sendAndFinalize(upgrade, alice);
  console.log(`upgrade events: ${names(upgraded.events).join(', ')}`);
  await waitFor(
    'api.runtimeVersion to change',
    (cb) => {
      const timer = setInterval(() => cb(api.runtimeVersion.specVersion.toNumber()), 200);
      return Promise.resolve(() => clearInterval(timer));
    },
    (spec) => spec > startVersion,
  );
  console.log(`runtime now ${api.runtimeVersion.specVersion}`);

  step('the same client signs and lands another transfer on the new runtime');
  const bobBeforeLast = (await api.query.system.account(BOB)).data.free.toBigInt();
  const again = await sendAndFinalize(api.tx.balances.transferKeepAlive(BOB, UNITS), alice);
  assert.ok(names(again.events).includes('balances.Transfer'));
  const bobLast = (await api.query.system.account(BOB)).data.free.toBigInt();
  assert.equal(bobLast - bobBeforeLast, UNITS);
}

await api.disconnect();
clearTimeout(deadline);
console.log('polkadot.js: all checks passed');

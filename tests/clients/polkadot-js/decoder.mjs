// The web app's hand-written decoder (node/webapp/app/js/metadata.js) against polkadot.js on
// the same blocks: every extrinsic's hash, signer, pallet, call, argument names and simple
// argument values, and every event's pallet, name and phase, block after block of a node
// that test.mjs has just put through transfers, market calls and a runtime upgrade.

import { ApiPromise, WsProvider } from '@polkadot/api';
import assert from 'node:assert/strict';
import { Metadata, Account, Balance, Variant } from '../../../node/webapp/app/js/metadata.js';
import { fromHex, toHex } from '../../../node/webapp/app/js/hash.js';

const URL = process.env.CPC_WS;
const MOST_BLOCKS = 300;

const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()).replace(/^[A-Z]/, (c) => c.toLowerCase());

/** A simple value as polkadot.js's `toString()` writes it; `undefined` for anything else. */
function simple(v) {
  if (v instanceof Variant && v.name === 'Id' && v.value instanceof Account) return v.value.address;
  if (v instanceof Account) return v.address;
  if (v instanceof Balance) return v.value.toString();
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return undefined;
}

const provider = new WsProvider(URL);
const api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
const raw = (method, params) => provider.send(method, params);
const metadatas = new Map();
const best = (await api.rpc.chain.getHeader()).number.toNumber();
const count = { blocks: 0, extrinsics: 0, args: 0, events: 0, skipped: 0 };
for (let n = 1; n <= Math.min(best, MOST_BLOCKS); n++) {
  const hash = (await api.rpc.chain.getBlockHash(n)).toHex();
  const block = await raw('chain_getBlock', [hash]);
  const [before, after] = await Promise.all([
    raw('state_getRuntimeVersion', [block.block.header.parentHash]),
    raw('state_getRuntimeVersion', [hash]),
  ]);
  // The block that upgrades the runtime was run by the old one and ends under the new: which
  // metadata reads its events is a matter of convention, not of decoding.
  if (before.specVersion !== after.specVersion) {
    count.skipped++;
    continue;
  }
  if (!metadatas.has(after.specVersion)) {
    metadatas.set(after.specVersion, new Metadata(fromHex(await raw('state_getMetadata', [hash]))));
  }
  const metadata = metadatas.get(after.specVersion);
  const theirs = await api.rpc.chain.getBlock(hash);
  const apiAt = await api.at(hash);
  block.block.extrinsics.forEach((hex, i) => {
    const ours = metadata.decodeExtrinsic(hex);
    const ex = theirs.block.extrinsics[i];
    const where = `block ${n} extrinsic ${i} (${ex.method.section}.${ex.method.method})`;
    assert.equal(ours.hash, ex.hash.toHex(), `${where}: hash`);
    assert.equal(ours.signed, ex.isSigned, `${where}: signed`);
    if (ex.isSigned) assert.equal(simple(ours.signer), ex.signer.toString(), `${where}: signer`);
    assert.equal(camel(ours.pallet), ex.method.section, `${where}: pallet`);
    assert.equal(camel(ours.call), ex.method.method, `${where}: call`);
    // polkadot.js writes argument and field names in camelCase.
    const names = ex.method.meta.args.map((a) => a.name.toString());
    const args = ours.args == null ? {} : ours.args;
    assert.deepEqual(Object.keys(args).map(camel), names.map(camel), `${where}: argument names`);
    Object.keys(args).forEach((name, k) => {
      const mine = simple(args[name]);
      if (mine !== undefined) {
        assert.equal(mine, ex.method.args[k].toString(), `${where}: ${name}`);
        count.args++;
      } else if (args[name] instanceof Uint8Array) {
        assert.equal(toHex(args[name]), ex.method.args[k].toHex(), `${where}: ${name}`);
        count.args++;
      }
    });
    count.extrinsics++;
  });
  const ourEvents = metadata.decodeEvents(await raw('state_getStorage', [metadata.storageKey('System', 'Events'), hash]));
  const theirEvents = await apiAt.query.system.events();
  assert.equal(ourEvents.length, theirEvents.length, `block ${n}: event count`);
  ourEvents.forEach((ev, i) => {
    const { event, phase } = theirEvents[i];
    const where = `block ${n} event ${i} (${event.section}.${event.method})`;
    assert.equal(camel(ev.pallet), event.section, `${where}: pallet`);
    assert.equal(ev.name, event.method, `${where}: name`);
    assert.equal(ev.extrinsic, phase.isApplyExtrinsic ? phase.asApplyExtrinsic.toNumber() : null, `${where}: phase`);
    const fields = event.meta.fields.map((f) => f.name.toString());
    if (fields.every((f) => f) && ev.args && typeof ev.args === 'object' && !Array.isArray(ev.args)) {
      assert.deepEqual(Object.keys(ev.args).map(camel), fields.map(camel), `${where}: field names`);
      Object.keys(ev.args).forEach((f, k) => {
        const mine = simple(ev.args[f]);
        if (mine !== undefined) {
          assert.equal(mine, event.data[k].toString(), `${where}: ${f}`);
          count.args++;
        }
      });
    }
    count.events++;
  });
  count.blocks++;
}
await api.disconnect();
assert.ok(count.extrinsics >= 10 && count.events >= 20, `enough was compared: ${JSON.stringify(count)}`);
console.log(`decoder: ${JSON.stringify(count)}`);
console.log('decoder: matches polkadot.js');

// polkadot-api 1.x, unmodified and without generated descriptors (the unsafe API reads
// everything from the chain's metadata), against a running CPChain dev node over the new
// JSON-RPC spec only: chainHead_v1_* to follow the chain, read storage and call runtime APIs,
// chainSpec_v1_* for the chain's facts, transaction_v1_broadcast to submit.
//
// Started by node/cpchain/tests/polkadot_api_follows_the_chain_and_lands_a_transfer.rs with
// the node's WebSocket URL in CPC_WS. Any failure exits non-zero; the run is bounded in time.

import { createClient, Enum } from 'polkadot-api';
import { getWsProvider } from 'polkadot-api/ws-provider';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { sr25519CreateDerive } from '@polkadot-labs/hdkd';
import { DEV_PHRASE, entropyToMiniSecret, mnemonicToEntropy, ss58Address } from '@polkadot-labs/hdkd-helpers';
import { WebSocket } from 'ws';
import assert from 'node:assert/strict';

const URL = process.env.CPC_WS ?? 'ws://127.0.0.1:9944';
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const AMOUNT = 2_000_000_000_000n + 777n;

// Node 20 has no global WebSocket; `terminate` on close so a lingering socket cannot keep
// the process alive.
class WS extends WebSocket {
  close() {
    this.terminate();
  }
}

// Every method the client calls, to show it spoke the new spec only.
const called = new Set();
const recordMethods = (base) => (onMessage) => {
  const inner = base(onMessage);
  return {
    send: (message) => {
      const method = JSON.parse(message).method;
      if (method) called.add(method);
      inner.send(message);
    },
    disconnect: () => inner.disconnect(),
  };
};

const client = createClient(getWsProvider(URL, { websocketClass: WS, timeout: 10_000, innerEnhancer: recordMethods }));
const deadline = setTimeout(() => {
  console.error('FAIL: the run took longer than 120 s');
  process.exit(2);
}, 120_000);

try {
  const api = client.getUnsafeApi();

  const spec = await client.getChainSpecData();
  const finalized = await client.getFinalizedBlock();
  console.log(`chain ${spec.name}, genesis ${spec.genesisHash}, finalized #${finalized.number}`);
  assert.equal(spec.name, 'Development');

  const derive = sr25519CreateDerive(entropyToMiniSecret(mnemonicToEntropy(DEV_PHRASE)));
  const alice = derive('//Alice');
  assert.equal(ss58Address(alice.publicKey, 42), ALICE);
  const signer = getPolkadotSigner(alice.publicKey, 'Sr25519', alice.sign);

  const account = await api.query.System.Account.getValue(ALICE);
  assert.ok(account.data.free > AMOUNT, 'Alice has funds');
  console.log(`Alice: nonce ${account.nonce}, free ${account.data.free}`);
  const bobBefore = (await api.query.System.Account.getValue(BOB)).data.free;

  const version = await api.constants.System.Version();
  assert.equal(version.spec_name, 'cpchain');

  const tx = api.tx.Balances.transfer_keep_alive({ dest: Enum('Id', BOB), value: AMOUNT });
  const stages = [];
  const result = await new Promise((resolve, reject) => {
    const subscription = tx.signSubmitAndWatch(signer).subscribe({
      next: (event) => {
        stages.push(event.type);
        if (event.type === 'finalized') {
          subscription.unsubscribe();
          resolve(event);
        }
      },
      error: reject,
    });
  });
  console.log(`stages: ${stages.join(' -> ')}; finalized in #${result.block.number}`);
  assert.ok(result.ok, 'the transfer succeeded');
  const events = result.events.map((e) => `${e.type}.${e.value.type}`);
  console.log(`events: ${events.join(', ')}`);
  assert.ok(events.includes('Balances.Transfer'));
  assert.ok(events.includes('System.ExtrinsicSuccess'));

  const bobAfter = (await api.query.System.Account.getValue(BOB, { at: result.block.hash })).data.free;
  assert.equal(bobAfter - bobBefore, AMOUNT, "Bob's balance rose by exactly the amount");

  const methods = [...called].sort();
  console.log(`methods called: ${methods.join(', ')}`);
  for (const legacy of methods.filter((m) => !/^(chainHead|chainSpec|transaction|transactionWatch)_v1_/.test(m))) {
    assert.fail(`a legacy method was called: ${legacy}`);
  }
  clearTimeout(deadline);
  client.destroy();
  console.log('polkadot-api: all checks passed');
} catch (e) {
  console.error('FAIL:', e?.stack ?? String(e));
  client.destroy();
  process.exit(1);
}

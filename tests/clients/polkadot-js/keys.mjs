// `cpchain key` against polkadot.js's keyring and signature checks (what Substrate's tools
// produce and accept): the same addresses and public keys from the same secret URIs, our
// signatures verify in polkadot.js, and polkadot.js's signatures verify with `cpchain key
// verify`. Started by node/cpchain/tests/substrate_operator_commands_work_on_a_stopped_node.rs
// with the binary in CPC_BIN.

import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, signatureVerify } from '@polkadot/util-crypto';
import { u8aToHex, stringToU8a } from '@polkadot/util';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';

const BIN = process.env.CPC_BIN;
assert.ok(BIN, 'CPC_BIN names the cpchain binary');
const cpchain = (...args) => execFileSync(BIN, args, { encoding: 'utf8', timeout: 30_000 });

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const phrase = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';

for (const suri of ['//Alice', '//Bob//stash', `${phrase}//cpchain/iot`, `${phrase}///password`]) {
  const ours = JSON.parse(cpchain('key', 'inspect', suri, '--output-type', 'json'));
  const theirs = keyring.addFromUri(suri);
  assert.equal(ours.ss58Address, theirs.address, `address of ${suri}`);
  assert.equal(ours.publicKey, u8aToHex(theirs.publicKey), `public key of ${suri}`);

  const message = `reading #42 from device ${suri}`;
  const signature = cpchain('key', 'sign', '--suri', suri, '--message', message).trim();
  assert.ok(signatureVerify(stringToU8a(message), signature, theirs.address).isValid, `our signature by ${suri}`);

  const theirSignature = u8aToHex(theirs.sign(stringToU8a(message)));
  const out = cpchain('key', 'verify', theirSignature, theirs.address, '--message', message);
  assert.match(out, /verifies correctly/, `polkadot.js's signature by ${suri}`);
}
console.log('keys: all checks passed');

// Signed extrinsics (format v4), built from the runtime's metadata: the call is encoded by
// name, and each signed extension the runtime lists gets its value and its implicit part
// (what the signature covers without it being sent). An extension this page does not know,
// and which is not empty, stops the build with its name: signing a transaction whose meaning
// the page cannot fill in would only be refused by the node.

import { encodeCompact, encodeU32, ScaleError } from './scale.js';
import { Variant } from './metadata.js';
import { blake2b, concat, fromHex, toHex } from './hash.js';

/** Blocks a transaction stays valid for; a power of two, as in polkadot.js. */
export const MORTAL_PERIOD = 64;
const SIGNED_V4 = 0x84;
const MAX_UNHASHED_PAYLOAD = 256;

/**
 * The era of a transaction born at block `current` for `period` blocks, encoded as Substrate
 * does (two bytes: the period's log2 and the phase).
 */
export function mortalEra(period, current) {
  const p = Math.min(1 << 16, Math.max(4, 2 ** Math.ceil(Math.log2(period))));
  const phase = current % p;
  const quantize = Math.max(p >> 12, 1);
  const quantized = Math.floor(phase / quantize) * quantize;
  const low = Math.min(15, Math.max(1, Math.log2(p) - 1));
  const encoded = low | (Math.floor(quantized / quantize) << 4);
  return Uint8Array.of(encoded & 0xff, encoded >> 8);
}

/**
 * The parts of a transaction from `signer` calling `call` (bytes): each extension's value
 * (`extra`) and implicit part (`implicit`), for the chain `chain` at its finalized block,
 * which is the transaction's birth block.
 */
export async function prepare(chain, publicKey, { nonce, tip = 0n }) {
  const m = chain.metadata;
  const finalizedHash = await chain.rpc.send('chain_getFinalizedHead');
  const header = await chain.rpc.send('chain_getHeader', [finalizedHash]);
  const birth = parseInt(header.number, 16);
  const version = chain.version;
  const extra = [];
  const implicit = [];
  for (const ext of m.extrinsic.signedExtensions) {
    switch (ext.identifier) {
      case 'CheckNonZeroSender':
      case 'CheckWeight':
        break;
      case 'CheckSpecVersion':
        implicit.push(encodeU32(version.specVersion));
        break;
      case 'CheckTxVersion':
        implicit.push(encodeU32(version.transactionVersion));
        break;
      case 'CheckGenesis':
        implicit.push(fromHex(chain.genesis));
        break;
      case 'CheckMortality':
      case 'CheckEra':
        extra.push(mortalEra(MORTAL_PERIOD, birth));
        implicit.push(fromHex(finalizedHash));
        break;
      case 'CheckNonce':
        extra.push(encodeCompact(nonce));
        break;
      case 'ChargeTransactionPayment':
        extra.push(encodeCompact(tip));
        break;
      default:
        if (!m.isEmpty(ext.type) || !m.isEmpty(ext.additionalSigned)) {
          throw new ScaleError(`this runtime asks for a signed extension this page cannot fill in: ${ext.identifier}`);
        }
    }
  }
  return { extra: concat(...extra), implicit: concat(...implicit), birth, birthHash: finalizedHash, publicKey };
}

/** What the signature covers: call, extensions, implicit parts; hashed when long. */
export function signingPayload(call, prepared) {
  const raw = concat(call, prepared.extra, prepared.implicit);
  return raw.length > MAX_UNHASHED_PAYLOAD ? blake2b(raw, 32) : raw;
}

/** The extrinsic's bytes, hex, with `signature` (64 bytes, sr25519) from `publicKey`. */
export function assemble(chain, call, prepared, signature) {
  const m = chain.metadata;
  const p = m.extrinsicParams;
  const address = m.encode(p.Address, new Variant('Id', prepared.publicKey));
  const sig = m.encode(p.Signature, new Variant('Sr25519', signature));
  const body = concat(Uint8Array.of(SIGNED_V4), address, sig, prepared.extra, call);
  return toHex(concat(encodeCompact(body.length), body));
}

/**
 * A transaction signed by `pair` (from crypto.js) and its fee: `{hex, hash, fee}`, the fee
 * from the node's `payment_queryInfo`, in the token's smallest unit as a BigInt.
 */
export async function signed(chain, sign, publicKey, call, nonce) {
  const prepared = await prepare(chain, publicKey, { nonce });
  const signature = await sign(signingPayload(call, prepared));
  const hex = assemble(chain, call, prepared, signature);
  return { hex, hash: toHex(blake2b(fromHex(hex), 32)), prepared };
}

/** The fee the node would charge for `call` from `publicKey`, before anything is signed. */
export async function estimateFee(chain, publicKey, call, nonce) {
  // The fee depends on the call's weight and the transaction's length, not on the
  // signature, so a zero signature of the right length stands in for it.
  const prepared = await prepare(chain, publicKey, { nonce });
  const hex = assemble(chain, call, prepared, new Uint8Array(64));
  const info = await chain.rpc.send('payment_queryInfo', [hex]);
  const fee = String(info?.partialFee ?? '');
  if (!/^\d{1,40}$/.test(fee)) throw new Error('the node gave no fee estimate');
  return BigInt(fee);
}

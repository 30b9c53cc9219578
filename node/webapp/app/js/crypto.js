// The wallet's cryptography: the node's own Rust (`cpc-webapp-crypto`) compiled to wasm and
// served beside the page as `crypto.wasm`. The module imports nothing; randomness comes from
// `crypto.getRandomValues` as arguments. WebCrypto is not used: browsers withhold it from
// pages on plain HTTP to other hosts, where a node's app may well be served.
//
// Secrets cross into the module's memory and are wiped there after each call.

import { toHex, fromHex, utf8 } from './hash.js';

/** PBKDF2 rounds for new vault entries (the module refuses fewer than 10,000). */
export const VAULT_ROUNDS = 100_000;

const ERRORS = {
  1: 'This secret URI is malformed (a path junction is empty, or the phrase holds other characters).',
  2: 'Not a valid recovery phrase: a word is not in the English BIP39 list or the checksum is wrong.',
  3: 'A hex seed must be 0x followed by 64 hex digits.',
  4: 'The phrase has an unusual length.',
  5: 'The text is not valid UTF-8.',
  6: 'The key pair is damaged.',
  7: 'Wrong password.',
  8: 'This stored key asks for an unusual number of password rounds; it was not made by this page.',
  9: 'Output too long.',
  10: 'This is not an encrypted CPChain file (its header is wrong).',
  11: 'The file failed its authentication check: it was changed, cut short or reordered on the way, or the key is not this file\u2019s. Nothing was saved.',
  12: 'The file ends before its last part.',
  13: 'The file has data after its last part.',
  14: 'The delivered key cannot be opened with this account\u2019s key (tampered with, or sealed to another account).',
  15: 'The recipient\u2019s encryption key is weak; refusing to seal a key to it.',
  16: 'A part of the file has the wrong size.',
  17: 'Internal error: unknown stream.',
  18: 'Too many files are being processed at once.',
};

export class CryptoError extends Error {
  constructor(code) {
    super(ERRORS[code] ?? `error ${code}`);
    this.code = code;
  }
}

let instance = null;

/** Loads the module once; rejects with a clear message if the node does not serve it. */
export function ready() {
  instance ??= (async () => {
    const response = await fetch(new URL('../crypto.wasm', import.meta.url));
    if (!response.ok) throw new Error(`this node does not serve the wallet's cryptography (crypto.wasm: HTTP ${response.status})`);
    const { instance: wasm } = await WebAssembly.instantiate(await response.arrayBuffer(), {});
    return wasm.exports;
  })();
  instance.catch(() => {
    instance = null;
  });
  return instance;
}

export function randomBytes(n) {
  return crypto.getRandomValues(new Uint8Array(n));
}

// Calls export `name` with each byte input copied into the module's memory (numbers pass as
// they are), followed by output buffers of the sizes in `outputs`; returns the outputs' bytes,
// then the bytes of the inputs at the indexes in `readBack` (for functions that work in
// place). Every buffer is wiped and freed afterwards, whatever happens.
async function call(name, inputs, outputs, readBack = []) {
  const w = await ready();
  const buffers = [];
  const place = (bytes) => {
    const len = Math.max(bytes.length, 1);
    const ptr = w.cpc_alloc(len);
    new Uint8Array(w.memory.buffer, ptr, bytes.length).set(bytes);
    buffers.push([ptr, len]);
    return ptr;
  };
  try {
    const args = inputs.map((x) => (x instanceof Uint8Array ? place(x) : x));
    const outs = outputs.map((n) => place(new Uint8Array(n)));
    const status = w[name](...args, ...outs);
    if (status !== 0) throw new CryptoError(status);
    const read = (ptr, n) => new Uint8Array(w.memory.buffer, ptr, n).slice();
    return [...outs.map((ptr, i) => read(ptr, outputs[i])), ...readBack.map((i) => read(args[i], inputs[i].length))];
  } finally {
    for (const [ptr, len] of buffers) {
      new Uint8Array(w.memory.buffer, ptr, len).fill(0);
      w.cpc_free(ptr, len);
    }
  }
}

/** A key pair from a secret URI or phrase: `{ raw (96 bytes), publicKey (32) }`. */
export async function pairFromSuri(suri) {
  const bytes = utf8(suri);
  const [raw] = await call('cpc_pair_from_suri', [bytes, bytes.length], [96]);
  bytes.fill(0);
  return { raw, publicKey: raw.slice(64) };
}

/** An sr25519 signature (64 bytes) of `message` by `pair`. */
export async function sign(pair, message) {
  const [signature] = await call('cpc_sign', [pair.raw, message, message.length, randomBytes(32)], [64]);
  return signature;
}

/** Whether `signature` on `message` is by `publicKey`. */
export async function verify(signature, message, publicKey) {
  try {
    await call('cpc_verify', [signature, message, message.length, publicKey], []);
    return true;
  } catch (e) {
    if (e instanceof CryptoError) return false;
    throw e;
  }
}

/** A new 12-word recovery phrase from 16 random bytes. */
export async function newPhrase() {
  const entropy = randomBytes(16);
  // 256 bytes: the module's PHRASE_CAPACITY.
  const [text, len] = await call('cpc_phrase_from_entropy', [entropy, entropy.length], [256, 4]);
  entropy.fill(0);
  const n = new DataView(len.buffer).getUint32(0, true);
  const phrase = new TextDecoder().decode(text.subarray(0, n));
  text.fill(0);
  return phrase;
}

/** Seals `secret` (text) under `password`: a JSON-able entry for local storage. */
export async function seal(secret, password, rounds = VAULT_ROUNDS) {
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const pw = utf8(password);
  const data = utf8(secret);
  try {
    const [tag, sealed] = await call('cpc_vault_seal', [pw, pw.length, salt, rounds, nonce, data, data.length], [16], [5]);
    return { kdf: 'pbkdf2-sha256', rounds, salt: toHex(salt), nonce: toHex(nonce), data: toHex(sealed), tag: toHex(tag) };
  } finally {
    pw.fill(0);
    data.fill(0);
  }
}

/** Opens an entry `seal` made; throws `CryptoError` (code 7, "Wrong password.") otherwise. */
export async function open(entry, password) {
  const damaged = () => new Error('This stored key is damaged.');
  if (entry?.kdf !== 'pbkdf2-sha256' || !Number.isSafeInteger(entry.rounds)) throw damaged();
  let salt, nonce, data, tag;
  try {
    [salt, nonce, data, tag] = [entry.salt, entry.nonce, entry.data, entry.tag].map(fromHex);
  } catch {
    throw damaged();
  }
  if (salt.length !== 16 || nonce.length !== 12 || tag.length !== 16) throw damaged();
  const pw = utf8(password);
  try {
    const [plain] = await call('cpc_vault_open', [pw, pw.length, salt, entry.rounds >>> 0, nonce, data, data.length, tag], [], [5]);
    const text = new TextDecoder().decode(plain);
    plain.fill(0);
    return text;
  } finally {
    pw.fill(0);
  }
}

// The data market (the module's `market` functions: the same code as the node's and the CLI's).

/** Plaintext bytes per encrypted chunk: the CLI's. */
export const CHUNK_SIZE = 1 << 20;
/** Bytes an encrypted chunk adds (its tag), and bytes of an encrypted file's header. */
export const TAG_LEN = 16;
export const HEADER_LEN = 9;

const u32le = (bytes) => new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);

/** The account's X25519 public key (32 bytes): what `set_encryption_key` registers. */
export async function encryptionKey(pair) {
  const [key] = await call('cpc_market_public', [pair.raw], [32]);
  return key;
}

/** Opens a content key sealed (80 bytes) to the account of `pair`. */
export async function openSealed(pair, sealed) {
  const [key] = await call('cpc_market_open', [pair.raw, sealed, sealed.length], [32]);
  return key;
}

/** Seals the 32-byte content `key` to the X25519 key `recipient`: 80 bytes. */
export async function sealKey(key, recipient) {
  const [sealed] = await call('cpc_market_seal', [key, recipient, randomBytes(32)], [80]);
  return sealed;
}

/** What the account signs to log in to the gateway at `audience` (`scheme://host[:port]`). */
export async function loginPayload(genesis, audience, nonce) {
  const text = utf8(audience);
  // 512 bytes: the module's LOGIN_CAPACITY.
  const [out, len] = await call('cpc_market_login_payload', [genesis, text, text.length, nonce], [512, 4]);
  return out.slice(0, u32le(len));
}

/** A fresh random content key. */
export function contentKey() {
  return randomBytes(32);
}

// A stream open in the module, by its number; `close()` gives the number back (and a hash
// stream's digest). Callers close in `finally`: the module keeps at most 16.
class Stream {
  constructor(handle) {
    this.handle = handle;
  }

  async close() {
    if (this.handle == null) return null;
    const handle = this.handle;
    this.handle = null;
    const [digest] = await call('cpc_stream_close', [handle], [32]);
    return digest;
  }
}

/** Encrypts a file chunk by chunk (exactly `CHUNK_SIZE` bytes each, the last at most that). */
export class Encryptor extends Stream {
  static async open(key, chunkSize = CHUNK_SIZE) {
    const [handle] = await call('cpc_encrypt_new', [key, chunkSize], [4]);
    return new Encryptor(u32le(handle));
  }

  async header() {
    const [header] = await call('cpc_encrypt_header', [this.handle], [HEADER_LEN]);
    return header;
  }

  async chunk(plain, last) {
    const [sealed] = await call('cpc_encrypt_chunk', [this.handle, plain, plain.length, last ? 1 : 0], [plain.length + TAG_LEN]);
    return sealed;
  }
}

/** Decrypts a file whose header is `header`, chunk by chunk (`chunkSize` bytes each but the last). */
export class Decryptor extends Stream {
  static async open(key, header) {
    const [handle] = await call('cpc_decrypt_new', [key, header, header.length], [4]);
    const d = new Decryptor(u32le(handle));
    try {
      const [size] = await call('cpc_decrypt_chunk_size', [d.handle], [4]);
      d.chunkSize = u32le(size);
    } catch (e) {
      await d.close();
      throw e;
    }
    return d;
  }

  async chunk(sealed, last) {
    if (sealed.length < TAG_LEN) throw new CryptoError(last ? 12 : 11);
    const [plain] = await call('cpc_decrypt_chunk', [this.handle, sealed, sealed.length, last ? 1 : 0], [sealed.length - TAG_LEN]);
    return plain;
  }
}

/** sha2-256, fed in parts; `close()` gives the digest. */
export class Sha256 extends Stream {
  static async open() {
    const [handle] = await call('cpc_sha256_new', [], [4]);
    return new Sha256(u32le(handle));
  }

  async update(bytes) {
    await call('cpc_sha256_update', [this.handle, bytes, bytes.length], []);
  }
}

// Hashes and encodings the explorer needs to name storage keys and accounts: BLAKE2b (storage
// maps' `Blake2_128Concat`, SS58 checksums), xxHash64 (`Twox128` pallet and entry prefixes),
// hex, base58 and SS58. Plain ES module, no dependency; 64-bit words are BigInts, which is slow
// but these hash a few dozen bytes at a time.

const MASK64 = (1n << 64n) - 1n;

/** Bytes to lowercase hex with a `0x` prefix. */
export function toHex(bytes) {
  let out = '0x';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** `0x`-prefixed (or bare) hex to bytes; throws on odd length or a non-hex digit. */
export function fromHex(hex) {
  const s = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new Error(`not hex: ${hex.slice(0, 20)}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const utf8 = (s) => new TextEncoder().encode(s);

const IV = [
  0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n,
];
const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

const rotr64 = (x, n) => ((x >> BigInt(n)) | (x << BigInt(64 - n))) & MASK64;

function readU64(bytes, at) {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]);
  return v;
}

function compress(h, block, counter, last) {
  const v = [...h, ...IV];
  v[12] ^= BigInt(counter) & MASK64;
  if (last) v[14] ^= MASK64;
  const m = [];
  for (let i = 0; i < 16; i++) m.push(readU64(block, i * 8));
  const g = (a, b, c, d, x, y) => {
    v[a] = (v[a] + v[b] + x) & MASK64;
    v[d] = rotr64(v[d] ^ v[a], 32);
    v[c] = (v[c] + v[d]) & MASK64;
    v[b] = rotr64(v[b] ^ v[c], 24);
    v[a] = (v[a] + v[b] + y) & MASK64;
    v[d] = rotr64(v[d] ^ v[a], 16);
    v[c] = (v[c] + v[d]) & MASK64;
    v[b] = rotr64(v[b] ^ v[c], 63);
  };
  for (let r = 0; r < 12; r++) {
    const s = SIGMA[r % 10];
    g(0, 4, 8, 12, m[s[0]], m[s[1]]);
    g(1, 5, 9, 13, m[s[2]], m[s[3]]);
    g(2, 6, 10, 14, m[s[4]], m[s[5]]);
    g(3, 7, 11, 15, m[s[6]], m[s[7]]);
    g(0, 5, 10, 15, m[s[8]], m[s[9]]);
    g(1, 6, 11, 12, m[s[10]], m[s[11]]);
    g(2, 7, 8, 13, m[s[12]], m[s[13]]);
    g(3, 4, 9, 14, m[s[14]], m[s[15]]);
  }
  for (let i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}

/** BLAKE2b of `data` with an output of `outLen` bytes (1 to 64), unkeyed. */
export function blake2b(data, outLen = 32) {
  if (outLen < 1 || outLen > 64) throw new Error('BLAKE2b output is 1 to 64 bytes');
  const h = [...IV];
  h[0] ^= 0x01010000n ^ BigInt(outLen);
  const blocks = Math.max(1, Math.ceil(data.length / 128));
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1;
    const block = new Uint8Array(128);
    block.set(data.subarray(i * 128, Math.min(data.length, (i + 1) * 128)));
    compress(h, block, last ? data.length : (i + 1) * 128, last);
  }
  const out = new Uint8Array(64);
  for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) out[i * 8 + j] = Number((h[i] >> BigInt(8 * j)) & 0xffn);
  return out.slice(0, outLen);
}

const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;
const rotl64 = (x, n) => ((x << BigInt(n)) | (x >> BigInt(64 - n))) & MASK64;
const mul = (a, b) => (a * b) & MASK64;
const add = (a, b) => (a + b) & MASK64;

function xxRound(acc, input) {
  return mul(rotl64(add(acc, mul(input, P2)), 31), P1);
}

/** xxHash64 of `data` with `seed`, as a BigInt. */
export function xxhash64(data, seed = 0n) {
  const len = data.length;
  let at = 0;
  let h;
  if (len >= 32) {
    const v = [add(add(seed, P1), P2), add(seed, P2), seed, (seed - P1) & MASK64];
    while (at + 32 <= len) {
      for (let i = 0; i < 4; i++) v[i] = xxRound(v[i], readU64(data, at + i * 8));
      at += 32;
    }
    h = add(add(rotl64(v[0], 1), rotl64(v[1], 7)), add(rotl64(v[2], 12), rotl64(v[3], 18)));
    for (const lane of v) h = add(mul(h ^ xxRound(0n, lane), P1), P4);
  } else {
    h = add(seed, P5);
  }
  h = add(h, BigInt(len));
  while (at + 8 <= len) {
    h ^= xxRound(0n, readU64(data, at));
    h = add(mul(rotl64(h, 27), P1), P4);
    at += 8;
  }
  if (at + 4 <= len) {
    const word = BigInt(data[at] | (data[at + 1] << 8) | (data[at + 2] << 16)) + (BigInt(data[at + 3]) << 24n);
    h ^= mul(word, P1);
    h = add(mul(rotl64(h, 23), P2), P3);
    at += 4;
  }
  while (at < len) {
    h ^= mul(BigInt(data[at]), P5);
    h = mul(rotl64(h, 11), P1);
    at += 1;
  }
  h ^= h >> 33n;
  h = mul(h, P2);
  h ^= h >> 29n;
  h = mul(h, P3);
  h ^= h >> 32n;
  return h;
}

function u64le(x) {
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = Number((x >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** Substrate's `Twox128`: two xxHash64 (seeds 0 and 1), little-endian. */
export const twox128 = (data) => concat(u64le(xxhash64(data, 0n)), u64le(xxhash64(data, 1n)));
/** Substrate's `Twox64Concat`. */
export const twox64Concat = (data) => concat(u64le(xxhash64(data, 0n)), data);
/** Substrate's `Blake2_128Concat`. */
export const blake2_128Concat = (data) => concat(blake2b(data, 16), data);

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base58Encode(bytes) {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}

export function base58Decode(text) {
  let n = 0n;
  for (const c of text) {
    const digit = ALPHABET.indexOf(c);
    if (digit < 0) throw new Error(`not base58: ${JSON.stringify(c)}`);
    n = n * 58n + BigInt(digit);
  }
  const bytes = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const c of text) {
    if (c !== '1') break;
    bytes.unshift(0);
  }
  return new Uint8Array(bytes);
}

const SS58_PRE = utf8('SS58PRE');

function ss58Prefix(format) {
  if (format < 64) return Uint8Array.of(format);
  return Uint8Array.of(((format & 0xfc) >> 2) | 0x40, (format >> 8) | ((format & 0x03) << 6));
}

/** A 32-byte account id in SS58 with the chain's address format. */
export function ss58Encode(publicKey, format = 42) {
  const payload = concat(ss58Prefix(format), publicKey);
  const checksum = blake2b(concat(SS58_PRE, payload), 64).slice(0, 2);
  return base58Encode(concat(payload, checksum));
}

/**
 * An SS58 address back to its 32-byte account id and format; throws (with a reason a person
 * can read) on a wrong length, checksum or alphabet.
 */
export function ss58Decode(address) {
  const raw = base58Decode(address.trim());
  const prefixLen = raw.length > 0 && raw[0] & 0x40 ? 2 : 1;
  if (raw.length !== prefixLen + 32 + 2) throw new Error('not an address: wrong length');
  const payload = raw.slice(0, prefixLen + 32);
  const checksum = blake2b(concat(SS58_PRE, payload), 64);
  if (checksum[0] !== raw[prefixLen + 32] || checksum[1] !== raw[prefixLen + 33]) {
    throw new Error('not an address: bad checksum');
  }
  const format =
    prefixLen === 1 ? raw[0] : ((raw[0] & 0x3f) << 2) | (raw[1] >> 6) | ((raw[1] & 0x3f) << 8);
  return { publicKey: raw.slice(prefixLen, prefixLen + 32), format };
}

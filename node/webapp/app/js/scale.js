// A SCALE reader: the chain's encoding, decoded from bytes the node (or anyone pointing the app
// at a node) sends. Every length is checked against the bytes left before anything is
// allocated, so a hostile or corrupt answer ends in a `ScaleError`, never in a huge array.

export class ScaleError extends Error {}

export class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.at = 0;
  }

  get remaining() {
    return this.bytes.length - this.at;
  }

  take(n) {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.remaining) {
      throw new ScaleError(`needs ${n} bytes, ${this.remaining} left`);
    }
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  u8() {
    return this.take(1)[0];
  }

  u16() {
    const b = this.take(2);
    return b[0] | (b[1] << 8);
  }

  u32() {
    const b = this.take(4);
    return (b[0] | (b[1] << 8) | (b[2] << 16)) + b[3] * 0x1000000;
  }

  /** An unsigned little-endian integer of `n` bytes, as a BigInt. */
  uint(n) {
    const b = this.take(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  }

  /** A signed little-endian integer of `n` bytes, as a BigInt. */
  int(n) {
    const v = this.uint(n);
    const top = 1n << BigInt(8 * n - 1);
    return v >= top ? v - (top << 1n) : v;
  }

  bool() {
    const b = this.u8();
    if (b > 1) throw new ScaleError(`not a bool: ${b}`);
    return b === 1;
  }

  /** A compact integer, as a BigInt. */
  compact() {
    const first = this.u8();
    switch (first & 3) {
      case 0:
        return BigInt(first >> 2);
      case 1:
        return BigInt((first | (this.u8() << 8)) >> 2);
      case 2: {
        const rest = this.take(3);
        return BigInt(((first | (rest[0] << 8) | (rest[1] << 16)) >>> 2) + rest[2] * 0x400000);
      }
      default: {
        const n = (first >> 2) + 4;
        if (n > 67) throw new ScaleError('compact integer too long');
        return this.uint(n);
      }
    }
  }

  /**
   * A compact length, which must fit in the bytes left: at least `minBytesPerItem` each (items
   * of no bytes, such as `()`, are capped at 65,536).
   */
  length(minBytesPerItem = 1) {
    const n = this.compact();
    const most = minBytesPerItem > 0 ? BigInt(Math.floor(this.remaining / minBytesPerItem)) : 65536n;
    if (n > most) throw new ScaleError(`a length of ${n} with ${this.remaining} bytes left`);
    return Number(n);
  }

  bytesVec() {
    return this.take(this.length());
  }

  str() {
    return new TextDecoder('utf-8', { fatal: true }).decode(this.bytesVec());
  }

  vec(item, minBytesPerItem = 1) {
    const n = this.length(minBytesPerItem);
    const out = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }

  option(item) {
    const tag = this.u8();
    if (tag === 0) return null;
    if (tag === 1) return item(this);
    throw new ScaleError(`not an option tag: ${tag}`);
  }

  end() {
    if (this.remaining !== 0) throw new ScaleError(`${this.remaining} bytes left over`);
  }
}

/** Encodes a compact integer (a Number or BigInt). */
export function encodeCompact(value) {
  const n = BigInt(value);
  if (n < 0n) throw new ScaleError('negative compact');
  if (n < 1n << 6n) return Uint8Array.of(Number(n << 2n));
  if (n < 1n << 14n) {
    const v = Number((n << 2n) | 1n);
    return Uint8Array.of(v & 0xff, v >> 8);
  }
  if (n < 1n << 30n) {
    const v = (n << 2n) | 2n;
    return Uint8Array.of(...[0, 1, 2, 3].map((i) => Number((v >> BigInt(8 * i)) & 0xffn)));
  }
  const bytes = [];
  for (let v = n; v > 0n; v >>= 8n) bytes.push(Number(v & 0xffn));
  return Uint8Array.of(((bytes.length - 4) << 2) | 3, ...bytes);
}

export function encodeU32(n) {
  return Uint8Array.of(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
}

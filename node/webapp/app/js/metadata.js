// The runtime's metadata (V14, as `state_getMetadata` returns it) and decoding by it: calls,
// events and storage values become named JS values without any chain-specific code, so the
// explorer follows runtime upgrades. Type ids and lengths come from the node and are checked;
// nesting is bounded, so a hostile metadata or value ends in an error, not a hang.

import { Reader, ScaleError, encodeCompact } from './scale.js';
import { toHex, twox128, blake2b, blake2_128Concat, twox64Concat, concat, utf8, ss58Encode, ss58Decode } from './hash.js';

const MAX_DEPTH = 64;
const PRIMITIVES = ['bool', 'char', 'str', 'u8', 'u16', 'u32', 'u64', 'u128', 'u256', 'i8', 'i16', 'i32', 'i64', 'i128', 'i256'];
const HASHERS = ['Blake2_128', 'Blake2_256', 'Blake2_128Concat', 'Twox128', 'Twox256', 'Twox64Concat', 'Identity'];

/** An account id, shown in SS58 with the chain's format. */
export class Account {
  constructor(bytes, format) {
    this.bytes = bytes;
    this.address = ss58Encode(bytes, format);
  }
  toString() {
    return this.address;
  }
}

/** An amount of the chain's token, in its smallest unit. */
export class Balance {
  constructor(value) {
    this.value = value;
  }
}

/** One case of an enum: its name and its fields (an object, an array, one value, or null). */
export class Variant {
  constructor(name, value) {
    this.name = name;
    this.value = value;
  }
}

const id = (r) => Number(r.compact());
const strings = (r) => r.vec((x) => x.str());
const field = (r) => ({
  name: r.option((x) => x.str()),
  type: id(r),
  typeName: r.option((x) => x.str()),
  docs: strings(r),
});

function typeDef(r) {
  const kind = r.u8();
  switch (kind) {
    case 0:
      return { kind: 'composite', fields: r.vec(field) };
    case 1:
      return {
        kind: 'variant',
        variants: r.vec((x) => ({ name: x.str(), fields: x.vec(field), index: x.u8(), docs: strings(x) })),
      };
    case 2:
      return { kind: 'sequence', type: id(r) };
    case 3:
      return { kind: 'array', len: r.u32(), type: id(r) };
    case 4:
      return { kind: 'tuple', types: r.vec(id) };
    case 5: {
      const p = r.u8();
      if (p >= PRIMITIVES.length) throw new ScaleError(`unknown primitive ${p}`);
      return { kind: 'primitive', primitive: PRIMITIVES[p] };
    }
    case 6:
      return { kind: 'compact', type: id(r) };
    case 7:
      return { kind: 'bitSequence', store: id(r), order: id(r) };
    default:
      throw new ScaleError(`unknown type definition ${kind}`);
  }
}

function storageEntry(r) {
  const name = r.str();
  const modifier = r.u8() === 0 ? 'optional' : 'default';
  const kind = r.u8();
  let entry;
  if (kind === 0) {
    entry = { name, modifier, hashers: [], key: null, value: id(r) };
  } else if (kind === 1) {
    const hashers = r.vec((x) => {
      const h = x.u8();
      if (h >= HASHERS.length) throw new ScaleError(`unknown hasher ${h}`);
      return HASHERS[h];
    });
    entry = { name, modifier, hashers, key: id(r), value: id(r) };
  } else {
    throw new ScaleError(`unknown storage entry kind ${kind}`);
  }
  entry.default = r.bytesVec();
  entry.docs = strings(r);
  return entry;
}

function pallet(r) {
  const name = r.str();
  const storage = r.option((x) => ({ prefix: x.str(), entries: x.vec(storageEntry) }));
  const calls = r.option(id);
  const events = r.option(id);
  const constants = r.vec((x) => ({ name: x.str(), type: id(x), value: x.bytesVec(), docs: strings(x) }));
  const errors = r.option(id);
  const index = r.u8();
  return { name, storage, calls, events, constants, errors, index };
}

/** Decoded metadata with a decoder for any of its types. */
export class Metadata {
  /** From the bytes of `state_getMetadata`; `ss58Format` names accounts. */
  constructor(bytes, ss58Format = 42) {
    const r = new Reader(bytes);
    const magic = r.u32();
    if (magic !== 0x6174656d) throw new ScaleError('not runtime metadata (no "meta" magic)');
    const version = r.u8();
    if (version !== 14) throw new ScaleError(`metadata version ${version}; this page reads 14`);
    this.types = [];
    for (const [i, t] of r
      .vec((x) => [id(x), { path: strings(x), params: x.vec((y) => ({ name: y.str(), type: y.option(id) })), def: typeDef(x), docs: strings(x) }])
      .entries()) {
      if (t[0] !== i) throw new ScaleError(`type ${t[0]} out of order`);
      this.types.push(t[1]);
    }
    this.pallets = r.vec(pallet);
    this.extrinsic = {
      type: id(r),
      version: r.u8(),
      signedExtensions: r.vec((x) => ({ identifier: x.str(), type: id(x), additionalSigned: id(x) })),
    };
    this.runtimeType = id(r);
    r.end();
    this.ss58Format = ss58Format;
    const params = Object.fromEntries(this.type(this.extrinsic.type).params.map((p) => [p.name, p.type]));
    for (const name of ['Address', 'Call', 'Signature', 'Extra']) {
      if (params[name] == null) throw new ScaleError(`the extrinsic type has no ${name} parameter`);
    }
    this.extrinsicParams = params;
  }

  type(i) {
    const t = this.types[i];
    if (!t) throw new ScaleError(`no type ${i}`);
    return t;
  }

  pallet(name) {
    return this.pallets.find((p) => p.name === name);
  }

  palletByIndex(index) {
    return this.pallets.find((p) => p.index === index);
  }

  /** A storage entry's metadata, e.g. `entry('System', 'Account')`. */
  entry(palletName, entryName) {
    const p = this.pallet(palletName);
    const e = p?.storage?.entries.find((x) => x.name === entryName);
    if (!e) throw new Error(`no storage ${palletName}.${entryName} in this runtime`);
    return { prefix: p.storage.prefix, ...e };
  }

  /**
   * The storage key of `pallet.entry` for already SCALE-encoded `keys` (one per hasher: a map
   * takes one, a double map two).
   */
  storageKey(palletName, entryName, ...keys) {
    const e = this.entry(palletName, entryName);
    if (keys.length > e.hashers.length) throw new Error(`${palletName}.${entryName} takes ${e.hashers.length} keys`);
    const parts = [twox128(utf8(e.prefix)), twox128(utf8(e.name))];
    keys.forEach((k, i) => parts.push(hash(e.hashers[i], k)));
    return toHex(concat(...parts));
  }

  /** A storage value from its hex (`null` for none: the entry's default, or null if optional). */
  storageValue(palletName, entryName, hex) {
    const e = this.entry(palletName, entryName);
    if (hex == null) {
      if (e.modifier === 'optional') return null;
      return this.decodeAll(e.value, e.default);
    }
    return this.decodeAll(e.value, fromHexStrict(hex));
  }

  /** Decodes exactly `bytes` as type `typeId`. */
  decodeAll(typeId, bytes) {
    const r = new Reader(bytes);
    const value = this.decode(r, typeId);
    r.end();
    return value;
  }

  /** Decodes one value of type `typeId` from `r`. */
  decode(r, typeId, typeName = null, depth = 0) {
    if (depth > MAX_DEPTH) throw new ScaleError('value nested too deep');
    const t = this.type(typeId);
    const def = t.def;
    const last = t.path[t.path.length - 1];
    switch (def.kind) {
      case 'primitive':
        return this.primitive(r, def.primitive, typeName);
      case 'compact': {
        const inner = this.type(def.type);
        const n = r.compact();
        if (inner.def.kind === 'composite') return inner.def.fields.length ? n : null;
        return isBalance(typeName) ? new Balance(n) : smallNumber(n);
      }
      case 'sequence': {
        if (this.isU8(def.type)) return r.bytesVec();
        return r.vec((x) => this.decode(x, def.type, null, depth + 1), this.minSize(def.type));
      }
      case 'array': {
        if (this.isU8(def.type)) {
          const bytes = r.take(def.len);
          return def.len === 32 && last === 'AccountId32' ? new Account(bytes.slice(), this.ss58Format) : bytes.slice();
        }
        const out = [];
        for (let i = 0; i < def.len; i++) out.push(this.decode(r, def.type, null, depth + 1));
        return out;
      }
      case 'tuple':
        return def.types.map((ty) => this.decode(r, ty, null, depth + 1));
      case 'composite': {
        if (last === 'AccountId32' && def.fields.length === 1) {
          return new Account(r.take(32).slice(), this.ss58Format);
        }
        return this.fields(r, def.fields, depth);
      }
      case 'variant': {
        const index = r.u8();
        const v = def.variants.find((x) => x.index === index);
        if (!v) throw new ScaleError(`no case ${index} in ${t.path.join('::') || `type ${typeId}`}`);
        if (t.path.length === 1 && t.path[0] === 'Option') return v.fields.length ? this.decode(r, v.fields[0].type, typeName, depth + 1) : null;
        return new Variant(v.name, this.fields(r, v.fields, depth));
      }
      case 'bitSequence': {
        const bits = r.length(0);
        return { bits, bytes: r.take(Math.ceil(bits / 8)) };
      }
      default:
        throw new ScaleError(`cannot decode ${def.kind}`);
    }
  }

  fields(r, fields, depth) {
    if (fields.length === 0) return null;
    if (fields.every((f) => f.name != null)) {
      const out = {};
      for (const f of fields) out[f.name] = this.decode(r, f.type, f.typeName, depth + 1);
      return out;
    }
    if (fields.length === 1) return this.decode(r, fields[0].type, fields[0].typeName, depth + 1);
    return fields.map((f) => this.decode(r, f.type, f.typeName, depth + 1));
  }

  primitive(r, p, typeName) {
    switch (p) {
      case 'bool':
        return r.bool();
      case 'char':
        return String.fromCodePoint(r.u32());
      case 'str':
        return r.str();
      case 'u8':
        return r.u8();
      case 'u16':
        return r.u16();
      case 'u32':
        return r.u32();
      case 'u64':
      case 'u128':
      case 'u256': {
        const n = r.uint(Number(p.slice(1)) / 8);
        return isBalance(typeName) ? new Balance(n) : smallNumber(n);
      }
      default:
        return smallNumber(r.int(Number(p.slice(1)) / 8));
    }
  }

  isU8(typeId) {
    const d = this.type(typeId).def;
    return d.kind === 'primitive' && d.primitive === 'u8';
  }

  /** The fewest bytes a value of the type takes (bounds lengths before decoding items). */
  minSize(typeId, depth = 0) {
    if (depth > MAX_DEPTH) return 0;
    const d = this.type(typeId).def;
    switch (d.kind) {
      case 'primitive':
        return { bool: 1, char: 4, str: 1, u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, u64: 8, i64: 8, u128: 16, i128: 16, u256: 32, i256: 32 }[d.primitive];
      case 'array':
        return d.len * this.minSize(d.type, depth + 1);
      case 'tuple':
        return d.types.reduce((n, t) => n + this.minSize(t, depth + 1), 0);
      case 'composite':
        return d.fields.reduce((n, f) => n + this.minSize(f.type, depth + 1), 0);
      case 'variant':
        return d.variants.length ? 1 : 0;
      default:
        return 1;
    }
  }

  /**
   * Encodes `value` as type `typeId`: the inverse of `decode` for values a page builds.
   * Numbers and BigInts (range-checked), strings, `Uint8Array`s, accounts (`Account` or SS58
   * text), `Balance`s, `{field: value}` for structs, arrays for tuples and sequences,
   * `Variant`s (or a bare name for a case without fields) for enums, `null` for `None`.
   */
  encode(typeId, value, depth = 0) {
    if (depth > MAX_DEPTH) throw new ScaleError('value nested too deep');
    const t = this.type(typeId);
    const def = t.def;
    const last = t.path[t.path.length - 1];
    const what = t.path.join('::') || `type ${typeId}`;
    if (value instanceof Balance) value = value.value;
    switch (def.kind) {
      case 'primitive':
        return encodePrimitive(def.primitive, value);
      case 'compact': {
        const n = toBigInt(value);
        if (n < 0n) throw new ScaleError(`a negative compact for ${what}`);
        return encodeCompact(n);
      }
      case 'sequence': {
        if (this.isU8(def.type)) {
          if (!(value instanceof Uint8Array)) throw new ScaleError(`${what} takes bytes`);
          return concat(encodeCompact(value.length), value);
        }
        if (!Array.isArray(value)) throw new ScaleError(`${what} takes a list`);
        return concat(encodeCompact(value.length), ...value.map((x) => this.encode(def.type, x, depth + 1)));
      }
      case 'array': {
        if (this.isU8(def.type)) {
          const bytes = def.len === 32 ? accountBytes(value) : value;
          if (!(bytes instanceof Uint8Array) || bytes.length !== def.len) throw new ScaleError(`${what} takes ${def.len} bytes`);
          return bytes;
        }
        if (!Array.isArray(value) || value.length !== def.len) throw new ScaleError(`${what} takes ${def.len} items`);
        return concat(...value.map((x) => this.encode(def.type, x, depth + 1)));
      }
      case 'tuple': {
        if (def.types.length === 0) return new Uint8Array();
        if (!Array.isArray(value) || value.length !== def.types.length) throw new ScaleError(`${what} takes ${def.types.length} items`);
        return concat(...def.types.map((ty, i) => this.encode(ty, value[i], depth + 1)));
      }
      case 'composite': {
        if (last === 'AccountId32' && def.fields.length === 1) {
          const bytes = accountBytes(value);
          if (!(bytes instanceof Uint8Array) || bytes.length !== 32) throw new ScaleError('an account takes 32 bytes or an address');
          return bytes;
        }
        return this.encodeFields(def.fields, value, what, depth);
      }
      case 'variant': {
        if (t.path.length === 1 && t.path[0] === 'Option') {
          if (value == null) return Uint8Array.of(0);
          const some = def.variants.find((v) => v.name === 'Some');
          return concat(Uint8Array.of(1), this.encode(some.fields[0].type, value, depth + 1));
        }
        const name = value instanceof Variant ? value.name : value;
        const v = def.variants.find((x) => x.name === name);
        if (!v) throw new ScaleError(`${what} has no case ${String(name).slice(0, 40)}`);
        const fields = value instanceof Variant ? value.value : null;
        return concat(Uint8Array.of(v.index), this.encodeFields(v.fields, fields, `${what}::${v.name}`, depth));
      }
      default:
        throw new ScaleError(`cannot encode ${def.kind}`);
    }
  }

  encodeFields(fields, value, what, depth) {
    if (fields.length === 0) return new Uint8Array();
    if (fields.every((f) => f.name != null)) {
      if (value == null || typeof value !== 'object') throw new ScaleError(`${what} takes fields ${fields.map((f) => f.name).join(', ')}`);
      return concat(...fields.map((f) => {
        if (!(f.name in value)) throw new ScaleError(`${what} needs ${f.name}`);
        return this.encode(f.type, value[f.name], depth + 1);
      }));
    }
    if (fields.length === 1) return this.encode(fields[0].type, value, depth + 1);
    if (!Array.isArray(value) || value.length !== fields.length) throw new ScaleError(`${what} takes ${fields.length} values`);
    return concat(...fields.map((f, i) => this.encode(f.type, value[i], depth + 1)));
  }

  /** The encoded call `Pallet.call(args)`, e.g. `encodeCall('Balances', 'transfer_keep_alive', {dest, value})`. */
  encodeCall(palletName, callName, args) {
    return this.encode(this.extrinsicParams.Call, new Variant(palletName, new Variant(callName, args)));
  }

  /**
   * A readable name for a decoded `DispatchError`: `Pallet.Error` for a module error (from
   * the pallet's error type), else the case's name (`BadOrigin`, `Token(FundsUnavailable)`).
   */
  errorName(error) {
    if (!(error instanceof Variant)) return String(error ?? 'unknown error');
    if (error.name === 'Module') {
      const index = Number(error.value?.index);
      const raw = error.value?.error;
      const which = raw instanceof Uint8Array ? raw[0] : Number(raw);
      const p = this.palletByIndex(index);
      if (p?.errors != null) {
        const t = this.type(p.errors);
        const v = t.def.kind === 'variant' ? t.def.variants.find((x) => x.index === which) : null;
        if (v) return `${p.name}.${v.name}`;
      }
      return `module error ${index}.${which}`;
    }
    const inner = error.value instanceof Variant ? `(${error.value.name})` : '';
    return `${error.name}${inner}`;
  }

  /** Whether type `typeId` encodes to no bytes at all (such as `()` or an empty struct). */
  isEmpty(typeId, depth = 0) {
    if (depth > MAX_DEPTH) return false;
    const d = this.type(typeId).def;
    if (d.kind === 'tuple') return d.types.every((t) => this.isEmpty(t, depth + 1));
    if (d.kind === 'composite') return d.fields.every((f) => this.isEmpty(f.type, depth + 1));
    if (d.kind === 'array') return d.len === 0 || this.isEmpty(d.type, depth + 1);
    return false;
  }

  /**
   * A signed or unsigned extrinsic, from its hex as `chain_getBlock` gives it: `{hash, signed,
   * signer, extra, pallet, call, args}`.
   */
  decodeExtrinsic(hex) {
    const bytes = fromHexStrict(hex);
    const r = new Reader(bytes);
    const len = r.length();
    if (len !== r.remaining) throw new ScaleError('extrinsic length prefix does not match');
    const version = r.u8();
    if ((version & 0x7f) !== 4) throw new ScaleError(`extrinsic version ${version & 0x7f}; this page reads 4`);
    const out = { hash: toHex(blake2b(bytes, 32)), signed: (version & 0x80) !== 0, signer: null, signature: null, extra: null };
    const p = this.extrinsicParams;
    if (out.signed) {
      out.signer = this.decode(r, p.Address);
      out.signature = this.decode(r, p.Signature);
      const extra = this.decode(r, p.Extra);
      // A tuple of the signed extensions' values, named here; or one struct of them.
      const named = Array.isArray(extra) && extra.length === this.extrinsic.signedExtensions.length;
      out.extra = named ? Object.fromEntries(this.extrinsic.signedExtensions.map((e, i) => [e.identifier, extra[i]])) : extra;
    }
    const call = this.decode(r, p.Call);
    r.end();
    out.pallet = call.name;
    out.call = call.value?.name ?? '';
    out.args = call.value?.value ?? null;
    return out;
  }

  /** The events of a block from the hex of `System.Events`, each with its phase. */
  decodeEvents(hex) {
    const records = this.storageValue('System', 'Events', hex);
    return records.map((rec) => ({
      phase: rec.phase,
      extrinsic: rec.phase instanceof Variant && rec.phase.name === 'ApplyExtrinsic' ? rec.phase.value : null,
      pallet: rec.event.name,
      name: rec.event.value?.name ?? '',
      args: rec.event.value?.value ?? null,
    }));
  }
}

function hash(hasher, data) {
  switch (hasher) {
    case 'Blake2_128':
      return blake2b(data, 16);
    case 'Blake2_256':
      return blake2b(data, 32);
    case 'Blake2_128Concat':
      return blake2_128Concat(data);
    case 'Twox128':
      return twox128(data);
    case 'Twox64Concat':
      return twox64Concat(data);
    case 'Identity':
      return data;
    default:
      throw new Error(`hasher ${hasher} is not supported here`);
  }
}

const WIDTHS = { u8: 1, u16: 2, u32: 4, u64: 8, u128: 16, u256: 32, i8: 1, i16: 2, i32: 4, i64: 8, i128: 16, i256: 32 };

function toBigInt(value) {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d{1,80}$/.test(value)) return BigInt(value);
  throw new ScaleError(`not a whole number: ${String(value).slice(0, 40)}`);
}

function encodePrimitive(p, value) {
  if (p === 'bool') {
    if (typeof value !== 'boolean') throw new ScaleError('not a bool');
    return Uint8Array.of(value ? 1 : 0);
  }
  if (p === 'str') {
    if (typeof value !== 'string') throw new ScaleError('not text');
    const bytes = utf8(value);
    return concat(encodeCompact(bytes.length), bytes);
  }
  if (p === 'char') throw new ScaleError('cannot encode char');
  const width = WIDTHS[p];
  const bits = BigInt(8 * width);
  let n = toBigInt(value);
  const signed = p.startsWith('i');
  const min = signed ? -(1n << (bits - 1n)) : 0n;
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (n < min || n > max) throw new ScaleError(`${n} does not fit ${p}`);
  if (n < 0n) n += 1n << bits;
  const out = new Uint8Array(width);
  for (let i = 0; i < width; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

// The 32 bytes of an account given as an `Account`, SS58 text or bytes.
function accountBytes(value) {
  if (value instanceof Account) return value.bytes;
  if (typeof value === 'string') return ss58Decode(value).publicKey;
  return value;
}

function fromHexStrict(hex) {
  if (typeof hex !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(hex)) throw new ScaleError('not a hex value');
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 + i * 2, 2), 16);
  return out;
}

// A field typed as a balance (`T::Balance`, `BalanceOf<T>`, `Balance`) is shown in the token.
function isBalance(typeName) {
  return typeName != null && /(^|::|<)Balance(Of)?(<|$)/.test(typeName);
}

// Numbers that fit JS numbers exactly become numbers; the rest stay BigInts.
function smallNumber(n) {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

export { fromHexStrict as fromHex, hash as hashKey };

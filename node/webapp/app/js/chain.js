// One connected chain: the node's RPC, its metadata (reloaded at a runtime upgrade), its
// token, and the reads the pages make (blocks with their events and LBFT certificate,
// accounts, the committee). Everything the node answers is decoded with checks: a node that
// answers nonsense shows an error, it does not break the page.

import { Rpc } from './rpc.js';
import { Metadata, Account } from './metadata.js';
import { Reader, encodeU32 } from './scale.js';
import { fromHex, toHex, ss58Decode } from './hash.js';

const ENGINE_LBFT = 'lbft';

export class Chain {
  constructor(url, onStatus) {
    this.rpc = new Rpc(url, onStatus);
    this.loaded = this.load();
  }

  async load() {
    const [properties, name, chainType, genesis, version] = await Promise.all([
      this.rpc.send('system_properties'),
      this.rpc.send('system_chain'),
      this.rpc.send('system_chainType').catch(() => null),
      this.rpc.send('chain_getBlockHash', [0]),
      this.rpc.send('state_getRuntimeVersion'),
    ]);
    this.name = String(name);
    // "Development" and "Local" chains have funded well-known accounts (//Alice, …).
    this.chainType = typeof chainType === 'string' ? chainType : null;
    this.genesis = genesis;
    this.ss58Format = Number.isInteger(properties?.ss58Format) ? properties.ss58Format : 42;
    this.decimals = Number.isInteger(properties?.tokenDecimals) ? properties.tokenDecimals : 0;
    this.symbol = typeof properties?.tokenSymbol === 'string' ? properties.tokenSymbol : '';
    await this.setVersion(version);
    this.rpc.subscribe('state_subscribeRuntimeVersion', [], 'state_unsubscribeRuntimeVersion', (v) => {
      this.setVersion(v).catch(() => {});
    });
  }

  async setVersion(version) {
    if (this.version && this.version.specVersion === version.specVersion && this.metadata) return;
    const hex = await this.rpc.send('state_getMetadata');
    this.metadata = new Metadata(fromHex(hex), this.ss58Format);
    this.version = version;
  }

  close() {
    this.rpc.close();
  }

  /** A block hash from a number, a hash, or `null` for the best block. */
  async blockHash(id) {
    if (id == null) return this.rpc.send('chain_getBlockHash', []);
    if (/^0x[0-9a-fA-F]{64}$/.test(id)) return id.toLowerCase();
    if (/^\d{1,10}$/.test(String(id))) return this.rpc.send('chain_getBlockHash', [Number(id)]);
    throw new Error(`not a block number or hash: ${String(id).slice(0, 80)}`);
  }

  /**
   * A whole block: header, decoded extrinsics with their events and outcome, the block's
   * other events, whether it is finalized, and its LBFT certificate with the signers named.
   */
  async block(id) {
    await this.loaded;
    const hash = await this.blockHash(id);
    if (!hash) return null;
    const signed = await this.rpc.send('chain_getBlock', [hash]);
    if (!signed) return null;
    const { header, extrinsics } = signed.block;
    const number = parseInt(header.number, 16);
    const metadata = this.metadata;
    const [eventsHex, finalizedHash] = await Promise.all([
      this.rpc.send('state_getStorage', [metadata.storageKey('System', 'Events'), hash]).catch(() => undefined),
      this.rpc.send('chain_getFinalizedHead'),
    ]);
    const finalizedHeader = await this.rpc.send('chain_getHeader', [finalizedHash]);
    const finalizedNumber = parseInt(finalizedHeader.number, 16);
    const canonical = await this.rpc.send('chain_getBlockHash', [number]);
    let events = null;
    let eventsError = null;
    if (eventsHex === undefined) {
      eventsError = 'The node no longer keeps this block\u2019s state (pruned): events are not available.';
    } else {
      try {
        events = metadata.decodeEvents(eventsHex);
      } catch (e) {
        eventsError = `Events could not be decoded: ${e.message}`;
      }
    }
    const decoded = extrinsics.map((hex, index) => {
      let x;
      try {
        x = metadata.decodeExtrinsic(hex);
      } catch (e) {
        x = { error: e.message, hash: null, pallet: '?', call: '?', args: null };
      }
      x.index = index;
      x.events = events ? events.filter((ev) => ev.extrinsic === index) : [];
      const outcome = x.events.find((ev) => ev.pallet === 'System' && /^Extrinsic(Success|Failed)$/.test(ev.name));
      x.success = outcome ? outcome.name === 'ExtrinsicSuccess' : null;
      return x;
    });
    let certificate = null;
    const justification = (signed.justifications ?? []).find(([engine]) => engineName(engine) === ENGINE_LBFT);
    if (justification) {
      certificate = decodeCertificate(Uint8Array.from(justification[1]));
      try {
        const committee = await this.committee(header.parentHash);
        certificate.signers = certificate.signatures.map(({ index }) => ({ index, account: committee.members[index]?.account ?? null }));
      } catch {
        certificate.signers = certificate.signatures.map(({ index }) => ({ index, account: null }));
      }
    }
    return {
      hash,
      number,
      header,
      extrinsics: decoded,
      events: events ?? [],
      eventsError,
      finalized: number <= finalizedNumber && canonical === hash,
      canonical: canonical === hash,
      certificate,
    };
  }

  /** The validator committee in force after block `at`: `{term, members: [{account, sessionKey}]}`. */
  async committee(at) {
    const hex = await this.rpc.send('state_call', ['HybridConsensusApi_validators', '0x', at]);
    const r = new Reader(fromHex(hex));
    const term = r.uint(8);
    const members = r.vec((x) => ({
      account: new Account(x.take(32).slice(), this.ss58Format),
      sessionKey: toHex(x.take(32)),
    }), 64);
    r.end();
    return { term, members };
  }

  /**
   * Hybrid consensus at the best block: the term, the committee, the term's proposers, the
   * reputation scores of the last election, and the most recent impeachments (at most
   * `impeachments`) with their recorded reasons.
   */
  async consensus(impeachments = 50) {
    await this.loaded;
    const m = this.metadata;
    const get = async (entry, ...keys) => {
      const hex = await this.rpc.send('state_getStorage', [m.storageKey('HybridConsensus', entry, ...keys)]);
      return m.storageValue('HybridConsensus', entry, hex);
    };
    const [term, termStart, setId, validators, scores] = await Promise.all([
      get('CurrentTerm'),
      get('TermStart'),
      get('ValidatorSetId'),
      get('Validators'),
      get('LastScores'),
    ]);
    const proposers = (await get('Proposers', encodeU32(term))) ?? [];
    // `Impeachments` is keyed by the impeach block (`Twox64Concat` of a u32): its number is
    // the last four bytes of each key.
    const prefix = m.storageKey('HybridConsensus', 'Impeachments');
    const keys = (await this.rpc.send('state_getKeysPaged', [prefix, 1000, null])) ?? [];
    const records = [];
    if (keys.length) {
      const [changes] = await this.rpc.send('state_queryStorageAt', [keys]);
      for (const [key, value] of changes?.changes ?? []) {
        if (value == null || key.length !== prefix.length + 24) continue;
        const block = new Reader(fromHex(`0x${key.slice(-8)}`)).u32();
        records.push({ block, ...m.storageValue('HybridConsensus', 'Impeachments', value) });
      }
    }
    records.sort((a, b) => b.block - a.block);
    return { term, termStart, setId, validators, proposers, scores, impeachments: records.slice(0, impeachments), impeachmentCount: records.length };
  }

  /**
   * The sidechains registered on this chain (`sidechain_list`, at most 100) with each one's
   * most recent anchored headers (`SidechainRegistry.Anchored`, at most `anchors`), or `null`
   * on a chain without a sidechain registry.
   */
  async sidechains(anchors = 20) {
    await this.loaded;
    const m = this.metadata;
    if (!m.pallet('SidechainRegistry')) return null;
    const chains = await this.rpc.send('sidechain_list', [0, 100]);
    for (const chain of chains) {
      const prefix = m.storageKey('SidechainRegistry', 'Anchored', encodeU32(chain.id));
      const keys = (await this.rpc.send('state_getKeysPaged', [prefix, 1000, null])) ?? [];
      const headers = [];
      if (keys.length) {
        const [changes] = await this.rpc.send('state_queryStorageAt', [keys]);
        for (const [, value] of changes?.changes ?? []) {
          if (value != null) headers.push(m.storageValue('SidechainRegistry', 'Anchored', value));
        }
      }
      headers.sort((a, b) => b.number - a.number);
      chain.anchors = headers.slice(0, anchors);
    }
    return chains;
  }

  /** An account's balances and nonce at the best block (`System.Account`). */
  async account(address) {
    await this.loaded;
    const { publicKey } = ss58Decode(address);
    const key = this.metadata.storageKey('System', 'Account', publicKey);
    const hex = await this.rpc.send('state_getStorage', [key]);
    const info = this.metadata.storageValue('System', 'Account', hex);
    return { address: new Account(publicKey, this.ss58Format), exists: hex != null, info };
  }

  /** Finds a recent block holding the extrinsic `hash`, scanning back at most `depth` blocks. */
  async findExtrinsic(hash, depth = 256) {
    await this.loaded;
    const best = await this.rpc.send('chain_getHeader', []);
    let at = best.hash ?? (await this.rpc.send('chain_getBlockHash', []));
    for (let i = 0; i < depth && at; i++) {
      const signed = await this.rpc.send('chain_getBlock', [at]);
      if (!signed) break;
      const index = signed.block.extrinsics.findIndex((hex) => {
        try {
          return this.metadata.decodeExtrinsic(hex).hash === hash;
        } catch {
          return false;
        }
      });
      if (index >= 0) return { block: at, index };
      if (parseInt(signed.block.header.number, 16) === 0) break;
      at = signed.block.header.parentHash;
    }
    return null;
  }

  /** An amount in the token, e.g. `1.5 CPC`, exact (no rounding). */
  formatBalance(value) {
    const v = BigInt(value);
    const negative = v < 0n;
    const abs = negative ? -v : v;
    const unit = 10n ** BigInt(this.decimals);
    const whole = (abs / unit).toLocaleString('en-US');
    const fraction = this.decimals ? (abs % unit).toString().padStart(this.decimals, '0').replace(/0+$/, '') : '';
    return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}${this.symbol ? ` ${this.symbol}` : ''}`;
  }
}

function engineName(engine) {
  if (Array.isArray(engine)) return String.fromCharCode(...engine).toLowerCase();
  if (typeof engine === 'string' && engine.startsWith('0x')) return String.fromCharCode(...fromHex(engine)).toLowerCase();
  return String(engine).toLowerCase();
}

/**
 * An LBFT commit certificate (the block's justification): `Certificate { kind, height, round,
 * hash, signatures: Vec<(u16, [u8; 64])> }` in SCALE. Not in the metadata (it is not runtime
 * state), so read here by hand.
 */
export function decodeCertificate(bytes) {
  const r = new Reader(bytes);
  const kindByte = r.u8();
  const kind = kindByte === 0 ? 'Prepare' : kindByte === 1 ? 'Commit' : `unknown (${kindByte})`;
  const height = r.u32();
  const round = r.u32();
  const hash = toHex(r.take(32));
  const signatures = r.vec((x) => ({ index: x.u16(), signature: toHex(x.take(64)) }), 66);
  r.end();
  return { kind, height, round, hash, signatures };
}

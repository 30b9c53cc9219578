// The wallet's accounts, kept in this browser's local storage: for each, a name, the public
// key, and the secret (a recovery phrase or secret URI) sealed under the account's password
// by crypto.js. Nothing here is ever sent to a node; only signatures leave the page.
//
// Local storage is shared with every page of this origin and may be edited by hand, so what
// is read back is checked, and a damaged store is reported rather than overwritten.

import * as crypto from './crypto.js';
import { fromHex, toHex } from './hash.js';

const STORE = 'cpchain.wallet.v1';
const HISTORY = 'cpchain.wallet.history.v1.';
/** The most accounts one browser keeps, and the most remembered transfers per account. */
export const MAX_ACCOUNTS = 100;
export const MAX_HISTORY = 200;
export const MIN_PASSWORD = 8;
const MAX_NAME = 64;

export class VaultError extends Error {}

function load() {
  const text = localStorage.getItem(STORE);
  if (text == null) return [];
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new VaultError('The stored wallet is damaged (not JSON); it was left as it is.');
  }
  if (!Array.isArray(parsed?.accounts)) throw new VaultError('The stored wallet is damaged; it was left as it is.');
  return parsed.accounts.filter((a) => typeof a?.name === 'string' && /^0x[0-9a-f]{64}$/.test(a?.publicKey) && a.vault);
}

function save(accounts) {
  localStorage.setItem(STORE, JSON.stringify({ accounts }));
}

/** The accounts, oldest first: `{name, publicKey (hex), kind, created}`. */
export function accounts() {
  return load().map(({ name, publicKey, kind, created }) => ({ name, publicKey, kind, created }));
}

export function find(publicKey) {
  return accounts().find((a) => a.publicKey === publicKey) ?? null;
}

/** Checks a new account's name and password; returns the trimmed name. */
export function checkNew(name, password, repeat) {
  const trimmed = String(name ?? '').trim();
  if (!trimmed) throw new VaultError('Give the account a name.');
  if (trimmed.length > MAX_NAME) throw new VaultError(`A name has at most ${MAX_NAME} characters.`);
  if (String(password ?? '').length < MIN_PASSWORD) throw new VaultError(`The password needs at least ${MIN_PASSWORD} characters.`);
  if (password !== repeat) throw new VaultError('The two passwords differ.');
  return trimmed;
}

/**
 * Adds the account of `secret` (a phrase or secret URI; its key is derived here) under `name`,
 * sealed with `password`. Refuses a second copy of one key.
 */
export async function add(name, secret, password, kind) {
  const pair = await crypto.pairFromSuri(secret);
  pair.raw.fill(0);
  const publicKey = toHex(pair.publicKey);
  const all = load();
  if (all.some((a) => a.publicKey === publicKey)) throw new VaultError('This account is already in the wallet.');
  if (all.length >= MAX_ACCOUNTS) throw new VaultError(`The wallet holds at most ${MAX_ACCOUNTS} accounts.`);
  const vault = await crypto.seal(secret, password);
  all.push({ name, publicKey, kind, created: Date.now(), vault });
  save(all);
  return { name, publicKey, kind };
}

/** The account's secret and key pair, if `password` is its password. */
export async function unlock(publicKey, password) {
  const account = load().find((a) => a.publicKey === publicKey);
  if (!account) throw new VaultError('This account is not in the wallet.');
  const secret = await crypto.open(account.vault, password);
  const pair = await crypto.pairFromSuri(secret);
  if (toHex(pair.publicKey) !== publicKey) throw new VaultError('The stored secret does not match the account: the wallet is damaged.');
  return { secret, pair };
}

/** Removes the account after checking its password. */
export async function remove(publicKey, password) {
  const { pair } = await unlock(publicKey, password);
  pair.raw.fill(0);
  save(load().filter((a) => a.publicKey !== publicKey));
  localStorage.removeItem(HISTORY + publicKey);
}

/** Transfers sent from this browser by the account, newest first. */
export function history(publicKey) {
  try {
    const list = JSON.parse(localStorage.getItem(HISTORY + publicKey) ?? '[]');
    return Array.isArray(list) ? list.filter((x) => typeof x?.hash === 'string') : [];
  } catch {
    return [];
  }
}

/** Records or updates (by hash) a sent transfer. */
export function remember(publicKey, entry) {
  const list = history(publicKey).filter((x) => x.hash !== entry.hash);
  list.unshift(entry);
  localStorage.setItem(HISTORY + publicKey, JSON.stringify(list.slice(0, MAX_HISTORY)));
}

export function publicKeyBytes(publicKey) {
  return fromHex(publicKey);
}

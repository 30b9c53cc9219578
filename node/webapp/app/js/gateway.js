// A storage gateway (a node's `--gateway-port`), as `cpchain market` calls it: the
// challenge-response login (the account signs the chain's genesis, the gateway's address as
// dialled and the gateway's nonce, in the module's encoding), then encrypted blobs and sealed
// keys with the bearer token. The gateway must allow this page's origin (a node allows its own
// web app; others need `--gateway-cors`); when it does not, the browser hides its answers and
// the message says so.

import * as crypto from './crypto.js';
import { fromHex, toHex, ss58Encode } from './hash.js';

/** The most bytes read of a JSON answer, and of a shared key (the CLI's bounds). */
const MAX_SMALL_ANSWER = 64 * 1024;
const MAX_SEALED_KEY = 256;
/** A request or a transfer that makes no progress for this long is given up. */
export const STALL_MS = 60_000;

export class GatewayError extends Error {
  constructor(message, status = 0) {
    super(message);
    this.status = status;
  }
}

/** `scheme://host[:port]` of a gateway URL, lowercased: what a login is signed for. */
export function audienceOf(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw new GatewayError(`not a gateway address: ${String(url).slice(0, 80)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new GatewayError(`a gateway address starts with http:// or https://: ${url.slice(0, 80)}`);
  return `${u.protocol}//${u.host}`.toLowerCase();
}

/** At most `max` bytes of `response`'s body, or an error: a stranger's server cannot make the tab read more. */
export async function readLimited(response, max) {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const parts = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await withStall(reader.read(), 'the gateway stopped answering');
      if (done) break;
      total += value.length;
      if (total > max) throw new GatewayError(`the gateway answered more than ${max} bytes`);
      parts.push(value);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `promise`, or a `GatewayError(message)` if it has not settled within `STALL_MS`. */
export function withStall(promise, message) {
  let timer;
  const stall = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new GatewayError(message)), STALL_MS);
  });
  return Promise.race([promise, stall]).finally(() => clearTimeout(timer));
}

async function refused(response) {
  let message = '';
  try {
    const text = new TextDecoder().decode(await readLimited(response, 4096)).slice(0, 500);
    try {
      message = JSON.parse(text)?.error ?? text;
    } catch {
      message = text;
    }
  } catch {
    // The reason is optional; the status says enough.
  }
  return new GatewayError(`the gateway refused (HTTP ${response.status}${message ? `: ${message}` : ''})`, response.status);
}

export class Gateway {
  constructor(url) {
    // Requests go to the address as given (a gateway may sit under a path, as the CLI
    // allows); logins are signed for its `scheme://host[:port]`.
    this.base = audienceOf(url);
    this.url = String(url).trim().replace(/\/+$/, '');
    this.token = null;
  }

  async request(method, path, { body, json, headers = {} } = {}) {
    const h = { ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    if (json !== undefined) h['content-type'] = 'application/json';
    let response;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), STALL_MS);
    try {
      response = await fetch(`${this.url}${path}`, { method, headers: h, body: json !== undefined ? JSON.stringify(json) : body, cache: 'no-store', credentials: 'omit', signal: abort.signal });
    } catch (e) {
      const why = abort.signal.aborted ? `no answer in ${STALL_MS / 1000} s` : e.message;
      throw new GatewayError(`cannot reach the gateway at ${this.url} (${why}); it may be down, or not allow this page's origin (the operator's --gateway-cors)`);
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) throw await refused(response);
    return response;
  }

  async json(method, path, body) {
    const response = await this.request(method, path, { json: body });
    const text = new TextDecoder().decode(await readLimited(response, MAX_SMALL_ANSWER));
    try {
      return JSON.parse(text);
    } catch {
      throw new GatewayError('the gateway answered something other than JSON');
    }
  }

  /** Logs in as the account of `pair` on `chain`; keeps the token. */
  async login(chain, pair) {
    const account = ss58Encode(pair.publicKey, chain.ss58Format);
    const challenge = await this.json('POST', '/auth/challenge', { account });
    if (!/^[0-9a-f]{64}$/i.test(challenge?.nonce ?? '')) throw new GatewayError('the gateway gave no valid challenge');
    const nonce = fromHex(`0x${challenge.nonce}`);
    const payload = await crypto.loginPayload(fromHex(chain.genesis), this.base, nonce);
    const signature = await crypto.sign(pair, payload);
    const reply = await this.json('POST', '/auth/login', { account, audience: this.base, nonce: challenge.nonce, signature: toHex(signature).slice(2) });
    if (typeof reply?.token !== 'string' || !reply.token) throw new GatewayError('the gateway gave no token');
    this.token = reply.token;
  }

  /**
   * Uploads `blob` (the encrypted file) as product `product`'s content, reporting
   * `onProgress(sent, total)`; the blob's sha2-256 as the gateway computed it (hex, no 0x).
   * XMLHttpRequest, because fetch reports no upload progress.
   */
  upload(product, blob, onProgress = () => {}) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', `${this.url}/products/${product}/blob`);
      xhr.setRequestHeader('authorization', `Bearer ${this.token}`);
      // A gateway that stops taking bytes (or never answers) ends the attempt.
      let stalled = false;
      let watchdog = null;
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          stalled = true;
          xhr.abort();
        }, STALL_MS);
      };
      arm();
      xhr.addEventListener('loadend', () => clearTimeout(watchdog));
      xhr.upload.addEventListener('progress', (e) => {
        arm();
        onProgress(e.loaded, e.total || blob.size);
      });
      xhr.addEventListener('load', () => {
        if (xhr.status < 200 || xhr.status > 299) {
          let message = xhr.responseText.slice(0, 500);
          try {
            message = JSON.parse(message)?.error ?? message;
          } catch {
            // Not JSON: the text as it is.
          }
          reject(new GatewayError(`the gateway refused the upload (HTTP ${xhr.status}${message ? `: ${message}` : ''})`, xhr.status));
          return;
        }
        try {
          const hash = JSON.parse(xhr.responseText)?.hash;
          if (!/^[0-9a-f]{64}$/i.test(hash ?? '')) throw new Error();
          resolve(hash.toLowerCase());
        } catch {
          reject(new GatewayError('the gateway did not say what it stored'));
        }
      });
      xhr.addEventListener('error', () => reject(new GatewayError(`the upload to ${this.url} failed (the connection broke, or the gateway does not allow this page's origin)`)));
      xhr.addEventListener('abort', () => reject(new GatewayError(stalled ? `the upload made no progress for ${STALL_MS / 1000} s` : 'the upload was stopped')));
      xhr.send(blob);
    });
  }

  /**
   * The product's blob as a stream of bytes (`Response.body`), for the buyer of `order`; the
   * caller bounds its length and reads it with `withStall`.
   */
  async download(product, order) {
    const query = order == null ? '' : `?order=${encodeURIComponent(order)}`;
    const response = await this.request('GET', `/products/${product}/blob${query}`);
    if (!response.body) throw new GatewayError('the gateway sent no content');
    return response.body;
  }

  /** Shares product `product`'s content key, sealed to `account` (an address). */
  async shareKey(product, account, sealed) {
    await this.request('PUT', `/products/${product}/keys/${account}`, { body: sealed, headers: { 'content-type': 'application/octet-stream' } });
  }

  /** The key of product `product` shared with `account` (the logged-in account). */
  async sharedKey(product, account) {
    const response = await this.request('GET', `/products/${product}/keys/${account}`);
    return readLimited(response, MAX_SEALED_KEY);
  }
}

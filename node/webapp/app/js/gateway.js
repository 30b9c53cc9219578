// A storage gateway (a node's `--gateway-port`), as `cpchain market` calls it: the
// challenge-response login (the account signs the chain's genesis, the gateway's address as
// dialled and the gateway's nonce, in the module's encoding), then encrypted blobs and sealed
// keys with the bearer token. The gateway must allow this page's origin (a node allows its own
// web app; others need `--gateway-cors`); when it does not, the browser hides its answers and
// the message says so.

import * as crypto from './crypto.js';
import { fromHex, toHex, ss58Encode } from './hash.js';

/** The most bytes read of a JSON answer or a sealed key. */
const MAX_SMALL_ANSWER = 64 * 1024;

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

async function refused(response) {
  let message = '';
  try {
    const text = (await response.text()).slice(0, 500);
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
    this.base = audienceOf(url);
    this.token = null;
  }

  async request(method, path, { body, json, headers = {} } = {}) {
    const h = { ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    if (json !== undefined) h['content-type'] = 'application/json';
    let response;
    try {
      response = await fetch(`${this.base}${path}`, { method, headers: h, body: json !== undefined ? JSON.stringify(json) : body, cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      throw new GatewayError(`cannot reach the gateway at ${this.base} (${e.message}); it may be down, or not allow this page's origin (the operator's --gateway-cors)`);
    }
    if (!response.ok) throw await refused(response);
    return response;
  }

  async json(method, path, body) {
    const response = await this.request(method, path, { json: body });
    const text = await response.text();
    if (text.length > MAX_SMALL_ANSWER) throw new GatewayError('the gateway answered too much');
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
      xhr.open('PUT', `${this.base}/products/${product}/blob`);
      xhr.setRequestHeader('authorization', `Bearer ${this.token}`);
      xhr.upload.addEventListener('progress', (e) => onProgress(e.loaded, e.total || blob.size));
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
      xhr.addEventListener('error', () => reject(new GatewayError(`the upload to ${this.base} failed (the connection broke, or the gateway does not allow this page's origin)`)));
      xhr.addEventListener('abort', () => reject(new GatewayError('the upload was stopped')));
      xhr.send(blob);
    });
  }

  /** The product's blob as a stream of bytes (`Response.body`), for the buyer of `order`. */
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
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > MAX_SMALL_ANSWER) throw new GatewayError('the gateway sent an oversized key');
    return bytes;
  }
}

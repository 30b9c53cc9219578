// JSON-RPC over one WebSocket: requests with a timeout, subscriptions, and reconnection with
// back-off. Subscriptions are re-made after a reconnect, so a page keeps following the chain
// when the node restarts.

const REQUEST_TIMEOUT_MS = 30_000;
const MAX_BACKOFF_MS = 10_000;

export class RpcError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

export class Rpc {
  /** `onStatus(state, detail)` hears 'connecting', 'open' and 'closed'. */
  constructor(url, onStatus = () => {}) {
    this.url = url;
    this.onStatus = onStatus;
    this.nextId = 1;
    this.pending = new Map();
    this.subscriptions = new Map(); // local id -> {method, params, unsubscribe, callback, remote}
    this.byRemote = new Map();
    this.nextLocal = 1;
    this.closed = false;
    this.backoff = 500;
    this.connect();
  }

  connect() {
    this.onStatus('connecting', this.url);
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this.onStatus('closed', e.message);
      return;
    }
    this.ws = ws;
    this.ready = new Promise((resolve) => {
      ws.addEventListener('open', () => {
        this.backoff = 500;
        this.onStatus('open', this.url);
        resolve();
        for (const [local, sub] of this.subscriptions) this.resubscribe(local, sub).catch(() => {});
      });
    });
    ws.addEventListener('message', (event) => this.receive(event.data));
    ws.addEventListener('close', () => {
      for (const { reject, timer } of this.pending.values()) {
        clearTimeout(timer);
        reject(new RpcError('connection closed'));
      }
      this.pending.clear();
      this.byRemote.clear();
      for (const [local, sub] of this.subscriptions) {
        if (!sub.once) continue;
        this.subscriptions.delete(local);
        sub.onClose();
      }
      if (this.closed) return;
      this.onStatus('closed', `reconnecting in ${Math.round(this.backoff / 1000)} s`);
      setTimeout(() => this.closed || this.connect(), this.backoff);
      this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2);
    });
  }

  close() {
    this.closed = true;
    this.ws?.close();
  }

  receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (msg.id != null && this.pending.has(msg.id)) {
      const { resolve, reject, timer } = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      clearTimeout(timer);
      if (msg.error) reject(new RpcError(msg.error.message ?? 'error', msg.error.code));
      else resolve(msg.result);
    } else if (msg.params?.subscription != null) {
      const local = this.byRemote.get(String(msg.params.subscription));
      const sub = local != null && this.subscriptions.get(local);
      if (sub) sub.callback(msg.params.result);
    }
  }

  async send(method, params = []) {
    await this.ready;
    if (this.ws.readyState !== WebSocket.OPEN) throw new RpcError('not connected');
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcError(`${method} timed out`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  /** Subscribes; returns a function that unsubscribes. */
  subscribe(method, params, unsubscribe, callback) {
    const local = this.nextLocal++;
    const sub = { method, params, unsubscribe, callback, remote: null };
    this.subscriptions.set(local, sub);
    this.resubscribe(local, sub).catch(() => {});
    return () => {
      this.subscriptions.delete(local);
      if (sub.remote != null) {
        this.byRemote.delete(String(sub.remote));
        this.send(sub.unsubscribe, [sub.remote]).catch(() => {});
      }
    };
  }

  /**
   * Subscribes once, for a subscription that must not be re-made after a reconnect (a
   * submission would be sent twice): resolves to a function that unsubscribes, or rejects
   * with the node's error. A dropped connection ends it with `onClose`.
   */
  async watch(method, params, unsubscribe, callback, onClose = () => {}) {
    const remote = await this.send(method, params);
    const local = this.nextLocal++;
    const sub = { method, params, unsubscribe, callback, remote, once: true, onClose };
    this.subscriptions.set(local, sub);
    this.byRemote.set(String(remote), local);
    return () => {
      if (!this.subscriptions.delete(local)) return;
      this.byRemote.delete(String(remote));
      this.send(unsubscribe, [remote]).catch(() => {});
    };
  }

  async resubscribe(local, sub) {
    const remote = await this.send(sub.method, sub.params);
    if (!this.subscriptions.has(local)) {
      this.send(sub.unsubscribe, [remote]).catch(() => {});
      return;
    }
    sub.remote = remote;
    this.byRemote.set(String(remote), local);
  }
}

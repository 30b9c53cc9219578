// A real IPFS node for the storage gateway's IPFS backend test
// (node/market/tests/the_ipfs_backend_round_trips_through_a_real_ipfs_node.rs): js-ipfs 0.66.1,
// serving Kubo's /api/v0 HTTP RPC on 127.0.0.1:PORT, offline (no swarm, no bootstrap peers,
// no discovery), with its repository in REPO_DIR.
//
// Usage: node daemon.mjs REPO_DIR PORT. Prints "ready" once the API listens; stops on SIGTERM
// or when stdin closes (the test that started it ended).

// js-ipfs 0.66's dependencies call Promise.withResolvers, which Node 20 lacks: defined before
// they load (hence the dynamic import below).
if (!Promise.withResolvers) {
  Promise.withResolvers = function () {
    let resolve, reject
    const promise = new Promise((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

const [repo, port] = process.argv.slice(2)
if (!repo || !port) {
  console.error('usage: node daemon.mjs REPO_DIR PORT')
  process.exit(2)
}
const { Daemon } = await import('ipfs-daemon')
const daemon = new Daemon({
  repo,
  offline: true,
  silent: true,
  init: { emptyRepo: true },
  config: {
    // An explicit API address; no gateway, swarm or gRPC listener (an empty RPC address is
    // what turns the gRPC server off).
    Addresses: { API: `/ip4/127.0.0.1/tcp/${port}`, Gateway: '', Swarm: [], RPC: '', Delegates: [] },
    Bootstrap: [],
    Discovery: { MDNS: { Enabled: false }, webRTCStar: { Enabled: false } },
  },
})
await daemon.start()
console.log('ready')

const stop = async () => {
  await daemon.stop()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.stdin.on('end', stop)
process.stdin.resume()

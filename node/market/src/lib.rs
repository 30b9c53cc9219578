//! The data market's off-chain half, run by sellers, buyers and proxies.
//!
//! - [`crypto`]: content encryption (chunked ChaCha20-Poly1305) and sealing content keys to a
//!   buyer's X25519 key;
//! - [`store`]: where encrypted blobs live, behind the [`store::BlobStore`] trait: the local
//!   store (default), S3-compatible object stores, IPFS through its HTTP API;
//! - [`gateway`]: the storage gateway a node serves (the proxy role): challenge-response login
//!   with the account's sr25519 key, uploads by a product's seller, downloads by buyers with a
//!   paid order, checked against chain state through [`gateway::MarketView`];
//! - [`client`]: the gateway's HTTP client, used by the `market` commands;
//! - [`target`]: whether an address a counterparty named may be called (no requests into a
//!   proxy's private network);
//! - [`testing`]: a real IPFS node (js-ipfs) for tests.

pub mod client;
pub mod crypto;
pub mod gateway;
pub mod http;
pub mod store;
pub mod target;
pub mod testing;

//! Types the host and the runtime share, byte-compatible with Substrate's formats.
//!
//! Everything here is `no_std`, deterministic and free of host calls: the runtime, the node
//! and tools (wallets, the CLI) all use the same definitions. Decoding of untrusted bytes goes
//! through [`limits`], which bounds length and nesting and refuses trailing bytes.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod block;
pub mod bytes;
pub mod dispatch;
pub mod era;
pub mod extrinsic;
mod h256;
pub mod hashing;
pub mod header;
pub mod inherent;
pub mod lbft;
pub mod limits;
pub mod storage;
pub mod transaction_validity;
pub mod weight;

pub use block::{Block, OpaqueExtrinsic};
pub use bytes::Bytes;
pub use cpc_crypto::{AccountId32, sr25519};
pub use era::Era;
pub use extrinsic::{MultiAddress, MultiSignature, SignedExtra, UncheckedExtrinsic};
pub use h256::H256;
pub use header::{Digest, DigestItem, Header};
pub use weight::Weight;

/// Accounts are 32-byte sr25519 public keys.
pub type AccountId = AccountId32;
/// Balances are `u128`, as in FRAME's `AccountData`.
pub type Balance = u128;
/// Block numbers.
pub type BlockNumber = u32;
/// Per-account transaction counter.
pub type Nonce = u32;
/// Milliseconds since the Unix epoch.
pub type Moment = u64;
/// Block, extrinsic and state hashes: blake2-256.
pub type Hash = H256;
/// A four-byte identifier of a consensus engine in digest items.
pub type ConsensusEngineId = [u8; 4];

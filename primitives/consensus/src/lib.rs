//! Hybrid consensus's shared types: who holds a seat (a proposer slot or a validator seat),
//! the runtime API through which the node reads the committee and the proposers
//! ([`HybridConsensusApi`]), LBFT certificates and their checks ([`certificate`]), and the
//! checks of a light client following another chain's finality ([`light_client`]).
//!
//! A crate of its own so the node, the pallets that follow other chains and light clients
//! link these without the consensus pallet's logic; the pallet re-exports them.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod certificate;
pub mod light_client;
#[cfg(feature = "std")]
pub mod testing;

pub use certificate::{
    Certificate, CertificateError, Committee, Equivocation, Height, Round, SignedVote,
    ValidatorIndex,
};

use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use cpc_primitives::{AccountId, BlockNumber, sr25519::Public};
use scale_info::TypeInfo;

/// A seat holder: an account and its session key.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Member {
    /// The account (bond, rewards, slashing).
    pub account: AccountId,
    /// The session key (signatures).
    pub session_key: Public,
}

/// What a session key signs to prove its holder registers it for `account`
/// (`HybridConsensus.register` and `set_session_key`; `cpchain key sign --session-key-proof`).
pub fn session_key_proof_payload(account: &AccountId) -> Vec<u8> {
    (b"cpc/session-key", account).encode()
}

/// The key type of the hybrid-consensus session key (LBFT votes, proposals) in the keystore
/// and in `SessionKeys`.
pub const SESSION_KEY_TYPE: [u8; 4] = *b"lbft";

cpc_api::decl_runtime_api! {
    /// `HybridConsensusApi`: proposers, the validator committee and the term (CPChain's own).
    pub trait HybridConsensusApi in hybrid_consensus_api, version 1 {
        /// The proposer of block `n` (in the current or the next term): account and session
        /// key.
        fn proposer(n: BlockNumber) -> Option<Member>;
        /// The LBFT validator committee and its set id.
        fn validators() -> (u64, Vec<Member>);
        /// The current term, its first block and its length in blocks.
        fn term() -> (u32, BlockNumber, BlockNumber);
    }
}

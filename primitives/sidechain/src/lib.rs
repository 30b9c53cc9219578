//! IoT sidechains' shared types and runtime APIs, for the pallets, the node's RPC, the relayer
//! and light clients alike:
//!
//! - the main chain's view of a sidechain ([`Sidechain`], [`Status`]) and
//!   [`SidechainRegistryApi`], through which relayers and wallets read what is anchored;
//! - the sidechain's view of the main chain, [`MainchainTrackerApi`];
//! - IoT devices and readings, their proofs and [`iot::IotDevicesApi`] ([`iot`]);
//! - cross-chain transfer messages, receipts, their storage keys and
//!   [`xchain::CrosschainApi`] ([`xchain`]).
//!
//! Both follow the other chain's finality with the checks of
//! `cpc_consensus_primitives::light_client`; `docs/sidechains.md` describes the protocol.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod iot;
pub mod xchain;

use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
pub use cpc_consensus_primitives::light_client::FinalizedHeader;
use cpc_primitives::{AccountId, Balance, BlockNumber, H256, sr25519::Public};
use cpc_support::{BoundedVec, ConstU32};
use scale_info::TypeInfo;

/// A sidechain's number on the main chain, given at registration.
pub type SidechainId = u32;

/// Most members of a followed chain's committee (sidechains keep small committees; the main
/// chain's is at most 100).
pub const MAX_FOLLOWED_COMMITTEE: u32 = 100;
/// Longest metadata a sidechain is registered with, in bytes.
pub const MAX_SIDECHAIN_METADATA: u32 = 256;
/// Most headers one anchor or one tracker update carries.
pub const MAX_HEADERS_PER_UPDATE: u32 = 32;
/// Most sidechains one `sidechains` query returns.
pub const MAX_SIDECHAINS_QUERY: u32 = 100;

/// A followed chain's committee: the session keys of its validators, in committee order.
pub type CommitteeKeys = BoundedVec<Public, ConstU32<MAX_FOLLOWED_COMMITTEE>>;

/// Where a sidechain stands on the main chain.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Status {
    /// Anchors and cross-chain messages are accepted.
    Active,
    /// Two certificates for different headers at one height were shown: nothing is accepted
    /// until root installs a new committee.
    Frozen {
        /// The conflicting height.
        height: BlockNumber,
        /// The main-chain block that froze it.
        at: BlockNumber,
    },
    /// Its registrant or root deregistered it: nothing is accepted, and the bond is released
    /// from block `release_at` on.
    Retiring {
        /// The first block at which the bond can be withdrawn.
        release_at: BlockNumber,
    },
}

/// A registered sidechain, as the main chain records it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Sidechain {
    /// Who registered it: its bond is reserved from this account, which is credited with the
    /// data its anchors bring.
    pub registrant: AccountId,
    /// Its genesis hash: its validators' votes are bound to it.
    pub genesis: H256,
    /// The bond reserved from the registrant (zero once slashed).
    pub bond: Balance,
    /// Where it stands.
    pub status: Status,
    /// The main-chain block it was registered in.
    pub registered_at: BlockNumber,
    /// Free-form metadata (a name, an operator's URL), UTF-8 by convention.
    pub metadata: BoundedVec<u8, ConstU32<MAX_SIDECHAIN_METADATA>>,
}

/// A followed chain's committee and the first height it certifies.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct CommitteeRecord {
    /// Its set id (0 at genesis, one more at every hand-off).
    pub set_id: u64,
    /// The first height whose certificate is this committee's.
    pub from: BlockNumber,
    /// Its members' session keys.
    pub members: CommitteeKeys,
}

/// Everything a relayer or a light client needs to know about one sidechain.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct SidechainState {
    /// The registration.
    pub sidechain: Sidechain,
    /// The last anchored header.
    pub head: FinalizedHeader,
    /// The committee certifying the headers after it.
    pub committee: CommitteeRecord,
}

cpc_api::decl_runtime_api! {
    /// `SidechainRegistryApi` (main chain): registered sidechains and their anchored headers
    /// (CPChain's own).
    pub trait SidechainRegistryApi in sidechain_registry_api, version 1 {
        /// Sidechains from id `start` on, at most `limit` (at most [`MAX_SIDECHAINS_QUERY`]).
        fn sidechains(start: SidechainId, limit: u32) -> Vec<(SidechainId, SidechainState)>;
        /// Sidechain `id`.
        fn sidechain(id: SidechainId) -> Option<SidechainState>;
        /// The anchored header of sidechain `id` at `height`, while it is kept.
        fn anchored(id: SidechainId, height: BlockNumber) -> Option<FinalizedHeader>;
    }
}

cpc_api::decl_runtime_api! {
    /// `MainchainTrackerApi` (sidechain): the main chain's finalized headers this chain
    /// follows (CPChain's own).
    pub trait MainchainTrackerApi in mainchain_tracker_api, version 1 {
        /// The main chain's genesis hash, its last tracked header and its current committee.
        fn tracked() -> Option<(H256, FinalizedHeader, CommitteeRecord)>;
        /// The tracked main-chain header at `height`, while it is kept.
        fn header(height: BlockNumber) -> Option<FinalizedHeader>;
    }
}

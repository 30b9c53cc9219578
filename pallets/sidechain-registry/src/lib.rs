//! # Sidechain-registry pallet (main chain)
//!
//! IoT sidechains anchor their finalized headers here, so that anything proven against a
//! sidechain's state root (a device reading, a cross-chain message) can be checked by anyone
//! who trusts the main chain and `n - f` of the sidechain's committee
//! ([docs/sidechains.md](../../../docs/sidechains.md)).
//!
//! - **Register** (`register`): the sidechain's genesis header (its hash binds the votes), its
//!   initial committee of session keys, a bond of at least `Config::MIN_BOND` reserved from
//!   the registrant, and bounded metadata. One registration per genesis.
//! - **Anchor** (`anchor`, anyone, typically a relayer): a run of consecutive headers
//!   starting on the last anchored one, the last with a commit certificate of `n - f` distinct
//!   members of the sidechain's current committee, checked exactly as main-chain blocks are
//!   (`cpc_consensus_primitives::light_client`). A header that changes the committee
//!   (`ValidatorSetChange` digest) must be the certified one, so hand-offs are anchored in
//!   order and a stale committee never certifies after its successor took over. The last
//!   `Config::ANCHOR_HISTORY` anchored headers (number, hash, state root) are kept for proofs;
//!   each anchored header credits the registrant one unit of data contribution
//!   (`ReputationReporter`).
//! - **Freeze** (`report_conflict`, anyone): two headers at one height with commit
//!   certificates of the committee of that height. The sidechain is frozen (no anchors, no
//!   cross-chain messages), and its bond is slashed: half to the reporter, the rest to the
//!   treasury. Only once; root unfreezes with a new committee and head (`unfreeze`).
//! - **Deregister** (`deregister`, registrant or root): anchoring stops, and after
//!   `Config::DEREGISTRATION_DELAY` blocks the registrant withdraws the bond
//!   (`withdraw_bond`), which removes the sidechain's records.
//!
//! Added to a running chain by a runtime upgrade, the registry initialises its storage in
//! `on_runtime_upgrade` ([`migrations`]).
//!
//! Invariants (checked by `try_state`): the kept anchored headers are at most
//! `ANCHOR_HISTORY`, all at or below the head, the newest being the head; every committee is
//! usable; the registrant's reserved balance covers the bonds of its sidechains.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod api;
mod calls;
mod events;
mod hooks;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::{string::String, vec::Vec};
use core::marker::PhantomData;
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{
    AccountId, Balance, BlockNumber, H256,
    dispatch::{DispatchClass, DispatchInfo, DispatchResultWithPostInfo, Pays},
};
use cpc_support::{
    BoundedVec, ConstU32, PalletDef, RawOrigin,
    metadata::{StorageEntry, constant},
    traits::{ReputationReporter, ReservableCurrency},
};
use serde::{Deserialize, Serialize};

pub use calls::Call;
pub use cpc_sidechain_primitives::{
    CommitteeKeys, CommitteeRecord, FinalizedHeader, MAX_FOLLOWED_COMMITTEE,
    MAX_HEADERS_PER_UPDATE, MAX_SIDECHAIN_METADATA, MAX_SIDECHAINS_QUERY, Sidechain, SidechainId,
    SidechainRegistryApi, SidechainState, Status, sidechain_registry_api,
};
pub use events::{Error, Event};
pub use weights::WeightInfo;

/// The pallet's name.
pub const PALLET: &str = "SidechainRegistry";
/// The layout version of the registry's storage.
pub const STORAGE_VERSION: u16 = 1;
/// Past committees kept per sidechain, to judge conflicts reported at heights they certified.
pub const MAX_PAST_COMMITTEES: u32 = 4;

/// Configuration.
pub trait Config: cpc_pallet_system::Config<RuntimeEvent: From<Event>> {
    /// Where bonds are reserved and slashed.
    type Currency: ReservableCurrency;
    /// Credited with the data each anchor brings (the registrant's data contribution).
    type Reputation: ReputationReporter;
    /// Weights.
    type WeightInfo: WeightInfo;
    /// The smallest bond a registration reserves.
    const MIN_BOND: Balance;
    /// Anchored headers kept per sidechain for proofs (the newest ones).
    const ANCHOR_HISTORY: u32;
    /// What one anchored header counts for in the registrant's data contribution, in balance
    /// units: about the fees anchoring it costs, so a registrant's reputation grows with what
    /// its anchors cost, like a seller's with what its sales paid.
    const ANCHORED_HEADER_VALUE: Balance;
    /// Blocks between deregistration and the bond's release.
    const DEREGISTRATION_DELAY: BlockNumber;
    /// Receives what a slashed bond does not pay the reporter.
    fn treasury() -> AccountId;
}

cpc_support::storage! {
    pallet "SidechainRegistry";
    /// Registered sidechains.
    pub Sidechains: map Twox64Concat SidechainId => Sidechain;
    /// The id the next registration gets.
    pub NextSidechainId: value SidechainId = default;
    /// Which sidechain a genesis hash belongs to: one registration per chain.
    pub ByGenesis: map Identity H256 => SidechainId;
    /// Each sidechain's last anchored header.
    pub Heads: map Twox64Concat SidechainId => FinalizedHeader;
    /// Each sidechain's current committee.
    pub Committees: map Twox64Concat SidechainId => CommitteeRecord;
    /// Each sidechain's previous committees, oldest first, to judge conflict reports.
    pub PastCommittees: map Twox64Concat SidechainId => BoundedVec<CommitteeRecord, ConstU32<MAX_PAST_COMMITTEES>> = default;
    /// The last `ANCHOR_HISTORY` anchored headers of each sidechain, by number.
    pub Anchored: double_map Twox64Concat SidechainId, Twox64Concat BlockNumber => FinalizedHeader;
}

/// Genesis configuration: nothing; sidechains register on a running chain.
#[derive(Clone, Default, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisConfig {}

/// The sidechain-registry pallet.
pub struct Pallet<T>(PhantomData<T>);

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        System::<T>::deposit_event(<T as cpc_pallet_system::Config>::RuntimeEvent::from(event));
    }

    /// Whether sidechain `id` is registered and active: what cross-chain messages need.
    pub fn is_active(id: SidechainId) -> bool {
        Sidechains::get(&id).is_some_and(|s| s.status == Status::Active)
    }

    /// The state root of sidechain `id` at anchored height `height`, while it is kept: the
    /// root storage proofs of that sidechain are checked against.
    pub fn anchored_state_root(id: SidechainId, height: BlockNumber) -> Option<H256> {
        Anchored::get(&id, &height).map(|h| h.state_root)
    }
}

impl<T: Config> PalletDef for Pallet<T> {
    const NAME: &'static str = PALLET;
    type Call = Call;
    type Event = Event;
    type Error = Error;
    type GenesisConfig = GenesisConfig;

    fn dispatch(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        Self::dispatch_call(call, origin)
    }

    fn call_info(call: &Call) -> DispatchInfo {
        let w = |w| (w, DispatchClass::Normal);
        let (weight, class) = match call {
            Call::register { committee, .. } => {
                w(<T as Config>::WeightInfo::register(committee.len() as u32))
            }
            Call::anchor {
                headers,
                certificate,
                ..
            } => w(<T as Config>::WeightInfo::anchor(
                headers.len() as u32,
                certificate.signatures.len() as u32,
            )),
            Call::report_conflict { first, second, .. } => {
                w(<T as Config>::WeightInfo::report_conflict(
                    (first.1.signatures.len() + second.1.signatures.len()) as u32,
                ))
            }
            Call::unfreeze { committee, .. } => (
                <T as Config>::WeightInfo::unfreeze(committee.len() as u32),
                DispatchClass::Operational,
            ),
            Call::deregister { .. } => w(<T as Config>::WeightInfo::deregister()),
            Call::withdraw_bond { .. } => w(<T as Config>::WeightInfo::withdraw_bond(
                T::ANCHOR_HISTORY.saturating_add(1),
            )),
        };
        DispatchInfo {
            weight,
            class,
            pays_fee: Pays::Yes,
        }
    }

    fn build_genesis(_config: &GenesisConfig) -> Result<(), String> {
        NextSidechainId::put(&0);
        Ok(())
    }

    fn storage_version() -> u16 {
        STORAGE_VERSION
    }

    fn storage_metadata() -> Vec<cpc_support::frame_metadata::v14::StorageEntryMetadata> {
        alloc::vec![
            Sidechains::entry_metadata(),
            NextSidechainId::entry_metadata(),
            ByGenesis::entry_metadata(),
            Heads::entry_metadata(),
            Committees::entry_metadata(),
            PastCommittees::entry_metadata(),
            Anchored::entry_metadata(),
        ]
    }

    fn constants_metadata() -> Vec<cpc_support::frame_metadata::v14::PalletConstantMetadata> {
        alloc::vec![
            constant(
                "MinBond",
                &T::MIN_BOND,
                &["The smallest bond a registration reserves."]
            ),
            constant(
                "AnchorHistory",
                &T::ANCHOR_HISTORY,
                &["Anchored headers kept per sidechain for proofs."]
            ),
            constant(
                "DeregistrationDelay",
                &T::DEREGISTRATION_DELAY,
                &["Blocks between deregistration and the bond's release."]
            ),
            constant(
                "MaxHeadersPerAnchor",
                &MAX_HEADERS_PER_UPDATE,
                &["Most headers one anchor carries."]
            ),
        ]
    }
}

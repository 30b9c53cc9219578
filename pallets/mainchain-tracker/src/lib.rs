//! # Main-chain tracker pallet (sidechain)
//!
//! A sidechain's light client of its main chain: it follows the main chain's finalized
//! headers the way the main chain's sidechain registry follows the sidechain, so that the
//! sidechain can check proofs (a cross-chain message, an anchored root) against the main
//! chain's state roots ([docs/sidechains.md](../../../docs/sidechains.md)).
//!
//! - **Start**: the genesis config names the main chain (its genesis hash) and a trusted
//!   checkpoint: a finalized header (its genesis or a later one), the committee certifying the
//!   headers after it, and that committee's set id. Without one the tracker is inert until
//!   root sets one (`reset`).
//! - **Track** (`track`, anyone, typically a relayer): a run of consecutive main-chain headers
//!   extending the tracked head, the last with a commit certificate of the main chain's
//!   current committee; committee hand-offs (`ValidatorSetChange` digests) must be the
//!   certified header (`cpc_consensus_primitives::light_client`). The last
//!   `Config::HEADER_HISTORY` tracked headers are kept.
//! - **Halt** (`report_conflict`, anyone): two certified main-chain headers at one height mean
//!   the main chain's committee broke its assumption; tracking stops until root resets it.
//!
//! Invariants (checked by `try_state`): the kept headers are at most `HEADER_HISTORY`, all at
//! or below the head, the newest being the head; the committee is usable.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod calls;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};
use core::marker::PhantomData;
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{
    AccountId, BlockNumber, H256,
    dispatch::{DispatchClass, DispatchInfo, DispatchResultWithPostInfo, Pays},
    sr25519::Public,
};
use cpc_support::{
    BoundedVec, Hooks, PalletDef, RawOrigin,
    metadata::{StorageEntry, constant},
};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

pub use calls::Call;
pub use cpc_sidechain_primitives::{
    CommitteeKeys, CommitteeRecord, FinalizedHeader, MAX_HEADERS_PER_UPDATE, MainchainTrackerApi,
    mainchain_tracker_api,
};
pub use weights::WeightInfo;

/// The pallet's name.
pub const PALLET: &str = "MainchainTracker";

/// Configuration.
pub trait Config: cpc_pallet_system::Config<RuntimeEvent: From<Event>> {
    /// Weights.
    type WeightInfo: WeightInfo;
    /// Tracked headers kept for proofs (the newest ones).
    const HEADER_HISTORY: u32;
}

cpc_support::storage! {
    pallet "MainchainTracker";
    /// The main chain's genesis hash: the chain its validators' votes are bound to.
    pub MainGenesis: value H256;
    /// The last tracked (finalized) main-chain header.
    pub Head: value FinalizedHeader;
    /// The main chain's committee certifying the headers after the head.
    pub Committee: value CommitteeRecord;
    /// The last `HEADER_HISTORY` tracked headers, by number.
    pub Headers: map Twox64Concat BlockNumber => FinalizedHeader;
    /// Set when conflicting main-chain certificates were shown: the height. Nothing is tracked
    /// until root resets the tracker.
    pub Halted: value BlockNumber;
}

/// The pallet's events.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Event {
    /// Main-chain headers were tracked, up to `number`.
    Tracked {
        /// The new head's number.
        number: BlockNumber,
        /// Its hash.
        hash: H256,
        /// Its state root.
        state_root: H256,
        /// Headers tracked by this call.
        headers: u32,
    },
    /// The main chain's committee changed: headers from `from` on are set `set_id`'s.
    CommitteeHandedOff {
        /// The new set id.
        set_id: u64,
        /// The first height it certifies.
        from: BlockNumber,
    },
    /// Conflicting main-chain certificates were shown: tracking stopped.
    Halted {
        /// The height with two certified headers.
        height: BlockNumber,
        /// Who showed them.
        reporter: AccountId,
    },
    /// Root set a new checkpoint.
    Reset {
        /// The checkpoint's number.
        number: BlockNumber,
        /// Its hash.
        hash: H256,
    },
}

/// Why a call is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Error {
    /// No checkpoint yet: root must set one.
    NotStarted,
    /// Conflicting certificates were shown; root must reset the tracker.
    Halted,
    /// No header given.
    NoHeaders,
    /// More headers than one update may carry.
    TooManyHeaders,
    /// The headers do not start on the tracked head or do not link to each other.
    NotExtending,
    /// A header before the certified one changes the committee: track it on its own first.
    HandOffNotCertified,
    /// A committee hand-off skips a set id or names an unusable committee.
    BadHandOff,
    /// An LBFT digest item of a header does not decode, or a header carries two.
    MalformedDigest,
    /// The certificate is of another kind or for another block than the last header.
    CertificateMismatch,
    /// The certificate has fewer signatures than the committee's quorum (`n - f`).
    NotEnoughSignatures,
    /// The certificate's signer indices are not strictly increasing (a signer twice).
    DuplicateSigners,
    /// A signer index is outside the committee.
    SignerNotInCommittee,
    /// A signature does not verify (for this committee and the main chain's genesis).
    BadSignature,
    /// The two headers are not different headers at one height, or not of a height the
    /// current committee certifies.
    NotAConflict,
    /// The committee is empty, too large, or names a key twice.
    BadCommittee,
}

cpc_support::pallet_error!(Error, PALLET);

impl From<cpc_consensus_primitives::light_client::ExtensionError> for Error {
    fn from(e: cpc_consensus_primitives::light_client::ExtensionError) -> Self {
        use cpc_consensus_primitives::{CertificateError as C, light_client::ExtensionError as E};
        match e {
            E::Empty => Error::NoHeaders,
            E::TooLong => Error::TooManyHeaders,
            E::NotExtending => Error::NotExtending,
            E::HandOffNotCertified => Error::HandOffNotCertified,
            E::BadHandOff => Error::BadHandOff,
            E::MalformedDigest => Error::MalformedDigest,
            E::Certificate(C::WrongKind | C::WrongTarget) => Error::CertificateMismatch,
            E::Certificate(C::NotEnoughSignatures { .. }) => Error::NotEnoughSignatures,
            E::Certificate(C::Unordered) => Error::DuplicateSigners,
            E::Certificate(C::NotAMember(_)) => Error::SignerNotInCommittee,
            E::Certificate(C::BadSignature) => Error::BadSignature,
        }
    }
}

/// A trusted starting point: a finalized main-chain header and the committee after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Encode, Decode, TypeInfo)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Checkpoint {
    /// The header's number (0: the main chain's genesis).
    pub number: BlockNumber,
    /// Its hash.
    pub hash: H256,
    /// Its state root.
    pub state_root: H256,
    /// The set id of the committee certifying the headers after it.
    pub set_id: u64,
    /// That committee's session keys, as addresses, in committee order.
    pub committee: Vec<AccountId>,
}

/// Genesis configuration.
#[derive(Clone, Default, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenesisConfig {
    /// The main chain's genesis hash; tracking starts only with it and a checkpoint.
    #[serde(default)]
    pub main_genesis: Option<H256>,
    /// Where tracking starts.
    #[serde(default)]
    pub checkpoint: Option<Checkpoint>,
}

/// The main-chain tracker pallet.
pub struct Pallet<T>(PhantomData<T>);

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        System::<T>::deposit_event(<T as cpc_pallet_system::Config>::RuntimeEvent::from(event));
    }

    /// The main chain's state root at tracked height `height`, while kept and not halted: the
    /// root storage proofs of the main chain are checked against.
    pub fn state_root_at(height: BlockNumber) -> Option<H256> {
        if Halted::exists() {
            return None;
        }
        Headers::get(&height).map(|h| h.state_root)
    }

    /// Installs `checkpoint` of the chain `genesis` as where tracking goes on from.
    pub(crate) fn install(genesis: H256, checkpoint: &Checkpoint) -> Result<(), Error> {
        let members: Vec<Public> = checkpoint.committee.iter().map(|a| Public(a.0)).collect();
        if !cpc_consensus_primitives::light_client::is_usable_committee(&members) {
            return Err(Error::BadCommittee);
        }
        let members = BoundedVec::try_from_vec(members).map_err(|_| Error::BadCommittee)?;
        let head = FinalizedHeader {
            number: checkpoint.number,
            hash: checkpoint.hash,
            state_root: checkpoint.state_root,
        };
        Headers::clear(Some(T::HEADER_HISTORY.saturating_add(1)));
        Headers::insert(&head.number, &head);
        Head::put(&head);
        MainGenesis::put(&genesis);
        Committee::put(&CommitteeRecord {
            set_id: checkpoint.set_id,
            from: head.number.saturating_add(1),
            members,
        });
        Halted::kill();
        Ok(())
    }

    /// What `MainchainTrackerApi::tracked` returns.
    pub fn tracked() -> Option<(H256, FinalizedHeader, CommitteeRecord)> {
        Some((MainGenesis::get()?, Head::get()?, Committee::get()?))
    }

    /// Checks the tracker's invariants.
    pub fn check_invariants() -> Result<(), &'static str> {
        let Some((_, head, committee)) = Self::tracked() else {
            return if Headers::iter().next().is_none() {
                Ok(())
            } else {
                Err("headers kept without a head")
            };
        };
        if !cpc_consensus_primitives::light_client::is_usable_committee(&committee.members)
            || committee.from > head.number + 1
        {
            return Err("the committee is unusable or starts after the head");
        }
        let mut kept = 0u32;
        for (number, header) in Headers::iter() {
            kept += 1;
            if number != header.number
                || number > head.number
                || number + T::HEADER_HISTORY <= head.number
            {
                return Err("a kept header is misplaced, above the head or outside the window");
            }
        }
        if kept > T::HEADER_HISTORY || Headers::get(&head.number) != Some(head) {
            return Err("the kept headers do not end at the head");
        }
        Ok(())
    }
}

impl<T: Config> Hooks for Pallet<T> {
    fn try_state(_n: BlockNumber) -> Result<(), &'static str> {
        Self::check_invariants()
    }

    fn integrity_test() {
        assert!(T::HEADER_HISTORY >= 1, "at least the head is kept");
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
        let (weight, class) = match call {
            Call::track {
                headers,
                certificate,
            } => (
                <T as Config>::WeightInfo::track(
                    headers.len() as u32,
                    certificate.signatures.len() as u32,
                ),
                DispatchClass::Normal,
            ),
            Call::report_conflict { first, second } => (
                <T as Config>::WeightInfo::report_conflict(
                    (first.1.signatures.len() + second.1.signatures.len()) as u32,
                ),
                DispatchClass::Normal,
            ),
            Call::reset { checkpoint, .. } => (
                <T as Config>::WeightInfo::reset(
                    checkpoint.committee.len() as u32,
                    T::HEADER_HISTORY.saturating_add(1),
                ),
                DispatchClass::Operational,
            ),
        };
        DispatchInfo {
            weight,
            class,
            pays_fee: Pays::Yes,
        }
    }

    fn build_genesis(config: &GenesisConfig) -> Result<(), String> {
        match (&config.main_genesis, &config.checkpoint) {
            (None, None) => Ok(()),
            (Some(genesis), Some(checkpoint)) => Self::install(*genesis, checkpoint).map_err(|_| {
                String::from("main-chain tracker: the checkpoint's committee must be 1 to 100 distinct keys")
            }),
            _ => Err("main-chain tracker: give both mainGenesis and checkpoint, or neither".into()),
        }
    }

    fn storage_metadata() -> Vec<cpc_support::frame_metadata::v14::StorageEntryMetadata> {
        alloc::vec![
            MainGenesis::entry_metadata(),
            Head::entry_metadata(),
            Committee::entry_metadata(),
            Headers::entry_metadata(),
            Halted::entry_metadata(),
        ]
    }

    fn constants_metadata() -> Vec<cpc_support::frame_metadata::v14::PalletConstantMetadata> {
        alloc::vec![constant(
            "HeaderHistory",
            &T::HEADER_HISTORY,
            &["Tracked main-chain headers kept for proofs."]
        )]
    }
}

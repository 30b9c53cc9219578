//! # Timestamp pallet
//!
//! The time of each block, set by its author through a mandatory inherent `set(now)` and
//! checked by everyone:
//! - monotonic: `now` is at least `previous + MINIMUM_PERIOD`;
//! - bounded drift: an importer refuses a block whose time is more than `MAX_DRIFT` ahead of
//!   its own clock (`check_inherent`, run by the node before import);
//! - exactly once per block: a block without it, or with two, is invalid.
//!
//! Milliseconds since the Unix epoch. Other pallets read it with [`Pallet::now`].

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
#[cfg(test)]
mod tests;
pub mod weights;

use codec::{Decode, Encode};
use core::marker::PhantomData;
use cpc_primitives::{
    Moment,
    dispatch::{DispatchClass, DispatchInfo, DispatchResultWithPostInfo, Pays},
    inherent::{InherentData, InherentIdentifier},
};
use cpc_support::{
    Hooks, PalletDef, RawOrigin, ensure, ensure_none,
    metadata::{StorageEntry, constant},
};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

pub use weights::WeightInfo;

/// The pallet's name.
pub const PALLET: &str = "Timestamp";

/// The inherent data identifier of the timestamp (Substrate's).
pub const INHERENT_IDENTIFIER: InherentIdentifier = *b"timstap0";

/// Configuration.
pub trait Config: cpc_pallet_system::Config {
    /// The least time between two blocks, in milliseconds (half the block period is usual),
    /// when genesis sets no block period; with one, half of it (see
    /// [`Pallet::minimum_period`]).
    const MINIMUM_PERIOD: Moment;
    /// How far a block's time may be ahead of an importer's clock, in milliseconds.
    const MAX_DRIFT: Moment;
    /// Weights.
    type WeightInfo: WeightInfo;
}

cpc_support::storage! {
    pallet "Timestamp";
    /// The current time for the current block.
    pub Now: value Moment = default;
    /// Whether the timestamp has been updated in this block.
    pub DidUpdate: value bool = default;
}

/// The pallet's calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Sets the current time (an inherent: unsigned, once per block, first in the block).
    #[codec(index = 0)]
    set {
        /// Milliseconds since the Unix epoch.
        #[codec(compact)]
        now: Moment,
    },
}

/// The pallet has no events.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Event {}

/// The pallet's errors.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Error {
    /// The timestamp was already set in this block.
    AlreadyUpdated,
    /// The timestamp is less than `MINIMUM_PERIOD` after the previous one.
    TooEarly,
}

cpc_support::pallet_error!(Error, PALLET);

/// Genesis configuration: none.
#[derive(Clone, Default, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisConfig {}

/// The timestamp pallet.
pub struct Pallet<T>(PhantomData<T>);

impl<T: Config> Pallet<T> {
    /// The current block's time (the previous block's until the inherent ran).
    pub fn now() -> Moment {
        Now::get_or_default()
    }

    /// The least time between two blocks: half the genesis block period, or the runtime's
    /// `MINIMUM_PERIOD` without one. A minimum above the period would push block times ahead
    /// of the clock until importers refuse them for drift.
    pub fn minimum_period() -> Moment {
        match cpc_pallet_system::BlockPeriod::get() {
            Some(period) => (period / 2).max(1),
            None => T::MINIMUM_PERIOD,
        }
    }

    /// The earliest time the next block may carry.
    pub fn next_minimum() -> Moment {
        let previous = Now::get_or_default();
        if previous == 0 {
            0
        } else {
            previous.saturating_add(Self::minimum_period())
        }
    }

    fn set(now: Moment) -> DispatchResultWithPostInfo {
        ensure!(!DidUpdate::get_or_default(), Error::AlreadyUpdated);
        ensure!(now >= Self::next_minimum(), Error::TooEarly);
        Now::put(&now);
        DidUpdate::put(&true);
        Ok(Default::default())
    }
}

impl<T: Config> Hooks for Pallet<T> {
    fn on_finalize(_n: cpc_primitives::BlockNumber) {
        assert!(
            DidUpdate::take().unwrap_or(false),
            "Timestamp must be updated once in the block"
        );
    }

    fn integrity_test() {
        assert!(T::MINIMUM_PERIOD > 0, "MINIMUM_PERIOD must be positive");
    }
}

impl<T: Config> PalletDef for Pallet<T> {
    const NAME: &'static str = PALLET;
    type Call = Call;
    type Event = Event;
    type Error = Error;
    type GenesisConfig = GenesisConfig;

    fn dispatch(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        ensure_none(origin)?;
        match call {
            Call::set { now } => Self::set(now),
        }
    }

    fn call_info(call: &Call) -> DispatchInfo {
        match call {
            Call::set { .. } => DispatchInfo {
                weight: <T as Config>::WeightInfo::set(),
                class: DispatchClass::Mandatory,
                pays_fee: Pays::No,
            },
        }
    }

    fn build_genesis(_config: &GenesisConfig) -> Result<(), alloc::string::String> {
        Ok(())
    }

    fn create_inherent(data: &InherentData) -> Option<Call> {
        let now: Moment = data.get(&INHERENT_IDENTIFIER)?.ok()?;
        // A node whose clock lags still produces a valid block.
        Some(Call::set {
            now: now.max(Self::next_minimum()),
        })
    }

    fn is_inherent(call: &Call) -> bool {
        matches!(call, Call::set { .. })
    }

    fn check_inherent(call: &Call, data: &InherentData) -> Result<(), &'static str> {
        let Call::set { now } = call;
        let local: Moment = match data.get(&INHERENT_IDENTIFIER) {
            Some(Ok(local)) => local,
            _ => return Err("the importer has no timestamp inherent data"),
        };
        if *now > local.saturating_add(T::MAX_DRIFT) {
            return Err("block timestamp is too far in the future");
        }
        if *now < Self::next_minimum() {
            return Err("block timestamp is too early");
        }
        Ok(())
    }

    fn inherent_required() -> bool {
        true
    }

    fn storage_metadata() -> alloc::vec::Vec<cpc_support::frame_metadata::v14::StorageEntryMetadata>
    {
        alloc::vec![Now::entry_metadata(), DidUpdate::entry_metadata()]
    }

    fn constants_metadata()
    -> alloc::vec::Vec<cpc_support::frame_metadata::v14::PalletConstantMetadata> {
        alloc::vec![constant(
            "MinimumPeriod",
            &T::MINIMUM_PERIOD,
            &["The least time between two blocks, in milliseconds."]
        )]
    }
}

//! # Notes pallet
//!
//! Each account may publish a short note (an IoT device's status line, a contact address).
//!
//! The pallet exists in two versions, which is what makes it useful beyond itself: it is the
//! repository's worked example of a runtime upgrade with a storage migration
//! (`docs/runtime-upgrades.md`).
//!
//! - **v1** (default): `Notes` maps an account to the note's bytes; storage version 0.
//! - **v2** (feature `v2`): `Notes` maps an account to `{ text, updated }` (the block of the
//!   last change) and a `clear_note` call exists; storage version 1. Its `on_runtime_upgrade`
//!   converts every v1 note once, stamping it with the upgrade block, and refuses (panics on)
//!   a note that does not decode: an upgrade must never silently lose data, and `cpchain
//!   upgrade check` surfaces the panic before anyone votes for the upgrade.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use cpc_pallet_system::Pallet as System;
#[cfg(feature = "v2")]
use cpc_primitives::weight::Weight;
use cpc_primitives::{
    AccountId, BlockNumber,
    dispatch::{DispatchClass, DispatchInfo, DispatchResultWithPostInfo, Pays},
};
use cpc_support::{
    BoundedVec, ConstU32, Hooks, PalletDef, RawOrigin, ensure_signed, metadata::StorageEntry,
};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// The pallet's name.
pub const PALLET: &str = "Notes";
/// The longest note, in bytes.
pub const MAX_NOTE: u32 = 128;

/// Note text.
pub type Text = BoundedVec<u8, ConstU32<MAX_NOTE>>;

/// Configuration.
pub trait Config: cpc_pallet_system::Config<RuntimeEvent: From<Event>> {}

/// A note of the v2 layout.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Note {
    /// The text.
    pub text: Text,
    /// The block of the last change.
    pub updated: BlockNumber,
}

#[cfg(not(feature = "v2"))]
cpc_support::storage! {
    pallet "Notes";
    /// Each account's note.
    pub Notes: map Blake2_128Concat AccountId => Text;
}

#[cfg(feature = "v2")]
cpc_support::storage! {
    pallet "Notes";
    /// Each account's note, with the block of its last change.
    pub Notes: map Blake2_128Concat AccountId => Note;
    /// How many times the v1 to v2 migration ran (it must be once).
    pub MigrationRuns: value u32 = default;
}

/// The pallet's calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Sets the caller's note.
    #[codec(index = 0)]
    set_note {
        /// The text.
        text: Text,
    },
    /// Removes the caller's note (v2).
    #[cfg(feature = "v2")]
    #[codec(index = 1)]
    clear_note,
}

/// The pallet's events.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Event {
    /// An account set its note.
    #[codec(index = 0)]
    NoteSet {
        /// The account.
        who: AccountId,
    },
    /// An account removed its note (v2).
    #[cfg(feature = "v2")]
    #[codec(index = 1)]
    NoteCleared {
        /// The account.
        who: AccountId,
    },
    /// The v1 notes were converted to v2 (v2).
    #[cfg(feature = "v2")]
    #[codec(index = 2)]
    Migrated {
        /// How many notes.
        notes: u32,
    },
}

/// The pallet's errors.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Error {
    /// The account has no note.
    NoNote,
}

cpc_support::pallet_error!(Error, PALLET);

/// Genesis: notes to start with.
#[derive(Clone, Default, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisConfig {
    /// `(account, text)`.
    pub notes: Vec<(AccountId, String)>,
}

/// The notes pallet.
pub struct Pallet<T>(PhantomData<T>);

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        System::<T>::deposit_event(<T as cpc_pallet_system::Config>::RuntimeEvent::from(event));
    }

    /// The text of `who`'s note.
    pub fn note(who: &AccountId) -> Option<Text> {
        #[cfg(not(feature = "v2"))]
        return Notes::get(who);
        #[cfg(feature = "v2")]
        return Notes::get(who).map(|note| note.text);
    }

    fn store(who: &AccountId, text: Text) {
        #[cfg(not(feature = "v2"))]
        Notes::insert(who, &text);
        #[cfg(feature = "v2")]
        Notes::insert(
            who,
            &Note {
                text,
                updated: System::<T>::block_number(),
            },
        );
    }

    /// Converts every v1 note to v2, once: the first block with v2 code runs this.
    #[cfg(feature = "v2")]
    fn migrate_v1_to_v2() -> Weight {
        if cpc_support::storage::version::on_chain(PALLET) >= 1 {
            return Weight::ZERO;
        }
        let count = match migrations::v1_to_v2::migrate(System::<T>::block_number()) {
            Ok(count) => count,
            // Half-converted notes would be read wrongly ever after: stop the block instead
            // (`cpchain upgrade check` reports this before the upgrade is voted on).
            Err(key) => panic!(
                "notes migration: the note under key 0x{} does not decode",
                migrations::hex(&key)
            ),
        };
        cpc_support::storage::version::put(PALLET, 1);
        MigrationRuns::mutate_or_default(|runs| *runs += 1);
        Self::deposit_event(Event::Migrated { notes: count });
        cpc_pallet_system::weights::weight(1_000, 1, 2).saturating_mul(u64::from(count).max(1))
    }
}

impl<T: Config> Hooks for Pallet<T> {
    #[cfg(feature = "v2")]
    fn on_runtime_upgrade() -> Weight {
        Self::migrate_v1_to_v2()
    }
}

impl<T: Config> PalletDef for Pallet<T> {
    const NAME: &'static str = PALLET;
    type Call = Call;
    type Event = Event;
    type Error = Error;
    type GenesisConfig = GenesisConfig;

    fn dispatch(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        let who = ensure_signed(origin)?;
        match call {
            Call::set_note { text } => {
                Self::store(&who, text);
                Self::deposit_event(Event::NoteSet { who });
            }
            #[cfg(feature = "v2")]
            Call::clear_note => {
                cpc_support::ensure!(Notes::contains_key(&who), Error::NoNote);
                Notes::remove(&who);
                Self::deposit_event(Event::NoteCleared { who });
            }
        }
        Ok(Default::default())
    }

    fn call_info(call: &Call) -> DispatchInfo {
        let weight = match call {
            Call::set_note { .. } => cpc_pallet_system::weights::weight(3_000, 1, 2),
            #[cfg(feature = "v2")]
            Call::clear_note => cpc_pallet_system::weights::weight(2_000, 1, 2),
        };
        DispatchInfo {
            weight,
            class: DispatchClass::Normal,
            pays_fee: Pays::Yes,
        }
    }

    fn build_genesis(config: &GenesisConfig) -> Result<(), String> {
        for (who, text) in &config.notes {
            let text = Text::try_from_vec(text.as_bytes().to_vec())
                .map_err(|_| alloc::format!("the note of {who} is longer than {MAX_NOTE} bytes"))?;
            Self::store(who, text);
        }
        Ok(())
    }

    fn storage_version() -> u16 {
        if cfg!(feature = "v2") { 1 } else { 0 }
    }

    fn storage_metadata() -> Vec<cpc_support::frame_metadata::v14::StorageEntryMetadata> {
        #[cfg(not(feature = "v2"))]
        return alloc::vec![Notes::entry_metadata()];
        #[cfg(feature = "v2")]
        return alloc::vec![Notes::entry_metadata(), MigrationRuns::entry_metadata()];
    }
}

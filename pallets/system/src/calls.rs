//! The pallet's calls: the `Call` enum clients encode, its dispatch, and one function per
//! call.

use crate::{Config, Error, Event, Pallet};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use cpc_primitives::{
    H256,
    dispatch::{DispatchClass, DispatchResult, DispatchResultWithPostInfo},
};
use cpc_support::{RawOrigin, ensure_root, ensure_signed};
use scale_info::TypeInfo;

/// The pallet's calls. Indices follow FRAME's system pallet; names are snake_case because
/// they are the call names clients see in metadata.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Makes some on-chain remark.
    #[codec(index = 0)]
    remark {
        /// The remark.
        remark: Vec<u8>,
    },
    /// Replaces the runtime code (root only). The new code must load, export every required
    /// function, keep `spec_name` and raise `spec_version`; it runs from the next block on.
    #[codec(index = 2)]
    set_code {
        /// The wasm code.
        code: Vec<u8>,
    },
    /// Sets some items of storage (root only).
    #[codec(index = 4)]
    set_storage {
        /// Key-value pairs.
        items: Vec<(Vec<u8>, Vec<u8>)>,
    },
    /// Kills some items from storage (root only).
    #[codec(index = 5)]
    kill_storage {
        /// The keys.
        keys: Vec<Vec<u8>>,
    },
    /// Kills all storage items with a key that starts with the given prefix (root only).
    /// `subkeys` bounds the work: at most that many keys are removed.
    #[codec(index = 6)]
    kill_prefix {
        /// The prefix.
        prefix: Vec<u8>,
        /// The most keys to remove.
        subkeys: u32,
    },
    /// Makes some on-chain remark and emits an event with its hash.
    #[codec(index = 7)]
    remark_with_event {
        /// The remark.
        remark: Vec<u8>,
    },
}

impl<T: Config> Pallet<T> {
    pub(crate) fn dispatch_call(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match call {
            Call::remark { remark } => Self::do_remark(origin, remark),
            Call::set_code { code } => Self::do_set_code(origin, code),
            Call::remark_with_event { remark } => Self::do_remark_with_event(origin, remark),
            Call::set_storage { items } => Self::do_set_storage(origin, items),
            Call::kill_storage { keys } => Self::do_kill_storage(origin, keys),
            Call::kill_prefix { prefix, subkeys } => Self::do_kill_prefix(origin, prefix, subkeys),
        }?;
        Ok(Default::default())
    }

    fn do_remark(origin: RawOrigin, remark: Vec<u8>) -> DispatchResult {
        ensure_signed(origin)?;
        cpc_support::ensure!(
            remark.len() as u64 <= u64::from(T::BLOCK_LENGTH.max_total(DispatchClass::Normal)),
            Error::RemarkTooLong
        );
        Ok(())
    }

    fn do_set_code(origin: RawOrigin, code: Vec<u8>) -> DispatchResult {
        ensure_root(origin)?;
        Self::can_set_code(&code)?;
        Self::update_code(&code);
        Ok(())
    }

    fn do_remark_with_event(origin: RawOrigin, remark: Vec<u8>) -> DispatchResult {
        let sender = ensure_signed(origin)?;
        let hash = H256(cpc_io::hashing::blake2_256(&remark));
        Self::deposit_event(Event::Remarked { sender, hash });
        Ok(())
    }

    fn do_set_storage(origin: RawOrigin, items: Vec<(Vec<u8>, Vec<u8>)>) -> DispatchResult {
        ensure_root(origin)?;
        for (key, value) in &items {
            cpc_io::storage::set(key, value);
        }
        Ok(())
    }

    fn do_kill_storage(origin: RawOrigin, keys: Vec<Vec<u8>>) -> DispatchResult {
        ensure_root(origin)?;
        for key in &keys {
            cpc_io::storage::clear(key);
        }
        Ok(())
    }

    fn do_kill_prefix(origin: RawOrigin, prefix: Vec<u8>, subkeys: u32) -> DispatchResult {
        ensure_root(origin)?;
        cpc_io::storage::clear_prefix(&prefix, Some(subkeys));
        Ok(())
    }
}

//! A single value.

use super::{StorageInstance, decode_stored, modifier};
use crate::metadata::StorageEntry;
use alloc::vec::Vec;
use codec::{Decode, Encode, FullCodec};
use core::marker::PhantomData;
use frame_metadata::v14::{StorageEntryMetadata, StorageEntryType};
use scale_info::{TypeInfo, meta_type};

/// A value stored under `twox128(pallet) ++ twox128(item)`.
pub struct StorageValue<P, V>(PhantomData<(P, V)>);

impl<P: StorageInstance, V: FullCodec> StorageValue<P, V> {
    /// The storage key.
    pub fn hashed_key() -> [u8; 32] {
        P::PREFIX
    }

    /// The value, if present (and decodable).
    pub fn get() -> Option<V> {
        cpc_io::storage::get(&P::PREFIX).and_then(|raw| decode_stored(&P::PREFIX, &raw))
    }

    /// The value, or the type's default when absent.
    pub fn get_or_default() -> V
    where
        V: Default,
    {
        Self::get().unwrap_or_default()
    }

    /// The value, or an error if it does not decode.
    pub fn try_get() -> Result<Option<V>, codec::Error> {
        cpc_io::storage::get(&P::PREFIX)
            .map(|raw| <V as codec::DecodeAll>::decode_all(&mut &raw[..]))
            .transpose()
    }

    /// Whether a value is stored.
    pub fn exists() -> bool {
        cpc_io::storage::exists(&P::PREFIX)
    }

    /// Stores `value`.
    pub fn put(value: &V) {
        value.using_encoded(|bytes| cpc_io::storage::set(&P::PREFIX, bytes))
    }

    /// Removes the value.
    pub fn kill() {
        cpc_io::storage::clear(&P::PREFIX)
    }

    /// Removes and returns the value.
    pub fn take() -> Option<V> {
        let value = Self::get();
        Self::kill();
        value
    }

    /// Changes the value in place; `None` means absent (and removes it).
    pub fn mutate<R>(f: impl FnOnce(&mut Option<V>) -> R) -> R {
        let mut value = Self::get();
        let result = f(&mut value);
        match value {
            Some(v) => Self::put(&v),
            None => Self::kill(),
        }
        result
    }

    /// Changes the value in place, or leaves it untouched if `f` fails.
    pub fn try_mutate<R, E>(f: impl FnOnce(&mut Option<V>) -> Result<R, E>) -> Result<R, E> {
        let mut value = Self::get();
        let result = f(&mut value)?;
        match value {
            Some(v) => Self::put(&v),
            None => Self::kill(),
        }
        Ok(result)
    }

    /// Changes the value in place, starting from the default when absent, and stores it.
    pub fn mutate_or_default<R>(f: impl FnOnce(&mut V) -> R) -> R
    where
        V: Default,
    {
        let mut value = Self::get_or_default();
        let result = f(&mut value);
        Self::put(&value);
        result
    }
}

impl<P: StorageInstance, I: Encode + Decode> StorageValue<P, Vec<I>> {
    /// Appends `item` to the stored vector without decoding it (O(item) per call).
    pub fn append(item: &I) {
        item.using_encoded(|bytes| cpc_io::storage::append(&P::PREFIX, bytes))
    }

    /// The number of items, reading only the length prefix.
    pub fn decode_len() -> Option<usize> {
        let raw = cpc_io::storage::get(&P::PREFIX)?;
        codec::Compact::<u32>::decode(&mut &raw[..])
            .ok()
            .map(|c| c.0 as usize)
    }
}

impl<P: StorageInstance, V: TypeInfo + 'static> StorageEntry for StorageValue<P, V> {
    fn entry_metadata() -> StorageEntryMetadata {
        let (modifier, default) = modifier::<P>();
        StorageEntryMetadata {
            name: P::ITEM,
            modifier,
            ty: StorageEntryType::Plain(meta_type::<V>()),
            default,
            docs: P::DOCS.to_vec(),
        }
    }
}

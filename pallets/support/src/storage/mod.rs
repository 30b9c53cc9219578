//! Typed storage.
//!
//! Keys follow FRAME's layout: `twox128(pallet) ++ twox128(item)` for a value, then
//! `hasher(SCALE(key))` per map key. Declare a pallet's items with [`storage!`](crate::storage!):
//!
//! ```ignore
//! cpc_support::storage! {
//!     pallet "Balances";
//!     /// Total issuance.
//!     pub TotalIssuance: value Balance = default;
//!     /// Locks per account.
//!     pub Locks: map Blake2_128Concat AccountId => BoundedVec<BalanceLock, ConstU32<16>> = default;
//! }
//! ```
//!
//! which expands to a prefix type and a type alias per item, such as
//! `pub type TotalIssuance = StorageValue<TotalIssuancePrefix, Balance>;`. `= default` marks
//! items that read as their type's default when absent (a `Default` modifier in metadata);
//! `= empty` does the same for generic items whose default is an empty vector.
//!
//! Values that fail to decode read as absent and log an error: stored data is written by the
//! runtime itself, so this only happens after a faulty migration, and the runtime must keep
//! going rather than halt the chain.

mod double_map;
mod map;
pub mod unhashed;
mod value;
pub mod version;

pub use cpc_primitives::storage::{
    Blake2_128Concat, HasherKind, Identity, StorageHasher, Twox64Concat, storage_prefix,
};
pub use double_map::StorageDoubleMap;
pub use map::{MapIter, StorageMap};
pub use value::StorageValue;

use alloc::vec::Vec;

/// Names a storage item: its pallet and item names, docs, and default.
pub trait StorageInstance: 'static {
    /// The pallet's name (the first half of the key prefix).
    const PALLET: &'static str;
    /// The item's name (the second half of the key prefix).
    const ITEM: &'static str;
    /// Documentation, for metadata.
    const DOCS: &'static [&'static str];
    /// The encoded value read when the key is absent, for items declared `= default`.
    const DEFAULT: Option<fn() -> Vec<u8>>;
    /// `twox128(PALLET) ++ twox128(ITEM)`, computed at compile time.
    const PREFIX: [u8; 32] = storage_prefix(Self::PALLET, Self::ITEM);
}

/// Metadata of a hasher.
pub(crate) fn hasher_metadata(kind: HasherKind) -> frame_metadata::v14::StorageHasher {
    use frame_metadata::v14::StorageHasher as M;
    match kind {
        HasherKind::Blake2_128Concat => M::Blake2_128Concat,
        HasherKind::Twox64Concat => M::Twox64Concat,
        HasherKind::Identity => M::Identity,
    }
}

/// The `modifier` and `default` of an item's metadata.
pub(crate) fn modifier<P: StorageInstance>() -> (frame_metadata::v14::StorageEntryModifier, Vec<u8>)
{
    use frame_metadata::v14::StorageEntryModifier;
    match P::DEFAULT {
        Some(default) => (StorageEntryModifier::Default, default()),
        None => (StorageEntryModifier::Optional, alloc::vec![0]),
    }
}

/// Decodes a stored value, logging (not panicking on) corruption.
pub(crate) fn decode_stored<V: codec::Decode>(key: &[u8], raw: &[u8]) -> Option<V> {
    match <V as codec::DecodeAll>::decode_all(&mut &raw[..]) {
        Ok(v) => Some(v),
        Err(e) => {
            log::error!(
                target: "runtime::storage",
                "corrupted value under key 0x{}: {e:?}",
                Hex(key)
            );
            None
        }
    }
}

struct Hex<'a>(&'a [u8]);

impl core::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Declares a pallet's storage items: a prefix type and a type alias for each.
///
/// Syntax per item: `$(#[doc])* $vis Name$(<T, ...>)?: value V;`,
/// `...: map Hasher K => V;` or `...: double_map H1 K1, H2 K2 => V;`, each optionally ending
/// with `= default` (absent reads as `V::default()`) or `= empty` (for generic `Vec` items).
#[macro_export]
macro_rules! storage {
    (pallet $pallet:literal; $($items:tt)*) => {
        $crate::storage!(@item $pallet; $($items)*);
    };
    (@item $pallet:literal;) => {};
    (@item $pallet:literal;
        $(#[doc = $doc:expr])* $vis:vis $name:ident $(<$($g:ident),+>)? : value $v:ty $(= $default:ident)?;
        $($rest:tt)*
    ) => {
        $crate::storage!(@prefix $pallet, $name, $v, [$($doc),*] $(, $default)?);
        $(#[doc = $doc])*
        $vis type $name $(<$($g),+>)? =
            $crate::storage::StorageValue<$crate::paste::paste!([<$name Prefix>]), $v>;
        $crate::storage!(@item $pallet; $($rest)*);
    };
    (@item $pallet:literal;
        $(#[doc = $doc:expr])* $vis:vis $name:ident $(<$($g:ident),+>)? :
            map $h:ident $k:ty => $v:ty $(= $default:ident)?;
        $($rest:tt)*
    ) => {
        $crate::storage!(@prefix $pallet, $name, $v, [$($doc),*] $(, $default)?);
        $(#[doc = $doc])*
        $vis type $name $(<$($g),+>)? = $crate::storage::StorageMap<
            $crate::paste::paste!([<$name Prefix>]),
            $crate::storage::$h,
            $k,
            $v,
        >;
        $crate::storage!(@item $pallet; $($rest)*);
    };
    (@item $pallet:literal;
        $(#[doc = $doc:expr])* $vis:vis $name:ident $(<$($g:ident),+>)? :
            double_map $h1:ident $k1:ty, $h2:ident $k2:ty => $v:ty $(= $default:ident)?;
        $($rest:tt)*
    ) => {
        $crate::storage!(@prefix $pallet, $name, $v, [$($doc),*] $(, $default)?);
        $(#[doc = $doc])*
        $vis type $name $(<$($g),+>)? = $crate::storage::StorageDoubleMap<
            $crate::paste::paste!([<$name Prefix>]),
            $crate::storage::$h1,
            $k1,
            $crate::storage::$h2,
            $k2,
            $v,
        >;
        $crate::storage!(@item $pallet; $($rest)*);
    };
    (@prefix $pallet:literal, $name:ident, $v:ty, [$($doc:expr),*]) => {
        $crate::storage!(@prefix_impl $pallet, $name, [$($doc),*], None);
    };
    (@prefix $pallet:literal, $name:ident, $v:ty, [$($doc:expr),*], empty) => {
        $crate::storage!(@prefix_impl $pallet, $name, [$($doc),*], Some(|| $crate::alloc_vec![0u8]));
    };
    (@prefix $pallet:literal, $name:ident, $v:ty, [$($doc:expr),*], default) => {
        $crate::storage!(@prefix_impl $pallet, $name, [$($doc),*],
            Some(|| $crate::codec::Encode::encode(&<$v as Default>::default())));
    };
    (@prefix_impl $pallet:literal, $name:ident, [$($doc:expr),*], $default:expr) => {
        $crate::paste::paste! {
            #[doc = concat!("The key prefix of [`", stringify!($name), "`].")]
            pub struct [<$name Prefix>];

            impl $crate::storage::StorageInstance for [<$name Prefix>] {
                const PALLET: &'static str = $pallet;
                const ITEM: &'static str = stringify!($name);
                const DOCS: &'static [&'static str] = &[$($doc),*];
                const DEFAULT: Option<fn() -> $crate::storage::RawValue> = $default;
            }
        }
    };
}

/// Encoded bytes of a storage value.
pub type RawValue = Vec<u8>;

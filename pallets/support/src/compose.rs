//! Runtime composition.
//!
//! [`compose_runtime!`](crate::compose_runtime!) takes the runtime's name and its pallets with
//! explicit, stable indices, and writes the plain code that joins them:
//!
//! - `RuntimeCall`, `RuntimeEvent` and `RuntimeError`: one variant per pallet, SCALE index =
//!   pallet index;
//! - dispatch, dispatch info and inherent handling for `RuntimeCall`, each a `match` over the
//!   pallets;
//! - `AllPallets`: the tuple of pallets, whose [`Hooks`](crate::Hooks) run in index order;
//! - [`PalletIndex`](crate::PalletIndex) for the runtime, to resolve pallet errors;
//! - `RuntimeGenesisConfig`, one field per pallet, read from JSON;
//! - `pallets_metadata()`.
//!
//! `docs/chain-builders-guide.md` shows the full expansion for a small runtime.

use alloc::vec::Vec;

#[doc(hidden)]
pub use alloc::string::String;
#[doc(hidden)]
pub use cpc_primitives::{
    inherent::InherentData,
    transaction_validity::{TransactionSource, TransactionValidity},
};

/// What the executive needs from `RuntimeCall` beyond dispatch: inherents and unsigned
/// validation, implemented by `compose_runtime!` by asking each pallet.
pub trait CallInherents: Sized {
    /// Whether this call is an inherent.
    fn is_inherent(&self) -> bool;
    /// Checks an inherent against this node's inherent data.
    fn check_inherent(&self, data: &InherentData) -> Result<(), &'static str>;
    /// Validates the call as an unsigned transaction.
    fn validate_unsigned(&self, source: TransactionSource) -> TransactionValidity;
    /// The inherents every pallet wants in a block with `data`, in pallet order.
    fn create_inherents(data: &InherentData) -> Vec<Self>;
    /// The name of a pallet whose required inherent is missing from `calls`, if any.
    fn missing_required_inherent<'a>(
        calls: impl Iterator<Item = &'a Self> + Clone,
    ) -> Option<&'static str>
    where
        Self: 'a;
}

/// The JSON key of a pallet in a genesis config: its name with a lowercase first letter
/// (`System` -> `system`, `TransactionPayment` -> `transactionPayment`), as in Substrate.
pub fn genesis_key(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Composes pallets into a runtime. See the [module docs](self).
///
/// Each pallet is named by its crate (or a `use`d module path): the macro uses its `Pallet`,
/// `Call`, `Event` and `GenesisConfig` items. A pallet whose calls carry runtime calls (sudo,
/// council) has a generic `Call<T>`; write it `Name: module<Runtime> = index`.
///
/// ```ignore
/// cpc_support::compose_runtime! {
///     pub struct Runtime;
///     pallets {
///         System: cpc_pallet_system = 0,
///         Timestamp: cpc_pallet_timestamp = 1,
///         Balances: cpc_pallet_balances = 2,
///     }
/// }
/// ```
#[macro_export]
macro_rules! compose_runtime {
    (
        $(#[$meta:meta])*
        pub struct $runtime:ident;
        pallets {
            $($name:ident : $module:ident $(<$generic:ident>)? = $index:literal),+ $(,)?
        }
    ) => { $crate::paste::paste! {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Debug, $crate::scale_info::TypeInfo)]
        #[scale_info(crate = $crate::scale_info)]
        pub struct $runtime;

        /// A call of any pallet: the pallet index, then the pallet's call.
        #[derive(
            Clone, PartialEq, Eq, Debug,
            $crate::codec::Encode, $crate::codec::Decode, $crate::scale_info::TypeInfo,
        )]
        #[codec(crate = $crate::codec)]
        #[scale_info(crate = $crate::scale_info)]
        pub enum RuntimeCall {
            $(
                #[doc = concat!("A call of `", stringify!($name), "`.")]
                #[codec(index = $index)]
                $name($module::Call$(<$generic>)?),
            )+
        }

        /// An event of any pallet: the pallet index, then the pallet's event.
        #[derive(
            Clone, PartialEq, Eq, Debug,
            $crate::codec::Encode, $crate::codec::Decode, $crate::scale_info::TypeInfo,
        )]
        #[codec(crate = $crate::codec)]
        #[scale_info(crate = $crate::scale_info)]
        pub enum RuntimeEvent {
            $(
                #[doc = concat!("An event of `", stringify!($name), "`.")]
                #[codec(index = $index)]
                $name($module::Event),
            )+
        }

        /// An error of any pallet: the pallet index, then the pallet's error (what a
        /// `DispatchError::Module` names, for clients that decode it; metadata V15).
        #[derive(
            Clone, PartialEq, Eq, Debug,
            $crate::codec::Encode, $crate::codec::Decode, $crate::scale_info::TypeInfo,
        )]
        #[codec(crate = $crate::codec)]
        #[scale_info(crate = $crate::scale_info)]
        pub enum RuntimeError {
            $(
                #[doc = concat!("An error of `", stringify!($name), "`.")]
                #[codec(index = $index)]
                $name($module::Error),
            )+
        }

        $(
            impl From<$module::Event> for RuntimeEvent {
                fn from(event: $module::Event) -> Self {
                    Self::$name(event)
                }
            }
        )+

        impl $crate::Dispatchable for RuntimeCall {
            fn dispatch(self, origin: $crate::RawOrigin) -> $crate::DispatchResultWithPostInfo {
                match self {
                    $(Self::$name(call) => <$module::Pallet<$runtime> as $crate::PalletDef>::dispatch(call, origin),)+
                }
            }
        }

        impl $crate::GetDispatchInfo for RuntimeCall {
            fn get_dispatch_info(&self) -> $crate::DispatchInfo {
                match self {
                    $(Self::$name(call) => <$module::Pallet<$runtime> as $crate::PalletDef>::call_info(call),)+
                }
            }
        }

        impl $crate::compose::CallInherents for RuntimeCall {
            fn is_inherent(&self) -> bool {
                match self {
                    $(Self::$name(call) => <$module::Pallet<$runtime> as $crate::PalletDef>::is_inherent(call),)+
                }
            }

            fn check_inherent(
                &self,
                data: &$crate::compose::InherentData,
            ) -> Result<(), &'static str> {
                match self {
                    $(Self::$name(call) => <$module::Pallet<$runtime> as $crate::PalletDef>::check_inherent(call, data),)+
                }
            }

            fn validate_unsigned(
                &self,
                source: $crate::compose::TransactionSource,
            ) -> $crate::compose::TransactionValidity {
                match self {
                    $(Self::$name(call) => <$module::Pallet<$runtime> as $crate::PalletDef>::validate_unsigned(call, source),)+
                }
            }

            fn create_inherents(data: &$crate::compose::InherentData) -> $crate::alloc_vec::Vec<Self> {
                let mut calls = $crate::alloc_vec::Vec::new();
                $(
                    if let Some(call) = <$module::Pallet<$runtime> as $crate::PalletDef>::create_inherent(data) {
                        calls.push(Self::$name(call));
                    }
                )+
                calls
            }

            fn missing_required_inherent<'a>(
                calls: impl Iterator<Item = &'a Self> + Clone,
            ) -> Option<&'static str> {
                $(
                    if <$module::Pallet<$runtime> as $crate::PalletDef>::inherent_required()
                        && !calls.clone().any(|call| matches!(
                            call,
                            Self::$name(inner) if <$module::Pallet<$runtime> as $crate::PalletDef>::is_inherent(inner)
                        ))
                    {
                        return Some(<$module::Pallet<$runtime> as $crate::PalletDef>::NAME);
                    }
                )+
                None
            }
        }

        impl $crate::PalletIndex for $runtime {
            fn index_of(name: &str) -> Option<u8> {
                $(
                    if name == <$module::Pallet<$runtime> as $crate::PalletDef>::NAME {
                        return Some($index);
                    }
                )+
                None
            }
        }

        /// Every pallet, in index order; hooks run in this order.
        pub type AllPallets = ($($module::Pallet<$runtime>,)+);

        /// The genesis configuration of every pallet.
        #[derive(Default)]
        pub struct RuntimeGenesisConfig {
            $(
                #[doc = concat!("Genesis of `", stringify!($name), "`.")]
                pub [<$name:snake>]: $module::GenesisConfig,
            )+
        }

        impl RuntimeGenesisConfig {
            /// Reads a JSON object keyed by pallet (`{"balances": {...}}`); pallets left out
            /// get their default configuration, unknown keys are an error.
            pub fn from_json(json: &[u8]) -> Result<Self, $crate::compose::String> {
                use $crate::alloc_vec::Vec;
                let value: $crate::serde_json::Value = $crate::serde_json::from_slice(json)
                    .map_err(|e| $crate::compose::format_error("genesis config is not JSON", e))?;
                let $crate::serde_json::Value::Object(mut object) = value else {
                    return Err("genesis config must be a JSON object".into());
                };
                let mut config = Self::default();
                $(
                    if let Some(part) = object.remove(&$crate::compose::genesis_key(stringify!($name))) {
                        config.[<$name:snake>] = $crate::serde_json::from_value(part).map_err(|e| {
                            $crate::compose::format_error(concat!("genesis config of ", stringify!($name)), e)
                        })?;
                    }
                )+
                if !object.is_empty() {
                    let keys: Vec<_> = object.keys().cloned().collect();
                    return Err($crate::compose::format_error("unknown pallets in genesis config", keys.join(", ")));
                }
                Ok(config)
            }

            /// The configuration as JSON.
            pub fn to_json(&self) -> $crate::serde_json::Value {
                let mut object = $crate::serde_json::Map::new();
                $(
                    object.insert(
                        $crate::compose::genesis_key(stringify!($name)),
                        $crate::serde_json::to_value(&self.[<$name:snake>])
                            .expect("genesis configs serialize to JSON; qed"),
                    );
                )+
                $crate::serde_json::Value::Object(object)
            }

            /// Writes every pallet's genesis state, in index order.
            pub fn build(&self) -> Result<(), $crate::compose::String> {
                $(
                    <$module::Pallet<$runtime> as $crate::PalletDef>::build_genesis(&self.[<$name:snake>]).map_err(|e| {
                        $crate::compose::format_error(concat!("genesis of ", stringify!($name)), e)
                    })?;
                    $crate::storage::version::put(
                        <$module::Pallet<$runtime> as $crate::PalletDef>::NAME,
                        <$module::Pallet<$runtime> as $crate::PalletDef>::storage_version(),
                    );
                )+
                Ok(())
            }
        }

        impl $runtime {
            /// `(pallet, stored storage version, version of this code)` for every pallet.
            pub fn storage_versions() -> $crate::alloc_vec::Vec<(&'static str, u16, u16)> {
                $crate::alloc_vec![$((
                    <$module::Pallet<$runtime> as $crate::PalletDef>::NAME,
                    $crate::storage::version::on_chain(<$module::Pallet<$runtime> as $crate::PalletDef>::NAME),
                    <$module::Pallet<$runtime> as $crate::PalletDef>::storage_version(),
                )),+]
            }

            /// Metadata of every pallet.
            pub fn pallets_metadata() -> $crate::alloc_vec::Vec<$crate::frame_metadata::v15::PalletMetadata> {
                $crate::alloc_vec![$($crate::metadata::pallet::<$module::Pallet<$runtime>>($index)),+]
            }
        }
    }};
}

#[doc(hidden)]
pub fn format_error(context: &str, e: impl core::fmt::Display) -> String {
    alloc::format!("{context}: {e}")
}

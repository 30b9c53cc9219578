//! Pallet errors.
//!
//! A pallet's `Error` is a plain fieldless enum deriving `Encode` and `TypeInfo`, with a doc
//! comment per variant (shown to users through metadata). [`pallet_error!`](crate::pallet_error!)
//! makes it convertible into [`DispatchError::Module`], carrying the pallet's name and the
//! variant's index and name; the runtime fills in the pallet index.

use codec::Encode;
use cpc_primitives::dispatch::{DispatchError, ModuleError};
use scale_info::{TypeDef, TypeInfo};

/// The [`DispatchError`] of `error`, a variant of pallet `pallet`'s error enum.
pub fn module_error<E: Encode + TypeInfo + 'static>(
    pallet: &'static str,
    error: &E,
) -> DispatchError {
    let index = error.using_encoded(|bytes| bytes.first().copied().unwrap_or(0));
    let message = match E::type_info().type_def {
        TypeDef::Variant(variants) => variants
            .variants
            .iter()
            .find(|v| v.index == index)
            .map(|v| v.name),
        _ => None,
    };
    DispatchError::Module(ModuleError {
        index: ModuleError::UNRESOLVED,
        error: [index, 0, 0, 0],
        pallet: Some(pallet),
        message,
    })
}

/// Makes a pallet's error enum convertible into `DispatchError`.
///
/// ```ignore
/// cpc_support::pallet_error!(Error, "Balances");
/// ```
#[macro_export]
macro_rules! pallet_error {
    ($error:ty, $pallet:expr) => {
        impl From<$error> for $crate::DispatchError {
            fn from(error: $error) -> Self {
                $crate::error::module_error($pallet, &error)
            }
        }
    };
}

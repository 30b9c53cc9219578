//! Exporting a runtime's APIs.
//!
//! The APIs are declared once in `cpc-api` (and in the pallets' primitives crates); the runtime
//! implements their traits. [`runtime_apis!`](crate::runtime_apis!) then lists, for each
//! method the runtime exports, the export's name and the method's marker, and produces both
//! ways to call them:
//!
//! - on wasm32, an export `<Api>_<method>(ptr: i32, len: i32) -> i64` per method: it decodes
//!   the SCALE-encoded argument tuple from guest memory, calls the runtime's implementation,
//!   and returns the encoded result as `(len << 32) | ptr` (see `docs/runtime-abi.md`);
//! - natively, `dispatch(method, input) -> Option<Vec<u8>>` over the same methods, which the
//!   node's native executor calls with the same bytes as it passes to wasm.
//!
//! An export whose name is not the one its declaration gives fails to compile (a `const`
//! assertion), so the list cannot drift from the declarations. Input that does not decode is a
//! panic with the method's name (a trap in wasm), never undefined behaviour.

pub use cpc_api::{Method, UpgradeReport};

/// Whether two strings are equal, at compile time.
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Exports a runtime's API methods. See the [module docs](self).
///
/// ```ignore
/// cpc_support::runtime_apis! {
///     Runtime {
///         Core_version => cpc_api::core::version;
///         Core_execute_block => cpc_api::core::execute_block;
///     }
/// }
/// ```
///
/// expands to `API_METHODS` (the export names), `dispatch` (a `match` from each name to
/// `<marker>::dispatch::<Runtime>(input)`), a `const` assertion per export that its name is
/// its marker's `Method::NAME`, and on wasm32 an `extern "C"` function per export calling
/// `dispatch`. Attributes written before an entry (`#[cfg(..)]`) are put on each of those, so
/// a runtime built with and without a pallet exports its API only where it has the pallet.
#[macro_export]
macro_rules! runtime_apis {
    ($runtime:ty { $($(#[$attr:meta])* $export:ident => $method:ty;)+ }) => {
        /// The names of every API function this runtime exports.
        pub const API_METHODS: &[&str] = &[$($(#[$attr])* stringify!($export)),+];

        $(
            $(#[$attr])*
            const _: () = assert!(
                $crate::api::str_eq(
                    stringify!($export),
                    <$method as $crate::api::Method>::NAME,
                ),
                concat!("the export ", stringify!($export), " is not named as its declaration"),
            );
        )+

        /// Calls API function `method` with its encoded arguments; `None` if there is no such
        /// function. The native executor's entry point, equal to the wasm exports.
        pub fn dispatch(method: &str, input: &[u8]) -> Option<$crate::alloc_vec::Vec<u8>> {
            match method {
                $($(#[$attr])* stringify!($export) => Some(<$method>::dispatch::<$runtime>(input)),)+
                _ => None,
            }
        }

        /// The wasm exports.
        #[cfg(all(target_arch = "wasm32", not(feature = "std")))]
        pub mod wasm_exports {
            $(
                $(#[$attr])*
                #[unsafe(no_mangle)]
                #[allow(non_snake_case)]
                #[doc = concat!("Export of `", stringify!($export), "`.")]
                pub extern "C" fn $export(ptr: *const u8, len: u32) -> i64 {
                    $crate::io::logging::RuntimeLogger::init();
                    // SAFETY: the host placed `len` bytes at `ptr` through `cpc_alloc`.
                    let input = unsafe { $crate::io::abi::input(ptr, len) };
                    let output = super::dispatch(stringify!($export), input)
                        .expect("every export has a dispatch arm; qed");
                    $crate::io::abi::output(output)
                }
            )+
        }
    };
}

#[cfg(test)]
mod tests {
    use super::str_eq;

    #[test]
    fn str_eq_compares_bytes() {
        assert!(str_eq("Core_version", "Core_version"));
        assert!(!str_eq("Core_version", "Core_versio"));
        assert!(!str_eq("Core_version", "Core_Version"));
        assert!(str_eq("", ""));
    }
}

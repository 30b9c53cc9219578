//! Runtime API entry points.
//!
//! [`runtime_apis!`](crate::runtime_apis!) lists a runtime's API functions once and produces
//! both ways to call them:
//!
//! - on wasm32, an export `<Api>_<method>(ptr: i32, len: i32) -> i64` per function: it decodes
//!   the SCALE-encoded argument tuple from guest memory, calls the function, and returns the
//!   encoded result as `(len << 32) | ptr` (see `docs/runtime-abi.md`);
//! - natively, `dispatch(method, input) -> Option<Vec<u8>>` over the same functions, which the
//!   node's native executor calls with the same bytes as it passes to wasm.
//!
//! Arguments come from the node, not from users, but are still decoded with limits; input that
//! does not decode is a panic with the method's name (a trap in wasm), never undefined behaviour.

use alloc::vec::Vec;
use codec::Decode;

/// Decodes an API call's argument tuple; panics (traps) with the method name if it does not.
pub fn decode_args<T: Decode>(method: &str, input: &[u8]) -> T {
    match cpc_primitives::limits::decode_bounded::<T>(input, usize::MAX) {
        Ok(args) => args,
        Err(e) => panic!("cannot decode the arguments of {method}: {e}"),
    }
}

/// Encodes an API call's result.
pub fn encode_result<T: codec::Encode>(result: T) -> Vec<u8> {
    result.encode()
}

/// Declares a runtime's API functions. See the [module docs](self).
///
/// ```ignore
/// cpc_support::runtime_apis! {
///     Core_version() -> RuntimeVersion => api::version();
///     Core_execute_block(block: Block) -> () => api::execute_block(block);
/// }
/// ```
#[macro_export]
macro_rules! runtime_apis {
    ($($method:ident($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty => $body:expr;)+) => {
        /// The names of every API function this runtime exports.
        pub const API_METHODS: &[&str] = &[$(stringify!($method)),+];

        /// Calls API function `method` with its encoded arguments; `None` if there is no such
        /// function. The native executor's entry point, equal to the wasm exports.
        pub fn dispatch(method: &str, input: &[u8]) -> Option<$crate::alloc_vec::Vec<u8>> {
            match method {
                $(
                    stringify!($method) => {
                        #[allow(unused_parens)]
                        let ($($arg,)*): ($($ty,)*) =
                            $crate::api::decode_args(stringify!($method), input);
                        let result: $ret = $body;
                        Some($crate::api::encode_result(result))
                    }
                )+
                _ => None,
            }
        }

        /// The wasm exports.
        #[cfg(all(target_arch = "wasm32", not(feature = "std")))]
        pub mod wasm_exports {
            $(
                #[unsafe(no_mangle)]
                #[allow(non_snake_case)]
                #[doc = concat!("Export of `", stringify!($method), "`.")]
                pub extern "C" fn $method(ptr: *const u8, len: u32) -> i64 {
                    $crate::io::logging::RuntimeLogger::init();
                    // SAFETY: the host placed `len` bytes at `ptr` through `cpc_alloc`.
                    let input = unsafe { $crate::io::abi::input(ptr, len) };
                    let output = super::dispatch(stringify!($method), input)
                        .expect("every export has a dispatch arm; qed");
                    $crate::io::abi::output(output)
                }
            )+
        }
    };
}

/// What `TryRuntime_on_runtime_upgrade` reports: the dry run of a runtime upgrade's migrations
/// on the current state.
#[derive(Clone, PartialEq, Eq, Debug, codec::Encode, codec::Decode)]
pub struct UpgradeReport {
    /// The weight the migrations reported.
    pub weight: cpc_primitives::weight::Weight,
    /// `(pallet, storage version before, after, version of the new code)`.
    pub versions: Vec<(alloc::string::String, u16, u16, u16)>,
    /// The pallets' invariant checks after the migrations (`Err` with the first failure).
    pub try_state: Result<(), alloc::string::String>,
}

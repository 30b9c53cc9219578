//! [`decl_runtime_api!`](crate::decl_runtime_api): one declaration of a runtime API, from which
//! the runtime gets a trait to implement and the node gets a typed marker per method.
//!
//! ```
//! # fn main() {}
//! cpc_api::decl_runtime_api! {
//!     /// Greets.
//!     pub trait Greeter in greeter, version 2 {
//!         /// A greeting for `name`.
//!         fn hello(name: u32) -> u64;
//!     }
//! }
//! ```
//!
//! expands to exactly this (a trait, and a module of constants and markers):
//!
//! ```
//! # fn main() {}
//! # use cpc_api::{Method, ApiId};
//! /// Greets.
//! pub trait Greeter {
//!     /// A greeting for `name`.
//!     fn hello(name: u32) -> u64;
//! }
//! /// Greets.
//! pub mod greeter {
//!     # use super::*;
//!     /// The API's name: the prefix of its exports, and what its id is the hash of.
//!     pub const NAME: &str = "Greeter";
//!     /// blake2b-64 of [`NAME`], as Substrate computes API ids.
//!     pub const ID: cpc_api::ApiId = cpc_api::api_id(NAME);
//!     /// The version this declaration describes.
//!     pub const VERSION: u32 = 2;
//!     /// A greeting for `name`.
//!     #[allow(non_camel_case_types)]
//!     pub struct hello;
//!     impl cpc_api::Method for hello {
//!         const NAME: &'static str = "Greeter_hello";
//!         type Args = (u32,);
//!         type Output = u64;
//!     }
//!     impl hello {
//!         /// Decodes the arguments, calls `R`'s implementation and encodes its result.
//!         pub fn dispatch<R: super::Greeter>(input: &[u8]) -> Vec<u8> {
//!             let (name,): (u32,) = cpc_api::decode_args(<hello as cpc_api::Method>::NAME, input);
//!             codec::Encode::encode(&R::hello(name))
//!         }
//!     }
//! }
//! ```
//!
//! A runtime that implements `Greeter` with a missing method, or with another signature, does
//! not compile:
//!
//! ```compile_fail,E0046
//! # fn main() {}
//! cpc_api::decl_runtime_api! {
//!     /// Greets.
//!     pub trait Greeter in greeter, version 1 {
//!         /// A greeting for `name`.
//!         fn hello(name: u32) -> u64;
//!     }
//! }
//! struct Runtime;
//! impl Greeter for Runtime {} // `hello` is missing
//! ```
//!
//! ```compile_fail,E0053
//! # fn main() {}
//! cpc_api::decl_runtime_api! {
//!     /// Greets.
//!     pub trait Greeter in greeter, version 1 {
//!         /// A greeting for `name`.
//!         fn hello(name: u32) -> u64;
//!     }
//! }
//! struct Runtime;
//! impl Greeter for Runtime {
//!     fn hello(name: u64) -> u64 { name } // the argument's type differs
//! }
//! ```
//!
//! and a node calling a method with the wrong argument types does not compile either:
//!
//! ```compile_fail,E0308
//! # fn main() {}
//! use cpc_api::{Method, core};
//! fn call<M: Method>(_args: M::Args) {}
//! fn node() {
//!     call::<core::execute_block>((7u32,)); // execute_block takes a block
//! }
//! ```

/// Declares a runtime API. See the [module docs](self) for the expansion.
#[macro_export]
macro_rules! decl_runtime_api {
    (
        $(#[$meta:meta])*
        pub trait $api:ident in $module:ident, version $version:literal {
            $(
                $(#[$method_meta:meta])*
                fn $method:ident($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty;
            )+
        }
    ) => {
        $(#[$meta])*
        pub trait $api {
            $(
                $(#[$method_meta])*
                fn $method($($arg: $ty),*) -> $ret;
            )+
        }

        $(#[$meta])*
        pub mod $module {
            #[allow(unused_imports)]
            use super::*;

            /// The API's name: the prefix of its exports, and what its id is the hash of.
            pub const NAME: &str = stringify!($api);
            /// blake2b-64 of [`NAME`], as Substrate computes API ids.
            pub const ID: $crate::ApiId = $crate::api_id(NAME);
            /// The version this declaration describes.
            pub const VERSION: u32 = $version;

            $(
                $(#[$method_meta])*
                #[allow(non_camel_case_types)]
                pub struct $method;

                impl $crate::Method for $method {
                    const NAME: &'static str = concat!(stringify!($api), "_", stringify!($method));
                    type Args = ($($ty,)*);
                    type Output = $ret;
                }

                impl $method {
                    /// Decodes the arguments, calls `R`'s implementation and encodes its result.
                    pub fn dispatch<R: super::$api>(input: &[u8]) -> $crate::alloc::vec::Vec<u8> {
                        #[allow(unused_parens)]
                        let ($($arg,)*): ($($ty,)*) =
                            $crate::decode_args(<$method as $crate::Method>::NAME, input);
                        $crate::codec::Encode::encode(&R::$method($($arg),*))
                    }
                }
            )+
        }
    };
}

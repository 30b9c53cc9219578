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
//!     /// The API as metadata V15 describes it to clients: its methods, their parameters'
//!     /// names and types, and the docs.
//!     pub fn api_metadata() -> cpc_api::frame_metadata::v15::RuntimeApiMetadata {
//!         use cpc_api::frame_metadata::v15::{RuntimeApiMethodMetadata, RuntimeApiMethodParamMetadata};
//!         cpc_api::frame_metadata::v15::RuntimeApiMetadata {
//!             name: NAME,
//!             methods: vec![RuntimeApiMethodMetadata {
//!                 name: "hello",
//!                 inputs: vec![RuntimeApiMethodParamMetadata {
//!                     name: "name",
//!                     ty: cpc_api::scale_info::meta_type::<u32>(),
//!                 }],
//!                 output: cpc_api::scale_info::meta_type::<u64>(),
//!                 docs: vec![" A greeting for `name`."],
//!             }],
//!             docs: vec![" Greets."],
//!         }
//!     }
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

/// Declares a runtime API. See the [module docs](self) for the expansion. Only doc comments
/// may annotate the trait and its methods: they become the API's docs in the metadata.
#[macro_export]
macro_rules! decl_runtime_api {
    (
        $(#[doc = $doc:literal])*
        pub trait $api:ident in $module:ident, version $version:literal {
            $(
                $(#[doc = $method_doc:literal])*
                fn $method:ident($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty;
            )+
        }
    ) => {
        $(#[doc = $doc])*
        pub trait $api {
            $(
                $(#[doc = $method_doc])*
                fn $method($($arg: $ty),*) -> $ret;
            )+
        }

        $(#[doc = $doc])*
        pub mod $module {
            #[allow(unused_imports)]
            use super::*;

            /// The API's name: the prefix of its exports, and what its id is the hash of.
            pub const NAME: &str = stringify!($api);
            /// blake2b-64 of [`NAME`], as Substrate computes API ids.
            pub const ID: $crate::ApiId = $crate::api_id(NAME);
            /// The version this declaration describes.
            pub const VERSION: u32 = $version;

            /// The API as metadata V15 describes it to clients: its methods, their parameters'
            /// names and types, and the docs.
            pub fn api_metadata() -> $crate::frame_metadata::v15::RuntimeApiMetadata {
                use $crate::frame_metadata::v15::{RuntimeApiMethodMetadata, RuntimeApiMethodParamMetadata};
                $crate::frame_metadata::v15::RuntimeApiMetadata {
                    name: NAME,
                    methods: $crate::alloc::vec![$(RuntimeApiMethodMetadata {
                        name: stringify!($method),
                        inputs: $crate::alloc::vec![$(RuntimeApiMethodParamMetadata {
                            name: stringify!($arg),
                            ty: $crate::scale_info::meta_type::<$ty>(),
                        }),*],
                        output: $crate::scale_info::meta_type::<$ret>(),
                        docs: $crate::alloc::vec![$($method_doc),*],
                    }),+],
                    docs: $crate::alloc::vec![$($doc),*],
                }
            }

            $(
                $(#[doc = $method_doc])*
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

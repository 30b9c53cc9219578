//! CPChain's runtime APIs, each declared once.
//!
//! A runtime API is a named group of functions the node calls in the runtime (`Core`,
//! `BlockBuilder`, ...). Each is declared here with [`decl_runtime_api!`] (a thin
//! `macro_rules!`; [`decl`] shows its expansion): its name, version and method signatures.
//! From that one declaration:
//!
//! - the runtime implements a trait (`impl cpc_api::Core for Runtime`), so a missing method or
//!   a wrong signature does not compile, and exports each method through
//!   `cpc_support::runtime_apis!`;
//! - the node names a method by its marker type (`cpc_api::core::version`), which carries the
//!   export name, the argument tuple and the result type ([`Method`]), so a call with the wrong
//!   arguments, or decoding the wrong result, does not compile;
//! - the id and version the runtime lists in its `RuntimeVersion` come from the same module
//!   (`core::ID`, `core::VERSION`).
//!
//! Names, ids, argument and result encodings follow Substrate's APIs of the versions declared,
//! so Substrate clients can call them. The pallets' own APIs (`HybridConsensusApi`,
//! `DataMarketApi`) are declared beside their types, in their primitives crates.

#![cfg_attr(not(feature = "std"), no_std)]

#[doc(hidden)]
pub extern crate alloc;
#[doc(hidden)]
pub use codec;
#[doc(hidden)]
pub use frame_metadata;
#[doc(hidden)]
pub use scale_info;

pub mod decl;
mod id;
mod payment;

pub use id::{ApiId, api_id};
pub use payment::{FeeDetails, InclusionFee, RuntimeDispatchInfo};

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};
use cpc_primitives::{
    AccountId, Balance, Block, H256, Header, Nonce, OpaqueExtrinsic,
    dispatch::ApplyExtrinsicResult,
    inherent::{CheckInherentsResult, InherentData},
    transaction_validity::{TransactionSource, TransactionValidity},
    weight::Weight,
};
use cpc_version::RuntimeVersion;

/// One method of a runtime API, as the node sees it: the export to call, what to encode, what
/// to decode. Implemented by the marker types [`decl_runtime_api!`] declares.
pub trait Method {
    /// The export: `<Api>_<method>`.
    const NAME: &'static str;
    /// The arguments, encoded as one tuple.
    type Args: Encode + Decode;
    /// The result.
    type Output: Encode + Decode;
}

/// Decodes a method's argument tuple in the runtime; panics (traps in wasm) with the method's
/// name if it does not decode. Arguments come from the node, not from users: the length is the
/// host's to bound, the nesting depth is limited here.
pub fn decode_args<T: Decode>(method: &str, input: &[u8]) -> T {
    match cpc_primitives::limits::decode_bounded::<T>(input, usize::MAX) {
        Ok(args) => args,
        Err(e) => panic!("cannot decode the arguments of {method}: {e}"),
    }
}

decl_runtime_api! {
    /// `Core`: the runtime's version, and executing blocks.
    pub trait Core in core, version 4 {
        /// The runtime's version.
        fn version() -> RuntimeVersion;
        /// Executes a whole block and checks it against its header (panics if it does not
        /// match).
        fn execute_block(block: Block) -> ();
        /// Starts building a block on top of `header.parent_hash`.
        fn initialize_block(header: Header) -> ();
    }
}

decl_runtime_api! {
    /// `Metadata`: FRAME metadata, prefixed with the `meta` magic.
    pub trait Metadata in metadata, version 2 {
        /// The metadata of the default version.
        fn metadata() -> Vec<u8>;
        /// The metadata at `version`, if the runtime produces it.
        fn metadata_at_version(version: u32) -> Option<Vec<u8>>;
        /// The metadata versions the runtime produces.
        fn metadata_versions() -> Vec<u32>;
    }
}

decl_runtime_api! {
    /// `BlockBuilder`: building a block extrinsic by extrinsic.
    pub trait BlockBuilder in block_builder, version 6 {
        /// Applies one extrinsic to the block being built.
        fn apply_extrinsic(xt: OpaqueExtrinsic) -> ApplyExtrinsicResult;
        /// Ends the block being built and returns its header.
        fn finalize_block() -> Header;
        /// The inherents to put first in a block.
        fn inherent_extrinsics(data: InherentData) -> Vec<OpaqueExtrinsic>;
        /// Checks a block's inherents against this node's inherent data.
        fn check_inherents(block: Block, data: InherentData) -> CheckInherentsResult;
    }
}

decl_runtime_api! {
    /// `TaggedTransactionQueue`: validating transactions for the pool.
    pub trait TaggedTransactionQueue in tagged_transaction_queue, version 3 {
        /// Checks a transaction on the state of `block_hash`.
        fn validate_transaction(
            source: TransactionSource,
            tx: OpaqueExtrinsic,
            block_hash: H256,
        ) -> TransactionValidity;
    }
}

decl_runtime_api! {
    /// `GenesisBuilder`: the genesis state from JSON, and named presets.
    pub trait GenesisBuilder in genesis_builder, version 1 {
        /// Writes the genesis state of a JSON configuration into the (empty) state.
        fn build_state(json: Vec<u8>) -> Result<(), String>;
        /// The JSON configuration of a preset (`None`: the development preset).
        fn get_preset(id: Option<String>) -> Option<Vec<u8>>;
        /// The names of the presets.
        fn preset_names() -> Vec<String>;
    }
}

decl_runtime_api! {
    /// `AccountNonceApi`: the next nonce of an account.
    pub trait AccountNonceApi in account_nonce_api, version 1 {
        /// The next nonce of `who`.
        fn account_nonce(who: AccountId) -> Nonce;
    }
}

decl_runtime_api! {
    /// `TransactionPaymentApi`: what a transaction costs.
    pub trait TransactionPaymentApi in transaction_payment_api, version 4 {
        /// Weight, class and fee (without tip) of an extrinsic of encoded length `len`.
        fn query_info(xt: OpaqueExtrinsic, len: u32) -> RuntimeDispatchInfo;
        /// The fee of an extrinsic of encoded length `len`, in its parts.
        fn query_fee_details(xt: OpaqueExtrinsic, len: u32) -> FeeDetails;
        /// The fee for `weight`.
        fn query_weight_to_fee(weight: Weight) -> Balance;
        /// The fee for `len` bytes.
        fn query_length_to_fee(len: u32) -> Balance;
    }
}

decl_runtime_api! {
    /// `UpgradeDryRunApi`: dry runs of runtime upgrades (`cpchain upgrade check`). Not
    /// Substrate's `TryRuntime` (whose id it would share while returning other types), and
    /// answered by the node's RPC only where unsafe methods are allowed: a dry run costs a
    /// migration of the whole state.
    pub trait UpgradeDryRunApi in upgrade_dry_run_api, version 1 {
        /// Runs every pallet's `on_runtime_upgrade` on the current state, as the first block
        /// with this code would, and (with `checks`) the pallets' invariant checks after.
        fn on_runtime_upgrade(checks: bool) -> UpgradeReport;
        /// What `set_code` would say about `code` on the current state, changing nothing.
        fn check_code(code: Vec<u8>) -> Result<RuntimeVersion, String>;
    }
}

/// A key type: four bytes naming what a key is for (`lbft`: the hybrid-consensus session key).
pub type KeyTypeId = [u8; 4];

decl_runtime_api! {
    /// `SessionKeys`: the keys a validator's node holds, generated in its keystore and
    /// registered on chain with a transaction (`author_rotateKeys`, `author_hasSessionKeys`).
    pub trait SessionKeys in session_keys, version 1 {
        /// Generates a new set of session keys in the node's keystore (from `seed`, a secret
        /// URI, when given) and returns their public keys, encoded.
        fn generate_session_keys(seed: Option<Vec<u8>>) -> Vec<u8>;
        /// Decodes encoded session keys into `(public key, key type)` pairs.
        fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>>;
    }
}

/// What `UpgradeDryRunApi_on_runtime_upgrade` reports: the dry run of a runtime upgrade's
/// migrations on the current state.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, scale_info::TypeInfo)]
pub struct UpgradeReport {
    /// The weight the migrations reported.
    pub weight: Weight,
    /// `(pallet, storage version before, after, version of the new code)`.
    pub versions: Vec<(String, u16, u16, u16)>,
    /// The pallets' invariant checks after the migrations (`Err` with the first failure).
    pub try_state: Result<(), String>,
}

/// The exports every runtime must have: without them a node cannot run its blocks. Runtime
/// upgrades to code lacking any of them are refused.
pub const REQUIRED_EXPORTS: &[&str] = &[
    "memory",
    "cpc_alloc",
    <core::version as Method>::NAME,
    <core::execute_block as Method>::NAME,
    <core::initialize_block as Method>::NAME,
    <block_builder::apply_extrinsic as Method>::NAME,
    <block_builder::finalize_block as Method>::NAME,
    <block_builder::inherent_extrinsics as Method>::NAME,
    <block_builder::check_inherents as Method>::NAME,
    <tagged_transaction_queue::validate_transaction as Method>::NAME,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_and_ids_follow_substrate() {
        assert_eq!(<core::version as Method>::NAME, "Core_version");
        assert_eq!(
            <tagged_transaction_queue::validate_transaction as Method>::NAME,
            "TaggedTransactionQueue_validate_transaction"
        );
        assert_eq!(core::ID, *b"\xdf\x6a\xcb\x68\x99\x07\x60\x9b");
        assert_eq!(metadata::ID, *b"\x37\xe3\x97\xfc\x7c\x91\xf5\xe4");
        assert_eq!(block_builder::ID, *b"\x40\xfe\x3a\xd4\x01\xf8\x95\x9a");
        assert_eq!(
            tagged_transaction_queue::ID,
            *b"\xd2\xbc\x98\x97\xee\xd0\x8f\x15"
        );
        assert_eq!(genesis_builder::ID, *b"\xfb\xc5\x77\xb9\xd7\x47\xef\xd6");
        assert_eq!(account_nonce_api::ID, *b"\xbc\x9d\x89\x90\x4f\x5b\x92\x3f");
        assert_eq!(session_keys::ID, *b"\xab\x3c\x05\x72\x29\x1f\xeb\x8b");
        assert_eq!(
            transaction_payment_api::ID,
            *b"\x37\xc8\xbb\x13\x50\xa9\xa2\xa8"
        );
        // Substrate's `TryRuntime` id: ours must differ, its methods return other types.
        assert_ne!(
            upgrade_dry_run_api::ID,
            *b"\xe0\x83\x7f\xce\x09\xf4\x82\x9a"
        );
    }

    struct Echo;
    impl AccountNonceApi for Echo {
        fn account_nonce(who: AccountId) -> Nonce {
            u32::from(who.0[0])
        }
    }

    #[test]
    fn dispatch_decodes_calls_and_encodes() {
        let who = AccountId::new([7; 32]);
        let output = account_nonce_api::account_nonce::dispatch::<Echo>(&(who,).encode());
        assert_eq!(Nonce::decode(&mut &output[..]).unwrap(), 7);
    }

    #[test]
    #[should_panic(expected = "cannot decode the arguments of AccountNonceApi_account_nonce")]
    fn undecodable_arguments_name_the_method() {
        account_nonce_api::account_nonce::dispatch::<Echo>(&[1, 2, 3]);
    }
}

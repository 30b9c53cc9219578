//! The runtime's version and the runtime APIs it implements.
//!
//! The node reads [`RuntimeVersion`] (through `Core_version`) to know which runtime it runs,
//! wallets sign `spec_version` and `transaction_version` into every transaction, and a runtime
//! upgrade must keep `spec_name` and raise `spec_version`. API identifiers are blake2b with an
//! 8-byte output of the API's name, as in Substrate, so standard clients recognize the APIs.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::{borrow::Cow, string::String, vec::Vec};
use codec::{Decode, Encode};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// A runtime API identifier: blake2b-64 of the API's name.
pub type ApiId = [u8; 8];

/// Identifiers of the runtime APIs, with the versions this runtime implements.
pub mod apis {
    use super::ApiId;

    /// `Core`: version, execute_block, initialize_block.
    pub const CORE: (ApiId, u32) = (*b"\xdf\x6a\xcb\x68\x99\x07\x60\x9b", 4);
    /// `Metadata`: FRAME metadata.
    pub const METADATA: (ApiId, u32) = (*b"\x37\xe3\x97\xfc\x7c\x91\xf5\xe4", 2);
    /// `BlockBuilder`: apply_extrinsic, finalize_block, inherent_extrinsics, check_inherents.
    pub const BLOCK_BUILDER: (ApiId, u32) = (*b"\x40\xfe\x3a\xd4\x01\xf8\x95\x9a", 6);
    /// `TaggedTransactionQueue`: validate_transaction.
    pub const TAGGED_TRANSACTION_QUEUE: (ApiId, u32) = (*b"\xd2\xbc\x98\x97\xee\xd0\x8f\x15", 3);
    /// `GenesisBuilder`: build_state from JSON, presets.
    pub const GENESIS_BUILDER: (ApiId, u32) = (*b"\xfb\xc5\x77\xb9\xd7\x47\xef\xd6", 1);
    /// `AccountNonceApi`: account_nonce.
    pub const ACCOUNT_NONCE: (ApiId, u32) = (*b"\xbc\x9d\x89\x90\x4f\x5b\x92\x3f", 1);
    /// `TransactionPaymentApi`: query_info, query_fee_details.
    pub const TRANSACTION_PAYMENT: (ApiId, u32) = (*b"\x37\xc8\xbb\x13\x50\xa9\xa2\xa8", 4);
    /// `TryRuntime`: dry runs of runtime upgrades (`cpchain upgrade check`).
    pub const TRY_RUNTIME: (ApiId, u32) = (*b"\xe0\x83\x7f\xce\x09\xf4\x82\x9a", 1);
    /// `HybridConsensusApi`: proposers, committee and term (CPChain's own).
    pub const HYBRID_CONSENSUS: (ApiId, u32) = (*b"\x0c\xe8\x9b\xca\x7d\x43\xc8\x21", 1);
    /// `DataMarketApi`: products, orders, encryption keys (CPChain's own).
    pub const DATA_MARKET: (ApiId, u32) = (*b"\x6b\x48\xa8\x75\xf0\x9f\x03\x81", 1);
}

/// The exports every runtime must have: without them a node cannot run its blocks. Runtime
/// upgrades to code lacking any of them are refused.
pub const REQUIRED_EXPORTS: &[&str] = &[
    "memory",
    "cpc_alloc",
    "Core_version",
    "Core_execute_block",
    "Core_initialize_block",
    "BlockBuilder_apply_extrinsic",
    "BlockBuilder_finalize_block",
    "BlockBuilder_inherent_extrinsics",
    "BlockBuilder_check_inherents",
    "TaggedTransactionQueue_validate_transaction",
];

/// The version of a runtime. Encoding and JSON follow Substrate's `RuntimeVersion`.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeVersion {
    /// Identifies the chain's runtime; an upgrade must keep it.
    pub spec_name: Cow<'static, str>,
    /// Identifies the implementation.
    pub impl_name: Cow<'static, str>,
    /// Version of the authoring interface.
    pub authoring_version: u32,
    /// Version of the runtime's behaviour; every upgrade raises it.
    pub spec_version: u32,
    /// Version of the implementation (no change in behaviour).
    pub impl_version: u32,
    /// The runtime APIs and their versions.
    #[serde(with = "apis_as_hex")]
    pub apis: Cow<'static, [(ApiId, u32)]>,
    /// Version of the extrinsic format and call indices; raised when calls change shape.
    pub transaction_version: u32,
    /// Trie state version (1: large values in their own nodes).
    #[serde(alias = "stateVersion")]
    pub system_version: u8,
}

impl RuntimeVersion {
    /// Whether the runtime implements `api` at version `at_least` or newer.
    pub fn has_api(&self, api: &ApiId, at_least: u32) -> bool {
        self.apis.iter().any(|(id, v)| id == api && *v >= at_least)
    }

    /// The version of `api`, if implemented.
    pub fn api_version(&self, api: &ApiId) -> Option<u32> {
        self.apis.iter().find(|(id, _)| id == api).map(|(_, v)| *v)
    }

    /// Whether code of version `other` can replace this one: same `spec_name`, higher
    /// `spec_version`. Returns a reason when it cannot.
    pub fn can_upgrade_to(&self, other: &RuntimeVersion) -> Result<(), String> {
        if other.spec_name != self.spec_name {
            return Err(alloc::format!(
                "spec_name differs: {} is not {}",
                other.spec_name,
                self.spec_name
            ));
        }
        if other.spec_version <= self.spec_version {
            return Err(alloc::format!(
                "spec_version {} is not higher than {}",
                other.spec_version,
                self.spec_version
            ));
        }
        Ok(())
    }
}

mod apis_as_hex {
    use super::*;
    use serde::{Deserializer, Serializer, de::Error, ser::SerializeSeq};

    pub fn serialize<S: Serializer>(
        apis: &[(ApiId, u32)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(apis.len()))?;
        for (id, version) in apis {
            seq.serialize_element(&(alloc::format!("0x{}", hex::encode(id)), version))?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Cow<'static, [(ApiId, u32)]>, D::Error> {
        let raw: Vec<(String, u32)> = Vec::deserialize(deserializer)?;
        let mut out = Vec::with_capacity(raw.len());
        for (id, version) in raw {
            let mut bytes = [0u8; 8];
            hex::decode_to_slice(id.trim_start_matches("0x"), &mut bytes)
                .map_err(D::Error::custom)?;
            out.push((bytes, version));
        }
        Ok(Cow::Owned(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cpc_primitives::hashing::blake2_64;

    #[test]
    fn api_ids_are_blake2_64_of_their_names() {
        for (name, (id, _)) in [
            ("Core", apis::CORE),
            ("Metadata", apis::METADATA),
            ("BlockBuilder", apis::BLOCK_BUILDER),
            ("TaggedTransactionQueue", apis::TAGGED_TRANSACTION_QUEUE),
            ("GenesisBuilder", apis::GENESIS_BUILDER),
            ("AccountNonceApi", apis::ACCOUNT_NONCE),
            ("TransactionPaymentApi", apis::TRANSACTION_PAYMENT),
            ("TryRuntime", apis::TRY_RUNTIME),
            ("HybridConsensusApi", apis::HYBRID_CONSENSUS),
            ("DataMarketApi", apis::DATA_MARKET),
        ] {
            assert_eq!(blake2_64(name.as_bytes()), id, "{name}");
        }
    }

    fn version(name: &'static str, spec: u32) -> RuntimeVersion {
        RuntimeVersion {
            spec_name: name.into(),
            impl_name: "cpchain-node".into(),
            authoring_version: 1,
            spec_version: spec,
            impl_version: 0,
            apis: Cow::Borrowed(&[apis::CORE, apis::METADATA]),
            transaction_version: 1,
            system_version: 1,
        }
    }

    #[test]
    fn json_and_scale_round_trip() {
        let v = version("cpchain", 100);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["specName"], "cpchain");
        assert_eq!(json["apis"][0][0], "0xdf6acb689907609b");
        assert_eq!(serde_json::from_value::<RuntimeVersion>(json).unwrap(), v);
        assert_eq!(RuntimeVersion::decode(&mut &v.encode()[..]).unwrap(), v);
    }

    #[test]
    fn upgrades_need_the_same_name_and_a_higher_version() {
        let v = version("cpchain", 100);
        assert!(v.can_upgrade_to(&version("cpchain", 101)).is_ok());
        assert!(v.can_upgrade_to(&version("cpchain", 100)).is_err());
        assert!(v.can_upgrade_to(&version("cpchain", 99)).is_err());
        assert!(v.can_upgrade_to(&version("other", 101)).is_err());
    }
}

//! The runtime's version and the runtime APIs it implements.
//!
//! The node reads [`RuntimeVersion`] (through `Core_version`) to know which runtime it runs,
//! wallets sign `spec_version` and `transaction_version` into every transaction, and a runtime
//! upgrade must keep `spec_name` and raise `spec_version`. The APIs a runtime lists are declared
//! in `cpc-api`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::{borrow::Cow, string::String, vec::Vec};
use codec::{Decode, Encode};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// A runtime API identifier: blake2b-64 of the API's name (`cpc-api` declares the APIs and
/// computes their ids).
pub type ApiId = [u8; 8];

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

    /// `Core` at version 4.
    const CORE: (ApiId, u32) = (*b"\xdf\x6a\xcb\x68\x99\x07\x60\x9b", 4);

    fn version(name: &'static str, spec: u32) -> RuntimeVersion {
        RuntimeVersion {
            spec_name: name.into(),
            impl_name: "cpchain-node".into(),
            authoring_version: 1,
            spec_version: spec,
            impl_version: 0,
            apis: Cow::Borrowed(&[CORE]),
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

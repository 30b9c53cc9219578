//! The 32-byte account identifier: an sr25519 public key, shown as an SS58 address.

use crate::{sr25519, ss58};
use alloc::string::String;
use codec::{Decode, Encode, MaxEncodedLen};
use core::fmt;
use scale_info::TypeInfo;

/// An account: the 32 bytes of its sr25519 public key.
///
/// Encodes as the raw 32 bytes (like Substrate's `AccountId32`); serializes to JSON as an SS58
/// string with the generic prefix 42, and parses from any SS58 prefix.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Encode,
    Decode,
    MaxEncodedLen,
    TypeInfo,
)]
pub struct AccountId32(pub [u8; 32]);

impl AccountId32 {
    /// Wraps raw bytes.
    pub const fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The SS58 address of this account under `prefix`.
    pub fn to_ss58(&self, prefix: u16) -> String {
        ss58::encode(&self.0, prefix)
    }

    /// Parses an SS58 address of any valid prefix.
    pub fn from_ss58(address: &str) -> Result<Self, ss58::Ss58Error> {
        ss58::decode(address).map(|(bytes, _)| Self(bytes))
    }
}

impl AsRef<[u8]> for AccountId32 {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<[u8; 32]> for AccountId32 {
    fn from(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl From<sr25519::Public> for AccountId32 {
    fn from(public: sr25519::Public) -> Self {
        Self(public.0)
    }
}

impl From<AccountId32> for sr25519::Public {
    fn from(account: AccountId32) -> Self {
        sr25519::Public(account.0)
    }
}

impl fmt::Display for AccountId32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_ss58(ss58::GENERIC_PREFIX))
    }
}

impl fmt::Debug for AccountId32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{})", self, hex::encode(&self.0[..4]))
    }
}

impl core::str::FromStr for AccountId32 {
    type Err = ss58::Ss58Error;

    /// Accepts an SS58 address or `0x` followed by 64 hex digits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(hex_part) = s.strip_prefix("0x") {
            let mut bytes = [0u8; 32];
            hex::decode_to_slice(hex_part, &mut bytes).map_err(|_| ss58::Ss58Error::BadBase58)?;
            return Ok(Self(bytes));
        }
        Self::from_ss58(s)
    }
}

impl serde::Serialize for AccountId32 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_ss58(ss58::GENERIC_PREFIX))
    }
}

impl<'de> serde::Deserialize<'de> for AccountId32 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

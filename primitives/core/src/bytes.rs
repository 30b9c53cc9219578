//! Byte strings that serialize as `0x`-prefixed hex, as Substrate's JSON-RPC does.

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};
use core::fmt;
use scale_info::TypeInfo;

/// Bytes shown and serialized as `0x` hex; SCALE-encoded as `Vec<u8>`.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode, TypeInfo)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    /// `0x` followed by the hex digits.
    pub fn to_hex(&self) -> String {
        to_hex(&self.0)
    }
}

/// `0x` followed by the hex digits of `data`.
pub fn to_hex(data: &[u8]) -> String {
    let mut s = String::with_capacity(2 + data.len() * 2);
    s.push_str("0x");
    s.push_str(&hex::encode(data));
    s
}

/// Parses `0x`-prefixed (or bare) hex.
pub fn from_hex(s: &str) -> Result<Vec<u8>, hex::FromHexError> {
    hex::decode(s.strip_prefix("0x").unwrap_or(s))
}

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Self {
        Self(v)
    }
}

impl core::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl serde::Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        from_hex(&s).map(Bytes).map_err(serde::de::Error::custom)
    }
}

//! Inherent data: facts the block author puts into a block (the time, for example) as
//! unsigned "inherent" extrinsics, which every importer checks against its own view.

use alloc::{collections::BTreeMap, vec::Vec};
use codec::{Decode, Encode};
use scale_info::TypeInfo;

/// Identifies one kind of inherent data.
pub type InherentIdentifier = [u8; 8];

/// Inherent data by identifier, each value SCALE-encoded.
#[derive(Clone, Default, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct InherentData {
    /// The values.
    pub data: BTreeMap<InherentIdentifier, Vec<u8>>,
}

impl InherentData {
    /// Empty.
    pub fn new() -> Self {
        Self::default()
    }

    /// Puts a value, replacing any under the same identifier.
    pub fn put<T: Encode>(&mut self, id: InherentIdentifier, value: &T) {
        self.data.insert(id, value.encode());
    }

    /// The value under `id`: `None` when absent, `Some(Err)` when it does not decode.
    pub fn get<T: Decode>(&self, id: &InherentIdentifier) -> Option<Result<T, codec::Error>> {
        self.data.get(id).map(|bytes| T::decode(&mut &bytes[..]))
    }
}

/// The result of `BlockBuilder_check_inherents`: the errors found, per inherent, as messages.
#[derive(Clone, Default, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct CheckInherentsResult {
    /// `(inherent, why)` for every inherent that failed its check.
    pub errors: Vec<(InherentIdentifier, Vec<u8>)>,
}

impl CheckInherentsResult {
    /// Whether every inherent passed.
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Records a failure.
    pub fn push(&mut self, id: InherentIdentifier, why: &str) {
        self.errors.push((id, why.as_bytes().to_vec()));
    }
}

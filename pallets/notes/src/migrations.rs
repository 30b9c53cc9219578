//! Storage migrations of the notes pallet.
//!
//! The migration code is compiled in both versions of the pallet (it works on raw storage, not
//! on the typed items of one version), so it is unit-tested with the v1 layout it starts from;
//! the v2 pallet runs it from `on_runtime_upgrade`.

use alloc::string::String;

/// v1 stored each note as its bare text; v2 stores `Note { text, updated }`.
pub mod v1_to_v2 {
    use crate::{Note, PALLET, Text};
    use alloc::vec::Vec;
    use codec::{DecodeAll, Encode};
    use cpc_primitives::BlockNumber;

    /// The key prefix of the `Notes` map, the same in both versions.
    pub const NOTES_PREFIX: [u8; 32] = cpc_primitives::storage::storage_prefix(PALLET, "Notes");

    /// Rewrites every v1 note as a v2 note stamped with block `now`; returns how many. Stops at
    /// the first note that is not v1 text and returns its key (the caller must not let the
    /// half-done conversion persist).
    pub fn migrate(now: BlockNumber) -> Result<u32, Vec<u8>> {
        let mut cursor = NOTES_PREFIX.to_vec();
        let mut count = 0u32;
        while let Some(key) =
            cpc_io::storage::next_key(&cursor).filter(|k| k.starts_with(&NOTES_PREFIX))
        {
            let raw = cpc_io::storage::get(&key).unwrap_or_default();
            let text = Text::decode_all(&mut &raw[..]).map_err(|_| key.clone())?;
            cpc_io::storage::set(&key, &Note { text, updated: now }.encode());
            count += 1;
            cursor = key;
        }
        Ok(count)
    }
}

/// Lowercase hex, for messages.
pub fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

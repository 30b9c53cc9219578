//! Column family names.

pub const META: &str = "meta";
pub const HEADERS: &str = "headers";
pub const BODIES: &str = "bodies";
pub const JUSTIFICATIONS: &str = "justifications";
pub const NUMBERS: &str = "numbers";
pub const STATE: &str = "state";
pub const JOURNAL: &str = "journal";
/// Indexes the node keeps beside the chain (for example IoT readings by device), written by
/// their own writers, never part of a block's batch.
pub const AUX: &str = "aux";

pub const ALL: [&str; 8] = [
    META,
    HEADERS,
    BODIES,
    JUSTIFICATIONS,
    NUMBERS,
    STATE,
    JOURNAL,
    AUX,
];

/// Big-endian so that numbers sort in order.
pub fn number_key(number: u32) -> [u8; 4] {
    number.to_be_bytes()
}

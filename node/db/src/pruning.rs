//! State pruning modes.

use codec::{Decode, Encode};
use std::{fmt, str::FromStr};

/// How much state the node keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum PruningMode {
    /// Every block's state, forever.
    Archive,
    /// The states of the last `n` finalized blocks (and the finalized block's own).
    KeepLast(u32),
}

impl Default for PruningMode {
    fn default() -> Self {
        Self::KeepLast(256)
    }
}

impl fmt::Display for PruningMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Archive => f.write_str("archive"),
            Self::KeepLast(n) => write!(f, "{n}"),
        }
    }
}

impl FromStr for PruningMode {
    type Err = String;

    /// `archive`, or the number of finalized states to keep (at least 1).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "archive" | "archive-canonical" => Ok(Self::Archive),
            n => match n.parse::<u32>() {
                Ok(n) if n >= 1 => Ok(Self::KeepLast(n)),
                _ => Err(format!(
                    "invalid state pruning `{s}`: use `archive` or a number of blocks >= 1"
                )),
            },
        }
    }
}

//! The node's index of runtime upgrades: the block each runtime took over at and its version,
//! so that a chain's upgrade history can be shown (RPC `runtime_upgrades`, the web app's
//! runtime page) by a node that has pruned the states it could otherwise be read from.
//!
//! A block whose header carries `RuntimeEnvironmentUpdated` (the system pallet's `set_code`)
//! ends under a new runtime: the index records the block's number and the version of the
//! runtime in its state, read as the block is finalized (while its state is still kept); and
//! the genesis runtime, at block 0. In the database's auxiliary column:
//!
//! - `upgrades/v/` ++ block (big-endian) → `Option<RuntimeVersion>` (`None`: the block's state
//!   was pruned before the node indexed it, e.g. a node down for longer than its pruning
//!   window);
//! - `upgrades/last` → the last finalized block scanned.
//!
//! Scanning reads one header per finalized block, in bounded steps ([`catch_up`]'s
//! `max_blocks`), so a node with a long chain builds the index while it runs.

use crate::{CallClass, Client, ClientError};
use codec::{Decode, Encode};
use cpc_primitives::{BlockNumber, DigestItem};
use cpc_version::RuntimeVersion;

const VERSIONS: &[u8] = b"upgrades/v/";
const LAST: &[u8] = b"upgrades/last";

/// Most upgrades one query returns.
pub const MAX_QUERY: usize = 1_000;

/// One runtime taking over.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Upgrade {
    /// The block that installed it (0: the genesis runtime); it runs from the next block.
    pub block: BlockNumber,
    /// Its version, unless the block's state was pruned before it was indexed.
    pub version: Option<RuntimeVersion>,
}

fn version_key(block: BlockNumber) -> Vec<u8> {
    let mut key = VERSIONS.to_vec();
    key.extend(block.to_be_bytes());
    key
}

/// The last block scanned, `None` before the genesis runtime is recorded.
pub fn last_indexed(client: &Client) -> Option<BlockNumber> {
    client
        .db()
        .aux(LAST)
        .ok()
        .flatten()
        .and_then(|raw| BlockNumber::decode(&mut &raw[..]).ok())
}

/// The version of the runtime in block `number`'s state, `None` if that state is pruned.
fn version_at(client: &Client, number: BlockNumber) -> Result<Option<RuntimeVersion>, String> {
    let hash = client
        .db()
        .hash(number)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no block #{number}"))?;
    match client.runtime_version_as(CallClass::Offchain, &hash) {
        Ok(version) => Ok(Some(version)),
        Err(ClientError::StatePruned(_)) => {
            log::warn!(
                target: "cpchain",
                "runtime upgrade index: the state of block #{number} is pruned; its runtime's version is not known"
            );
            Ok(None)
        }
        Err(e) => Err(format!("block #{number}: {e}")),
    }
}

/// Scans the finalized blocks after the last scanned one, at most `max_blocks` of them, and
/// records each runtime upgrade; returns the last block scanned.
pub fn catch_up(client: &Client, max_blocks: u32) -> Result<BlockNumber, String> {
    let db = client.db();
    let mut last = match last_indexed(client) {
        Some(last) => last,
        None => {
            let genesis = version_at(client, 0)?;
            db.write_aux(
                &[
                    (version_key(0), genesis.encode()),
                    (LAST.to_vec(), 0u32.encode()),
                ],
                &[],
            )
            .map_err(|e| e.to_string())?;
            0
        }
    };
    let end = client
        .info()
        .finalized_number
        .min(last.saturating_add(max_blocks));
    let mut puts = Vec::new();
    while last < end {
        let number = last + 1;
        let hash = db
            .hash(number)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no block #{number}"))?;
        let header = db
            .header(&hash)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no header for block #{number}"))?;
        if header
            .digest
            .logs
            .contains(&DigestItem::RuntimeEnvironmentUpdated)
        {
            puts.push((version_key(number), version_at(client, number)?.encode()));
        }
        last = number;
    }
    puts.push((LAST.to_vec(), last.encode()));
    db.write_aux(&puts, &[]).map_err(|e| e.to_string())?;
    Ok(last)
}

/// The upgrades recorded from block `from` on, oldest first, at most `limit` (capped at
/// [`MAX_QUERY`]).
pub fn upgrades(client: &Client, from: BlockNumber, limit: usize) -> Result<Vec<Upgrade>, String> {
    let rows = client
        .db()
        .aux_range(VERSIONS, &version_key(from), limit.min(MAX_QUERY))
        .map_err(|e| e.to_string())?;
    rows.into_iter()
        .map(|(key, value)| {
            let number = key[VERSIONS.len()..]
                .try_into()
                .map(BlockNumber::from_be_bytes)
                .map_err(|_| "corrupt upgrade index key".to_string())?;
            let version = Option::<RuntimeVersion>::decode(&mut &value[..])
                .map_err(|e| format!("corrupt upgrade index entry at #{number}: {e}"))?;
            Ok(Upgrade {
                block: number,
                version,
            })
        })
        .collect()
}

//! The node's index of IoT readings, for chains whose runtime has `IotDevicesApi` (sidechains).
//!
//! Readings are not kept in state: a block commits to them by its readings root and carries
//! them in its body. The node indexes them as blocks are finalized, in the database's auxiliary
//! column, so they can be queried by device and time and proven later:
//!
//! - `iot/r/` ++ device ++ timestamp ++ block ++ index (big-endian) → the signed reading;
//! - `iot/b/` ++ block → the block's reading leaves and the `(device, timestamp)` of each;
//! - `iot/last` → the last block indexed.
//!
//! Which readings a block committed is the runtime's answer (`IotDevicesApi_block_readings`
//! on the block's state, which knows from its events which batches were accepted); the index
//! checks their leaves against the block's stored readings root before writing them. Entries
//! of blocks older than the retention are removed; the roots stay in state, so a reading kept
//! elsewhere remains provable.

use crate::Client;
use codec::{Decode, Encode};
use cpc_primitives::{BlockNumber, H256, Moment};
use cpc_sidechain_primitives::iot::{DeviceId, SignedReading, iot_devices_api};

const READINGS: &[u8] = b"iot/r/";
const BLOCKS: &[u8] = b"iot/b/";
const LAST: &[u8] = b"iot/last";

/// Blocks a node keeps indexed readings for by default: one day of 500 ms blocks.
pub const DEFAULT_RETENTION: u32 = 172_800;
/// Most readings one query returns.
pub const MAX_QUERY: usize = 1_000;

/// A reading as the index holds it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IndexedReading {
    /// The block that committed it.
    pub block: BlockNumber,
    /// Its position among the block's readings.
    pub index: u32,
    /// The reading.
    pub reading: SignedReading,
}

fn reading_key(device: DeviceId, timestamp: Moment, block: BlockNumber, index: u32) -> Vec<u8> {
    let mut key = READINGS.to_vec();
    key.extend(device.to_be_bytes());
    key.extend(timestamp.to_be_bytes());
    key.extend(block.to_be_bytes());
    key.extend(index.to_be_bytes());
    key
}

fn block_key(block: BlockNumber) -> Vec<u8> {
    let mut key = BLOCKS.to_vec();
    key.extend(block.to_be_bytes());
    key
}

/// What the index keeps per block: the leaves (for proofs) and where each reading is.
#[derive(Encode, Decode)]
struct BlockEntry {
    leaves: Vec<H256>,
    readings: Vec<(DeviceId, Moment)>,
}

/// Whether the runtime at the best block has the devices API (the chain is a sidechain).
pub fn applies(client: &Client) -> bool {
    let best = client.info().best_hash;
    client
        .runtime_version_as(crate::CallClass::Block, &best)
        .is_ok_and(|v| v.apis.iter().any(|(id, _)| *id == iot_devices_api::ID))
}

/// The last block indexed (0 before any).
pub fn last_indexed(client: &Client) -> BlockNumber {
    client
        .db()
        .aux(LAST)
        .ok()
        .flatten()
        .and_then(|raw| BlockNumber::decode(&mut &raw[..]).ok())
        .unwrap_or(0)
}

/// Indexes the finalized blocks after the last indexed one, at most `max_blocks` of them,
/// dropping entries older than `retention` blocks; returns the last block indexed.
pub fn catch_up(client: &Client, retention: u32, max_blocks: u32) -> Result<BlockNumber, String> {
    let db = client.db();
    let finalized = client.info().finalized_number;
    let mut last = last_indexed(client);
    let end = finalized.min(last.saturating_add(max_blocks));
    while last < end {
        let number = last + 1;
        let hash = db
            .hash(number)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no block #{number}"))?;
        let mut puts = Vec::new();
        let mut deletes = Vec::new();
        if let Some(readings) = index_block(client, number, &hash)? {
            let mut entry = BlockEntry {
                leaves: Vec::with_capacity(readings.len()),
                readings: Vec::with_capacity(readings.len()),
            };
            for (index, reading) in readings.iter().enumerate() {
                let (device, timestamp) = (reading.reading.device, reading.reading.timestamp);
                entry.leaves.push(reading.leaf());
                entry.readings.push((device, timestamp));
                puts.push((
                    reading_key(device, timestamp, number, index as u32),
                    reading.encode(),
                ));
            }
            puts.push((block_key(number), entry.encode()));
        }
        if let Some(old) = number.checked_sub(retention)
            && let Some(raw) = db.aux(&block_key(old)).map_err(|e| e.to_string())?
            && let Ok(entry) = BlockEntry::decode(&mut &raw[..])
        {
            for (index, (device, timestamp)) in entry.readings.iter().enumerate() {
                deletes.push(reading_key(*device, *timestamp, old, index as u32));
            }
            deletes.push(block_key(old));
        }
        puts.push((LAST.to_vec(), number.encode()));
        db.write_aux(&puts, &deletes).map_err(|e| e.to_string())?;
        last = number;
    }
    Ok(last)
}

/// The readings block `number` committed, checked against its readings root; `None` if it
/// committed none.
fn index_block(
    client: &Client,
    number: BlockNumber,
    hash: &H256,
) -> Result<Option<Vec<SignedReading>>, String> {
    let root = match client.call_api_as::<iot_devices_api::readings_root>(
        crate::CallClass::Block,
        hash,
        (number,),
    ) {
        Ok(root) => root,
        // A node that was down longer than its state pruning window cannot ask the runtime
        // about those blocks any more: it indexes from where it can, rather than never again.
        Err(crate::ClientError::StatePruned(_)) => {
            log::warn!(
                target: "cpchain",
                "IoT readings index: the state of block #{number} is pruned; its readings are not indexed"
            );
            return Ok(None);
        }
        Err(e) => return Err(format!("block #{number}: {e}")),
    };
    let Some(root) = root else { return Ok(None) };
    let body = client
        .db()
        .body(hash)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no body for block #{number}"))?;
    let readings = client
        .call_api_as::<iot_devices_api::block_readings>(crate::CallClass::Block, hash, (body,))
        .map_err(|e| format!("block #{number}: {e}"))?;
    let leaves: Vec<Vec<u8>> = readings.iter().map(|r| r.leaf().0.to_vec()).collect();
    if readings.len() != root.count as usize || cpc_trie::ordered_trie_root(&leaves) != root.root {
        return Err(format!(
            "block #{number}: the runtime's readings do not match the block's readings root"
        ));
    }
    Ok(Some(readings))
}

/// Readings of `device` measured from `from` to `to` (milliseconds, inclusive), by time, at
/// most `limit` (capped at [`MAX_QUERY`]). Page on by asking again from the last timestamp
/// returned plus one (readings of one millisecond beyond a page are not split).
pub fn readings(
    client: &Client,
    device: DeviceId,
    from: Moment,
    to: Moment,
    limit: usize,
) -> Result<Vec<IndexedReading>, String> {
    let mut prefix = READINGS.to_vec();
    prefix.extend(device.to_be_bytes());
    let mut start = prefix.clone();
    start.extend(from.to_be_bytes());
    let rows = client
        .db()
        .aux_range(&prefix, &start, limit.min(MAX_QUERY))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (key, value) in rows {
        let rest = &key[prefix.len()..];
        let timestamp = Moment::from_be_bytes(rest[0..8].try_into().map_err(|_| "corrupt key")?);
        if timestamp > to {
            break;
        }
        let block = BlockNumber::from_be_bytes(rest[8..12].try_into().map_err(|_| "corrupt key")?);
        let index = u32::from_be_bytes(rest[12..16].try_into().map_err(|_| "corrupt key")?);
        let reading = SignedReading::decode(&mut &value[..]).map_err(|e| e.to_string())?;
        out.push(IndexedReading {
            block,
            index,
            reading,
        });
    }
    Ok(out)
}

/// Reading `index` of block `block` and the leaves of all the block's readings, while
/// indexed.
pub fn reading_with_leaves(
    client: &Client,
    block: BlockNumber,
    index: u32,
) -> Result<Option<(SignedReading, Vec<H256>)>, String> {
    let db = client.db();
    let Some(raw) = db.aux(&block_key(block)).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let entry = BlockEntry::decode(&mut &raw[..]).map_err(|e| e.to_string())?;
    let Some((device, timestamp)) = entry.readings.get(index as usize) else {
        return Ok(None);
    };
    let Some(raw) = db
        .aux(&reading_key(*device, *timestamp, block, index))
        .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    let reading = SignedReading::decode(&mut &raw[..]).map_err(|e| e.to_string())?;
    Ok(Some((reading, entry.leaves)))
}

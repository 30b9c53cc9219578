//! `check-block`, `revert` and `export-state`: what a Substrate operator reaches for, over the
//! node's local database (the node must not be running: the database is locked).

use crate::{Error, args::SharedArgs};
use cpc_client::Client;
use cpc_primitives::{Block, H256};

/// A block named by number, `0x` hash, or (for `check-block`) its hex SCALE encoding.
fn block_hash(client: &Client, id: &str) -> Result<H256, Error> {
    if let Ok(number) = id.parse::<u32>() {
        return client
            .hash(number)
            .map_err(Error::node)?
            .ok_or_else(|| Error::Input(format!("no block #{number}")));
    }
    id.parse::<H256>()
        .map_err(|_| Error::Input(format!("`{id}` is neither a block number nor a block hash")))
}

/// Executes a stored block (by number or hash) or a hex-encoded block again on its parent's
/// state and checks its state root; imports nothing.
pub fn check_block(shared: &SharedArgs, execution: &str, id: &str) -> Result<(), Error> {
    let (client, _) = super::open_local(shared, execution)?;
    let digits = id.strip_prefix("0x").unwrap_or(id);
    let block = if digits.len() > 64 {
        let bytes = hex::decode(digits).map_err(|e| Error::Input(format!("not hex: {e}")))?;
        cpc_primitives::limits::decode_bounded::<Block>(
            &bytes,
            cpc_primitives::limits::MAX_BLOCK_SIZE,
        )
        .map_err(|e| Error::Input(format!("not a block: {e}")))?
    } else {
        let hash = block_hash(&client, id)?;
        client
            .block(&hash)
            .map_err(Error::node)?
            .ok_or_else(|| Error::Input(format!("no block {hash:?}")))?
    };
    let started = std::time::Instant::now();
    let root = client
        .reexecute_block(&block)
        .map_err(|e| Error::Node(format!("block #{} is invalid: {e}", block.header.number)))?;
    println!(
        "Block #{} ({:?}) is valid: {} extrinsics executed in {} ms, state root {root:?}",
        block.header.number,
        block.header.hash(),
        block.extrinsics.len(),
        started.elapsed().as_millis()
    );
    Ok(())
}

/// Substrate's `revert` removes blocks that are not final. LBFT finalizes every block when it
/// is imported, so there is never one: this says so and changes nothing.
pub fn revert(shared: &SharedArgs, blocks: u32) -> Result<(), Error> {
    let (client, _) = super::open_local(shared, "wasm")?;
    let info = client.info();
    println!(
        "Nothing to revert: all {} blocks are finalized (LBFT finalizes every block on import), \
         and finalized blocks are never reverted (asked for {blocks}). To start over from \
         genesis, `purge-chain`.",
        info.finalized_number
    );
    Ok(())
}

/// Prints the chain spec with the state of a block (the best by default) as its raw genesis:
/// a new chain that starts where this one is.
pub fn export_state(shared: &SharedArgs, at: Option<&str>) -> Result<(), Error> {
    let (client, spec) = super::open_local(shared, "wasm")?;
    let hash = match at {
        Some(id) => block_hash(&client, id)?,
        None => client.info().best_hash,
    };
    let state = client.state_at(&hash).map_err(Error::node)?;
    let storage = state
        .pairs(&[])
        .map_err(|e| Error::Node(format!("cannot read the state of {hash:?}: {e}")))?
        .into_iter()
        .collect();
    let raw = cpc_client::genesis::to_raw(&spec, &storage);
    println!("{}", raw.to_json());
    eprintln!("Exported the state of {hash:?}: {} keys", storage.len());
    Ok(())
}

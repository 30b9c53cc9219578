//! Block building: what an author does on its slot.

use crate::{Client, ClientError, import::StateChanges};
use cpc_api::{block_builder, core};
use cpc_executor::{CallApi, ExecutionError, RuntimeExecutor, fuel};
use cpc_io::Externalities;
use cpc_primitives::{
    Block, Digest, H256, Header, OpaqueExtrinsic,
    dispatch::ApplyExtrinsicResult,
    inherent::InherentData,
    transaction_validity::{InvalidTransaction, TransactionValidityError},
};
use cpc_state_machine::{Ext, OverlayedChanges};
use std::time::Instant;

/// What to build.
pub struct BuildParams {
    /// The parent block.
    pub parent: H256,
    /// Inherent data (the time).
    pub inherent_data: InherentData,
    /// Pre-runtime digest items (the author's slot claim).
    pub digest: Digest,
    /// Stop adding transactions after this instant.
    pub deadline: Instant,
}

/// A built block with what happened to the candidate transactions.
pub struct BuiltBlock {
    /// The block.
    pub block: Block,
    /// Its state changes with the trie nodes they make, for import without re-execution.
    pub changes: StateChanges,
    /// Transactions included.
    pub included: Vec<H256>,
    /// Transactions refused, with the reason: the pool drops them.
    pub rejected: Vec<(H256, String)>,
    /// Transactions whose nonce (or other tag) the chain has already used: not invalid, but
    /// never includable again. The pool drops them as included, so what waits on them does
    /// not wait for them any more.
    pub stale: Vec<H256>,
    /// Whether the block filled up.
    pub full: bool,
}

/// Why a transaction no block could hold is refused.
const TOO_HEAVY: &str = "needs more fuel than a block has for one transaction";

/// After this many transactions in a row that do not fit, the block is full.
const MAX_SKIPPED_WHEN_FULL: usize = 8;

impl Client {
    /// Builds a block on `params.parent` from the inherents and as many of `candidates` as fit
    /// before the deadline.
    ///
    /// The calls that build the block draw on one meter of fuel, so the block's execution fits
    /// the fuel every node gives it on import ([`fuel`]): a margin is kept for what import
    /// does beyond building (decoding the whole block, checking its roots), and a reserve for
    /// `finalize_block` that transactions may not use. A transaction that runs out of fuel
    /// fills the block; the first of a block that does could never fit one, and is refused.
    pub fn build_block(
        &self,
        params: BuildParams,
        candidates: impl IntoIterator<Item = (H256, OpaqueExtrinsic)>,
    ) -> Result<BuiltBlock, ClientError> {
        let parent_header = self
            .header(&params.parent)?
            .ok_or(ClientError::UnknownBlock(params.parent))?;
        let state = self.state_at(&params.parent)?;
        let code = self.runtime_code(&state, parent_header.number)?;
        let mut overlay = OverlayedChanges::new();
        let mut ext = Ext::new(&mut overlay, &state, Some(self.version_reader()));
        let block_fuel = self.wasm.config().block_fuel;
        let meter = self
            .wasm
            .block_meter(block_fuel - fuel::import_margin(block_fuel));
        let executor = &meter;

        let header = Header {
            parent_hash: params.parent,
            number: parent_header.number + 1,
            state_root: H256::zero(),
            extrinsics_root: H256::zero(),
            digest: params.digest,
        };
        executor.call_api::<core::initialize_block>(&mut ext, &code, (&header,))?;
        let inherents = executor.call_api::<block_builder::inherent_extrinsics>(
            &mut ext,
            &code,
            (&params.inherent_data,),
        )?;

        let mut extrinsics = Vec::new();
        for inherent in inherents {
            match apply(executor, &mut ext, &code, &inherent)? {
                Ok(Ok(())) => extrinsics.push(inherent),
                other => {
                    return Err(ClientError::State(format!("an inherent failed: {other:?}")));
                }
            }
        }

        let mut held = meter.hold(fuel::finalize_reserve(block_fuel));
        let (mut included, mut rejected, mut stale, mut skipped, mut full) =
            (Vec::new(), Vec::new(), Vec::new(), 0, false);
        for (hash, xt) in candidates {
            if Instant::now() >= params.deadline {
                break;
            }
            // What `finalize_block` will spend on this extrinsic if it goes in: held back as
            // it does, so finalizing a block of many (or large) extrinsics never runs out.
            let finalize_share = fuel::finalize_cost_of(xt.0.len() as u64);
            let before = meter.remaining();
            if before < finalize_share {
                if included.is_empty() {
                    // Not even an empty block has the fuel to finalize it.
                    rejected.push((hash, TOO_HEAVY.into()));
                    continue;
                }
                full = true;
                break;
            }
            let depth = ext.transaction_depth();
            ext.storage_start_transaction();
            let applied = apply(executor, &mut ext, &code, &xt);
            if let Ok(Ok(_)) = applied {
                let share = meter.hold(finalize_share);
                if share == finalize_share {
                    let _ = ext.storage_commit_transaction();
                    held += share;
                    included.push(hash);
                    extrinsics.push(xt);
                    skipped = 0;
                    continue;
                }
            }
            // Not included: what the call wrote is discarded (with whatever it left open), and
            // so is the fuel it used, as importing the block will not run it.
            ext.rollback_to(depth);
            meter.restore(before);
            let out_of_fuel = matches!(
                applied,
                Err(ClientError::Execution(ExecutionError::OutOfFuel { .. }))
            );
            match applied {
                // It ran, but there is no fuel left to finalize it: the block is full, or, as the
                // first, it could never fit one.
                Ok(Ok(_)) if included.is_empty() => rejected.push((hash, TOO_HEAVY.into())),
                Ok(Ok(_)) => {
                    full = true;
                    break;
                }
                Ok(Err(TransactionValidityError::Invalid(
                    InvalidTransaction::ExhaustsResources,
                ))) => {
                    skipped += 1;
                    if skipped >= MAX_SKIPPED_WHEN_FULL {
                        full = true;
                        break;
                    }
                }
                Err(_) if out_of_fuel && !included.is_empty() => {
                    // The block is full; it may fit a later one (there it comes first).
                    full = true;
                    break;
                }
                Ok(Err(TransactionValidityError::Invalid(InvalidTransaction::Future))) => {
                    // Its predecessor is missing from this block; it stays in the pool.
                }
                Ok(Err(TransactionValidityError::Invalid(InvalidTransaction::Stale))) => {
                    stale.push(hash)
                }
                Ok(Err(e)) => rejected.push((hash, e.to_string())),
                // A trap, or the first transaction of the block running out of fuel: it could
                // never fit one.
                Err(e) => rejected.push((hash, e.to_string())),
            }
        }

        meter.release(held);
        let header = executor.call_api::<block_builder::finalize_block>(&mut ext, &code, ())?;
        // `finalize_block` asked the state for its root: the trie pass it made is taken over.
        let changes = StateChanges::on(&state, overlay.drain_committed())?;
        Ok(BuiltBlock {
            block: Block { header, extrinsics },
            changes,
            included,
            rejected,
            stale,
            full,
        })
    }
}

fn apply(
    executor: &dyn RuntimeExecutor,
    ext: &mut dyn Externalities,
    code: &cpc_executor::RuntimeCode<'_>,
    xt: &OpaqueExtrinsic,
) -> Result<ApplyExtrinsicResult, ClientError> {
    Ok(executor.call_api::<block_builder::apply_extrinsic>(ext, code, (xt,))?)
}

//! The randomness that seeds elections, which no proposer can grind.
//!
//! Every LBFT block that is not an impeach block carries, in its `PreRuntime(LBFT)` digest,
//! its seat proposer's VRF signature on [`vrf_input`]`(genesis, randomness, n)`: the chain, the
//! [`Randomness`] in the parent's state and the block number. The pallet checks it against the seat's session
//! key (a block without it, or with another key's, fails to execute: it is invalid) and folds
//! the output into [`RandomnessAccumulator`]. At each term boundary the accumulator of the
//! term that ended becomes the next [`Randomness`], which seeds the election done in that
//! block and the VRF inputs of the term.
//!
//! A VRF output is one value per (key, input), and the input depends only on state fixed
//! before the term began, so a proposer varying its block (timestamp, transactions) changes
//! nothing. What it can do is withhold its block: its seat then ends in an impeach block,
//! which contributes nothing and records an impeachment against it. The last `k` seats of a
//! term, held by one party, can therefore choose among at most `2^k` seeds, paying one
//! impeachment per withheld block (docs/consensus.md, "Election randomness").

use crate::{Config, GenesisHash, Pallet, Randomness, RandomnessAccumulator};
use codec::Encode;
use cpc_primitives::{
    BlockNumber, H256,
    hashing::blake2_256,
    lbft::{BlockDigest, VRF_CONTEXT, vrf_input},
};

impl<T: Config> Pallet<T> {
    /// The VRF output of block `n`, checked against its seat's proposer and the parent's
    /// randomness. `None` where there is nothing to check: blocks not made by LBFT (no
    /// digest: a dev engine), impeach blocks, and chains with no elected proposers.
    ///
    /// # Panics
    /// On an LBFT block of a seat whose VRF is missing or not its proposer's: the block is
    /// invalid, and executing it fails.
    pub(crate) fn block_randomness(
        n: BlockNumber,
        digest: Option<&BlockDigest>,
    ) -> Option<[u8; 32]> {
        let digest = digest?;
        if digest.impeach {
            return None;
        }
        let proposer = Self::proposer_of(n)?;
        let Some(signature) = digest.vrf else {
            panic!("block {n} carries no VRF output of its proposer");
        };
        // Block 1 records the genesis hash: its parent.
        let genesis = if n == 1 {
            cpc_pallet_system::ParentHash::get_or_default()
        } else {
            GenesisHash::get_or_default()
        };
        let input = vrf_input(&genesis, &Randomness::get_or_default(), n);
        match cpc_io::crypto::sr25519_vrf_verify(
            &proposer.session_key,
            VRF_CONTEXT,
            &input,
            &signature,
        ) {
            Some(output) => Some(output),
            None => panic!("block {n}: the VRF output is not its proposer's"),
        }
    }

    /// Folds a block's VRF output into the term's accumulator.
    pub(crate) fn accumulate_randomness(output: [u8; 32]) {
        RandomnessAccumulator::mutate_or_default(|acc| {
            *acc = H256(blake2_256(&(*acc, output).encode()));
        });
    }

    /// Ends the accumulation of the term before `term`: its outputs and the previous
    /// randomness become the randomness of `term`, returned.
    pub(crate) fn rotate_randomness(term: u32) -> H256 {
        let accumulated = RandomnessAccumulator::take().unwrap_or_default();
        let randomness = H256(blake2_256(
            &(
                b"cpc/lbft/randomness",
                Randomness::get_or_default(),
                term,
                accumulated,
            )
                .encode(),
        ));
        Randomness::put(&randomness);
        randomness
    }
}

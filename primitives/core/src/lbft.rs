//! What the LBFT finality engine (node) and the hybrid-consensus pallet (runtime) must agree
//! on byte for byte: votes and what validators sign, and the digest items blocks carry.

use crate::H256;
use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use cpc_crypto::sr25519::{Public, VrfSignature};
use scale_info::TypeInfo;

/// The engine id of LBFT digest items.
pub const ENGINE_ID: [u8; 4] = *b"LBFT";

/// The two votes of a round.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Debug,
    Encode,
    Decode,
    MaxEncodedLen,
    TypeInfo,
)]
pub enum VoteKind {
    /// "This block is valid and I am not locked against it."
    Prepare,
    /// "2f+1 prepared this block in this round; I lock on it."
    Commit,
}

/// A vote, as signed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Vote {
    /// Prepare or commit.
    pub kind: VoteKind,
    /// The height voted on.
    pub height: u32,
    /// The round voted in.
    pub round: u32,
    /// The block voted for.
    pub hash: H256,
}

impl Vote {
    /// The bytes a validator signs for this vote on chain `chain` (its genesis hash): bound to
    /// the chain, so a vote never counts on another chain sharing validators.
    pub fn signing_payload(&self, chain: &H256) -> Vec<u8> {
        (b"cpc/lbft/vote", chain, self).encode()
    }
}

/// The pre-runtime digest item (`PreRuntime(ENGINE_ID, ..)`) of every block finalized by
/// LBFT: the round that decided it, whether it is the impeach block of that round, and the
/// proposer's VRF contribution to the chain's randomness.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct BlockDigest {
    /// The round of the block's proposal (0: the elected proposer's).
    pub round: u32,
    /// Whether this is the impeach block: empty, no reward, its proposer missed its slot.
    pub impeach: bool,
    /// The seat's proposer's VRF signature on [`vrf_input`] (none in impeach blocks, which
    /// every validator builds alike). Last, so runtimes that predate it still decode the rest.
    pub vrf: Option<VrfSignature>,
}

/// The signing context of the proposers' VRF.
pub const VRF_CONTEXT: &[u8] = b"cpc/lbft/vrf";

/// What the proposer of block `number` evaluates its VRF on: the chain's randomness in the
/// parent's state (fixed before the term began, so nobody in the term can steer it) and the
/// block number. Nothing in it depends on the block's contents: however the proposer varies
/// its block, the output is the same.
pub fn vrf_input(randomness: &H256, number: u32) -> Vec<u8> {
    (randomness, number).encode()
}

/// The consensus digest item (`Consensus(ENGINE_ID, ..)`) of the first block of a term whose
/// validator committee changed: light clients follow committee hand-offs through it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ValidatorSetChange {
    /// Increases by one with every change.
    pub set_id: u64,
    /// The session keys of the new committee, in committee order.
    pub validators: Vec<Public>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signing_payload_is_tag_chain_and_vote() {
        let vote = Vote {
            kind: VoteKind::Commit,
            height: 1,
            round: 2,
            hash: H256([3; 32]),
        };
        let payload = vote.signing_payload(&H256([9; 32]));
        assert_eq!(&payload[..13], b"cpc/lbft/vote");
        assert_eq!(&payload[13..45], &[9; 32]);
        assert_eq!(
            &payload[45..],
            &[
                1, 1, 0, 0, 0, 2, 0, 0, 0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
                3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3
            ]
        );
    }
}

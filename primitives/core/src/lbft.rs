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
///
/// Encoded as `round ++ impeach ++ vrf?`: the 96 VRF bytes follow only when present, with no
/// option tag. So a digest without one is byte for byte the digest nodes and runtimes wrote
/// before the VRF existed (impeach blocks stay identical across node versions, and old
/// nodes' proposals still decode), and runtimes that predate it decode the first two fields
/// of a new one and ignore the rest. Decode it only from a digest item's own bytes, with
/// `decode_all`: whatever follows the first two fields is taken for the VRF.
#[derive(Clone, Copy, PartialEq, Eq, Debug, MaxEncodedLen)]
pub struct BlockDigest {
    /// The round of the block's proposal (0: the elected proposer's).
    pub round: u32,
    /// Whether this is the impeach block: empty, no reward, its proposer missed its slot.
    pub impeach: bool,
    /// The seat's proposer's VRF signature on [`vrf_input`] (none in impeach blocks, which
    /// every validator builds alike).
    pub vrf: Option<VrfSignature>,
}

impl Encode for BlockDigest {
    fn size_hint(&self) -> usize {
        5 + self.vrf.map_or(0, |_| 96)
    }

    fn encode_to<O: codec::Output + ?Sized>(&self, dest: &mut O) {
        self.round.encode_to(dest);
        self.impeach.encode_to(dest);
        if let Some(vrf) = &self.vrf {
            vrf.encode_to(dest);
        }
    }
}

impl Decode for BlockDigest {
    fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
        let round = u32::decode(input)?;
        let impeach = bool::decode(input)?;
        // A digest is always decoded from its own bytes (a digest item), whose length is
        // known: what is left is the VRF or nothing.
        let vrf = match input.remaining_len()? {
            Some(0) => None,
            Some(_) => Some(VrfSignature::decode(input)?),
            None => return Err("the length of an LBFT digest must be known".into()),
        };
        Ok(Self {
            round,
            impeach,
            vrf,
        })
    }
}

/// The signing context of the proposers' VRF.
pub const VRF_CONTEXT: &[u8] = b"cpc/lbft/vrf";

/// What the proposer of block `number` of chain `genesis` evaluates its VRF on: the chain,
/// its randomness in the parent's state (fixed before the term began, so nobody in the term
/// can steer it) and the block number. Nothing in it depends on the block's contents: however
/// the proposer varies its block, the output is the same; and a session key used on two
/// chains gives unrelated outputs on each.
pub fn vrf_input(genesis: &H256, randomness: &H256, number: u32) -> Vec<u8> {
    (genesis, randomness, number).encode()
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
    fn a_digest_without_a_vrf_is_the_digest_before_vrfs_and_decodes_exactly() {
        let old = (3u32, true).encode();
        let digest = BlockDigest {
            round: 3,
            impeach: true,
            vrf: None,
        };
        assert_eq!(digest.encode(), old);
        assert_eq!(BlockDigest::decode(&mut &old[..]), Ok(digest));
        let with = BlockDigest {
            round: 0,
            impeach: false,
            vrf: Some(VrfSignature {
                pre_output: [1; 32],
                proof: [2; 64],
            }),
        };
        let bytes = with.encode();
        assert_eq!(bytes.len(), 5 + 96);
        assert_eq!(BlockDigest::decode(&mut &bytes[..]), Ok(with));
        // What a runtime before the VRF decodes: the first two fields.
        assert_eq!(<(u32, bool)>::decode(&mut &bytes[..]), Ok((0, false)));
        // Truncated VRF bytes, or bytes beyond them, are refused.
        assert!(BlockDigest::decode(&mut &bytes[..50]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(
            codec::DecodeAll::decode_all(&mut &longer[..])
                .map(|d: BlockDigest| d)
                .is_err()
        );
    }

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

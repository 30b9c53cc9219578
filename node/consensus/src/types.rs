//! What LBFT signs and sends: committees, votes, proposals, certificates and the wire message,
//! each with the checks that make it safe to accept from an untrusted peer.
//!
//! Everything signed is domain-separated by the chain's genesis hash and a per-kind tag, so a
//! vote of one chain (or of a sidechain with the same committee) never counts on another, and
//! a proposal signature never passes for a vote.

use crate::{Height, Round, ValidatorIndex};
use codec::{Decode, DecodeLimit, Encode};
use cpc_consensus_primitives::Committee;
use cpc_crypto::sr25519::{self, Public, Signature, VerifyingKey};
use cpc_primitives::H256;
use std::fmt::Debug;

pub use cpc_consensus_primitives::certificate::MAX_VALIDATORS;
/// Largest encoded message accepted from a peer, in bytes (a full block plus certificates).
pub const MAX_MESSAGE_SIZE: usize = 8 * 1024 * 1024;
/// Nesting depth accepted when decoding a message.
const MAX_DECODE_DEPTH: u32 = 32;

/// A block as consensus sees it: an identity, a height and a parent.
pub trait ConsensusBlock: Clone + Debug + Encode + Decode + PartialEq {
    /// The block's hash, which votes sign.
    fn hash(&self) -> H256;
    /// The block's height (number).
    fn height(&self) -> Height;
    /// The hash of the block it builds on.
    fn parent_hash(&self) -> H256;
}

impl ConsensusBlock for cpc_primitives::Block {
    fn hash(&self) -> H256 {
        self.header.hash()
    }
    fn height(&self) -> Height {
        self.header.number
    }
    fn parent_hash(&self) -> H256 {
        self.header.parent_hash
    }
}

/// The validator committee of a height, in committee order.
#[derive(Clone, Debug)]
pub struct ValidatorSet {
    members: Vec<Public>,
    /// The members' keys decoded once: every vote is checked against them.
    keys: Vec<VerifyingKey>,
}

impl PartialEq for ValidatorSet {
    fn eq(&self, other: &Self) -> bool {
        self.members == other.members
    }
}

impl Eq for ValidatorSet {}

/// Why a list of keys is not a committee.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ValidatorSetError {
    /// No members.
    Empty,
    /// More than [`MAX_VALIDATORS`] members.
    TooLarge(usize),
    /// A key appears twice.
    Duplicate(Public),
    /// A key is not a valid sr25519 point.
    InvalidKey(Public),
}

impl ValidatorSet {
    /// A committee of `members`, in that order.
    pub fn new(members: Vec<Public>) -> Result<Self, ValidatorSetError> {
        if members.is_empty() {
            return Err(ValidatorSetError::Empty);
        }
        if members.len() > MAX_VALIDATORS {
            return Err(ValidatorSetError::TooLarge(members.len()));
        }
        let mut sorted = members.clone();
        sorted.sort();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(ValidatorSetError::Duplicate(w[0]));
        }
        let keys = members
            .iter()
            .map(|m| VerifyingKey::new(m).ok_or(ValidatorSetError::InvalidKey(*m)))
            .collect::<Result<_, _>>()?;
        Ok(Self { members, keys })
    }

    /// Number of validators, `n`.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Never true: a committee has members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The most faulty validators the committee tolerates: `f = (n - 1) / 3`.
    pub fn max_faulty(&self) -> usize {
        cpc_consensus_primitives::certificate::max_faulty(self.len())
    }

    /// Signatures a certificate needs: `n - f` (see [`cpc_consensus_primitives::certificate::quorum`]).
    pub fn quorum(&self) -> usize {
        cpc_consensus_primitives::certificate::quorum(self.len())
    }

    /// The members in committee order.
    pub fn members(&self) -> &[Public] {
        &self.members
    }

    /// The key of validator `index`.
    pub fn get(&self, index: ValidatorIndex) -> Option<&Public> {
        self.members.get(usize::from(index))
    }

    /// The decoded key of validator `index`.
    pub fn verifying_key(&self, index: ValidatorIndex) -> Option<&VerifyingKey> {
        self.keys.get(usize::from(index))
    }

    /// The index of `key` in the committee.
    pub fn index_of(&self, key: &Public) -> Option<ValidatorIndex> {
        self.members
            .iter()
            .position(|m| m == key)
            .map(|i| i as ValidatorIndex)
    }

    /// The validator that proposes in impeach round `round > 0` of `height`:
    /// `V[(h + r) mod n]`.
    pub fn round_leader(&self, height: Height, round: Round) -> &Public {
        let i = (u64::from(height) + u64::from(round)) % self.len() as u64;
        &self.members[i as usize]
    }
}

pub use cpc_consensus_primitives::{Certificate, CertificateError, Equivocation, SignedVote};
pub use cpc_primitives::lbft::{Vote, VoteKind};

/// The node's committees check signatures natively, with keys decoded once.
impl Committee for ValidatorSet {
    fn size(&self) -> usize {
        self.len()
    }

    fn verify_batch(&self, payload: &[u8], signatures: &[(ValidatorIndex, &Signature)]) -> bool {
        let key = |index: ValidatorIndex| self.verifying_key(index);
        match signatures {
            [] => true,
            [(index, signature)] => key(*index).is_some_and(|k| k.verify(signature, payload)),
            _ => {
                let Some(keys) = signatures
                    .iter()
                    .map(|(index, signature)| key(*index).map(|k| (*signature, payload, k)))
                    .collect::<Option<Vec<_>>>()
                else {
                    return false;
                };
                sr25519::verify_batch_prepared(keys)
            }
        }
    }
}

/// A block offered for a round.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Proposal<B> {
    /// The height.
    pub height: Height,
    /// The round.
    pub round: Round,
    /// The block.
    pub block: B,
    /// In an impeach round, the prepare certificate of an earlier round for `block`, which
    /// lets validators locked in earlier rounds prepare it.
    pub prepared: Option<Certificate>,
}

impl<B: Encode> Proposal<B> {
    /// The bytes a proposer signs: the block only by hash, so signing is cheap.
    pub fn signing_payload(&self, chain: &H256, block_hash: &H256) -> Vec<u8> {
        (
            b"cpc/lbft/proposal",
            chain,
            self.height,
            self.round,
            block_hash,
        )
            .encode()
    }
}

/// A proposal with its proposer's signature.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct SignedProposal<B> {
    /// The proposal.
    pub proposal: Proposal<B>,
    /// The proposer's key (the elected proposer in round 0 need not be a validator).
    pub proposer: Public,
    /// Its signature on [`Proposal::signing_payload`].
    pub signature: Signature,
}

/// What validators gossip.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Message<B> {
    /// A block for a round.
    Proposal(SignedProposal<B>),
    /// A prepare or commit.
    Vote(SignedVote),
    /// A finalized block with its commit certificate, sent to one peer that missed the votes.
    Finalized(B, Certificate),
    /// The commit certificate of a block just finalized, announced by each validator: a node
    /// that missed some commits finalizes from it if it has the block, and syncs it if not.
    /// Small on purpose: announcing the whole block cost the network n copies of it.
    Decided(Certificate),
}

/// Why bytes from a peer are not a message.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum MessageError {
    /// Over [`MAX_MESSAGE_SIZE`].
    TooLarge(usize),
    /// Not a SCALE-encoded message, or bytes left over.
    Malformed,
}

impl<B: Decode> Message<B> {
    /// Decodes a message from an untrusted peer: bounded size and depth, no trailing bytes.
    pub fn decode_bounded(bytes: &[u8]) -> Result<Self, MessageError> {
        if bytes.len() > MAX_MESSAGE_SIZE {
            return Err(MessageError::TooLarge(bytes.len()));
        }
        let mut input = bytes;
        let message = Self::decode_with_depth_limit(MAX_DECODE_DEPTH, &mut input)
            .map_err(|_| MessageError::Malformed)?;
        if !input.is_empty() {
            return Err(MessageError::Malformed);
        }
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cpc_crypto::sr25519::Pair;

    fn pairs(n: u8) -> Vec<Pair> {
        (0..n).map(|i| Pair::from_seed(&[i + 1; 32])).collect()
    }

    fn set(pairs: &[Pair]) -> ValidatorSet {
        ValidatorSet::new(pairs.iter().map(Pair::public).collect()).unwrap()
    }

    const CHAIN: H256 = H256([7; 32]);

    fn certificate(pairs: &[Pair], signers: &[u16], vote: Vote) -> Certificate {
        Certificate {
            kind: vote.kind,
            height: vote.height,
            round: vote.round,
            hash: vote.hash,
            signatures: signers
                .iter()
                .map(|i| {
                    let s = SignedVote::sign(vote, *i, &pairs[usize::from(*i)], &CHAIN);
                    (*i, s.signature)
                })
                .collect(),
        }
    }

    #[test]
    fn quorums_are_n_minus_f() {
        let q = |n: u8| set(&pairs(n)).quorum();
        assert_eq!(
            (q(1), q(2), q(3), q(4), q(5), q(7), q(10)),
            (1, 2, 3, 3, 4, 5, 7)
        );
        assert_eq!(set(&pairs(4)).max_faulty(), 1);
        assert_eq!(set(&pairs(10)).max_faulty(), 3);
    }

    #[test]
    fn the_native_committee_and_the_host_committee_judge_certificates_alike() {
        let pairs = pairs(4);
        let native = set(&pairs);
        let host: Vec<Public> = pairs.iter().map(Pair::public).collect();
        let vote = Vote {
            kind: VoteKind::Commit,
            height: 5,
            round: 1,
            hash: H256([9; 32]),
        };
        let good = certificate(&pairs, &[0, 2, 3], vote);
        let mut forged = good.clone();
        forged.signatures[1].1 = forged.signatures[0].1;
        let single = certificate(&pairs, &[1], vote);
        for (c, expected) in [(&good, true), (&forged, false)] {
            let hash = H256([9; 32]);
            let n = c.verify(VoteKind::Commit, 5, &hash, &native, &CHAIN);
            let h = c.verify(VoteKind::Commit, 5, &hash, host.as_slice(), &CHAIN);
            assert_eq!((n.is_ok(), h.is_ok()), (expected, expected));
        }
        let one = SignedVote {
            vote,
            validator: 1,
            signature: single.signatures[0].1,
        };
        assert!(one.verify(&native, &CHAIN) && one.verify(host.as_slice(), &CHAIN));
        let wrong = SignedVote {
            validator: 2,
            ..one
        };
        assert!(!wrong.verify(&native, &CHAIN) && !wrong.verify(host.as_slice(), &CHAIN));
    }

    #[test]
    fn committees_are_bounded_and_without_duplicates() {
        assert_eq!(ValidatorSet::new(vec![]), Err(ValidatorSetError::Empty));
        let key = Public([1; 32]);
        assert_eq!(
            ValidatorSet::new(vec![key, Public([2; 32]), key]),
            Err(ValidatorSetError::Duplicate(key))
        );
        let many = (0..=MAX_VALIDATORS as u32)
            .map(|i| {
                let mut k = [0; 32];
                k[..4].copy_from_slice(&i.to_le_bytes());
                Public(k)
            })
            .collect();
        assert_eq!(
            ValidatorSet::new(many),
            Err(ValidatorSetError::TooLarge(MAX_VALIDATORS + 1))
        );
    }

    #[test]
    fn garbage_and_oversized_messages_are_refused() {
        type M = Message<u64>;
        assert_eq!(
            M::decode_bounded(&vec![0; MAX_MESSAGE_SIZE + 1]),
            Err(MessageError::TooLarge(MAX_MESSAGE_SIZE + 1))
        );
        assert_eq!(M::decode_bounded(&[9, 9, 9]), Err(MessageError::Malformed));
        let vote = SignedVote {
            vote: Vote {
                kind: VoteKind::Prepare,
                height: 1,
                round: 0,
                hash: H256::default(),
            },
            validator: 0,
            signature: Signature([0; 64]),
        };
        let mut bytes = M::Vote(vote).encode();
        assert_eq!(M::decode_bounded(&bytes), Ok(M::Vote(vote)));
        bytes.push(0);
        assert_eq!(M::decode_bounded(&bytes), Err(MessageError::Malformed));
        // A certificate claiming a billion signatures in a few bytes.
        let mut huge = vec![2u8];
        huge.extend(7u64.encode());
        huge.extend(
            Certificate {
                kind: VoteKind::Commit,
                height: 1,
                round: 0,
                hash: H256::default(),
                signatures: vec![],
            }
            .encode(),
        );
        let len = huge.len();
        huge[len - 1] = 0xff;
        huge.extend([0xff, 0xff, 0xff]);
        assert_eq!(M::decode_bounded(&huge), Err(MessageError::Malformed));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = Message::<u64>::decode_bounded(&bytes);
        }
    }
}

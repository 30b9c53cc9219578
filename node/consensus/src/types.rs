//! What LBFT signs and sends: committees, votes, proposals, certificates and the wire message,
//! each with the checks that make it safe to accept from an untrusted peer.
//!
//! Everything signed is domain-separated by the chain's genesis hash and a per-kind tag, so a
//! vote of one chain (or of a sidechain with the same committee) never counts on another, and
//! a proposal signature never passes for a vote.

use crate::{Height, Round, ValidatorIndex};
use codec::{Decode, DecodeLimit, Encode};
use cpc_crypto::sr25519::{self, Pair, Public, Signature, VerifyingKey};
use cpc_primitives::H256;
use std::fmt::Debug;

/// Most validators a committee may have: bounds certificates and vote tables.
pub const MAX_VALIDATORS: usize = 256;
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
        (self.len() - 1) / 3
    }

    /// Signatures a certificate needs: `n - f`, which is `2f + 1` when `n = 3f + 1`. Any two
    /// quorums then share at least `f + 1` validators, so at least one honest one.
    pub fn quorum(&self) -> usize {
        self.len() - self.max_faulty()
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

pub use cpc_primitives::lbft::{Vote, VoteKind};

/// A vote with its validator's signature.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub struct SignedVote {
    /// The vote.
    pub vote: Vote,
    /// Who voted, by committee index.
    pub validator: ValidatorIndex,
    /// The validator's signature on [`Vote::signing_payload`].
    pub signature: Signature,
}

impl SignedVote {
    /// Signs `vote` as validator `validator` with `pair`.
    pub fn sign(vote: Vote, validator: ValidatorIndex, pair: &Pair, chain: &H256) -> Self {
        Self {
            vote,
            validator,
            signature: pair.sign(&vote.signing_payload(chain)),
        }
    }

    /// Whether the signer is in `set` and the signature is its.
    pub fn verify(&self, set: &ValidatorSet, chain: &H256) -> bool {
        set.verifying_key(self.validator)
            .is_some_and(|key| key.verify(&self.signature, &self.vote.signing_payload(chain)))
    }
}

/// Two signed votes of one validator for different blocks in the same height, round and kind:
/// proof that it is faulty, which the hybrid-consensus pallet slashes.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Equivocation {
    /// The first vote seen.
    pub first: SignedVote,
    /// The conflicting one.
    pub second: SignedVote,
}

impl Equivocation {
    /// Whether this is real evidence against a member of `set`.
    pub fn verify(&self, set: &ValidatorSet, chain: &H256) -> bool {
        let (a, b) = (&self.first, &self.second);
        a.validator == b.validator
            && a.vote.kind == b.vote.kind
            && a.vote.height == b.vote.height
            && a.vote.round == b.vote.round
            && a.vote.hash != b.vote.hash
            && a.verify(set, chain)
            && b.verify(set, chain)
    }
}

/// 2f+1 signatures of one kind for one block in one round. A commit certificate is the
/// justification stored with a finalized block; a prepare certificate lets a locked validator
/// move to a block prepared in a later round.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Certificate {
    /// Prepare or commit.
    pub kind: VoteKind,
    /// The height.
    pub height: Height,
    /// The round all signatures are from.
    pub round: Round,
    /// The block.
    pub hash: H256,
    /// `(validator index, signature)`, indices strictly increasing.
    pub signatures: Vec<(ValidatorIndex, Signature)>,
}

/// Why a certificate is refused.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum CertificateError {
    /// Not the kind expected (a prepare certificate offered as a commit certificate).
    WrongKind,
    /// For another height or block than expected.
    WrongTarget,
    /// Fewer signatures than the committee's quorum.
    NotEnoughSignatures {
        /// Signatures present.
        got: usize,
        /// The quorum.
        need: usize,
    },
    /// Indices not strictly increasing (a duplicate signer).
    Unordered,
    /// An index outside the committee.
    NotAMember(ValidatorIndex),
    /// A signature does not verify.
    BadSignature,
}

impl Certificate {
    /// The vote every signature of this certificate signs.
    pub fn vote(&self) -> Vote {
        Vote {
            kind: self.kind,
            height: self.height,
            round: self.round,
            hash: self.hash,
        }
    }

    /// Checks that this is a `kind` certificate for `hash` at `height` signed by a quorum of
    /// `set`.
    pub fn verify(
        &self,
        kind: VoteKind,
        height: Height,
        hash: &H256,
        set: &ValidatorSet,
        chain: &H256,
    ) -> Result<(), CertificateError> {
        self.verify_with_known(kind, height, hash, set, chain, |_, _| false)
    }

    /// Like [`Certificate::verify`], but signatures for which `known(index, signature)` holds
    /// were verified before (as votes) and are not checked again.
    pub fn verify_with_known(
        &self,
        kind: VoteKind,
        height: Height,
        hash: &H256,
        set: &ValidatorSet,
        chain: &H256,
        known: impl Fn(ValidatorIndex, &Signature) -> bool,
    ) -> Result<(), CertificateError> {
        if self.kind != kind {
            return Err(CertificateError::WrongKind);
        }
        if self.height != height || self.hash != *hash {
            return Err(CertificateError::WrongTarget);
        }
        let need = set.quorum();
        if self.signatures.len() < need {
            return Err(CertificateError::NotEnoughSignatures {
                got: self.signatures.len(),
                need,
            });
        }
        if self.signatures.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(CertificateError::Unordered);
        }
        let mut unknown = Vec::with_capacity(self.signatures.len());
        for (index, signature) in &self.signatures {
            let key = set
                .verifying_key(*index)
                .ok_or(CertificateError::NotAMember(*index))?;
            if !known(*index, signature) {
                unknown.push((signature, key));
            }
        }
        let payload = self.vote().signing_payload(chain);
        let valid = match unknown.as_slice() {
            [] => true,
            [(signature, key)] => key.verify(signature, &payload),
            _ => sr25519::verify_batch_prepared(
                unknown
                    .iter()
                    .map(|(signature, key)| (*signature, payload.as_slice(), *key)),
            ),
        };
        if valid {
            Ok(())
        } else {
            Err(CertificateError::BadSignature)
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
    /// A finalized block with its commit certificate, for nodes that missed the votes.
    Finalized(B, Certificate),
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
    fn a_quorum_certificate_verifies_and_every_flaw_is_named() {
        let pairs = pairs(4);
        let set = set(&pairs);
        let vote = Vote {
            kind: VoteKind::Commit,
            height: 5,
            round: 1,
            hash: H256([9; 32]),
        };
        let good = certificate(&pairs, &[0, 2, 3], vote);
        let verify = |c: &Certificate| c.verify(VoteKind::Commit, 5, &H256([9; 32]), &set, &CHAIN);
        assert_eq!(verify(&good), Ok(()));
        assert_eq!(
            good.verify(VoteKind::Prepare, 5, &H256([9; 32]), &set, &CHAIN),
            Err(CertificateError::WrongKind)
        );
        assert_eq!(
            good.verify(VoteKind::Commit, 6, &H256([9; 32]), &set, &CHAIN),
            Err(CertificateError::WrongTarget)
        );
        assert_eq!(
            good.verify(VoteKind::Commit, 5, &H256([9; 32]), &set, &H256([8; 32])),
            Err(CertificateError::BadSignature),
            "another chain's votes do not count"
        );
        let short = certificate(&pairs, &[0, 2], vote);
        assert_eq!(
            verify(&short),
            Err(CertificateError::NotEnoughSignatures { got: 2, need: 3 })
        );
        let mut duplicate = certificate(&pairs, &[0, 2, 2], vote);
        assert_eq!(verify(&duplicate), Err(CertificateError::Unordered));
        duplicate.signatures.swap(0, 1);
        assert_eq!(verify(&duplicate), Err(CertificateError::Unordered));
        let mut outsider = good.clone();
        outsider.signatures[2].0 = 4;
        assert_eq!(verify(&outsider), Err(CertificateError::NotAMember(4)));
        let mut forged = good.clone();
        forged.signatures[1].1 = forged.signatures[0].1;
        assert_eq!(verify(&forged), Err(CertificateError::BadSignature));
        // Signatures of another round do not make a certificate of this one.
        let mut mixed = good;
        mixed.signatures[0] = certificate(&pairs, &[0], Vote { round: 0, ..vote }).signatures[0];
        assert_eq!(verify(&mixed), Err(CertificateError::BadSignature));
    }

    #[test]
    fn equivocation_needs_two_signed_votes_for_different_blocks() {
        let pairs = pairs(4);
        let set = set(&pairs);
        let vote = Vote {
            kind: VoteKind::Prepare,
            height: 3,
            round: 0,
            hash: H256([1; 32]),
        };
        let first = SignedVote::sign(vote, 1, &pairs[1], &CHAIN);
        let other = Vote {
            hash: H256([2; 32]),
            ..vote
        };
        let second = SignedVote::sign(other, 1, &pairs[1], &CHAIN);
        assert!(Equivocation { first, second }.verify(&set, &CHAIN));
        assert!(
            !Equivocation {
                first,
                second: first
            }
            .verify(&set, &CHAIN)
        );
        let framed = SignedVote {
            signature: SignedVote::sign(other, 2, &pairs[2], &CHAIN).signature,
            ..second
        };
        assert!(
            !Equivocation {
                first,
                second: framed
            }
            .verify(&set, &CHAIN)
        );
        let next_round = SignedVote::sign(Vote { round: 1, ..other }, 1, &pairs[1], &CHAIN);
        assert!(
            !Equivocation {
                first,
                second: next_round
            }
            .verify(&set, &CHAIN)
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

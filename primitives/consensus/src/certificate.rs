//! LBFT certificates: the format validators produce and the checks that make one safe to
//! accept, shared by the node's engine (std, keys decoded once) and by pallets that follow
//! another chain's finality (no_std, signatures checked through the host).
//!
//! A commit certificate is a block's justification: `n - f` signatures of one round's commit
//! vote for that block by distinct members of the committee that finalized it. Whoever checks
//! one supplies the committee through [`Committee`], which says how big it is and checks a
//! batch of its members' signatures; everything else (kind, target, quorum, order,
//! membership) is checked here, the same way for every caller.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use cpc_primitives::{
    H256,
    lbft::{Vote, VoteKind},
    sr25519::{Public, Signature},
};
use scale_info::TypeInfo;

/// A block number, as consensus counts heights.
pub type Height = u32;
/// A round within a height.
pub type Round = u32;
/// A validator's position in the committee.
pub type ValidatorIndex = u16;

/// Most validators a committee may have: bounds certificates and vote tables.
pub const MAX_VALIDATORS: usize = 256;

/// The most faulty members a committee of `n` tolerates: `f = (n - 1) / 3`.
pub const fn max_faulty(n: usize) -> usize {
    n.saturating_sub(1) / 3
}

/// Signatures a certificate of a committee of `n` needs: `n - f`, which is `2f + 1` when
/// `n = 3f + 1`. Any two quorums share at least `f + 1` members, so at least one honest one.
pub const fn quorum(n: usize) -> usize {
    n - max_faulty(n)
}

/// A committee whose members' signatures can be checked.
pub trait Committee {
    /// Number of members, `n`.
    fn size(&self) -> usize;

    /// Whether every `(index, signature)` is member `index`'s signature of `payload`. Called
    /// only with indices below [`Committee::size`]; an empty batch is valid.
    fn verify_batch(&self, payload: &[u8], signatures: &[(ValidatorIndex, &Signature)]) -> bool;
}

/// A committee given as its members' session keys, checked through the host's batch
/// verification (`cpc_io`): what a runtime uses.
impl Committee for [Public] {
    fn size(&self) -> usize {
        self.len()
    }

    fn verify_batch(&self, payload: &[u8], signatures: &[(ValidatorIndex, &Signature)]) -> bool {
        match signatures {
            [] => true,
            [(index, signature)] => {
                cpc_io::crypto::sr25519_verify(signature, payload, &self[usize::from(*index)])
            }
            _ => {
                let items: Vec<_> = signatures
                    .iter()
                    .map(|(index, signature)| {
                        (**signature, payload.to_vec(), self[usize::from(*index)])
                    })
                    .collect();
                cpc_io::crypto::sr25519_batch_verify(&items)
            }
        }
    }
}

/// A vote with its validator's signature.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct SignedVote {
    /// The vote.
    pub vote: Vote,
    /// Who voted, by committee index.
    pub validator: ValidatorIndex,
    /// The validator's signature on [`Vote::signing_payload`].
    pub signature: Signature,
}

impl SignedVote {
    /// Signs `vote` as validator `validator` with `pair`, on chain `chain`.
    #[cfg(feature = "std")]
    pub fn sign(
        vote: Vote,
        validator: ValidatorIndex,
        pair: &cpc_primitives::sr25519::Pair,
        chain: &H256,
    ) -> Self {
        Self {
            vote,
            validator,
            signature: pair.sign(&vote.signing_payload(chain)),
        }
    }

    /// Whether the signer is in `committee` and the signature is its, on chain `chain`.
    pub fn verify<C: Committee + ?Sized>(&self, committee: &C, chain: &H256) -> bool {
        usize::from(self.validator) < committee.size()
            && committee.verify_batch(
                &self.vote.signing_payload(chain),
                &[(self.validator, &self.signature)],
            )
    }

    /// Whether `other` conflicts with this vote: the same validator, height, round and kind,
    /// for another block. Signatures are not checked.
    pub fn conflicts_with(&self, other: &SignedVote) -> bool {
        let (a, b) = (&self.vote, &other.vote);
        self.validator == other.validator
            && a.kind == b.kind
            && a.height == b.height
            && a.round == b.round
            && a.hash != b.hash
    }
}

/// Two signed votes of one validator for different blocks in the same height, round and kind:
/// proof that it is faulty, which the hybrid-consensus pallet slashes.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct Equivocation {
    /// The first vote seen.
    pub first: SignedVote,
    /// The conflicting one.
    pub second: SignedVote,
}

impl Equivocation {
    /// Whether this is real evidence against a member of `committee`.
    pub fn verify<C: Committee + ?Sized>(&self, committee: &C, chain: &H256) -> bool {
        self.first.conflicts_with(&self.second)
            && self.first.verify(committee, chain)
            && self.second.verify(committee, chain)
    }
}

/// `n - f` signatures of one kind for one block in one round. A commit certificate is the
/// justification stored with a finalized block; a prepare certificate lets a locked validator
/// move to a block prepared in a later round.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
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
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum CertificateError {
    /// Not the kind expected (a prepare certificate offered as a commit certificate).
    WrongKind,
    /// For another height or block than expected.
    WrongTarget,
    /// Fewer signatures than the committee's quorum.
    NotEnoughSignatures {
        /// Signatures present.
        got: u32,
        /// The quorum.
        need: u32,
    },
    /// Indices not strictly increasing (a duplicate signer).
    Unordered,
    /// An index outside the committee.
    NotAMember(ValidatorIndex),
    /// A signature does not verify.
    BadSignature,
}

impl core::fmt::Display for CertificateError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::WrongKind => f.write_str("a certificate of the wrong kind"),
            Self::WrongTarget => f.write_str("a certificate for another block"),
            Self::NotEnoughSignatures { got, need } => {
                write!(f, "{got} signatures where the quorum is {need}")
            }
            Self::Unordered => f.write_str("signer indices not strictly increasing"),
            Self::NotAMember(index) => write!(f, "signer {index} is not in the committee"),
            Self::BadSignature => f.write_str("a signature does not verify"),
        }
    }
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
    /// `committee` on chain `chain` (its genesis hash).
    pub fn verify<C: Committee + ?Sized>(
        &self,
        kind: VoteKind,
        height: Height,
        hash: &H256,
        committee: &C,
        chain: &H256,
    ) -> Result<(), CertificateError> {
        self.verify_with_known(kind, height, hash, committee, chain, |_, _| false)
    }

    /// Everything [`Certificate::verify`] checks but the signatures: cheap, so a caller runs
    /// it before paying for any verification.
    pub fn check_shape(
        &self,
        kind: VoteKind,
        height: Height,
        hash: &H256,
        committee_size: usize,
    ) -> Result<(), CertificateError> {
        if self.kind != kind {
            return Err(CertificateError::WrongKind);
        }
        if self.height != height || self.hash != *hash {
            return Err(CertificateError::WrongTarget);
        }
        let need = quorum(committee_size);
        if self.signatures.len() < need {
            return Err(CertificateError::NotEnoughSignatures {
                got: self.signatures.len() as u32,
                need: need as u32,
            });
        }
        if self.signatures.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(CertificateError::Unordered);
        }
        // Indices are strictly increasing, so only the last can be out of range first.
        if let Some((index, _)) = self
            .signatures
            .iter()
            .find(|(index, _)| usize::from(*index) >= committee_size)
        {
            return Err(CertificateError::NotAMember(*index));
        }
        Ok(())
    }

    /// Like [`Certificate::verify`], but signatures for which `known(index, signature)` holds
    /// were verified before (as votes) and are not checked again.
    pub fn verify_with_known<C: Committee + ?Sized>(
        &self,
        kind: VoteKind,
        height: Height,
        hash: &H256,
        committee: &C,
        chain: &H256,
        known: impl Fn(ValidatorIndex, &Signature) -> bool,
    ) -> Result<(), CertificateError> {
        self.check_shape(kind, height, hash, committee.size())?;
        let unknown: Vec<(ValidatorIndex, &Signature)> = self
            .signatures
            .iter()
            .filter(|(index, signature)| !known(*index, signature))
            .map(|(index, signature)| (*index, signature))
            .collect();
        if committee.verify_batch(&self.vote().signing_payload(chain), &unknown) {
            Ok(())
        } else {
            Err(CertificateError::BadSignature)
        }
    }

    /// The session keys that signed, given the committee's keys (indices already checked).
    pub fn signers<'a>(&'a self, members: &'a [Public]) -> impl Iterator<Item = &'a Public> {
        self.signatures
            .iter()
            .filter_map(|(index, _)| members.get(usize::from(*index)))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use cpc_primitives::sr25519::Pair;

    pub fn pairs(n: u8) -> Vec<Pair> {
        (0..n).map(|i| Pair::from_seed(&[i + 1; 32])).collect()
    }

    pub fn keys(pairs: &[Pair]) -> Vec<Public> {
        pairs.iter().map(Pair::public).collect()
    }

    const CHAIN: H256 = H256([7; 32]);

    pub fn certificate(pairs: &[Pair], signers: &[u16], vote: Vote, chain: &H256) -> Certificate {
        Certificate {
            kind: vote.kind,
            height: vote.height,
            round: vote.round,
            hash: vote.hash,
            signatures: signers
                .iter()
                .map(|i| {
                    let signature = pairs[usize::from(*i)].sign(&vote.signing_payload(chain));
                    (*i, signature)
                })
                .collect(),
        }
    }

    #[test]
    fn quorums_are_n_minus_f() {
        assert_eq!(
            [1, 2, 3, 4, 5, 7, 10].map(quorum),
            [1, 2, 3, 3, 4, 5, 7],
            "quorums"
        );
        assert_eq!((max_faulty(4), max_faulty(10)), (1, 3));
    }

    #[test]
    fn a_quorum_certificate_verifies_and_every_flaw_is_named() {
        let pairs = pairs(4);
        let committee = keys(&pairs);
        let committee = committee.as_slice();
        let vote = Vote {
            kind: VoteKind::Commit,
            height: 5,
            round: 1,
            hash: H256([9; 32]),
        };
        let good = certificate(&pairs, &[0, 2, 3], vote, &CHAIN);
        let verify =
            |c: &Certificate| c.verify(VoteKind::Commit, 5, &H256([9; 32]), committee, &CHAIN);
        assert_eq!(verify(&good), Ok(()));
        assert_eq!(
            good.verify(VoteKind::Prepare, 5, &H256([9; 32]), committee, &CHAIN),
            Err(CertificateError::WrongKind)
        );
        assert_eq!(
            good.verify(VoteKind::Commit, 6, &H256([9; 32]), committee, &CHAIN),
            Err(CertificateError::WrongTarget)
        );
        assert_eq!(
            good.verify(
                VoteKind::Commit,
                5,
                &H256([9; 32]),
                committee,
                &H256([8; 32])
            ),
            Err(CertificateError::BadSignature),
            "another chain's votes do not count"
        );
        let short = certificate(&pairs, &[0, 2], vote, &CHAIN);
        assert_eq!(
            verify(&short),
            Err(CertificateError::NotEnoughSignatures { got: 2, need: 3 })
        );
        let mut duplicate = certificate(&pairs, &[0, 2, 2], vote, &CHAIN);
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
        let mut mixed = good.clone();
        mixed.signatures[0] =
            certificate(&pairs, &[0], Vote { round: 0, ..vote }, &CHAIN).signatures[0];
        assert_eq!(verify(&mixed), Err(CertificateError::BadSignature));
        // Signatures verified before are not checked again.
        assert_eq!(
            forged.verify_with_known(
                VoteKind::Commit,
                5,
                &H256([9; 32]),
                committee,
                &CHAIN,
                |index, _| index == 3
            ),
            Err(CertificateError::BadSignature)
        );
        assert_eq!(
            forged.verify_with_known(
                VoteKind::Commit,
                5,
                &H256([9; 32]),
                committee,
                &CHAIN,
                |index, _| index == 2
            ),
            Ok(()),
            "the forged signature was taken as verified before"
        );
    }

    #[test]
    fn equivocation_needs_two_signed_votes_for_different_blocks() {
        let pairs = pairs(4);
        let committee = keys(&pairs);
        let committee = committee.as_slice();
        let sign =
            |vote: Vote, index: u16, pair: &Pair| SignedVote::sign(vote, index, pair, &CHAIN);
        let vote = Vote {
            kind: VoteKind::Prepare,
            height: 3,
            round: 0,
            hash: H256([1; 32]),
        };
        let first = sign(vote, 1, &pairs[1]);
        let other = Vote {
            hash: H256([2; 32]),
            ..vote
        };
        let second = sign(other, 1, &pairs[1]);
        assert!(Equivocation { first, second }.verify(committee, &CHAIN));
        let same = Equivocation {
            first,
            second: first,
        };
        assert!(!same.verify(committee, &CHAIN));
        let framed = SignedVote {
            signature: sign(other, 2, &pairs[2]).signature,
            ..second
        };
        let framed = Equivocation {
            first,
            second: framed,
        };
        assert!(!framed.verify(committee, &CHAIN));
        let next_round = sign(Vote { round: 1, ..other }, 1, &pairs[1]);
        let next_round = Equivocation {
            first,
            second: next_round,
        };
        assert!(!next_round.verify(committee, &CHAIN));
        let outsider = SignedVote {
            validator: 9,
            ..first
        };
        assert!(!outsider.verify(committee, &CHAIN));
    }
}

//! Following another LBFT chain's finality from inside a runtime: the checks a light client
//! of a CPChain chain makes before it believes a header is final.
//!
//! The main chain's sidechain registry follows each sidechain this way, and a sidechain's
//! main-chain tracker follows the main chain. Both keep the same small state: the followed
//! chain's genesis hash (votes are bound to it), its current committee and set id, and the
//! last header known final. An extension is a run of consecutive headers whose last one
//! carries a commit certificate of that committee:
//!
//! - the run must start on the known head (parent hash and number) and link by parent hash;
//!   headers before the certified one are final because the chain is linear and each block
//!   is final when its child is built on it, so the certificate on the last covers them all;
//! - a header that changes the committee (`Consensus(LBFT, ValidatorSetChange)`) must be the
//!   certified one: its certificate is the outgoing committee's, and only then is the incoming
//!   committee's key list trusted. A run that carries a hand-off before its end is refused, so
//!   a stale committee can never certify a header after its successor took over without that
//!   hand-off having been seen first;
//! - hand-offs must raise the set id by exactly one and name a usable committee.
//!
//! Nothing here reads storage: the caller loads the state, calls [`verify_extension`], and
//! writes back what it returns, so the checks are tested without a runtime.

use crate::certificate::{Certificate, CertificateError, Committee, Height, MAX_VALIDATORS};
use alloc::vec::Vec;
use codec::{Decode, DecodeLimit, Encode, MaxEncodedLen};
use cpc_primitives::{
    H256, Header,
    header::DigestItem,
    lbft::{ENGINE_ID, ValidatorSetChange, VoteKind},
    sr25519::Public,
};
use scale_info::TypeInfo;

/// Nesting depth accepted when decoding a digest item of a followed chain.
const MAX_DECODE_DEPTH: u32 = 8;

/// A header known final, as much of it as proofs need.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct FinalizedHeader {
    /// Its number.
    pub number: Height,
    /// Its hash.
    pub hash: H256,
    /// Its state root: storage proofs of that chain are checked against it.
    pub state_root: H256,
}

impl FinalizedHeader {
    /// The parts of `header` a follower keeps.
    pub fn of(header: &Header) -> Self {
        Self {
            number: header.number,
            hash: header.hash(),
            state_root: header.state_root,
        }
    }
}

/// What a follower believes about a followed chain before an extension.
#[derive(Clone, Copy, Debug)]
pub struct Followed<'a, C: Committee + ?Sized> {
    /// The followed chain's genesis hash: the chain its validators' votes are bound to.
    pub chain: H256,
    /// The id of its current committee.
    pub set_id: u64,
    /// Its current committee.
    pub committee: &'a C,
    /// The last header known final.
    pub head: FinalizedHeader,
}

/// An accepted extension: what the follower now knows.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Extension {
    /// Every header of the run, oldest first; the last is the new head.
    pub headers: Vec<FinalizedHeader>,
    /// The committee taking over after the new head, if it changes it.
    pub hand_off: Option<ValidatorSetChange>,
}

impl Extension {
    /// The new head.
    pub fn head(&self) -> FinalizedHeader {
        // `verify_extension` never returns an empty run.
        self.headers.last().copied().unwrap_or_default()
    }
}

/// Why an extension is refused.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum ExtensionError {
    /// No header.
    Empty,
    /// More headers than the follower accepts at once.
    TooLong,
    /// The run does not start on the known head or does not link by parent hash and number.
    NotExtending,
    /// A header before the certified one changes the committee.
    HandOffNotCertified,
    /// A hand-off's set id is not the next one, or its committee is unusable (empty, too
    /// large, a key twice).
    BadHandOff,
    /// An LBFT consensus digest item does not decode, or a header carries two.
    MalformedDigest,
    /// The commit certificate of the last header does not verify.
    Certificate(CertificateError),
}

impl core::fmt::Display for ExtensionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Empty => f.write_str("no header"),
            Self::TooLong => f.write_str("too many headers at once"),
            Self::NotExtending => f.write_str("the headers do not extend the known head"),
            Self::HandOffNotCertified => {
                f.write_str("a committee hand-off must be the certified header")
            }
            Self::BadHandOff => f.write_str("an unusable committee hand-off"),
            Self::MalformedDigest => f.write_str("a malformed LBFT digest item"),
            Self::Certificate(e) => write!(f, "bad commit certificate: {e}"),
        }
    }
}

/// The committee change `header` announces, if any.
pub fn validator_set_change(header: &Header) -> Result<Option<ValidatorSetChange>, ExtensionError> {
    let mut found = None;
    for item in &header.digest.logs {
        if let DigestItem::Consensus(engine, bytes) = item
            && *engine == ENGINE_ID
        {
            let change =
                ValidatorSetChange::decode_all_with_depth_limit(MAX_DECODE_DEPTH, &mut &bytes[..])
                    .map_err(|_| ExtensionError::MalformedDigest)?;
            if found.replace(change).is_some() {
                return Err(ExtensionError::MalformedDigest);
            }
        }
    }
    Ok(found)
}

/// Whether `members` can be a committee: 1 to [`MAX_VALIDATORS`] distinct keys.
pub fn is_usable_committee(members: &[Public]) -> bool {
    if members.is_empty() || members.len() > MAX_VALIDATORS {
        return false;
    }
    let mut sorted = members.to_vec();
    sorted.sort();
    sorted.windows(2).all(|w| w[0] != w[1])
}

/// Checks that `headers`, the last certified by `certificate`, extend what `followed` knows;
/// at most `max_headers` at once. Cheap checks (links, digests, the certificate's shape) come
/// before any signature is verified.
pub fn verify_extension<C: Committee + ?Sized>(
    followed: &Followed<'_, C>,
    headers: &[Header],
    certificate: &Certificate,
    max_headers: usize,
) -> Result<Extension, ExtensionError> {
    let (last, before) = headers.split_last().ok_or(ExtensionError::Empty)?;
    if headers.len() > max_headers {
        return Err(ExtensionError::TooLong);
    }
    let mut parent = followed.head;
    let mut finalized = Vec::with_capacity(headers.len());
    for header in headers {
        if header.parent_hash != parent.hash || Some(header.number) != parent.number.checked_add(1)
        {
            return Err(ExtensionError::NotExtending);
        }
        parent = FinalizedHeader::of(header);
        finalized.push(parent);
    }
    for header in before {
        if validator_set_change(header)?.is_some() {
            return Err(ExtensionError::HandOffNotCertified);
        }
    }
    let hand_off = validator_set_change(last)?;
    if let Some(change) = &hand_off
        && (Some(change.set_id) != followed.set_id.checked_add(1)
            || !is_usable_committee(&change.validators))
    {
        return Err(ExtensionError::BadHandOff);
    }
    certificate
        .verify(
            VoteKind::Commit,
            last.number,
            &parent.hash,
            followed.committee,
            &followed.chain,
        )
        .map_err(ExtensionError::Certificate)?;
    Ok(Extension {
        headers: finalized,
        hand_off,
    })
}

/// Checks that two headers at one height, each with a commit certificate of `committee` on
/// `chain`, are different blocks: proof that the committee finalized two blocks at one height,
/// which needs `f + 1` faulty members.
pub fn verify_conflict<C: Committee + ?Sized>(
    chain: &H256,
    committee: &C,
    first: (&Header, &Certificate),
    second: (&Header, &Certificate),
) -> Result<Height, ExtensionError> {
    let (a, b) = (first.0.hash(), second.0.hash());
    if first.0.number != second.0.number || a == b {
        return Err(ExtensionError::NotExtending);
    }
    for (header, hash, certificate) in [(first.0, a, first.1), (second.0, b, second.1)] {
        certificate
            .verify(VoteKind::Commit, header.number, &hash, committee, chain)
            .map_err(ExtensionError::Certificate)?;
    }
    Ok(first.0.number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certificate::tests::{certificate, keys, pairs};
    use cpc_primitives::{Digest, lbft::Vote, sr25519::Pair};

    const CHAIN: H256 = H256([5; 32]);

    fn header(parent: &FinalizedHeader, logs: Vec<DigestItem>) -> Header {
        Header {
            parent_hash: parent.hash,
            number: parent.number + 1,
            state_root: H256([parent.number as u8 + 1; 32]),
            extrinsics_root: H256::default(),
            digest: Digest { logs },
        }
    }

    fn run(from: &FinalizedHeader, n: usize) -> Vec<Header> {
        let mut headers: Vec<Header> = Vec::new();
        let mut parent = *from;
        for _ in 0..n {
            let h = header(&parent, Vec::new());
            parent = FinalizedHeader::of(&h);
            headers.push(h);
        }
        headers
    }

    fn commit(pairs: &[Pair], signers: &[u16], header: &Header) -> Certificate {
        let vote = Vote {
            kind: VoteKind::Commit,
            height: header.number,
            round: 0,
            hash: header.hash(),
        };
        certificate(pairs, signers, vote, &CHAIN)
    }

    fn hand_off(set_id: u64, members: &[Public]) -> DigestItem {
        DigestItem::Consensus(
            ENGINE_ID,
            ValidatorSetChange {
                set_id,
                validators: members.to_vec(),
            }
            .encode(),
        )
    }

    #[test]
    fn a_certified_run_extends_the_head_and_every_header_of_it_is_final() {
        let pairs = pairs(4);
        let committee = keys(&pairs);
        let genesis = FinalizedHeader::default();
        let followed = Followed {
            chain: CHAIN,
            set_id: 0,
            committee: committee.as_slice(),
            head: genesis,
        };
        let headers = run(&genesis, 3);
        let cert = commit(&pairs, &[0, 1, 3], &headers[2]);
        let extension = verify_extension(&followed, &headers, &cert, 8).unwrap();
        assert_eq!(extension.headers.len(), 3);
        assert_eq!(extension.head(), FinalizedHeader::of(&headers[2]));
        assert_eq!(extension.hand_off, None);

        // Every refusal, each on an otherwise good extension.
        let verify = |h: &[Header], c: &Certificate| verify_extension(&followed, h, c, 8);
        assert_eq!(verify(&[], &cert), Err(ExtensionError::Empty));
        assert_eq!(
            verify_extension(&followed, &headers, &cert, 2),
            Err(ExtensionError::TooLong)
        );
        assert_eq!(
            verify(&headers[1..], &cert),
            Err(ExtensionError::NotExtending)
        );
        let mut gap = headers.clone();
        gap.remove(1);
        assert_eq!(verify(&gap, &cert), Err(ExtensionError::NotExtending));
        let short = commit(&pairs, &[0, 1], &headers[2]);
        assert_eq!(
            verify(&headers, &short),
            Err(ExtensionError::Certificate(
                CertificateError::NotEnoughSignatures { got: 2, need: 3 }
            ))
        );
        let foreign = {
            let vote = commit(&pairs, &[0], &headers[2]).vote();
            certificate(&pairs, &[0, 1, 3], vote, &H256([6; 32]))
        };
        assert_eq!(
            verify(&headers, &foreign),
            Err(ExtensionError::Certificate(CertificateError::BadSignature))
        );
        let of_earlier = commit(&pairs, &[0, 1, 3], &headers[1]);
        assert_eq!(
            verify(&headers, &of_earlier),
            Err(ExtensionError::Certificate(CertificateError::WrongTarget))
        );
        let outsiders = pairs_from(10, 4);
        let stranger = commit(&outsiders, &[0, 1, 3], &headers[2]);
        assert_eq!(
            verify(&headers, &stranger),
            Err(ExtensionError::Certificate(CertificateError::BadSignature))
        );
    }

    fn pairs_from(seed: u8, n: u8) -> Vec<Pair> {
        (0..n).map(|i| Pair::from_seed(&[seed + i; 32])).collect()
    }

    #[test]
    fn hand_offs_must_be_certified_by_the_outgoing_committee_and_come_in_order() {
        let old = pairs(4);
        let new = pairs_from(50, 4);
        let old_keys = keys(&old);
        let new_keys = keys(&new);
        let genesis = FinalizedHeader::default();
        let followed = Followed {
            chain: CHAIN,
            set_id: 3,
            committee: old_keys.as_slice(),
            head: genesis,
        };
        let handing = header(&genesis, vec![hand_off(4, &new_keys)]);
        let extension = verify_extension(
            &followed,
            core::slice::from_ref(&handing),
            &commit(&old, &[0, 1, 2], &handing),
            8,
        )
        .unwrap();
        assert_eq!(
            extension.hand_off.map(|c| (c.set_id, c.validators)),
            Some((4, new_keys.clone()))
        );
        // The incoming committee cannot certify its own hand-off.
        assert_eq!(
            verify_extension(
                &followed,
                core::slice::from_ref(&handing),
                &commit(&new, &[0, 1, 2], &handing),
                8
            ),
            Err(ExtensionError::Certificate(CertificateError::BadSignature))
        );
        // A hand-off inside a run is refused, even when the run's end is certified by the old
        // committee: the old committee is stale after it.
        let mut headers = vec![handing.clone()];
        headers.extend(run(&FinalizedHeader::of(&handing), 2));
        assert_eq!(
            verify_extension(
                &followed,
                &headers,
                &commit(&old, &[0, 1, 2], &headers[2]),
                8
            ),
            Err(ExtensionError::HandOffNotCertified)
        );
        // Set ids move by one; committees are usable.
        for bad in [
            hand_off(5, &new_keys),
            hand_off(3, &new_keys),
            hand_off(4, &[]),
            hand_off(4, &[new_keys[0], new_keys[0]]),
        ] {
            let h = header(&genesis, vec![bad]);
            assert_eq!(
                verify_extension(
                    &followed,
                    core::slice::from_ref(&h),
                    &commit(&old, &[0, 1, 2], &h),
                    8
                ),
                Err(ExtensionError::BadHandOff)
            );
        }
        let two = header(
            &genesis,
            vec![hand_off(4, &new_keys), hand_off(4, &new_keys)],
        );
        let garbage = header(
            &genesis,
            vec![DigestItem::Consensus(ENGINE_ID, vec![1, 2, 3])],
        );
        for h in [two, garbage] {
            assert_eq!(
                verify_extension(
                    &followed,
                    core::slice::from_ref(&h),
                    &commit(&old, &[0, 1, 2], &h),
                    8
                ),
                Err(ExtensionError::MalformedDigest)
            );
        }
    }

    #[test]
    fn two_certified_headers_at_one_height_are_a_conflict() {
        let pairs = pairs(4);
        let committee = keys(&pairs);
        let genesis = FinalizedHeader::default();
        let a = header(&genesis, Vec::new());
        let mut b = a.clone();
        b.state_root = H256([99; 32]);
        let (ca, cb) = (
            commit(&pairs, &[0, 1, 2], &a),
            commit(&pairs, &[1, 2, 3], &b),
        );
        assert_eq!(
            verify_conflict(&CHAIN, committee.as_slice(), (&a, &ca), (&b, &cb)),
            Ok(1)
        );
        assert_eq!(
            verify_conflict(&CHAIN, committee.as_slice(), (&a, &ca), (&a, &ca)),
            Err(ExtensionError::NotExtending)
        );
        let weak = commit(&pairs, &[1, 2], &b);
        assert!(verify_conflict(&CHAIN, committee.as_slice(), (&a, &ca), (&b, &weak)).is_err());
    }
}

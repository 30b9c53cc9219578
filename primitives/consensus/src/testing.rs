//! Test helpers (std only): a simulated LBFT chain of headers whose committees sign commit
//! certificates, with hand-offs, for the tests and benchmarks of whatever follows a chain (the
//! sidechain registry, the main-chain tracker, the relayer).

use crate::Certificate;
use alloc::{vec, vec::Vec};
use codec::Encode;
use cpc_primitives::{
    Digest, DigestItem, H256, Header,
    lbft::{ENGINE_ID, ValidatorSetChange, Vote, VoteKind},
    sr25519::{Pair, Public},
};

/// A simulated chain: its headers and the keys of its committees.
#[derive(Clone)]
pub struct SimChain {
    /// Headers from genesis on, by number.
    pub headers: Vec<Header>,
    /// Each committee with the first height it certifies.
    pub committees: Vec<(u32, Vec<Pair>)>,
    /// The current set id.
    pub set_id: u64,
}

/// `n` keys from `seed` on.
pub fn pairs(seed: u8, n: u8) -> Vec<Pair> {
    (0..n)
        .map(|i| Pair::from_seed(&[seed.wrapping_add(i); 32]))
        .collect()
}

/// Their public keys.
pub fn keys(pairs: &[Pair]) -> Vec<Public> {
    pairs.iter().map(Pair::public).collect()
}

impl SimChain {
    /// A chain whose genesis is told apart by `tag`, certified by `committee`.
    pub fn new(tag: u8, committee: Vec<Pair>) -> Self {
        let genesis = Header {
            parent_hash: H256::default(),
            number: 0,
            state_root: H256([tag; 32]),
            extrinsics_root: H256::default(),
            digest: Digest::default(),
        };
        Self {
            headers: vec![genesis],
            committees: vec![(1, committee)],
            set_id: 0,
        }
    }

    /// Its genesis hash.
    pub fn genesis(&self) -> H256 {
        self.headers[0].hash()
    }

    /// Its number of the last header.
    pub fn tip(&self) -> u32 {
        self.headers.len() as u32 - 1
    }

    /// Builds the next header (with `logs`) and returns it.
    pub fn next_with(&mut self, logs: Vec<DigestItem>) -> Header {
        let parent = self.headers.last().unwrap();
        let header = Header {
            parent_hash: parent.hash(),
            number: parent.number + 1,
            state_root: H256([(parent.number % 251) as u8 + 1; 32]),
            extrinsics_root: H256::default(),
            digest: Digest { logs },
        };
        self.headers.push(header.clone());
        header
    }

    /// Builds `n` more headers.
    pub fn grow(&mut self, n: usize) {
        for _ in 0..n {
            self.next_with(Vec::new());
        }
    }

    /// Builds a header handing off to `next` (certified by the outgoing committee); the
    /// headers after it are `next`'s.
    pub fn hand_off(&mut self, next: Vec<Pair>) -> Header {
        self.set_id += 1;
        let change = ValidatorSetChange {
            set_id: self.set_id,
            validators: keys(&next),
        };
        let header = self.next_with(vec![DigestItem::Consensus(ENGINE_ID, change.encode())]);
        self.committees.push((header.number + 1, next));
        header
    }

    /// The committee that certifies height `number`.
    pub fn committee_of(&self, number: u32) -> &[Pair] {
        &self
            .committees
            .iter()
            .rev()
            .find(|(from, _)| *from <= number)
            .unwrap()
            .1
    }

    /// The set id of the committee that certifies height `number`.
    pub fn set_id_of(&self, number: u32) -> u64 {
        self.committees
            .iter()
            .filter(|(from, _)| *from <= number)
            .count() as u64
            - 1
    }

    /// A commit certificate of `header` signed by `signers` of `by`.
    pub fn certify_by(&self, by: &[Pair], signers: &[u16], header: &Header) -> Certificate {
        let vote = Vote {
            kind: VoteKind::Commit,
            height: header.number,
            round: 0,
            hash: header.hash(),
        };
        let payload = vote.signing_payload(&self.genesis());
        Certificate {
            kind: vote.kind,
            height: vote.height,
            round: vote.round,
            hash: vote.hash,
            signatures: signers
                .iter()
                .map(|i| (*i, by[usize::from(*i)].sign(&payload)))
                .collect(),
        }
    }

    /// A commit certificate of `header` signed by the first `n - f` members of its committee.
    pub fn certify(&self, header: &Header) -> Certificate {
        let committee = self.committee_of(header.number);
        let quorum = crate::certificate::quorum(committee.len());
        let signers: Vec<u16> = (0..quorum as u16).collect();
        self.certify_by(committee, &signers, header)
    }

    /// Headers `from..=to`.
    pub fn range(&self, from: u32, to: u32) -> Vec<Header> {
        self.headers[from as usize..=to as usize].to_vec()
    }
}

//! A test runtime with system, balances and the registry; reputation reports recorded; a
//! simulated sidechain whose committee signs headers.

use crate as registry;
use codec::Encode;
use cpc_consensus_primitives::Certificate;
use cpc_primitives::{
    AccountId, Balance, Digest, DigestItem, H256, Header,
    lbft::{ENGINE_ID, ValidatorSetChange, Vote, VoteKind},
    sr25519::{Pair, Public},
};
use cpc_state_machine::TestExternalities;
use std::cell::RefCell;

cpc_support::compose_runtime! {
    pub struct Test;
    pallets {
        System: cpc_pallet_system = 0,
        Balances: cpc_pallet_balances = 2,
        SidechainRegistry: registry = 7,
    }
}

cpc_pallet_system::test_config!(Test, cpc_pallet_balances::Pallet<Test>);

impl cpc_pallet_balances::Config for Test {
    const EXISTENTIAL_DEPOSIT: Balance = ED;
    const TRANSACTION_BASE_FEE: Balance = 0;
    const TRANSACTION_BYTE_FEE: Balance = 0;
    const WEIGHT_FEE_NUMERATOR: Balance = 0;
    const WEIGHT_FEE_DENOMINATOR: Balance = 1;
    type OnFee = ();
    type WeightInfo = ();
}

thread_local! {
    static CONTRIBUTIONS: RefCell<Vec<(AccountId, u64)>> = const { RefCell::new(Vec::new()) };
}

/// Records the data contributions the registry reports.
pub struct RecordingReporter;

impl cpc_support::traits::ReputationReporter for RecordingReporter {
    fn note_data_contribution(who: &AccountId, amount: u64) {
        CONTRIBUTIONS.with(|c| c.borrow_mut().push((*who, amount)));
    }
    fn note_proxy_rating(_: &AccountId, _: u8) {}
}

/// The contributions reported so far (and forgets them).
pub fn take_contributions() -> Vec<(AccountId, u64)> {
    CONTRIBUTIONS.with(|c| std::mem::take(&mut *c.borrow_mut()))
}

impl registry::Config for Test {
    type Currency = cpc_pallet_balances::Pallet<Test>;
    type Reputation = RecordingReporter;
    type WeightInfo = ();
    const MIN_BOND: Balance = MIN_BOND;
    const ANCHOR_HISTORY: u32 = HISTORY;
    const DEREGISTRATION_DELAY: u32 = DELAY;
    fn treasury() -> AccountId {
        account(TREASURY)
    }
}

/// Existential deposit.
pub const ED: Balance = 10;
/// Every test account's endowment.
pub const ENDOWMENT: Balance = 1_000_000;
/// The smallest bond.
pub const MIN_BOND: Balance = 1_000;
/// Anchored headers kept.
pub const HISTORY: u32 = 8;
/// Blocks from deregistration to the bond's release.
pub const DELAY: u32 = 5;
/// The treasury account (not endowed).
pub const TREASURY: u8 = 99;

/// The test account `n`.
pub fn account(n: u8) -> AccountId {
    AccountId::new([n; 32])
}

/// Accounts 1..=20 endowed; block 1 started.
pub fn new_test_ext() -> TestExternalities {
    take_contributions();
    let config = RuntimeGenesisConfig {
        balances: cpc_pallet_balances::GenesisConfig {
            balances: (1..=20).map(|n| (account(n), ENDOWMENT)).collect(),
        },
        ..Default::default()
    };
    let mut ext = TestExternalities::default();
    ext.execute_with(|| config.build().expect("valid genesis"));
    ext.commit_all();
    ext.execute_with(|| run_to_block(1));
    ext
}

/// Starts blocks up to `n`.
pub fn run_to_block(n: u32) {
    let from = cpc_pallet_system::Pallet::<Test>::block_number() + 1;
    for b in from..=n {
        cpc_pallet_system::Pallet::<Test>::initialize(b, H256([b as u8; 32]), &Default::default());
        cpc_pallet_system::Pallet::<Test>::note_finished_initialize();
    }
}

/// The registry's events of the current block, in order.
pub fn events() -> Vec<registry::Event> {
    cpc_pallet_system::Pallet::<Test>::events()
        .into_iter()
        .filter_map(|r| match r.event {
            RuntimeEvent::SidechainRegistry(e) => Some(e),
            _ => None,
        })
        .collect()
}

/// A simulated sidechain: its headers and the keys of its committees.
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
        let quorum = cpc_consensus_primitives::certificate::quorum(committee.len());
        let signers: Vec<u16> = (0..quorum as u16).collect();
        self.certify_by(committee, &signers, header)
    }

    /// Headers `from..=to`.
    pub fn range(&self, from: u32, to: u32) -> Vec<Header> {
        self.headers[from as usize..=to as usize].to_vec()
    }
}

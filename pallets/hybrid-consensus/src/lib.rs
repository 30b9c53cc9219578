//! # Hybrid-consensus pallet
//!
//! The on-chain half of CPChain's two-layer consensus (`docs/architecture.md`, "Hybrid
//! consensus"):
//!
//! - **Candidates** bond stake and register an sr25519 session key (`register`, `bond_more`,
//!   `set_session_key`); `unbond` retires a candidate, whose bond is released by
//!   `withdraw_unbonded` after `unbonding_terms` terms. The list holds `MAX_CANDIDATES`; when
//!   full, a registration with a higher bond evicts the lowest-bonded candidate that could
//!   leave (no seat, no committee whose votes can still be reported) and releases its bond.
//! - **Reputation** per candidate, scored over the last term: balance, transaction fees
//!   burned, rated proxy service and data contribution (values, reported by other pallets
//!   through [`ReputationReporter`], so sybil self-dealing buys only what it spends),
//!   and blocks proposed per block assigned; each dimension is a percentile rank among the
//!   candidates, weighted by `Params::weights`, and cut by `(9 - k) / 9` for `k` impeachments
//!   in the recent window (see [`reputation`]).
//! - **Elections**: a term is `K x V` blocks (`term_proposers x views`). The proposers of
//!   term `t` are drawn at the first block of term `t - 1`, seeded by the VRF outputs of term
//!   `t - 2`'s proposers (see [`randomness`]: a proposer cannot grind them, only withhold its
//!   block), by reputation-weighted sampling without replacement from the scores frozen at
//!   the first block of term `t - 2` (the window of term `t - 3`), before any of those outputs
//!   existed; a pick that left or fell below the minimum bond since, and any empty seat, go
//!   to the genesis default proposers. So every proposer is known a full term
//!   ahead. Block `n` of a term belongs to seat `(n - term_start) mod K`, which is
//!   `(n - 1) mod K` as long as `K` and `V` keep their genesis values. Terms 0 and 1 are the
//!   default proposers'. Parameter changes take effect at the next term boundary.
//! - **The validator committee** of LBFT: root schedules a new one (`set_validators`, bonded
//!   candidates only); it takes over at the next term boundary, announced by a
//!   `Consensus(LBFT, ValidatorSetChange)` header digest.
//! - **Impeachments**: an impeach block (its `PreRuntime(LBFT, BlockDigest)` says so) records
//!   an impeachment of the seat's proposer; a validator may attach the reason it saw
//!   (`note_impeachment_reason`).
//! - **Equivocation**: anyone may report two conflicting signed votes of one validator
//!   (`report_equivocation`), judged against the committee that finalized that height; the
//!   validator's bond is slashed by `slash_per_mille`, once per height. Members of any committee
//!   of the last `REPORT_WINDOW` blocks, and holders of a proposer seat, cannot unbond.
//! - **Session keys** are registered with a proof of possession (the key signs the account),
//!   so nobody can claim another's key.
//!
//! Everything that decides an election is in storage: the candidates, their window stats,
//! the scores the next election draws from (`LastScores`), the randomness and the
//! impeachment records.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod api;
mod calls;
mod committee;
mod election;
mod events;
mod hooks;
mod impeachment;
pub mod migrations;
#[cfg(test)]
mod mock;
mod randomness;
pub mod reputation;
mod slashing;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

use alloc::{string::String, vec, vec::Vec};
use codec::Encode;
use core::marker::PhantomData;
use cpc_pallet_system::Pallet as System;
use cpc_primitives::{
    AccountId, Balance, BlockNumber, H256,
    dispatch::{DispatchClass, DispatchInfo, DispatchResultWithPostInfo, Pays},
    sr25519::Public,
    transaction_validity::{
        InvalidTransaction, TransactionSource, TransactionValidity, UnknownTransaction,
        ValidTransaction,
    },
};
use cpc_support::{
    BoundedVec, ConstU32, PalletDef, RawOrigin,
    metadata::{StorageEntry, constant},
    traits::ReservableCurrency,
};
use serde::{Deserialize, Serialize};

pub use calls::{Call, session_key_proof_payload};
pub use cpc_consensus_primitives::{HybridConsensusApi, Member, hybrid_consensus_api};
pub use events::{Error, Event};
pub use types::{
    Candidate, CommitteeRecord, ImpeachReason, Impeachment, Params, Score, SignedVote, WindowStats,
};
pub use weights::WeightInfo;

/// The pallet's name.
pub const PALLET: &str = "HybridConsensus";
/// The version of the pallet's storage layout (1: reputation measured by value; see
/// [`migrations`]).
pub const STORAGE_VERSION: u16 = 1;
/// The most proposer candidates.
pub const MAX_CANDIDATES: u32 = 128;
/// The most proposers in a term (`K`).
pub const MAX_TERM_PROPOSERS: u32 = 64;
/// The most validators in the committee.
pub const MAX_VALIDATORS: u32 = 100;
/// The most impeachments a candidate's recent window keeps.
pub const MAX_RECENT_IMPEACHMENTS: u32 = 32;
/// Longest reason text a validator may attach to an impeachment.
pub const MAX_REASON_LEN: u32 = 128;
/// Equivocations can be reported for this many blocks.
pub const REPORT_WINDOW: BlockNumber = 1024;
/// The most committees remembered for judging evidence.
pub const MAX_COMMITTEE_HISTORY: u32 = 32;
/// The longest term, in blocks (`K x V`).
pub const MAX_TERM_LENGTH: u32 = MAX_TERM_PROPOSERS * 64;

/// Configuration.
pub trait Config: cpc_pallet_system::Config<RuntimeEvent: From<Event>> {
    /// Where bonds are reserved and slashed.
    type Currency: ReservableCurrency;
    /// Weights.
    type WeightInfo: WeightInfo;
}

pub use cpc_support::traits::ReputationReporter;

type Members<const N: u32> = BoundedVec<Member, ConstU32<N>>;

cpc_support::storage! {
    pallet "HybridConsensus";
    /// Parameters.
    pub ParamsOf: value Params = default;
    /// The chain's genesis hash (votes are signed over it), recorded in block 1.
    pub GenesisHash: value H256 = default;
    /// The current term.
    pub CurrentTerm: value u32 = default;
    /// The first block of the current term.
    pub TermStart: value BlockNumber = default;
    /// Proposer candidates.
    pub Candidates: map Blake2_128Concat AccountId => Candidate;
    /// Number of candidates.
    pub CandidateCount: value u32 = default;
    /// Which candidate a session key belongs to.
    pub SessionKeys: map Blake2_128Concat Public => AccountId;
    /// Each candidate's record since the last election.
    pub Stats: map Blake2_128Concat AccountId => WindowStats = default;
    /// The proposers of the current and the next term, by term.
    pub Proposers: map Twox64Concat u32 => Members<MAX_TERM_PROPOSERS>;
    /// Seats no candidate could fill go to these, in order.
    pub DefaultProposers: value Members<MAX_TERM_PROPOSERS> = default;
    /// The LBFT validator committee.
    pub Validators: value Members<MAX_VALIDATORS> = default;
    /// Increases with every committee change.
    pub ValidatorSetId: value u64 = default;
    /// The committee taking over at the next term boundary.
    pub PendingValidators: value BoundedVec<AccountId, ConstU32<MAX_VALIDATORS>>;
    /// Impeachments, by the impeach block's number.
    pub Impeachments: map Twox64Concat BlockNumber => Impeachment;
    /// Terms of each candidate's recent impeachments.
    pub RecentImpeachments: map Blake2_128Concat AccountId => BoundedVec<u32, ConstU32<MAX_RECENT_IMPEACHMENTS>> = default;
    /// Validators slashed for equivocating at a height, to slash once per height.
    pub Slashed: map Twox64Concat BlockNumber => BoundedVec<AccountId, ConstU32<MAX_VALIDATORS>> = default;
    /// The scores computed at the last term boundary, which the next election draws from.
    pub LastScores: value BoundedVec<Score, ConstU32<MAX_CANDIDATES>> = default;
    /// Parameters set by root, taking effect at the next term boundary.
    pub PendingParams: value Params;
    /// The committees of the last `REPORT_WINDOW` blocks: set id, first block, members.
    /// Equivocation evidence is judged against the committee that signed it, and its members
    /// cannot unbond while it may still be reported.
    pub CommitteeHistory: value BoundedVec<CommitteeRecord, ConstU32<MAX_COMMITTEE_HISTORY>> = default;
    /// The impeach blocks of each term, to forget their records when the window passes.
    pub ImpeachmentsByTerm: map Twox64Concat u32 => BoundedVec<BlockNumber, ConstU32<MAX_TERM_LENGTH>> = default;
    /// The randomness of the current term: it seeded the last election, and proposers
    /// evaluate their VRF on it (see `randomness`).
    pub Randomness: value H256 = default;
    /// The VRF outputs of the current term's blocks so far, folded.
    pub RandomnessAccumulator: value H256 = default;
}

/// Genesis configuration.
#[derive(Clone, Default, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenesisConfig {
    /// Parameters (defaults where left out).
    #[serde(default)]
    pub params: Option<Params>,
    /// Candidates: account, session key (as an address), bond.
    #[serde(default)]
    pub candidates: Vec<(AccountId, AccountId, Balance)>,
    /// Default proposers: account and session key (as an address).
    #[serde(default)]
    pub default_proposers: Vec<(AccountId, AccountId)>,
    /// The first validator committee: accounts of candidates, in order.
    #[serde(default)]
    pub validators: Vec<AccountId>,
}

/// The hybrid-consensus pallet.
pub struct Pallet<T>(PhantomData<T>);

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        System::<T>::deposit_event(<T as cpc_pallet_system::Config>::RuntimeEvent::from(event));
    }
}

impl<T: Config> PalletDef for Pallet<T> {
    const NAME: &'static str = PALLET;
    type Call = Call;
    type Event = Event;
    type Error = Error;
    type GenesisConfig = GenesisConfig;

    fn dispatch(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        Self::dispatch_call(call, origin)
    }

    /// Unsigned equivocation reports: valid while the evidence convicts a validator not yet
    /// slashed for that height. One tag per offence, so the pool keeps the first report of it
    /// and a block holds one; the others are dropped free of charge.
    fn validate_unsigned(call: &Call, _source: TransactionSource) -> TransactionValidity {
        let Call::report_equivocation { first, second } = call else {
            return Err(UnknownTransaction::NoUnsignedValidator.into());
        };
        let validator = Self::check_equivocation(first, second).map_err(|e| match e {
            Error::AlreadySlashed => InvalidTransaction::Stale,
            Error::OutsideReportWindow => InvalidTransaction::Stale,
            _ => InvalidTransaction::BadProof,
        })?;
        let height = first.vote.height;
        let now = System::<T>::block_number();
        Ok(ValidTransaction {
            // Before ordinary transactions: a slash is cheap and protects everyone.
            priority: u64::MAX / 2,
            requires: Vec::new(),
            provides: vec![(b"hc/equivocation", validator.account, height).encode()],
            longevity: u64::from(
                REPORT_WINDOW
                    .saturating_sub(now.saturating_sub(height))
                    .max(1),
            ),
            propagate: true,
        })
    }

    fn call_info(call: &Call) -> DispatchInfo {
        let (weight, class) = match call {
            Call::register { .. } => (<T as Config>::WeightInfo::register(), DispatchClass::Normal),
            Call::bond_more { .. } | Call::set_session_key { .. } | Call::unbond => (
                <T as Config>::WeightInfo::bond_more(),
                DispatchClass::Normal,
            ),
            Call::withdraw_unbonded => (
                <T as Config>::WeightInfo::withdraw_unbonded(),
                DispatchClass::Normal,
            ),
            Call::set_validators { validators } => (
                <T as Config>::WeightInfo::set_validators(validators.len() as u32),
                DispatchClass::Operational,
            ),
            Call::set_params { .. } => (
                <T as Config>::WeightInfo::set_params(),
                DispatchClass::Operational,
            ),
            Call::report_equivocation { .. } => (
                <T as Config>::WeightInfo::report_equivocation(),
                DispatchClass::Operational,
            ),
            Call::note_impeachment_reason { .. } => (
                <T as Config>::WeightInfo::note_impeachment_reason(),
                DispatchClass::Operational,
            ),
        };
        DispatchInfo {
            weight,
            class,
            pays_fee: Pays::Yes,
        }
    }

    fn build_genesis(config: &GenesisConfig) -> Result<(), String> {
        let params = config.params.clone().unwrap_or_default();
        params
            .validate()
            .map_err(|_| String::from("hybrid consensus: parameters out of range"))?;
        ParamsOf::put(&params);
        if config.candidates.is_empty()
            && config.default_proposers.is_empty()
            && config.validators.is_empty()
        {
            // A chain that does not use hybrid consensus (a dev engine): the pallet is inert.
            return Ok(());
        }
        for (account, session, bond) in &config.candidates {
            Self::add_candidate(*account, Public(session.0), *bond)
                .map_err(|e| alloc::format!("hybrid consensus: candidate {account}: {e}"))?;
        }
        let defaults: Vec<Member> = config
            .default_proposers
            .iter()
            .map(|(account, session)| Member {
                account: *account,
                session_key: Public(session.0),
            })
            .collect();
        if defaults.is_empty() {
            return Err("hybrid consensus: at least one default proposer is needed".into());
        }
        DefaultProposers::put(
            &BoundedVec::try_from_vec(defaults)
                .map_err(|_| String::from("hybrid consensus: too many default proposers"))?,
        );
        let members = Self::members_of(&config.validators).map_err(|_| {
            String::from(
                "hybrid consensus: validators must be 1 to 100 distinct candidates from the genesis",
            )
        })?;
        ValidatorSetId::put(&0);
        Self::record_committee(0, 0, &members);
        Validators::put(&members);
        // Block 1 opens term 0: the node reads proposers from the genesis state already.
        TermStart::put(&1);
        for member in DefaultProposers::get_or_default().iter() {
            if !SessionKeys::contains_key(&member.session_key) {
                SessionKeys::insert(&member.session_key, &member.account);
            }
        }
        Proposers::insert(&0, &Self::default_term());
        Proposers::insert(&1, &Self::default_term());
        Ok(())
    }

    fn storage_metadata() -> Vec<cpc_support::frame_metadata::v14::StorageEntryMetadata> {
        alloc::vec![
            ParamsOf::entry_metadata(),
            GenesisHash::entry_metadata(),
            CurrentTerm::entry_metadata(),
            TermStart::entry_metadata(),
            Candidates::entry_metadata(),
            CandidateCount::entry_metadata(),
            SessionKeys::entry_metadata(),
            Stats::entry_metadata(),
            Proposers::entry_metadata(),
            DefaultProposers::entry_metadata(),
            Validators::entry_metadata(),
            ValidatorSetId::entry_metadata(),
            PendingValidators::entry_metadata(),
            Impeachments::entry_metadata(),
            RecentImpeachments::entry_metadata(),
            Slashed::entry_metadata(),
            LastScores::entry_metadata(),
            PendingParams::entry_metadata(),
            CommitteeHistory::entry_metadata(),
            ImpeachmentsByTerm::entry_metadata(),
            Randomness::entry_metadata(),
            RandomnessAccumulator::entry_metadata(),
        ]
    }

    fn storage_version() -> u16 {
        STORAGE_VERSION
    }

    fn constants_metadata() -> Vec<cpc_support::frame_metadata::v14::PalletConstantMetadata> {
        alloc::vec![
            constant("MaxCandidates", &MAX_CANDIDATES, &["The most candidates."]),
            constant(
                "MaxValidators",
                &MAX_VALIDATORS,
                &["The most validators in the committee."]
            ),
            constant(
                "ReportWindow",
                &REPORT_WINDOW,
                &["Blocks during which an equivocation can be reported."]
            ),
        ]
    }
}

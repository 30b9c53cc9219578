//! What the pallet reports: the events of its calls and term boundaries, and the errors that
//! refuse a call.

use crate::{ImpeachReason, PALLET, Params};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use cpc_primitives::{AccountId, Balance, BlockNumber, H256, sr25519::Public};
use scale_info::TypeInfo;

/// The pallet's events.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Event {
    /// A candidate registered.
    Registered {
        /// The candidate.
        account: AccountId,
        /// Its session key.
        session_key: Public,
        /// Its bond.
        bond: Balance,
    },
    /// A candidate bonded more.
    Bonded {
        /// The candidate.
        account: AccountId,
        /// Its bond now.
        bond: Balance,
    },
    /// A candidate changed its session key.
    SessionKeyChanged {
        /// The candidate.
        account: AccountId,
        /// The new key.
        session_key: Public,
    },
    /// A candidate unbonded.
    Unbonding {
        /// The candidate.
        account: AccountId,
        /// The term its bond can be withdrawn from.
        withdrawable_at: u32,
    },
    /// A former candidate's bond was released.
    Withdrawn {
        /// The former candidate.
        account: AccountId,
        /// The amount released.
        amount: Balance,
    },
    /// The proposers of a term were elected.
    Elected {
        /// The term.
        term: u32,
        /// The seed (hash of the last block of the previous term).
        seed: H256,
        /// The proposers, by seat.
        proposers: Vec<AccountId>,
        /// Seats filled from the default proposers.
        defaults: u32,
    },
    /// A proposer was impeached: an impeach block replaced its slot.
    Impeached {
        /// The impeach block.
        block: BlockNumber,
        /// The proposer.
        proposer: AccountId,
        /// The round that finalized the impeach block.
        round: u32,
    },
    /// A validator attached the reason of an impeachment.
    ImpeachmentReason {
        /// The impeach block.
        block: BlockNumber,
        /// The reason.
        reason: ImpeachReason,
        /// The validator.
        reporter: AccountId,
    },
    /// A new committee was scheduled.
    ValidatorsScheduled {
        /// Its members.
        validators: Vec<AccountId>,
    },
    /// The committee changed at a term boundary.
    ValidatorsChanged {
        /// The new set id.
        set_id: u64,
        /// Its members.
        validators: Vec<AccountId>,
    },
    /// A validator was slashed for equivocating.
    Slashed {
        /// The validator.
        validator: AccountId,
        /// The amount burned.
        amount: Balance,
        /// The height of the conflicting votes.
        height: BlockNumber,
        /// Who signed the report; none for an unsigned report (the evidence speaks for
        /// itself).
        reporter: Option<AccountId>,
    },
    /// New parameters were set; they apply from the next term.
    ParamsChanged {
        /// The new parameters.
        params: Params,
    },
    /// The candidate list was full: the candidate with the lowest bond that could leave made
    /// room for a registration with a higher bond, and its bond was released.
    Evicted {
        /// The evicted candidate.
        account: AccountId,
        /// Its bond, released.
        bond: Balance,
        /// Who took its place.
        by: AccountId,
    },
}

/// The pallet's errors.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Error {
    /// The account is already a candidate.
    AlreadyCandidate,
    /// The account is not a candidate.
    NotCandidate,
    /// The bond is below `min_bond`.
    BondTooLow,
    /// The free balance cannot cover the bond.
    InsufficientBalance,
    /// There are `MAX_CANDIDATES` candidates already, and the bond does not exceed the lowest
    /// bond of one that could make room.
    TooManyCandidates,
    /// Another candidate uses this session key.
    SessionKeyInUse,
    /// The proof does not show the caller holds the session key.
    BadSessionKeyProof,
    /// The candidate holds a proposer seat in the current or the next term.
    StillProposer,
    /// The candidate is unbonding.
    Unbonding,
    /// The candidate has not unbonded, or its unbonding period is not over.
    NotWithdrawable,
    /// Validators in the committee (or the scheduled one) cannot unbond.
    StillValidator,
    /// A committee needs between 1 and `MAX_VALIDATORS` distinct bonded candidates.
    InvalidValidators,
    /// Parameters out of range.
    InvalidParams,
    /// The two votes are not conflicting votes of one validator.
    NotEquivocation,
    /// A vote's signature does not verify against the validator's session key.
    BadSignature,
    /// The validator index is outside the committee.
    UnknownValidator,
    /// The votes are older than `REPORT_WINDOW` blocks, or from the future.
    OutsideReportWindow,
    /// The validator was already slashed for this height.
    AlreadySlashed,
    /// No impeachment at this block.
    NoImpeachment,
    /// The impeachment already has a reason.
    ReasonAlreadyNoted,
    /// Only a current validator may do this.
    NotValidator,
}

cpc_support::pallet_error!(Error, PALLET);

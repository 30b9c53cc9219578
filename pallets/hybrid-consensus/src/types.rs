//! The types the pallet stores and takes as call arguments, and the range checks of its
//! parameters.

use crate::{
    Error, MAX_REASON_LEN, MAX_RECENT_IMPEACHMENTS, MAX_TERM_PROPOSERS, MAX_VALIDATORS, Members,
    reputation::{self, Dimensions, Weights},
};
use codec::{Decode, Encode, MaxEncodedLen};
use cpc_primitives::{AccountId, Balance, BlockNumber, H256, sr25519::Public};
use cpc_support::{BoundedVec, ConstU32};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Parameters, set at genesis and by root.
#[derive(
    Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo, Serialize, Deserialize,
)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct Params {
    /// Weights of the reputation dimensions.
    pub weights: Weights,
    /// Proposers per term (`K`).
    pub term_proposers: u32,
    /// Slots of each proposer per term (`V`).
    pub views: u32,
    /// Least bond of a candidate.
    pub min_bond: Balance,
    /// Terms between `unbond` and `withdraw_unbonded`.
    pub unbonding_terms: u32,
    /// Terms an impeachment counts against a candidate.
    pub impeachment_window_terms: u32,
    /// Share of the bond an equivocation costs, in per mille.
    pub slash_per_mille: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            weights: Weights::default(),
            term_proposers: 12,
            views: 3,
            min_bond: 0,
            unbonding_terms: 2,
            impeachment_window_terms: 4,
            slash_per_mille: 100,
        }
    }
}

impl Params {
    /// Blocks per term.
    pub fn term_length(&self) -> BlockNumber {
        self.term_proposers.saturating_mul(self.views)
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        let w = &self.weights;
        let ok = (1..=MAX_TERM_PROPOSERS).contains(&self.term_proposers)
            && (1..=64).contains(&self.views)
            && (1..=MAX_RECENT_IMPEACHMENTS).contains(&self.impeachment_window_terms)
            && self.slash_per_mille <= 1000
            && (1..=1000).contains(&self.unbonding_terms)
            && w.balance + w.transactions + w.proxy_rating + w.data_contribution + w.blocks > 0
            && [
                w.balance,
                w.transactions,
                w.proxy_rating,
                w.data_contribution,
                w.blocks,
            ]
            .iter()
            .all(|x| *x <= reputation::MAX_WEIGHT);
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidParams)
        }
    }
}

/// A proposer candidate.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Candidate {
    /// The key it signs proposals and votes with.
    pub session_key: Public,
    /// Reserved stake.
    pub bond: Balance,
    /// The term from which its bond can be withdrawn, once it unbonded.
    pub unbonding_at: Option<u32>,
}

/// A candidate's record since the last election. Market and fee figures are values (what the
/// activity cost its parties beyond what they paid each other; see `ReputationReporter`), not
/// counts, so spreading activity over sybil accounts and small orders gains nothing.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct WindowStats {
    /// Blocks it was assigned.
    pub assigned: u32,
    /// Blocks it proposed (not impeached).
    pub proposed: u32,
    /// Transaction fees it paid (burned).
    pub fees_paid: Balance,
    /// Data contribution: what its sales paid the protocol, what its anchors cost.
    pub data_contribution: Balance,
    /// Rated proxy service: the sum over its proxy ratings of `value x rating / 5`.
    pub rated_service: Balance,
    /// Number of proxy ratings.
    pub ratings: u32,
}

/// What a validator saw when it impeached a proposer.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum ImpeachReason {
    /// No proposal arrived in time.
    MissingProposal,
    /// The proposed block `hash` is invalid, for this reason.
    InvalidBlock {
        /// The invalid block.
        hash: H256,
        /// Why it failed.
        why: BoundedVec<u8, ConstU32<MAX_REASON_LEN>>,
    },
    /// The proposal arrived after the round had ended.
    Late,
}

/// An impeachment: an impeach block replaced a proposer's slot.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Impeachment {
    /// The proposer that missed its slot.
    pub proposer: AccountId,
    /// The term of the slot.
    pub term: u32,
    /// The round that finalized the impeach block.
    pub round: u32,
    /// The reason a validator reported, and who.
    pub reason: Option<(ImpeachReason, AccountId)>,
}

pub use cpc_consensus_primitives::SignedVote;

/// A candidate's scores at the last election.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Score {
    /// The candidate.
    pub account: AccountId,
    /// Its raw dimensions.
    pub dimensions: Dimensions,
    /// Impeachments in the window.
    pub impeachments: u32,
    /// Its reputation (the sampling weight).
    pub reputation: u64,
}

/// A committee and the first block it finalized.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct CommitteeRecord {
    /// Its set id.
    pub set_id: u64,
    /// The first block it finalized.
    pub from: BlockNumber,
    /// Its members.
    pub members: Members<MAX_VALIDATORS>,
}

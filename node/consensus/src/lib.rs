//! LBFT finality (`docs/architecture.md` §7, layer 2): the consensus engine a validator runs.
//!
//! The engine is a sans-IO state machine. It is fed messages from peers and the firing of
//! timeouts it asked for, asks the [`Chain`] to build, check and finalize blocks, and emits
//! [`Output`]s (messages to broadcast or send, timeouts to schedule, offences of peers,
//! equivocation evidence) that a driver carries out. The same engine runs over libp2p in the
//! node and over the in-process network of [`simulation`], where seeded delays, losses,
//! partitions and byzantine validators check safety and liveness over thousands of runs.
//!
//! Protocol (per height `h`, rounds `r = 0, 1, ...`):
//! - round 0: the elected proposer proposes a block; round `r > 0` (an impeach round): the
//!   validator `V[(h + r) mod n]` proposes its locked block with the prepare certificate that
//!   locked it, or the deterministic impeach block;
//! - a validator prepares the round's proposal if it is valid and it is not locked on another
//!   block, or the proposal carries a prepare certificate from a round after its lock;
//! - on 2f+1 prepares for a block in its round it locks on the block and commits;
//! - 2f+1 commits of one round are the commit certificate: the block is final;
//! - a round that does not finish before its timeout (doubling per round, capped) is left for
//!   the next one.
//!
//! Every certificate needs 2f+1 distinct signatures (`n - f` for committees not of the form
//! `3f+1`). `docs/consensus.md` carries the safety and liveness argument.

pub mod engine;
pub mod simulation;
pub mod types;

pub use engine::{Chain, Config, Engine, Offence, Output, Persisted, TimeoutKind, Verdict};
pub use types::{
    Certificate, CertificateError, ConsensusBlock, Equivocation, Message, Proposal, SignedProposal,
    SignedVote, ValidatorSet, Vote, VoteKind,
};

pub use cpc_consensus_primitives::{Height, Round, ValidatorIndex};

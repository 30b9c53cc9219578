//! The transaction pool.
//!
//! Transactions are validated by the runtime (`TaggedTransactionQueue_validate_transaction`),
//! which tells what each *requires* and *provides* (for signed transactions: the previous and
//! own `(account, nonce)`), its priority (the tip) and how long it stays valid.
//!
//! - **Ready** transactions have every required tag provided by another ready transaction (the
//!   runtime leaves out what the chain already provides); **future** ones wait for a missing
//!   predecessor. Block authors take ready transactions in dependency order, highest priority
//!   first ([`Pool::ready`]).
//! - **Bounds**: at most `max_ready` ready and `max_future` future transactions and `max_bytes`
//!   in all. When full, a new transaction must beat the lowest priority one of its queue, which
//!   is evicted; otherwise it is refused.
//! - **Replacement**: a transaction providing a tag that another already provides replaces it
//!   only with a higher priority.
//! - **Bans**: an invalid transaction's hash is refused for a while, so the same garbage costs
//!   one validation, not one per resubmission.
//! - **Maintenance** after each block ([`Pool::maintain`]): included transactions leave (their
//!   tags are now on chain, which unlocks their dependents), transactions made stale by the block
//!   leave, expired ones leave, and a bounded number are re-validated.
//! - **Watchers** follow a transaction's status; new propagatable transactions go out through a
//!   broadcast channel for network gossip.

mod pool;

pub use pool::{ChainApi, Pool, PoolConfig, PoolError, PoolStatus, TransactionPool, TxStatus};

//! The pool against a model chain: transactions are `(sender, nonce, tip, valid)`; the chain
//! knows each sender's next nonce.

use codec::{Decode, Encode};
use cpc_primitives::{
    H256, OpaqueExtrinsic,
    transaction_validity::{
        InvalidTransaction, TransactionSource, TransactionValidity, ValidTransaction,
    },
};
use cpc_txpool::{ChainApi, Pool, PoolConfig, PoolError, TxStatus};
use parking_lot::Mutex;
use proptest::prelude::*;
use std::{collections::HashMap, sync::Arc};

#[derive(Encode, Decode, Clone, Copy, Debug)]
struct Tx {
    sender: u8,
    nonce: u32,
    tip: u64,
    valid: bool,
    salt: u16,
}

#[derive(Default)]
struct Chain {
    nonces: Mutex<HashMap<u8, u32>>,
    validations: Mutex<usize>,
    /// Whether the tip can be read before validation (as the node reads a signed extrinsic's).
    tips_readable: bool,
}

impl ChainApi for Chain {
    fn best(&self) -> (H256, u32) {
        (H256::zero(), 1)
    }

    fn validate(
        &self,
        _: H256,
        _: TransactionSource,
        xt: &OpaqueExtrinsic,
    ) -> Result<TransactionValidity, String> {
        *self.validations.lock() += 1;
        let tx = Tx::decode(&mut &xt.0[..]).map_err(|e| e.to_string())?;
        if !tx.valid {
            return Ok(Err(InvalidTransaction::BadProof.into()));
        }
        let next = self.nonces.lock().get(&tx.sender).copied().unwrap_or(0);
        if tx.nonce < next {
            return Ok(Err(InvalidTransaction::Stale.into()));
        }
        let requires = if tx.nonce > next {
            vec![(tx.sender, tx.nonce - 1).encode()]
        } else {
            vec![]
        };
        Ok(Ok(ValidTransaction {
            priority: tx.tip,
            requires,
            provides: vec![(tx.sender, tx.nonce).encode()],
            longevity: 64,
            propagate: true,
        }))
    }

    fn claimed_priority(&self, xt: &OpaqueExtrinsic) -> Option<u64> {
        let tx = Tx::decode(&mut &xt.0[..]).ok()?;
        self.tips_readable.then_some(tx.tip)
    }
}

fn xt(sender: u8, nonce: u32, tip: u64) -> OpaqueExtrinsic {
    OpaqueExtrinsic(
        Tx {
            sender,
            nonce,
            tip,
            valid: true,
            salt: 0,
        }
        .encode(),
    )
}

fn pool(config: PoolConfig) -> (Arc<Chain>, Pool<Chain>) {
    let chain = Arc::new(Chain::default());
    (chain.clone(), Pool::new(chain, config))
}

const EXT: TransactionSource = TransactionSource::External;

/// Offered more than it holds, a full pool refuses a transaction whose tip could not displace
/// anything before validating it; a better tip is validated and evicts the lowest.
#[test]
fn a_full_pool_sheds_at_admission_without_validating() {
    for tips_readable in [false, true] {
        let chain = Arc::new(Chain {
            tips_readable,
            ..Chain::default()
        });
        let config = PoolConfig {
            max_ready: 4,
            ..PoolConfig::default()
        };
        let pool = Pool::new(chain.clone(), config);
        for sender in 0..4 {
            pool.submit(EXT, xt(sender, 0, 5)).unwrap();
        }
        let validated = *chain.validations.lock();
        assert_eq!(
            pool.submit(EXT, xt(10, 0, 5)),
            Err(PoolError::ImmediatelyDropped),
            "an equal tip displaces nothing"
        );
        let spent = *chain.validations.lock() - validated;
        assert_eq!(
            spent,
            usize::from(!tips_readable),
            "validated only when the tip is unknown"
        );
        pool.submit(EXT, xt(11, 0, 6)).unwrap();
        assert_eq!(pool.status().ready, 4);
        assert!(
            pool.ready()
                .iter()
                .any(|(_, x)| Tx::decode(&mut &x.0[..]).unwrap().sender == 11)
        );
    }
}

#[test]
fn a_future_transaction_becomes_ready_when_its_predecessor_arrives() {
    let (_, pool) = pool(PoolConfig::default());
    pool.submit(EXT, xt(1, 1, 0)).unwrap();
    assert_eq!((pool.status().ready, pool.status().future), (0, 1));
    pool.submit(EXT, xt(1, 0, 0)).unwrap();
    assert_eq!((pool.status().ready, pool.status().future), (2, 0));
    let order: Vec<_> = pool
        .ready()
        .into_iter()
        .map(|(_, x)| Tx::decode(&mut &x.0[..]).unwrap().nonce)
        .collect();
    assert_eq!(order, vec![0, 1]);
}

#[test]
fn higher_tips_go_first_but_never_before_their_predecessors() {
    let (_, pool) = pool(PoolConfig::default());
    pool.submit(EXT, xt(1, 0, 1)).unwrap();
    pool.submit(EXT, xt(1, 1, 100)).unwrap();
    pool.submit(EXT, xt(2, 0, 50)).unwrap();
    pool.submit(EXT, xt(3, 0, 10)).unwrap();
    let order: Vec<(u8, u32)> = pool
        .ready()
        .into_iter()
        .map(|(_, x)| Tx::decode(&mut &x.0[..]).unwrap())
        .map(|t| (t.sender, t.nonce))
        .collect();
    assert_eq!(order, vec![(2, 0), (3, 0), (1, 0), (1, 1)]);
}

#[test]
fn replacement_needs_a_higher_priority() {
    let (_, pool) = pool(PoolConfig::default());
    let first = pool.submit(EXT, xt(1, 0, 5)).unwrap();
    let same = OpaqueExtrinsic(
        Tx {
            sender: 1,
            nonce: 0,
            tip: 5,
            valid: true,
            salt: 1,
        }
        .encode(),
    );
    assert_eq!(
        pool.submit(EXT, same),
        Err(PoolError::TooLowPriority { old: 5, new: 5 })
    );
    let better = OpaqueExtrinsic(
        Tx {
            sender: 1,
            nonce: 0,
            tip: 6,
            valid: true,
            salt: 2,
        }
        .encode(),
    );
    pool.submit(EXT, better).unwrap();
    assert!(!pool.contains(&first));
    assert_eq!(pool.status().ready, 1);
}

#[test]
fn invalid_transactions_are_banned_after_one_validation() {
    let (chain, pool) = pool(PoolConfig::default());
    let bad = OpaqueExtrinsic(
        Tx {
            sender: 1,
            nonce: 0,
            tip: 0,
            valid: false,
            salt: 0,
        }
        .encode(),
    );
    assert_eq!(
        pool.submit(EXT, bad.clone()),
        Err(PoolError::Invalid(InvalidTransaction::BadProof))
    );
    for _ in 0..10 {
        assert_eq!(
            pool.submit(EXT, bad.clone()),
            Err(PoolError::TemporarilyBanned)
        );
    }
    assert_eq!(*chain.validations.lock(), 1);
    assert_eq!(pool.submit(EXT, xt(1, 0, 0)).map(|_| ()), Ok(()));
    assert_eq!(
        pool.submit(EXT, xt(1, 0, 0)),
        Err(PoolError::AlreadyImported)
    );
}

#[test]
fn maintenance_removes_included_and_stale_and_unlocks_dependents() {
    let (chain, pool) = pool(PoolConfig::default());
    let (_, mut watch) = pool.submit_and_watch(EXT, xt(1, 0, 0)).unwrap();
    pool.submit(EXT, xt(1, 1, 0)).unwrap();
    pool.submit(EXT, xt(1, 2, 0)).unwrap();
    let conflicting = pool.submit(EXT, xt(2, 0, 0)).unwrap();
    // A block includes 1/0 and 1/1, and another version of 2/0.
    chain.nonces.lock().insert(1, 2);
    chain.nonces.lock().insert(2, 1);
    let other_2_0 = OpaqueExtrinsic(
        Tx {
            sender: 2,
            nonce: 0,
            tip: 0,
            valid: true,
            salt: 9,
        }
        .encode(),
    );
    pool.maintain(
        H256([1; 32]),
        2,
        &[xt(1, 0, 0), xt(1, 1, 0), other_2_0],
        true,
    );
    assert!(
        !pool.contains(&conflicting),
        "the stale 2/0 is gone (re-validation finds it stale)"
    );
    assert_eq!(
        pool.status().ready,
        1,
        "1/2 is ready: its predecessor is on chain"
    );
    assert_eq!(watch.try_recv(), Ok(TxStatus::Ready));
    assert_eq!(watch.try_recv(), Ok(TxStatus::InBlock(H256([1; 32]))));
    assert_eq!(watch.try_recv(), Ok(TxStatus::Finalized(H256([1; 32]))));
}

#[test]
fn expired_transactions_leave() {
    let (_, pool) = pool(PoolConfig::default());
    pool.submit(EXT, xt(1, 0, 0)).unwrap();
    pool.maintain(H256([1; 32]), 1 + 64 + 1, &[], true);
    assert_eq!(pool.status().ready + pool.status().future, 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Under a flood of valid, invalid, future and duplicate transactions the pool never
    /// exceeds its bounds, and its ready order always respects nonces.
    #[test]
    fn the_pool_stays_within_its_bounds_under_a_flood(
        flood in proptest::collection::vec((0u8..20, 0u32..8, 0u64..1000, any::<bool>(), 0u16..4), 1..600),
    ) {
        let config = PoolConfig { max_ready: 64, max_future: 16, max_bytes: 4096, ..PoolConfig::default() };
        let (_, pool) = pool(config.clone());
        for (sender, nonce, tip, valid, salt) in flood {
            let tx = Tx { sender, nonce, tip, valid: valid || sender % 3 != 0, salt };
            let _ = pool.submit(EXT, OpaqueExtrinsic(tx.encode()));
            let status = pool.status();
            prop_assert!(status.ready <= config.max_ready);
            prop_assert!(status.future <= config.max_future);
            prop_assert!(status.bytes <= config.max_bytes);
            prop_assert_eq!(pool.check_invariants(), Ok(()));
        }
        let mut next: HashMap<u8, u32> = HashMap::new();
        for (_, x) in pool.ready() {
            let tx = Tx::decode(&mut &x.0[..]).unwrap();
            let expected = next.entry(tx.sender).or_insert(0);
            prop_assert_eq!(tx.nonce, *expected, "nonces in order per sender");
            *expected += 1;
        }
    }
}

/// A transaction's predecessor can reach the chain without passing through this pool
/// (refused while the pool was full, included by another node's block), or be found stale by
/// the builder before the block that included it is seen here. Either way its successors must
/// become ready, not wait for a provider that will never come: blocks built from a pool full
/// of such waiting transactions went nearly empty under overload.
#[test]
fn a_predecessor_on_chain_unlocks_what_waited_for_it() {
    let (chain, pool) = pool(PoolConfig {
        revalidate_per_block: 2,
        ..PoolConfig::default()
    });
    // Older transactions of other senders, which a rotating re-validation would see first.
    for sender in 10..20 {
        pool.submit(EXT, xt(sender, 0, 0)).unwrap();
    }
    // Sender 1's nonce 0 never reaches this pool; its 1 and 2 wait for it.
    pool.submit(EXT, xt(1, 1, 0)).unwrap();
    pool.submit(EXT, xt(1, 2, 0)).unwrap();
    // Sender 2's nonce 0 is here; the builder finds it stale (another node's block used it).
    let stale = pool.submit(EXT, xt(2, 0, 0)).unwrap();
    pool.submit(EXT, xt(2, 1, 0)).unwrap();
    chain.nonces.lock().extend([(1, 1), (2, 1)]);
    let ours = |pool: &Pool<Chain>| -> Vec<(u8, u32)> {
        let mut ready: Vec<(u8, u32)> = pool
            .ready()
            .into_iter()
            .map(|(_, x)| Tx::decode(&mut &x.0[..]).unwrap())
            .filter(|t| t.sender < 10)
            .map(|t| (t.sender, t.nonce))
            .collect();
        ready.sort();
        ready
    };
    pool.on_chain(&[stale]);
    assert_eq!(
        ours(&pool),
        [(2, 1)],
        "the stale one's successor is ready at once"
    );
    // The block that included both is imported; sender 1's chain is found by re-validation,
    // which looks at transactions waiting on nothing in the pool first.
    pool.maintain(H256([1; 32]), 2, &[xt(1, 0, 0), xt(2, 0, 0)], true);
    assert_eq!(ours(&pool), [(1, 1), (1, 2), (2, 1)]);
    // What waited for sender 1's nonce 0 no longer counts as waiting: an index entry left
    // behind would stay for the node's life, one per such transaction (a soak's memory rose
    // by that, since a predecessor gossiped to another node often lands on chain first).
    pool.check_invariants().unwrap();
    pool.maintain(
        H256([2; 32]),
        3,
        &[xt(1, 1, 0), xt(1, 2, 0), xt(2, 1, 0)],
        true,
    );
    pool.check_invariants().unwrap();
}

//! Changes made on top of the backend, with nested transactions.

use cpc_io::NoOpenTransaction;
use std::collections::BTreeMap;
use std::ops::Bound;

/// The deepest transaction nesting allowed; deeper means a runaway runtime.
pub const MAX_TRANSACTION_DEPTH: usize = 1024;

/// A change: `Some(value)` sets, `None` deletes.
type Change = Option<Vec<u8>>;
type Layer = BTreeMap<Vec<u8>, Change>;

/// Uncommitted changes: a committed layer plus one layer per open transaction.
///
/// Reads look from the innermost transaction outwards. Committing a transaction merges its
/// layer into the one below; rolling back drops it.
#[derive(Clone, Debug, Default)]
pub struct OverlayedChanges {
    committed: Layer,
    transactions: Vec<Layer>,
}

impl OverlayedChanges {
    /// No changes.
    pub fn new() -> Self {
        Self::default()
    }

    /// The change to `key`, if any: `Some(None)` means deleted.
    pub fn get(&self, key: &[u8]) -> Option<Option<&[u8]>> {
        self.transactions
            .iter()
            .rev()
            .chain(std::iter::once(&self.committed))
            .find_map(|layer| layer.get(key))
            .map(|change| change.as_deref())
    }

    /// Records a change to `key`.
    pub fn set(&mut self, key: Vec<u8>, value: Change) {
        self.top_mut().insert(key, value);
    }

    fn top_mut(&mut self) -> &mut Layer {
        self.transactions.last_mut().unwrap_or(&mut self.committed)
    }

    /// The first changed key after `key`, with its change.
    pub fn next_change(&self, key: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
        let after = (Bound::Excluded(key), Bound::Unbounded);
        let next_key = std::iter::once(&self.committed)
            .chain(self.transactions.iter())
            .filter_map(|layer| layer.range::<[u8], _>(after).next().map(|(k, _)| k))
            .min()?;
        let change = self.get(next_key).expect("the key is in some layer; qed");
        Some((next_key.as_slice(), change))
    }

    /// Number of open transactions.
    pub fn transaction_depth(&self) -> usize {
        self.transactions.len()
    }

    /// Opens a transaction.
    ///
    /// # Panics
    /// Beyond [`MAX_TRANSACTION_DEPTH`] nested transactions.
    pub fn start_transaction(&mut self) {
        assert!(
            self.transactions.len() < MAX_TRANSACTION_DEPTH,
            "more than {MAX_TRANSACTION_DEPTH} nested storage transactions"
        );
        self.transactions.push(Layer::new());
    }

    /// Commits the innermost transaction into its parent.
    pub fn commit_transaction(&mut self) -> Result<(), NoOpenTransaction> {
        let layer = self.transactions.pop().ok_or(NoOpenTransaction)?;
        let parent = self.top_mut();
        if parent.is_empty() {
            *parent = layer;
        } else {
            parent.extend(layer);
        }
        Ok(())
    }

    /// Drops the innermost transaction.
    pub fn rollback_transaction(&mut self) -> Result<(), NoOpenTransaction> {
        self.transactions.pop().map(|_| ()).ok_or(NoOpenTransaction)
    }

    /// Every change, with open transactions applied, in key order.
    pub fn changes(&self) -> BTreeMap<&[u8], Option<&[u8]>> {
        let mut merged = BTreeMap::new();
        for layer in std::iter::once(&self.committed).chain(self.transactions.iter()) {
            for (k, v) in layer {
                merged.insert(k.as_slice(), v.as_deref());
            }
        }
        merged
    }

    /// Takes the committed changes out, leaving the overlay empty.
    ///
    /// # Panics
    /// If a transaction is still open: the runtime must close every transaction it opens.
    pub fn drain_committed(&mut self) -> BTreeMap<Vec<u8>, Option<Vec<u8>>> {
        assert!(
            self.transactions.is_empty(),
            "storage transactions left open at the end of execution"
        );
        std::mem::take(&mut self.committed)
    }

    /// Whether there are no changes.
    pub fn is_empty(&self) -> bool {
        self.committed.is_empty() && self.transactions.iter().all(BTreeMap::is_empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_transactions_commit_and_roll_back() {
        let mut o = OverlayedChanges::new();
        o.set(b"a".to_vec(), Some(b"1".to_vec()));
        o.start_transaction();
        o.set(b"a".to_vec(), Some(b"2".to_vec()));
        o.set(b"b".to_vec(), Some(b"x".to_vec()));
        o.start_transaction();
        o.set(b"a".to_vec(), None);
        assert_eq!(o.get(b"a"), Some(None));
        o.rollback_transaction().unwrap();
        assert_eq!(o.get(b"a"), Some(Some(&b"2"[..])));
        o.commit_transaction().unwrap();
        assert_eq!(o.get(b"b"), Some(Some(&b"x"[..])));
        assert!(o.commit_transaction().is_err());
        assert!(o.rollback_transaction().is_err());
        let changes = o.drain_committed();
        assert_eq!(changes.len(), 2);
        assert!(o.is_empty());
    }

    #[test]
    fn next_change_sees_every_layer() {
        let mut o = OverlayedChanges::new();
        o.set(b"b".to_vec(), Some(vec![1]));
        o.start_transaction();
        o.set(b"a".to_vec(), None);
        o.set(b"c".to_vec(), Some(vec![2]));
        assert_eq!(o.next_change(b""), Some((&b"a"[..], None)));
        assert_eq!(o.next_change(b"a"), Some((&b"b"[..], Some(&[1u8][..]))));
        assert_eq!(o.next_change(b"b"), Some((&b"c"[..], Some(&[2u8][..]))));
        assert_eq!(o.next_change(b"c"), None);
    }
}

//! Changes made on top of the backend, with nested transactions.
//!
//! Appending to a SCALE `Vec` (events: several per extrinsic, each extrinsic in its own
//! transaction) is amortized O(item): the value is extended in place, and a transaction that
//! appends to a value held by a lower layer takes the value over instead of copying it,
//! remembering its original length so that a rollback can give it back. Copying it would make
//! a block's events cost O(n²) in the number of extrinsics.

use codec::{Compact, Decode, Encode};
use cpc_io::NoOpenTransaction;
use std::collections::BTreeMap;
use std::ops::Bound;

/// The deepest transaction nesting allowed; deeper means a runaway runtime.
pub const MAX_TRANSACTION_DEPTH: usize = 1024;

/// A change: `Some(value)` sets, `None` deletes.
type Change = Option<Vec<u8>>;

/// A value a transaction took over from a lower layer to append to.
#[derive(Clone, Debug)]
struct Borrowed {
    /// The layer it came from (0 is the committed layer).
    origin: usize,
    /// Its length prefix when taken over.
    prefix: Vec<u8>,
    /// The length of the items after the prefix when taken over.
    body_len: usize,
}

#[derive(Clone, Debug, Default)]
struct Layer {
    changes: BTreeMap<Vec<u8>, Change>,
    /// Values taken over from lower layers, given back on rollback.
    borrowed: BTreeMap<Vec<u8>, Borrowed>,
}

/// Uncommitted changes: a committed layer plus one layer per open transaction.
///
/// Reads look from the innermost transaction outwards. Committing a transaction merges its
/// layer into the one below; rolling back drops it (giving back values it took over).
#[derive(Clone, Debug)]
pub struct OverlayedChanges {
    /// `layers[0]` is committed; each open transaction adds one.
    layers: Vec<Layer>,
}

impl Default for OverlayedChanges {
    fn default() -> Self {
        Self {
            layers: vec![Layer::default()],
        }
    }
}

/// The length of the compact length prefix of an encoded `Vec`, and the length it encodes.
fn vec_prefix(value: &[u8]) -> Option<(usize, u32)> {
    let mut input = value;
    let Compact(len) = Compact::<u32>::decode(&mut input).ok()?;
    Some((value.len() - input.len(), len))
}

/// Appends `item` to the encoded `Vec` in `value`, in place when its length prefix keeps its
/// width. A missing value or one without a valid prefix becomes a one-item vector (as in
/// Substrate).
fn append_in_place(value: &mut Change, item: &[u8]) {
    let Some(bytes) = value else {
        *value = Some(fresh(item));
        return;
    };
    let Some((prefix_len, len)) = vec_prefix(bytes) else {
        *value = Some(fresh(item));
        return;
    };
    let Some(new_len) = len.checked_add(1) else {
        *value = Some(fresh(item));
        return;
    };
    let prefix = Compact(new_len).encode();
    if prefix.len() == prefix_len {
        bytes[..prefix_len].copy_from_slice(&prefix);
        bytes.extend_from_slice(item);
    } else {
        // The prefix widens (at 64, 2^14 and 2^30 items): rebuild once.
        let mut out = Vec::with_capacity(prefix.len() + bytes.len() - prefix_len + item.len());
        out.extend_from_slice(&prefix);
        out.extend_from_slice(&bytes[prefix_len..]);
        out.extend_from_slice(item);
        *bytes = out;
    }
}

fn fresh(item: &[u8]) -> Vec<u8> {
    let mut v = Compact(1u32).encode();
    v.extend_from_slice(item);
    v
}

impl OverlayedChanges {
    /// No changes.
    pub fn new() -> Self {
        Self::default()
    }

    fn top(&self) -> usize {
        self.layers.len() - 1
    }

    /// The change to `key`, if any: `Some(None)` means deleted.
    pub fn get(&self, key: &[u8]) -> Option<Option<&[u8]>> {
        self.layers
            .iter()
            .rev()
            .find_map(|layer| layer.changes.get(key))
            .map(|change| change.as_deref())
    }

    /// Records a change to `key`.
    pub fn set(&mut self, key: Vec<u8>, value: Change) {
        let top = self.top();
        self.give_back(top, &key);
        self.layers[top].changes.insert(key, value);
    }

    /// Appends the encoded `item` to the SCALE `Vec` stored at `key`; `backend` reads the
    /// value when no layer changed it. A value that is not a `Vec` is replaced by `[item]`.
    pub fn append(&mut self, key: Vec<u8>, item: &[u8], backend: impl FnOnce() -> Option<Vec<u8>>) {
        let top = self.top();
        let holder = (0..=top)
            .rev()
            .find(|&i| self.layers[i].changes.contains_key(&key));
        match holder {
            Some(i) if i == top => {
                let value = self.layers[top]
                    .changes
                    .get_mut(&key)
                    .expect("the top layer holds the key; qed");
                append_in_place(value, item);
            }
            Some(i) => {
                let prefix = self.layers[i].changes[&key].as_deref().and_then(vec_prefix);
                let mut value = match prefix {
                    Some((prefix_len, _)) => {
                        let value = self.layers[i]
                            .changes
                            .remove(&key)
                            .expect("layer i holds the key; qed");
                        let bytes = value.as_deref().expect("a value with a prefix; qed");
                        let borrowed = Borrowed {
                            origin: i,
                            prefix: bytes[..prefix_len].to_vec(),
                            body_len: bytes.len() - prefix_len,
                        };
                        self.layers[top].borrowed.insert(key.clone(), borrowed);
                        value
                    }
                    // Deleted, or not a `Vec`: the result is a fresh vector, nothing to take.
                    None => None,
                };
                append_in_place(&mut value, item);
                self.layers[top].changes.insert(key, value);
            }
            None => {
                let mut value = backend();
                append_in_place(&mut value, item);
                self.layers[top].changes.insert(key, value);
            }
        }
    }

    /// If layer `layer` took `key` over from a lower layer, puts the original value back.
    fn give_back(&mut self, layer: usize, key: &[u8]) {
        let Some(borrowed) = self.layers[layer].borrowed.remove(key) else {
            return;
        };
        let current = self.layers[layer]
            .changes
            .remove(key)
            .flatten()
            .expect("a borrowed value stays a value: set gives it back first; qed");
        let (prefix_len, _) = vec_prefix(&current).expect("appends keep a valid prefix; qed");
        let mut original = borrowed.prefix;
        original.extend_from_slice(&current[prefix_len..prefix_len + borrowed.body_len]);
        self.layers[borrowed.origin]
            .changes
            .insert(key.to_vec(), Some(original));
    }

    /// The first changed key after `key`, with its change.
    pub fn next_change(&self, key: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
        let after = (Bound::Excluded(key), Bound::Unbounded);
        let next_key = self
            .layers
            .iter()
            .filter_map(|layer| layer.changes.range::<[u8], _>(after).next().map(|(k, _)| k))
            .min()?;
        let change = self.get(next_key).expect("the key is in some layer; qed");
        Some((next_key.as_slice(), change))
    }

    /// Number of open transactions.
    pub fn transaction_depth(&self) -> usize {
        self.layers.len() - 1
    }

    /// Opens a transaction.
    ///
    /// # Panics
    /// Beyond [`MAX_TRANSACTION_DEPTH`] nested transactions.
    pub fn start_transaction(&mut self) {
        assert!(
            self.transaction_depth() < MAX_TRANSACTION_DEPTH,
            "more than {MAX_TRANSACTION_DEPTH} nested storage transactions"
        );
        self.layers.push(Layer::default());
    }

    /// Commits the innermost transaction into its parent.
    pub fn commit_transaction(&mut self) -> Result<(), NoOpenTransaction> {
        if self.transaction_depth() == 0 {
            return Err(NoOpenTransaction);
        }
        let layer = self.layers.pop().expect("a transaction is open; qed");
        let parent_index = self.top();
        // A value the parent took over and the child replaced (rather than appended to):
        // the parent gives the original back first, as its own `set` would have.
        let replaced: Vec<&Vec<u8>> = layer
            .changes
            .keys()
            .filter(|key| {
                self.layers[parent_index].borrowed.contains_key(*key)
                    && layer.borrowed.get(*key).map(|b| b.origin) != Some(parent_index)
            })
            .collect();
        for key in replaced {
            self.give_back(parent_index, key);
        }
        let parent = &mut self.layers[parent_index];
        // A value taken over from the parent is simply the parent's again; one taken from
        // further down is now held by the parent, which gives it back if it rolls back.
        for (key, borrowed) in layer.borrowed {
            if borrowed.origin < parent_index {
                parent.borrowed.insert(key, borrowed);
            }
        }
        if parent.changes.is_empty() {
            parent.changes = layer.changes;
        } else {
            parent.changes.extend(layer.changes);
        }
        Ok(())
    }

    /// Drops the innermost transaction, giving back values it took over.
    pub fn rollback_transaction(&mut self) -> Result<(), NoOpenTransaction> {
        if self.transaction_depth() == 0 {
            return Err(NoOpenTransaction);
        }
        let top = self.top();
        let keys: Vec<Vec<u8>> = self.layers[top].borrowed.keys().cloned().collect();
        for key in keys {
            self.give_back(top, &key);
        }
        self.layers.pop();
        Ok(())
    }

    /// Every change, with open transactions applied, in key order.
    pub fn changes(&self) -> BTreeMap<&[u8], Option<&[u8]>> {
        let mut merged = BTreeMap::new();
        for layer in &self.layers {
            for (k, v) in &layer.changes {
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
            self.transaction_depth() == 0,
            "storage transactions left open at the end of execution"
        );
        std::mem::take(&mut self.layers[0].changes)
    }

    /// Whether there are no changes.
    pub fn is_empty(&self) -> bool {
        self.layers.iter().all(|layer| layer.changes.is_empty())
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

    #[test]
    fn appends_extend_in_place_and_widen_the_prefix() {
        let mut o = OverlayedChanges::new();
        for i in 0..70u8 {
            o.append(b"v".to_vec(), &[i], || None);
        }
        let value = o.get(b"v").unwrap().unwrap();
        assert_eq!(
            Vec::<u8>::decode(&mut &value[..]).unwrap(),
            (0..70).collect::<Vec<u8>>()
        );
        o.set(b"x".to_vec(), Some(vec![0xff]));
        o.append(b"x".to_vec(), &[1], || None);
        assert_eq!(
            o.get(b"x"),
            Some(Some(&[4u8, 1][..])),
            "not a Vec: replaced"
        );
        o.append(b"b".to_vec(), &[9], || Some(vec![4, 7]));
        assert_eq!(
            o.get(b"b"),
            Some(Some(&[8u8, 7, 9][..])),
            "appended to the backend's"
        );
    }

    /// A plain model: every transaction copies what it changes.
    #[derive(Default)]
    struct Model {
        layers: Vec<BTreeMap<Vec<u8>, Change>>,
    }

    impl Model {
        fn get(&self, key: &[u8]) -> Option<Option<Vec<u8>>> {
            self.layers.iter().rev().find_map(|l| l.get(key).cloned())
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        Set(u8, Option<u8>),
        Append(u8, u8),
        Start,
        Commit,
        Rollback,
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            1 => (0u8..4, proptest::option::of(any::<u8>())).prop_map(|(k, v)| Op::Set(k, v)),
            4 => (0u8..4, any::<u8>()).prop_map(|(k, v)| Op::Append(k, v)),
            1 => Just(Op::Start),
            1 => Just(Op::Commit),
            1 => Just(Op::Rollback),
        ]
    }

    proptest::proptest! {
        /// The overlay reads like the plain model after any sequence of sets, appends (to
        /// values in any layer, to the backend's, to non-`Vec` values) and nested commits and
        /// rollbacks.
        #[test]
        fn appends_across_transactions_match_a_plain_model(ops in proptest::collection::vec(op(), 1..200)) {
            let backend = |k: u8| match k {
                0 => None,
                1 => Some(vec![8, 1, 2]),
                2 => Some(vec![0xff]),
                _ => Some((0..63u8).collect::<Vec<u8>>().encode()),
            };
            let mut overlay = OverlayedChanges::new();
            let mut model = Model { layers: vec![BTreeMap::new()] };
            for op in ops {
                match op {
                    Op::Set(k, v) => {
                        let v = v.map(|v| vec![v; usize::from(v % 5)]);
                        overlay.set(vec![k], v.clone());
                        model.layers.last_mut().unwrap().insert(vec![k], v);
                    }
                    Op::Append(k, item) => {
                        overlay.append(vec![k], &[item], || backend(k));
                        let current = model.get(&[k]).unwrap_or_else(|| backend(k));
                        let appended = crate::append_to_encoded_vec(current, &[item]);
                        model.layers.last_mut().unwrap().insert(vec![k], Some(appended));
                    }
                    Op::Start => {
                        overlay.start_transaction();
                        model.layers.push(BTreeMap::new());
                    }
                    Op::Commit => {
                        let committed = overlay.commit_transaction().is_ok();
                        proptest::prop_assert_eq!(committed, model.layers.len() > 1);
                        if committed {
                            let top = model.layers.pop().unwrap();
                            model.layers.last_mut().unwrap().extend(top);
                        }
                    }
                    Op::Rollback => {
                        let rolled = overlay.rollback_transaction().is_ok();
                        proptest::prop_assert_eq!(rolled, model.layers.len() > 1);
                        if rolled {
                            model.layers.pop();
                        }
                    }
                }
                for k in 0..4u8 {
                    proptest::prop_assert_eq!(
                        overlay.get(&[k]).map(|c| c.map(<[u8]>::to_vec)),
                        model.get(&[k]),
                        "key {}", k
                    );
                }
            }
            while overlay.transaction_depth() > 0 {
                overlay.commit_transaction().unwrap();
                let top = model.layers.pop().unwrap();
                model.layers.last_mut().unwrap().extend(top);
            }
            proptest::prop_assert_eq!(overlay.drain_committed(), model.layers.pop().unwrap());
        }
    }
}

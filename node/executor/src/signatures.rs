//! The host's sr25519 verification: a bounded memory of signatures this node has verified,
//! and batches split across the machine's cores.
//!
//! A transaction's signature is checked when the pool admits it and again when the block that
//! carries it is executed; a validator also executes a proposal before voting and imports it
//! afterwards. The second check is pure waste: whether a signature is valid depends only on
//! the exact `(public key, signature, message)` bytes. So the host remembers the blake2-256 of
//! every triple it has found valid (never an invalid one) and skips those. A cached triple is
//! byte-identical to one this node verified itself: no peer can put an entry in the cache
//! without the signature being valid, and a result never depends on the cache, only the time
//! it takes. Execution stays deterministic.
//!
//! What remains to verify in a batch is split into one batch per core when it is large enough
//! to pay for the threads (a block of transactions the pool never saw: sync, or a proposal
//! from another validator's pool).

use cpc_crypto::sr25519::{self, Public, Signature};
use hashlink::LinkedHashMap;
use parking_lot::Mutex;

/// Below this many signatures a batch is verified on the calling thread.
const PARALLEL_THRESHOLD: usize = 64;

/// The most threads a batch is split across.
const MAX_THREADS: usize = 8;

/// The machine's cores, as far as this process may use them (1 if unknown).
pub(crate) fn machine_cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The table size reserved for `capacity` entries: twice the bound. A full table whose
/// entries are replaced one by one fills with deleted markers, and when those run out the hash
/// table grows unless at most half its room is in use: sized for only the bound, it would
/// double once, at some unpredictable point of a long run (a step in a validator's memory an
/// hour into a soak). Sized for twice the bound it is only ever cleaned in place, so the
/// memory the cache can take is reserved (its control bytes touched) once, at start.
fn table_capacity(capacity: usize) -> usize {
    capacity.saturating_mul(2)
}

/// Valid signatures this node has verified, by the hash of their bytes; LRU, bounded.
pub struct VerifiedSignatures {
    /// Oldest first; a hit moves an entry to the back.
    cache: Mutex<LinkedHashMap<[u8; 32], ()>>,
    capacity: usize,
    threads: usize,
}

impl VerifiedSignatures {
    /// Remembers up to `capacity` signatures (0 disables the memory) and verifies large
    /// batches on up to `threads` threads (1: on the caller's).
    pub fn new(capacity: usize, threads: usize) -> Self {
        Self {
            cache: Mutex::new(LinkedHashMap::with_capacity(table_capacity(capacity))),
            capacity,
            threads: threads.clamp(1, MAX_THREADS),
        }
    }

    /// As many threads as the machine has cores (at most 8).
    pub fn with_machine_threads(capacity: usize) -> Self {
        Self::new(capacity, machine_cores())
    }

    fn key(signature: &Signature, message: &[u8], public: &Public) -> [u8; 32] {
        let mut hasher = cpc_primitives::hashing::Blake2Stream::new();
        hasher.update(&public.0);
        hasher.update(&signature.0);
        hasher.update(message);
        hasher.finalize().0
    }

    fn known(&self, key: &[u8; 32]) -> bool {
        self.capacity > 0 && self.cache.lock().to_back(key).is_some()
    }

    fn remember(&self, keys: impl IntoIterator<Item = [u8; 32]>) {
        if self.capacity == 0 {
            return;
        }
        let mut cache = self.cache.lock();
        for key in keys {
            if cache.to_back(&key).is_none() {
                if cache.len() >= self.capacity {
                    cache.pop_front();
                }
                cache.insert(key, ());
            }
        }
    }

    /// How many signatures are remembered.
    pub fn len(&self) -> usize {
        self.cache.lock().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `signature` of `message` by `public` is valid.
    pub fn verify(&self, signature: &Signature, message: &[u8], public: &Public) -> bool {
        let key = Self::key(signature, message, public);
        if self.known(&key) {
            return true;
        }
        let valid = sr25519::verify(signature, message, public);
        if valid {
            self.remember([key]);
        }
        valid
    }

    /// Whether every item is valid. Items already verified are skipped; the rest are checked
    /// as one batch, split across threads when large.
    pub fn verify_batch(&self, items: &[(Signature, Vec<u8>, Public)]) -> bool {
        let mut pending = Vec::new();
        let mut keys = Vec::new();
        for item in items {
            let key = Self::key(&item.0, &item.1, &item.2);
            if !self.known(&key) {
                pending.push(item);
                keys.push(key);
            }
        }
        let valid = self.verify_uncached(&pending);
        if valid {
            self.remember(keys);
        }
        valid
    }

    fn verify_uncached(&self, items: &[&(Signature, Vec<u8>, Public)]) -> bool {
        let batch = |chunk: &[&(Signature, Vec<u8>, Public)]| {
            sr25519::verify_batch(chunk.iter().map(|(s, m, p)| (s, m.as_slice(), p)))
        };
        let threads = self
            .threads
            .min(items.len() / (PARALLEL_THRESHOLD / 2))
            .max(1);
        if threads == 1 || items.len() < PARALLEL_THRESHOLD {
            return batch(items);
        }
        let chunk = items.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let mut chunks = items.chunks(chunk);
            let first = chunks.next().unwrap_or_default();
            let others: Vec<_> = chunks
                .map(|part| {
                    std::thread::Builder::new()
                        .name("sr25519-batch".into())
                        .spawn_scoped(scope, move || batch(part))
                })
                .collect();
            let mine = batch(first);
            // A thread that could not start is verified here instead.
            let theirs =
                others
                    .into_iter()
                    .zip(items.chunks(chunk).skip(1))
                    .all(|(handle, part)| match handle {
                        Ok(handle) => handle.join().unwrap_or(false),
                        Err(_) => batch(part),
                    });
            mine && theirs
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cpc_crypto::sr25519::Pair;

    fn signed(n: usize) -> Vec<(Signature, Vec<u8>, Public)> {
        (0..n)
            .map(|i| {
                let pair = Pair::from_seed(&[(i % 251) as u8; 32]);
                let message = format!("message {i}").into_bytes();
                (pair.sign(&message), message, pair.public())
            })
            .collect()
    }

    #[test]
    fn valid_signatures_are_remembered_and_invalid_ones_never() {
        let cache = VerifiedSignatures::new(100, 1);
        let items = signed(3);
        let (signature, message, public) = &items[0];
        assert!(cache.verify(signature, message, public));
        assert_eq!(cache.len(), 1);
        assert!(cache.verify(signature, message, public), "from memory");
        assert!(!cache.verify(signature, b"another message", public));
        let mut forged = *signature;
        forged.0[5] ^= 1;
        assert!(!cache.verify(&forged, message, public));
        assert_eq!(cache.len(), 1, "failures are not remembered");
        // A remembered signature does not vouch for other bytes.
        assert!(!cache.verify(signature, message, &items[1].2));
    }

    #[test]
    fn a_batch_is_valid_only_if_every_item_is_cached_or_verified() {
        for threads in [1, 2, 4] {
            let cache = VerifiedSignatures::new(1_000, threads);
            let mut items = signed(200);
            assert!(cache.verify(&items[0].0, &items[0].1, &items[0].2));
            assert!(cache.verify_batch(&items));
            assert_eq!(cache.len(), 200);
            assert!(cache.verify_batch(&items), "all from memory");

            // One bad item anywhere fails the batch, whichever thread checks it.
            for bad in [0, 99, 150, 199] {
                let cache = VerifiedSignatures::new(1_000, threads);
                items[bad].1.push(0);
                assert!(!cache.verify_batch(&items), "item {bad}, {threads} threads");
                assert!(cache.is_empty(), "nothing remembered from a failed batch");
                items[bad].1.pop();
            }
        }
    }

    #[test]
    fn the_memory_is_bounded() {
        let cache = VerifiedSignatures::new(10, 1);
        assert!(cache.verify_batch(&signed(50)));
        assert_eq!(cache.len(), 10);
        let off = VerifiedSignatures::new(0, 1);
        assert!(off.verify_batch(&signed(5)));
        assert!(off.is_empty());
    }

    #[test]
    fn replacing_entries_forever_never_grows_the_table() {
        let cache = VerifiedSignatures::new(64, 1);
        let reserved = cache.cache.lock().capacity();
        for round in 0u32..200 {
            cache.remember((0u32..64).map(|i| {
                let mut key = [0u8; 32];
                key[..4].copy_from_slice(&round.to_le_bytes());
                key[4..8].copy_from_slice(&i.to_le_bytes());
                key
            }));
            assert_eq!(cache.len(), 64);
            assert!(cache.cache.lock().capacity() <= reserved, "round {round}");
        }
    }

    #[test]
    fn a_signature_found_again_is_kept_over_older_ones() {
        let cache = VerifiedSignatures::new(3, 1);
        let key = |n: u8| [n; 32];
        cache.remember([key(1), key(2), key(3)]);
        assert!(cache.known(&key(1)));
        cache.remember([key(4)]);
        assert!(cache.known(&key(1)), "used since, so not the oldest");
        assert!(!cache.known(&key(2)), "the least recently used left");
        cache.remember([key(3)]);
        cache.remember([key(5)]);
        assert!(cache.known(&key(3)), "remembered again, so not the oldest");
        assert!(!cache.known(&key(4)));
    }

    #[test]
    fn an_empty_batch_is_valid() {
        assert!(VerifiedSignatures::new(10, 2).verify_batch(&[]));
    }
}

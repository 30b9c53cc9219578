//! Deterministic mutations of corpus inputs, for the smoke test: the same bytes on every run
//! (a seeded xorshift), in the spirit of libFuzzer's mutators (bit flips, random and
//! boundary bytes, insertions, deletions, duplications, splices of two inputs), so the test
//! reaches past the corpus without depending on the nightly toolchain or on time.

/// A xorshift64* generator.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (any value).
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (which must not be 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// The largest input a mutation makes.
pub const MAX_LEN: usize = 64 * 1024;
const BOUNDARY: [u8; 6] = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

/// One to four mutations of `input`; `other` is spliced in by some of them.
pub fn mutate(input: &[u8], other: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = if out.is_empty() {
            0
        } else {
            rng.below(out.len())
        };
        match rng.below(8) {
            0 if !out.is_empty() => out[at] ^= 1 << rng.below(8),
            1 if !out.is_empty() => out[at] = rng.next_u64() as u8,
            2 if !out.is_empty() => out[at] = BOUNDARY[rng.below(BOUNDARY.len())],
            3 => {
                let bytes: Vec<u8> = (0..1 + rng.below(8))
                    .map(|_| rng.next_u64() as u8)
                    .collect();
                out.splice(at..at, bytes);
            }
            4 if !out.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                out.drain(at..end);
            }
            5 if !out.is_empty() => {
                let end = (at + 1 + rng.below(32)).min(out.len());
                let copy = out[at..end].to_vec();
                let to = rng.below(out.len() + 1);
                out.splice(to..to, copy);
            }
            6 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(64)).min(other.len());
                out.truncate(at);
                out.extend_from_slice(&other[from..end]);
            }
            _ => out.truncate(at),
        }
    }
    out.truncate(MAX_LEN);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_the_same_on_every_run_and_change_the_input() {
        let input = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"chain_getHeader\"}".to_vec();
        let run = |seed| {
            let mut rng = Rng::new(seed);
            (0..100)
                .map(|_| mutate(&input, b"other", &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        assert!(run(7).iter().filter(|m| **m != input).count() > 90);
    }
}

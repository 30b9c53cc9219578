//! sr25519 (Schnorr over Ristretto25519) public keys and signatures.
//!
//! The byte types are available everywhere, including the wasm runtime, which verifies through
//! the host. Key pairs, single verification and derivation need the `pair` feature (no `std`:
//! the web app's wasm signs in the browser); batch verification, VRF signing and signing with
//! the operating system's randomness need `std`.

use codec::{Decode, Encode, MaxEncodedLen};
use core::fmt;
use scale_info::TypeInfo;

/// The signing context Substrate uses for every sr25519 signature: signatures made by
/// polkadot.js or subkey verify here and the other way round.
pub const SIGNING_CONTEXT: &[u8] = b"substrate";

/// An sr25519 public key.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Encode,
    Decode,
    MaxEncodedLen,
    TypeInfo,
)]
pub struct Public(pub [u8; 32]);

/// An sr25519 signature.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Signature(pub [u8; 64]);

/// A schnorrkel VRF signature: the pre-output (the VRF's output point, from which the output
/// bytes are derived) and the proof that it was computed with the signer's secret on the
/// given input. Whoever holds the key gets exactly one output per input, so the output cannot
/// be ground; everyone can check it with the public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct VrfSignature {
    /// The pre-output point, compressed.
    pub pre_output: [u8; 32],
    /// The proof of correct evaluation.
    pub proof: [u8; 64],
}

/// The label under which the 32 output bytes are derived from a VRF's in-out pair.
pub const VRF_OUTPUT_LABEL: &[u8] = b"cpc/vrf-output";

impl fmt::Debug for Public {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Public(0x{})", hex::encode(self.0))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature(0x{})", hex::encode(self.0))
    }
}

impl AsRef<[u8]> for Public {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Signature {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(feature = "pair")]
pub use native::*;

#[cfg(feature = "pair")]
mod native {
    use super::*;
    use alloc::vec::Vec;
    use schnorrkel::{
        ExpansionMode, MiniSecretKey, PublicKey, SecretKey,
        context::attach_rng,
        derive::{ChainCode, Derivation},
        signing_context,
    };

    /// Verifies `signature` on `message` by `public` under [`SIGNING_CONTEXT`].
    ///
    /// Malformed keys and signatures (not on the curve, missing schnorrkel's marker bit) simply
    /// fail verification.
    pub fn verify(signature: &Signature, message: &[u8], public: &Public) -> bool {
        let Ok(public) = PublicKey::from_bytes(&public.0) else {
            return false;
        };
        let Ok(signature) = schnorrkel::Signature::from_bytes(&signature.0) else {
            return false;
        };
        public
            .verify_simple(SIGNING_CONTEXT, message, &signature)
            .is_ok()
    }

    /// Verifies many signatures at once (faster than one by one); true only if all are valid.
    #[cfg(feature = "std")]
    pub fn verify_batch<'a>(
        items: impl IntoIterator<Item = (&'a Signature, &'a [u8], &'a Public)>,
    ) -> bool {
        let mut transcripts = Vec::new();
        let mut signatures = Vec::new();
        let mut publics = Vec::new();
        for (signature, message, public) in items {
            let Ok(public) = PublicKey::from_bytes(&public.0) else {
                return false;
            };
            let Ok(signature) = schnorrkel::Signature::from_bytes(&signature.0) else {
                return false;
            };
            transcripts.push(signing_context(SIGNING_CONTEXT).bytes(message));
            signatures.push(signature);
            publics.push(public);
        }
        if signatures.is_empty() {
            return true;
        }
        schnorrkel::verify_batch(transcripts, &signatures, &publics, false).is_ok()
    }

    /// Checks a VRF signature by `public` on `message` under `context` and returns the 32
    /// output bytes; `None` when the key, pre-output or proof is malformed or the proof fails.
    pub fn vrf_verify(
        public: &Public,
        context: &[u8],
        message: &[u8],
        signature: &VrfSignature,
    ) -> Option<[u8; 32]> {
        let public = PublicKey::from_bytes(&public.0).ok()?;
        let pre_output = schnorrkel::vrf::VRFPreOut::from_bytes(&signature.pre_output).ok()?;
        let proof = schnorrkel::vrf::VRFProof::from_bytes(&signature.proof).ok()?;
        let (in_out, _) = public
            .vrf_verify(signing_context(context).bytes(message), &pre_output, &proof)
            .ok()?;
        Some(in_out.make_bytes(VRF_OUTPUT_LABEL))
    }

    /// A public key decoded once, for keys that verify many signatures (validators, session
    /// keys): decoding the curve point is about a third of the cost of a verification.
    #[derive(Clone)]
    pub struct VerifyingKey(PublicKey);

    impl VerifyingKey {
        /// Decodes `public`; `None` if it is not a valid point.
        pub fn new(public: &Public) -> Option<Self> {
            PublicKey::from_bytes(&public.0).ok().map(Self)
        }

        /// Verifies `signature` on `message` under [`SIGNING_CONTEXT`], like [`verify`].
        pub fn verify(&self, signature: &Signature, message: &[u8]) -> bool {
            schnorrkel::Signature::from_bytes(&signature.0).is_ok_and(|signature| {
                self.0
                    .verify_simple(SIGNING_CONTEXT, message, &signature)
                    .is_ok()
            })
        }
    }

    impl fmt::Debug for VerifyingKey {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "VerifyingKey({})", hex::encode(self.0.to_bytes()))
        }
    }

    /// Like [`verify_batch`], with keys decoded beforehand.
    #[cfg(feature = "std")]
    pub fn verify_batch_prepared<'a>(
        items: impl IntoIterator<Item = (&'a Signature, &'a [u8], &'a VerifyingKey)>,
    ) -> bool {
        let mut transcripts = Vec::new();
        let mut signatures = Vec::new();
        let mut publics = Vec::new();
        for (signature, message, key) in items {
            let Ok(signature) = schnorrkel::Signature::from_bytes(&signature.0) else {
                return false;
            };
            transcripts.push(signing_context(SIGNING_CONTEXT).bytes(message));
            signatures.push(signature);
            publics.push(key.0);
        }
        if signatures.is_empty() {
            return true;
        }
        schnorrkel::verify_batch(transcripts, &signatures, &publics, false).is_ok()
    }

    /// One step of a derivation path, with its 32-byte chain code.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum DeriveJunction {
        /// `/x`: public derivation; the child public key follows from the parent public key.
        Soft([u8; 32]),
        /// `//x`: secret derivation; needs the parent secret.
        Hard([u8; 32]),
    }

    impl DeriveJunction {
        /// The junction for a path segment as Substrate reads it: a decimal number is the SCALE
        /// encoding of that `u64`, anything else the SCALE encoding of the string; codes longer
        /// than 32 bytes are hashed with blake2-256, shorter ones zero-padded.
        pub fn from_segment(segment: &str, hard: bool) -> Self {
            let encoded = match segment.parse::<u64>() {
                Ok(number) => number.encode(),
                Err(_) => segment.encode(),
            };
            let mut code = [0u8; 32];
            if encoded.len() > 32 {
                code = crate::blake2_256(&encoded);
            } else {
                code[..encoded.len()].copy_from_slice(&encoded);
            }
            if hard {
                Self::Hard(code)
            } else {
                Self::Soft(code)
            }
        }
    }

    /// An sr25519 key pair.
    #[derive(Clone)]
    pub struct Pair(schnorrkel::Keypair);

    impl Pair {
        /// The pair of a 32-byte mini secret key (what Substrate calls the seed).
        pub fn from_seed(seed: &[u8; 32]) -> Self {
            let mini =
                MiniSecretKey::from_bytes(seed).expect("any 32 bytes are a mini secret; qed");
            Self(mini.expand_to_keypair(ExpansionMode::Ed25519))
        }

        /// The public key.
        pub fn public(&self) -> Public {
            Public(self.0.public.to_bytes())
        }

        /// The pair of a 64-byte secret key followed by its 32-byte public key, as
        /// [`Pair::to_raw_vec`] writes it; `None` when the secret is not a canonical scalar or
        /// the public key does not belong to it.
        pub fn from_raw(raw: &[u8; 96]) -> Option<Self> {
            let secret = SecretKey::from_bytes(&raw[..64]).ok()?;
            let public = secret.to_public();
            (public.to_bytes()[..] == raw[64..])
                .then(|| Self(schnorrkel::Keypair { secret, public }))
        }

        /// Signs `message` under [`SIGNING_CONTEXT`] with the operating system's randomness.
        #[cfg(feature = "std")]
        pub fn sign(&self, message: &[u8]) -> Signature {
            let context = signing_context(SIGNING_CONTEXT);
            Signature(self.0.sign(context.bytes(message)).to_bytes())
        }

        /// Signs `message` under [`SIGNING_CONTEXT`] with `entropy` from the caller (a
        /// browser's `crypto.getRandomValues`) as the signature's randomness. schnorrkel mixes
        /// it with the secret key and the message, so weak entropy does not expose the key;
        /// fresh entropy keeps signatures of one message unlinkable.
        pub fn sign_with_entropy(&self, message: &[u8], entropy: [u8; 32]) -> Signature {
            let transcript = signing_context(SIGNING_CONTEXT).bytes(message);
            let signature = self.0.sign(attach_rng(transcript, SeededRng::new(entropy)));
            Signature(signature.to_bytes())
        }

        /// Evaluates the VRF on `message` under `context`: the signature and the 32 output
        /// bytes [`vrf_verify`] returns for it.
        #[cfg(feature = "std")]
        pub fn vrf_sign(&self, context: &[u8], message: &[u8]) -> (VrfSignature, [u8; 32]) {
            let (in_out, proof, _) = self.0.vrf_sign(signing_context(context).bytes(message));
            let signature = VrfSignature {
                pre_output: in_out.to_preout().to_bytes(),
                proof: proof.to_bytes(),
            };
            (signature, in_out.make_bytes(VRF_OUTPUT_LABEL))
        }

        /// Derives a child pair along `path`.
        ///
        /// Returns the seed of the result when the last junction was hard (so the child can be
        /// stored as a seed), as Substrate does.
        ///
        /// The public key is Substrate's. A soft junction also gives the child a new signing
        /// nonce (the second half of its secret), which schnorrkel would draw from the
        /// operating system; here it comes from the parent's secret and the junction, so one
        /// path always gives the same 64-byte secret, in the node and in the browser alike.
        pub fn derive(
            &self,
            path: impl IntoIterator<Item = DeriveJunction>,
        ) -> (Self, Option<[u8; 32]>) {
            let mut secret: SecretKey = self.0.secret.clone();
            let mut seed = None;
            for junction in path {
                match junction {
                    DeriveJunction::Soft(code) => {
                        let rng = SeededRng::new(crate::blake2_256(
                            &[&b"cpc/sr25519/soft-nonce"[..], &secret.to_bytes(), &code].concat(),
                        ));
                        secret = secret.derived_key_simple_rng(ChainCode(code), [], rng).0;
                        seed = None;
                    }
                    DeriveJunction::Hard(code) => {
                        let mini = secret
                            .hard_derive_mini_secret_key(Some(ChainCode(code)), b"")
                            .0;
                        secret = mini.expand(ExpansionMode::Ed25519);
                        seed = Some(mini.to_bytes());
                    }
                }
            }
            (Self(secret.to_keypair()), seed)
        }

        /// The 64-byte secret key followed by the 32-byte public key, for keystores.
        pub fn to_raw_vec(&self) -> Vec<u8> {
            self.0.to_bytes().to_vec()
        }
    }

    /// The randomness schnorrkel asks for, expanded from a 32-byte seed with blake2b. It only
    /// ever feeds schnorrkel's witnesses, which hash it together with the secret key.
    struct SeededRng {
        seed: [u8; 32],
        block: u64,
    }

    impl SeededRng {
        fn new(seed: [u8; 32]) -> Self {
            Self { seed, block: 0 }
        }
    }

    impl rand_core::RngCore for SeededRng {
        fn next_u32(&mut self) -> u32 {
            rand_core::impls::next_u32_via_fill(self)
        }

        fn next_u64(&mut self) -> u64 {
            rand_core::impls::next_u64_via_fill(self)
        }

        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for chunk in dest.chunks_mut(32) {
                let mut input = [0u8; 40];
                input[..32].copy_from_slice(&self.seed);
                input[32..].copy_from_slice(&self.block.to_le_bytes());
                self.block += 1;
                chunk.copy_from_slice(&crate::blake2_256(&input)[..chunk.len()]);
            }
        }

        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    impl rand_core::CryptoRng for SeededRng {}

    impl fmt::Debug for Pair {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            // Never print the secret.
            write!(f, "Pair({:?})", self.public())
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    #[test]
    fn a_vrf_output_is_one_per_key_and_input_and_any_change_fails() {
        let pair = Pair::from_seed(&[7u8; 32]);
        let other = Pair::from_seed(&[8u8; 32]);
        let (signature, output) = pair.vrf_sign(b"ctx", b"input");
        assert_eq!(
            vrf_verify(&pair.public(), b"ctx", b"input", &signature),
            Some(output)
        );
        // Signing again (fresh proof randomness) gives the same output: nothing to grind.
        let (again, same) = pair.vrf_sign(b"ctx", b"input");
        assert_eq!(same, output);
        assert_eq!(again.pre_output, signature.pre_output);
        assert_ne!(pair.vrf_sign(b"ctx", b"other").1, output);
        assert_eq!(
            vrf_verify(&other.public(), b"ctx", b"input", &signature),
            None
        );
        assert_eq!(
            vrf_verify(&pair.public(), b"ctx", b"inpuT", &signature),
            None
        );
        assert_eq!(
            vrf_verify(&pair.public(), b"ctX", b"input", &signature),
            None
        );
        let mut tampered = signature;
        tampered.proof[5] ^= 1;
        assert_eq!(
            vrf_verify(&pair.public(), b"ctx", b"input", &tampered),
            None
        );
        let mut tampered = signature;
        tampered.pre_output[0] ^= 1;
        assert_eq!(
            vrf_verify(&pair.public(), b"ctx", b"input", &tampered),
            None
        );
        assert_eq!(
            vrf_verify(&Public([0xff; 32]), b"ctx", b"input", &signature),
            None
        );
    }

    #[test]
    fn signatures_verify_and_any_change_fails() {
        let pair = Pair::from_seed(&[7u8; 32]);
        let other = Pair::from_seed(&[8u8; 32]);
        let message = b"cpchain";
        let signature = pair.sign(message);
        assert!(verify(&signature, message, &pair.public()));
        assert!(
            !verify(&signature, b"cpchaim", &pair.public()),
            "changed message"
        );
        assert!(!verify(&signature, message, &other.public()), "changed key");
        let mut tampered = signature;
        tampered.0[10] ^= 1;
        assert!(
            !verify(&tampered, message, &pair.public()),
            "changed signature"
        );
        let mut unmarked = signature;
        unmarked.0[63] &= 0x7f;
        assert!(
            !verify(&unmarked, message, &pair.public()),
            "missing marker bit"
        );
        assert!(
            !verify(&signature, message, &Public([0xff; 32])),
            "not a curve point"
        );
    }

    #[test]
    fn a_pair_comes_back_from_its_raw_bytes_and_signs_with_caller_entropy() {
        let pair = Pair::from_seed(&[7u8; 32]);
        let raw: [u8; 96] = pair.to_raw_vec().try_into().unwrap();
        let back = Pair::from_raw(&raw).expect("the raw bytes of a pair");
        assert_eq!(back.public(), pair.public());
        let first = back.sign_with_entropy(b"cpchain", [1; 32]);
        assert!(verify(&first, b"cpchain", &pair.public()));
        // Other entropy, another valid signature of the same message.
        let second = back.sign_with_entropy(b"cpchain", [2; 32]);
        assert_ne!(first, second);
        assert!(verify(&second, b"cpchain", &pair.public()));
        assert!(!verify(&first, b"cpchaim", &pair.public()));
        // A public half that is not the secret's, or a secret that is not a scalar.
        let mut wrong_public = raw;
        wrong_public[95] ^= 1;
        assert!(Pair::from_raw(&wrong_public).is_none());
        let mut not_a_scalar = raw;
        not_a_scalar[31] = 0xff;
        assert!(Pair::from_raw(&not_a_scalar).is_none());
    }

    #[test]
    fn prepared_keys_verify_exactly_like_raw_keys() {
        let pair = Pair::from_seed(&[7u8; 32]);
        let key = VerifyingKey::new(&pair.public()).unwrap();
        let signature = pair.sign(b"cpchain");
        assert!(key.verify(&signature, b"cpchain"));
        assert!(!key.verify(&signature, b"cpchaim"));
        let mut tampered = signature;
        tampered.0[63] &= 0x7f;
        assert!(!key.verify(&tampered, b"cpchain"));
        assert!(VerifyingKey::new(&Public([0xff; 32])).is_none());
        let other = Pair::from_seed(&[8u8; 32]);
        let other_key = VerifyingKey::new(&other.public()).unwrap();
        let other_signature = other.sign(b"b");
        let good = [
            (&signature, b"cpchain".as_slice(), &key),
            (&other_signature, b"b".as_slice(), &other_key),
        ];
        assert!(verify_batch_prepared(good));
        let swapped = [
            (&signature, b"cpchain".as_slice(), &other_key),
            (&other_signature, b"b".as_slice(), &key),
        ];
        assert!(!verify_batch_prepared(swapped));
    }

    #[test]
    fn batch_verification_fails_if_any_signature_is_bad() {
        let pairs: Vec<_> = (0..8u8).map(|i| Pair::from_seed(&[i; 32])).collect();
        let messages: Vec<Vec<u8>> = (0..8u8).map(|i| vec![i; 40]).collect();
        let mut signatures: Vec<_> = pairs
            .iter()
            .zip(&messages)
            .map(|(p, m)| p.sign(m))
            .collect();
        let publics: Vec<_> = pairs.iter().map(Pair::public).collect();
        fn items<'a>(
            sigs: &'a [Signature],
            messages: &'a [Vec<u8>],
            publics: &'a [Public],
        ) -> Vec<(&'a Signature, &'a [u8], &'a Public)> {
            sigs.iter()
                .zip(messages)
                .zip(publics)
                .map(|((s, m), p)| (s, m.as_slice(), p))
                .collect()
        }
        assert!(verify_batch(items(&signatures, &messages, &publics)));
        signatures[5] = pairs[5].sign(b"something else");
        assert!(!verify_batch(items(&signatures, &messages, &publics)));
        assert!(verify_batch(core::iter::empty()));
    }
}

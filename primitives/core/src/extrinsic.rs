//! The v4 extrinsic format, byte-compatible with Substrate's `UncheckedExtrinsic`.
//!
//! ```text
//! Compact<u32> length ++ version byte (0x84 signed, 0x04 unsigned)
//!   ++ [MultiAddress ++ MultiSignature ++ Era ++ Compact<nonce> ++ Compact<tip>]   (signed)
//!   ++ call
//! ```
//!
//! The signature covers `call ++ extra ++ implicit`, where `extra` is `(era, nonce, tip)` and
//! `implicit` is `(spec_version, transaction_version, genesis_hash, era_block_hash)`; if that
//! payload is longer than 256 bytes its blake2-256 hash is signed instead. These are the
//! signed extensions of a standard Substrate chain (`CheckSpecVersion`, `CheckTxVersion`,
//! `CheckGenesis`, `CheckMortality`, `CheckNonce`, `CheckWeight`,
//! `ChargeTransactionPayment`), so polkadot.js and subxt can sign for this chain.

use crate::{
    AccountId, Balance, H256, Nonce,
    era::Era,
    hashing::blake2_256,
    limits::{DecodeLimitError, MAX_EXTRINSIC_SIZE, decode_bounded},
    sr25519,
    transaction_validity::{InvalidTransaction, TransactionValidityError, UnknownTransaction},
};
use alloc::vec::Vec;
use codec::{Compact, Decode, Encode, Error, Input};
use cpc_version::RuntimeVersion;
use scale_info::TypeInfo;

/// The extrinsic format version.
pub const EXTRINSIC_FORMAT_VERSION: u8 = 4;
const SIGNED_BIT: u8 = 0b1000_0000;
/// Payloads longer than this are hashed before signing.
pub const MAX_UNHASHED_PAYLOAD: usize = 256;

/// An address in a transaction: Substrate's `MultiAddress<AccountId32, ()>`. Only accounts
/// (`Id`, `Address32`) resolve on this chain; the other forms decode (for compatibility) but
/// fail lookup.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum MultiAddress {
    /// An account id.
    #[codec(index = 0)]
    Id(AccountId),
    /// An account index (not supported here).
    #[codec(index = 1)]
    Index(#[codec(compact)] ()),
    /// Raw bytes (not supported here).
    #[codec(index = 2)]
    Raw(Vec<u8>),
    /// 32 raw bytes, the same as an account id.
    #[codec(index = 3)]
    Address32([u8; 32]),
    /// A 20-byte address (not supported here).
    #[codec(index = 4)]
    Address20([u8; 20]),
}

impl MultiAddress {
    /// The account this address names, if it names one.
    pub fn account(&self) -> Option<AccountId> {
        match self {
            Self::Id(id) => Some(*id),
            Self::Address32(bytes) => Some(AccountId::new(*bytes)),
            _ => None,
        }
    }
}

impl TypeInfo for MultiAddress {
    type Identity = Self;

    /// Described as Substrate's generic `MultiAddress<AccountId, AccountIndex>`, with its type
    /// parameters: clients find the account type of a chain through them, and know to accept
    /// an SS58 address where the path is `sp_runtime::multiaddress::MultiAddress`.
    fn type_info() -> scale_info::Type {
        use scale_info::{Path, Type, TypeParameter, build::Variants, meta_type};
        Type::builder()
            .path(Path::new("MultiAddress", "sp_runtime::multiaddress"))
            .type_params(alloc::vec![
                TypeParameter::new("AccountId", Some(meta_type::<AccountId>())),
                TypeParameter::new("AccountIndex", Some(meta_type::<()>())),
            ])
            .docs(&["An address in a transaction."])
            .variant(
                Variants::new()
                    .variant("Id", |v| {
                        v.index(0).fields(
                            scale_info::build::Fields::unnamed()
                                .field(|f| f.ty::<AccountId>().type_name("AccountId")),
                        )
                    })
                    .variant("Index", |v| {
                        v.index(1).fields(
                            scale_info::build::Fields::unnamed()
                                .field(|f| f.compact::<()>().type_name("AccountIndex")),
                        )
                    })
                    .variant("Raw", |v| {
                        v.index(2).fields(
                            scale_info::build::Fields::unnamed()
                                .field(|f| f.ty::<Vec<u8>>().type_name("Vec<u8>")),
                        )
                    })
                    .variant("Address32", |v| {
                        v.index(3).fields(
                            scale_info::build::Fields::unnamed()
                                .field(|f| f.ty::<[u8; 32]>().type_name("[u8; 32]")),
                        )
                    })
                    .variant("Address20", |v| {
                        v.index(4).fields(
                            scale_info::build::Fields::unnamed()
                                .field(|f| f.ty::<[u8; 20]>().type_name("[u8; 20]")),
                        )
                    }),
            )
    }
}

impl From<AccountId> for MultiAddress {
    fn from(id: AccountId) -> Self {
        Self::Id(id)
    }
}

/// A call that is already encoded: it encodes (and is signed) as exactly its bytes. Wallets use
/// it for calls of a runtime they were not built with, such as a call an upgrade added.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RawCall(pub Vec<u8>);

impl Encode for RawCall {
    fn size_hint(&self) -> usize {
        self.0.len()
    }

    fn encode_to<T: codec::Output + ?Sized>(&self, dest: &mut T) {
        dest.write(&self.0);
    }
}

/// A signature of any scheme Substrate knows; only sr25519 verifies on this chain.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum MultiSignature {
    /// Ed25519 (not accepted here).
    #[codec(index = 0)]
    Ed25519([u8; 64]),
    /// Sr25519.
    #[codec(index = 1)]
    Sr25519(sr25519::Signature),
    /// ECDSA (not accepted here).
    #[codec(index = 2)]
    Ecdsa([u8; 65]),
}

/// The explicit signed-extension data carried in a signed extrinsic.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct SignedExtra {
    /// Validity period.
    pub era: Era,
    /// The sender's nonce.
    #[codec(compact)]
    pub nonce: Nonce,
    /// Extra fee for priority.
    #[codec(compact)]
    pub tip: Balance,
}

/// The implicit data a signature covers but the extrinsic does not carry.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct AdditionalSigned {
    /// The runtime's `spec_version`.
    pub spec_version: u32,
    /// The runtime's `transaction_version`.
    pub transaction_version: u32,
    /// The chain's genesis hash.
    pub genesis_hash: H256,
    /// The hash of the era's birth block (the genesis hash for immortal transactions).
    pub era_block_hash: H256,
}

impl AdditionalSigned {
    /// What a transaction for `version` of the runtime on the chain of `genesis_hash` signs
    /// beyond what it carries, with its era born at block `era_block_hash`.
    pub fn new(version: &RuntimeVersion, genesis_hash: H256, era_block_hash: H256) -> Self {
        Self {
            spec_version: version.spec_version,
            transaction_version: version.transaction_version,
            genesis_hash,
            era_block_hash,
        }
    }

    /// The same for an immortal transaction: its era block is the genesis.
    pub fn immortal(version: &RuntimeVersion, genesis_hash: H256) -> Self {
        Self::new(version, genesis_hash, genesis_hash)
    }
}

/// What a signature signs: `call ++ extra ++ additional`, hashed if longer than 256 bytes.
pub fn signing_payload<Call: Encode>(
    call: &Call,
    extra: &SignedExtra,
    additional: &AdditionalSigned,
) -> Vec<u8> {
    let raw = (call, extra, additional).encode();
    if raw.len() > MAX_UNHASHED_PAYLOAD {
        blake2_256(&raw).to_vec()
    } else {
        raw
    }
}

/// The signature part of a signed extrinsic.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct ExtrinsicSignature {
    /// The signer.
    pub address: MultiAddress,
    /// The signature.
    pub signature: MultiSignature,
    /// The explicit extension data.
    pub extra: SignedExtra,
}

/// An extrinsic as it travels and is stored: possibly signed, not yet checked.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UncheckedExtrinsic<Call> {
    /// The signature, if signed.
    pub signature: Option<ExtrinsicSignature>,
    /// The call.
    pub function: Call,
}

impl<Call> UncheckedExtrinsic<Call> {
    /// An unsigned extrinsic (inherents).
    pub fn new_unsigned(function: Call) -> Self {
        Self {
            signature: None,
            function,
        }
    }

    /// A signed extrinsic from its parts.
    pub fn new_signed(
        function: Call,
        address: MultiAddress,
        signature: MultiSignature,
        extra: SignedExtra,
    ) -> Self {
        Self {
            signature: Some(ExtrinsicSignature {
                address,
                signature,
                extra,
            }),
            function,
        }
    }

    /// Whether the extrinsic is signed.
    pub fn is_signed(&self) -> bool {
        self.signature.is_some()
    }
}

impl<Call: Encode> UncheckedExtrinsic<Call> {
    /// Signs `function` with `pair`.
    #[cfg(feature = "std")]
    pub fn sign(
        function: Call,
        pair: &sr25519::Pair,
        extra: SignedExtra,
        additional: &AdditionalSigned,
    ) -> Self {
        let signature = pair.sign(&signing_payload(&function, &extra, additional));
        Self::new_signed(
            function,
            MultiAddress::Id(pair.public().into()),
            MultiSignature::Sr25519(signature),
            extra,
        )
    }

    /// blake2-256 of the encoding: the extrinsic's hash.
    pub fn hash(&self) -> H256 {
        H256(blake2_256(&self.encode()))
    }

    /// Checks the signature against the implicit data `additional`, returning the signer.
    ///
    /// `verify` checks an sr25519 signature (natively or through the host). An unsigned
    /// extrinsic has no signer and passes.
    pub fn verify_signature(
        &self,
        additional: &AdditionalSigned,
        verify: impl Fn(&sr25519::Signature, &[u8], &sr25519::Public) -> bool,
    ) -> Result<Option<AccountId>, TransactionValidityError> {
        let Some(ExtrinsicSignature {
            address,
            signature,
            extra,
        }) = &self.signature
        else {
            return Ok(None);
        };
        let signer = address.account().ok_or(UnknownTransaction::CannotLookup)?;
        let MultiSignature::Sr25519(signature) = signature else {
            return Err(InvalidTransaction::BadProof.into());
        };
        let payload = signing_payload(&self.function, extra, additional);
        if !verify(signature, &payload, &signer.into()) {
            return Err(InvalidTransaction::BadProof.into());
        }
        Ok(Some(signer))
    }

    /// Checks the signature and returns the checked extrinsic.
    ///
    /// `additional` gives the implicit data for the extension values (it fails for an unknown
    /// birth block, a future era and so on).
    pub fn check(
        self,
        additional: impl FnOnce(&SignedExtra) -> Result<AdditionalSigned, TransactionValidityError>,
        verify: impl Fn(&sr25519::Signature, &[u8], &sr25519::Public) -> bool,
    ) -> Result<CheckedExtrinsic<Call>, TransactionValidityError> {
        let signed = match &self.signature {
            None => None,
            Some(signature) => {
                let implicit = additional(&signature.extra)?;
                let signer = self
                    .verify_signature(&implicit, verify)?
                    .expect("signed extrinsics have a signer; qed");
                Some((signer, signature.extra))
            }
        };
        Ok(CheckedExtrinsic {
            signed,
            function: self.function,
        })
    }
}

impl<Call: Decode> UncheckedExtrinsic<Call> {
    /// Decodes from untrusted bytes, bounded by [`MAX_EXTRINSIC_SIZE`] and the call nesting
    /// depth limit; trailing bytes are an error.
    pub fn decode_bounded(bytes: &[u8]) -> Result<Self, DecodeLimitError> {
        decode_bounded(bytes, MAX_EXTRINSIC_SIZE)
    }
}

impl<Call: Encode> Encode for UncheckedExtrinsic<Call> {
    fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(128);
        match &self.signature {
            Some(signature) => {
                body.push(EXTRINSIC_FORMAT_VERSION | SIGNED_BIT);
                signature.encode_to(&mut body);
            }
            None => body.push(EXTRINSIC_FORMAT_VERSION),
        }
        self.function.encode_to(&mut body);
        // Length-prefixed, so an extrinsic is also a valid `Vec<u8>` encoding.
        body.encode()
    }
}

impl<Call: Encode> codec::EncodeLike for UncheckedExtrinsic<Call> {}

impl<Call: Decode> Decode for UncheckedExtrinsic<Call> {
    fn decode<I: Input>(input: &mut I) -> Result<Self, Error> {
        let length = Compact::<u32>::decode(input)?.0 as usize;
        let before = input.remaining_len()?;
        if let Some(remaining) = before
            && remaining < length
        {
            return Err("Not enough data to fill the extrinsic".into());
        }
        let version = input.read_byte()?;
        if version & !SIGNED_BIT != EXTRINSIC_FORMAT_VERSION {
            return Err("Invalid transaction version".into());
        }
        let signature = if version & SIGNED_BIT != 0 {
            Some(ExtrinsicSignature::decode(input)?)
        } else {
            None
        };
        let function = Call::decode(input)?;
        if let (Some(before), Some(after)) = (before, input.remaining_len()?)
            && before - after != length
        {
            return Err("Invalid length prefix".into());
        }
        Ok(Self {
            signature,
            function,
        })
    }
}

impl<Call: TypeInfo + 'static> TypeInfo for UncheckedExtrinsic<Call> {
    type Identity = Self;

    /// Described as Substrate describes it: opaque bytes with type parameters clients read to
    /// learn the address, call, signature and extra types.
    fn type_info() -> scale_info::Type {
        use scale_info::{Path, Type, TypeParameter, build::Fields, meta_type};
        Type::builder()
            .path(Path::new(
                "UncheckedExtrinsic",
                "sp_runtime::generic::unchecked_extrinsic",
            ))
            .type_params(alloc::vec![
                TypeParameter::new("Address", Some(meta_type::<MultiAddress>())),
                TypeParameter::new("Call", Some(meta_type::<Call>())),
                TypeParameter::new("Signature", Some(meta_type::<MultiSignature>())),
                TypeParameter::new("Extra", Some(meta_type::<SignedExtra>())),
            ])
            .composite(Fields::unnamed().field(|f| f.ty::<Vec<u8>>()))
    }
}

/// An extrinsic whose signature has been checked.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CheckedExtrinsic<Call> {
    /// The verified signer and extension data, if it was signed.
    pub signed: Option<(AccountId, SignedExtra)>,
    /// The call.
    pub function: Call,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::MAX_DECODE_DEPTH;
    use alloc::boxed::Box;

    /// A stand-in call: a pallet index and a call index, then arguments.
    #[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
    enum Call {
        #[codec(index = 5)]
        Balances(BalancesCall),
    }

    #[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
    enum BalancesCall {
        #[codec(index = 0)]
        Transfer {
            dest: MultiAddress,
            #[codec(compact)]
            value: u128,
        },
        #[codec(index = 1)]
        Remark(Vec<u8>),
    }

    fn alice() -> sr25519::Pair {
        sr25519::Pair::from_suri("//Alice").unwrap().0
    }

    fn bob() -> AccountId {
        sr25519::Pair::from_suri("//Bob").unwrap().0.public().into()
    }

    fn additional() -> AdditionalSigned {
        AdditionalSigned {
            spec_version: 1,
            transaction_version: 1,
            genesis_hash: H256([9; 32]),
            era_block_hash: H256([9; 32]),
        }
    }

    fn transfer() -> Call {
        Call::Balances(BalancesCall::Transfer {
            dest: MultiAddress::Id(bob()),
            value: 12345,
        })
    }

    fn signed(call: Call) -> UncheckedExtrinsic<Call> {
        let extra = SignedExtra {
            era: Era::Immortal,
            nonce: 3,
            tip: 10,
        };
        UncheckedExtrinsic::sign(call, &alice(), extra, &additional())
    }

    #[test]
    fn a_raw_call_signs_and_encodes_like_the_typed_one() {
        let raw = signed_raw(transfer().encode());
        let typed = UncheckedExtrinsic::<Call>::decode_bounded(&raw.encode()).unwrap();
        assert_eq!(typed.function, transfer());
        assert_eq!(typed.encode(), raw.encode());
        assert!(typed.check(|_| Ok(additional()), sr25519::verify).is_ok());
    }

    fn signed_raw(call: Vec<u8>) -> UncheckedExtrinsic<RawCall> {
        let extra = SignedExtra {
            era: Era::Immortal,
            nonce: 3,
            tip: 10,
        };
        UncheckedExtrinsic::sign(RawCall(call), &alice(), extra, &additional())
    }

    #[test]
    fn signed_layout_is_substrates() {
        let xt = signed(transfer());
        let encoded = xt.encode();
        // Compact length, then 0x84, then MultiAddress::Id (0x00) and Alice's key.
        let (len, rest) = (
            Compact::<u32>::decode(&mut &encoded[..]).unwrap().0,
            &encoded[2..],
        );
        assert_eq!(len as usize, rest.len());
        assert_eq!(rest[0], 0x84);
        assert_eq!(rest[1], 0x00);
        assert_eq!(&rest[2..34], alice().public().as_ref());
        // MultiSignature::Sr25519 (0x01) and 64 bytes, then era 0x00, nonce 3 (0x0c), tip 10 (0x28).
        assert_eq!(rest[34], 0x01);
        assert_eq!(&rest[99..102], &[0x00, 0x0c, 0x28]);
        // Then the call: pallet 5, call 0.
        assert_eq!(&rest[102..104], &[5, 0]);
        assert_eq!(
            UncheckedExtrinsic::<Call>::decode_bounded(&encoded).unwrap(),
            xt
        );
    }

    #[test]
    fn unsigned_layout_is_substrates() {
        let xt = UncheckedExtrinsic::new_unsigned(Call::Balances(BalancesCall::Remark(vec![7])));
        assert_eq!(xt.encode(), [5 << 2, 0x04, 5, 1, 4, 7]);
        // An extrinsic is also a valid `Vec<u8>`.
        let as_vec: Vec<u8> = Decode::decode(&mut &xt.encode()[..]).unwrap();
        assert_eq!(as_vec[0], 0x04);
    }

    #[test]
    fn signatures_check_and_tampering_fails() {
        let verify = sr25519::verify;
        let ok = signed(transfer())
            .check(|_| Ok(additional()), verify)
            .unwrap();
        assert_eq!(ok.signed.unwrap().0, AccountId::from(alice().public()));

        let bad = |xt: UncheckedExtrinsic<Call>, add: AdditionalSigned| {
            xt.check(|_| Ok(add), verify).unwrap_err()
        };
        let proof = TransactionValidityError::Invalid(InvalidTransaction::BadProof);
        let mut wrong_genesis = additional();
        wrong_genesis.genesis_hash = H256([8; 32]);
        assert_eq!(bad(signed(transfer()), wrong_genesis), proof);

        let mut changed_call = signed(transfer());
        changed_call.function = Call::Balances(BalancesCall::Transfer {
            dest: MultiAddress::Id(bob()),
            value: 1,
        });
        assert_eq!(bad(changed_call, additional()), proof);

        let mut changed_nonce = signed(transfer());
        changed_nonce.signature.as_mut().unwrap().extra.nonce = 4;
        assert_eq!(bad(changed_nonce, additional()), proof);

        let mut other_signer = signed(transfer());
        other_signer.signature.as_mut().unwrap().address = MultiAddress::Id(bob());
        assert_eq!(bad(other_signer, additional()), proof);

        let mut ed = signed(transfer());
        ed.signature.as_mut().unwrap().signature = MultiSignature::Ed25519([0; 64]);
        assert_eq!(bad(ed, additional()), proof);

        let mut raw = signed(transfer());
        raw.signature.as_mut().unwrap().address = MultiAddress::Raw(vec![1]);
        assert_eq!(
            bad(raw, additional()),
            TransactionValidityError::Unknown(UnknownTransaction::CannotLookup)
        );
    }

    #[test]
    fn long_payloads_are_hashed() {
        let long = Call::Balances(BalancesCall::Remark(vec![1; 300]));
        let extra = SignedExtra {
            era: Era::Immortal,
            nonce: 0,
            tip: 0,
        };
        assert_eq!(signing_payload(&long, &extra, &additional()).len(), 32);
        let xt = UncheckedExtrinsic::sign(long, &alice(), extra, &additional());
        assert!(xt.check(|_| Ok(additional()), sr25519::verify).is_ok());
    }

    #[test]
    fn bad_bytes_are_errors() {
        let encoded = signed(transfer()).encode();
        for cut in 0..encoded.len() {
            assert!(UncheckedExtrinsic::<Call>::decode_bounded(&encoded[..cut]).is_err());
        }
        let mut longer = encoded.clone();
        longer.push(0);
        assert!(UncheckedExtrinsic::<Call>::decode_bounded(&longer).is_err());
        let mut version5 = encoded.clone();
        version5[2] = 0x85;
        assert!(UncheckedExtrinsic::<Call>::decode_bounded(&version5).is_err());
        // A length prefix that lies about the size.
        let mut lying = encoded.clone();
        lying[0] = lying[0].wrapping_sub(4);
        assert!(UncheckedExtrinsic::<Call>::decode_bounded(&lying).is_err());
        let huge = vec![0u8; MAX_EXTRINSIC_SIZE + 1];
        assert!(matches!(
            UncheckedExtrinsic::<Call>::decode_bounded(&huge),
            Err(DecodeLimitError::TooLarge { .. })
        ));
    }

    /// A call type that nests, like a batch of batches.
    #[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
    enum Nested {
        Leaf,
        Wrap(Box<Nested>),
    }

    #[test]
    fn nesting_beyond_the_depth_limit_is_refused() {
        let nest = |depth: u32| {
            let mut call = Nested::Leaf;
            for _ in 0..depth {
                call = Nested::Wrap(Box::new(call));
            }
            UncheckedExtrinsic::new_unsigned(call).encode()
        };
        assert!(UncheckedExtrinsic::<Nested>::decode_bounded(&nest(100)).is_ok());
        assert!(
            UncheckedExtrinsic::<Nested>::decode_bounded(&nest(MAX_DECODE_DEPTH + 10)).is_err()
        );
    }

    proptest::proptest! {
        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(0u8.., 0..512)) {
            let _ = UncheckedExtrinsic::<Call>::decode_bounded(&bytes);
        }

        #[test]
        fn mutated_extrinsics_never_panic(at in 0usize..200, byte in 0u8..) {
            let mut encoded = signed(transfer()).encode();
            let at = at % encoded.len();
            encoded[at] = byte;
            if let Ok(xt) = UncheckedExtrinsic::<Call>::decode_bounded(&encoded) {
                let _ = xt.check(|_| Ok(additional()), sr25519::verify);
            }
        }
    }
}

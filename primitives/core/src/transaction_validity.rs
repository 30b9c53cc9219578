//! Transaction validity, as the runtime reports it to the pool and to block authors.
//! Encodings are Substrate's.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use core::fmt;
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Codes of [`InvalidTransaction::Custom`] that CPChain's runtime uses.
pub mod custom {
    /// The mortal era's birth block is after the current block: not valid yet.
    pub const ERA_NOT_YET_VALID: u8 = 1;
    /// The mortal era has ended: the transaction was signed for an earlier birth block.
    pub const ERA_EXPIRED: u8 = 2;
    /// The signed call is too large for the pool or a block.
    pub const TOO_LARGE: u8 = 3;
    /// The transaction names an account that does not exist and cannot pay.
    pub const NO_ACCOUNT: u8 = 4;
    /// The nonce is too far ahead of the account's next nonce to be queued.
    pub const NONCE_TOO_FAR_AHEAD: u8 = 5;

    /// A sentence for a custom code.
    pub fn describe(code: u8) -> &'static str {
        match code {
            ERA_NOT_YET_VALID => "mortal era starts at a future block",
            ERA_EXPIRED => "mortal era has expired",
            TOO_LARGE => "transaction is too large",
            NO_ACCOUNT => "sender account does not exist",
            NONCE_TOO_FAR_AHEAD => "nonce is too far in the future to be queued",
            _ => "custom error",
        }
    }
}

/// Why a transaction is invalid: it can never be included in a block built on this state.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
pub enum InvalidTransaction {
    /// The call is not allowed or does not decode (an unknown call index).
    Call,
    /// The sender cannot pay the fees.
    Payment,
    /// The nonce is ahead of the account's next nonce.
    Future,
    /// The nonce was already used.
    Stale,
    /// The signature does not verify (or was made for another chain, runtime or era).
    BadProof,
    /// The era's birth block is too old to be known.
    AncientBirthBlock,
    /// The transaction does not fit in a block.
    ExhaustsResources,
    /// A runtime-specific reason (see [`custom`]).
    Custom(u8),
    /// A mandatory (inherent) call failed.
    BadMandatory,
    /// A mandatory call was submitted as a transaction.
    MandatoryValidation,
    /// The signer is not allowed.
    BadSigner,
}

/// Why the validity of a transaction cannot be determined.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
pub enum UnknownTransaction {
    /// An address could not be resolved.
    CannotLookup,
    /// An unsigned transaction that no pallet validates (such as an inherent).
    NoUnsignedValidator,
    /// A runtime-specific reason.
    Custom(u8),
}

/// A transaction's validity error.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
pub enum TransactionValidityError {
    /// Invalid.
    Invalid(InvalidTransaction),
    /// Cannot be determined.
    Unknown(UnknownTransaction),
}

impl From<InvalidTransaction> for TransactionValidityError {
    fn from(e: InvalidTransaction) -> Self {
        Self::Invalid(e)
    }
}

impl From<UnknownTransaction> for TransactionValidityError {
    fn from(e: UnknownTransaction) -> Self {
        Self::Unknown(e)
    }
}

impl fmt::Display for InvalidTransaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Call => "invalid call: unknown call index or a call not allowed here",
            Self::Payment => "inability to pay some fees (e.g. account balance too low)",
            Self::Future => "transaction nonce is in the future",
            Self::Stale => "transaction is outdated: its nonce was already used",
            Self::BadProof => {
                "bad signature (or signed for another genesis, runtime version or era block)"
            }
            Self::AncientBirthBlock => "transaction birth block is ancient",
            Self::ExhaustsResources => "transaction would exhaust the block limits",
            Self::Custom(code) => return write!(f, "{} (custom {code})", custom::describe(*code)),
            Self::BadMandatory => "a mandatory (inherent) dispatch failed",
            Self::MandatoryValidation => "mandatory (inherent) calls cannot be submitted",
            Self::BadSigner => "the signer is not allowed",
        })
    }
}

impl fmt::Display for UnknownTransaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CannotLookup => f.write_str("could not look up an address in the transaction"),
            Self::NoUnsignedValidator => f.write_str("unsigned transactions are not accepted"),
            Self::Custom(code) => write!(f, "unknown validity (custom {code})"),
        }
    }
}

impl fmt::Display for TransactionValidityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(e) => write!(f, "invalid transaction: {e}"),
            Self::Unknown(e) => write!(f, "unknown transaction validity: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TransactionValidityError {}

/// A transaction tag: an opaque identifier of something a transaction provides or requires
/// (for nonces, the encoded `(account, nonce)` pair).
pub type TransactionTag = Vec<u8>;

/// A valid transaction, with what the pool needs to order it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ValidTransaction {
    /// Higher goes first.
    pub priority: u64,
    /// Tags that must be provided by other transactions first.
    pub requires: Vec<TransactionTag>,
    /// Tags this transaction provides.
    pub provides: Vec<TransactionTag>,
    /// For how many more blocks it stays valid.
    pub longevity: u64,
    /// Whether to gossip it to peers.
    pub propagate: bool,
}

impl Default for ValidTransaction {
    fn default() -> Self {
        Self {
            priority: 0,
            requires: Vec::new(),
            provides: Vec::new(),
            longevity: u64::MAX,
            propagate: true,
        }
    }
}

/// The result of `TaggedTransactionQueue_validate_transaction`.
pub type TransactionValidity = Result<ValidTransaction, TransactionValidityError>;

/// Where a transaction came from; the runtime may treat them differently.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum TransactionSource {
    /// Re-validation of a transaction in an imported block.
    InBlock,
    /// Submitted by this node's operator (local RPC, CLI).
    Local,
    /// Received from the network or a public RPC.
    External,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_matches_substrate() {
        let stale: TransactionValidity =
            Err(TransactionValidityError::Invalid(InvalidTransaction::Stale));
        assert_eq!(stale.encode(), [1, 0, 3]);
        let custom: TransactionValidityError = InvalidTransaction::Custom(2).into();
        assert_eq!(custom.encode(), [0, 7, 2]);
        assert_eq!(
            TransactionValidityError::Unknown(UnknownTransaction::NoUnsignedValidator).encode(),
            [1, 1]
        );
    }
}

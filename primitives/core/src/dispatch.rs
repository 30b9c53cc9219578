//! Dispatch results and information, encoded as Substrate encodes them so that the
//! `System.ExtrinsicFailed` event and `apply_extrinsic` results decode in standard clients.

use crate::weight::Weight;
use codec::{Decode, Encode, MaxEncodedLen};
use core::fmt;
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Why a dispatched call failed. Variant indices are Substrate's.
#[derive(Clone, Copy, Eq, PartialEq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub enum DispatchError {
    /// Some other error, with a message that is not encoded.
    #[codec(index = 0)]
    Other(#[codec(skip)] &'static str),
    /// An address could not be resolved to an account.
    #[codec(index = 1)]
    CannotLookup,
    /// The call needs another origin.
    #[codec(index = 2)]
    BadOrigin,
    /// An error of a pallet.
    #[codec(index = 3)]
    Module(ModuleError),
    /// The account cannot be removed while other pallets still reference it.
    #[codec(index = 4)]
    ConsumerRemaining,
    /// The account has no providers (it does not exist).
    #[codec(index = 5)]
    NoProviders,
    /// Too many consumers reference the account.
    #[codec(index = 6)]
    TooManyConsumers,
    /// A balance operation failed.
    #[codec(index = 7)]
    Token(TokenError),
    /// An arithmetic error.
    #[codec(index = 8)]
    Arithmetic(ArithmeticError),
    /// A storage transaction error.
    #[codec(index = 9)]
    Transactional(TransactionalError),
    /// Resources are exhausted.
    #[codec(index = 10)]
    Exhausted,
    /// State is corrupt.
    #[codec(index = 11)]
    Corruption,
    /// A resource is unavailable.
    #[codec(index = 12)]
    Unavailable,
    /// Root origin is not allowed for this call.
    #[codec(index = 13)]
    RootNotAllowed,
}

/// A pallet's error: the pallet's index in the runtime and the error's variant index.
///
/// Pallets create it with their name and [`ModuleError::UNRESOLVED`] index; the runtime fills in
/// the index from its composition before the error is stored or returned (see
/// `cpc_support::PalletIndex`). The name and message are not encoded.
#[derive(Clone, Copy, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct ModuleError {
    /// The pallet's index in the runtime.
    pub index: u8,
    /// The error's variant index, then three bytes for nested data (unused, zero).
    pub error: [u8; 4],
    /// The pallet's name, for resolving `index` and for logs.
    #[codec(skip)]
    pub pallet: Option<&'static str>,
    /// The error variant's name, for logs.
    #[codec(skip)]
    pub message: Option<&'static str>,
}

impl ModuleError {
    /// The index of a pallet error whose pallet index is not yet known.
    pub const UNRESOLVED: u8 = u8::MAX;
}

impl PartialEq for ModuleError {
    fn eq(&self, other: &Self) -> bool {
        // Name and message are not part of the encoding; a decoded error equals the original.
        self.index == other.index && self.error == other.error
    }
}

impl Eq for ModuleError {}

/// Balance operation errors. Indices are Substrate's.
#[derive(Clone, Copy, Eq, PartialEq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub enum TokenError {
    /// Not enough free funds.
    FundsUnavailable,
    /// The account would be destroyed while it is the only provider of others.
    OnlyProvider,
    /// The amount is below the existential deposit.
    BelowMinimum,
    /// The account cannot be created.
    CannotCreate,
    /// Unknown asset.
    UnknownAsset,
    /// The funds are frozen (locked).
    Frozen,
    /// The operation is not supported.
    Unsupported,
    /// A hold cannot be created.
    CannotCreateHold,
    /// The withdrawal would kill an account that must stay alive.
    NotExpendable,
    /// The account is blocked.
    Blocked,
}

/// Arithmetic errors. Indices are Substrate's.
#[derive(Clone, Copy, Eq, PartialEq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub enum ArithmeticError {
    /// Underflow.
    Underflow,
    /// Overflow.
    Overflow,
    /// Division by zero.
    DivisionByZero,
}

/// Storage transaction errors. Indices are Substrate's.
#[derive(Clone, Copy, Eq, PartialEq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub enum TransactionalError {
    /// Too many nested transactions.
    LimitReached,
    /// No transaction is open.
    NoLayer,
}

impl From<TokenError> for DispatchError {
    fn from(e: TokenError) -> Self {
        Self::Token(e)
    }
}

impl From<ArithmeticError> for DispatchError {
    fn from(e: ArithmeticError) -> Self {
        Self::Arithmetic(e)
    }
}

impl From<TransactionalError> for DispatchError {
    fn from(e: TransactionalError) -> Self {
        Self::Transactional(e)
    }
}

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Other(msg) => write!(f, "other: {msg}"),
            Self::Module(m) => match (m.pallet, m.message) {
                (Some(pallet), Some(message)) => write!(f, "{pallet}.{message}"),
                _ => write!(f, "module error (pallet {}, error {:?})", m.index, m.error),
            },
            other => write!(f, "{other:?}"),
        }
    }
}

/// The result of dispatching a call.
pub type DispatchResult = Result<(), DispatchError>;

/// What a call reports after running: its actual weight when less than declared, and whether
/// it pays fees after all.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct PostDispatchInfo {
    /// The weight actually used, if known and lower than declared.
    pub actual_weight: Option<Weight>,
    /// Whether the caller pays fees.
    pub pays_fee: Pays,
}

/// A dispatch result that carries post-dispatch information on success and failure.
pub type DispatchResultWithPostInfo = Result<PostDispatchInfo, DispatchErrorWithPostInfo>;

/// A dispatch error with post-dispatch information.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DispatchErrorWithPostInfo {
    /// Post-dispatch information.
    pub post_info: PostDispatchInfo,
    /// The error.
    pub error: DispatchError,
}

impl<E: Into<DispatchError>> From<E> for DispatchErrorWithPostInfo {
    fn from(error: E) -> Self {
        Self {
            post_info: PostDispatchInfo::default(),
            error: error.into(),
        }
    }
}

/// The class of a call, for block space: normal calls share 75% of a block, operational
/// calls the rest, mandatory ones (inherents) always fit.
#[derive(
    Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum DispatchClass {
    /// Ordinary transactions.
    #[default]
    Normal,
    /// Operational transactions (governance, reports).
    Operational,
    /// Inherents; always included.
    Mandatory,
}

impl DispatchClass {
    /// All classes.
    pub const ALL: [Self; 3] = [Self::Normal, Self::Operational, Self::Mandatory];
}

/// Whether a call pays fees.
#[derive(
    Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo, Serialize, Deserialize,
)]
pub enum Pays {
    /// The caller pays.
    #[default]
    Yes,
    /// Free.
    No,
}

/// What is known of a call before it runs.
#[derive(
    Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct DispatchInfo {
    /// Declared weight (the worst case).
    pub weight: Weight,
    /// Class.
    pub class: DispatchClass,
    /// Whether fees are paid.
    pub pays_fee: Pays,
}

impl DispatchInfo {
    /// The weight actually used, from post-dispatch information.
    pub fn actual_weight(&self, post: &PostDispatchInfo) -> Weight {
        post.actual_weight
            .map_or(self.weight, |w| w.min(self.weight))
    }

    /// Whether fees are paid after all: only if both the declaration and the call say so.
    pub fn actual_pays_fee(&self, post: &PostDispatchInfo) -> Pays {
        if self.pays_fee == Pays::No || post.pays_fee == Pays::No {
            Pays::No
        } else {
            Pays::Yes
        }
    }
}

/// The result of applying an extrinsic whose validity checks passed: the dispatch's outcome.
pub type DispatchOutcome = Result<(), DispatchError>;

/// The result of `BlockBuilder_apply_extrinsic`: `Err` means the extrinsic is invalid and
/// must not be in the block; `Ok(Err(_))` means it was included but its call failed.
pub type ApplyExtrinsicResult =
    Result<DispatchOutcome, crate::transaction_validity::TransactionValidityError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_matches_substrate() {
        let module = DispatchError::Module(ModuleError {
            index: 5,
            error: [2, 0, 0, 0],
            pallet: Some("Balances"),
            message: Some("InsufficientBalance"),
        });
        assert_eq!(module.encode(), [3, 5, 2, 0, 0, 0]);
        assert_eq!(
            DispatchError::decode(&mut &[3u8, 5, 2, 0, 0, 0][..]).unwrap(),
            module
        );
        assert_eq!(
            DispatchError::Token(TokenError::FundsUnavailable).encode(),
            [7, 0]
        );
        assert_eq!(DispatchError::Other("why").encode(), [0]);
        assert_eq!(DispatchError::BadOrigin.encode(), [2]);
    }
}

//! The traits a pallet implements, and the ones pallets use to talk to each other.

use crate::dispatch::RawOrigin;
use alloc::vec::Vec;
use cpc_primitives::{
    AccountId, Balance, BlockNumber,
    dispatch::{DispatchError, DispatchInfo, DispatchResult, DispatchResultWithPostInfo},
    inherent::InherentData,
    transaction_validity::{
        TransactionSource, TransactionValidity, TransactionValidityError, UnknownTransaction,
    },
    weight::Weight,
};
use frame_metadata::v14::{PalletConstantMetadata, StorageEntryMetadata};

/// How pallets feed the proposers' reputation (transaction fees, the data market's sales and
/// proxy ratings, anchored sidechain data); hybrid-consensus implements it. A trait of the
/// framework's so a reporting pallet does not depend on the consensus pallet.
///
/// Every report carries a `value`: what the reported activity cost its parties beyond what
/// they paid each other (fees burned, the protocol's share of a sale). Activity an account
/// can stage with its own sybils (self-transfers, wash trades, five-star ratings) then
/// counts for exactly what was spent on it, however many accounts and orders it is spread
/// over.
pub trait ReputationReporter {
    /// `who` paid `fee` in transaction fees (and tips), burned.
    fn note_fee_paid(who: &AccountId, fee: Balance);
    /// `who` contributed data worth `value`: a completed sale (the protocol's share of it),
    /// or anchored sidechain data (its anchoring's share of the fees).
    fn note_data_contribution(who: &AccountId, value: Balance);
    /// `who` was rated `rating` out of 5 as the proxy of an order worth `value` (as above).
    fn note_proxy_rating(who: &AccountId, rating: u8, value: Balance);
}

impl ReputationReporter for () {
    fn note_fee_paid(_: &AccountId, _: Balance) {}
    fn note_data_contribution(_: &AccountId, _: Balance) {}
    fn note_proxy_rating(_: &AccountId, _: u8, _: Balance) {}
}

/// Block lifecycle hooks; every method has a no-op default.
pub trait Hooks {
    /// At the start of block `n`, before any extrinsic; returns the weight used.
    fn on_initialize(_n: BlockNumber) -> Weight {
        Weight::ZERO
    }

    /// At the end of block `n`, after every extrinsic.
    fn on_finalize(_n: BlockNumber) {}

    /// In the first block executed with new runtime code; returns the weight used.
    fn on_runtime_upgrade() -> Weight {
        Weight::ZERO
    }

    /// Checks the pallet's configuration is sound; run by the runtime's tests.
    fn integrity_test() {}

    /// Checks the pallet's invariants over its whole state; run by tests and `try-runtime`.
    fn try_state(_n: BlockNumber) -> Result<(), &'static str> {
        Ok(())
    }
}

/// Everything a runtime needs from a pallet. Implemented by each pallet's `Pallet<T>`.
pub trait PalletDef: Hooks + 'static {
    /// The pallet's name: the prefix of its storage keys and its name in metadata.
    const NAME: &'static str;
    /// The pallet's calls.
    type Call: crate::Parameter;
    /// The pallet's events.
    type Event: crate::Parameter;
    /// The pallet's errors.
    type Error: scale_info::TypeInfo + 'static;
    /// The pallet's genesis configuration (JSON).
    type GenesisConfig: serde::Serialize + serde::de::DeserializeOwned + Default;

    /// Runs `call` as `origin`.
    fn dispatch(call: Self::Call, origin: RawOrigin) -> DispatchResultWithPostInfo;

    /// Weight, class and fee behaviour of `call`.
    fn call_info(call: &Self::Call) -> DispatchInfo;

    /// Writes the genesis state, or says why the configuration is unusable.
    fn build_genesis(config: &Self::GenesisConfig) -> Result<(), alloc::string::String>;

    /// Validates an unsigned `call` submitted as a transaction (most pallets accept none).
    fn validate_unsigned(_call: &Self::Call, _source: TransactionSource) -> TransactionValidity {
        Err(TransactionValidityError::Unknown(
            UnknownTransaction::NoUnsignedValidator,
        ))
    }

    /// The inherent call this pallet wants in a block with `data`, if any.
    fn create_inherent(_data: &InherentData) -> Option<Self::Call> {
        None
    }

    /// Whether `call` is this pallet's inherent.
    fn is_inherent(_call: &Self::Call) -> bool {
        false
    }

    /// Checks an inherent `call` against this node's own `data` (for example the clock).
    fn check_inherent(_call: &Self::Call, _data: &InherentData) -> Result<(), &'static str> {
        Ok(())
    }

    /// Whether a block must carry this pallet's inherent.
    fn inherent_required() -> bool {
        false
    }

    /// Metadata of the pallet's storage items.
    fn storage_metadata() -> Vec<StorageEntryMetadata> {
        Vec::new()
    }

    /// Metadata of the pallet's constants.
    fn constants_metadata() -> Vec<PalletConstantMetadata> {
        Vec::new()
    }

    /// The pallet's version of its storage layout; migrations compare it with what is stored.
    fn storage_version() -> u16 {
        0
    }
}

/// Resolves pallet names to the indices a runtime gave them.
pub trait PalletIndex {
    /// The index of the pallet named `name`.
    fn index_of(name: &str) -> Option<u8>;

    /// Fills in the pallet index of a module error from its pallet name.
    fn resolve(error: DispatchError) -> DispatchError {
        match error {
            DispatchError::Module(mut module) => {
                if let Some(index) = module.pallet.and_then(Self::index_of) {
                    module.index = index;
                }
                DispatchError::Module(module)
            }
            other => other,
        }
    }
}

/// Whether an operation may leave an account below the existential deposit (and so remove it).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ExistenceRequirement {
    /// The account must stay alive.
    KeepAlive,
    /// The account may be removed.
    AllowDeath,
}

/// Balances of accounts: what other pallets (fees, escrow, bonds) need from a currency.
pub trait Currency {
    /// The total issuance.
    fn total_issuance() -> Balance;
    /// The smallest balance an account may hold.
    fn minimum_balance() -> Balance;
    /// Free plus reserved balance.
    fn total_balance(who: &AccountId) -> Balance;
    /// Free balance.
    fn free_balance(who: &AccountId) -> Balance;
    /// The free balance that can be moved (free minus frozen).
    fn transferable_balance(who: &AccountId) -> Balance;
    /// Moves `amount` of free balance.
    fn transfer(
        from: &AccountId,
        to: &AccountId,
        amount: Balance,
        existence: ExistenceRequirement,
    ) -> DispatchResult;
    /// Removes `amount` from `who`'s free balance and from the issuance (burns it).
    fn withdraw(
        who: &AccountId,
        amount: Balance,
        existence: ExistenceRequirement,
    ) -> DispatchResult;
    /// Adds `amount` to `who`'s free balance and to the issuance (mints it); creates the account
    /// if `amount` reaches the existential deposit.
    fn deposit_creating(who: &AccountId, amount: Balance) -> DispatchResult;
}

/// Reserved (held) balance: still the owner's, but not spendable.
pub trait ReservableCurrency: Currency {
    /// Reserved balance.
    fn reserved_balance(who: &AccountId) -> Balance;
    /// Moves `amount` from free to reserved.
    fn reserve(who: &AccountId, amount: Balance) -> DispatchResult;
    /// Moves up to `amount` from reserved back to free; returns what could not be unreserved.
    fn unreserve(who: &AccountId, amount: Balance) -> Balance;
    /// Burns up to `amount` of reserved balance; returns the amount burned.
    fn slash_reserved(who: &AccountId, amount: Balance) -> Balance;
    /// Moves up to `amount` of `from`'s reserved balance to `to`'s free balance; returns the
    /// amount moved.
    fn repatriate_reserved(
        from: &AccountId,
        to: &AccountId,
        amount: Balance,
    ) -> Result<Balance, DispatchError>;
}

/// An identifier of a lock, chosen by the pallet that sets it.
pub type LockIdentifier = [u8; 8];

/// Locks: free balance that stays with its owner but cannot be transferred.
pub trait LockableCurrency: Currency {
    /// Sets lock `id` on `who` to `amount` (replacing an earlier amount).
    fn set_lock(id: LockIdentifier, who: &AccountId, amount: Balance) -> DispatchResult;
    /// Removes lock `id`.
    fn remove_lock(id: LockIdentifier, who: &AccountId);
}

/// Transaction fee payment, called by the executive around every signed extrinsic.
pub trait OnChargeTransaction {
    /// The fee of a call with `info` and encoded length `len`, excluding the tip.
    fn compute_fee(len: u32, info: &DispatchInfo) -> Balance;

    /// Takes `fee + tip` from `who` before dispatch; fails with `Payment` if it cannot.
    fn withdraw_fee(
        who: &AccountId,
        fee: Balance,
        tip: Balance,
    ) -> Result<(), TransactionValidityError>;

    /// After dispatch: refunds `paid - actual` to `who` and hands the rest on (burned, or to
    /// the block author), emitting the fee event.
    fn correct_and_deposit_fee(
        who: &AccountId,
        paid_fee: Balance,
        actual_fee: Balance,
        tip: Balance,
    );
}

/// No fees (for runtimes and tests without a currency).
impl OnChargeTransaction for () {
    fn compute_fee(_len: u32, _info: &DispatchInfo) -> Balance {
        0
    }

    fn withdraw_fee(_: &AccountId, _: Balance, _: Balance) -> Result<(), TransactionValidityError> {
        Ok(())
    }

    fn correct_and_deposit_fee(_: &AccountId, _: Balance, _: Balance, _: Balance) {}
}

/// Called when something happens to an account.
pub trait OnAccountEvent {
    /// The account was created (got its first provider).
    fn on_created(_who: &AccountId) {}
    /// The account was removed (lost its last provider).
    fn on_killed(_who: &AccountId) {}
}

impl OnAccountEvent for () {}

macro_rules! impl_hooks_for_tuples {
    ($($t:ident),+) => {
        impl<$($t: Hooks),+> Hooks for ($($t,)+) {
            fn on_initialize(n: BlockNumber) -> Weight {
                Weight::ZERO $(.saturating_add($t::on_initialize(n)))+
            }
            fn on_finalize(n: BlockNumber) {
                $($t::on_finalize(n);)+
            }
            fn on_runtime_upgrade() -> Weight {
                Weight::ZERO $(.saturating_add($t::on_runtime_upgrade()))+
            }
            fn integrity_test() {
                $($t::integrity_test();)+
            }
            fn try_state(n: BlockNumber) -> Result<(), &'static str> {
                $($t::try_state(n)?;)+
                Ok(())
            }
        }
    };
}

impl_hooks_for_tuples!(A);
impl_hooks_for_tuples!(A, B);
impl_hooks_for_tuples!(A, B, C);
impl_hooks_for_tuples!(A, B, C, D);
impl_hooks_for_tuples!(A, B, C, D, E);
impl_hooks_for_tuples!(A, B, C, D, E, F);
impl_hooks_for_tuples!(A, B, C, D, E, F, G);
impl_hooks_for_tuples!(A, B, C, D, E, F, G, H);
impl_hooks_for_tuples!(A, B, C, D, E, F, G, H, I);
impl_hooks_for_tuples!(A, B, C, D, E, F, G, H, I, J);
impl_hooks_for_tuples!(A, B, C, D, E, F, G, H, I, J, K);
impl_hooks_for_tuples!(A, B, C, D, E, F, G, H, I, J, K, L);

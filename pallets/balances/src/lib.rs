//! # Balances pallet
//!
//! The chain's native token.
//!
//! - **Accounts and the existential deposit.** An account exists while its total balance
//!   (free plus reserved) is at least `EXISTENTIAL_DEPOSIT`. A transfer that would leave less
//!   either fails (`transfer_keep_alive`) or removes the account and burns the remainder, the
//!   *dust* (`transfer`). A new account must receive at least the existential deposit.
//! - **Total issuance** always equals the sum of all accounts' totals: minting, burning, dust
//!   and fees all adjust it ([`Pallet::try_state`] checks this).
//! - **Reserves** hold funds for other pallets (bonds, escrow, deposits): still the owner's,
//!   not spendable, and movable to another account by the pallet that reserved them.
//! - **Locks** freeze part of the free balance; the largest lock is the `frozen` amount that
//!   transfers and fees cannot touch. An account with locks cannot be removed.
//! - **Transaction fees** (see [`fees`]) are withdrawn before a call runs and corrected after,
//!   by the weight the call actually used.
//!
//! Other pallets use the [`Currency`], [`ReservableCurrency`] and [`LockableCurrency`] traits of
//! `cpc-support`, never this crate's internals.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
pub mod fees;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use cpc_pallet_system::{AccountData, Pallet as System};
use cpc_primitives::{
    AccountId, Balance, MultiAddress,
    dispatch::{
        ArithmeticError, DispatchClass, DispatchError, DispatchInfo, DispatchResult,
        DispatchResultWithPostInfo, Pays,
    },
};
use cpc_support::{
    BoundedVec, ConstU32, Hooks, PalletDef, RawOrigin, ensure, ensure_root, ensure_signed,
    metadata::{StorageEntry, constant},
    traits::{
        Currency, ExistenceRequirement, LockIdentifier, LockableCurrency, ReservableCurrency,
    },
};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

pub use fees::{BurnAndReport, OnFee};
pub use weights::WeightInfo;

/// The pallet's name.
pub const PALLET: &str = "Balances";

/// The most locks one account may carry.
pub const MAX_LOCKS: u32 = 50;

/// Configuration.
pub trait Config: cpc_pallet_system::Config<RuntimeEvent: From<Event>> {
    /// The least balance an account may hold.
    const EXISTENTIAL_DEPOSIT: Balance;
    /// Fee of every transaction.
    const TRANSACTION_BASE_FEE: Balance;
    /// Fee per byte of the encoded transaction.
    const TRANSACTION_BYTE_FEE: Balance;
    /// Fee per unit of weight: `ref_time * WEIGHT_FEE_NUMERATOR / WEIGHT_FEE_DENOMINATOR`.
    const WEIGHT_FEE_NUMERATOR: Balance;
    /// See `WEIGHT_FEE_NUMERATOR`.
    const WEIGHT_FEE_DENOMINATOR: Balance;
    /// Where paid fees and tips go (`()` burns them).
    type OnFee: OnFee;
    /// Weights.
    type WeightInfo: WeightInfo;
}

/// Why a lock applies; FRAME's layout (all locks freeze all withdrawals here).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Reasons {
    /// Fees only.
    Fee,
    /// Everything but fees.
    Misc,
    /// Everything.
    All,
}

/// A lock on an account's free balance.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct BalanceLock {
    /// Who set it.
    pub id: LockIdentifier,
    /// How much it freezes.
    pub amount: Balance,
    /// Why.
    pub reasons: Reasons,
}

cpc_support::storage! {
    pallet "Balances";
    /// The total units issued in the system.
    pub TotalIssuance: value Balance = default;
    /// Any liquidity locks on some account balances.
    pub Locks: map Blake2_128Concat AccountId => BoundedVec<BalanceLock, ConstU32<MAX_LOCKS>> = default;
}

/// The pallet's calls. Indices follow FRAME's balances pallet.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call {
    /// Transfers `value` to `dest`; the sender's account is removed if what remains is below
    /// the existential deposit.
    #[codec(index = 0)]
    transfer {
        /// Recipient.
        dest: MultiAddress,
        /// Amount.
        #[codec(compact)]
        value: Balance,
    },
    /// Transfers from `source` to `dest` (root only).
    #[codec(index = 2)]
    force_transfer {
        /// Payer.
        source: MultiAddress,
        /// Recipient.
        dest: MultiAddress,
        /// Amount.
        #[codec(compact)]
        value: Balance,
    },
    /// Transfers `value` to `dest`, failing if the sender would be removed.
    #[codec(index = 3)]
    transfer_keep_alive {
        /// Recipient.
        dest: MultiAddress,
        /// Amount.
        #[codec(compact)]
        value: Balance,
    },
    /// Transfers everything transferable to `dest`; with `keep_alive`, leaves the existential
    /// deposit.
    #[codec(index = 4)]
    transfer_all {
        /// Recipient.
        dest: MultiAddress,
        /// Whether the sender must stay alive.
        keep_alive: bool,
    },
    /// Unreserves up to `amount` of `who`'s reserved balance (root only).
    #[codec(index = 5)]
    force_unreserve {
        /// The account.
        who: MultiAddress,
        /// Amount.
        amount: Balance,
    },
    /// Sets `who`'s free balance, minting or burning the difference (root only).
    #[codec(index = 8)]
    force_set_balance {
        /// The account.
        who: MultiAddress,
        /// The new free balance.
        #[codec(compact)]
        new_free: Balance,
    },
}

/// The pallet's events. Indices follow FRAME's balances pallet.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Event {
    /// An account was created with some free balance.
    #[codec(index = 0)]
    Endowed {
        /// The account.
        account: AccountId,
        /// Its first free balance.
        free_balance: Balance,
    },
    /// An account was removed and its balance below the existential deposit was burned.
    #[codec(index = 1)]
    DustLost {
        /// The account.
        account: AccountId,
        /// The dust.
        amount: Balance,
    },
    /// Transfer succeeded.
    #[codec(index = 2)]
    Transfer {
        /// Payer.
        from: AccountId,
        /// Recipient.
        to: AccountId,
        /// Amount.
        amount: Balance,
    },
    /// A balance was set by root.
    #[codec(index = 3)]
    BalanceSet {
        /// The account.
        who: AccountId,
        /// The new free balance.
        free: Balance,
    },
    /// Some balance was reserved (moved from free to reserved).
    #[codec(index = 4)]
    Reserved {
        /// The account.
        who: AccountId,
        /// Amount.
        amount: Balance,
    },
    /// Some balance was unreserved (moved from reserved to free).
    #[codec(index = 5)]
    Unreserved {
        /// The account.
        who: AccountId,
        /// Amount.
        amount: Balance,
    },
    /// Some reserved balance was moved to another account's free balance.
    #[codec(index = 6)]
    ReserveRepatriated {
        /// Whose reserve.
        from: AccountId,
        /// Recipient.
        to: AccountId,
        /// Amount.
        amount: Balance,
    },
    /// Some amount was deposited (minted).
    #[codec(index = 7)]
    Deposit {
        /// The account.
        who: AccountId,
        /// Amount.
        amount: Balance,
    },
    /// Some amount was withdrawn (burned).
    #[codec(index = 8)]
    Withdraw {
        /// The account.
        who: AccountId,
        /// Amount.
        amount: Balance,
    },
    /// Some reserved amount was slashed (burned).
    #[codec(index = 9)]
    Slashed {
        /// The account.
        who: AccountId,
        /// Amount.
        amount: Balance,
    },
    /// A transaction fee `actual_fee` (including `tip`) was paid by `who`.
    #[codec(index = 20)]
    TransactionFeePaid {
        /// The payer.
        who: AccountId,
        /// The fee, tip included.
        actual_fee: Balance,
        /// The tip.
        tip: Balance,
    },
}

/// The pallet's errors. Indices follow FRAME's balances pallet where they overlap.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Error {
    /// Vesting balance too high to send value.
    VestingBalance,
    /// Account liquidity restrictions prevent withdrawal (locked funds).
    LiquidityRestrictions,
    /// Balance too low to send value.
    InsufficientBalance,
    /// Value too low to create account due to existential deposit.
    ExistentialDeposit,
    /// Transfer/payment would kill account.
    Expendability,
    /// A vesting schedule already exists for this account.
    ExistingVestingSchedule,
    /// Beneficiary account must pre-exist.
    DeadAccount,
    /// Number of named reserves exceed `MaxReserves`.
    TooManyReserves,
    /// The account has too many locks.
    TooManyLocks,
    /// The address does not name an account.
    BadAddress,
}

cpc_support::pallet_error!(Error, PALLET);

/// Genesis configuration: initial free balances.
#[derive(Clone, Default, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisConfig {
    /// `(account, free balance)`; each at least the existential deposit.
    pub balances: Vec<(AccountId, Balance)>,
}

/// The balances pallet.
pub struct Pallet<T>(PhantomData<T>);

fn lookup(address: &MultiAddress) -> Result<AccountId, DispatchError> {
    address.account().ok_or(DispatchError::CannotLookup)
}

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        System::<T>::deposit_event(<T as cpc_pallet_system::Config>::RuntimeEvent::from(event));
    }

    /// The account's balance data.
    pub fn account(who: &AccountId) -> AccountData {
        System::<T>::account(who).data
    }

    /// Free balance.
    pub fn free_balance(who: &AccountId) -> Balance {
        Self::account(who).free
    }

    /// Reserved balance.
    pub fn reserved_balance(who: &AccountId) -> Balance {
        Self::account(who).reserved
    }

    /// The total issuance.
    pub fn total_issuance() -> Balance {
        TotalIssuance::get_or_default()
    }

    /// How much `who` can transfer: free minus frozen, and minus what keeps the account alive
    /// when it must stay (because `keep_alive`, or because other pallets depend on it).
    pub fn reducible_balance(who: &AccountId, keep_alive: bool) -> Balance {
        let data = Self::account(who);
        let must_live = keep_alive || !System::<T>::can_dec_provider(who);
        let min_free = if must_live {
            T::EXISTENTIAL_DEPOSIT.saturating_sub(data.reserved)
        } else {
            0
        };
        data.free.saturating_sub(data.frozen.max(min_free))
    }

    /// Applies `f` to `who`'s balance data, then settles the account's existence: it is created
    /// when its total reaches the existential deposit and removed (the dust burned) when its
    /// total drops below. Nothing is written if `f` or a check fails.
    fn mutate_account<R>(
        who: &AccountId,
        existence: ExistenceRequirement,
        f: impl FnOnce(&mut AccountData) -> Result<R, DispatchError>,
    ) -> Result<R, DispatchError> {
        let before = Self::account(who);
        let mut data = before;
        let result = f(&mut data)?;
        let ed = T::EXISTENTIAL_DEPOSIT;
        let was_providing = before.total() > 0;
        let mut dust = 0;
        // Reserved funds are never dust: an account holding a reserve (escrow, a bond, a
        // deposit) stays alive below the existential deposit until the reserve is released,
        // or paying out one escrow would burn the others.
        if data.total() < ed && data.total() > 0 && data.reserved == 0 {
            if !was_providing {
                return Err(Error::ExistentialDeposit.into());
            }
            dust = data.total();
            data.free = 0;
            data.reserved = 0;
        }
        let does_provide = data.total() > 0;
        if was_providing && !does_provide {
            if existence == ExistenceRequirement::KeepAlive {
                return Err(Error::Expendability.into());
            }
            if !System::<T>::can_dec_provider(who) {
                return Err(DispatchError::ConsumerRemaining);
            }
        }
        if was_providing || does_provide {
            System::<T>::mutate_account_data(who, |d| *d = data);
        }
        if !was_providing && does_provide {
            System::<T>::inc_providers(who);
            Self::deposit_event(Event::Endowed {
                account: *who,
                free_balance: data.free,
            });
        }
        if was_providing && !does_provide {
            System::<T>::dec_providers(who)?;
        }
        if dust > 0 {
            TotalIssuance::mutate_or_default(|i| *i = i.saturating_sub(dust));
            Self::deposit_event(Event::DustLost {
                account: *who,
                amount: dust,
            });
        }
        Ok(result)
    }

    /// Moves `value` of free balance from `from` to `to`.
    pub fn do_transfer(
        from: &AccountId,
        to: &AccountId,
        value: Balance,
        existence: ExistenceRequirement,
    ) -> DispatchResult {
        if value == 0 || from == to {
            return Ok(());
        }
        // Check the recipient first so the payer is not touched if the recipient refuses.
        let recipient = Self::account(to);
        recipient
            .free
            .checked_add(value)
            .ok_or(ArithmeticError::Overflow)?;
        ensure!(
            recipient.total() > 0 || value >= T::EXISTENTIAL_DEPOSIT,
            Error::ExistentialDeposit
        );
        Self::mutate_account(from, existence, |data| {
            data.free = data
                .free
                .checked_sub(value)
                .ok_or(Error::InsufficientBalance)?;
            ensure!(data.free >= data.frozen, Error::LiquidityRestrictions);
            Ok(())
        })?;
        Self::mutate_account(to, ExistenceRequirement::AllowDeath, |data| {
            data.free = data
                .free
                .checked_add(value)
                .ok_or(ArithmeticError::Overflow)?;
            Ok(())
        })?;
        Self::deposit_event(Event::Transfer {
            from: *from,
            to: *to,
            amount: value,
        });
        Ok(())
    }

    /// Burns `amount` of `who`'s free balance.
    pub fn do_withdraw(
        who: &AccountId,
        amount: Balance,
        existence: ExistenceRequirement,
    ) -> DispatchResult {
        if amount == 0 {
            return Ok(());
        }
        Self::mutate_account(who, existence, |data| {
            data.free = data
                .free
                .checked_sub(amount)
                .ok_or(Error::InsufficientBalance)?;
            ensure!(data.free >= data.frozen, Error::LiquidityRestrictions);
            Ok(())
        })?;
        TotalIssuance::mutate_or_default(|i| *i = i.saturating_sub(amount));
        Self::deposit_event(Event::Withdraw { who: *who, amount });
        Ok(())
    }

    /// Mints `amount` into `who`'s free balance.
    pub fn do_deposit(who: &AccountId, amount: Balance) -> DispatchResult {
        if amount == 0 {
            return Ok(());
        }
        let issuance = Self::total_issuance()
            .checked_add(amount)
            .ok_or(ArithmeticError::Overflow)?;
        Self::mutate_account(who, ExistenceRequirement::AllowDeath, |data| {
            data.free = data
                .free
                .checked_add(amount)
                .ok_or(ArithmeticError::Overflow)?;
            Ok(())
        })?;
        TotalIssuance::put(&issuance);
        Self::deposit_event(Event::Deposit { who: *who, amount });
        Ok(())
    }

    fn set_frozen(who: &AccountId, locks: &[BalanceLock]) {
        let frozen = locks.iter().map(|l| l.amount).max().unwrap_or(0);
        System::<T>::mutate_account_data(who, |d| d.frozen = frozen);
    }

    fn dispatch_call(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        match call {
            Call::transfer { dest, value } => Self::do_transfer_allow_death(origin, dest, value),
            Call::transfer_keep_alive { dest, value } => {
                Self::do_transfer_keep_alive(origin, dest, value)
            }
            Call::transfer_all { dest, keep_alive } => {
                Self::do_transfer_all(origin, dest, keep_alive)
            }
            Call::force_transfer {
                source,
                dest,
                value,
            } => Self::do_force_transfer(origin, source, dest, value),
            Call::force_unreserve { who, amount } => Self::do_force_unreserve(origin, who, amount),
            Call::force_set_balance { who, new_free } => {
                Self::do_force_set_balance(origin, who, new_free)
            }
        }?;
        Ok(Default::default())
    }

    // The `transfer` call (FRAME's `transfer_allow_death`); `do_transfer` is the transfer that
    // every call and `Currency::transfer` share.
    fn do_transfer_allow_death(
        origin: RawOrigin,
        dest: MultiAddress,
        value: Balance,
    ) -> DispatchResult {
        let from = ensure_signed(origin)?;
        let to = lookup(&dest)?;
        Self::do_transfer(&from, &to, value, ExistenceRequirement::AllowDeath)
    }

    fn do_transfer_keep_alive(
        origin: RawOrigin,
        dest: MultiAddress,
        value: Balance,
    ) -> DispatchResult {
        let from = ensure_signed(origin)?;
        let to = lookup(&dest)?;
        Self::do_transfer(&from, &to, value, ExistenceRequirement::KeepAlive)
    }

    fn do_transfer_all(origin: RawOrigin, dest: MultiAddress, keep_alive: bool) -> DispatchResult {
        let from = ensure_signed(origin)?;
        let to = lookup(&dest)?;
        let value = Self::reducible_balance(&from, keep_alive);
        let existence = if keep_alive {
            ExistenceRequirement::KeepAlive
        } else {
            ExistenceRequirement::AllowDeath
        };
        Self::do_transfer(&from, &to, value, existence)
    }

    fn do_force_transfer(
        origin: RawOrigin,
        source: MultiAddress,
        dest: MultiAddress,
        value: Balance,
    ) -> DispatchResult {
        ensure_root(origin)?;
        let (from, to) = (lookup(&source)?, lookup(&dest)?);
        Self::do_transfer(&from, &to, value, ExistenceRequirement::AllowDeath)
    }

    fn do_force_unreserve(origin: RawOrigin, who: MultiAddress, amount: Balance) -> DispatchResult {
        ensure_root(origin)?;
        let who = lookup(&who)?;
        let _ = <Self as ReservableCurrency>::unreserve(&who, amount);
        Ok(())
    }

    fn do_force_set_balance(
        origin: RawOrigin,
        who: MultiAddress,
        new_free: Balance,
    ) -> DispatchResult {
        ensure_root(origin)?;
        let who = lookup(&who)?;
        let old_free = Self::free_balance(&who);
        Self::total_issuance()
            .checked_add(new_free)
            .ok_or(ArithmeticError::Overflow)?;
        Self::mutate_account(&who, ExistenceRequirement::AllowDeath, |data| {
            data.free = new_free;
            Ok(())
        })?;
        // `mutate_account` already burned any dust; mint or burn the difference.
        TotalIssuance::mutate_or_default(|i| {
            *i = i.saturating_add(new_free).saturating_sub(old_free)
        });
        Self::deposit_event(Event::BalanceSet {
            who,
            free: Self::free_balance(&who),
        });
        Ok(())
    }
}

impl<T: Config> Currency for Pallet<T> {
    fn total_issuance() -> Balance {
        Self::total_issuance()
    }

    fn minimum_balance() -> Balance {
        T::EXISTENTIAL_DEPOSIT
    }

    fn total_balance(who: &AccountId) -> Balance {
        Self::account(who).total()
    }

    fn free_balance(who: &AccountId) -> Balance {
        Self::free_balance(who)
    }

    fn transferable_balance(who: &AccountId) -> Balance {
        Self::reducible_balance(who, false)
    }

    fn transfer(
        from: &AccountId,
        to: &AccountId,
        amount: Balance,
        existence: ExistenceRequirement,
    ) -> DispatchResult {
        Self::do_transfer(from, to, amount, existence)
    }

    fn withdraw(
        who: &AccountId,
        amount: Balance,
        existence: ExistenceRequirement,
    ) -> DispatchResult {
        Self::do_withdraw(who, amount, existence)
    }

    fn deposit_creating(who: &AccountId, amount: Balance) -> DispatchResult {
        Self::do_deposit(who, amount)
    }
}

impl<T: Config> ReservableCurrency for Pallet<T> {
    fn reserved_balance(who: &AccountId) -> Balance {
        Self::reserved_balance(who)
    }

    fn reserve(who: &AccountId, amount: Balance) -> DispatchResult {
        if amount == 0 {
            return Ok(());
        }
        Self::mutate_account(who, ExistenceRequirement::KeepAlive, |data| {
            data.free = data
                .free
                .checked_sub(amount)
                .ok_or(Error::InsufficientBalance)?;
            ensure!(data.free >= data.frozen, Error::LiquidityRestrictions);
            data.reserved = data
                .reserved
                .checked_add(amount)
                .ok_or(ArithmeticError::Overflow)?;
            Ok(())
        })?;
        Self::deposit_event(Event::Reserved { who: *who, amount });
        Ok(())
    }

    fn unreserve(who: &AccountId, amount: Balance) -> Balance {
        if amount == 0 {
            return 0;
        }
        let moved = Self::mutate_account(who, ExistenceRequirement::AllowDeath, |data| {
            let moved = data.reserved.min(amount);
            data.reserved -= moved;
            data.free = data.free.saturating_add(moved);
            Ok(moved)
        })
        .unwrap_or(0);
        if moved > 0 {
            Self::deposit_event(Event::Unreserved {
                who: *who,
                amount: moved,
            });
        }
        amount - moved
    }

    fn slash_reserved(who: &AccountId, amount: Balance) -> Balance {
        let slashed = Self::mutate_account(who, ExistenceRequirement::AllowDeath, |data| {
            let slashed = data.reserved.min(amount);
            data.reserved -= slashed;
            Ok(slashed)
        });
        match slashed {
            Ok(slashed) if slashed > 0 => {
                TotalIssuance::mutate_or_default(|i| *i = i.saturating_sub(slashed));
                Self::deposit_event(Event::Slashed {
                    who: *who,
                    amount: slashed,
                });
                slashed
            }
            _ => 0,
        }
    }

    fn repatriate_reserved(
        from: &AccountId,
        to: &AccountId,
        amount: Balance,
    ) -> Result<Balance, DispatchError> {
        let available = Self::reserved_balance(from).min(amount);
        if available == 0 {
            return Ok(0);
        }
        if from == to {
            let left = <Self as ReservableCurrency>::unreserve(from, available);
            return Ok(available - left);
        }
        let recipient = Self::account(to);
        ensure!(
            recipient.total() > 0 || available >= T::EXISTENTIAL_DEPOSIT,
            Error::ExistentialDeposit
        );
        Self::mutate_account(from, ExistenceRequirement::AllowDeath, |data| {
            data.reserved -= available;
            Ok(())
        })?;
        Self::mutate_account(to, ExistenceRequirement::AllowDeath, |data| {
            data.free = data
                .free
                .checked_add(available)
                .ok_or(ArithmeticError::Overflow)?;
            Ok(())
        })?;
        Self::deposit_event(Event::ReserveRepatriated {
            from: *from,
            to: *to,
            amount: available,
        });
        Ok(available)
    }
}

impl<T: Config> LockableCurrency for Pallet<T> {
    fn set_lock(id: LockIdentifier, who: &AccountId, amount: Balance) -> DispatchResult {
        let mut locks = Locks::get_or_default(who);
        let first = locks.is_empty();
        match locks.iter_mut().find(|l| l.id == id) {
            Some(lock) => lock.amount = amount,
            None => locks
                .try_push(BalanceLock {
                    id,
                    amount,
                    reasons: Reasons::All,
                })
                .map_err(|_| Error::TooManyLocks)?,
        }
        if first {
            System::<T>::inc_consumers(who)?;
        }
        Self::set_frozen(who, &locks);
        Locks::insert(who, &locks);
        Ok(())
    }

    fn remove_lock(id: LockIdentifier, who: &AccountId) {
        let mut locks = Locks::get_or_default(who);
        let before = locks.len();
        locks.retain(|l| l.id != id);
        if locks.len() == before {
            return;
        }
        Self::set_frozen(who, &locks);
        if locks.is_empty() {
            Locks::remove(who);
            System::<T>::dec_consumers(who);
        } else {
            Locks::insert(who, &locks);
        }
    }
}

impl<T: Config> Hooks for Pallet<T> {
    fn integrity_test() {
        assert!(
            T::EXISTENTIAL_DEPOSIT > 0,
            "the existential deposit must be positive"
        );
        assert!(
            T::WEIGHT_FEE_DENOMINATOR > 0,
            "the weight fee denominator must be positive"
        );
    }

    fn try_state(_n: cpc_primitives::BlockNumber) -> Result<(), &'static str> {
        let mut sum: Balance = 0;
        for (_, info) in cpc_pallet_system::Account::iter() {
            let total = info.data.total();
            // Below the existential deposit only while something is reserved.
            if total > 0 && total < T::EXISTENTIAL_DEPOSIT && info.data.reserved == 0 {
                return Err("an account holds less than the existential deposit");
            }
            if info.data.frozen > info.data.free.saturating_add(info.data.reserved)
                && info.consumers == 0
            {
                return Err("frozen balance without a lock");
            }
            sum = sum.checked_add(total).ok_or("total balance overflows")?;
        }
        if sum != Self::total_issuance() {
            return Err("total issuance differs from the sum of all balances");
        }
        Ok(())
    }
}

impl<T: Config> PalletDef for Pallet<T> {
    const NAME: &'static str = PALLET;
    type Call = Call;
    type Event = Event;
    type Error = Error;
    type GenesisConfig = GenesisConfig;

    fn dispatch(call: Call, origin: RawOrigin) -> DispatchResultWithPostInfo {
        Self::dispatch_call(call, origin)
    }

    fn call_info(call: &Call) -> DispatchInfo {
        let (weight, class) = match call {
            Call::transfer { .. } => (<T as Config>::WeightInfo::transfer(), DispatchClass::Normal),
            Call::transfer_keep_alive { .. } => (
                <T as Config>::WeightInfo::transfer_keep_alive(),
                DispatchClass::Normal,
            ),
            Call::transfer_all { .. } => (
                <T as Config>::WeightInfo::transfer_all(),
                DispatchClass::Normal,
            ),
            Call::force_transfer { .. } => (
                <T as Config>::WeightInfo::force_transfer(),
                DispatchClass::Operational,
            ),
            Call::force_unreserve { .. } => (
                <T as Config>::WeightInfo::force_unreserve(),
                DispatchClass::Operational,
            ),
            Call::force_set_balance { .. } => (
                <T as Config>::WeightInfo::force_set_balance(),
                DispatchClass::Operational,
            ),
        };
        DispatchInfo {
            weight,
            class,
            pays_fee: Pays::Yes,
        }
    }

    fn build_genesis(config: &GenesisConfig) -> Result<(), String> {
        let mut seen = alloc::collections::BTreeSet::new();
        let mut issuance: Balance = 0;
        for (who, amount) in &config.balances {
            if !seen.insert(*who) {
                return Err(alloc::format!("{who} appears twice"));
            }
            if *amount < T::EXISTENTIAL_DEPOSIT {
                return Err(alloc::format!(
                    "{who} gets {amount}, below the existential deposit {}",
                    T::EXISTENTIAL_DEPOSIT
                ));
            }
            issuance = issuance
                .checked_add(*amount)
                .ok_or_else(|| String::from("total issuance overflows"))?;
            System::<T>::mutate_account_data(who, |d| d.free = *amount);
            System::<T>::inc_providers(who);
        }
        TotalIssuance::put(&issuance);
        Ok(())
    }

    fn storage_metadata() -> Vec<cpc_support::frame_metadata::v14::StorageEntryMetadata> {
        alloc::vec![TotalIssuance::entry_metadata(), Locks::entry_metadata()]
    }

    fn constants_metadata() -> Vec<cpc_support::frame_metadata::v14::PalletConstantMetadata> {
        alloc::vec![
            constant(
                "ExistentialDeposit",
                &T::EXISTENTIAL_DEPOSIT,
                &["The minimum amount required to keep an account open."]
            ),
            constant(
                "MaxLocks",
                &MAX_LOCKS,
                &["The maximum number of locks per account."]
            ),
            constant(
                "TransactionByteFee",
                &T::TRANSACTION_BYTE_FEE,
                &["The fee per byte of an encoded transaction."]
            ),
        ]
    }
}

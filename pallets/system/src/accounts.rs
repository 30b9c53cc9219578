//! Accounts: existence by provider and consumer reference counts, nonces, and the balance
//! data the balances pallet keeps in each account.

use crate::{
    Account, AccountData, AccountInfo, Config, DecRefStatus, Event, IncRefStatus, MAX_CONSUMERS,
    Pallet,
};
use cpc_primitives::{AccountId, Nonce, dispatch::DispatchError};
use cpc_support::traits::OnAccountEvent;

impl<T: Config> Pallet<T> {
    /// The account's information (default when it does not exist).
    pub fn account(who: &AccountId) -> AccountInfo {
        Account::get_or_default(who)
    }

    /// The account's nonce.
    pub fn account_nonce(who: &AccountId) -> Nonce {
        Account::get_or_default(who).nonce
    }

    /// Increments the account's nonce.
    pub fn inc_account_nonce(who: &AccountId) {
        Account::mutate_or_default(who, |a| a.nonce = a.nonce.wrapping_add(1));
    }

    /// Whether the account exists (has a provider or sufficient reference).
    pub fn account_exists(who: &AccountId) -> bool {
        let a = Account::get_or_default(who);
        a.providers > 0 || a.sufficients > 0
    }

    /// Adds a provider reference: the account now exists for one more reason.
    pub fn inc_providers(who: &AccountId) -> IncRefStatus {
        let status = Account::mutate_or_default(who, |a| {
            let created = a.providers == 0 && a.sufficients == 0;
            a.providers = a.providers.saturating_add(1);
            if created {
                IncRefStatus::Created
            } else {
                IncRefStatus::Existed
            }
        });
        if status == IncRefStatus::Created {
            T::OnAccountEvent::on_created(who);
            Self::deposit_event(Event::NewAccount { account: *who });
        }
        status
    }

    /// Removes a provider reference; removes the account when it was the last one.
    ///
    /// Fails with `ConsumerRemaining` if the account would be removed while other modules
    /// still depend on it.
    pub fn dec_providers(who: &AccountId) -> Result<DecRefStatus, DispatchError> {
        let Some(mut account) = Account::get(who) else {
            log::error!(target: "runtime::system", "dec_providers on a missing account {who}");
            return Ok(DecRefStatus::Reaped);
        };
        if account.providers == 0 {
            log::error!(target: "runtime::system", "provider count of {who} underflows");
            return Ok(DecRefStatus::Exists);
        }
        if account.providers == 1 && account.sufficients == 0 {
            if account.consumers > 0 {
                return Err(DispatchError::ConsumerRemaining);
            }
            Account::remove(who);
            T::OnAccountEvent::on_killed(who);
            Self::deposit_event(Event::KilledAccount { account: *who });
            return Ok(DecRefStatus::Reaped);
        }
        account.providers -= 1;
        Account::insert(who, &account);
        Ok(DecRefStatus::Exists)
    }

    /// Adds a consumer reference: a module now depends on the account.
    pub fn inc_consumers(who: &AccountId) -> Result<(), DispatchError> {
        Account::try_mutate(who, |maybe| {
            let account = maybe.as_mut().ok_or(DispatchError::NoProviders)?;
            if account.providers == 0 {
                return Err(DispatchError::NoProviders);
            }
            if account.consumers >= MAX_CONSUMERS {
                return Err(DispatchError::TooManyConsumers);
            }
            account.consumers += 1;
            Ok(())
        })
    }

    /// Removes a consumer reference.
    pub fn dec_consumers(who: &AccountId) {
        Account::mutate(who, |maybe| match maybe {
            Some(a) if a.consumers > 0 => a.consumers -= 1,
            _ => log::error!(target: "runtime::system", "consumer count of {who} underflows"),
        });
    }

    /// Whether the account can lose its last provider.
    pub fn can_dec_provider(who: &AccountId) -> bool {
        let a = Account::get_or_default(who);
        a.consumers == 0 || a.providers > 1
    }

    /// Reads and changes the balance data of an account in place.
    pub fn mutate_account_data<R>(who: &AccountId, f: impl FnOnce(&mut AccountData) -> R) -> R {
        Account::mutate_or_default(who, |a| f(&mut a.data))
    }
}

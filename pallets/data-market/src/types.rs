//! The pallet's own types (its parameters, how a price is split) and the checks a call applies
//! to a product's description before anything is written. The types the node also reads
//! (products, orders, proxies) are in `cpc-data-market-primitives`.

use crate::{Error, ProductInfo, StorageLocation};
use codec::{Decode, Encode, MaxEncodedLen};
use cpc_data_market_primitives::{is_ipfs_cid, is_text, valid_proxies};
use cpc_primitives::{AccountId, Balance, BlockNumber};
use cpc_support::ensure;
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Parameters, set at genesis and by root; open orders keep the fees they were made with.
#[derive(
    Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo, Serialize, Deserialize,
)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct Params {
    /// Least bond of a proxy (at least the existential deposit: a bonded proxy's account
    /// always exists).
    pub proxy_min_bond: Balance,
    /// Highest fee a proxy may ask, per mille of the price.
    pub max_proxy_fee_per_mille: u32,
    /// The protocol's share of every sale, per mille.
    pub protocol_fee_per_mille: u32,
    /// Where the protocol's share goes.
    pub protocol_account: AccountId,
    /// Deposit of a product (at least the existential deposit: a listing seller's account
    /// always exists).
    pub product_deposit_base: Balance,
    /// Deposit per byte of a product's encoded metadata.
    pub product_deposit_per_byte: Balance,
    /// Blocks a proxy or seller has to deliver the key after a purchase.
    pub delivery_period: BlockNumber,
    /// Blocks a buyer has to confirm or dispute after delivery.
    pub confirmation_period: BlockNumber,
    /// Blocks the proxy (or root) has to rule a dispute; an unruled dispute then refunds the
    /// buyer, so a proxy the seller chose cannot freeze an honest buyer's escrow.
    pub dispute_period: BlockNumber,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            proxy_min_bond: 1,
            max_proxy_fee_per_mille: 200,
            protocol_fee_per_mille: 10,
            protocol_account: AccountId::new([0; 32]),
            product_deposit_base: 1,
            product_deposit_per_byte: 0,
            delivery_period: 600,
            confirmation_period: 1200,
            dispute_period: 14_400,
        }
    }
}

impl Params {
    /// Checks ranges; bonds and deposits must reach the existential deposit `min_balance`, so
    /// a bonded proxy's and a listing seller's accounts exist whenever they are paid.
    pub(crate) fn validate(&self, min_balance: Balance) -> Result<(), Error> {
        let ok = self.proxy_min_bond >= min_balance.max(1)
            && self.product_deposit_base >= min_balance.max(1)
            && self.max_proxy_fee_per_mille <= 1000
            && self.protocol_fee_per_mille <= 1000
            && self.max_proxy_fee_per_mille + self.protocol_fee_per_mille <= 1000
            && (1..=1_000_000).contains(&self.delivery_period)
            && (1..=1_000_000).contains(&self.confirmation_period)
            && (1..=1_000_000).contains(&self.dispute_period);
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidParams)
        }
    }
}

/// How a price is paid out.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo)]
pub struct Split {
    /// To the seller.
    pub seller: Balance,
    /// To the proxy.
    pub proxy: Balance,
    /// To the protocol account.
    pub protocol: Balance,
}

/// The checks `publish` applies to a product's description before anything is written.
pub(crate) fn validate_info(info: &ProductInfo) -> Result<(), Error> {
    let texts_ok = is_text(&info.title, false)
        && is_text(&info.description, true)
        && is_text(&info.category, true)
        && is_text(&info.license, true)
        && info.tags.iter().all(|tag| is_text(tag, false));
    ensure!(texts_ok, Error::InvalidText);
    let location_ok = match &info.location {
        StorageLocation::Node(uri) | StorageLocation::S3(uri) => is_text(uri, false),
        // Content-addressed: the CID itself, checked (the content is added before publishing).
        StorageLocation::Ipfs(cid) => is_ipfs_cid(cid),
        // The unstructured form is read for old products; new ones name devices and a range.
        StorageLocation::Sidechain { .. } => false,
        StorageLocation::SidechainStream {
            devices, from, to, ..
        } => {
            let mut sorted = devices.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            !devices.is_empty() && sorted.len() == devices.len() && from <= to
        }
    };
    ensure!(location_ok, Error::InvalidText);
    ensure!(info.size > 0, Error::ZeroSize);
    ensure!(valid_proxies(&info.proxies), Error::InvalidProxies);
    Ok(())
}

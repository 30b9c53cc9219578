//! What the pallet reports: the events its calls deposit, and the errors that refuse a call.

use crate::{PALLET, SidechainId};
use codec::{Decode, Encode};
use cpc_consensus_primitives::{CertificateError, light_client::ExtensionError};
use cpc_primitives::{AccountId, Balance, BlockNumber, H256};
use scale_info::TypeInfo;

/// The pallet's events.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Event {
    /// A sidechain was registered.
    Registered {
        /// Its id.
        id: SidechainId,
        /// Who registered it.
        registrant: AccountId,
        /// Its genesis hash.
        genesis: H256,
        /// The bond reserved.
        bond: Balance,
    },
    /// Sidechain headers were anchored, up to `number`.
    Anchored {
        /// The sidechain.
        id: SidechainId,
        /// The new head's number.
        number: BlockNumber,
        /// The new head's hash.
        hash: H256,
        /// The new head's state root.
        state_root: H256,
        /// Headers anchored by this call.
        headers: u32,
        /// Who submitted them.
        relayer: AccountId,
    },
    /// A sidechain's committee changed: headers from `from` on are certified by set `set_id`.
    CommitteeHandedOff {
        /// The sidechain.
        id: SidechainId,
        /// The new set id.
        set_id: u64,
        /// The first height the new committee certifies.
        from: BlockNumber,
        /// Its size.
        members: u32,
    },
    /// Conflicting certificates froze a sidechain; its bond was slashed.
    Frozen {
        /// The sidechain.
        id: SidechainId,
        /// The height with two certified headers.
        height: BlockNumber,
        /// Who showed them (paid half the bond).
        reporter: AccountId,
        /// The bond taken from the registrant.
        slashed: Balance,
    },
    /// Root let a frozen sidechain anchor again.
    Unfrozen {
        /// The sidechain.
        id: SidechainId,
        /// The header anchoring resumes from.
        number: BlockNumber,
        /// Its hash.
        hash: H256,
    },
    /// A sidechain was deregistered; its bond is released from `release_at`.
    Deregistered {
        /// The sidechain.
        id: SidechainId,
        /// The first block at which the bond can be withdrawn.
        release_at: BlockNumber,
    },
    /// A retired sidechain's bond went back to its registrant; its records are gone.
    BondWithdrawn {
        /// The sidechain.
        id: SidechainId,
        /// The registrant.
        registrant: AccountId,
        /// The bond returned.
        amount: Balance,
    },
}

/// Why a call is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum Error {
    /// No sidechain has this id.
    UnknownSidechain,
    /// A sidechain with this genesis is registered already.
    AlreadyRegistered,
    /// The genesis header's number is not 0.
    NotGenesis,
    /// The committee is empty, too large, or names a key twice.
    BadCommittee,
    /// The bond is below `MIN_BOND`.
    BondTooLow,
    /// The free balance cannot cover the bond.
    InsufficientBalance,
    /// No more sidechain ids.
    TooManySidechains,
    /// The sidechain is frozen or retiring: it anchors nothing.
    NotActive,
    /// No header given.
    NoHeaders,
    /// More headers than one anchor may carry.
    TooManyHeaders,
    /// The headers do not start on the last anchored header or do not link to each other.
    NotExtending,
    /// A header before the certified one changes the committee: anchor it on its own first.
    HandOffNotCertified,
    /// A committee hand-off skips a set id or names an unusable committee.
    BadHandOff,
    /// An LBFT digest item of a header does not decode, or a header carries two.
    MalformedDigest,
    /// The certificate is of another kind or for another block than the last header.
    CertificateMismatch,
    /// The certificate has fewer signatures than the committee's quorum (`n - f`).
    NotEnoughSignatures,
    /// The certificate's signer indices are not strictly increasing (a signer twice).
    DuplicateSigners,
    /// A signer index is outside the committee.
    SignerNotInCommittee,
    /// A signature does not verify (for this committee and this sidechain's genesis).
    BadSignature,
    /// The two headers are not different headers at one height.
    NotAConflict,
    /// The committee of the reported height is no longer remembered.
    UnknownCommittee,
    /// The sidechain is frozen already.
    AlreadyFrozen,
    /// The sidechain is not frozen.
    NotFrozen,
    /// Only the registrant (or root) may do this.
    NotRegistrant,
    /// The sidechain is not retiring.
    NotRetiring,
    /// The bond is not released yet.
    BondLocked,
    /// A frozen sidechain cannot retire: root unfreezes it, or holders exit first.
    FrozenCannotRetire,
}

cpc_support::pallet_error!(Error, PALLET);

impl From<CertificateError> for Error {
    fn from(e: CertificateError) -> Self {
        match e {
            CertificateError::WrongKind | CertificateError::WrongTarget => {
                Error::CertificateMismatch
            }
            CertificateError::NotEnoughSignatures { .. } => Error::NotEnoughSignatures,
            CertificateError::Unordered => Error::DuplicateSigners,
            CertificateError::NotAMember(_) => Error::SignerNotInCommittee,
            CertificateError::BadSignature => Error::BadSignature,
        }
    }
}

impl From<ExtensionError> for Error {
    fn from(e: ExtensionError) -> Self {
        match e {
            ExtensionError::Empty => Error::NoHeaders,
            ExtensionError::TooLong => Error::TooManyHeaders,
            ExtensionError::NotExtending => Error::NotExtending,
            ExtensionError::HandOffNotCertified => Error::HandOffNotCertified,
            ExtensionError::BadHandOff => Error::BadHandOff,
            ExtensionError::MalformedDigest => Error::MalformedDigest,
            ExtensionError::Certificate(e) => e.into(),
        }
    }
}

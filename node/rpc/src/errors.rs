//! JSON-RPC errors, with Substrate's codes so clients recognize them.

use cpc_client::ClientError;
use cpc_txpool::PoolError;
use jsonrpsee::types::{ErrorObject, ErrorObjectOwned};

/// The extrinsic is not a valid extrinsic encoding.
pub const BAD_FORMAT: i32 = 1001;
/// The pool could not validate the transaction.
pub const VERIFICATION_ERROR: i32 = 1002;
/// Invalid transaction.
pub const POOL_INVALID_TX: i32 = 1010;
/// Unknown validity.
pub const POOL_UNKNOWN_VALIDITY: i32 = 1011;
/// Temporarily banned.
pub const POOL_TEMPORARILY_BANNED: i32 = 1012;
/// Already imported.
pub const POOL_ALREADY_IMPORTED: i32 = 1013;
/// Priority too low.
pub const POOL_TOO_LOW_PRIORITY: i32 = 1014;
/// Dropped because the pool is full.
pub const POOL_IMMEDIATELY_DROPPED: i32 = 1016;
/// A key type this keystore does not hold.
pub const UNSUPPORTED_KEY_TYPE: i32 = 1017;
/// Any other authoring error: here, a keystore that is missing or cannot be written.
pub const KEYSTORE_UNAVAILABLE: i32 = 1040;
/// A client (chain or state) error.
pub const CLIENT_ERROR: i32 = 4003;
/// A runtime call failed.
pub const RUNTIME_ERROR: i32 = 4002;
/// An unsafe method was called on a server that does not allow them.
pub const UNSAFE_CALL: i32 = -32601;
/// Invalid parameters.
pub const INVALID_PARAMS: i32 = -32602;

pub(crate) fn error(
    code: i32,
    message: impl Into<String>,
    data: Option<String>,
) -> ErrorObjectOwned {
    ErrorObject::owned(code, message.into(), data)
}

/// An SS58 account parameter.
pub(crate) fn account(text: &str) -> Result<cpc_primitives::AccountId, ErrorObjectOwned> {
    text.parse()
        .map_err(|e| invalid_params(format!("invalid account: {e}")))
}

/// An extrinsic parameter: bounded, then decoded (Substrate's code 1001 if it does not).
pub(crate) fn decode_extrinsic(
    bytes: &[u8],
) -> Result<cpc_primitives::OpaqueExtrinsic, ErrorObjectOwned> {
    if bytes.len() > cpc_primitives::limits::MAX_EXTRINSIC_SIZE + 8 {
        return Err(error(
            BAD_FORMAT,
            "Extrinsic has invalid format",
            Some("too large".into()),
        ));
    }
    cpc_primitives::limits::decode_bounded::<cpc_primitives::OpaqueExtrinsic>(bytes, usize::MAX)
        .map_err(|e| {
            error(
                BAD_FORMAT,
                "Extrinsic has invalid format",
                Some(e.to_string()),
            )
        })
}

pub(crate) fn invalid_params(why: impl Into<String>) -> ErrorObjectOwned {
    error(INVALID_PARAMS, why, None)
}

pub(crate) fn client(e: ClientError) -> ErrorObjectOwned {
    match e {
        ClientError::Execution(e) => {
            error(RUNTIME_ERROR, format!("runtime call failed: {e}"), None)
        }
        other => error(CLIENT_ERROR, format!("client error: {other}"), None),
    }
}

pub(crate) fn pool(e: PoolError) -> ErrorObjectOwned {
    let reason = Some(e.to_string());
    match e {
        PoolError::Invalid(invalid) => error(
            POOL_INVALID_TX,
            "Invalid Transaction",
            Some(invalid.to_string()),
        ),
        PoolError::TooLarge(_) => error(POOL_INVALID_TX, "Invalid Transaction", reason),
        PoolError::Unknown(unknown) => error(
            POOL_UNKNOWN_VALIDITY,
            "Unknown Transaction Validity",
            Some(unknown.to_string()),
        ),
        PoolError::TemporarilyBanned => error(
            POOL_TEMPORARILY_BANNED,
            "Transaction is temporarily banned",
            None,
        ),
        PoolError::AlreadyImported => {
            error(POOL_ALREADY_IMPORTED, "Transaction Already Imported", None)
        }
        PoolError::TooLowPriority { .. } => {
            error(POOL_TOO_LOW_PRIORITY, "Priority is too low", reason)
        }
        PoolError::ImmediatelyDropped => {
            error(POOL_IMMEDIATELY_DROPPED, "Immediately Dropped", reason)
        }
        PoolError::Validation(why) => error(VERIFICATION_ERROR, "Verification Error", Some(why)),
    }
}

pub(crate) fn unsafe_call() -> ErrorObjectOwned {
    error(
        UNSAFE_CALL,
        "RPC call is unsafe to be called externally",
        None,
    )
}

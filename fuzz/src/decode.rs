//! Decoding targets: an extrinsic (pool, RPC, gossip), a header and a block (sync, import
//! files), a justification (the LBFT commit certificate stored with every block and served
//! by sync). Nothing may panic, and whatever decodes must re-encode to exactly the input:
//! one encoding per value, so a hash of re-encoded data is the hash of what was received.

use codec::{Decode, DecodeAll, DecodeLimit, Encode};
use cpc_consensus_primitives::certificate::Certificate;
use cpc_crypto::sr25519::{Pair, Public};
use cpc_primitives::{
    Block, DigestItem, H256, Header, OpaqueExtrinsic,
    lbft::{BlockDigest, ENGINE_ID, VoteKind},
    limits::{MAX_DECODE_DEPTH, MAX_HEADER_SIZE},
};
use cpc_runtime::UncheckedExtrinsic;
use std::sync::OnceLock;

/// An extrinsic of the main runtime, as the pool and the runtime decode it.
pub fn extrinsic(data: &[u8]) {
    if let Ok(xt) = UncheckedExtrinsic::decode_bounded(data) {
        assert_eq!(xt.encode(), data, "an extrinsic re-encodes differently");
    }
    if let Ok(opaque) = OpaqueExtrinsic::from_encoded(data) {
        assert_eq!(
            opaque.encode(),
            data,
            "an opaque extrinsic re-encodes differently"
        );
    }
}

/// A header, with the consensus items a node reads out of its digest.
pub fn header(data: &[u8]) {
    let Ok(header) = Header::decode_bounded(data) else {
        return;
    };
    assert_eq!(header.encode(), data, "a header re-encodes differently");
    let _ = header.hash();
    let _ = cpc_consensus_primitives::light_client::validator_set_change(&header);
    for item in header.digest.logs() {
        if let DigestItem::PreRuntime(id, bytes) = item
            && *id == ENGINE_ID
            && let Ok(digest) = BlockDigest::decode_all(&mut &bytes[..])
        {
            assert_eq!(
                &digest.encode(),
                bytes,
                "an LBFT digest re-encodes differently"
            );
        }
    }
}

/// A block as sync and `import-blocks` receive it.
pub fn block(data: &[u8]) {
    if let Ok(block) = Block::decode_bounded(data) {
        assert_eq!(block.encode(), data, "a block re-encodes differently");
        let _ = block.hash();
    }
}

/// The four dev validators: the committee the decoded certificates are checked against.
fn committee() -> &'static [Public] {
    static KEYS: OnceLock<Vec<Public>> = OnceLock::new();
    KEYS.get_or_init(|| {
        ["Alice", "Bob", "Charlie", "Dave"]
            .iter()
            .map(|name| Pair::from_suri(&format!("//{name}")).unwrap().0.public())
            .collect()
    })
}

/// A commit certificate as a block's justification. Decoded as sync and import decode it; a
/// certificate the fuzzer made never verifies against the committee (it would need the
/// validators' keys), so a successful check is a forgery.
pub fn justification(data: &[u8]) {
    if data.len() > MAX_HEADER_SIZE {
        return;
    }
    let Ok(certificate) =
        Certificate::decode_all_with_depth_limit(MAX_DECODE_DEPTH, &mut &data[..])
    else {
        return;
    };
    assert_eq!(
        certificate.encode(),
        data,
        "a certificate re-encodes differently"
    );
    let chain = H256([7; 32]);
    let hash = certificate.hash;
    let (kind, height) = (certificate.kind, certificate.height);
    let _ = certificate.check_shape(kind, height, &hash, committee().len());
    let forged = certificate.verify(VoteKind::Commit, height, &hash, committee(), &chain);
    assert!(
        forged.is_err(),
        "a fuzzed certificate verifies: {certificate:?}"
    );
    // The plain (unbounded) decode the node used to apply must agree.
    let plain = Certificate::decode(&mut &data[..]).expect("decodes with limits, so without");
    assert_eq!(plain, certificate);
}

//! What an LBFT node accepts as a proposal (`ClientChain`'s `Chain::verify`, over a dev
//! chain's client executing in wasm): the round-0 proposer's block with that proposer's VRF
//! output, or exactly the impeach block of a later round. A block without an LBFT digest, one
//! flagged `impeach` that is not the round's impeach block (a proposer keeping its slot's
//! transactions while skipping its contribution to the election randomness), one without a
//! VRF, and one with another key's VRF (refused by the runtime) are all refused.

use codec::{Decode, Encode};
use cpc_consensus::Chain;
use cpc_crypto::sr25519::Pair;
use cpc_primitives::{
    Block, Digest, DigestItem, H256,
    lbft::{BlockDigest, ENGINE_ID, VRF_CONTEXT, vrf_input},
};
use cpc_service::lbft::ClientChain;
use std::{sync::Arc, time::Duration};

/// `block` with its LBFT digest replaced by `digest` (or removed).
fn with(block: &Block, digest: Option<BlockDigest>) -> Block {
    let mut block = block.clone();
    block.header.digest = Digest::default();
    if let Some(digest) = digest {
        block
            .header
            .digest
            .push(DigestItem::PreRuntime(ENGINE_ID, digest.encode()));
    }
    block
}

#[test]
fn a_proposal_must_be_its_round_0_proposers_block_with_its_vrf_or_exactly_the_impeach_block() {
    let dir = tempfile::tempdir().unwrap();
    let spec =
        cpc_client::chain_spec::ChainSpec::from_json(cpc_service::chain_specs::DEV.as_bytes())
            .unwrap();
    let client = cpc_service::service::open_client(
        &spec,
        &dir.path().join("db"),
        Default::default(),
        "wasm",
        Default::default(),
    )
    .unwrap();
    let pool = Arc::new(cpc_txpool::Pool::new(
        Arc::new(cpc_service::pool::PoolApi::new(client.clone())),
        cpc_txpool::PoolConfig::default(),
    ));
    let (alice, _) = Pair::from_suri("//Alice").unwrap();
    let (bob, _) = Pair::from_suri("//Bob").unwrap();
    let info = client.info();
    let mut chain = ClientChain::new(client.clone(), pool, Duration::from_secs(1), 1_000)
        .unwrap()
        .with_key(Some(alice));

    // Alice is the dev chain's proposer: her block, with her VRF, executes.
    let block = Chain::build(&mut chain, 1).expect("a proposal");
    assert_eq!(chain.verify(&block), Ok(()));
    let impeach = chain.impeach_block(1, 1).expect("the impeach block");
    assert_eq!(chain.verify(&impeach), Ok(()));

    let refused = |chain: &mut ClientChain, b: Block, what: &str| {
        assert!(chain.verify(&b).is_err(), "{what} was accepted");
    };
    refused(
        &mut chain,
        with(&block, None),
        "a block without an LBFT digest",
    );
    for (round, what) in [
        (0, "round 0 flagged impeach"),
        (1, "a full block flagged impeach"),
    ] {
        let flagged = with(
            &block,
            Some(BlockDigest {
                round,
                impeach: true,
                vrf: None,
            }),
        );
        assert_ne!(flagged.hash(), impeach.hash());
        refused(&mut chain, flagged, what);
    }
    refused(
        &mut chain,
        with(
            &block,
            Some(BlockDigest {
                round: 0,
                impeach: false,
                vrf: None,
            }),
        ),
        "a proposal without a VRF",
    );
    // Bob's VRF on block 1's very input: well formed, but not the seat's key.
    let randomness = client
        .storage(
            &info.finalized_hash,
            &cpc_pallet_hybrid_consensus::Randomness::hashed_key(),
        )
        .unwrap()
        .map(|v| H256::decode(&mut &v[..]).unwrap())
        .unwrap_or_default();
    let input = vrf_input(&info.genesis_hash, &randomness, 1);
    refused(
        &mut chain,
        with(
            &block,
            Some(BlockDigest {
                round: 0,
                impeach: false,
                vrf: Some(bob.vrf_sign(VRF_CONTEXT, &input).0),
            }),
        ),
        "a proposal with another key's VRF (the runtime refuses it)",
    );
}

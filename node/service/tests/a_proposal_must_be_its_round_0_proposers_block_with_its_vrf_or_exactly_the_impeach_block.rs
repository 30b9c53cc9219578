//! What an LBFT node accepts as a proposal (`ClientChain`'s `Chain::verify`, over a dev
//! chain's client executing in wasm): the round-0 proposer's block with that proposer's VRF
//! output, or exactly the impeach block of a later round. Blocks the runtime would execute
//! (built by the client itself) but that carry no LBFT digest, or are flagged `impeach`
//! without being the round's impeach block (a proposer keeping its slot's transactions while
//! skipping its contribution to the election randomness), are refused by the node's own
//! checks; a proposal without a VRF, or with another key's, by the runtime.

use codec::{Decode, Encode};
use cpc_client::BuildParams;
use cpc_consensus::Chain;
use cpc_crypto::sr25519::Pair;
use cpc_primitives::{
    Block, Digest, DigestItem, H256,
    lbft::{BlockDigest, ENGINE_ID, VRF_CONTEXT, vrf_input},
};
use cpc_service::lbft::ClientChain;
use std::{sync::Arc, time::Duration};

/// A header digest holding `digest`, or none.
fn header_digest(digest: Option<BlockDigest>) -> Digest {
    let mut header = Digest::default();
    if let Some(digest) = digest {
        header.push(DigestItem::PreRuntime(ENGINE_ID, digest.encode()));
    }
    header
}

/// `block` with its LBFT digest replaced by `digest` (or removed): its state root no longer
/// matches, so only a rule checked before execution tells why it is refused.
fn with(block: &Block, digest: Option<BlockDigest>) -> Block {
    let mut block = block.clone();
    block.header.digest = header_digest(digest);
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
        .with_key(Some(alice.clone()));

    // Alice is the dev chain's proposer: her block, with her VRF, executes.
    let block = Chain::build(&mut chain, 1).expect("a proposal");
    assert_eq!(chain.verify(&block), Ok(()));
    let impeach = chain.impeach_block(1, 1).expect("the impeach block");
    assert_eq!(chain.verify(&impeach), Ok(()));

    let refused = |chain: &mut ClientChain, b: Block, what: &str| {
        let why = chain.verify(&b).expect_err(what);
        println!("{what}: {why}");
        why
    };
    // Blocks that execute (the client builds them on the same parent, the pool is empty), so
    // only the node's rules can refuse them.
    let built = |digest: Option<BlockDigest>| {
        client
            .build_block(
                BuildParams {
                    parent: info.finalized_hash,
                    inherent_data: cpc_service::pool::inherent_data(
                        cpc_service::pool::now_millis(),
                    ),
                    digest: header_digest(digest),
                    deadline: std::time::Instant::now() + Duration::from_secs(1),
                },
                Vec::new(),
            )
            .unwrap()
            .block
    };
    let undigested = built(None);
    client.check_block(&undigested).expect("it executes");
    let why = refused(&mut chain, undigested, "a block without an LBFT digest");
    assert!(why.contains("no LBFT digest"), "{why}");
    let flagged = built(Some(BlockDigest {
        round: 1,
        impeach: true,
        vrf: None,
    }));
    client.check_block(&flagged).expect("it executes");
    assert_ne!(flagged.hash(), impeach.hash());
    let why = refused(
        &mut chain,
        flagged,
        "a block flagged impeach that is not the impeach block",
    );
    assert!(why.contains("flagged as the impeach block"), "{why}");
    let why = refused(
        &mut chain,
        with(
            &block,
            Some(BlockDigest {
                round: 0,
                impeach: true,
                vrf: None,
            }),
        ),
        "round 0 flagged impeach",
    );
    assert!(why.contains("round 0"), "{why}");
    // The runtime does not even build a seat's block without the proposer's VRF, or with
    // another key's (on block 1's very input: well formed, but not the seat's key).
    let randomness = client
        .storage(
            &info.finalized_hash,
            &cpc_pallet_hybrid_consensus::Randomness::hashed_key(),
        )
        .unwrap()
        .map(|v| H256::decode(&mut &v[..]).unwrap())
        .unwrap_or_default();
    let input = vrf_input(&info.genesis_hash, &randomness, 1);
    let build = |vrf| {
        client.build_block(
            BuildParams {
                parent: info.finalized_hash,
                inherent_data: cpc_service::pool::inherent_data(cpc_service::pool::now_millis()),
                digest: header_digest(Some(BlockDigest {
                    round: 0,
                    impeach: false,
                    vrf,
                })),
                deadline: std::time::Instant::now() + Duration::from_secs(1),
            },
            Vec::new(),
        )
    };
    assert!(
        build(None).is_err(),
        "a seat's block without a VRF was built"
    );
    assert!(
        build(Some(bob.vrf_sign(VRF_CONTEXT, &input).0)).is_err(),
        "a seat's block with another key's VRF was built"
    );
    assert!(build(Some(alice.vrf_sign(VRF_CONTEXT, &input).0)).is_ok());
}

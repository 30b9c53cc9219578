//! A sidechain on the main runtime through signed extrinsics in blocks: an operator registers
//! it with a bond, a relayer anchors certified runs of its headers (paying the fees), the
//! registrant's data contribution reaches its reputation stats, the runtime API answers, and a
//! certificate short of the quorum is refused inside a block without touching the registry.

use cpc_api::GenesisBuilder;
use cpc_consensus_primitives::Certificate;
use cpc_pallet_sidechain_registry::{self as registry, FinalizedHeader};
use cpc_primitives::{
    Digest, H256, Header,
    lbft::{Vote, VoteKind},
    sr25519::Pair,
};
use cpc_runtime::{Runtime, RuntimeCall, constants::SIDECHAIN_MIN_BOND};
use cpc_runtime_test_utils::{Chain, account, pair};
use cpc_sidechain_primitives::SidechainRegistryApi;
use cpc_support::BoundedVec;

fn headers(n: u32) -> Vec<Header> {
    let mut out = vec![Header {
        parent_hash: H256::default(),
        number: 0,
        state_root: H256([1; 32]),
        extrinsics_root: H256::default(),
        digest: Digest::default(),
    }];
    for number in 1..=n {
        out.push(Header {
            parent_hash: out.last().unwrap().hash(),
            number,
            state_root: H256([number as u8 + 1; 32]),
            extrinsics_root: H256::default(),
            digest: Digest::default(),
        });
    }
    out
}

fn certify(committee: &[Pair], signers: &[u16], genesis: &H256, header: &Header) -> Certificate {
    let vote = Vote {
        kind: VoteKind::Commit,
        height: header.number,
        round: 0,
        hash: header.hash(),
    };
    Certificate {
        kind: vote.kind,
        height: vote.height,
        round: vote.round,
        hash: vote.hash,
        signatures: signers
            .iter()
            .map(|i| {
                (
                    *i,
                    committee[usize::from(*i)].sign(&vote.signing_payload(genesis)),
                )
            })
            .collect(),
    }
}

fn submit(chain: &mut Chain, who: &str, call: registry::Call) -> Result<(), String> {
    let nonce = chain.nonce(&account(who));
    let xt = chain.sign(&pair(who), RuntimeCall::SidechainRegistry(call), nonce);
    let (_, results) = chain.build_block(vec![xt]);
    match &results[..] {
        [Ok(Ok(()))] => Ok(()),
        other => Err(format!("{other:?}")),
    }
}

#[test]
fn a_sidechain_anchors_its_headers_through_signed_extrinsics() {
    let mut chain = Chain::from_json(&Runtime::get_preset(Some("local_testnet".into())).unwrap());
    let committee: Vec<Pair> = (0..4).map(|i| Pair::from_seed(&[40 + i; 32])).collect();
    let side = headers(6);
    let genesis = side[0].hash();
    submit(
        &mut chain,
        "Bob",
        registry::Call::register {
            genesis: side[0].clone(),
            committee: BoundedVec::try_from_vec(committee.iter().map(Pair::public).collect())
                .unwrap(),
            bond: SIDECHAIN_MIN_BOND,
            metadata: BoundedVec::try_from_vec(b"greenhouse fleet".to_vec()).unwrap(),
        },
    )
    .unwrap();
    let anchor = |from: usize, to: usize, signers: &[u16]| registry::Call::anchor {
        id: 0,
        headers: BoundedVec::try_from_vec(side[from..=to].to_vec()).unwrap(),
        certificate: certify(&committee, signers, &genesis, &side[to]),
    };
    let contribution = |chain: &mut Chain| {
        chain.ext.execute_with(|| {
            cpc_pallet_hybrid_consensus::Stats::get_or_default(&account("Bob")).data_contribution
        })
    };
    let before = contribution(&mut chain);
    submit(&mut chain, "Charlie", anchor(1, 4, &[0, 1, 3])).unwrap();

    let state = chain.ext.execute_with(|| Runtime::sidechain(0)).unwrap();
    assert_eq!(state.head, FinalizedHeader::of(&side[4]));
    assert_eq!(state.sidechain.registrant, account("Bob"));
    assert_eq!(
        chain.ext.execute_with(|| Runtime::anchored(0, 2)),
        Some(FinalizedHeader::of(&side[2]))
    );
    assert_eq!(
        chain.ext.execute_with(|| Runtime::sidechains(0, 10)).len(),
        1
    );
    assert_eq!(
        contribution(&mut chain),
        before + 4 * <Runtime as registry::Config>::ANCHORED_HEADER_VALUE,
        "four headers anchored"
    );

    // Short of the quorum: the extrinsic is included (the relayer pays) and fails.
    let err = submit(&mut chain, "Charlie", anchor(5, 6, &[0, 1])).unwrap_err();
    assert!(err.contains("NotEnoughSignatures"), "{err}");
    let state = chain.ext.execute_with(|| Runtime::sidechain(0)).unwrap();
    assert_eq!(state.head.number, 4);
    submit(&mut chain, "Charlie", anchor(5, 6, &[1, 2, 3])).unwrap();
    let state = chain.ext.execute_with(|| Runtime::sidechain(0)).unwrap();
    assert_eq!(state.head.number, 6);
    chain.ext.execute_with(|| {
        cpc_pallet_sidechain_registry::Pallet::<Runtime>::check_invariants().unwrap();
    });
}

//! Writes the seed inputs of every fuzz target into `fuzz/corpus/<target>/seed-*`: real
//! extrinsics, headers, blocks and certificates, messages of a live LBFT height, market and
//! governance call sequences, JSON-RPC requests of every method group, gateway requests of
//! every route. libFuzzer starts from them; the smoke test mutates them.
//!
//! `cargo run -p cpc-fuzz --example write-seeds` (run again after a format change).

use codec::Encode;
use cpc_consensus::{
    Message, Proposal, SignedProposal, SignedVote, Vote, VoteKind,
    simulation::{GENESIS, SimBlock, node_key},
};
use cpc_consensus_primitives::testing::{SimChain, pairs};
use cpc_pallet_data_market::{self as market, ProductInfo, StorageLocation};
use cpc_primitives::{
    Digest, DigestItem, Header,
    lbft::{BlockDigest, ENGINE_ID},
};
use cpc_runtime::{RuntimeCall, constants::UNITS};
use cpc_runtime_test_utils::{Chain, account, pair, transfer};
use cpc_support::BoundedVec;
use std::path::Path;

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
}

fn main() {
    decoding();
    trie_proofs();
    chain_specs();
    lbft();
    runtime_calls();
    rpc();
    gateway();
}

fn product(proxy: cpc_primitives::AccountId) -> ProductInfo {
    ProductInfo {
        title: BoundedVec::try_from_vec(b"Soil moisture, field 7".to_vec()).unwrap(),
        description: BoundedVec::new(),
        tags: BoundedVec::new(),
        category: BoundedVec::try_from_vec(b"agriculture".to_vec()).unwrap(),
        price: UNITS,
        content_hash: [9; 32],
        size: 4096,
        location: StorageLocation::Node(
            BoundedVec::try_from_vec(b"http://127.0.0.1:8090".to_vec()).unwrap(),
        ),
        license: BoundedVec::new(),
        proxies: BoundedVec::try_from_vec(vec![proxy]).unwrap(),
    }
}

fn decoding() {
    let mut chain = Chain::dev();
    let bob = account("Bob");
    let signed = chain.sign(&pair("Alice"), transfer(&bob, UNITS), 0);
    write("extrinsic", "transfer", &signed.encode());
    let publish = RuntimeCall::DataMarket(market::Call::publish {
        info: product(account("Charlie")),
    });
    write(
        "extrinsic",
        "publish",
        &chain.sign(&pair("Bob"), publish, 0).encode(),
    );
    let unsigned = cpc_runtime::UncheckedExtrinsic::new_unsigned(RuntimeCall::Timestamp(
        cpc_pallet_timestamp::Call::set { now: 1_000 },
    ));
    write("extrinsic", "unsigned", &unsigned.encode());

    let (block, _) = chain.build_block(vec![signed]);
    write("block", "transfer", &block.encode());
    write("header", "dev", &block.header.encode());
    let digest = |vrf| BlockDigest {
        round: 1,
        impeach: false,
        vrf,
    };
    let header = Header {
        digest: Digest {
            logs: vec![
                DigestItem::PreRuntime(ENGINE_ID, digest(None).encode()),
                DigestItem::Consensus(ENGINE_ID, vec![0; 8]),
                DigestItem::Seal(*b"test", vec![1; 64]),
                DigestItem::Other(vec![2; 4]),
            ],
        },
        ..block.header.clone()
    };
    write("header", "digests", &header.encode());

    let mut sim = SimChain::new(1, pairs(1, 4));
    sim.grow(2);
    let next = sim.next_with(Vec::new());
    write("justification", "commit", &sim.certify(&next).encode());
    write("header", "sim", &next.encode());
}

fn trie_proofs() {
    // entries: count, then (key length, key, value length, value); keys to prove; tampering.
    write(
        "trie_proof",
        "small",
        &[
            3, 2, b'a', b'b', 3, 1, 2, 3, 1, b'c', 40, 7, 2, 0, 1, 4, b'z', b'z', b'z', b'z',
        ],
    );
    let mut many = vec![20];
    for i in 0..20u8 {
        many.extend_from_slice(&[3, i, i.wrapping_mul(7), 1, 34]);
        many.extend(std::iter::repeat_n(i, 34));
    }
    many.extend_from_slice(&[4, 0, 2, 6, 1, 2, b'q', b'q']);
    write("trie_proof", "many", &many);
    let mut tampered = many.clone();
    tampered.extend_from_slice(&[0, 1, 3, 0, 1, 1, 0, 2, 2, 3, 3, 9, 9, 9]);
    write("trie_proof", "tampered", &tampered);
}

fn chain_specs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../chain-spec");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        write("chain_spec", &name, &std::fs::read(&path).unwrap());
    }
    write(
        "chain_spec",
        "patched",
        br#"{"name":"Fuzz","id":"fuzz","chainType":"Local","properties":{"tokenSymbol":"CPC","tokenDecimals":12},
"checkpoints":{"1":"0x0101010101010101010101010101010101010101010101010101010101010101"},
"genesis":{"runtimeGenesis":{"preset":"local_testnet","patch":{"balances":{"balances":[["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",1000]]}}}}}"#,
    );
}

/// One message for the LBFT target: to which node, the length, the bytes, then a delay.
fn lbft_step(out: &mut Vec<u8>, to: u8, message: &[u8], delay: u8) {
    out.push(to);
    out.extend_from_slice(&(message.len() as u16).to_le_bytes());
    out.extend_from_slice(message);
    out.push(delay);
}

fn lbft() {
    let block = SimBlock {
        height: 1,
        parent: GENESIS,
        round: 0,
        author: 0,
        payload: 42,
        valid: true,
    };
    let hash = cpc_consensus::ConsensusBlock::hash(&block);
    let vote = |kind, i: usize| {
        Message::<SimBlock>::Vote(SignedVote::sign(
            Vote {
                kind,
                height: 1,
                round: 0,
                hash,
            },
            i as u16,
            &node_key(i),
            &GENESIS,
        ))
        .encode()
    };
    let proposal = Proposal {
        height: 1,
        round: 0,
        block: block.clone(),
        prepared: None,
    };
    let key = node_key(0);
    let signed = SignedProposal {
        signature: key.sign(&proposal.signing_payload(&GENESIS, &hash)),
        proposal,
        proposer: key.public(),
    };
    let mut seed = 7u16.to_le_bytes().to_vec();
    lbft_step(&mut seed, 1, &Message::Proposal(signed).encode(), 1);
    for i in 0..4 {
        lbft_step(&mut seed, (i + 1) as u8, &vote(VoteKind::Prepare, i), 0);
    }
    for i in 0..4 {
        lbft_step(&mut seed, (i + 2) as u8, &vote(VoteKind::Commit, i), 3);
    }
    write("lbft", "a_height", &seed);
    let mut junk = 9u16.to_le_bytes().to_vec();
    lbft_step(&mut junk, 0, &[3, 0, 0, 0, 0], 10);
    lbft_step(&mut junk, 2, &vote(VoteKind::Commit, 3)[..40], 200);
    write("lbft", "junk", &junk);
}

/// A runtime call sequence: (op, call) pairs; op 0..3 signed by signer op >> 3, 4 root (sudo),
/// 5 unsigned, 6 and 7 end the block.
fn runtime_calls() {
    let signed = |signer: u8| signer << 3;
    let mut seq = Vec::new();
    let push = |seq: &mut Vec<u8>, op: u8, call: RuntimeCall| {
        seq.push(op);
        seq.extend_from_slice(&call.encode());
    };
    push(&mut seq, signed(1), transfer(&account("Dave"), 10 * UNITS));
    push(&mut seq, signed(6), transfer(&account("Dave"), UNITS));
    push(
        &mut seq,
        signed(2),
        RuntimeCall::DataMarket(market::Call::register_proxy {
            fee_per_mille: 50,
            bond: 100 * UNITS,
        }),
    );
    push(
        &mut seq,
        signed(1),
        RuntimeCall::DataMarket(market::Call::publish {
            info: product(account("Charlie")),
        }),
    );
    push(
        &mut seq,
        signed(3),
        RuntimeCall::DataMarket(market::Call::set_encryption_key { key: [5; 32] }),
    );
    push(
        &mut seq,
        4,
        RuntimeCall::Balances(cpc_pallet_balances::Call::force_set_balance {
            who: account("Eve").into(),
            new_free: 3 * UNITS,
        }),
    );
    seq.push(6);
    push(
        &mut seq,
        signed(3),
        RuntimeCall::DataMarket(market::Call::buy {
            product: 0,
            proxy: account("Charlie"),
            max_price: 2 * UNITS,
        }),
    );
    push(
        &mut seq,
        5,
        RuntimeCall::System(cpc_pallet_system::Call::remark {
            remark: b"unsigned".to_vec(),
        }),
    );
    seq.push(7);
    push(
        &mut seq,
        signed(4) | 0x80,
        RuntimeCall::Balances(cpc_pallet_balances::Call::transfer_all {
            dest: account("Ferdie").into(),
            keep_alive: false,
        }),
    );
    write("runtime_calls", "market_and_transfers", &seq);
}

fn rpc() {
    let chain = Chain::dev();
    let xt = chain.sign(&pair("Bob"), transfer(&account("Dave"), UNITS), 0);
    let xt_hex = format!("0x{}", hex(&xt.encode()));
    let alice = account("Alice").to_string();
    let key = "0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9";
    let requests = [
        ("health", r#"{"jsonrpc":"2.0","id":1,"method":"system_health","params":[]}"#.to_string()),
        ("methods", r#"{"jsonrpc":"2.0","id":1,"method":"rpc_methods"}"#.into()),
        ("header", r#"{"jsonrpc":"2.0","id":1,"method":"chain_getHeader","params":[]}"#.into()),
        ("block", r#"{"jsonrpc":"2.0","id":"x","method":"chain_getBlock","params":[null]}"#.into()),
        ("hash", r#"{"jsonrpc":"2.0","id":1,"method":"chain_getBlockHash","params":[[0,1,"0x2"]]}"#.into()),
        ("storage", format!(r#"{{"jsonrpc":"2.0","id":1,"method":"state_getStorage","params":["{key}"]}}"#)),
        ("keys", format!(r#"{{"jsonrpc":"2.0","id":1,"method":"state_getKeysPaged","params":["{}",10,null,null]}}"#, &key[..34])),
        ("proof", format!(r#"{{"jsonrpc":"2.0","id":1,"method":"state_getReadProof","params":[["{key}"],null]}}"#)),
        ("query", format!(r#"{{"jsonrpc":"2.0","id":1,"method":"state_queryStorageAt","params":[["{key}"]]}}"#)),
        ("call", r#"{"jsonrpc":"2.0","id":1,"method":"state_call","params":["Core_version","0x"]}"#.into()),
        ("version", r#"{"jsonrpc":"2.0","id":1,"method":"state_getRuntimeVersion","params":[]}"#.into()),
        ("nonce", format!(r#"{{"jsonrpc":"2.0","id":1,"method":"system_accountNextIndex","params":["{alice}"]}}"#)),
        ("submit", format!(r#"{{"jsonrpc":"2.0","id":1,"method":"author_submitExtrinsic","params":["{xt_hex}"]}}"#)),
        ("fee", format!(r#"{{"jsonrpc":"2.0","id":1,"method":"payment_queryInfo","params":["{xt_hex}"]}}"#)),
        ("dry_run", format!(r#"{{"jsonrpc":"2.0","id":1,"method":"system_dryRun","params":["{xt_hex}"]}}"#)),
        ("pending", r#"{"jsonrpc":"2.0","id":1,"method":"author_pendingExtrinsics","params":[]}"#.into()),
        ("products", r#"{"jsonrpc":"2.0","id":1,"method":"market_products","params":[]}"#.into()),
        ("orders", format!(r#"{{"jsonrpc":"2.0","id":1,"method":"market_ordersPage","params":["{alice}",0,10]}}"#)),
        ("sidechains", r#"{"jsonrpc":"2.0","id":1,"method":"sidechain_list","params":[]}"#.into()),
        ("xchain", r#"{"jsonrpc":"2.0","id":1,"method":"xchain_channels","params":[]}"#.into()),
        ("iot", r#"{"jsonrpc":"2.0","id":1,"method":"iot_readings","params":[0,0,10]}"#.into()),
        ("batch", r#"[{"jsonrpc":"2.0","id":1,"method":"system_name"},{"jsonrpc":"2.0","id":2,"method":"chain_getFinalizedHead"},{"jsonrpc":"2.0","method":"system_chain"}]"#.into()),
        ("bad", r#"{"jsonrpc":"2.0","id":1,"method":"state_getStorage","params":{"key":[1,2]}}"#.into()),
    ];
    for (name, body) in requests {
        write("rpc", name, body.as_bytes());
    }
}

/// A gateway request: method index, path length, path, header count, headers (length, line),
/// body.
fn gateway_request(method: u8, path: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut out = vec![method, path.len() as u8];
    out.extend_from_slice(path.as_bytes());
    out.push(headers.len() as u8);
    for header in headers {
        out.push(header.len() as u8);
        out.extend_from_slice(header.as_bytes());
    }
    out.extend_from_slice(body);
    out
}

fn gateway() {
    let bob = account("Bob").to_string();
    let token =
        "Authorization: Bearer 0000000000000000000000000000000000000000000000000000000000000000";
    let requests = [
        ("health", gateway_request(0, "health", &[], b"")),
        (
            "challenge",
            gateway_request(
                2,
                "auth/challenge",
                &["Content-Type: application/json"],
                format!(r#"{{"account":"{bob}"}}"#).as_bytes(),
            ),
        ),
        (
            "login",
            gateway_request(
                2,
                "auth/login",
                &["Content-Type: application/json"],
                br#"{"account":1,"nonce":[],"signature":null,"audience":"gw"}"#,
            ),
        ),
        (
            "put_blob",
            gateway_request(1, "products/0/blob", &[token], &[7; 300]),
        ),
        (
            "get_blob",
            gateway_request(
                0,
                "products/0/blob?order=1",
                &[token, "Range: bytes=0-9"],
                b"",
            ),
        ),
        (
            "put_keys",
            gateway_request(1, &format!("products/0/keys/{bob}"), &[token], &[1; 80]),
        ),
        (
            "get_keys",
            gateway_request(0, &format!("products/0/keys/{bob}"), &[], b""),
        ),
    ];
    for (name, bytes) in requests {
        write("gateway", name, &bytes);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

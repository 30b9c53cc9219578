//! Helpers shared by the runtime's and the node's tests: genesis state, signing, and a minimal
//! block builder driving the runtime API exactly as the node does.

use codec::Encode;
use cpc_api::{AccountNonceApi, BlockBuilder, Core, GenesisBuilder};
use cpc_crypto::sr25519::Pair;
use cpc_primitives::{
    AccountId, Block, Digest, H256, Header, OpaqueExtrinsic,
    dispatch::ApplyExtrinsicResult,
    era::Era,
    extrinsic::{AdditionalSigned, SignedExtra},
    inherent::InherentData,
};
use cpc_runtime::Runtime;
use cpc_runtime::{RuntimeCall, UncheckedExtrinsic, VERSION};
use cpc_state_machine::TestExternalities;
use cpc_trie::EMPTY_TRIE_ROOT;

/// A dev account's key pair.
pub fn pair(name: &str) -> Pair {
    Pair::from_suri(&format!("//{name}")).unwrap().0
}

/// A dev account.
pub fn account(name: &str) -> AccountId {
    pair(name).public().into()
}

/// A chain under test: its state, genesis hash and best header.
pub struct Chain {
    /// The state.
    pub ext: TestExternalities,
    /// The genesis block's hash.
    pub genesis_hash: H256,
    /// The best block's header.
    pub best: Header,
    /// The time of the best block, in milliseconds.
    pub now: u64,
}

/// The genesis state of a JSON configuration, with the genesis header.
pub fn genesis_from_json(json: &[u8]) -> (TestExternalities, Header) {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| Runtime::build_state(json.to_vec()).expect("valid genesis"));
    ext.commit_all();
    let state_root = ext.storage_root();
    let header = Header {
        parent_hash: H256::zero(),
        number: 0,
        state_root,
        extrinsics_root: EMPTY_TRIE_ROOT,
        digest: Digest::default(),
    };
    (ext, header)
}

impl Chain {
    /// The development preset's genesis.
    pub fn dev() -> Self {
        let json = Runtime::get_preset(None).unwrap();
        Self::from_json(&json)
    }

    /// A chain from a genesis configuration.
    pub fn from_json(json: &[u8]) -> Self {
        let (ext, genesis) = genesis_from_json(json);
        Self {
            ext,
            genesis_hash: genesis.hash(),
            best: genesis,
            now: 1_700_000_000_000,
        }
    }

    /// The next nonce of `who`.
    pub fn nonce(&mut self, who: &AccountId) -> u32 {
        let who = *who;
        self.ext.execute_with(|| Runtime::account_nonce(who))
    }

    /// Signs `call` by `signer` with an explicit nonce and era.
    pub fn sign_with(
        &self,
        signer: &Pair,
        call: RuntimeCall,
        nonce: u32,
        tip: u128,
        era: Era,
        era_block_hash: H256,
    ) -> UncheckedExtrinsic {
        let extra = SignedExtra { era, nonce, tip };
        let additional = AdditionalSigned::new(&VERSION, self.genesis_hash, era_block_hash);
        UncheckedExtrinsic::sign(call, signer, extra, &additional)
    }

    /// Signs `call` by `signer`, immortal, with the given nonce.
    pub fn sign(&self, signer: &Pair, call: RuntimeCall, nonce: u32) -> UncheckedExtrinsic {
        self.sign_with(signer, call, nonce, 0, Era::Immortal, self.genesis_hash)
    }

    /// The inherent data of the next block.
    pub fn inherent_data(&self) -> InherentData {
        let mut data = InherentData::new();
        data.put(
            cpc_pallet_timestamp::INHERENT_IDENTIFIER,
            &(self.now + 1_000),
        );
        data
    }

    /// Builds a block on the best one with `extrinsics` after the inherents, and makes it the
    /// best. Returns the block and each extrinsic's result.
    pub fn build_block(
        &mut self,
        extrinsics: Vec<UncheckedExtrinsic>,
    ) -> (Block, Vec<ApplyExtrinsicResult>) {
        self.now += 1_000;
        let data = self.inherent_data();
        let parent = self.best.clone();
        let partial = Header {
            parent_hash: parent.hash(),
            number: parent.number + 1,
            state_root: H256::zero(),
            extrinsics_root: H256::zero(),
            digest: Digest::default(),
        };
        let (header, included, results) = self.ext.execute_with(|| {
            Runtime::initialize_block(partial);
            let mut included = Vec::new();
            let mut results = Vec::new();
            for inherent in Runtime::inherent_extrinsics(data) {
                let result = Runtime::apply_extrinsic(inherent.clone());
                assert!(matches!(result, Ok(Ok(()))), "inherent failed: {result:?}");
                included.push(inherent);
            }
            for xt in extrinsics {
                let opaque = OpaqueExtrinsic::from_encoded(&xt.encode()).unwrap();
                let result = Runtime::apply_extrinsic(opaque.clone());
                if result.is_ok() {
                    included.push(opaque);
                }
                results.push(result);
            }
            (Runtime::finalize_block(), included, results)
        });
        self.ext.commit_all();
        self.best = header.clone();
        (
            Block {
                header,
                extrinsics: included,
            },
            results,
        )
    }

    /// Builds `n` empty blocks.
    pub fn advance(&mut self, n: u32) {
        for _ in 0..n {
            self.build_block(Vec::new());
        }
    }

    /// The hash of block `number` (the best block's, or as the runtime recorded it).
    pub fn block_hash(&mut self, number: u32) -> H256 {
        if number == self.best.number {
            return self.best.hash();
        }
        self.ext
            .execute_with(|| cpc_pallet_system::BlockHash::get(&number).unwrap())
    }
}

/// A transfer call.
pub fn transfer(to: &AccountId, value: u128) -> RuntimeCall {
    RuntimeCall::Balances(cpc_pallet_balances::Call::transfer {
        dest: (*to).into(),
        value,
    })
}

/// The free balance of `who`.
pub fn free(ext: &mut TestExternalities, who: &AccountId) -> u128 {
    let who = *who;
    ext.execute_with(|| cpc_pallet_balances::Pallet::<cpc_runtime::Runtime>::free_balance(&who))
}

/// A tiny wasm module that passes for a runtime: it exports everything a runtime must, and its
/// `Core_version` reports `spec_name` and `spec_version` (the rest as the main runtime's). It
/// can do nothing else; tests use it to offer `set_code` versions no real build has.
pub fn fake_runtime_code(spec_name: &str, spec_version: u32) -> Vec<u8> {
    let version = cpc_version::RuntimeVersion {
        spec_name: spec_name.to_string().into(),
        spec_version,
        ..VERSION
    }
    .encode();
    let data: String = version.iter().map(|b| format!("\\{b:02x}")).collect();
    let stubs: String = cpc_api::REQUIRED_EXPORTS
        .iter()
        .filter(|name| !["memory", "cpc_alloc", "Core_version"].contains(name))
        .map(|name| {
            format!("(func (export \"{name}\") (param i32 i32) (result i64) (i64.const 0))\n")
        })
        .collect();
    let module = format!(
        r#"(module
  (memory (export "memory") 2)
  (data (i32.const 16) "{data}")
  (func (export "cpc_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "Core_version") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const {len}) (i64.const 32)) (i64.const 16)))
  {stubs})"#,
        len = version.len()
    );
    wat::parse_str(module).expect("the fake runtime is valid WAT")
}

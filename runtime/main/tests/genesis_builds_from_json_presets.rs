//! `GenesisBuilder`: genesis state is built from JSON (presets or a chain spec's config), the
//! presets endow the well-known dev accounts, and bad configurations are refused with a reason.

use cpc_api::GenesisBuilder;
use cpc_crypto::sr25519::Pair;
use cpc_primitives::AccountId;
use cpc_runtime::{
    Runtime,
    genesis::{CANDIDATE_BOND, DEV_ACCOUNTS, DEV_ENDOWMENT},
};
use cpc_state_machine::TestExternalities;

fn build(json: &str) -> Result<TestExternalities, String> {
    let mut ext = TestExternalities::default();
    ext.execute_with(|| Runtime::build_state(json.as_bytes().to_vec()))?;
    ext.commit_all();
    Ok(ext)
}

#[test]
fn the_dev_accounts_are_the_well_known_keys() {
    for (name, key) in DEV_ACCOUNTS {
        let (pair, _) = Pair::from_suri(&format!("//{name}")).unwrap();
        assert_eq!(pair.public().0, key, "//{name}");
    }
}

#[test]
fn the_development_preset_endows_every_dev_account() {
    assert_eq!(
        Runtime::preset_names(),
        vec!["development", "local_testnet"]
    );
    let json = String::from_utf8(Runtime::get_preset(Some("development".into())).unwrap()).unwrap();
    assert!(
        json.contains("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"),
        "{json}"
    );
    let mut ext = build(&json).unwrap();
    ext.execute_with(|| {
        for (_, key) in DEV_ACCOUNTS {
            let who = AccountId::new(key);
            let free = cpc_pallet_balances::Pallet::<Runtime>::free_balance(&who);
            let reserved = cpc_pallet_balances::Pallet::<Runtime>::reserved_balance(&who);
            assert_eq!(free + reserved, DEV_ENDOWMENT);
            // Alice, the dev chain's validator and proposer, bonds part of it.
            let bond = if who == AccountId::new(DEV_ACCOUNTS[0].1) {
                CANDIDATE_BOND
            } else {
                0
            };
            assert_eq!(reserved, bond);
        }
        // The cross-chain escrow account is endowed with the existential deposit, so that
        // paying out its last escrowed token never removes it.
        let escrow = cpc_pallet_crosschain_transfer::escrow_account();
        assert_eq!(
            cpc_pallet_balances::Pallet::<Runtime>::free_balance(&escrow),
            cpc_runtime::constants::EXISTENTIAL_DEPOSIT
        );
        assert_eq!(
            cpc_pallet_balances::Pallet::<Runtime>::total_issuance(),
            DEV_ENDOWMENT * DEV_ACCOUNTS.len() as u128
                + cpc_runtime::constants::EXISTENTIAL_DEPOSIT
        );
        assert_eq!(cpc_pallet_system::Number::get(), Some(0));
        // Alice holds the sudo key; Alice, Bob and Charlie are a council of threshold two.
        let dev: Vec<AccountId> = DEV_ACCOUNTS
            .iter()
            .map(|(_, k)| AccountId::new(*k))
            .collect();
        assert_eq!(cpc_pallet_governance::SudoKey::get(), Some(dev[0]));
        assert_eq!(
            cpc_pallet_governance::Members::get_or_default().to_vec(),
            dev[..3].to_vec()
        );
        assert_eq!(cpc_pallet_governance::Threshold::get(), Some(2));
        // Every pallet starts at the storage version of its code.
        for (pallet, stored, code) in Runtime::storage_versions() {
            assert_eq!(stored, code, "{pallet}");
        }
    });
    assert!(Runtime::get_preset(Some("mainnet".into())).is_none());
}

#[test]
fn the_same_config_gives_the_same_genesis_root() {
    let json = String::from_utf8(Runtime::get_preset(None).unwrap()).unwrap();
    let a = build(&json).unwrap().storage_root();
    let b = build(&json).unwrap().storage_root();
    assert_eq!(a, b);
    // Pallets left out get their defaults.
    let empty = build("{}").unwrap().storage_root();
    assert_ne!(a, empty);
}

#[test]
fn bad_configurations_are_refused_with_a_reason() {
    let cases = [
        ("not json", "not JSON"),
        ("[1, 2]", "must be a JSON object"),
        (
            r#"{"nosuchpallet": {}}"#,
            "unknown pallets in genesis config: nosuchpallet",
        ),
        (
            r#"{"balances": {"balances": [["not-an-address", 1]]}}"#,
            "Balances",
        ),
        (
            r#"{"balances": {"balances": [["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", 1]]}}"#,
            "below the existential deposit",
        ),
        (r#"{"balances": {"oops": []}}"#, "unknown field"),
    ];
    for (json, why) in cases {
        let err = build(json)
            .err()
            .unwrap_or_else(|| panic!("{json} was accepted"));
        assert!(err.contains(why), "{json}: {err}");
    }
}

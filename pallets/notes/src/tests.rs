//! Unit tests of the notes pallet (v1) and of its v1 to v2 migration.

use crate::{mock::*, *};
use codec::DecodeAll;
use cpc_primitives::dispatch::DispatchError;
use cpc_support::{Dispatchable, assert_noop, assert_ok};

fn text(s: &str) -> Text {
    Text::try_from_vec(s.as_bytes().to_vec()).unwrap()
}

fn set_note(s: &str) -> RuntimeCall {
    RuntimeCall::Notes(Call::set_note { text: text(s) })
}

#[test]
fn an_account_sets_its_note() {
    new_test_ext(&[]).execute_with(|| {
        assert_ok!(set_note("temp 21C").dispatch(RawOrigin::Signed(account(1))));
        assert_eq!(Pallet::<Test>::note(&account(1)), Some(text("temp 21C")));
        assert_ok!(set_note("temp 22C").dispatch(RawOrigin::Signed(account(1))));
        assert_eq!(Pallet::<Test>::note(&account(1)), Some(text("temp 22C")));
        let events: Vec<_> = cpc_pallet_system::Pallet::<Test>::events()
            .into_iter()
            .filter_map(|r| match r.event {
                RuntimeEvent::Notes(e) => Some(e),
                _ => None,
            })
            .collect();
        assert_eq!(
            events,
            vec![
                Event::NoteSet { who: account(1) },
                Event::NoteSet { who: account(1) }
            ]
        );
        assert_noop!(
            set_note("x").dispatch(RawOrigin::None),
            DispatchError::BadOrigin
        );
        assert_noop!(
            set_note("x").dispatch(RawOrigin::Root),
            DispatchError::BadOrigin
        );
    });
}

#[test]
fn a_note_over_the_limit_does_not_decode() {
    let mut encoded = vec![4u8, 0];
    encoded.extend(codec::Encode::encode(&vec![b'a'; MAX_NOTE as usize + 1]));
    assert!(RuntimeCall::decode_all(&mut &encoded[..]).is_err());
    let mut fits = vec![4u8, 0];
    fits.extend(codec::Encode::encode(&vec![b'a'; MAX_NOTE as usize]));
    assert!(RuntimeCall::decode_all(&mut &fits[..]).is_ok());
}

#[test]
fn genesis_sets_notes_and_the_storage_version() {
    new_test_ext(&[(1, "hello"), (2, "world")]).execute_with(|| {
        assert_eq!(Pallet::<Test>::note(&account(2)), Some(text("world")));
        assert_eq!(cpc_support::storage::version::on_chain(PALLET), 0);
        assert_eq!(
            Test::storage_versions(),
            vec![("System", 0, 0), ("Notes", 0, 0)]
        );
    });
    let too_long = "x".repeat(MAX_NOTE as usize + 1);
    let config = RuntimeGenesisConfig {
        notes: GenesisConfig {
            notes: vec![(account(1), too_long)],
        },
        ..Default::default()
    };
    let mut ext = cpc_state_machine::TestExternalities::default();
    let error = ext.execute_with(|| config.build()).unwrap_err();
    assert!(error.contains("longer than 128 bytes"), "{error}");
}

#[test]
fn the_migration_stamps_every_note_and_touches_nothing_else() {
    new_test_ext(&[(1, "a"), (2, "bb"), (3, "ccc")]).execute_with(|| {
        let other = cpc_io::storage::get(&cpc_pallet_system::Number::hashed_key());
        assert_eq!(migrations::v1_to_v2::migrate(7), Ok(3));
        for (n, t) in [(1, "a"), (2, "bb"), (3, "ccc")] {
            let raw = cpc_io::storage::get(&Notes::hashed_key(&account(n))).unwrap();
            assert_eq!(
                Note::decode_all(&mut &raw[..]),
                Ok(Note {
                    text: text(t),
                    updated: 7
                })
            );
        }
        assert_eq!(
            cpc_io::storage::get(&cpc_pallet_system::Number::hashed_key()),
            other
        );
    });
}

#[test]
fn the_migration_of_no_notes_is_a_no_op() {
    let mut ext = new_test_ext(&[]);
    let before = ext.storage_root();
    ext.execute_with(|| assert_eq!(migrations::v1_to_v2::migrate(7), Ok(0)));
    assert_eq!(ext.storage_root(), before);
}

#[test]
fn the_migration_names_a_note_that_does_not_decode() {
    new_test_ext(&[(1, "a")]).execute_with(|| {
        let key = Notes::hashed_key(&account(2));
        // A compact length of 200 with too few bytes after it.
        cpc_io::storage::set(&key, &[0x21, 0x03, 1, 2]);
        assert_eq!(migrations::v1_to_v2::migrate(7), Err(key));
    });
}

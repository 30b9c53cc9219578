//! Unit tests over two chains: transfers out and back in both directions with exact balances
//! and issuance, every refusal (storage compared by state root), timeouts and refunds, caps,
//! frozen channels, the in-flight window, and a property test over random sequences that
//! checks escrow against the wrapped supply plus what is in flight.

use crate::{mock::*, *};
use cpc_primitives::dispatch::{DispatchError, DispatchResultWithPostInfo};
use cpc_sidechain_primitives::xchain::{outbound_key, receipt_key};
use cpc_support::{assert_noop, assert_ok, dispatch::with_transaction};
use cpc_trie::StorageProof;

const ALICE: u8 = 1;
const BOB: u8 = 2;
const RELAYER: u8 = 3;
const CHARLIE: u8 = 4;

/// Dispatches on the main chain as the executive does: in a storage transaction.
fn on_main(w: &mut World, who: u8, call: Call) -> DispatchResultWithPostInfo {
    w.main.execute_with(|| {
        with_transaction(|| {
            main_chain::Xchain::dispatch_call(call, RawOrigin::Signed(account(who)))
        })
    })
}

/// Dispatches on the sidechain as the executive does: in a storage transaction.
fn on_side(w: &mut World, who: u8, call: Call) -> DispatchResultWithPostInfo {
    w.side.execute_with(|| {
        with_transaction(|| {
            side_chain::Xchain::dispatch_call(call, RawOrigin::Signed(account(who)))
        })
    })
}

fn refused_on_main(w: &mut World, who: u8, call: Call, error: Error) {
    w.main.execute_with(|| {
        assert_noop!(
            main_chain::Xchain::dispatch_call(call, RawOrigin::Signed(account(who))),
            error
        );
    });
}

fn refused_on_side(w: &mut World, who: u8, call: Call, error: Error) {
    w.side.execute_with(|| {
        assert_noop!(
            side_chain::Xchain::dispatch_call(call, RawOrigin::Signed(account(who))),
            error
        );
    });
}

fn send(to: u8, asset: ChainRef, amount: Balance, fee: Balance, timeout: BlockNumber) -> Call {
    Call::transfer_out {
        channel: CHANNEL,
        beneficiary: account(to),
        asset,
        amount,
        relay_fee: fee,
        timeout,
    }
}

fn main_outbound(w: &mut World, nonce: Nonce) -> OutboundRecord {
    w.main
        .execute_with(|| Outbound::get(&CHANNEL, &nonce))
        .expect("sent on main")
}

fn side_outbound(w: &mut World, nonce: Nonce) -> OutboundRecord {
    w.side
        .execute_with(|| Outbound::get(&CHANNEL, &nonce))
        .expect("sent on the sidechain")
}

fn main_free(w: &mut World, who: u8) -> Balance {
    w.main
        .execute_with(|| main_chain::Balances::free_balance(&account(who)))
}

fn side_free(w: &mut World, who: u8) -> Balance {
    w.side
        .execute_with(|| side_chain::Balances::free_balance(&account(who)))
}

fn main_issuance(w: &mut World) -> Balance {
    w.main.execute_with(main_chain::Balances::total_issuance)
}

fn side_issuance(w: &mut World) -> Balance {
    w.side.execute_with(side_chain::Balances::total_issuance)
}

fn side_wrapped(w: &mut World, who: u8) -> (Balance, Balance) {
    w.side
        .execute_with(|| side_chain::Xchain::wrapped(ChainRef::Main, &account(who)))
}

fn main_wrapped(w: &mut World, who: u8) -> (Balance, Balance) {
    w.main
        .execute_with(|| main_chain::Xchain::wrapped(ChainRef::Sidechain(CHANNEL), &account(who)))
}

fn main_channel(w: &mut World) -> Channel {
    w.main.execute_with(|| Channels::get(&CHANNEL)).unwrap()
}

fn side_channel(w: &mut World) -> Channel {
    w.side.execute_with(|| Channels::get(&CHANNEL)).unwrap()
}

fn check_both(w: &mut World) {
    w.main
        .execute_with(main_chain::Xchain::check_invariants)
        .expect("main invariants");
    w.side
        .execute_with(side_chain::Xchain::check_invariants)
        .expect("side invariants");
}

/// Delivers message `nonce` sent on main to the sidechain, proven at main's newest height.
fn deliver_to_side(w: &mut World, nonce: Nonce, relayer: u8) -> DispatchResultWithPostInfo {
    let at = w.finalize_main();
    let message = main_outbound(w, nonce).message;
    let proof = w.main_proof(at, &outbound_key(CHANNEL, nonce));
    on_side(w, relayer, Call::receive { message, proof, at })
}

/// Delivers message `nonce` sent on the sidechain to main, proven at its newest height.
fn deliver_to_main(w: &mut World, nonce: Nonce, relayer: u8) -> DispatchResultWithPostInfo {
    let at = w.finalize_side();
    let message = side_outbound(w, nonce).message;
    let proof = w.side_proof(at, &outbound_key(CHANNEL, nonce));
    on_main(w, relayer, Call::receive { message, proof, at })
}

fn err(e: Error) -> DispatchError {
    e.into()
}

#[test]
fn the_keys_relayers_prove_are_the_pallets_storage_keys() {
    let mut w = World::new();
    w.main.execute_with(|| {
        assert_eq!(Outbound::hashed_key(&7, &9), outbound_key(7, 9));
        assert_eq!(Receipts::hashed_key(&7, &9), receipt_key(7, 9));
        let who = account(ALICE);
        assert_eq!(
            Wrapped::hashed_key(&ChainRef::Main, &who),
            cpc_sidechain_primitives::xchain::wrapped_key(ChainRef::Main, &who)
        );
    });
    // Proofs from the mock's own trie are against the root the chain computes.
    let root = w.main.storage_root();
    let mut db = cpc_trie::MemoryDB::default();
    assert_eq!(cpc_trie::build_trie(&mut db, w.main.storage()), root);
}

#[test]
fn cpc_goes_to_the_sidechain_and_comes_back_with_exact_balances() {
    let mut w = World::new();
    let (main_total, side_total) = (main_issuance(&mut w), side_issuance(&mut w));
    let escrow_before = w
        .main
        .execute_with(|| main_chain::Balances::free_balance(&escrow_account()));
    assert_eq!(
        escrow_before, ED,
        "the escrow account is endowed with the deposit"
    );

    // Alice sends 1,000 to Bob on the sidechain, paying 10 to whoever relays it.
    assert_ok!(on_main(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Main, 1_000, 10, 20)
    ));
    assert_eq!(main_free(&mut w, ALICE), ENDOWMENT - 1_010);
    assert_eq!(main_channel(&mut w).escrowed, 1_010);
    assert_eq!(main_channel(&mut w).next_nonce, 1);
    assert_ok!(deliver_to_side(&mut w, 0, RELAYER));
    assert_eq!(side_wrapped(&mut w, BOB), (1_000, 1_010));
    assert_eq!(side_wrapped(&mut w, RELAYER), (10, 1_010));
    assert_eq!(
        w.side.execute_with(side_chain::events).last(),
        Some(&Event::Received {
            channel: CHANNEL,
            nonce: 0,
            beneficiary: account(BOB),
            asset: ChainRef::Main,
            amount: 1_000,
            relayer: account(RELAYER),
            relay_fee: 10,
            released: false,
        })
    );
    check_both(&mut w);

    // Delivered once: the same message again, with a proof at a later height, is refused.
    let at = w.finalize_main();
    let message = main_outbound(&mut w, 0).message;
    let proof = w.main_proof(at, &outbound_key(CHANNEL, 0));
    refused_on_side(
        &mut w,
        CHARLIE,
        Call::receive { message, proof, at },
        Error::AlreadyReceived,
    );

    // Main learns it was delivered.
    let side_at = w.finalize_side();
    let proof = w.side_proof(side_at, &receipt_key(CHANNEL, 0));
    assert_ok!(on_main(
        &mut w,
        RELAYER,
        Call::acknowledge {
            channel: CHANNEL,
            nonce: 0,
            proof,
            at: side_at
        }
    ));
    assert!(matches!(
        main_outbound(&mut w, 0).status,
        OutboundStatus::Delivered { received_at: 1, .. }
    ));
    assert_eq!(main_channel(&mut w).oldest_in_flight, 1);

    // Bob sends 600 of his wrapped CPC back to Charlie on main (5 to the relayer): burned on the
    // sidechain, released from escrow on main.
    let main_height = w.main.execute_with(main_chain::System::block_number) - 1;
    assert_ok!(on_side(
        &mut w,
        BOB,
        send(CHARLIE, ChainRef::Main, 600, 5, main_height + 10)
    ));
    assert_eq!(side_wrapped(&mut w, BOB), (395, 405));
    assert_ok!(deliver_to_main(&mut w, 0, RELAYER));
    assert_eq!(main_free(&mut w, CHARLIE), ENDOWMENT + 600);
    assert_eq!(main_free(&mut w, RELAYER), ENDOWMENT + 5);
    assert_eq!(
        main_channel(&mut w).escrowed,
        405,
        "escrow = wrapped supply on the sidechain"
    );
    assert_eq!(
        w.main
            .execute_with(|| main_chain::Balances::free_balance(&escrow_account())),
        ED + 405
    );
    // Neither chain's native issuance moved.
    assert_eq!(main_issuance(&mut w), main_total);
    assert_eq!(side_issuance(&mut w), side_total);
    check_both(&mut w);
}

#[test]
fn sidechain_tokens_go_to_main_wrapped_and_come_back() {
    let mut w = World::new();
    let side_total = side_issuance(&mut w);
    assert_ok!(on_side(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Sidechain(CHANNEL), 2_000, 0, 50)
    ));
    assert_eq!(side_channel(&mut w).escrowed, 2_000);
    assert_ok!(deliver_to_main(&mut w, 0, RELAYER));
    assert_eq!(main_wrapped(&mut w, BOB), (2_000, 2_000));
    // Bob pays Charlie in wrapped tokens on main, and Charlie sends them home.
    assert_ok!(on_main(
        &mut w,
        BOB,
        Call::transfer_wrapped {
            asset: ChainRef::Sidechain(CHANNEL),
            to: account(CHARLIE),
            amount: 700
        }
    ));
    assert_ok!(on_main(
        &mut w,
        CHARLIE,
        send(CHARLIE, ChainRef::Sidechain(CHANNEL), 690, 10, 50)
    ));
    assert_eq!(main_wrapped(&mut w, CHARLIE), (0, 1_300));
    assert_ok!(deliver_to_side(&mut w, 0, RELAYER));
    assert_eq!(side_free(&mut w, CHARLIE), ENDOWMENT + 690);
    assert_eq!(side_free(&mut w, RELAYER), ENDOWMENT + 10);
    assert_eq!(side_channel(&mut w).escrowed, 1_300);
    assert_eq!(side_issuance(&mut w), side_total);
    check_both(&mut w);
}

#[test]
fn forged_replayed_and_misdirected_messages_change_nothing() {
    let mut w = World::new();
    assert_ok!(on_main(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Main, 1_000, 10, 30)
    ));
    assert_ok!(on_main(&mut w, ALICE, send(BOB, ChainRef::Main, 50, 0, 30)));
    let at = w.finalize_main();
    let message = main_outbound(&mut w, 0).message;
    let proof = w.main_proof(at, &outbound_key(CHANNEL, 0));
    let nodes: Vec<Vec<u8>> = proof.nodes().cloned().collect();
    let receive = |message: &Message, proof: StorageProof, at| Call::receive {
        message: message.clone(),
        proof,
        at,
    };
    let refused =
        |w: &mut World, call: Call, error: Error| refused_on_side(w, RELAYER, call, error);

    // A root the sidechain does not hold (a height main has not finalized).
    refused(
        &mut w,
        receive(&message, proof.clone(), at + 5),
        Error::UnknownRoot,
    );
    // A truncated proof, and one with an altered node.
    for i in 0..nodes.len() {
        let mut truncated = nodes.clone();
        truncated.remove(i);
        refused(
            &mut w,
            receive(&message, StorageProof::new(truncated), at),
            Error::BadProof,
        );
        let mut altered = nodes.clone();
        let last = altered[i].len() - 1;
        altered[i][last] ^= 1;
        refused(
            &mut w,
            receive(&message, StorageProof::new(altered), at),
            Error::BadProof,
        );
    }
    // A proof of another message's record.
    let other = w.main_proof(at, &outbound_key(CHANNEL, 1));
    refused(&mut w, receive(&message, other, at), Error::BadProof);
    // The message with a larger amount, a different beneficiary.
    let mut more = message.clone();
    more.amount = 100_000;
    refused(&mut w, receive(&more, proof.clone(), at), Error::NotProven);
    let mut elsewhere = message.clone();
    elsewhere.beneficiary = account(CHARLIE);
    refused(
        &mut w,
        receive(&elsewhere, proof.clone(), at),
        Error::NotProven,
    );
    // A nonce main never sent: proven absent.
    let mut unsent = message.clone();
    unsent.nonce = 5;
    let absent = w.main_proof(at, &outbound_key(CHANNEL, 5));
    refused(&mut w, receive(&unsent, absent, at), Error::NotProven);
    // Another channel, and the wrong direction.
    let mut foreign = message.clone();
    foreign.channel = 1;
    refused(
        &mut w,
        receive(&foreign, proof.clone(), at),
        Error::UnknownChannel,
    );
    let mut backwards = message.clone();
    backwards.direction = Direction::ToMain;
    refused(
        &mut w,
        receive(&backwards, proof.clone(), at),
        Error::WrongDirection,
    );
    // A main-chain message submitted to main itself.
    refused_on_main(
        &mut w,
        RELAYER,
        receive(&message, proof.clone(), at),
        Error::WrongDirection,
    );
    // An oversized proof is refused before any work.
    let mut padded = nodes.clone();
    padded.push(vec![0; MAX_PROOF_BYTES as usize]);
    refused(
        &mut w,
        receive(&message, StorageProof::new(padded), at),
        Error::ProofTooLarge,
    );

    // The genuine one is accepted once.
    assert_ok!(on_side(
        &mut w,
        RELAYER,
        receive(&message, proof.clone(), at)
    ));
    refused(&mut w, receive(&message, proof, at), Error::AlreadyReceived);
    check_both(&mut w);
}

#[test]
fn a_message_not_received_by_its_timeout_is_refunded_once_and_never_delivered() {
    let mut w = World::new();
    let side_height = 0; // main holds the sidechain's genesis root only
    let timeout = side_height + 3;
    assert_ok!(on_main(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Main, 1_000, 10, timeout)
    ));
    let message = main_outbound(&mut w, 0).message;
    assert_eq!(main_free(&mut w, ALICE), ENDOWMENT - 1_010);

    // Before the timeout height is finalized, no refund: the message may still arrive.
    let early = w.finalize_side();
    assert!(early < timeout);
    let proof = w.side_proof(early, &receipt_key(CHANNEL, 0));
    refused_on_main(
        &mut w,
        ALICE,
        Call::timeout {
            message: message.clone(),
            proof,
            at: early,
        },
        Error::NotTimedOut,
    );

    // The sidechain passes the timeout height without the message.
    let mut at = early;
    while at < timeout {
        at = w.finalize_side();
    }
    // Too late to deliver.
    assert_eq!(
        deliver_to_side(&mut w, 0, RELAYER)
            .map(|_| ())
            .map_err(|e| e.error),
        Err(err(Error::TimedOut))
    );
    let proof = w.side_proof(at, &receipt_key(CHANNEL, 0));
    let timeout_call = Call::timeout {
        message: message.clone(),
        proof,
        at,
    };
    // Anyone may submit it; the sender is refunded amount and fee.
    assert_ok!(on_main(&mut w, CHARLIE, timeout_call.clone()));
    assert_eq!(main_free(&mut w, ALICE), ENDOWMENT);
    assert_eq!(main_channel(&mut w).escrowed, 0);
    assert!(matches!(
        main_outbound(&mut w, 0).status,
        OutboundStatus::Refunded { .. }
    ));
    // Once.
    refused_on_main(&mut w, ALICE, timeout_call, Error::NotInFlight);
    check_both(&mut w);
}

#[test]
fn a_delivered_message_cannot_time_out() {
    let mut w = World::new();
    assert_ok!(on_main(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Main, 1_000, 0, 2)
    ));
    assert_ok!(deliver_to_side(&mut w, 0, RELAYER));
    let mut at = 0;
    while at < 2 {
        at = w.finalize_side();
    }
    let message = main_outbound(&mut w, 0).message;
    let proof = w.side_proof(at, &receipt_key(CHANNEL, 0));
    refused_on_main(
        &mut w,
        ALICE,
        Call::timeout {
            message,
            proof: proof.clone(),
            at,
        },
        Error::Delivered,
    );
    // And a receipt proof of a message not delivered does not acknowledge it.
    assert_ok!(on_main(&mut w, ALICE, send(BOB, ChainRef::Main, 5, 0, 40)));
    let absent = w.side_proof(at, &receipt_key(CHANNEL, 1));
    refused_on_main(
        &mut w,
        ALICE,
        Call::acknowledge {
            channel: CHANNEL,
            nonce: 1,
            proof: absent,
            at,
        },
        Error::NotDelivered,
    );
}

#[test]
fn a_channel_credits_at_most_its_cap_per_window() {
    let mut w = World::new();
    // Two transfers of 60,000 each: the second exceeds the 100,000 cap of the window.
    assert_ok!(on_main(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Main, 60_000, 0, 90)
    ));
    assert_ok!(on_main(
        &mut w,
        CHARLIE,
        send(BOB, ChainRef::Main, 60_000, 0, 90)
    ));
    assert_ok!(deliver_to_side(&mut w, 0, RELAYER));
    let at = w.finalize_main();
    let message = main_outbound(&mut w, 1).message;
    let proof = w.main_proof(at, &outbound_key(CHANNEL, 1));
    let call = Call::receive { message, proof, at };
    w.side.execute_with(|| {
        assert_noop!(
            side_chain::Xchain::dispatch_call(call.clone(), RawOrigin::Signed(account(RELAYER))),
            Error::CapExceeded
        );
    });
    // A new window credits again.
    w.advance_side_unseen(CAP.window);
    assert_ok!(on_side(&mut w, RELAYER, call));
    assert_eq!(side_wrapped(&mut w, BOB), (120_000, 120_000));
    check_both(&mut w);
}

#[test]
fn a_compromised_sidechain_cannot_release_more_than_its_channel_escrowed() {
    let mut w = World::new();
    assert_ok!(on_main(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Main, 1_000, 0, 90)
    ));
    // The sidechain's committee certifies a state with a return message it never burned for.
    let forged = Message {
        channel: CHANNEL,
        direction: Direction::ToMain,
        nonce: 0,
        sender: account(BOB),
        beneficiary: account(CHARLIE),
        asset: ChainRef::Main,
        amount: 5_000,
        relay_fee: 0,
        timeout: 90,
    };
    w.side.execute_with(|| {
        Outbound::insert(
            &CHANNEL,
            &0,
            &OutboundRecord {
                message: forged.clone(),
                sent_at: 1,
                status: OutboundStatus::InFlight,
            },
        )
    });
    let at = w.finalize_side();
    let proof = w.side_proof(at, &outbound_key(CHANNEL, 0));
    refused_on_main(
        &mut w,
        RELAYER,
        Call::receive {
            message: forged,
            proof,
            at,
        },
        Error::EscrowShortfall,
    );
}

#[test]
fn a_frozen_channel_passes_nothing_either_way() {
    let mut w = World::new();
    assert_ok!(on_main(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Main, 1_000, 0, 5)
    ));
    assert_ok!(on_side(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Sidechain(CHANNEL), 1_000, 0, 5)
    ));
    let side_at = w.finalize_side();
    let main_at = w.finalize_main();
    set_main_view_active(CHANNEL, false);
    let side_message = side_outbound(&mut w, 0).message;
    let main_message = main_outbound(&mut w, 0).message;
    let calls = [
        send(BOB, ChainRef::Main, 10, 0, 5),
        Call::receive {
            message: side_message.clone(),
            proof: w.side_proof(side_at, &outbound_key(CHANNEL, 0)),
            at: side_at,
        },
        Call::timeout {
            message: main_message,
            proof: w.side_proof(side_at, &receipt_key(CHANNEL, 0)),
            at: side_at,
        },
        Call::acknowledge {
            channel: CHANNEL,
            nonce: 0,
            proof: w.side_proof(side_at, &receipt_key(CHANNEL, 0)),
            at: side_at,
        },
    ];
    for call in calls {
        refused_on_main(&mut w, ALICE, call, Error::ChannelInactive);
    }
    // The sidechain stops too when it no longer follows main.
    set_side_view_active(false);
    let proof = w.main_proof(main_at, &outbound_key(CHANNEL, 0));
    let message = main_outbound(&mut w, 0).message;
    w.side.execute_with(|| {
        assert_noop!(
            side_chain::Xchain::dispatch_call(
                Call::receive {
                    message,
                    proof,
                    at: main_at
                },
                RawOrigin::Signed(account(RELAYER))
            ),
            Error::ChannelInactive
        );
        assert_noop!(
            side_chain::Xchain::dispatch_call(
                send(BOB, ChainRef::Sidechain(CHANNEL), 10, 0, 5),
                RawOrigin::Signed(account(ALICE))
            ),
            Error::ChannelInactive
        );
    });
    // Unfrozen, the message goes through.
    set_main_view_active(CHANNEL, true);
    let proof = w.side_proof(side_at, &outbound_key(CHANNEL, 0));
    assert_ok!(on_main(
        &mut w,
        RELAYER,
        Call::receive {
            message: side_message,
            proof,
            at: side_at
        }
    ));
}

#[test]
fn sends_are_checked_before_anything_moves() {
    let mut w = World::new();
    let refused = |w: &mut World, call: Call, error: Error| refused_on_main(w, ALICE, call, error);
    refused(
        &mut w,
        send(BOB, ChainRef::Main, 0, 5, 10),
        Error::ZeroAmount,
    );
    refused(
        &mut w,
        send(BOB, ChainRef::Main, Balance::MAX, 1, 10),
        Error::Overflow,
    );
    refused(
        &mut w,
        send(BOB, ChainRef::Sidechain(9), 10, 0, 10),
        Error::UnsupportedAsset,
    );
    // Timeouts: not after the sidechain's known height (0), or too far past it.
    refused(
        &mut w,
        send(BOB, ChainRef::Main, 10, 0, 0),
        Error::BadTimeout,
    );
    refused(
        &mut w,
        send(BOB, ChainRef::Main, 10, 0, MAX_TIMEOUT_SPAN + 1),
        Error::BadTimeout,
    );
    refused(
        &mut w,
        send(BOB, ChainRef::Main, ENDOWMENT, 0, 10),
        Error::InsufficientBalance,
    );
    // Wrapped sidechain tokens Alice does not hold.
    refused(
        &mut w,
        send(BOB, ChainRef::Sidechain(CHANNEL), 10, 0, 10),
        Error::InsufficientBalance,
    );
    let mut other = send(BOB, ChainRef::Main, 10, 0, 10);
    if let Call::transfer_out { channel, .. } = &mut other {
        *channel = 3;
    }
    refused(&mut w, other, Error::UnknownChannel);
    // This chain's own token is not a wrapped token.
    refused(
        &mut w,
        Call::transfer_wrapped {
            asset: ChainRef::Main,
            to: account(BOB),
            amount: 1,
        },
        Error::UnsupportedAsset,
    );
    refused(
        &mut w,
        Call::transfer_wrapped {
            asset: ChainRef::Sidechain(CHANNEL),
            to: account(ALICE),
            amount: 1,
        },
        Error::InsufficientBalance,
    );
}

#[test]
fn the_in_flight_window_bounds_a_channel_and_moves_as_messages_settle() {
    let mut w = World::new();
    for _ in 0..MAX_IN_FLIGHT {
        assert_ok!(on_main(&mut w, ALICE, send(BOB, ChainRef::Main, 10, 0, 50)));
    }
    w.main.execute_with(|| {
        assert_noop!(
            main_chain::Xchain::dispatch_call(
                send(BOB, ChainRef::Main, 10, 0, 50),
                RawOrigin::Signed(account(ALICE))
            ),
            Error::TooManyInFlight
        );
    });
    // Messages 1.. delivered and acknowledged: the window stays at 0 while 0 is in flight.
    for nonce in 1..u64::from(MAX_IN_FLIGHT) {
        assert_ok!(deliver_to_side(&mut w, nonce, RELAYER));
    }
    let at = w.finalize_side();
    for nonce in 1..u64::from(MAX_IN_FLIGHT) {
        let proof = w.side_proof(at, &receipt_key(CHANNEL, nonce));
        assert_ok!(on_main(
            &mut w,
            RELAYER,
            Call::acknowledge {
                channel: CHANNEL,
                nonce,
                proof,
                at
            }
        ));
    }
    assert_eq!(main_channel(&mut w).oldest_in_flight, 0);
    // Message 0 delivered and acknowledged: the window moves past all of them.
    assert_ok!(deliver_to_side(&mut w, 0, RELAYER));
    let at = w.finalize_side();
    let proof = w.side_proof(at, &receipt_key(CHANNEL, 0));
    assert_ok!(on_main(
        &mut w,
        RELAYER,
        Call::acknowledge {
            channel: CHANNEL,
            nonce: 0,
            proof,
            at
        }
    ));
    assert_eq!(
        main_channel(&mut w).oldest_in_flight,
        u64::from(MAX_IN_FLIGHT)
    );
    assert_ok!(on_main(&mut w, ALICE, send(BOB, ChainRef::Main, 10, 0, 50)));
    check_both(&mut w);
}

#[test]
fn channels_are_opened_and_capped_by_root_only() {
    let mut w = World::new();
    let open = Call::open_channel {
        channel: 1,
        cap: CAP,
    };
    w.main.execute_with(|| {
        assert_noop!(
            main_chain::Xchain::dispatch_call(open.clone(), RawOrigin::Signed(account(ALICE))),
            DispatchError::BadOrigin
        );
        // Sidechain 1 is not registered (not active in the registry).
        assert_noop!(
            main_chain::Xchain::dispatch_call(open.clone(), RawOrigin::Root),
            Error::WrongChannel
        );
        assert_noop!(
            main_chain::Xchain::dispatch_call(
                Call::open_channel {
                    channel: CHANNEL,
                    cap: CAP
                },
                RawOrigin::Root
            ),
            Error::ChannelExists
        );
        assert_noop!(
            main_chain::Xchain::dispatch_call(
                Call::set_mint_cap {
                    channel: CHANNEL,
                    cap: MintCap {
                        limit: 1,
                        window: 0
                    }
                },
                RawOrigin::Root
            ),
            Error::BadCap
        );
        assert_ok!(main_chain::Xchain::dispatch_call(
            Call::set_mint_cap {
                channel: CHANNEL,
                cap: MintCap {
                    limit: 1,
                    window: 5
                }
            },
            RawOrigin::Root
        ));
    });
    // A sidechain has one channel: its own id.
    w.side.execute_with(|| {
        assert_noop!(
            side_chain::Xchain::dispatch_call(open, RawOrigin::Root),
            Error::WrongChannel
        );
        assert_eq!(
            side_chain::Xchain::home(),
            Some(ChainRef::Sidechain(CHANNEL))
        );
    });
}

#[test]
fn holders_exit_a_frozen_sidechain_from_escrow_once_and_its_channel_stays_closed() {
    use cpc_sidechain_primitives::xchain::wrapped_key;
    let mut w = World::new();
    let escrow_free = |w: &mut World| {
        w.main
            .execute_with(|| main_chain::Balances::free_balance(&escrow_account()))
    };
    // Bob holds 1,000 wrapped CPC on the sidechain, the relayer 10; 300 more are on their way;
    // Bob sent 200 back, burned on the sidechain, not yet received on main.
    assert_ok!(on_main(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Main, 1_000, 10, 50)
    ));
    assert_ok!(deliver_to_side(&mut w, 0, RELAYER));
    assert_ok!(on_main(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Main, 300, 0, 50)
    ));
    assert_ok!(on_side(
        &mut w,
        BOB,
        send(CHARLIE, ChainRef::Main, 200, 0, 50)
    ));
    let exit_at = w.finalize_side();
    assert_eq!(main_channel(&mut w).escrowed, 1_310);
    // Then the sidechain's committee turns: a later state credits Bob a fortune, and two
    // certified headers at one height freeze the sidechain.
    w.side
        .execute_with(|| Wrapped::insert(&ChainRef::Main, &account(BOB), &1_000_000));
    let forged_at = w.finalize_side();
    set_main_view_active(CHANNEL, false);

    // Nothing exits before the registry names an exit height.
    let proof = w.side_proof(exit_at, &wrapped_key(ChainRef::Main, &account(BOB)));
    let exit = |proof| Call::exit {
        channel: CHANNEL,
        proof,
    };
    refused_on_main(&mut w, BOB, exit(proof.clone()), Error::NotFrozen);
    set_exit_height(CHANNEL, Some(exit_at));

    // A proof against the forged state does not verify against the exit root.
    let forged = w.side_proof(forged_at, &wrapped_key(ChainRef::Main, &account(BOB)));
    refused_on_main(&mut w, BOB, exit(forged), Error::BadProof);
    // Bob exits his 800, once; the relayer its 10; Charlie held nothing.
    assert_ok!(on_main(&mut w, BOB, exit(proof.clone())));
    assert_eq!(main_free(&mut w, BOB), ENDOWMENT + 800);
    refused_on_main(&mut w, BOB, exit(proof), Error::AlreadyExited);
    let relayer = w.side_proof(exit_at, &wrapped_key(ChainRef::Main, &account(RELAYER)));
    assert_ok!(on_main(&mut w, RELAYER, exit(relayer)));
    let charlie = w.side_proof(exit_at, &wrapped_key(ChainRef::Main, &account(CHARLIE)));
    refused_on_main(&mut w, CHARLIE, exit(charlie), Error::NothingToExit);
    // The 300 the sidechain had not received come back to Alice.
    let message = main_outbound(&mut w, 1).message;
    let absent = w.side_proof(exit_at, &receipt_key(CHANNEL, 1));
    assert_ok!(on_main(
        &mut w,
        CHARLIE,
        Call::exit_refund {
            message,
            proof: absent
        }
    ));
    assert_eq!(main_free(&mut w, ALICE), ENDOWMENT - 1_010);
    // The 200 Bob had sent reach Charlie.
    let message = side_outbound(&mut w, 0).message;
    let sent = w.side_proof(exit_at, &outbound_key(CHANNEL, 0));
    assert_ok!(on_main(
        &mut w,
        RELAYER,
        Call::exit_receive {
            message,
            proof: sent
        }
    ));
    assert_eq!(main_free(&mut w, CHARLIE), ENDOWMENT + 200);
    // Escrow is empty: everything it backed left, once.
    assert_eq!(main_channel(&mut w).escrowed, 0);
    assert_eq!(escrow_free(&mut w), ED);
    // (The sidechain's own state is the forged one: only main's invariants hold.)
    w.main
        .execute_with(main_chain::Xchain::check_invariants)
        .expect("main invariants");

    // Unfrozen by governance, the channel stays closed: the sidechain's state still shows the
    // balances that left.
    set_main_view_active(CHANNEL, true);
    set_exit_height(CHANNEL, None);
    refused_on_main(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Main, 10, 0, 50),
        Error::ChannelInactive,
    );
}

#[test]
fn exits_are_proven_where_main_last_acted_and_stay_there() {
    use cpc_sidechain_primitives::xchain::wrapped_key;
    let mut w = World::new();
    // Bob holds 1,000 wrapped CPC at sidechain height `before`, then sends 200 back, which
    // main receives proven at a later height.
    assert_ok!(on_main(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Main, 1_000, 0, 50)
    ));
    assert_ok!(deliver_to_side(&mut w, 0, RELAYER));
    let before = w.finalize_side();
    assert_ok!(on_side(
        &mut w,
        BOB,
        send(CHARLIE, ChainRef::Main, 200, 0, 50)
    ));
    assert_ok!(deliver_to_main(&mut w, 0, RELAYER));
    let acted = main_channel(&mut w).proven_height;
    assert!(acted > before);
    // The registry names the earlier height: the conflict was reported below what main
    // already acted on. Exits use the later one, where Bob's 200 are gone.
    set_main_view_active(CHANNEL, false);
    set_exit_height(CHANNEL, Some(before));
    let key = wrapped_key(ChainRef::Main, &account(BOB));
    let stale = w.side_proof(before, &key);
    refused_on_main(
        &mut w,
        BOB,
        Call::exit {
            channel: CHANNEL,
            proof: stale,
        },
        Error::BadProof,
    );
    // A small cap (500 per 3 blocks): the balance leaves in parts, window after window.
    w.main.execute_with(|| {
        assert_ok!(main_chain::Xchain::dispatch_call(
            Call::set_mint_cap {
                channel: CHANNEL,
                cap: MintCap {
                    limit: 500,
                    window: 3
                }
            },
            RawOrigin::Root
        ));
    });
    let proof = w.side_proof(acted, &key);
    let exit = Call::exit {
        channel: CHANNEL,
        proof,
    };
    // The window credited Bob's 200 already: 300 of his 800 leave now.
    assert_ok!(on_main(&mut w, BOB, exit.clone()));
    assert_eq!(main_free(&mut w, BOB), ENDOWMENT + 300);
    refused_on_main(&mut w, BOB, exit.clone(), Error::CapExceeded);
    // The registry changes its mind (an unfreeze, a deregistration): exits go on against the
    // root fixed at the first one.
    set_exit_height(CHANNEL, None);
    set_main_view_active(CHANNEL, true);
    w.advance_main_unseen(3);
    assert_ok!(on_main(&mut w, BOB, exit.clone()));
    assert_eq!(main_free(&mut w, BOB), ENDOWMENT + 800);
    refused_on_main(&mut w, BOB, exit, Error::AlreadyExited);
    assert_eq!(main_channel(&mut w).escrowed, 0);
    refused_on_main(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Main, 10, 0, 50),
        Error::ChannelInactive,
    );
}

#[test]
fn a_message_its_source_refunded_is_never_credited() {
    let mut w = World::new();
    assert_ok!(on_main(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Main, 1_000, 0, 50)
    ));
    assert_ok!(deliver_to_side(&mut w, 0, RELAYER));
    // Bob returns 300 with a short timeout; main passes it without the message; the
    // sidechain refunds Bob.
    let timeout = w.main.execute_with(main_chain::System::block_number) + 1;
    assert_ok!(on_side(
        &mut w,
        BOB,
        send(CHARLIE, ChainRef::Main, 300, 0, timeout)
    ));
    let mut at = 0;
    while at < timeout {
        at = w.finalize_main();
    }
    let message = side_outbound(&mut w, 0).message;
    let absent = w.main_proof(at, &receipt_key(CHANNEL, 0));
    assert_ok!(on_side(
        &mut w,
        CHARLIE,
        Call::timeout {
            message: message.clone(),
            proof: absent,
            at
        }
    ));
    assert_eq!(side_wrapped(&mut w, BOB).0, 1_000);
    // Frozen, main cannot be made to pay the refunded message again.
    let exit_at = w.finalize_side();
    set_main_view_active(CHANNEL, false);
    set_exit_height(CHANNEL, Some(exit_at));
    let proof = w.side_proof(exit_at, &outbound_key(CHANNEL, 0));
    refused_on_main(
        &mut w,
        RELAYER,
        Call::exit_receive { message, proof },
        Error::NotProven,
    );
}

#[test]
fn oversized_proofs_and_the_escrow_as_beneficiary_are_refused() {
    let mut w = World::new();
    refused_on_main(
        &mut w,
        ALICE,
        Call::transfer_out {
            channel: CHANNEL,
            beneficiary: escrow_account(),
            asset: ChainRef::Main,
            amount: 100,
            relay_fee: 0,
            timeout: 10,
        },
        Error::CannotCredit,
    );
    assert_ok!(on_main(
        &mut w,
        ALICE,
        send(BOB, ChainRef::Main, 100, 0, 10)
    ));
    let at = w.finalize_main();
    let message = main_outbound(&mut w, 0).message;
    let mut nodes: Vec<Vec<u8>> = w
        .main_proof(at, &outbound_key(CHANNEL, 0))
        .nodes()
        .cloned()
        .collect();
    nodes.extend((0..MAX_PROOF_NODES as u16).map(|i| i.to_le_bytes().to_vec()));
    let proof = StorageProof::new(nodes);
    assert!(proof.encoded_size() < MAX_PROOF_BYTES as usize);
    refused_on_side(
        &mut w,
        RELAYER,
        Call::receive { message, proof, at },
        Error::ProofTooLarge,
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        /// Main sends CPC (or returns wrapped sidechain tokens) to the sidechain.
        MainSend {
            from: u8,
            to: u8,
            amount: Balance,
            fee: Balance,
            wrapped: bool,
        },
        /// The sidechain sends its token (or returns wrapped CPC) to main.
        SideSend {
            from: u8,
            to: u8,
            amount: Balance,
            fee: Balance,
            wrapped: bool,
        },
        /// A relayer delivers the oldest undelivered message one way.
        Deliver { to_side: bool, pick: u8 },
        /// A relayer acknowledges a delivered message one way.
        Acknowledge { on_main: bool, pick: u8 },
        /// One chain runs blocks the other does not see; then timeouts are attempted.
        Stall { main: bool, blocks: u8 },
        /// Everything due times out.
        TimeOutAll,
    }

    fn op() -> impl Strategy<Value = Op> {
        // Wrapped tokens exist only after a delivery: three sends in ten try to return them.
        let wrapped = || (0u8..10).prop_map(|x| x < 3);
        prop_oneof![
            3 => (1u8..6, 1u8..6, 1u128..5_000, 0u128..50, wrapped()).prop_map(
                |(from, to, amount, fee, wrapped)| Op::MainSend { from, to, amount, fee, wrapped }
            ),
            3 => (1u8..6, 1u8..6, 1u128..5_000, 0u128..50, wrapped()).prop_map(
                |(from, to, amount, fee, wrapped)| Op::SideSend { from, to, amount, fee, wrapped }
            ),
            5 => (any::<bool>(), any::<u8>()).prop_map(|(to_side, pick)| Op::Deliver { to_side, pick }),
            2 => (any::<bool>(), any::<u8>())
                .prop_map(|(on_main, pick)| Op::Acknowledge { on_main, pick }),
            1 => (any::<bool>(), 1u8..8).prop_map(|(main, blocks)| Op::Stall { main, blocks }),
            1 => Just(Op::TimeOutAll),
        ]
    }

    /// Messages sent on one chain, in flight (not refunded and not received on the other).
    fn in_flight(w: &mut World, from_main: bool) -> Vec<Message> {
        let (source, dest) = if from_main {
            (&mut w.main, &mut w.side)
        } else {
            (&mut w.side, &mut w.main)
        };
        let sent: Vec<OutboundRecord> =
            source.execute_with(|| Outbound::iter_prefix(&CHANNEL).map(|(_, r)| r).collect());
        sent.into_iter()
            .filter(|r| !matches!(r.status, OutboundStatus::Refunded { .. }))
            .filter(|r| !dest.execute_with(|| Receipts::contains_key(&CHANNEL, &r.message.nonce)))
            .map(|r| r.message)
            .collect()
    }

    fn value_in_flight(messages: &[Message], asset: ChainRef) -> Balance {
        messages
            .iter()
            .filter(|m| m.asset == asset)
            .map(|m| m.total().unwrap())
            .sum()
    }

    fn check(w: &mut World, main_total: Balance, side_total: Balance) {
        check_both(w);
        assert_eq!(main_issuance(w), main_total, "main issuance");
        assert_eq!(side_issuance(w), side_total, "side issuance");
        let from_main = in_flight(w, true);
        let from_side = in_flight(w, false);
        // CPC: escrow on main = wrapped CPC on the sidechain + CPC in flight either way.
        let wrapped_cpc = side_wrapped(w, 1).1;
        assert_eq!(
            main_channel(w).escrowed,
            wrapped_cpc
                + value_in_flight(&from_main, ChainRef::Main)
                + value_in_flight(&from_side, ChainRef::Main),
            "CPC escrow on main"
        );
        let wrapped_side = main_wrapped(w, 1).1;
        let side_token = ChainRef::Sidechain(CHANNEL);
        assert_eq!(
            side_channel(w).escrowed,
            wrapped_side
                + value_in_flight(&from_main, side_token)
                + value_in_flight(&from_side, side_token),
            "sidechain-token escrow on the sidechain"
        );
    }

    fn run(ops: Vec<Op>) {
        let mut w = World::new();
        let (main_total, side_total) = (main_issuance(&mut w), side_issuance(&mut w));
        for op in ops {
            match op {
                Op::MainSend {
                    from,
                    to,
                    amount,
                    fee,
                    wrapped,
                } => {
                    let asset = if wrapped {
                        ChainRef::Sidechain(CHANNEL)
                    } else {
                        ChainRef::Main
                    };
                    let known = w
                        .main
                        .execute_with(|| MainView::finalized_height(CHANNEL))
                        .unwrap();
                    let _ = on_main(&mut w, from, send(to, asset, amount, fee, known + 6));
                }
                Op::SideSend {
                    from,
                    to,
                    amount,
                    fee,
                    wrapped,
                } => {
                    let asset = if wrapped {
                        ChainRef::Main
                    } else {
                        ChainRef::Sidechain(CHANNEL)
                    };
                    let known = w
                        .side
                        .execute_with(|| SideView::finalized_height(CHANNEL))
                        .unwrap();
                    let _ = on_side(&mut w, from, send(to, asset, amount, fee, known + 6));
                }
                Op::Deliver { to_side, pick } => {
                    let pending = in_flight(&mut w, to_side);
                    if let Some(m) = pending.get(pick as usize % pending.len().max(1)) {
                        let _ = if to_side {
                            deliver_to_side(&mut w, m.nonce, RELAYER)
                        } else {
                            deliver_to_main(&mut w, m.nonce, RELAYER)
                        };
                    }
                }
                Op::Acknowledge {
                    on_main: main,
                    pick,
                } => {
                    let at = if main {
                        w.finalize_side()
                    } else {
                        w.finalize_main()
                    };
                    let nonces: Vec<Nonce> = if main {
                        w.side.execute_with(|| {
                            Receipts::iter_prefix(&CHANNEL).map(|(n, _)| n).collect()
                        })
                    } else {
                        w.main.execute_with(|| {
                            Receipts::iter_prefix(&CHANNEL).map(|(n, _)| n).collect()
                        })
                    };
                    if let Some(nonce) = nonces.get(pick as usize % nonces.len().max(1)).copied() {
                        let call = |proof| Call::acknowledge {
                            channel: CHANNEL,
                            nonce,
                            proof,
                            at,
                        };
                        let _ = if main {
                            let proof = w.side_proof(at, &receipt_key(CHANNEL, nonce));
                            on_main(&mut w, RELAYER, call(proof))
                        } else {
                            let proof = w.main_proof(at, &receipt_key(CHANNEL, nonce));
                            on_side(&mut w, RELAYER, call(proof))
                        };
                    }
                }
                Op::Stall { main, blocks } => {
                    for _ in 0..blocks {
                        if main {
                            w.finalize_main();
                        } else {
                            w.finalize_side();
                        }
                    }
                }
                Op::TimeOutAll => {
                    let side_at = w.finalize_side();
                    for m in in_flight(&mut w, true) {
                        let proof = w.side_proof(side_at, &receipt_key(CHANNEL, m.nonce));
                        let _ = on_main(
                            &mut w,
                            CHARLIE,
                            Call::timeout {
                                message: m,
                                proof,
                                at: side_at,
                            },
                        );
                    }
                    let main_at = w.finalize_main();
                    for m in in_flight(&mut w, false) {
                        let proof = w.main_proof(main_at, &receipt_key(CHANNEL, m.nonce));
                        let _ = on_side(
                            &mut w,
                            CHARLIE,
                            Call::timeout {
                                message: m,
                                proof,
                                at: main_at,
                            },
                        );
                    }
                }
            }
            check(&mut w, main_total, side_total);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]
        #[test]
        fn escrow_is_always_wrapped_supply_plus_value_in_flight(ops in proptest::collection::vec(op(), 1..60)) {
            run(ops);
        }
    }
}

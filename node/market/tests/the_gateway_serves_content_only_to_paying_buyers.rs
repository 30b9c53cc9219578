//! The storage gateway over the local store: a seller uploads, a buyer with a delivered
//! order downloads the same bytes; everyone else is refused with 401 or 403 and gets no data:
//! no token, an expired token, another account's token, an unpaid or refunded order (or a
//! dispute ruled for a full refund), a forged or replayed login. A buyer a dispute ruling made
//! pay keeps its download. Oversized and non-encrypted uploads are refused.

mod common;

use common::*;
use cpc_data_market_primitives::{OrderStatus, Ruling};
use cpc_market::{
    client::{ClientError, GatewayClient},
    crypto::{self, ContentKey},
    gateway,
    store::LocalStore,
};
use hyper::StatusCode;
use std::{sync::Arc, time::Duration};

fn status(result: Result<impl std::fmt::Debug, ClientError>) -> StatusCode {
    match result {
        Err(e) => e.status().unwrap_or_else(|| panic!("not a refusal: {e}")),
        Ok(v) => panic!("expected a refusal, got {v:?}"),
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
    view: Arc<MemoryView>,
    url: String,
    _gateway: gateway::GatewayHandle,
    blob: Vec<u8>,
}

async fn setup(token_ttl: Duration) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let view = Arc::new(MemoryView::default());
    view.products.lock().insert(0, product(&pair("Bob")));
    view.products.lock().insert(1, product(&pair("Eve")));
    let store = LocalStore::open(dir.path().join("blobs")).unwrap();
    let handle = start(
        &dir.path().join("gw"),
        view.clone(),
        Box::new(store),
        token_ttl,
        1 << 20,
    )
    .await;
    let url = format!("http://{}", handle.addr);
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let blob = crypto::encrypt(&ContentKey::random(), &data, 4096);
    Setup {
        dir: dir.path().to_path_buf(),
        _dir: dir,
        view,
        url,
        _gateway: handle,
        blob,
    }
}

async fn logged_in(url: &str, name: &str) -> GatewayClient {
    let mut client = GatewayClient::new(url).unwrap();
    client
        .login(&pair(name), &primitive_types_genesis())
        .await
        .unwrap();
    client
}

fn primitive_types_genesis() -> cpc_primitives::H256 {
    cpc_primitives::H256([7; 32])
}

#[tokio::test]
async fn the_seller_uploads_and_a_buyer_with_a_delivered_order_downloads_the_same_bytes() {
    let s = setup(Duration::from_secs(600)).await;
    let blob_path = s.dir.join("blob");
    std::fs::write(&blob_path, &s.blob).unwrap();
    let seller = logged_in(&s.url, "Bob").await;
    let hash = seller.upload(0, &blob_path, None).await.unwrap();
    assert_eq!(hash, crypto::sha256(&s.blob));

    let buyer = logged_in(&s.url, "Dave").await;
    let out = s.dir.join("downloaded");
    // No order yet.
    assert_eq!(
        status(buyer.download(0, Some(0), &out, None, None).await),
        StatusCode::FORBIDDEN
    );
    // Paid but not delivered.
    s.view.set_order(0, 0, &pair("Dave"), OrderStatus::Created);
    assert_eq!(
        status(buyer.download(0, Some(0), &out, None, None).await),
        StatusCode::FORBIDDEN
    );
    for allowed in [OrderStatus::Delivered, OrderStatus::Completed] {
        s.view.set_order(0, 0, &pair("Dave"), allowed);
        let (len, got) = buyer.download(0, Some(0), &out, None, None).await.unwrap();
        assert_eq!((len, got), (s.blob.len() as u64, hash));
        assert_eq!(std::fs::read(&out).unwrap(), s.blob);
        // Bounded by the product's size: the real size passes, a smaller one stops the
        // download (a gateway cannot send more than the product holds).
        let bounded = buyer.download(0, Some(0), &out, None, Some(200_000)).await;
        assert_eq!(bounded.unwrap().0, s.blob.len() as u64);
        assert!(
            buyer
                .download(0, Some(0), &out, None, Some(1_000))
                .await
                .is_err()
        );
    }
    // A dispute ruled with the buyer paying all or part of the price: it keeps its download.
    s.view.set_order(0, 0, &pair("Dave"), OrderStatus::Resolved);
    for paid in [
        Ruling::PaySeller,
        Ruling::Split {
            buyer_per_mille: 999,
        },
    ] {
        s.view.rulings.lock().insert(0, paid);
        assert!(
            buyer.download(0, Some(0), &out, None, None).await.is_ok(),
            "{paid:?}"
        );
    }
    // Refunded, disputed, or resolved with the whole price back (or no ruling known): no
    // more downloads.
    for (refused, ruling) in [
        (OrderStatus::Refunded, None),
        (OrderStatus::Disputed, None),
        (OrderStatus::Resolved, Some(Ruling::RefundBuyer)),
        (
            OrderStatus::Resolved,
            Some(Ruling::Split {
                buyer_per_mille: 1000,
            }),
        ),
        (OrderStatus::Resolved, None),
    ] {
        s.view.set_order(0, 0, &pair("Dave"), refused);
        match ruling {
            Some(ruling) => s.view.rulings.lock().insert(0, ruling),
            None => s.view.rulings.lock().remove(&0),
        };
        assert_eq!(
            status(buyer.download(0, Some(0), &out, None, None).await),
            StatusCode::FORBIDDEN,
            "{refused:?} {ruling:?}"
        );
    }
    // Without naming the order, or naming another product's order, nothing is served.
    assert_eq!(
        status(buyer.download(0, None, &out, None, None).await),
        StatusCode::FORBIDDEN
    );
    s.view
        .set_order(1, 1, &pair("Dave"), OrderStatus::Completed);
    s.view
        .set_order(0, 0, &pair("Dave"), OrderStatus::Completed);
    assert_eq!(
        status(buyer.download(0, Some(1), &out, None, None).await),
        StatusCode::FORBIDDEN
    );
    // The seller may read its own content.
    assert!(seller.download(0, None, &out, None, None).await.is_ok());
    // An unknown product.
    assert_eq!(
        status(buyer.download(7, Some(0), &out, None, None).await),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn requests_without_a_valid_session_are_refused_and_get_no_data() {
    // Sessions outlast the test here; expiry is checked below on a gateway of its own.
    let s = setup(Duration::from_secs(600)).await;
    let blob_path = s.dir.join("blob");
    std::fs::write(&blob_path, &s.blob).unwrap();
    let seller = logged_in(&s.url, "Bob").await;
    seller.upload(0, &blob_path, None).await.unwrap();
    s.view
        .set_order(0, 0, &pair("Dave"), OrderStatus::Delivered);
    let out = s.dir.join("out");

    // No token, a malformed one, an unknown one.
    let anonymous = GatewayClient::new(&s.url).unwrap();
    assert_eq!(
        status(anonymous.download(0, Some(0), &out, None, None).await),
        StatusCode::UNAUTHORIZED
    );
    let garbage = GatewayClient::new(&s.url)
        .unwrap()
        .with_token(Some("zz".into()));
    assert_eq!(
        status(garbage.download(0, Some(0), &out, None, None).await),
        StatusCode::UNAUTHORIZED
    );
    let unknown = GatewayClient::new(&s.url)
        .unwrap()
        .with_token(Some(hex::encode([1u8; 32])));
    assert_eq!(
        status(unknown.download(0, Some(0), &out, None, None).await),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(anonymous.upload(0, &blob_path, None).await),
        StatusCode::UNAUTHORIZED
    );

    // Another account's token: Eve has no order, and cannot upload Bob's product.
    let eve = logged_in(&s.url, "Eve").await;
    assert_eq!(
        status(eve.download(0, Some(0), &out, None, None).await),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        status(eve.upload(0, &blob_path, None).await),
        StatusCode::FORBIDDEN
    );
    // Nor read a key shared with Dave.
    assert_eq!(
        status(eve.shared_key(0, &account(&pair("Dave"))).await),
        StatusCode::FORBIDDEN
    );

    // No refusal wrote anything.
    assert!(!out.exists());

    // An expired token, on a gateway whose sessions last two seconds (long enough for a
    // loaded machine to log in, upload and download within one).
    let short = setup(Duration::from_secs(2)).await;
    let blob_path = short.dir.join("blob");
    std::fs::write(&blob_path, &short.blob).unwrap();
    logged_in(&short.url, "Bob")
        .await
        .upload(0, &blob_path, None)
        .await
        .unwrap();
    short
        .view
        .set_order(0, 0, &pair("Dave"), OrderStatus::Delivered);
    let out = short.dir.join("out");
    let buyer = logged_in(&short.url, "Dave").await;
    assert!(buyer.download(0, Some(0), &out, None, None).await.is_ok());
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(
        status(buyer.download(0, Some(0), &out, None, None).await),
        StatusCode::UNAUTHORIZED
    );
    // The refusal leaked no content: the file holds what the success wrote.
    assert_eq!(std::fs::read(&out).unwrap(), short.blob);
}

#[tokio::test]
async fn forged_replayed_and_misdirected_logins_are_refused() {
    let s = setup(Duration::from_secs(600)).await;
    let dave = pair("Dave");
    let genesis = primitive_types_genesis();
    let mut client = GatewayClient::new(&s.url).unwrap();

    // A signature by another key (Eve signs Dave's challenge).
    let nonce = client.challenge(&account(&dave)).await.unwrap();
    let forged = gateway::sign_login(&pair("Eve"), &genesis, &client.audience(), &nonce);
    assert_eq!(
        status(client.answer(&account(&dave), &nonce, &forged.0).await),
        StatusCode::UNAUTHORIZED
    );
    // The nonce was spent by the failed attempt: even the right signature is refused now.
    let genuine = gateway::sign_login(&dave, &genesis, &client.audience(), &nonce);
    assert_eq!(
        status(client.answer(&account(&dave), &nonce, &genuine.0).await),
        StatusCode::UNAUTHORIZED
    );
    // A signature for another chain.
    let nonce = client.challenge(&account(&dave)).await.unwrap();
    let other_chain = gateway::sign_login(
        &dave,
        &cpc_primitives::H256([8; 32]),
        &client.audience(),
        &nonce,
    );
    assert_eq!(
        status(client.answer(&account(&dave), &nonce, &other_chain.0).await),
        StatusCode::UNAUTHORIZED
    );
    // A signature meant for another gateway (a gateway relaying our challenge to its own
    // visitors gets signatures over its own address).
    let nonce = client.challenge(&account(&dave)).await.unwrap();
    let relayed = gateway::sign_login(&dave, &genesis, "http://evil.example:8090", &nonce);
    assert_eq!(
        status(client.answer(&account(&dave), &nonce, &relayed.0).await),
        StatusCode::UNAUTHORIZED
    );
    // A signature for this very gateway's address under the other scheme.
    let nonce = client.challenge(&account(&dave)).await.unwrap();
    let other_scheme = client.audience().replacen("http://", "https://", 1);
    let signed = gateway::sign_login(&dave, &genesis, &other_scheme, &nonce);
    assert_eq!(
        status(
            client
                .answer_for(&account(&dave), &other_scheme, &nonce, &signed.0)
                .await
        ),
        StatusCode::UNAUTHORIZED
    );
    // ... even when the relay says which address was signed (and forges `Host`): this gateway
    // accepts only its own addresses.
    let nonce = client.challenge(&account(&dave)).await.unwrap();
    let relayed = gateway::sign_login(&dave, &genesis, "http://evil.example:8090", &nonce);
    assert_eq!(
        status(
            client
                .answer_for(
                    &account(&dave),
                    "http://evil.example:8090",
                    &nonce,
                    &relayed.0
                )
                .await
        ),
        StatusCode::UNAUTHORIZED
    );
    // A challenge issued to Dave, answered as Eve.
    let nonce = client.challenge(&account(&dave)).await.unwrap();
    let eve = gateway::sign_login(&pair("Eve"), &genesis, &client.audience(), &nonce);
    assert_eq!(
        status(client.answer(&account(&pair("Eve")), &nonce, &eve.0).await),
        StatusCode::UNAUTHORIZED
    );
    // A made-up nonce.
    assert_eq!(
        status(client.answer(&account(&dave), &[3; 32], &genuine.0).await),
        StatusCode::UNAUTHORIZED
    );
    assert!(client.token().is_none());
    // And a genuine login works, once.
    let nonce = client.challenge(&account(&dave)).await.unwrap();
    let genuine = gateway::sign_login(&dave, &genesis, &client.audience(), &nonce);
    client
        .answer(&account(&dave), &nonce, &genuine.0)
        .await
        .unwrap();
    assert!(client.token().is_some());
    let mut again = GatewayClient::new(&s.url).unwrap();
    assert_eq!(
        status(again.answer(&account(&dave), &nonce, &genuine.0).await),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn oversized_and_unencrypted_uploads_and_bad_keys_are_refused() {
    let s = setup(Duration::from_secs(600)).await;
    let seller = logged_in(&s.url, "Bob").await;
    let path = s.dir.join("big");
    // Over the 1 MiB limit of this gateway.
    let big = crypto::encrypt(&ContentKey::random(), &vec![0u8; (1 << 20) + 1], 65_536);
    std::fs::write(&path, &big).unwrap();
    assert_eq!(
        status(seller.upload(0, &path, None).await),
        StatusCode::PAYLOAD_TOO_LARGE
    );
    // Plaintext is not accepted.
    std::fs::write(&path, b"plain text, not a blob").unwrap();
    assert_eq!(
        status(seller.upload(0, &path, None).await),
        StatusCode::BAD_REQUEST
    );
    std::fs::write(&path, b"").unwrap();
    assert_eq!(
        status(seller.upload(0, &path, None).await),
        StatusCode::BAD_REQUEST
    );
    // Nothing was stored, and no staging file is left.
    assert_eq!(
        std::fs::read_dir(s.dir.join("gw/staging")).unwrap().count(),
        0
    );
    assert!(!s.dir.join("gw/index/0").exists());

    // A product whose location names another gateway cannot park its data here.
    let mut elsewhere = product(&pair("Bob"));
    elsewhere.info.location = cpc_data_market_primitives::StorageLocation::Node(
        cpc_support::BoundedVec::try_from_vec(b"http://other-gateway:8090".to_vec()).unwrap(),
    );
    s.view.products.lock().insert(5, elsewhere);
    std::fs::write(&path, crypto::encrypt(&ContentKey::random(), b"data", 4096)).unwrap();
    assert_eq!(
        status(seller.upload(5, &path, None).await),
        StatusCode::FORBIDDEN
    );

    // Keys: the seller shares a well-formed sealed key; malformed ones are refused.
    let dave = account(&pair("Dave"));
    assert_eq!(
        status(seller.share_key(0, &dave, &[1; 10]).await),
        StatusCode::BAD_REQUEST
    );
    let proxy_key = crypto::EncryptionKeypair::from_account(&pair("Dave")).public();
    let sealed = crypto::seal(&ContentKey::random(), &proxy_key).unwrap();
    seller.share_key(0, &dave, &sealed).await.unwrap();
    let buyer = logged_in(&s.url, "Dave").await;
    assert_eq!(buyer.shared_key(0, &dave).await.unwrap(), sealed);
    assert_eq!(
        status(buyer.shared_key(1, &dave).await),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn one_account_holds_a_bounded_number_of_sessions() {
    let s = setup(Duration::from_secs(3600)).await;
    let bob = account(&pair("Bob"));
    // Ten logins by one account: the two oldest sessions end, the eight newest work.
    let mut sessions = Vec::new();
    for _ in 0..10 {
        sessions.push(logged_in(&s.url, "Bob").await);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(gateway::MAX_TOKENS_PER_ACCOUNT, 8);
    for (i, session) in sessions.iter().enumerate() {
        let answer = session.shared_key(0, &bob).await;
        let refused = matches!(&answer, Err(e) if e.status() == Some(StatusCode::UNAUTHORIZED));
        assert_eq!(refused, i < 2, "session {i}: {answer:?}");
    }
    // Other accounts are not affected.
    let dave = logged_in(&s.url, "Dave").await;
    let answer = dave.shared_key(0, &account(&pair("Dave"))).await;
    assert!(
        !matches!(&answer, Err(e) if e.status() == Some(StatusCode::UNAUTHORIZED)),
        "{answer:?}"
    );
}

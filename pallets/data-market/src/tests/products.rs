//! Products: bounded and checked metadata, storage deposits, and content CIDs.

use super::*;
use codec::{Decode, Encode};

#[test]
fn product_metadata_is_bounded_and_checked() {
    new_test_ext().execute_with(|| {
        // Oversized fields do not even decode: a call carrying them is rejected before
        // dispatch.
        let mut encoded = Call::publish { info: info(PRICE) }.encode();
        let long_title = vec![b'a'; MAX_TITLE_LEN as usize + 1];
        let at = 2; // call index, then the title's compact length
        encoded.splice(at.., {
            let mut rest = long_title.encode();
            rest.extend_from_slice(&info(PRICE).encode()[info(PRICE).title.encoded_size()..]);
            rest
        });
        assert!(Call::decode(&mut &encoded[1..]).is_err());

        let mut bad = info(PRICE);
        bad.title = BoundedVec::new();
        assert_noop!(
            call(Call::publish { info: bad }, SELLER),
            Error::InvalidText
        );
        let mut bad = info(PRICE);
        bad.description = BoundedVec::try_from_vec(vec![0xff, 0xfe]).unwrap();
        assert_noop!(
            call(Call::publish { info: bad }, SELLER),
            Error::InvalidText
        );
        let mut bad = info(PRICE);
        bad.tags = BoundedVec::try_from_vec(vec![BoundedVec::new()]).unwrap();
        assert_noop!(
            call(Call::publish { info: bad }, SELLER),
            Error::InvalidText
        );
        let mut bad = info(PRICE);
        bad.location = StorageLocation::S3(BoundedVec::new());
        assert_noop!(
            call(Call::publish { info: bad }, SELLER),
            Error::InvalidText
        );
        // Prices below the existential deposit (10).
        assert_noop!(
            call(Call::publish { info: info(0) }, SELLER),
            Error::PriceTooLow
        );
        assert_noop!(
            call(Call::publish { info: info(ED - 1) }, SELLER),
            Error::PriceTooLow
        );

        let mut bad = info(PRICE);
        bad.size = 0;
        assert_noop!(call(Call::publish { info: bad }, SELLER), Error::ZeroSize);
        let mut bad = info(PRICE);
        bad.proxies = BoundedVec::new();
        assert_noop!(
            call(Call::publish { info: bad }, SELLER),
            Error::InvalidProxies
        );
        let mut bad = info(PRICE);
        bad.proxies = BoundedVec::try_from_vec(vec![account(PROXY), account(PROXY)]).unwrap();
        assert_noop!(
            call(Call::publish { info: bad }, SELLER),
            Error::InvalidProxies
        );
        // Account 50 has nothing to reserve a deposit from.
        assert_noop!(
            call(Call::publish { info: info(PRICE) }, 50),
            Error::InsufficientBalance
        );
    });
}

#[test]
fn listing_reserves_a_deposit_released_only_by_removing_a_settled_product() {
    new_test_ext().execute_with(|| {
        setup();
        let deposit = DEPOSIT_BASE + info(PRICE).encoded_size() as Balance * DEPOSIT_PER_BYTE;
        assert_eq!(Products::get(&0).unwrap().deposit, deposit);
        assert_eq!(reserved(SELLER), deposit);
        assert_ok!(buy(0));
        assert_noop!(
            call(Call::remove_product { product: 0 }, SELLER),
            Error::StillListed
        );
        assert_ok!(call(
            Call::set_listed {
                product: 0,
                listed: false
            },
            SELLER
        ));
        assert_noop!(
            call(Call::remove_product { product: 0 }, BUYER),
            Error::NotSeller
        );
        assert_noop!(
            call(Call::remove_product { product: 0 }, SELLER),
            Error::OpenOrders
        );
        // The open order still completes on a delisted product.
        assert_ok!(deliver(0, PROXY));
        assert_ok!(call(Call::confirm { order: 0 }, BUYER));
        assert_ok!(call(Call::remove_product { product: 0 }, SELLER));
        assert_eq!(reserved(SELLER), 0);
        assert!(Products::get(&0).is_none());
        check();
    });
}

#[test]
fn content_cids_match_ipfs() {
    // `echo -n hello | ipfs add --cid-version 1 --raw-leaves`: the sha2-256 of "hello".
    let digest: [u8; 32] =
        hex_literal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    assert_eq!(
        content_cid(&digest),
        "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"
    );
}

fn hex_literal(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

#[test]
fn a_sidechain_stream_names_devices_and_a_range_and_its_sales_count_for_the_operator() {
    new_test_ext().execute_with(|| {
        setup();
        let stream = |devices: Vec<u32>, from, to| {
            let mut product = info(PRICE);
            product.location = StorageLocation::SidechainStream {
                sidechain: SIDECHAIN,
                devices: BoundedVec::try_from_vec(devices).unwrap(),
                from,
                to,
            };
            Call::publish { info: product }
        };
        // No device, a device twice, a range that ends before it starts; and the old
        // unstructured form for new products.
        assert_noop!(call(stream(vec![], 0, 10), SELLER), Error::InvalidText);
        assert_noop!(call(stream(vec![4, 4], 0, 10), SELLER), Error::InvalidText);
        assert_noop!(call(stream(vec![4], 11, 10), SELLER), Error::InvalidText);
        let mut old = info(PRICE);
        old.location = StorageLocation::Sidechain {
            sidechain: SIDECHAIN,
            stream: text("greenhouse/temperature"),
        };
        assert_noop!(
            call(Call::publish { info: old }, SELLER),
            Error::InvalidText
        );

        assert_ok!(call(stream(vec![0, 7], 1_000, 2_000), SELLER));
        take_reports();
        assert_ok!(buy(1));
        assert_ok!(deliver(0, PROXY));
        assert_ok!(call(Call::confirm { order: 0 }, BUYER));
        // The seller's sale, and the sidechain's operator's data, sharing what the sale paid
        // the protocol (5% of 10,000): one payment is never credited twice.
        assert_eq!(
            take_reports(),
            vec![
                Report::Sale(account(SELLER), 250),
                Report::Sale(account(SIDECHAIN_OPERATOR), 250)
            ]
        );
        check();
    });
}

#[test]
fn an_ipfs_location_must_be_a_checked_cid() {
    new_test_ext().execute_with(|| {
        for bad in [
            "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", // CIDv0
            "zb2rhcc1wJn2GHDLT2YkmPq5b69cXc2xfRZZmyufbjFUfBkxr", // base58btc
            "https://gw.example/blob",
            "bafkreiaj3gvbf7fgxugrwkfhqfzcg2ezcyeyuipeclu2mtipo2kfd7ffv", // truncated
        ] {
            let mut product = info(PRICE);
            product.location = StorageLocation::Ipfs(text(bad));
            assert_noop!(
                call(Call::publish { info: product }, SELLER),
                Error::InvalidText
            );
        }
        let mut product = info(PRICE);
        product.location = StorageLocation::Ipfs(text(&content_cid(&[9; 32])));
        assert_ok!(call(Call::publish { info: product }, SELLER));
        check();
    });
}

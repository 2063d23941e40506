//! Catalogue reads (issue 16): `all_products` against the sandbox in both shapes of Prom's
//! default listing, counted in requests Prom received and in reads of each product.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};

use promua_sync::prom::PromClient;
use promua_sync::sandbox::{
    Catalogue, DefaultListing, LastId, Quirks, RunningSandbox, Sandbox, SandboxOptions,
    generate_catalogue,
};

use crate::helpers::*;

async fn sandbox(
    catalogue: &Catalogue,
    last_id: LastId,
    default_listing: DefaultListing,
    quirks: Quirks,
) -> (RunningSandbox, PromClient) {
    let sb = Sandbox::new(SandboxOptions {
        token: TOKEN.into(),
        last_id,
        default_listing,
        ..SandboxOptions::default()
    });
    sb.load(catalogue.clone());
    sb.set_quirks(quirks);
    let running = sb
        .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let cfg = promua_sync::config::PromConfig {
        base_url: running.base_url(),
        token: Some(TOKEN.to_string().into()),
        token_origin: "test".into(),
        connect_timeout: std::time::Duration::from_secs(5),
        request_timeout: std::time::Duration::from_secs(10),
        requests_per_second: 1000,
        max_concurrency: 2,
        max_retries: 3,
        retry_base_delay: std::time::Duration::from_millis(5),
        stock_route: Default::default(),
    };
    (running, PromClient::new(&cfg).unwrap().counted())
}

/// Σ ⌈products of a group / 100⌉ over the groups, the root's included.
fn group_pages(catalogue: &Catalogue) -> usize {
    let mut per_group: BTreeMap<i64, usize> = BTreeMap::new();
    for p in &catalogue.products {
        *per_group.entry(p.group_id).or_default() += 1;
    }
    per_group.values().map(|n| n.div_ceil(100)).sum()
}

/// Reads the whole catalogue and checks it came whole, in pages of 100, each product
/// listed once (twice for one product where the first page below a cursor shows the
/// bound is inclusive); returns the requests Prom received.
async fn read_whole(
    catalogue: &Catalogue,
    last_id: LastId,
    listing: DefaultListing,
    quirks: Quirks,
) -> (usize, PromClient) {
    let (sb, client) = sandbox(catalogue, last_id, listing, quirks).await;
    let products = client.all_products().await.unwrap();
    let mut got: Vec<i64> = products.iter().map(|p| p.id).collect();
    got.sort();
    let mut want: Vec<i64> = catalogue.products.iter().map(|p| p.id).collect();
    want.sort();
    assert_eq!(got, want, "{last_id:?} {listing:?}: every product, once");
    let listed = sb.times_listed();
    assert_eq!(listed.len(), want.len(), "every product listed");
    let twice: Vec<(&i64, &u32)> = listed.iter().filter(|(_, n)| **n > 1).collect();
    let allowed = usize::from(last_id == LastId::Inclusive);
    assert!(
        twice.len() <= allowed && twice.iter().all(|(_, n)| **n == 2),
        "{last_id:?} {listing:?}: read more than once: {twice:?}"
    );
    let requests = sb.requests();
    assert!(requests.iter().all(|r| r.status == 200));
    assert!(
        requests
            .iter()
            .filter(|r| r.path.ends_with("/products/list"))
            .all(|r| r
                .query
                .as_deref()
                .is_some_and(|q| q.starts_with("limit=100"))),
        "every page asks for 100"
    );
    assert_eq!(client.requests() as usize, requests.len());
    (requests.len(), client)
}

#[tokio::test]
async fn a_default_listing_of_the_whole_catalogue_is_read_once_within_the_bound() {
    let cat = generate_catalogue(10_000, 0, 11);
    for last_id in [LastId::Exclusive, LastId::Inclusive] {
        let (requests, client) =
            read_whole(&cat, last_id, DefaultListing::All, Quirks::default()).await;
        // 100 full pages and the empty one after, `groups/list` (2 pages) and a probe per
        // 20 pages; walking every group again, as before, took 100 + 67 × 3 more.
        assert!(
            requests <= 110,
            "{last_id:?}: {requests} requests, bound 110"
        );
        // (An inclusive bound costs one request more since a short page no longer ends a
        // listing; still within the bound.)
        let extra = usize::from(matches!(last_id, LastId::Inclusive));
        assert_eq!(requests, 101 + 2 + 6 + extra, "{last_id:?}");
        assert!(client.notes().is_empty(), "{:?}", client.notes());
    }
}

#[tokio::test]
async fn a_root_only_default_listing_walks_every_group_once_within_the_bound() {
    let cat = generate_catalogue(10_000, 0, 11);
    // 1.1 × the groups' pages, and the empty page that closes each group's listing: a
    // short page never ends one (prom-api.md section 2), so that page is owed per group.
    let groups = cat
        .products
        .iter()
        .map(|p| p.group_id)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let bound = group_pages(&cat) * 11 / 10 + groups;
    for last_id in [LastId::Exclusive, LastId::Inclusive] {
        let (requests, _) =
            read_whole(&cat, last_id, DefaultListing::RootOnly, Quirks::default()).await;
        assert!(
            requests <= bound,
            "{last_id:?}: {requests} requests, bound {bound}"
        );
    }
}

/// With the default listing cut after `cap` products, every product is still read, once,
/// and the read says the listing was cut.
async fn a_cut_listing_is_read_whole(listing: DefaultListing, cap: usize) {
    let cat = generate_catalogue(10_000, 0, 11);
    let quirks = Quirks {
        default_listing_cap: Some(cap),
        ..Quirks::default()
    };
    for last_id in [LastId::Exclusive, LastId::Inclusive] {
        let (_, client) = read_whole(&cat, last_id, listing, quirks).await;
        assert!(
            client
                .notes()
                .iter()
                .any(|n| n.contains("did not show every product of its groups")),
            "{last_id:?} {listing:?}: {:?}",
            client.notes()
        );
    }
}

#[tokio::test]
async fn a_default_listing_cut_short_is_found_by_a_probe_and_every_group_read_to_its_end() {
    a_cut_listing_is_read_whole(DefaultListing::All, 3_000).await;
}

#[tokio::test]
async fn a_server_that_caps_pages_lower_is_still_read_to_the_end() {
    // Prom answering 20 a page whatever the limit: short pages must not end a listing.
    let cat = generate_catalogue(1_000, 0, 5);
    let quirks = Quirks {
        page_cap: Some(20),
        ..Quirks::default()
    };
    for listing in [DefaultListing::All, DefaultListing::RootOnly] {
        read_whole(&cat, LastId::Exclusive, listing, quirks).await;
    }
}

/// A default listing that shows only the root group and stops short (about 499 a group was
/// seen): the root's probe finds the rest and reads it to the end.
#[tokio::test]
async fn a_root_only_listing_cut_short_is_found_by_the_roots_probe() {
    a_cut_listing_is_read_whole(DefaultListing::RootOnly, 499).await;
}

/// A group Prom refuses when its turn comes (deleted since `groups/list`): the read goes
/// on, keeps every other product, and notes the group; it used to fail as a whole.
#[tokio::test]
async fn a_group_prom_refuses_is_noted_and_the_read_goes_on() {
    let cat = generate_catalogue(2_000, 0, 5);
    let refused = cat
        .products
        .iter()
        .map(|p| p.group_id)
        .find(|g| *g != 1)
        .expect("a group besides the root");
    let quirks = Quirks {
        refuse_group: Some(refused),
        ..Quirks::default()
    };
    let (_sb, client) = sandbox(&cat, LastId::Exclusive, DefaultListing::RootOnly, quirks).await;
    let products = client.all_products().await.unwrap();
    let mut got: Vec<i64> = products.iter().map(|p| p.id).collect();
    got.sort();
    let mut want: Vec<i64> = cat
        .products
        .iter()
        .filter(|p| p.group_id != refused)
        .map(|p| p.id)
        .collect();
    want.sort();
    assert_eq!(got, want, "every product of the other groups");
    assert!(
        client
            .notes()
            .iter()
            .any(|n| n.contains(&format!("group {refused} could not be listed"))),
        "{:?}",
        client.notes()
    );
}

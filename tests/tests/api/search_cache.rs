//! The event listing cache in Redis: hits cost no database work, every
//! event or session write retires the tenant's entries, entries never cross
//! visibility or tenants, and a Redis that dies or hangs mid-run changes
//! nothing but speed.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use taquilla_cache::CacheConfig;
use taquilla_tests::proxy::{Mode, TcpProxy};
use taquilla_tests::*;

const RETRY_AFTER: Duration = Duration::from_millis(300);

pub(crate) async fn cached_app(redis: String) -> TestApp {
    let mut config = test_config();
    // No tenant lookups between the counted requests' transactions.
    config.tenant_cache_ttl = Duration::from_secs(600);
    let mut cache = CacheConfig::new(redis);
    cache.prefix = format!("taquilla-test:{}:", uuid::Uuid::new_v4().simple());
    cache.ttl = Duration::from_secs(120);
    cache.timeout = Duration::from_millis(200);
    cache.retry_after = RETRY_AFTER;
    spawn_app_cached(config, cache).await
}

/// A GET and the tenant transactions it cost (0: answered from the cache).
pub(crate) async fn counted(t: &TestApp, a: &TenantFx, token: Option<&str>, path: &str) -> (Value, u64) {
    let before = t.app.store.stats().tenant_txs;
    let body = t.get(a, token, path).await.ok(200);
    (body, t.app.store.stats().tenant_txs - before)
}

fn titles(page: &Value) -> Vec<String> {
    let mut v: Vec<String> =
        page["items"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().to_owned()).collect();
    v.sort();
    v
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn gql_titles(t: &TestApp, a: &TenantFx, token: Option<&str>, search: &str) -> (Vec<String>, u64) {
    let before = t.app.store.stats().tenant_txs;
    let q = "query($s: String) { events(search: $s, first: 20) { totalCount edges { node { id title } } } }";
    let r = t
        .call(
            reqwest::Method::POST,
            Some(&a.slug),
            token,
            "/graphql",
            Some(json!({"query": q, "variables": {"s": search}})),
        )
        .await
        .ok(200);
    assert!(r.get("errors").is_none(), "{r}");
    let mut v: Vec<String> = r["data"]["events"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    (v, t.app.store.stats().tenant_txs - before)
}

#[tokio::test]
async fn listings_are_served_from_the_cache_until_an_event_or_session_write() {
    let t = cached_app(redis_url()).await;
    let a = t.tenant("acme").await;
    let (_, org) = t.user(&a, "organizer", "olga").await;
    let alpha = t.event(&a, &org, "Rock Alpha").await;
    let beta = t.event(&a, &org, "Rock Beta").await;
    let cache = t.app.search_cache.clone().unwrap();

    // The first search is computed (one tenant transaction) and stored.
    let (first, cost) = counted(&t, &a, None, "/api/v1/events?q=rock").await;
    assert_eq!((titles(&first), cost), (vec!["Rock Alpha".to_owned(), "Rock Beta".to_owned()], 1));
    // The same query, written differently (case, spaces, punctuation,
    // parameter order, defaults spelled out; the search route): no database work.
    for path in
        ["/api/v1/events?per_page=20&q=%20ROCK!%20", "/api/v1/events/search?q=Rock&page=1", "/api/v1/events?q=rock"]
    {
        let (again, cost) = counted(&t, &a, None, path).await;
        assert_eq!((&again, cost), (&first, 0), "{path}");
    }
    // GraphQL's `events` goes through the same service: the same entry.
    assert_eq!(gql_titles(&t, &a, None, "rock").await, (titles(&first), 0));
    // Another page is another entry.
    assert_eq!(counted(&t, &a, None, "/api/v1/events?q=rock&per_page=1").await.1, 1);
    assert_eq!(counted(&t, &a, None, "/api/v1/events?q=rock&per_page=1").await.1, 0);
    // Plain listings are cached too.
    assert_eq!(counted(&t, &a, None, "/api/v1/events").await.1, 1);
    assert_eq!(counted(&t, &a, None, "/api/v1/events").await.1, 0);
    let hits = cache.stats().hits;
    assert!(hits >= 6, "{:?}", cache.stats());

    // An event write is visible on the next request.
    let alpha_path = format!("/api/v1/events/{}", id(&alpha));
    t.patch(&a, Some(&org), &alpha_path, json!({"title": "Jazz Alpha"})).await.ok(200);
    let (after, cost) = counted(&t, &a, None, "/api/v1/events?q=rock").await;
    assert_eq!((titles(&after), cost), (vec!["Rock Beta".to_owned()], 1));
    let (all, _) = counted(&t, &a, None, "/api/v1/events").await;
    assert_eq!(titles(&all), vec!["Jazz Alpha".to_owned(), "Rock Beta".to_owned()]);
    assert_eq!(gql_titles(&t, &a, None, "jazz").await.0, vec!["Jazz Alpha".to_owned()]);

    // A session write retires the entries too: the next request is computed.
    assert_eq!(counted(&t, &a, None, "/api/v1/events?q=rock").await.1, 0);
    let bumps = cache.stats().bumps;
    let sessions = format!("/api/v1/events/{}/sessions", id(&beta));
    let s = t.post(&a, Some(&org), &sessions, session_body("Opening", 1, 2)).await.ok(201);
    assert_eq!(cache.stats().bumps, bumps + 1);
    assert_eq!(counted(&t, &a, None, "/api/v1/events?q=rock").await.1, 1);
    assert_eq!(counted(&t, &a, None, "/api/v1/events?q=rock").await.1, 0);
    t.patch(&a, Some(&org), &format!("{sessions}/{}", id(&s)), json!({"capacity": 50})).await.ok(200);
    assert_eq!(counted(&t, &a, None, "/api/v1/events?q=rock").await.1, 1);
    t.delete(&a, Some(&org), &format!("{sessions}/{}", id(&s))).await;
    assert_eq!(counted(&t, &a, None, "/api/v1/events?q=rock").await.1, 1);
    // A write that fails changes nothing and retires nothing.
    let bumps = cache.stats().bumps;
    t.patch(&a, Some(&org), &alpha_path, json!({"ends_at": "2000-01-01T00:00:00Z"}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(cache.stats().bumps, bumps);
    assert_eq!(counted(&t, &a, None, "/api/v1/events?q=rock").await.1, 0);

    // Status changes and deletion.
    t.patch(&a, Some(&org), &format!("/api/v1/events/{}", id(&beta)), json!({"status": "cancelled"})).await.ok(200);
    assert_eq!(titles(&counted(&t, &a, None, "/api/v1/events?q=rock").await.0), Vec::<String>::new());
    t.delete(&a, Some(&org), &alpha_path).await;
    let (all, cost) = counted(&t, &a, None, "/api/v1/events").await;
    assert_eq!((all["total"].clone(), cost), (json!(0), 1));
    assert_eq!(cache.stats().errors, 0);
}

#[tokio::test]
async fn cached_listings_never_cross_visibility_or_tenants() {
    let t = cached_app(redis_url()).await;
    let a = t.tenant("acme").await;
    let b = t.tenant("globex").await;
    let (_, org) = t.user(&a, "organizer", "olga").await;
    let (_, attendee) = t.user(&a, "attendee", "ana").await;
    let (_, staff) = t.user(&a, "staff", "sam").await;
    t.event(&a, &org, "Rock Public").await;
    let mut draft = event_body("Rock Draft");
    draft["status"] = json!("draft");
    let draft = t.post(&a, Some(&org), "/api/v1/events", draft).await.ok(201);
    let both = vec!["Rock Draft".to_owned(), "Rock Public".to_owned()];
    let public = vec!["Rock Public".to_owned()];
    let q = "/api/v1/events?q=rock";

    // The organizer's answer (drafts included) is cached first…
    assert_eq!(counted(&t, &a, Some(&org), q).await.1, 1);
    let (o, cost) = counted(&t, &a, Some(&org), q).await;
    assert_eq!((titles(&o), cost), (both.clone(), 0));
    // …and never served to those who may not see drafts.
    let (anon, cost) = counted(&t, &a, None, q).await;
    assert_eq!((titles(&anon), cost), (public.clone(), 1));
    let (att, cost) = counted(&t, &a, Some(&attendee), q).await;
    assert_eq!((titles(&att), cost), (public.clone(), 0), "attendees see what anonymous callers see");
    assert_eq!(gql_titles(&t, &a, Some(&attendee), "rock").await, (public.clone(), 0));
    let (st, cost) = counted(&t, &a, Some(&staff), q).await;
    assert_eq!((titles(&st), cost), (both.clone(), 0), "staff see drafts, as organizers do");
    assert_eq!(titles(&counted(&t, &a, Some(&a.admin_token), q).await.0), both);
    // The GET of the draft itself stays 404 for the public.
    t.get(&a, None, &format!("/api/v1/events/{}", id(&draft))).await.problem(404, "not_found");

    // Another tenant with the same query gets its own (empty) answer,
    // computed from its own schema.
    let (other, cost) = counted(&t, &b, None, q).await;
    assert_eq!((other["total"].clone(), cost), (json!(0), 1));
    let (other, cost) = counted(&t, &b, Some(&b.admin_token), q).await;
    assert_eq!((other["total"].clone(), cost), (json!(0), 1));
    // Its writes retire only its own entries.
    t.event(&b, &b.admin_token, "Rock Globex").await;
    assert_eq!(titles(&counted(&t, &b, None, q).await.0), vec!["Rock Globex".to_owned()]);
    let (mine, cost) = counted(&t, &a, None, q).await;
    assert_eq!((titles(&mine), cost), (public.clone(), 0));
    // And another tenant's token is refused, cached or not.
    t.get(&a, Some(&b.admin_token), q).await.problem(401, "wrong_tenant");

    // Publishing the draft shows it to everybody on the next request.
    t.patch(&a, Some(&org), &format!("/api/v1/events/{}", id(&draft)), json!({"status": "published"})).await.ok(200);
    let (anon, cost) = counted(&t, &a, None, q).await;
    assert_eq!((titles(&anon), cost), (both, 1));
}

fn redis_host_port() -> String {
    let url = redis_url();
    let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_redis_that_dies_or_hangs_mid_run_changes_nothing_but_speed() {
    let proxy = TcpProxy::start(&redis_host_port()).await;
    let t = cached_app(proxy.redis_url()).await;
    let a = t.tenant("acme").await;
    let (_, org) = t.user(&a, "organizer", "olga").await;
    let alpha = t.event(&a, &org, "Rock Alpha").await;
    t.event(&a, &org, "Rock Beta").await;
    let cache = t.app.search_cache.clone().unwrap();
    let q = "/api/v1/events?q=rock";
    let (cached, _) = counted(&t, &a, None, q).await;
    assert_eq!(counted(&t, &a, None, q).await, (cached.clone(), 0));

    // Redis dies. A write still succeeds (its bump is owed), and its change
    // shows at once: listings come from PostgreSQL.
    proxy.set(Mode::Down);
    let alpha_path = format!("/api/v1/events/{}", id(&alpha));
    t.patch(&a, Some(&org), &alpha_path, json!({"title": "Jazz Alpha"})).await.ok(200);
    let expected = vec!["Rock Beta".to_owned()];
    for _ in 0..5 {
        let started = Instant::now();
        let (page, cost) = counted(&t, &a, None, q).await;
        assert_eq!((titles(&page), cost), (expected.clone(), 1));
        assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    }
    assert_eq!(gql_titles(&t, &a, None, "rock").await, (expected.clone(), 1));
    assert!(cache.stats().errors >= 1, "{:?}", cache.stats());

    // Redis hangs (accepts, never answers): each request waits at most the
    // command timeout, then the breaker skips Redis.
    proxy.set(Mode::Hang);
    tokio::time::sleep(RETRY_AFTER + Duration::from_millis(100)).await;
    let started = Instant::now();
    for _ in 0..5 {
        let (page, _) = counted(&t, &a, None, q).await;
        assert_eq!(titles(&page), expected);
    }
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());

    // Redis is back. The entry cached before the write is not served: the
    // owed bump is paid before the cache is used again.
    proxy.set(Mode::Forward);
    tokio::time::sleep(RETRY_AFTER + Duration::from_millis(100)).await;
    let (page, cost) = counted(&t, &a, None, q).await;
    assert_eq!((titles(&page), cost), (expected.clone(), 1));
    let (page, cost) = counted(&t, &a, None, q).await;
    assert_eq!((titles(&page), cost), (expected, 0), "the cache works again");
}

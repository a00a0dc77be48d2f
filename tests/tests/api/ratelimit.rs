//! Rate limits: a bucket per API key, per user and per client IP, rates by
//! the tenant's plan, shared by instances through Redis, kept in process
//! while Redis is away — and never a 500 because of it.

use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};
use taquilla_services::config::RateLimitConfig;
use taquilla_services::Config;
use taquilla_tests::proxy::{Mode, TcpProxy};
use taquilla_tests::*;
use uuid::Uuid;

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Limits on, buckets under a prefix of this test's own, and the client IP
/// taken from `X-Forwarded-For` so each test names its callers' addresses.
fn limited(anonymous: u32, free: u32, redis: Option<String>, prefix: &str) -> Config {
    let mut c = test_config();
    c.rate_limit = RateLimitConfig {
        enabled: true,
        anonymous_per_minute: anonymous,
        free_per_minute: free,
        standard_per_minute: 1_000,
        enterprise_per_minute: 5_000,
        key_prefix: prefix.to_owned(),
        ..RateLimitConfig::default()
    };
    c.redis_url = redis;
    c.trust_forwarded_for = true;
    c
}

fn prefix() -> String {
    format!("test:{}:", Uuid::new_v4())
}

struct Hit {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Hit {
    fn header(&self, name: &str) -> Option<u64> {
        self.headers.get(name).map(|v| v.to_str().unwrap().parse().unwrap())
    }
}

async fn hit(t: &TestApp, method: Method, slug: &str, token: Option<&str>, ip: &str, path: &str) -> Hit {
    let mut req =
        t.http.request(method, format!("{}{path}", t.base)).header("X-Tenant", slug).header("X-Forwarded-For", ip);
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    if path == "/graphql" {
        req = req.json(&json!({"query": "{ events(first: 1) { totalCount } }"}));
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.json().await.unwrap_or(Value::Null);
    Hit { status, headers, body }
}

async fn events(t: &TestApp, slug: &str, token: Option<&str>, ip: &str) -> Hit {
    hit(t, Method::GET, slug, token, ip, "/api/v1/events").await
}

#[track_caller]
fn assert_limited(h: &Hit, limit: u64) {
    assert_eq!(h.status, 429, "{}", h.body);
    assert_eq!(h.headers["content-type"], "application/problem+json");
    assert_eq!(h.body["code"], "rate_limited");
    assert_eq!(h.body["status"], 429);
    assert_eq!(h.header("ratelimit-limit"), Some(limit));
    assert_eq!(h.header("ratelimit-remaining"), Some(0));
    let retry = h.header("retry-after").expect("Retry-After");
    // One request refills every 60/limit seconds.
    assert!((1..=60 / limit + 1).contains(&retry), "Retry-After {retry}");
    assert_eq!(h.body["retry_after"], retry);
}

#[tokio::test]
async fn anonymous_callers_share_a_bucket_per_ip_with_ratelimit_headers() {
    let t = spawn_app_with(limited(5, 1_000, Some(redis_url()), &prefix())).await;
    let fx = t.tenant("acme").await;
    for left in (0..5).rev() {
        let h = events(&t, &fx.slug, None, "203.0.113.7").await;
        assert_eq!(h.status, 200, "{}", h.body);
        assert_eq!(h.header("ratelimit-limit"), Some(5));
        assert_eq!(h.header("ratelimit-remaining"), Some(left));
        let reset = h.header("ratelimit-reset").unwrap();
        assert!((1..=60).contains(&reset), "reset {reset}");
    }
    let refused = events(&t, &fx.slug, None, "203.0.113.7").await;
    assert_limited(&refused, 5);
    // A made-up credential does not get a bucket of its own.
    assert_limited(&events(&t, &fx.slug, Some("not-a-token"), "203.0.113.7").await, 5);
    assert_limited(&hit(&t, Method::POST, &fx.slug, None, "203.0.113.7", "/api/v1/auth/login").await, 5);
    // Another address has its own bucket; probes are never limited.
    assert_eq!(events(&t, &fx.slug, None, "198.51.100.2").await.status, 200);
    let probe = hit(&t, Method::GET, &fx.slug, None, "203.0.113.7", "/healthz").await;
    assert_eq!(probe.status, 200);
    assert!(probe.headers.get("ratelimit-limit").is_none());
}

#[tokio::test]
async fn people_and_api_keys_get_buckets_of_their_own_at_their_tenant_plan_rate() {
    let t = spawn_app_with(limited(1_000, 3, Some(redis_url()), &prefix())).await;
    let free = t.tenant("small").await;
    let big = t.tenant("big").await;
    let (_, ana) = t.user(&free, "attendee", "ana").await;
    let (_, bea) = t.user(&free, "attendee", "bea").await;
    let key = t
        .post(&free, Some(&free.admin_token), "/api/v1/api-keys", json!({"name": "crm", "scopes": ["events:read"]}))
        .await
        .ok(201)["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, carl) = t.user(&big, "attendee", "carl").await;

    // Plans are the platform admin's to set, validated like any input.
    let path = format!("/api/v1/admin/tenants/{}", free.id);
    let p = t.admin(Method::PATCH, &path, Some(json!({"plan": "gold"}))).await.problem(422, "validation_failed");
    assert_eq!(p["field"], "plan");
    assert_eq!(t.admin(Method::PATCH, &path, Some(json!({"plan": "free"}))).await.ok(200)["plan"], "free");
    t.call(Method::PATCH, Some(&free.slug), Some(&free.admin_token), &path, Some(json!({"plan": "enterprise"})))
        .await
        .problem(401, "wrong_tenant");

    for _ in 0..3 {
        let h = events(&t, &free.slug, Some(&ana), "192.0.2.1").await;
        assert_eq!((h.status, h.header("ratelimit-limit")), (200, Some(3)), "{}", h.body);
    }
    assert_limited(&events(&t, &free.slug, Some(&ana), "192.0.2.1").await, 3);
    // GraphQL draws from the same bucket.
    assert_limited(&hit(&t, Method::POST, &free.slug, Some(&ana), "192.0.2.1", "/graphql").await, 3);
    // Same address, another person: their own bucket. The key: its own too.
    assert_eq!(events(&t, &free.slug, Some(&bea), "192.0.2.1").await.header("ratelimit-remaining"), Some(2));
    for left in (0..3).rev() {
        let h = events(&t, &free.slug, Some(&key), "192.0.2.1").await;
        assert_eq!((h.status, h.header("ratelimit-remaining")), (200, Some(left)), "{}", h.body);
    }
    assert_limited(&events(&t, &free.slug, Some(&key), "192.0.2.1").await, 3);
    // The standard plan's rate for the other tenant's people.
    let h = events(&t, &big.slug, Some(&carl), "192.0.2.1").await;
    assert_eq!((h.status, h.header("ratelimit-limit")), (200, Some(1_000)));
}

#[tokio::test]
async fn instances_share_buckets_through_redis() {
    let shared = prefix();
    let a = spawn_app_with(limited(4, 1_000, Some(redis_url()), &shared)).await;
    let b = spawn_app_with(limited(4, 1_000, Some(redis_url()), &shared)).await;
    let (fa, fb) = (a.tenant("one").await, b.tenant("one").await);
    let mut seen = vec![];
    for (t, fx) in [(&a, &fa), (&b, &fb), (&a, &fa), (&b, &fb)] {
        let h = events(t, &fx.slug, None, "203.0.113.50").await;
        assert_eq!(h.status, 200);
        seen.push(h.header("ratelimit-remaining").unwrap());
    }
    assert_eq!(seen, [3, 2, 1, 0]);
    assert_limited(&events(&a, &fa.slug, None, "203.0.113.50").await, 4);
    assert_limited(&events(&b, &fb.slug, None, "203.0.113.50").await, 4);
}

#[tokio::test]
async fn redis_going_away_mid_run_limits_in_process_and_never_fails_a_request() {
    let upstream = redis_url().trim_start_matches("redis://").trim_end_matches('/').to_owned();
    let proxy = TcpProxy::start(&upstream).await;
    let t = spawn_app_with(limited(3, 1_000, Some(format!("redis://{}", proxy.addr)), &prefix())).await;
    let fx = t.tenant("acme").await;
    for left in [2, 1] {
        assert_eq!(events(&t, &fx.slug, None, "203.0.113.9").await.header("ratelimit-remaining"), Some(left));
    }

    proxy.set(Mode::Down);
    // Served and still limited, in process; never a 500.
    for left in (0..3).rev() {
        let h = events(&t, &fx.slug, None, "198.51.100.9").await;
        assert_eq!((h.status, h.header("ratelimit-remaining")), (200, Some(left)), "{}", h.body);
    }
    assert_limited(&events(&t, &fx.slug, None, "198.51.100.9").await, 3);
    for _ in 0..5 {
        let h = events(&t, &fx.slug, None, &format!("192.0.2.{}", rand::random::<u8>())).await;
        assert_ne!(h.status, 500);
    }

    // A hung Redis costs a request at most the Redis timeout, then the
    // back-off keeps the next ones off it.
    proxy.set(Mode::Hang);
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    for _ in 0..3 {
        assert_eq!(events(&t, &fx.slug, None, "192.0.2.77").await.status, 200);
    }

    // Back again: after a short back-off the shared buckets are used again,
    // with what they held before the outage.
    proxy.set(Mode::Forward);
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    let h = events(&t, &fx.slug, None, "203.0.113.9").await;
    assert_eq!((h.status, h.header("ratelimit-remaining")), (200, Some(0)), "{}", h.body);
    assert_limited(&events(&t, &fx.slug, None, "203.0.113.9").await, 3);
}

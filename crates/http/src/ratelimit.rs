//! Rate limiting: one GCRA bucket per API key, per user, or (for anonymous
//! callers and bad credentials) per client IP; a tenant's plan sets the rate
//! for its keys and users.
//!
//! Buckets live in Redis so every instance shares them (the Lua script below
//! is GCRA on Redis' own clock, one round trip). Without Redis, or while it is
//! failing, the same quotas run in process (governor), and an error is logged:
//! a limiter never turns a request into a 500.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use deadpool_redis::redis;
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{clock::DefaultClock, Quota, RateLimiter};
use taquilla_core::status::Plan;
use taquilla_core::{Actor, Error, ErrorKind};
use taquilla_services::config::RateLimitConfig;
use taquilla_services::App;

use crate::audit::client_ip;
use crate::extract::{bearer_token, named_tenant, remember};
use crate::problem::ApiError;

type Local = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// GCRA in microseconds on Redis' clock. KEYS[1] bucket; ARGV[1] emission
/// interval, ARGV[2] burst (= the limit per period). Returns
/// {allowed, remaining, reset_us, retry_after_us}.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local period = interval * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, 0, tat - now, allow_at - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000))
return {1, math.floor((period - (new_tat - now)) / interval), new_tat - now, 0}
";

/// One request's verdict, and what the headers say about the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the bucket is full again.
    pub reset_secs: u64,
    /// Seconds until the next request would be allowed (0 when allowed).
    pub retry_after_secs: u64,
}

/// Whose bucket a request draws from, and at what rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub key: String,
    pub per_minute: u32,
}

pub struct Limiter {
    config: RateLimitConfig,
    redis: Option<deadpool_redis::Pool>,
    /// In-process limiters, one per distinct rate (governor's quota is per limiter).
    local: std::sync::Mutex<std::collections::HashMap<u32, Arc<Local>>>,
    /// While Redis is failing, skip it until this instant (µs since `epoch`).
    redis_off_until: AtomicU64,
    last_error_log: AtomicU64,
    checks: AtomicU64,
    epoch: Instant,
}

/// After a Redis failure, how long requests go straight to the in-process limiter.
const REDIS_BACKOFF: Duration = Duration::from_secs(1);
/// At most one "Redis failed" log line per this interval.
const ERROR_LOG_EVERY: Duration = Duration::from_secs(10);

impl Limiter {
    pub fn new(config: RateLimitConfig, redis: Option<deadpool_redis::Pool>) -> Self {
        Limiter {
            config,
            redis,
            local: Default::default(),
            redis_off_until: AtomicU64::new(0),
            last_error_log: AtomicU64::new(0),
            checks: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    /// A pool for `url` with short timeouts: a hung Redis must not hold requests.
    pub fn redis_pool(url: &str, timeout: Duration) -> Result<deadpool_redis::Pool, String> {
        let mut cfg = deadpool_redis::Config::from_url(url);
        let mut pool = deadpool_redis::PoolConfig::new(16);
        pool.timeouts = deadpool_redis::Timeouts { wait: Some(timeout), create: Some(timeout), recycle: Some(timeout) };
        cfg.pool = Some(pool);
        cfg.create_pool(Some(deadpool_redis::Runtime::Tokio1)).map_err(|e| e.to_string())
    }

    pub fn enabled(&self) -> bool {
        self.config.enabled
    }

    fn micros(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// Draws one request from `bucket`: Redis when it answers, else in process.
    pub async fn check(&self, bucket: &Bucket) -> Decision {
        if let Some(pool) = &self.redis {
            if self.micros() >= self.redis_off_until.load(Ordering::Relaxed) {
                match tokio::time::timeout(self.config.redis_timeout, self.check_redis(pool, bucket)).await {
                    Ok(Ok(d)) => return d,
                    Ok(Err(e)) => self.redis_failed(&e),
                    Err(_) => self.redis_failed("timed out"),
                }
            }
        }
        self.check_local(bucket)
    }

    fn redis_failed(&self, error: &str) {
        let now = self.micros();
        let backoff = u64::try_from(REDIS_BACKOFF.as_micros()).unwrap_or(u64::MAX);
        self.redis_off_until.store(now.saturating_add(backoff), Ordering::Relaxed);
        let last = self.last_error_log.load(Ordering::Relaxed);
        let every = u64::try_from(ERROR_LOG_EVERY.as_micros()).unwrap_or(u64::MAX);
        if (last == 0 || now.saturating_sub(last) >= every)
            && self.last_error_log.compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            tracing::error!(error, "rate limiter: Redis failed; limiting in process");
        }
    }

    async fn check_redis(&self, pool: &deadpool_redis::Pool, bucket: &Bucket) -> Result<Decision, String> {
        let mut conn = pool.get().await.map_err(|e| e.to_string())?;
        let interval = 60_000_000 / u64::from(bucket.per_minute.max(1));
        let (allowed, remaining, reset_us, retry_us): (i64, i64, i64, i64) = redis::cmd("EVAL")
            .arg(GCRA)
            .arg(1)
            .arg(format!("{}{}", self.config.key_prefix, bucket.key))
            .arg(interval)
            .arg(bucket.per_minute)
            .query_async(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Decision {
            allowed: allowed == 1,
            limit: bucket.per_minute,
            remaining: u32::try_from(remaining.max(0)).unwrap_or(0),
            reset_secs: ceil_secs(reset_us),
            retry_after_secs: if allowed == 1 { 0 } else { ceil_secs(retry_us).max(1) },
        })
    }

    fn check_local(&self, bucket: &Bucket) -> Decision {
        let per_minute = NonZeroU32::new(bucket.per_minute).unwrap_or(NonZeroU32::MIN);
        let limiter = {
            let mut map = self.local.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            map.entry(per_minute.get())
                .or_insert_with(|| {
                    Arc::new(
                        RateLimiter::keyed(Quota::per_minute(per_minute))
                            .with_middleware::<StateInformationMiddleware>(),
                    )
                })
                .clone()
        };
        // Forget idle buckets now and then so the map does not grow without bound.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 10_000 == 9_999 {
            limiter.retain_recent();
        }
        let interval_us = 60_000_000 / u64::from(per_minute.get());
        match limiter.check_key(&bucket.key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let used = u64::from(per_minute.get().saturating_sub(remaining));
                Decision {
                    allowed: true,
                    limit: per_minute.get(),
                    remaining,
                    reset_secs: ceil_secs(i64::try_from(used * interval_us).unwrap_or(i64::MAX)),
                    retry_after_secs: 0,
                }
            }
            Err(not_until) => {
                use governor::clock::Clock;
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Decision {
                    allowed: false,
                    limit: per_minute.get(),
                    remaining: 0,
                    reset_secs: 60,
                    retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
                }
            }
        }
    }
}

fn ceil_secs(micros: i64) -> u64 {
    u64::try_from(micros.max(0)).unwrap_or(0).div_ceil(1_000_000)
}

/// The bucket for a caller: an API key's or a person's own (at their
/// tenant's plan rate), else the client IP's.
pub fn bucket_for(config: &RateLimitConfig, actor: Option<&Actor>, plan: Option<Plan>, ip: &str) -> Bucket {
    match actor {
        Some(a) => {
            let per_minute = match (a.tenant_id, plan) {
                (Some(_), Some(plan)) => config.per_minute(plan),
                // Platform staff name no tenant.
                _ => config.per_minute(Plan::Enterprise),
            };
            let key = match (a.api_key_id, a.tenant_id) {
                (Some(k), _) => format!("key:{k}"),
                (None, Some(t)) => format!("user:{t}:{}", a.user_id),
                (None, None) => format!("platform:{}", a.user_id),
            };
            Bucket { key, per_minute }
        }
        None => Bucket { key: format!("ip:{ip}"), per_minute: config.anonymous_per_minute },
    }
}

/// Who is calling, as far as the limiter cares. Failures are not errors
/// here: the handler's extractors report them; the caller is just anonymous.
async fn caller(req: &HttpRequest, app: &App) -> (Option<Actor>, Option<Plan>) {
    let tenant = match named_tenant(req, &app.config.base_domain) {
        Ok(Some(slug)) => app.resolve_tenant(&slug).await.ok(),
        _ => None,
    };
    if let Some(t) = &tenant {
        let id = t.id;
        remember(req, |f| f.tenant_id = Some(id));
    }
    let plan = tenant.as_ref().and_then(|t| Plan::parse(&t.plan));
    let actor = match bearer_token(req) {
        Ok(Some(token)) => app.authenticate(&token, tenant.as_ref().map(|t| t.id)).await.ok(),
        _ => None,
    };
    if let Some(a) = &actor {
        let a = a.clone();
        remember(req, |f| f.actor = Some(a));
    }
    (actor, plan)
}

/// Paths never limited: probes, and Stripe's signed deliveries (Stripe
/// retries, but a dropped payment event is worse than a busy endpoint).
fn exempt(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/webhooks/stripe")
}

fn set_headers(headers: &mut actix_web::http::header::HeaderMap, d: &Decision) {
    let pairs = [
        ("ratelimit-limit", u64::from(d.limit)),
        ("ratelimit-remaining", u64::from(d.remaining)),
        ("ratelimit-reset", d.reset_secs),
    ];
    for (name, value) in pairs {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
}

pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let limiter = req.app_data::<web::Data<Limiter>>().cloned();
    let app = req.app_data::<web::Data<App>>().cloned();
    let (Some(limiter), Some(app)) = (limiter, app) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    if !limiter.enabled() || exempt(req.path()) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let (actor, plan) = caller(req.request(), &app).await;
    let ip = client_ip(req.request(), app.config.trust_forwarded_for).unwrap_or_default();
    let bucket = bucket_for(&limiter.config, actor.as_ref(), plan, &ip);
    let decision = limiter.check(&bucket).await;
    if !decision.allowed {
        let err = ApiError(
            Error::new(
                ErrorKind::TooManyRequests,
                "rate_limited",
                format!("rate limit of {} requests per minute exceeded", decision.limit),
            )
            .with_extra(serde_json::json!({ "retry_after": decision.retry_after_secs })),
        );
        let mut res: HttpResponse = err.error_response();
        set_headers(res.headers_mut(), &decision);
        res.headers_mut().insert(actix_web::http::header::RETRY_AFTER, HeaderValue::from(decision.retry_after_secs));
        return Ok(req.into_response(res).map_into_right_body());
    }
    let mut res = next.call(req).await?;
    set_headers(res.headers_mut(), &decision);
    Ok(res.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> RateLimitConfig {
        RateLimitConfig { enabled: true, anonymous_per_minute: 3, ..RateLimitConfig::default() }
    }

    #[tokio::test]
    async fn in_process_buckets_count_down_and_refuse_with_a_retry_time() {
        let l = Limiter::new(config(), None);
        let b = Bucket { key: "ip:1".into(), per_minute: 3 };
        let seen: Vec<Decision> = futures_util::future::join_all((0..4).map(|_| l.check(&b))).await;
        assert_eq!(seen.iter().map(|d| d.remaining).collect::<Vec<_>>(), [2, 1, 0, 0]);
        assert!(seen[..3].iter().all(|d| d.allowed && d.retry_after_secs == 0));
        assert!(!seen[3].allowed);
        // One request per 20 s refills.
        assert!((1..=20).contains(&seen[3].retry_after_secs), "{:?}", seen[3]);
        // Another key has its own bucket.
        assert!(l.check(&Bucket { key: "ip:2".into(), per_minute: 3 }).await.allowed);
    }

    #[test]
    fn buckets_are_per_key_per_user_per_ip() {
        let c = config();
        let (t, u, k) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let person = Actor::person(u, Some(t), taquilla_core::Role::Attendee);
        let b = bucket_for(&c, Some(&person), Some(Plan::Free), "1.2.3.4");
        assert_eq!(b, Bucket { key: format!("user:{t}:{u}"), per_minute: c.free_per_minute });
        let key = Actor { api_key_id: Some(k), ..person.clone() };
        assert_eq!(bucket_for(&c, Some(&key), Some(Plan::Enterprise), "1.2.3.4").key, format!("key:{k}"));
        assert_eq!(
            bucket_for(&c, None, Some(Plan::Free), "1.2.3.4"),
            Bucket { key: "ip:1.2.3.4".into(), per_minute: 3 }
        );
    }
}

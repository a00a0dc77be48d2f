//! A read-through cache in Redis for answers that are expensive to compute
//! and cheap to invalidate wholesale (event listings and searches).
//!
//! Entries live in *namespaces* (one per tenant and purpose). Each
//! namespace has a version key; every write to the underlying data bumps it
//! (`INCR`), which retires every entry of the namespace at once. An entry
//! records the version it was computed under and is served only while that
//! is still the namespace's version, so:
//!
//! - a reader takes the version *before* it reads the database; an answer
//!   computed from data a writer changed meanwhile is tagged with the old
//!   version and never served;
//! - a version key that Redis lost (restart, eviction, or its own expiry a
//!   day after it was last seeded or bumped) is re-seeded with a
//!   random number far from any earlier one, so an old entry cannot match it
//!   by accident;
//! - a bump that fails (Redis unreachable) is remembered in process and
//!   retried before this process reads the cache again; until it succeeds
//!   the process does not use the cache. Other processes may serve entries
//!   older than that write for at most the entry TTL.
//!
//! Redis is optional and may fail at any time: every operation has a short
//! timeout, a failure opens a circuit breaker for `retry_after` (requests
//! skip Redis instead of each waiting for the timeout), and errors are
//! logged at most once per `log_every`. No method returns an error: a cache
//! that cannot answer says [`Lookup::Bypass`] and the caller computes.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use deadpool_redis::redis::aio::MultiplexedConnection;
use deadpool_redis::redis::{self, FromRedisValue};
use deadpool_redis::{Pool, PoolConfig, Runtime, Timeouts};

/// How to reach Redis and how patient to be with it.
#[derive(Clone, Debug)]
pub struct CacheConfig {
    /// `redis://[user:password@]host:port[/db]`.
    pub url: String,
    /// Prefix of every key this cache writes.
    pub prefix: String,
    /// Lifetime of an entry; also bounds how stale another process's view
    /// can be after a bump that could not reach Redis.
    pub ttl: Duration,
    /// Limit for one operation, connection checkout included.
    pub timeout: Duration,
    /// After a failure, Redis is left alone this long.
    pub retry_after: Duration,
    /// At most one error line per this interval (the rest are counted).
    pub log_every: Duration,
    /// Connections the pool may be opening at once (see [`Cache`]).
    pub pool_size: usize,
    /// Larger values are not stored.
    pub max_value_bytes: usize,
}

impl CacheConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            prefix: "taquilla:".into(),
            ttl: Duration::from_secs(300),
            timeout: Duration::from_millis(250),
            retry_after: Duration::from_secs(1),
            log_every: Duration::from_secs(10),
            pool_size: 16,
            max_value_bytes: 1024 * 1024,
        }
    }
}

#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// The namespace version an answer is computed under (see [`Cache::store`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version(i64);

/// What the cache knows about a key.
#[derive(Debug)]
pub enum Lookup {
    /// The stored answer, current (and the version, to replace an answer
    /// the caller cannot read).
    Hit(Vec<u8>, Version),
    /// Nothing current: compute, then [`Cache::store`] with this version.
    Miss(Version),
    /// The cache cannot be used now: compute and do not store.
    Bypass,
}

/// Counters since the cache was made (tests and metrics).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    /// Lookups answered `Bypass` (Redis down, breaker open, bump pending).
    pub bypassed: u64,
    pub stores: u64,
    pub bumps: u64,
    /// Failed Redis operations (timeouts included).
    pub errors: u64,
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    bypassed: AtomicU64,
    stores: AtomicU64,
    bumps: AtomicU64,
    errors: AtomicU64,
}

fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// Connections come from a deadpool-redis pool (URL, create timeout), but
/// one is kept out of it and shared: a multiplexed connection pipelines
/// concurrent requests on one socket, and a pooled checkout would cost a
/// PING round trip each (the pool's recycle check). A connection that fails
/// is dropped and the next operation opens another.
pub struct Cache {
    pool: Pool,
    shared: Mutex<Option<MultiplexedConnection>>,
    cfg: CacheConfig,
    /// The breaker: Redis is not asked before this instant.
    open_until: Mutex<Option<Instant>>,
    /// Namespaces whose bump did not reach Redis.
    pending: Mutex<HashSet<String>>,
    last_log: Mutex<Option<Instant>>,
    suppressed: AtomicU64,
    counters: Counters,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("prefix", &self.cfg.prefix).field("stats", &self.stats()).finish()
    }
}

/// Entries are the version (8 bytes, big-endian) followed by the value.
fn encode(v: Version, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + value.len());
    out.extend_from_slice(&v.0.to_be_bytes());
    out.extend_from_slice(value);
    out
}

fn decode(entry: Vec<u8>, current: Version) -> Option<Vec<u8>> {
    let tag: [u8; 8] = entry.get(..8)?.try_into().ok()?;
    (i64::from_be_bytes(tag) == current.0).then(|| entry[8..].to_vec())
}

/// Version keys expire this long after their last bump (or seeding), so
/// idle namespaces leave nothing behind; a lost version is re-seeded safely.
const VERSION_TTL_MS: u64 = 24 * 3600 * 1000;

/// A fresh version for a namespace whose version key is missing: random and
/// far above 0, so it lands nowhere near any version used before.
fn seed() -> i64 {
    rand::random_range((1i64 << 40)..(1i64 << 52))
}

impl Cache {
    /// Builds the pool. Connects lazily: a Redis that is down now is
    /// bypassed until it answers.
    pub fn new(cfg: CacheConfig) -> Result<Self, Error> {
        let mut pool_cfg = PoolConfig::new(cfg.pool_size.max(1));
        pool_cfg.timeouts = Timeouts { wait: Some(cfg.timeout), create: Some(cfg.timeout), recycle: Some(cfg.timeout) };
        let mut rc = deadpool_redis::Config::from_url(cfg.url.clone());
        rc.pool = Some(pool_cfg);
        let pool = rc.create_pool(Some(Runtime::Tokio1)).map_err(|e| Error(format!("Redis pool: {e}")))?;
        Ok(Self {
            pool,
            shared: Mutex::new(None),
            cfg,
            open_until: Mutex::new(None),
            pending: Mutex::new(HashSet::new()),
            last_log: Mutex::new(None),
            suppressed: AtomicU64::new(0),
            counters: Counters::default(),
        })
    }

    pub fn config(&self) -> &CacheConfig {
        &self.cfg
    }

    pub fn stats(&self) -> CacheStats {
        let c = &self.counters;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CacheStats {
            hits: l(&c.hits),
            misses: l(&c.misses),
            bypassed: l(&c.bypassed),
            stores: l(&c.stores),
            bumps: l(&c.bumps),
            errors: l(&c.errors),
        }
    }

    fn version_key(&self, ns: &str) -> String {
        format!("{}{ns}:v", self.cfg.prefix)
    }

    fn entry_key(&self, ns: &str, key: &str) -> String {
        format!("{}{ns}:e:{key}", self.cfg.prefix)
    }

    /// The current entry for `key` in `ns`, or what to do without one.
    pub async fn lookup(&self, ns: &str, key: &str) -> Lookup {
        if !self.usable().await {
            inc(&self.counters.bypassed);
            return Lookup::Bypass;
        }
        let vkey = self.version_key(ns);
        let mut p = redis::pipe();
        p.cmd("GET").arg(&vkey).cmd("GET").arg(self.entry_key(ns, key));
        let (version, entry): (Option<i64>, Option<Vec<u8>>) = match self.exec(&p).await {
            Ok(r) => r,
            Err(_) => {
                inc(&self.counters.bypassed);
                return Lookup::Bypass;
            }
        };
        let version = match version {
            Some(v) => Version(v),
            None => {
                // First use, or Redis lost the key: seed it (unless another
                // process just did) and read back what won.
                let mut p = redis::pipe();
                p.cmd("SET").arg(&vkey).arg(seed()).arg("NX").arg("PX").arg(VERSION_TTL_MS).ignore();
                p.cmd("GET").arg(&vkey);
                match self.exec::<(i64,)>(&p).await {
                    Ok((v,)) => Version(v),
                    Err(_) => {
                        inc(&self.counters.bypassed);
                        return Lookup::Bypass;
                    }
                }
            }
        };
        match entry.and_then(|e| decode(e, version)) {
            Some(value) => {
                inc(&self.counters.hits);
                Lookup::Hit(value, version)
            }
            None => {
                inc(&self.counters.misses);
                Lookup::Miss(version)
            }
        }
    }

    /// Stores an answer computed after [`Cache::lookup`] returned `Miss(version)`.
    pub async fn store(&self, ns: &str, key: &str, version: Version, value: &[u8]) {
        if value.len() > self.cfg.max_value_bytes || self.breaker_open() {
            return;
        }
        let ttl_ms = u64::try_from(self.cfg.ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut p = redis::pipe();
        p.cmd("SET").arg(self.entry_key(ns, key)).arg(encode(version, value)).arg("PX").arg(ttl_ms).ignore();
        if self.exec::<()>(&p).await.is_ok() {
            inc(&self.counters.stores);
        }
    }

    /// Retires every entry of `ns`. Call after the change committed and
    /// before answering the request that made it.
    pub async fn bump(&self, ns: &str) {
        inc(&self.counters.bumps);
        let done = !self.breaker_open() && self.bump_all(&[ns]).await.is_ok();
        if !done {
            if let Ok(mut p) = self.pending.lock() {
                p.insert(ns.to_owned());
            }
        }
    }

    async fn bump_all(&self, namespaces: &[&str]) -> Result<(), Error> {
        let mut p = redis::pipe();
        for ns in namespaces {
            let vkey = self.version_key(ns);
            p.cmd("SET").arg(&vkey).arg(seed()).arg("NX").ignore().cmd("INCR").arg(&vkey).ignore();
            p.cmd("PEXPIRE").arg(&vkey).arg(VERSION_TTL_MS).ignore();
        }
        self.exec::<()>(&p).await
    }

    /// Whether lookups may use Redis: the breaker is closed and no bump is
    /// owed (owed bumps are retried first).
    async fn usable(&self) -> bool {
        if self.breaker_open() {
            return false;
        }
        let owed: Vec<String> = match self.pending.lock() {
            Ok(p) if p.is_empty() => return true,
            Ok(p) => p.iter().cloned().collect(),
            Err(_) => return false,
        };
        let refs: Vec<&str> = owed.iter().map(String::as_str).collect();
        if self.bump_all(&refs).await.is_err() {
            return false;
        }
        if let Ok(mut p) = self.pending.lock() {
            for ns in &owed {
                p.remove(ns);
            }
        }
        true
    }

    fn breaker_open(&self) -> bool {
        match self.open_until.lock() {
            Ok(mut g) => match *g {
                Some(t) if Instant::now() < t => true,
                Some(_) => {
                    *g = None;
                    false
                }
                None => false,
            },
            Err(_) => true,
        }
    }

    /// Runs one pipeline within the timeout; a failure opens the breaker.
    async fn exec<T: FromRedisValue>(&self, p: &redis::Pipeline) -> Result<T, Error> {
        let r = tokio::time::timeout(self.cfg.timeout, async {
            let mut conn = self.connection().await?;
            p.query_async::<T>(&mut conn).await.map_err(|e| Error(format!("Redis: {e}")))
        })
        .await
        .unwrap_or_else(|_| Err(Error(format!("Redis did not answer within {} ms", self.cfg.timeout.as_millis()))));
        if let Err(e) = &r {
            if let Ok(mut g) = self.shared.lock() {
                *g = None;
            }
            self.failed(e);
        }
        r
    }

    async fn connection(&self) -> Result<MultiplexedConnection, Error> {
        if let Some(c) = self.shared.lock().ok().and_then(|g| g.clone()) {
            return Ok(c);
        }
        let obj = self.pool.get().await.map_err(|e| Error(format!("Redis connection: {e}")))?;
        let conn = deadpool_redis::Connection::take(obj);
        if let Ok(mut g) = self.shared.lock() {
            *g = Some(conn.clone());
        }
        Ok(conn)
    }

    fn failed(&self, e: &Error) {
        inc(&self.counters.errors);
        if let Ok(mut g) = self.open_until.lock() {
            *g = Some(Instant::now() + self.cfg.retry_after);
        }
        let now = Instant::now();
        let due = match self.last_log.lock() {
            Ok(mut last) => {
                let due = last.is_none_or(|t| now.duration_since(t) >= self.cfg.log_every);
                if due {
                    *last = Some(now);
                }
                due
            }
            Err(_) => false,
        };
        if due {
            let suppressed = self.suppressed.swap(0, Ordering::Relaxed);
            tracing::error!(error = %e, suppressed, "cache unavailable; answering from the database");
        } else {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_carry_their_version() {
        let e = encode(Version(42), b"page");
        assert_eq!(decode(e.clone(), Version(42)), Some(b"page".to_vec()));
        assert_eq!(decode(e, Version(43)), None);
        assert_eq!(decode(vec![1, 2], Version(42)), None);
    }

    #[test]
    fn seeds_are_far_from_small_counters() {
        for _ in 0..100 {
            let s = seed();
            assert!((1 << 40..1 << 52).contains(&s));
        }
    }

    #[tokio::test]
    async fn a_dead_redis_is_bypassed_quickly_and_bumps_are_owed() {
        // Nothing listens on port 1: every operation fails at once.
        let mut cfg = CacheConfig::new("redis://127.0.0.1:1");
        cfg.timeout = Duration::from_millis(200);
        let cache = Cache::new(cfg).unwrap();
        let start = Instant::now();
        assert!(matches!(cache.lookup("t", "k").await, Lookup::Bypass));
        // The breaker is open now: no second attempt.
        assert!(matches!(cache.lookup("t", "k").await, Lookup::Bypass));
        cache.bump("t").await;
        assert!(start.elapsed() < Duration::from_secs(1));
        let s = cache.stats();
        assert_eq!((s.bypassed, s.errors, s.bumps), (2, 1, 1));
        assert!(cache.pending.lock().unwrap().contains("t"));
    }
}

use std::time::Duration;

use secrecy::SecretString;

/// Runtime settings. Built by the binary from `TAQUILLA_*` variables (see
/// `apps/server`), and by tests directly.
#[derive(Clone, Debug)]
pub struct Config {
    /// HMAC key for access tokens.
    pub jwt_secret: SecretString,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Requests to `<slug>.<base_domain>` resolve the tenant from the host.
    pub base_domain: String,
    /// Largest accepted JSON body, in bytes.
    pub max_body_bytes: usize,
    /// Largest accepted bulk import body (`POST /bulk/events`), in bytes.
    pub bulk_max_body_bytes: usize,
    /// Trust `X-Forwarded-For` for the client IP (only behind a proxy you run).
    pub trust_forwarded_for: bool,
    /// How long a resolved tenant is reused before it is read again. Changes
    /// made through this process apply at once; other instances see them
    /// within this time. Zero disables the cache.
    pub tenant_cache_ttl: Duration,
    /// Limits of the GraphQL endpoint.
    pub graphql: GraphqlConfig,
    /// Card payments; `None` offers only free and manual payment.
    pub stripe: Option<taquilla_payments::StripeConfig>,
    /// Outgoing webhooks: URL policy, timeout, retry schedule.
    pub webhooks: crate::webhooks::WebhooksConfig,
    /// E-mail and SMS: transports, retry schedule, worker pace.
    pub notifications: crate::notifications::NotificationsConfig,
    /// Request rates per caller.
    pub rate_limit: RateLimitConfig,
    /// Shared state across instances (rate-limit buckets); `None` keeps it in process.
    pub redis_url: Option<String>,
    /// The built web app (`apps/web/dist`); `None` serves the APIs only.
    pub web_dir: Option<std::path::PathBuf>,
}

/// Requests per minute, per bucket: each API key and each person gets their
/// tenant's plan rate; anonymous callers (and bad credentials) share one
/// bucket per client IP. Bursts up to the whole minute's allowance.
#[derive(Clone, Debug)]
pub struct RateLimitConfig {
    pub enabled: bool,
    pub anonymous_per_minute: u32,
    pub free_per_minute: u32,
    pub standard_per_minute: u32,
    pub enterprise_per_minute: u32,
    /// Longest wait for Redis before a request is limited in process instead.
    pub redis_timeout: Duration,
    /// Prefix of the buckets' Redis keys (deployments sharing a Redis keep apart).
    pub key_prefix: String,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            anonymous_per_minute: 300,
            free_per_minute: 600,
            standard_per_minute: 3_000,
            enterprise_per_minute: 30_000,
            redis_timeout: Duration::from_millis(100),
            key_prefix: "taquilla:rl:".into(),
        }
    }
}

impl RateLimitConfig {
    pub fn per_minute(&self, plan: taquilla_core::status::Plan) -> u32 {
        use taquilla_core::status::Plan;
        match plan {
            Plan::Free => self.free_per_minute,
            Plan::Standard => self.standard_per_minute,
            Plan::Enterprise => self.enterprise_per_minute,
        }
    }
}

/// What one GraphQL request may ask for. Over-limit requests get an error
/// naming the limit, never a crash or a slow death.
#[derive(Clone, Debug)]
pub struct GraphqlConfig {
    /// Whether `__schema` / `__type` introspection is answered.
    pub introspection: bool,
    /// Deepest selection-set nesting accepted.
    pub max_depth: usize,
    /// Largest static complexity accepted (lists count by their `first`).
    pub max_complexity: usize,
    /// Largest request body, in bytes.
    pub max_query_bytes: usize,
    /// Wall-clock limit of one request's execution.
    pub timeout: Duration,
}

impl Default for GraphqlConfig {
    fn default() -> Self {
        Self {
            introspection: true,
            max_depth: 15,
            max_complexity: 5_000,
            max_query_bytes: 64 * 1024,
            timeout: Duration::from_secs(10),
        }
    }
}

impl Config {
    pub fn for_tests(jwt_secret: &str) -> Self {
        Self {
            jwt_secret: SecretString::from(jwt_secret.to_owned()),
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            base_domain: "localhost".into(),
            max_body_bytes: 64 * 1024,
            bulk_max_body_bytes: 16 * 1024 * 1024,
            trust_forwarded_for: false,
            tenant_cache_ttl: Duration::from_secs(1),
            graphql: GraphqlConfig::default(),
            stripe: None,
            webhooks: crate::webhooks::WebhooksConfig::default(),
            notifications: crate::notifications::NotificationsConfig::default(),
            // Most tests fire bursts from one address; the limiter's own tests turn it on.
            rate_limit: RateLimitConfig { enabled: false, ..RateLimitConfig::default() },
            redis_url: None,
            web_dir: None,
        }
    }
}

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
    /// Trust `X-Forwarded-For` for the client IP (only behind a proxy you run).
    pub trust_forwarded_for: bool,
    /// How long a resolved tenant is reused before it is read again. Changes
    /// made through this process apply at once; other instances see them
    /// within this time. Zero disables the cache.
    pub tenant_cache_ttl: Duration,
}

impl Config {
    pub fn for_tests(jwt_secret: &str) -> Self {
        Self {
            jwt_secret: SecretString::from(jwt_secret.to_owned()),
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            base_domain: "localhost".into(),
            max_body_bytes: 64 * 1024,
            trust_forwarded_for: false,
            tenant_cache_ttl: Duration::from_secs(1),
        }
    }
}

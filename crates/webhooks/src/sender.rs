//! One HTTP attempt: POST the signed body, never follow a redirect, read
//! at most a little of the answer, and report what happened.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::ssrf::{SafeResolver, UrlPolicy};

/// How much of a response body is kept with the attempt.
pub const KEPT_BODY_BYTES: usize = 1024;

#[derive(Debug, Clone)]
pub struct SenderConfig {
    pub policy: UrlPolicy,
    /// The whole attempt: connect, send, first bytes of the answer.
    pub timeout: Duration,
}

impl Default for SenderConfig {
    fn default() -> Self {
        Self { policy: UrlPolicy::default(), timeout: Duration::from_secs(15) }
    }
}

#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    policy: UrlPolicy,
}

/// What one attempt produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The response status, if one arrived.
    pub status: Option<u16>,
    pub elapsed_ms: i64,
    /// The first KiB of the response body (lossy UTF-8).
    pub body: String,
    /// Why no 2xx arrived, when it did not.
    pub error: Option<String>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        matches!(self.status, Some(200..=299))
    }
}

/// The Standard Webhooks headers of one attempt.
#[derive(Debug, Clone)]
pub struct Signed<'a> {
    pub msg_id: &'a str,
    pub timestamp: i64,
    pub signature: String,
    /// The outbox sequence, so a receiver can order what it got.
    pub sequence: i64,
}

impl Sender {
    pub fn new(cfg: &SenderConfig) -> Result<Self, String> {
        // reqwest is built without a TLS provider of its own: the process
        // uses rustls on aws-lc-rs (one stack; two providers make rustls panic).
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        }
        let client = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(SafeResolver(cfg.policy)))
            .user_agent(concat!("Taquilla-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { client, policy: cfg.policy })
    }

    pub fn policy(&self) -> UrlPolicy {
        self.policy
    }

    pub async fn send(&self, url: &str, signed: &Signed<'_>, body: Vec<u8>) -> Outcome {
        let started = Instant::now();
        let elapsed = |s: Instant| i64::try_from(s.elapsed().as_millis()).unwrap_or(i64::MAX);
        // A literal IP never reaches the resolver: check it here. Names are
        // checked by the resolver on the way to the connection.
        let url = match self.policy.parse(url) {
            Ok(u) => u,
            Err(e) => return failed(elapsed(started), e.to_string()),
        };
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(ip) = literal {
            if let Err(e) = self.policy.allow(ip) {
                return failed(elapsed(started), e.to_string());
            }
        }
        let res = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", signed.msg_id)
            .header("webhook-timestamp", signed.timestamp.to_string())
            .header("webhook-signature", &signed.signature)
            .header("webhook-sequence", signed.sequence.to_string())
            .body(body)
            .send()
            .await;
        let res = match res {
            Ok(r) => r,
            Err(e) => return failed(elapsed(started), describe(&e)),
        };
        let status = res.status().as_u16();
        let (body, read_error) = read_prefix(res).await;
        let error = if (200..300).contains(&status) {
            None
        } else if (300..400).contains(&status) {
            Some(format!("HTTP {status}: redirects are not followed"))
        } else {
            Some(format!("HTTP {status}"))
        };
        Outcome { status: Some(status), elapsed_ms: elapsed(started), body, error: error.or(read_error) }
    }
}

fn failed(elapsed_ms: i64, error: String) -> Outcome {
    Outcome { status: None, elapsed_ms, body: String::new(), error: Some(error) }
}

/// The error chain in one line (reqwest hides the cause, e.g. the resolver's
/// refusal, one level down).
fn describe(e: &reqwest::Error) -> String {
    let mut s = if e.is_timeout() { "timed out".to_owned() } else { e.to_string() };
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// Reads until a KiB is kept, then stops: a huge or endless answer costs
/// nothing more.
async fn read_prefix(mut res: reqwest::Response) -> (String, Option<String>) {
    let mut kept = Vec::with_capacity(KEPT_BODY_BYTES);
    let mut error = None;
    while kept.len() < KEPT_BODY_BYTES {
        match res.chunk().await {
            Ok(Some(chunk)) => {
                let room = KEPT_BODY_BYTES - kept.len();
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) => break,
            Err(e) => {
                error = Some(describe(&e));
                break;
            }
        }
    }
    let mut text = String::from_utf8_lossy(&kept).into_owned();
    // A cut through a multi-byte character shows as U+FFFD; keep it short.
    while text.len() > KEPT_BODY_BYTES {
        text.pop();
    }
    (text, error)
}

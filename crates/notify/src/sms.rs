//! SMS through a Twilio-compatible REST API: `POST
//! {base}/2010-04-01/Accounts/{sid}/Messages.json` with HTTP basic auth
//! (account SID, auth token) and the form fields `To`, `From`, `Body`.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::SendFailure;

#[derive(Debug, Clone)]
pub struct SmsConfig {
    /// `https://api.twilio.com` unless pointed elsewhere (a compatible
    /// provider, or a local stand-in in tests).
    pub api_base: String,
    pub account_sid: String,
    pub auth_token: SecretString,
    /// The sending number (E.164) or alphanumeric sender id.
    pub from: String,
    pub timeout: Duration,
}

pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";

#[derive(Clone)]
pub struct SmsSender {
    http: reqwest::Client,
    url: String,
    config: SmsConfig,
}

impl std::fmt::Debug for SmsSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsSender").field("url", &self.url).finish_non_exhaustive()
    }
}

/// The longest text sent: ten concatenated segments.
pub const MAX_BODY_CHARS: usize = 1530;

impl SmsSender {
    pub fn new(config: SmsConfig) -> Result<Self, String> {
        let base = url::Url::parse(&config.api_base).map_err(|e| format!("TWILIO_API_BASE: {e}"))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err("TWILIO_API_BASE must be an http(s) URL".into());
        }
        if config.account_sid.is_empty() || !config.account_sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err("TWILIO_ACCOUNT_SID must be letters and digits".into());
        }
        if config.from.trim().is_empty() {
            return Err("TWILIO_FROM is empty".into());
        }
        // reqwest is built without a TLS provider of its own: the process
        // uses rustls on aws-lc-rs (as the webhook sender does).
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("SMS HTTP client: {e}"))?;
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            config.api_base.trim_end_matches('/'),
            config.account_sid
        );
        Ok(Self { http, url, config })
    }

    /// Sends one text; returns the provider's message id (`sid`).
    pub async fn send(&self, to: &str, body: &str) -> Result<String, SendFailure> {
        let body: String = body.chars().take(MAX_BODY_CHARS).collect();
        let res = self
            .http
            .post(&self.url)
            .basic_auth(&self.config.account_sid, Some(self.config.auth_token.expose_secret()))
            .form(&[("To", to), ("From", self.config.from.as_str()), ("Body", body.as_str())])
            .send()
            .await
            .map_err(|e| SendFailure::transient(format!("SMS provider unreachable: {e}")))?;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        if status.is_success() {
            return Ok(json.get("sid").and_then(|s| s.as_str()).unwrap_or_default().to_owned());
        }
        let detail = json
            .get("message")
            .and_then(|m| m.as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| text.chars().take(200).collect());
        let message = format!("SMS provider answered {}: {detail}", status.as_u16());
        // Throttling and the provider's own trouble pass; a refusal of this
        // message (bad number, unauthorized…) does not.
        if status.as_u16() == 429 || status.is_server_error() {
            Err(SendFailure::transient(message))
        } else {
            Err(SendFailure::permanent(message))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config() -> SmsConfig {
        SmsConfig {
            api_base: "http://127.0.0.1:9/".into(),
            account_sid: "AC123".into(),
            auth_token: SecretString::from("tok".to_owned()),
            from: "+15005550006".into(),
            timeout: Duration::from_secs(1),
        }
    }

    #[tokio::test]
    async fn url_and_settings() {
        let s = SmsSender::new(config()).unwrap();
        assert_eq!(s.url, "http://127.0.0.1:9/2010-04-01/Accounts/AC123/Messages.json");
        assert!(SmsSender::new(SmsConfig { account_sid: "AC/../x".into(), ..config() }).is_err());
        assert!(SmsSender::new(SmsConfig { api_base: "ftp://x".into(), ..config() }).is_err());
        assert!(SmsSender::new(SmsConfig { from: " ".into(), ..config() }).is_err());
    }

    #[tokio::test]
    async fn an_unreachable_provider_is_transient() {
        let s = SmsSender::new(config()).unwrap();
        let e = s.send("+34600123456", "hi").await.err().unwrap();
        assert!(!e.permanent, "{e:?}");
    }
}

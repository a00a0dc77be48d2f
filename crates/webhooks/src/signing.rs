//! Endpoint secrets and the `webhook-signature` header.

use base64::Engine;
use rand::RngCore;

const PREFIX: &str = "whsec_";
/// Bytes of key material in a generated secret (the spec asks for 24–64).
const GENERATED_BYTES: usize = 32;

/// An endpoint's signing key. Its `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    pub fn generate() -> Self {
        let mut key = vec![0u8; GENERATED_BYTES];
        rand::rng().fill_bytes(&mut key);
        Secret(key)
    }

    /// `whsec_<base64>` with 24 to 64 bytes of key.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let b64 = s.strip_prefix(PREFIX).ok_or("a secret starts with whsec_")?;
        let key = base64::engine::general_purpose::STANDARD.decode(b64).map_err(|_| "not base64 after whsec_")?;
        if !(24..=64).contains(&key.len()) {
            return Err("a secret holds 24 to 64 bytes");
        }
        Ok(Secret(key))
    }

    /// The form shown to the tenant once and stored for signing.
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

/// The `webhook-signature` value: one `v1,<base64>` per active secret,
/// space-separated, so a receiver holding either the new or the old secret
/// during a rotation accepts the message.
pub fn signature_header(msg_id: &str, timestamp: i64, body: &[u8], secrets: &[Secret]) -> Result<String, String> {
    let mut parts = Vec::with_capacity(secrets.len());
    for s in secrets {
        let wh = standardwebhooks::Webhook::from_bytes(s.0.clone()).map_err(|e| e.to_string())?;
        parts.push(wh.sign(msg_id, timestamp, body).map_err(|e| e.to_string())?);
    }
    Ok(parts.join(" "))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_and_reject_junk() {
        let s = Secret::generate();
        let shown = s.expose();
        assert!(shown.starts_with("whsec_"));
        assert_eq!(Secret::parse(&shown).unwrap(), s);
        assert!(Secret::parse("whsec_c2hvcnQ=").is_err(), "too short");
        assert!(Secret::parse("sk_abc").is_err());
        assert!(Secret::parse("whsec_!!!").is_err());
        assert_eq!(format!("{s:?}"), "Secret(…)");
    }

    #[test]
    fn signs_with_every_secret_and_the_reference_verifier_accepts_each() {
        let (a, b) = (Secret::generate(), Secret::generate());
        let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let body = br#"{"type":"order.paid","timestamp":"2026-01-01T00:00:00Z","data":{}}"#;
        let header = signature_header("msg_1", ts, body, &[a.clone(), b.clone()]).unwrap();
        assert_eq!(header.split(' ').count(), 2);
        for s in [a, b] {
            let mut h = http::HeaderMap::new();
            h.insert("webhook-id", "msg_1".parse().unwrap());
            h.insert("webhook-timestamp", ts.to_string().parse().unwrap());
            h.insert("webhook-signature", header.parse().unwrap());
            standardwebhooks::Webhook::new(&s.expose()).unwrap().verify(body, &h).unwrap();
        }
        let mut h = http::HeaderMap::new();
        h.insert("webhook-id", "msg_2".parse().unwrap());
        h.insert("webhook-timestamp", ts.to_string().parse().unwrap());
        h.insert("webhook-signature", header.parse().unwrap());
        assert!(standardwebhooks::Webhook::new(&Secret::generate().expose()).unwrap().verify(body, &h).is_err());
    }
}

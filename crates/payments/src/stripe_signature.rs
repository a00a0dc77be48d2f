//! Stripe's webhook signature scheme, exactly as Stripe documents it
//! ("Verify webhook signatures"): the `Stripe-Signature` header is
//! `t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=…][,v0=…]`; the signed payload
//! is `"{t}.{raw body}"` keyed with the endpoint secret (`whsec_…`, used as
//! is); any `v1` matching is enough (Stripe sends one per active secret
//! while a secret is being rolled); other schemes (`v0`) are ignored; the
//! timestamp must be within the tolerance of now, which defeats replays.
//!
//! Written here rather than taken from `async-stripe-webhook` because that
//! crate verifies and parses in one call into its typed `Event`, pinned to
//! one Stripe API version: an event from an account on a newer version
//! would be refused after its signature was found good. We check the
//! signature over the raw bytes and read only the fields we use.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use taquilla_core::{Error, Result};

/// Stripe's libraries default to five minutes.
pub const TOLERANCE_SECS: i64 = 300;

/// Checks `header` against `payload` with any of `secrets`, at `now` (unix
/// seconds). Errors are 400s with a stable code.
pub fn verify(payload: &[u8], header: Option<&str>, secrets: &[SecretString], now: i64) -> Result<()> {
    let header = header.ok_or_else(|| bad("missing_signature", "the Stripe-Signature header is missing"))?;
    let mut timestamp: Option<i64> = None;
    let mut candidates: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else { continue };
        match k {
            "t" => timestamp = v.parse().ok(),
            // A malformed candidate can't match; the others still may.
            "v1" => candidates.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let t = timestamp.ok_or_else(|| bad("invalid_signature", "the Stripe-Signature header has no timestamp"))?;
    if candidates.is_empty() {
        return Err(bad("invalid_signature", "the Stripe-Signature header has no v1 signature"));
    }
    let signed_ok = secrets.iter().any(|secret| {
        candidates.iter().any(|c| {
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) else {
                return false;
            };
            mac.update(t.to_string().as_bytes());
            mac.update(b".");
            mac.update(payload);
            // verify_slice compares in constant time.
            mac.verify_slice(c).is_ok()
        })
    });
    if !signed_ok {
        return Err(bad("invalid_signature", "no signature matches the payload"));
    }
    if (now - t).abs() > TOLERANCE_SECS {
        return Err(bad("signature_expired", "the signature's timestamp is outside the tolerance"));
    }
    Ok(())
}

/// The header Stripe would send for `payload` at `t` (tests, local tools).
pub fn sign(payload: &[u8], secret: &str, t: i64) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        // HMAC takes keys of any length.
        Err(_) => return format!("t={t}"),
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[track_caller]
fn bad(code: &'static str, message: &str) -> Error {
    Error::bad_request(code, message).with_field("Stripe-Signature")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const NOW: i64 = 1_700_000_000;

    fn secrets(s: &[&str]) -> Vec<SecretString> {
        s.iter().map(|s| SecretString::from(s.to_string())).collect()
    }

    /// Stripe's documented example, computed independently of `sign`.
    #[test]
    fn matches_an_independent_hmac() {
        let body = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(format!("{NOW}.").as_bytes());
        mac.update(body);
        let header = format!("t={NOW},v1={}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(header, sign(body, SECRET, NOW));
        verify(body, Some(&header), &secrets(&[SECRET]), NOW).unwrap();
    }

    #[test]
    fn refuses_tampering_other_secrets_old_timestamps_and_other_schemes() {
        let body = br#"{"id":"evt_1"}"#;
        let good = sign(body, SECRET, NOW);
        let code = |r: Result<()>| r.unwrap_err().code.to_string();
        assert_eq!(code(verify(br#"{"id":"evt_2"}"#, Some(&good), &secrets(&[SECRET]), NOW)), "invalid_signature");
        assert_eq!(code(verify(body, Some(&good), &secrets(&["whsec_other"]), NOW)), "invalid_signature");
        assert_eq!(code(verify(body, Some(&good), &secrets(&[SECRET]), NOW + 301)), "signature_expired");
        verify(body, Some(&good), &secrets(&[SECRET]), NOW + 300).unwrap();
        assert_eq!(code(verify(body, None, &secrets(&[SECRET]), NOW)), "missing_signature");
        assert_eq!(
            code(verify(body, Some(&good.replace("v1=", "v0=")), &secrets(&[SECRET]), NOW)),
            "invalid_signature"
        );
        assert_eq!(code(verify(body, Some("v1=00"), &secrets(&[SECRET]), NOW)), "invalid_signature");
        // The timestamp is part of what is signed.
        let moved = good.replace(&format!("t={NOW}"), &format!("t={}", NOW + 1));
        assert_eq!(code(verify(body, Some(&moved), &secrets(&[SECRET]), NOW)), "invalid_signature");
    }

    /// While a secret is rolled Stripe signs with both: any v1 may match,
    /// in any position, beside malformed ones.
    #[test]
    fn accepts_any_matching_v1_during_rotation() {
        let body = br#"{"id":"evt_1"}"#;
        let new = sign(body, "whsec_new", NOW);
        let old_sig = sign(body, SECRET, NOW).split_once(",v1=").unwrap().1.to_owned();
        let header = format!("{new},v1=nothex,v1={old_sig}");
        verify(body, Some(&header), &secrets(&[SECRET]), NOW).unwrap();
        verify(body, Some(&header), &secrets(&["whsec_new"]), NOW).unwrap();
        verify(body, Some(&header), &secrets(&["whsec_x", SECRET]), NOW).unwrap();
    }
}

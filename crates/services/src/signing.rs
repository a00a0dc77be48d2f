//! Ticket tokens: what a QR code holds. Each tenant has one active Ed25519
//! key (its `signing_keys` table), made on first use. A token is
//!
//! ```text
//! base64url_nopad( 0x01 || ticket id (16) || session id (16) || ticket version (u32 BE) || signature (64) )
//! ```
//!
//! where the signature covers the first 37 bytes. A scanner that has the
//! tenant's public key (`GET /api/v1/checkin/public-key`) verifies a token
//! offline; the server also checks the ticket's state when it checks it in.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey, PUBLIC_KEY_LENGTH, SECRET_KEY_LENGTH};
use rand::TryRngCore;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use serde::Serialize;
use taquilla_core::{Error, ErrorKind, Result};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::App;

/// The first byte of every token; a new layout gets a new number.
pub const TOKEN_FORMAT_VERSION: u8 = 1;
const PAYLOAD_LEN: usize = 1 + 16 + 16 + 4;
const TOKEN_LEN: usize = PAYLOAD_LEN + Signature::BYTE_SIZE;
/// Length of a token as text: base64url of 101 bytes, without padding.
pub const TOKEN_CHARS: usize = (TOKEN_LEN * 4).div_ceil(3);

pub const TOKEN_FORMAT: &str = "base64url without padding of 101 bytes: version byte 0x01, ticket id (16 bytes, \
                                UUID big-endian), session id (16 bytes), ticket version (u32 big-endian), then the \
                                64-byte Ed25519 signature of the first 37 bytes";

/// What a valid token says. The ticket's state still has to be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct TokenClaims {
    pub ticket_id: Uuid,
    pub session_id: Uuid,
    /// The ticket's version when the token was made; bumping it (transfer,
    /// reissue) retires every older QR.
    pub version: u32,
}

/// The tenant's public key, for scanners that verify tokens offline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicKeyView {
    /// Always `Ed25519`.
    pub algorithm: &'static str,
    /// The 32-byte public key, base64url without padding.
    pub public_key: String,
    /// How a token is laid out.
    pub token_format: &'static str,
}

/// Why a token was refused; the `reason` member of an `invalid_ticket` problem.
#[track_caller]
pub(crate) fn invalid_ticket(reason: &'static str, message: &str) -> Error {
    Error::new(ErrorKind::Validation, "invalid_ticket", format!("invalid ticket: {message}"))
        .with_field("token")
        .with_extra(serde_json::json!({ "reason": reason }))
}

fn payload(claims: &TokenClaims) -> [u8; PAYLOAD_LEN] {
    let mut p = [0u8; PAYLOAD_LEN];
    p[0] = TOKEN_FORMAT_VERSION;
    p[1..17].copy_from_slice(claims.ticket_id.as_bytes());
    p[17..33].copy_from_slice(claims.session_id.as_bytes());
    p[33..37].copy_from_slice(&claims.version.to_be_bytes());
    p
}

/// Signs the claims with `key`. Pure; [`App::ticket_token`] picks the tenant's key.
pub fn encode_token(key: &SigningKey, claims: &TokenClaims) -> String {
    let p = payload(claims);
    let sig = key.sign(&p);
    let mut bytes = [0u8; TOKEN_LEN];
    bytes[..PAYLOAD_LEN].copy_from_slice(&p);
    bytes[PAYLOAD_LEN..].copy_from_slice(&sig.to_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Checks a token against `key` and returns what it says. Every failure is
/// a 422 `invalid_ticket`.
pub fn decode_token(key: &VerifyingKey, token: &str) -> Result<TokenClaims> {
    let token = token.trim();
    if token.len() != TOKEN_CHARS {
        return Err(invalid_ticket("malformed", "not a ticket token"));
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid_ticket("malformed", "not a ticket token"))?;
    let (Some(p), Some(sig)) = (bytes.get(..PAYLOAD_LEN), bytes.get(PAYLOAD_LEN..)) else {
        return Err(invalid_ticket("malformed", "not a ticket token"));
    };
    if p[0] != TOKEN_FORMAT_VERSION {
        return Err(invalid_ticket("malformed", "unknown token format"));
    }
    let sig = Signature::from_slice(sig).map_err(|_| invalid_ticket("malformed", "not a ticket token"))?;
    // Strict: no malleable signatures, no weak keys.
    key.verify_strict(p, &sig).map_err(|_| invalid_ticket("bad_signature", "the signature does not verify"))?;
    let uuid_at = |at: usize| {
        let mut b = [0u8; 16];
        b.copy_from_slice(&p[at..at + 16]);
        Uuid::from_bytes(b)
    };
    let mut v = [0u8; 4];
    v.copy_from_slice(&p[33..37]);
    Ok(TokenClaims { ticket_id: uuid_at(1), session_id: uuid_at(17), version: u32::from_be_bytes(v) })
}

/// The tenants' signing keys, loaded once per process. A key never changes
/// while it is active, so entries need no expiry.
#[derive(Default)]
pub struct KeyCache {
    keys: RwLock<HashMap<Uuid, Arc<SigningKey>>>,
}

impl KeyCache {
    fn get(&self, tenant_id: Uuid) -> Option<Arc<SigningKey>> {
        // A poisoned lock only means a panic elsewhere; the map is still sound.
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        keys.get(&tenant_id).cloned()
    }

    fn put(&self, tenant_id: Uuid, key: SigningKey) -> Arc<SigningKey> {
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        keys.entry(tenant_id).or_insert_with(|| Arc::new(key)).clone()
    }
}

#[derive(FromQueryResult)]
struct KeyRow {
    public_key: Vec<u8>,
    secret_key: Vec<u8>,
}

impl KeyRow {
    fn into_key(self) -> Result<SigningKey> {
        let secret: [u8; SECRET_KEY_LENGTH] =
            self.secret_key.try_into().map_err(|_| Error::internal_msg("signing key has the wrong length"))?;
        let key = SigningKey::from_bytes(&secret);
        if key.verifying_key().as_bytes()[..] != self.public_key[..] {
            return Err(Error::internal_msg("signing key does not match its public key"));
        }
        Ok(key)
    }
}

const SELECT_ACTIVE: &str = "SELECT public_key, secret_key FROM signing_keys WHERE active";

impl App {
    /// The tenant's active signing key: from the cache, else from its table,
    /// else made now. Creation runs in its own committed transaction, so a
    /// cached key always exists in the database.
    pub async fn signing_key(&self, tenant_id: Uuid) -> Result<Arc<SigningKey>> {
        if let Some(k) = self.signing_keys.get(tenant_id) {
            return Ok(k);
        }
        let tx = self.store.tenant_tx(tenant_id).await?;
        let select = || Statement::from_string(DbBackend::Postgres, SELECT_ACTIVE);
        let row = match KeyRow::find_by_statement(select()).one(&*tx).await? {
            Some(row) => row,
            None => {
                let mut secret = [0u8; SECRET_KEY_LENGTH];
                rand::rngs::OsRng.try_fill_bytes(&mut secret).map_err(|e| Error::internal_msg(e.to_string()))?;
                let key = SigningKey::from_bytes(&secret);
                let public: [u8; PUBLIC_KEY_LENGTH] = key.verifying_key().to_bytes();
                // The partial unique index allows one active key: a racing
                // creator makes this a no-op, and the re-read finds its key.
                tx.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "INSERT INTO signing_keys (id, public_key, secret_key) VALUES ($1, $2, $3) \
                     ON CONFLICT (active) WHERE active DO NOTHING",
                    [Uuid::now_v7().into(), public.to_vec().into(), secret.to_vec().into()],
                ))
                .await?;
                KeyRow::find_by_statement(select())
                    .one(&*tx)
                    .await?
                    .ok_or_else(|| Error::internal_msg("no active signing key after insert"))?
            }
        };
        tx.commit().await?;
        Ok(self.signing_keys.put(tenant_id, row.into_key()?))
    }

    /// The QR token of a ticket, signed with the tenant's key.
    pub async fn ticket_token(
        &self,
        tenant_id: Uuid,
        ticket_id: Uuid,
        session_id: Uuid,
        version: u32,
    ) -> Result<String> {
        let key = self.signing_key(tenant_id).await?;
        Ok(encode_token(&key, &TokenClaims { ticket_id, session_id, version }))
    }

    /// Verifies a token against the tenant's key. A malformed, altered or
    /// foreign (other tenant's) token is a 422 `invalid_ticket`. Says
    /// nothing about the ticket's current state.
    pub async fn verify_ticket_token(&self, tenant_id: Uuid, token: &str) -> Result<TokenClaims> {
        let key = self.signing_key(tenant_id).await?;
        decode_token(&key.verifying_key(), token)
    }

    /// The tenant's public key, for offline verification. No credential needed.
    pub async fn public_key(&self, tenant_id: Uuid) -> Result<PublicKeyView> {
        let key = self.signing_key(tenant_id).await?;
        Ok(PublicKeyView {
            algorithm: "Ed25519",
            public_key: URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes()),
            token_format: TOKEN_FORMAT,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; SECRET_KEY_LENGTH])
    }

    fn claims() -> TokenClaims {
        TokenClaims { ticket_id: Uuid::from_u128(0x1234), session_id: Uuid::from_u128(0xabcd), version: 7 }
    }

    #[test]
    fn round_trip() {
        let k = key(1);
        let t = encode_token(&k, &claims());
        assert_eq!(t.len(), TOKEN_CHARS);
        assert!(t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(decode_token(&k.verifying_key(), &t).ok(), Some(claims()));
    }

    #[test]
    fn tampered_byte_fails() {
        let k = key(1);
        let t = encode_token(&k, &claims());
        let mut bytes = URL_SAFE_NO_PAD.decode(&t).unwrap_or_default();
        for i in [0, 5, 20, 36, 40, 100] {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            let e = decode_token(&k.verifying_key(), &URL_SAFE_NO_PAD.encode(&b)).err();
            assert_eq!(e.map(|e| (e.kind, e.code.to_string())), Some((ErrorKind::Validation, "invalid_ticket".into())));
        }
        bytes.truncate(TOKEN_LEN - 1);
        assert!(decode_token(&k.verifying_key(), &URL_SAFE_NO_PAD.encode(&bytes)).is_err());
        assert!(decode_token(&k.verifying_key(), "").is_err());
        assert!(decode_token(&k.verifying_key(), &"!".repeat(TOKEN_CHARS)).is_err());
    }

    #[test]
    fn other_key_fails() {
        let t = encode_token(&key(1), &claims());
        let e = decode_token(&key(2).verifying_key(), &t).err();
        assert_eq!(e.map(|e| e.code.to_string()), Some("invalid_ticket".into()));
    }
}

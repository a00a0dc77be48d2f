//! Passwords (argon2id), access tokens (short-lived HS256 JWTs bound to one
//! tenant) and refresh tokens (opaque, stored hashed, rotated on every use;
//! presenting a rotated one again revokes the whole login).

use std::sync::OnceLock;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, Set};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use taquilla_core::roles::{Actor, Role};
use taquilla_core::text::{EmailAddress, Name, Password};
use taquilla_core::{Error, Result};
use taquilla_store::entity::{platform_users, tenants, users};
use taquilla_store::repo;
use taquilla_store::repo::refresh_tokens::{LoginsTx, RefreshToken};
use uuid::Uuid;

use crate::views::{TokenPair, UserView};
use crate::{now, App, Config};

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl JwtKeys {
    pub fn new(config: &Config) -> Self {
        let secret = config.jwt_secret.expose_secret().as_bytes();
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret) }
    }
}

const ISSUER: &str = "taquilla";
const PLATFORM_AUDIENCE: &str = "platform";

fn audience(tenant_id: Option<Uuid>) -> String {
    match tenant_id {
        Some(t) => format!("tenant:{t}"),
        None => PLATFORM_AUDIENCE.to_owned(),
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    /// The tenant the token is valid for; `None` for platform admins.
    tid: Option<Uuid>,
    role: Role,
    aud: String,
    iss: String,
    iat: i64,
    exp: i64,
    jti: Uuid,
}

impl App {
    fn issue_access_token(&self, user_id: Uuid, tenant_id: Option<Uuid>, role: Role) -> Result<String> {
        let iat = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id,
            tid: tenant_id,
            role,
            aud: audience(tenant_id),
            iss: ISSUER.into(),
            iat,
            exp: iat + self.config.access_token_ttl.as_secs() as i64,
            jti: Uuid::now_v7(),
        };
        Ok(jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.jwt.encoding)?)
    }

    /// Verifies an access token for the given tenant (or the platform when
    /// `None`). A token of another tenant fails the audience check: 401.
    /// A person's access token (JWT).
    pub fn authenticate_token(&self, token: &str, tenant_id: Option<Uuid>) -> Result<Actor> {
        let mut v = Validation::new(Algorithm::HS256);
        v.set_audience(&[audience(tenant_id)]);
        v.set_issuer(&[ISSUER]);
        v.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        v.leeway = 5;
        let data = jsonwebtoken::decode::<Claims>(token, &self.jwt.decoding, &v).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            match e.kind() {
                K::ExpiredSignature => Error::unauthenticated("token_expired", "the access token has expired"),
                K::InvalidAudience => {
                    Error::unauthenticated("wrong_tenant", "the token was not issued for this tenant")
                }
                _ => Error::unauthenticated("invalid_token", "the access token is not valid"),
            }
        })?;
        let c = data.claims;
        if c.tid != tenant_id || (c.role == Role::PlatformAdmin) != tenant_id.is_none() {
            return Err(Error::unauthenticated("wrong_tenant", "the token was not issued for this tenant"));
        }
        Ok(Actor::person(c.sub, c.tid, c.role))
    }

    pub async fn hash_password(&self, password: &Password) -> Result<String> {
        let pw = password.as_str().to_owned();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default().hash_password(pw.as_bytes(), &salt).map(|h| h.to_string())
        })
        .await?
        .map_err(|e| Error::internal_msg(format!("argon2: {e}")))
    }

    /// Constant-ish time: an unknown user still costs one argon2 verification,
    /// so response time does not reveal which e-mails have accounts.
    pub(crate) async fn verify_password(&self, password: &str, hash: Option<String>) -> Result<bool> {
        let pw = password.to_owned();
        tokio::task::spawn_blocking(move || {
            let known = hash.is_some();
            let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
            let ok = PasswordHash::new(&hash)
                .map(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
                .unwrap_or(false);
            known && ok
        })
        .await
        .map_err(Error::from)
    }

    fn refresh_ttl(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.config.refresh_token_ttl).unwrap_or(chrono::Duration::days(30))
    }

    /// An access token and a new refresh token in the login `family_id`,
    /// for a tenant's user or a platform admin (the transaction says which).
    async fn issue_pair<T: LoginsTx>(&self, tx: &T, user: impl Into<UserView>, family_id: Uuid) -> Result<TokenPair> {
        let user: UserView = user.into();
        let refresh_token = self.new_refresh_token(tx, user.id, family_id).await?;
        Ok(TokenPair {
            access_token: self.issue_access_token(user.id, tx.tenant(), user.role)?,
            token_type: "Bearer",
            expires_in: self.config.access_token_ttl.as_secs(),
            refresh_token: Some(refresh_token),
            user,
        })
    }

    async fn new_refresh_token<T: LoginsTx>(&self, tx: &T, user_id: Uuid, family_id: Uuid) -> Result<String> {
        let (token, hash) = new_refresh_token();
        repo::refresh_tokens::insert(tx, user_id, family_id, hash, now() + self.refresh_ttl()).await?;
        Ok(token)
    }

    pub async fn login(&self, tenant: &tenants::Model, email: &str, password: &str) -> Result<TokenPair> {
        let tx = self.store.tenant_tx(tenant.id).await?;
        let user = match plausible_email(email) {
            true => repo::users::by_email(&tx, email).await?,
            false => None,
        };
        let ok = self.verify_password(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
        let user = match user {
            Some(u) if ok => u,
            _ => return Err(bad_credentials()),
        };
        if !user.active {
            return Err(Error::forbidden("this account is disabled").with_code("account_disabled"));
        }
        let mut am: users::ActiveModel = user.into();
        am.last_login_at = Set(Some(now()));
        let user = am.update(&*tx).await?;
        let pair = self.issue_pair(&tx, user, Uuid::now_v7()).await?;
        tx.commit().await?;
        Ok(pair)
    }

    pub async fn register(
        &self,
        tenant: &tenants::Model,
        email: EmailAddress,
        password: Password,
        display_name: Name,
    ) -> Result<TokenPair> {
        let hash = self.hash_password(&password).await?;
        let tx = self.store.tenant_tx(tenant.id).await?;
        let user = crate::users::insert_user(&tx, email, hash, Role::Attendee, display_name.into_inner()).await?;
        let pair = self.issue_pair(&tx, user, Uuid::now_v7()).await?;
        tx.commit().await?;
        Ok(pair)
    }

    pub async fn refresh(&self, tenant: &tenants::Model, token: &str) -> Result<TokenPair> {
        let tx = self.store.tenant_tx(tenant.id).await?;
        let row = match rotate(&tx, token).await? {
            Rotation::Fresh(row) => row,
            Rotation::Replayed => {
                tx.commit().await?;
                return Err(refresh_reused());
            }
        };
        let user = match repo::users::by_id(&tx, row.user_id).await? {
            Some(u) if u.active => u,
            _ => return Err(invalid_refresh()),
        };
        let pair = self.issue_pair(&tx, user, row.family_id).await?;
        tx.commit().await?;
        Ok(pair)
    }

    /// Revokes the login (token family) a refresh token belongs to.
    pub async fn logout(&self, tenant: &tenants::Model, token: &str) -> Result<()> {
        let tx = self.store.tenant_tx(tenant.id).await?;
        end_login(&tx, token).await?;
        tx.commit().await
    }

    /// As [`App::refresh`], for platform admins.
    pub async fn platform_refresh(&self, token: &str) -> Result<TokenPair> {
        let tx = self.store.platform_tx().await?;
        let row = match rotate(&tx, token).await? {
            Rotation::Fresh(row) => row,
            Rotation::Replayed => {
                tx.commit().await?;
                return Err(refresh_reused());
            }
        };
        let user = match repo::platform_users::by_id(&*tx, row.user_id).await? {
            Some(u) if u.active => u,
            _ => return Err(invalid_refresh()),
        };
        let pair = self.issue_pair(&tx, user, row.family_id).await?;
        tx.commit().await?;
        Ok(pair)
    }

    pub async fn platform_logout(&self, token: &str) -> Result<()> {
        let tx = self.store.platform_tx().await?;
        end_login(&tx, token).await?;
        tx.commit().await
    }

    pub async fn platform_login(&self, email: &str, password: &str) -> Result<TokenPair> {
        let tx = self.store.platform_tx().await?;
        let user = match plausible_email(email) {
            true => repo::platform_users::by_email(&*tx, email).await?,
            false => None,
        };
        let ok = self.verify_password(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
        let user = match user {
            Some(u) if ok => u,
            _ => return Err(bad_credentials()),
        };
        if !user.active {
            return Err(Error::forbidden("this account is disabled").with_code("account_disabled"));
        }
        let mut am: platform_users::ActiveModel = user.into();
        am.last_login_at = Set(Some(now()));
        let user = am.update(&*tx).await?;
        let pair = self.issue_pair(&tx, user, Uuid::now_v7()).await?;
        tx.commit().await?;
        Ok(pair)
    }

    /// Creates a platform admin (CLI and first-start bootstrap).
    pub async fn create_platform_admin(
        &self,
        email: EmailAddress,
        password: Password,
        display_name: &str,
    ) -> Result<UserView> {
        let hash = self.hash_password(&password).await?;
        let tx = self.store.platform_tx().await?;
        let now = now();
        let user = platform_users::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set(email.into_inner()),
            password_hash: Set(hash),
            display_name: Set(display_name.to_owned()),
            active: Set(true),
            last_login_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&*tx)
        .await
        .map_err(|e| match taquilla_store::pg_code(&e).as_deref() {
            Some(taquilla_store::UNIQUE_VIOLATION) => {
                Error::conflict("email_taken", "a platform user with this e-mail exists").with_field("email")
            }
            _ => Error::from(e),
        })?;
        tx.commit().await?;
        Ok(user.into())
    }

    /// First start: creates the platform admin from the environment when
    /// there is none yet. Returns whether one was created.
    pub async fn bootstrap_platform_admin(&self, email: EmailAddress, password: Password) -> Result<bool> {
        if repo::platform_users::count(self.store.db()).await? > 0 {
            return Ok(false);
        }
        self.create_platform_admin(email, password, "Platform admin").await.map(|_| true)
    }
}

/// Login takes whatever was typed; only something that could be a stored
/// address is looked up (PostgreSQL text cannot hold NUL, for one).
fn plausible_email(email: &str) -> bool {
    email.len() <= 254 && !email.chars().any(char::is_control)
}

#[track_caller]
fn bad_credentials() -> Error {
    Error::unauthenticated("invalid_credentials", "wrong e-mail or password")
}

fn new_refresh_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("rt_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_token(&token);
    (token, hash)
}

enum Rotation {
    /// The token was good and is now used up: a new pair may be issued in
    /// its login (family).
    Fresh(RefreshToken),
    /// A rotated token came back: the whole login was revoked, which the
    /// caller commits although the request fails.
    Replayed,
}

async fn rotate<T: LoginsTx>(tx: &T, token: &str) -> Result<Rotation> {
    let Some(row) = repo::refresh_tokens::by_hash_for_update(tx, &hash_token(token)).await? else {
        return Err(invalid_refresh());
    };
    let now = now();
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Err(invalid_refresh());
    }
    if row.used_at.is_some() {
        // Someone replayed a rotated token: either the client or a thief
        // holds a stale copy. End the whole login for both.
        repo::refresh_tokens::revoke_family(tx, row.family_id, now).await?;
        tracing::warn!(family = %row.family_id, "refresh token reuse detected; family revoked");
        return Ok(Rotation::Replayed);
    }
    repo::refresh_tokens::mark_used(tx, row.id, now).await?;
    Ok(Rotation::Fresh(row))
}

fn refresh_reused() -> Error {
    Error::unauthenticated("refresh_token_reused", "the refresh token was already used; please log in again")
}

fn invalid_refresh() -> Error {
    Error::unauthenticated("invalid_refresh_token", "the refresh token is not valid")
}

async fn end_login<T: LoginsTx>(tx: &T, token: &str) -> Result<()> {
    if let Some(row) = repo::refresh_tokens::by_hash_for_update(tx, &hash_token(token)).await? {
        repo::refresh_tokens::revoke_family(tx, row.family_id, now()).await?;
    }
    Ok(())
}

fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(b"not a real password", &salt).map(|h| h.to_string()).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, ha) = new_refresh_token();
        let (b, hb) = new_refresh_token();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert_eq!(hash_token(&a), ha);
        assert!(a.starts_with("rt_") && a.len() > 40);
    }

    #[test]
    fn argon2_is_argon2id() {
        let h = dummy_hash();
        assert!(h.starts_with("$argon2id$"), "{h}");
    }
}

//! API keys for partner systems: `tk_live_<random>`, shown once, stored as
//! a SHA-256 hash with a lookup prefix. A key acts as the tenant admin who
//! made it, limited to its scopes; it stops working when it expires, is
//! revoked, or its creator is no longer an active tenant admin.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::roles::{Permission, Role, Scope};
use taquilla_core::text::Name;
use taquilla_core::{Actor, Error, Result};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::App;

pub const KEY_PREFIX: &str = "tk_live_";
/// Characters after `tk_live_` that are stored in clear to find the row.
const LOOKUP_CHARS: usize = 12;
/// How long a verified key is trusted without asking the database again:
/// a revocation made on another instance takes effect within this time.
const CACHE_TTL: Duration = Duration::from_secs(10);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyInput {
    #[schema(value_type = String, min_length = 1, max_length = 100)]
    pub name: Name,
    /// At least one of `events:read`, `events:write`, `orders:read`,
    /// `orders:write`, `checkin`, `webhooks:manage`.
    pub scopes: Vec<Scope>,
    /// Optional end of validity (in the future).
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyCreated {
    #[serde(flatten)]
    pub api_key: ApiKeyView,
    /// The key, shown this once: `Authorization: Bearer tk_live_…`.
    pub key: String,
}

#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    name: String,
    prefix: String,
    scopes: serde_json::Value,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    created_by: Uuid,
    created_at: DateTime<Utc>,
}

impl From<Row> for ApiKeyView {
    fn from(r: Row) -> Self {
        ApiKeyView {
            id: r.id,
            name: r.name,
            prefix: format!("{KEY_PREFIX}{}", r.prefix),
            scopes: serde_json::from_value(r.scopes).unwrap_or_default(),
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

const COLUMNS: &str = "id, name, prefix, scopes, expires_at, last_used_at, created_by, created_at";

/// Verified keys, by hash, for [`CACHE_TTL`].
#[derive(Default)]
pub struct ApiKeyCache {
    map: RwLock<HashMap<[u8; 32], Cached>>,
}

struct Cached {
    at: Instant,
    tenant_id: Uuid,
    actor: Actor,
    expires: Option<DateTime<Utc>>,
}

impl ApiKeyCache {
    fn get(&self, tenant_id: Uuid, hash: &[u8; 32]) -> Option<Actor> {
        let map = self.map.read().ok()?;
        let c = map.get(hash)?;
        let fresh = c.at.elapsed() < CACHE_TTL && c.tenant_id == tenant_id && c.expires.is_none_or(|e| e > Utc::now());
        fresh.then(|| c.actor.clone())
    }

    fn put(&self, tenant_id: Uuid, hash: [u8; 32], actor: Actor, expires: Option<DateTime<Utc>>) {
        if let Ok(mut map) = self.map.write() {
            if map.len() > 10_000 {
                map.clear();
            }
            map.insert(hash, Cached { at: Instant::now(), tenant_id, actor, expires });
        }
    }

    fn clear(&self) {
        if let Ok(mut map) = self.map.write() {
            map.clear();
        }
    }
}

fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

fn invalid_key() -> Error {
    Error::unauthenticated("invalid_api_key", "the API key is not valid, expired or revoked")
}

impl App {
    pub async fn create_api_key(&self, actor: &Actor, tenant_id: Uuid, input: ApiKeyInput) -> Result<ApiKeyCreated> {
        actor.require(Permission::ManageApiKeys)?;
        if input.scopes.is_empty() {
            return Err(Error::validation("scopes", "empty", "grant at least one scope"));
        }
        let mut scopes: Vec<Scope> = Vec::new();
        for s in input.scopes {
            if !scopes.contains(&s) {
                scopes.push(s);
            }
        }
        if input.expires_at.is_some_and(|e| e <= Utc::now()) {
            return Err(Error::validation("expires_at", "in_past", "must be in the future"));
        }
        let mut raw = [0u8; 32];
        rand::rng().fill_bytes(&mut raw);
        let key = format!("{KEY_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw));
        let lookup = key[KEY_PREFIX.len()..KEY_PREFIX.len() + LOOKUP_CHARS].to_owned();
        let id = Uuid::now_v7();
        let tx = self.store.tenant_tx(tenant_id).await?;
        let row = Row::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "INSERT INTO api_keys (id, name, prefix, key_hash, scopes, expires_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
            ),
            [
                id.into(),
                input.name.into_inner().into(),
                lookup.into(),
                hash(&key).to_vec().into(),
                serde_json::to_value(&scopes).map_err(Error::internal)?.into(),
                input.expires_at.into(),
                actor.user_id.into(),
            ],
        ))
        .one(&*tx)
        .await?
        .ok_or_else(|| Error::internal_msg("insert returned nothing"))?;
        tx.commit().await?;
        Ok(ApiKeyCreated { api_key: row.into(), key })
    }

    /// The tenant's keys that are still usable or expired (revoked ones are gone).
    pub async fn list_api_keys(&self, actor: &Actor, tenant_id: Uuid, page: PageRequest) -> Result<Page<ApiKeyView>> {
        #[derive(FromQueryResult)]
        struct N {
            n: i64,
        }
        actor.require(Permission::ManageApiKeys)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let total = N::find_by_statement(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL".to_owned(),
        ))
        .one(&*tx)
        .await?
        .map_or(0, |n| n.n.max(0) as u64);
        let rows = Row::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {COLUMNS} FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at, id LIMIT $1 OFFSET $2"
            ),
            [(page.per_page as i64).into(), (page.offset() as i64).into()],
        ))
        .all(&*tx)
        .await?;
        tx.commit().await?;
        Ok(Page::new(rows.into_iter().map(ApiKeyView::from).collect(), total, page))
    }

    /// Revokes at once in this process; other instances stop accepting the
    /// key within ten seconds.
    pub async fn revoke_api_key(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<()> {
        actor.require(Permission::ManageApiKeys)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let res = tx
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
                [id.into()],
            ))
            .await?;
        if res.rows_affected() == 0 {
            return Err(Error::not_found("API key"));
        }
        tx.commit().await?;
        self.api_keys.clear();
        Ok(())
    }

    /// The actor of a `tk_live_…` key of this tenant.
    pub(crate) async fn authenticate_api_key(&self, key: &str, tenant_id: Option<Uuid>) -> Result<Actor> {
        let Some(tenant_id) = tenant_id else {
            return Err(Error::bad_request("tenant_required", "an API key is used with its tenant (X-Tenant)")
                .with_field("X-Tenant"));
        };
        let lookup = key.get(KEY_PREFIX.len()..KEY_PREFIX.len() + LOOKUP_CHARS).ok_or_else(invalid_key)?;
        let digest = hash(key);
        if let Some(a) = self.api_keys.get(tenant_id, &digest) {
            return Ok(a);
        }
        #[derive(FromQueryResult)]
        struct Found {
            id: Uuid,
            key_hash: Vec<u8>,
            scopes: serde_json::Value,
            expires_at: Option<DateTime<Utc>>,
            created_by: Uuid,
        }
        let tx = self.store.tenant_tx(tenant_id).await?;
        // Only a key whose creator is still an active tenant admin works.
        let found = Found::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE api_keys k SET last_used_at = now() FROM users u \
             WHERE k.prefix = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()) \
               AND u.id = k.created_by AND u.active AND u.deleted_at IS NULL AND u.role = 'tenant_admin' \
             RETURNING k.id, k.key_hash, k.scopes, k.expires_at, k.created_by",
            [lookup.into()],
        ))
        .one(&*tx)
        .await?;
        let Some(f) = found else {
            return Err(invalid_key());
        };
        // Constant time, so the comparison does not leak how much matched.
        let same = f.key_hash.len() == digest.len()
            && f.key_hash.iter().zip(digest.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if !same {
            return Err(invalid_key());
        }
        tx.commit().await?;
        let scopes: Vec<Scope> = serde_json::from_value(f.scopes).map_err(Error::internal)?;
        let actor = Actor {
            scopes: Some(scopes),
            api_key_id: Some(f.id),
            ..Actor::person(f.created_by, Some(tenant_id), Role::TenantAdmin)
        };
        self.api_keys.put(tenant_id, digest, actor.clone(), f.expires_at);
        Ok(actor)
    }

    /// A bearer credential of either kind: an API key (`tk_live_…`) or a
    /// person's access token.
    pub async fn authenticate(&self, token: &str, tenant_id: Option<Uuid>) -> Result<Actor> {
        if token.starts_with(KEY_PREFIX) {
            self.authenticate_api_key(token, tenant_id).await
        } else {
            self.authenticate_token(token, tenant_id)
        }
    }
}

//! Refresh tokens of both kinds of login: a tenant's users (`refresh_tokens`
//! in the tenant's schema) and platform admins (`public.platform_refresh_tokens`).
//! The two tables have the same shape, so one set of queries serves both and
//! the rotation rule is written once.

use std::ops::Deref;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, FromQueryResult, Statement};
use taquilla_core::Result;
use uuid::Uuid;

use crate::{PlatformTx, TenantTx};

/// A transaction whose logins these are: a tenant's ([`TenantTx`], whose
/// search path names the tenant) or the platform admins' ([`PlatformTx`]).
/// The transaction's type picks the table, so a tenant's token can never be
/// looked up among the platform's or another tenant's.
pub trait LoginsTx: Deref<Target = DatabaseTransaction> + Sync {
    const TABLE: &'static str;
    /// The tenant whose logins these are; `None`: the platform's.
    fn tenant(&self) -> Option<Uuid>;
}

impl LoginsTx for TenantTx {
    const TABLE: &'static str = "refresh_tokens";
    fn tenant(&self) -> Option<Uuid> {
        Some(self.tenant_id())
    }
}

impl LoginsTx for PlatformTx {
    const TABLE: &'static str = "public.platform_refresh_tokens";
    fn tenant(&self) -> Option<Uuid> {
        None
    }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct RefreshToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn stmt(sql: String, values: Vec<sea_orm::Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

pub async fn insert<T: LoginsTx>(
    tx: &T,
    user_id: Uuid,
    family_id: Uuid,
    hash: Vec<u8>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    tx.execute_raw(stmt(
        format!(
            "INSERT INTO {} (id, user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)",
            T::TABLE
        ),
        vec![Uuid::now_v7().into(), user_id.into(), family_id.into(), hash.into(), expires_at.into()],
    ))
    .await?;
    Ok(())
}

/// Locks the row so two concurrent refreshes with one token cannot both win.
pub async fn by_hash_for_update<T: LoginsTx>(tx: &T, hash: &[u8]) -> Result<Option<RefreshToken>> {
    Ok(RefreshToken::find_by_statement(stmt(
        format!(
            "SELECT id, user_id, family_id, expires_at, used_at, revoked_at FROM {} WHERE token_hash = $1 FOR UPDATE",
            T::TABLE
        ),
        vec![hash.to_vec().into()],
    ))
    .one(&**tx)
    .await?)
}

pub async fn revoke_family<T: LoginsTx>(tx: &T, family_id: Uuid, now: DateTime<Utc>) -> Result<u64> {
    let r = tx
        .execute_raw(stmt(
            format!("UPDATE {} SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL", T::TABLE),
            vec![family_id.into(), now.into()],
        ))
        .await?;
    Ok(r.rows_affected())
}

pub async fn revoke_all_for_user<T: LoginsTx>(tx: &T, user_id: Uuid, now: DateTime<Utc>) -> Result<u64> {
    let r = tx
        .execute_raw(stmt(
            format!("UPDATE {} SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL", T::TABLE),
            vec![user_id.into(), now.into()],
        ))
        .await?;
    Ok(r.rows_affected())
}

pub async fn mark_used<T: LoginsTx>(tx: &T, id: Uuid, now: DateTime<Utc>) -> Result<()> {
    tx.execute_raw(stmt(format!("UPDATE {} SET used_at = $2 WHERE id = $1", T::TABLE), vec![id.into(), now.into()]))
        .await?;
    Ok(())
}

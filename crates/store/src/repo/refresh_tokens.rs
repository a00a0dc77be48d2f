use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use taquilla_core::Result;
use uuid::Uuid;

use crate::entity::refresh_tokens::{self, Entity as RefreshTokens};
use crate::TenantTx;

/// Locks the row so two concurrent refreshes with one token cannot both win.
pub async fn by_hash_for_update(tx: &TenantTx, hash: &[u8]) -> Result<Option<refresh_tokens::Model>> {
    Ok(RefreshTokens::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash.to_vec()))
        .lock_exclusive()
        .one(&**tx)
        .await?)
}

pub async fn revoke_family(tx: &TenantTx, family_id: Uuid, now: DateTime<Utc>) -> Result<u64> {
    let r = RefreshTokens::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(&**tx)
        .await?;
    Ok(r.rows_affected)
}

pub async fn revoke_all_for_user(tx: &TenantTx, user_id: Uuid, now: DateTime<Utc>) -> Result<u64> {
    let r = RefreshTokens::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(&**tx)
        .await?;
    Ok(r.rows_affected)
}

pub async fn mark_used(tx: &TenantTx, id: Uuid, now: DateTime<Utc>) -> Result<()> {
    RefreshTokens::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(id))
        .exec(&**tx)
        .await?;
    Ok(())
}

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::Result;
use uuid::Uuid;

use crate::entity::users::{self, Entity as Users};
use crate::TenantTx;

pub async fn by_id(tx: &TenantTx, id: Uuid) -> Result<Option<users::Model>> {
    Ok(Users::find_by_id(id).filter(users::Column::DeletedAt.is_null()).one(&**tx).await?)
}

pub async fn by_email(tx: &TenantTx, email: &str) -> Result<Option<users::Model>> {
    Ok(Users::find()
        .filter(users::Column::Email.eq(email.to_lowercase()))
        .filter(users::Column::DeletedAt.is_null())
        .one(&**tx)
        .await?)
}

pub async fn list(tx: &TenantTx, role: Option<&str>, page: PageRequest) -> Result<Page<users::Model>> {
    let mut q = Users::find().filter(users::Column::DeletedAt.is_null());
    if let Some(role) = role {
        q = q.filter(users::Column::Role.eq(role));
    }
    let q = q.order_by_asc(users::Column::CreatedAt).order_by_asc(users::Column::Id);
    let total = q.clone().count(&**tx).await?;
    let items = q.offset(page.offset()).limit(page.per_page).all(&**tx).await?;
    Ok(Page::new(items, total, page))
}

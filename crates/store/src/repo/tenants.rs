use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::Result;
use uuid::Uuid;

use crate::entity::tenants::{self, Entity as Tenants};

pub async fn all_ids(db: &impl ConnectionTrait) -> Result<Vec<Uuid>> {
    Ok(Tenants::find().select_only().column(tenants::Column::Id).into_tuple().all(db).await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<tenants::Model>> {
    Ok(Tenants::find_by_id(id).one(db).await?)
}

pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> Result<Option<tenants::Model>> {
    Ok(Tenants::find().filter(tenants::Column::Slug.eq(slug)).one(db).await?)
}

pub async fn list(db: &impl ConnectionTrait, page: PageRequest) -> Result<Page<tenants::Model>> {
    let q = Tenants::find().order_by_asc(tenants::Column::CreatedAt).order_by_asc(tenants::Column::Id);
    let total = q.clone().count(db).await?;
    let items = q.offset(page.offset()).limit(page.per_page).all(db).await?;
    Ok(Page::new(items, total, page))
}

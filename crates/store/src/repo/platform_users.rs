use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use taquilla_core::Result;

use crate::entity::platform_users::{self, Entity as PlatformUsers};

pub async fn by_email(db: &impl ConnectionTrait, email: &str) -> Result<Option<platform_users::Model>> {
    Ok(PlatformUsers::find().filter(platform_users::Column::Email.eq(email.to_lowercase())).one(db).await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: uuid::Uuid) -> Result<Option<platform_users::Model>> {
    Ok(PlatformUsers::find_by_id(id).one(db).await?)
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(PlatformUsers::find().count(db).await?)
}

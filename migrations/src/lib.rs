//! Two migration sets. `public` holds what is shared by the platform;
//! `tenant` is applied to every `t_<id>` schema. Migrations are plain SQL so
//! they read (and get reviewed) as the database will see them. Tenant SQL
//! never names a schema: it runs with `search_path` set to the tenant's.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DynIden;

mod public;
mod tenant;

pub use sea_orm_migration::MigratorTrait;

/// A migration that runs one SQL script (several statements) up, and
/// refuses to run down: production schemas move forward only.
pub(crate) struct Sql {
    pub name: &'static str,
    pub up: &'static str,
}

impl MigrationName for Sql {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Sql {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(self.up).await.map(|_| ())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(format!("{} is forward-only", self.name)))
    }
}

pub struct PublicMigrator;

impl MigratorTrait for PublicMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        public::all()
    }

    fn migration_table_name() -> DynIden {
        "platform_migrations".into_iden()
    }
}

pub struct TenantMigrator;

impl MigratorTrait for TenantMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        tenant::all()
    }

    fn migration_table_name() -> DynIden {
        "tenant_migrations".into_iden()
    }
}

/// Changes whenever any migration changes; tests key their template
/// database on it so a stale template is never reused.
pub fn fingerprint() -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for set in [public::sources(), tenant::sources()] {
        for (name, sql) in set {
            name.hash(&mut h);
            sql.hash(&mut h);
        }
    }
    format!("{:016x}", h.finish())
}

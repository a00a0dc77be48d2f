use sea_orm_migration::MigrationTrait;

use crate::Sql;

pub(crate) fn all() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(Sql {
        name: "t0001_foundation",
        up: include_str!("t0001_foundation.sql"),
    })]
}

use sea_orm_migration::MigrationTrait;

use crate::Sql;

pub(crate) fn all() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(Sql {
        name: "p0001_platform",
        up: include_str!("p0001_platform.sql"),
    })]
}

//! Persistence. Every tenant table is reached through a [`TenantTx`]: a
//! transaction that began with `SET LOCAL search_path TO t_<id>, public`.
//! Tenant repositories accept nothing else, so a query that forgets its
//! tenant does not compile.

pub mod audit;
pub mod entity;
pub mod outbox;
pub mod repo;
mod stock;
mod tx;

pub use sea_orm;
pub use stock::{StockNote, AVAILABILITY_NOTE, SEAT_NOTE};
pub use tx::{schema_name, PlatformTx, Store, StoreStats, TenantTx};

use sea_orm::DbErr;

/// The PostgreSQL SQLSTATE of a failed statement, if it was one.
pub fn pg_code(e: &DbErr) -> Option<String> {
    let rt = match e {
        DbErr::Query(rt) | DbErr::Exec(rt) => rt,
        _ => return None,
    };
    match rt {
        sea_orm::RuntimeErr::SqlxError(se) => se.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned()),
        _ => None,
    }
}

pub const UNIQUE_VIOLATION: &str = "23505";
pub const EXCLUSION_VIOLATION: &str = "23P01";
pub const FOREIGN_KEY_VIOLATION: &str = "23503";

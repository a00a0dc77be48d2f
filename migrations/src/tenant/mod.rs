use sea_orm_migration::MigrationTrait;

use crate::Sql;

pub(crate) fn all() -> Vec<Box<dyn MigrationTrait>> {
    sources().into_iter().map(|(name, up)| Box::new(Sql { name, up }) as Box<dyn MigrationTrait>).collect()
}

/// In order of application: (name, SQL).
pub(crate) fn sources() -> Vec<(&'static str, &'static str)> {
    vec![
        ("t0001_foundation", include_str!("t0001_foundation.sql")),
        ("t0002_ticketing", include_str!("t0002_ticketing.sql")),
        ("t0003_audit_sealing", include_str!("t0003_audit_sealing.sql")),
        ("t0004_deferred_stock_keys", include_str!("t0004_deferred_stock_keys.sql")),
        ("t0005_payments", include_str!("t0005_payments.sql")),
        ("t0006_notifications", include_str!("t0006_notifications.sql")),
        ("t0007_webhooks", include_str!("t0007_webhooks.sql")),
        ("t0008_api_keys", include_str!("t0008_api_keys.sql")),
        ("t0009_bulk_import", include_str!("t0009_bulk_import.sql")),
        ("t0010_coupons", include_str!("t0010_coupons.sql")),
        ("t0011_scripts", include_str!("t0011_scripts.sql")),
        ("t0012_coupon_scripts", include_str!("t0012_coupon_scripts.sql")),
        ("t0013_coupon_hot_row", include_str!("t0013_coupon_hot_row.sql")),
        ("t0014_outbox_positions", include_str!("t0014_outbox_positions.sql")),
    ]
}

use sea_orm_migration::MigrationTrait;

use crate::Sql;

pub(crate) fn all() -> Vec<Box<dyn MigrationTrait>> {
    sources().into_iter().map(|(name, up)| Box::new(Sql { name, up }) as Box<dyn MigrationTrait>).collect()
}

/// In order of application: (name, SQL).
pub(crate) fn sources() -> Vec<(&'static str, &'static str)> {
    vec![
        ("p0001_platform", include_str!("p0001_platform.sql")),
        ("p0002_audit_sealing", include_str!("p0002_audit_sealing.sql")),
        ("p0003_stripe", include_str!("p0003_stripe.sql")),
        ("p0004_tenant_plans", include_str!("p0004_tenant_plans.sql")),
        ("p0005_platform_refresh_tokens", include_str!("p0005_platform_refresh_tokens.sql")),
    ]
}

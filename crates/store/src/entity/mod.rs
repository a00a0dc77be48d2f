//! SeaORM entities. Tenant entities name no schema: they resolve through the
//! transaction's search_path. Public ones are pinned to `public`.

pub mod events;
pub mod platform_users;
pub mod registrations;
pub mod sessions;
pub mod tenants;
pub mod users;

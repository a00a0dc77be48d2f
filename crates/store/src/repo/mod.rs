//! Queries. `tenants` and `platform_users` take a platform connection; all
//! the others take a [`crate::TenantTx`] and nothing else.

pub mod directory;
pub mod events;
pub mod platform_users;
pub mod refresh_tokens;
pub mod registrations;
pub mod sessions;
pub mod tenants;
pub mod users;

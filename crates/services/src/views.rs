//! What the APIs return. Built from store models in one place, so REST and
//! GraphQL show the same shape.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use taquilla_core::roles::Role;
use taquilla_core::status::{EventStatus, Plan, SessionStatus, TenantStatus};
use taquilla_store::entity::{events, platform_users, sessions, tenants, users};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TenantView {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    pub plan: Plan,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<tenants::Model> for TenantView {
    fn from(m: tenants::Model) -> Self {
        Self {
            id: m.id,
            slug: m.slug,
            name: m.name,
            status: TenantStatus::parse(&m.status).unwrap_or(TenantStatus::Suspended),
            plan: Plan::parse(&m.plan).unwrap_or(Plan::Free),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub display_name: String,
    pub phone: Option<String>,
    pub locale: Option<String>,
    pub active: bool,
    /// A member of the tenant (season ticket, club); platform admins never are.
    pub is_member: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<users::Model> for UserView {
    fn from(m: users::Model) -> Self {
        Self {
            id: m.id,
            email: m.email,
            // The column is CHECK-constrained to tenant roles.
            role: Role::parse(&m.role).unwrap_or(Role::Attendee),
            display_name: m.display_name,
            phone: m.phone,
            locale: m.locale,
            active: m.active,
            is_member: m.is_member,
            last_login_at: m.last_login_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl From<platform_users::Model> for UserView {
    fn from(m: platform_users::Model) -> Self {
        Self {
            id: m.id,
            email: m.email,
            role: Role::PlatformAdmin,
            display_name: m.display_name,
            phone: None,
            locale: None,
            active: m.active,
            is_member: false,
            last_login_at: m.last_login_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Deserialize: cached listings are stored as JSON (`search.rs`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub title: String,
    pub description: String,
    pub category: String,
    pub venue: String,
    pub image_url: Option<String>,
    pub status: EventStatus,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// IANA zone the event's local times are shown in.
    pub timezone: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<events::Model> for EventView {
    fn from(m: events::Model) -> Self {
        Self {
            id: m.id,
            owner_id: m.owner_id,
            title: m.title,
            description: m.description,
            category: m.category,
            venue: m.venue,
            image_url: m.image_url,
            status: EventStatus::parse(&m.status).unwrap_or(EventStatus::Draft),
            starts_at: m.starts_at,
            ends_at: m.ends_at,
            timezone: m.timezone,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub event_id: Uuid,
    pub title: String,
    pub presenter: String,
    pub venue: String,
    pub status: SessionStatus,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<sessions::Model> for SessionView {
    fn from(m: sessions::Model) -> Self {
        Self {
            id: m.id,
            event_id: m.event_id,
            title: m.title,
            presenter: m.presenter,
            venue: m.venue,
            status: SessionStatus::parse(&m.status).unwrap_or(SessionStatus::Draft),
            starts_at: m.starts_at,
            ends_at: m.ends_at,
            capacity: m.capacity,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Absent for platform admins, who log in again instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub user: UserView,
}

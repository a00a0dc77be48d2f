//! Roles and what they may do. Every permission check in the system goes
//! through [`Actor::require`] / [`Actor::require_owner_or`]; handlers never
//! compare roles themselves.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    PlatformAdmin,
    TenantAdmin,
    Organizer,
    Staff,
    Attendee,
}

impl Role {
    pub const TENANT_ROLES: [Role; 4] = [Role::TenantAdmin, Role::Organizer, Role::Staff, Role::Attendee];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::TenantAdmin => "tenant_admin",
            Role::Organizer => "organizer",
            Role::Staff => "staff",
            Role::Attendee => "attendee",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "platform_admin" => Some(Role::PlatformAdmin),
            "tenant_admin" => Some(Role::TenantAdmin),
            "organizer" => Some(Role::Organizer),
            "staff" => Some(Role::Staff),
            "attendee" => Some(Role::Attendee),
            _ => None,
        }
    }

    pub fn is_tenant_role(self) -> bool {
        self != Role::PlatformAdmin
    }

    /// The permission table. One match, so the whole policy reads at a glance.
    pub fn grants(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::PlatformAdmin => matches!(p, ManageTenants | ManageTenantUsers | ViewPlatformAudit),
            Role::TenantAdmin => matches!(
                p,
                ManageTenantUsers
                    | ManageTenantSettings
                    | ViewAuditLog
                    | CreateEvent
                    | ManageAnyEvent
                    | ManageOwnEvent
                    | ViewAllEvents
                    | CheckIn
                    | ViewAttendance
                    | ViewAnyAttendance
                    | ConfirmPayments
                    | RefundOrders
                    | ManageWebhooks
                    | ManageNotifications
                    | SendAnnouncements
                    | ManageApiKeys
                    | ManageCoupons
                    | ManageScripts
            ),
            Role::Organizer => matches!(
                p,
                CreateEvent
                    | ManageOwnEvent
                    | ViewAllEvents
                    | CheckIn
                    | ViewAttendance
                    | ConfirmPayments
                    | RefundOrders
                    | SendAnnouncements
                    | ManageCoupons
            ),
            Role::Staff => matches!(p, ViewAllEvents | CheckIn | ViewAttendance | ViewAnyAttendance),
            Role::Attendee => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Onboard, list, suspend tenants.
    ManageTenants,
    /// List users and change their role, profile, active flag.
    ManageTenantUsers,
    ViewAuditLog,
    ViewPlatformAudit,
    CreateEvent,
    /// Edit or delete any event of the tenant.
    ManageAnyEvent,
    /// Edit or delete events one owns.
    ManageOwnEvent,
    /// See unpublished (draft, cancelled) events too.
    ViewAllEvents,
    /// Scan and validate tickets at the door.
    CheckIn,
    /// See attendee lists and check-in statistics of events one owns.
    ViewAttendance,
    /// See attendee lists and check-in statistics of every event of the tenant.
    ViewAnyAttendance,
    /// Mark manual (pay-at-door, invoice) orders as paid.
    ConfirmPayments,
    /// Give money back: refund orders in full or in part.
    RefundOrders,
    /// Hold time, resale cap and other tenant settings.
    ManageTenantSettings,
    /// Register webhook endpoints, see their deliveries, retry and replay.
    ManageWebhooks,
    /// See every notification (e-mail, SMS) sent and edit the tenant's templates.
    ManageNotifications,
    /// Send an announcement to the attendees of a session (of one's own
    /// events; tenant admins: of any event).
    SendAnnouncements,
    /// Create and revoke API keys.
    ManageApiKeys,
    /// Create, change and delete coupons; see their usage.
    ManageCoupons,
    /// Write, test, activate and roll back pricing and coupon scripts.
    ManageScripts,
}

impl Permission {
    /// The API key scope that unlocks this permission; `None`: no API key
    /// may use it (people, roles, settings and the audit log are managed by
    /// people, not integrations).
    pub fn scope(self) -> Option<Scope> {
        use Permission::*;
        match self {
            CreateEvent | ManageAnyEvent | ManageOwnEvent | ManageCoupons => Some(Scope::EventsWrite),
            ViewAllEvents => Some(Scope::EventsRead),
            ViewAttendance | ViewAnyAttendance => Some(Scope::OrdersRead),
            ConfirmPayments | RefundOrders => Some(Scope::OrdersWrite),
            CheckIn => Some(Scope::Checkin),
            ManageWebhooks => Some(Scope::WebhooksManage),
            ManageTenants | ManageTenantUsers | ViewAuditLog | ViewPlatformAudit | ManageTenantSettings
            | ManageApiKeys | ManageNotifications | ManageScripts => None,
            // An announcement reaches people; it is sent by people.
            SendAnnouncements => None,
        }
    }
}

/// What an API key may do. A person's session has no scopes: its role decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Scope {
    #[serde(rename = "events:read")]
    EventsRead,
    #[serde(rename = "events:write")]
    EventsWrite,
    #[serde(rename = "orders:read")]
    OrdersRead,
    #[serde(rename = "orders:write")]
    OrdersWrite,
    #[serde(rename = "checkin")]
    Checkin,
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
}

impl Scope {
    pub const ALL: [Scope; 6] = [
        Scope::EventsRead,
        Scope::EventsWrite,
        Scope::OrdersRead,
        Scope::OrdersWrite,
        Scope::Checkin,
        Scope::WebhooksManage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::EventsRead => "events:read",
            Scope::EventsWrite => "events:write",
            Scope::OrdersRead => "orders:read",
            Scope::OrdersWrite => "orders:write",
            Scope::Checkin => "checkin",
            Scope::WebhooksManage => "webhooks:manage",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// A write scope includes reading the same things.
    fn covers(self, wanted: Scope) -> bool {
        self == wanted
            || matches!(
                (self, wanted),
                (Scope::EventsWrite, Scope::EventsRead) | (Scope::OrdersWrite, Scope::OrdersRead)
            )
    }
}

/// Who is making a request, as proven by a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    /// `None` only for platform admins.
    pub tenant_id: Option<Uuid>,
    pub role: Role,
    /// `Some` for an API key: it acts as the tenant admin who made it, but
    /// only within these scopes.
    pub scopes: Option<Vec<Scope>>,
    /// The API key's id, for a key (its rate-limit bucket and audit trail).
    pub api_key_id: Option<Uuid>,
}

impl Actor {
    /// A person's session: the role alone decides.
    pub fn person(user_id: Uuid, tenant_id: Option<Uuid>, role: Role) -> Self {
        Actor { user_id, tenant_id, role, scopes: None, api_key_id: None }
    }

    pub fn is_api_key(&self) -> bool {
        self.scopes.is_some()
    }

    /// Whether the credential's scopes allow `wanted` (always, for a person).
    pub fn has_scope(&self, wanted: Scope) -> bool {
        self.scopes.as_ref().is_none_or(|s| s.iter().any(|x| x.covers(wanted)))
    }

    pub fn can(&self, p: Permission) -> bool {
        self.role.grants(p)
            && match &self.scopes {
                None => true,
                Some(_) => p.scope().is_some_and(|s| self.has_scope(s)),
            }
    }

    /// 403 `insufficient_scope` unless the API key holds `wanted`.
    #[track_caller]
    pub fn require_scope(&self, wanted: Scope) -> Result<()> {
        if self.has_scope(wanted) {
            Ok(())
        } else {
            Err(Error::new(
                crate::ErrorKind::Forbidden,
                "insufficient_scope",
                format!("this API key lacks the {} scope", wanted.as_str()),
            )
            .with_extra(serde_json::json!({ "required_scope": wanted.as_str() })))
        }
    }

    #[track_caller]
    pub fn require(&self, p: Permission) -> Result<()> {
        if self.can(p) {
            Ok(())
        } else {
            Err(Error::forbidden(format!("role {} may not do this", self.role.as_str())))
        }
    }

    /// `any` lets the actor act on every resource; `own` only on those whose
    /// owner is the actor.
    #[track_caller]
    pub fn require_owner_or(&self, any: Permission, own: Permission, owner: Option<Uuid>) -> Result<()> {
        if self.can(any) || (self.can(own) && owner == Some(self.user_id)) {
            Ok(())
        } else {
            Err(Error::forbidden(format!("role {} may not change this resource", self.role.as_str())))
        }
    }

    /// A tenant admin may assign any tenant role; nobody assigns platform admin
    /// through tenant endpoints.
    #[track_caller]
    pub fn require_can_assign(&self, role: Role) -> Result<()> {
        self.require(Permission::ManageTenantUsers)?;
        if !role.is_tenant_role() {
            return Err(Error::validation("role", "invalid_role", "platform_admin is not a tenant role"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor::person(Uuid::nil(), Some(Uuid::nil()), role)
    }

    #[test]
    fn api_keys_act_only_within_their_scopes() {
        let key = Actor { scopes: Some(vec![Scope::EventsWrite, Scope::Checkin]), ..actor(Role::TenantAdmin) };
        assert!(key.can(Permission::CreateEvent));
        assert!(key.can(Permission::ViewAllEvents), "write includes read");
        assert!(key.can(Permission::CheckIn));
        assert!(!key.can(Permission::RefundOrders));
        assert!(!key.can(Permission::ManageWebhooks));
        assert!(!key.can(Permission::ManageTenantUsers), "never through a key");
        assert!(!key.can(Permission::ManageApiKeys));
        assert!(key.require_scope(Scope::OrdersRead).is_err());
        let none = Actor { scopes: Some(vec![]), ..actor(Role::TenantAdmin) };
        assert!(!none.can(Permission::ViewAllEvents));
        assert!(actor(Role::TenantAdmin).has_scope(Scope::WebhooksManage), "people have no scope limits");
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn attendee_cannot_create_events() {
        assert!(actor(Role::Attendee).require(Permission::CreateEvent).is_err());
        assert!(actor(Role::Organizer).require(Permission::CreateEvent).is_ok());
    }

    #[test]
    fn organizer_edits_only_own_events() {
        let me = actor(Role::Organizer);
        let other = Some(Uuid::from_u128(7));
        assert!(me.require_owner_or(Permission::ManageAnyEvent, Permission::ManageOwnEvent, other).is_err());
        assert!(me.require_owner_or(Permission::ManageAnyEvent, Permission::ManageOwnEvent, Some(me.user_id)).is_ok());
        let admin = actor(Role::TenantAdmin);
        assert!(admin.require_owner_or(Permission::ManageAnyEvent, Permission::ManageOwnEvent, other).is_ok());
    }

    #[test]
    fn organizers_see_attendance_of_own_events_only() {
        use Permission::{ViewAnyAttendance, ViewAttendance};
        let other = Some(Uuid::from_u128(7));
        let org = actor(Role::Organizer);
        assert!(org.require_owner_or(ViewAnyAttendance, ViewAttendance, other).is_err());
        assert!(org.require_owner_or(ViewAnyAttendance, ViewAttendance, Some(org.user_id)).is_ok());
        for r in [Role::TenantAdmin, Role::Staff] {
            assert!(actor(r).require_owner_or(ViewAnyAttendance, ViewAttendance, other).is_ok(), "{r:?}");
        }
        assert!(actor(Role::Attendee).require(ViewAttendance).is_err());
    }

    #[test]
    fn notifications_history_is_for_admins_and_announcements_for_organizers() {
        use Permission::{ManageNotifications, SendAnnouncements};
        assert!(actor(Role::TenantAdmin).require(ManageNotifications).is_ok());
        for r in [Role::Organizer, Role::Staff, Role::Attendee, Role::PlatformAdmin] {
            assert!(actor(r).require(ManageNotifications).is_err(), "{r:?}");
        }
        for r in [Role::TenantAdmin, Role::Organizer] {
            assert!(actor(r).require(SendAnnouncements).is_ok(), "{r:?}");
        }
        for r in [Role::Staff, Role::Attendee, Role::PlatformAdmin] {
            assert!(actor(r).require(SendAnnouncements).is_err(), "{r:?}");
        }
    }

    #[test]
    fn platform_admin_is_not_a_tenant_role() {
        assert!(actor(Role::TenantAdmin).require_can_assign(Role::PlatformAdmin).is_err());
        assert!(actor(Role::TenantAdmin).require_can_assign(Role::Staff).is_ok());
        assert!(actor(Role::Organizer).require_can_assign(Role::Staff).is_err());
    }

    #[test]
    fn role_names_round_trip() {
        for r in [Role::PlatformAdmin, Role::TenantAdmin, Role::Organizer, Role::Staff, Role::Attendee] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}

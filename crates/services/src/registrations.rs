//! Registrations for free sessions: confirmed while seats last, then a
//! waitlist that moves up when a confirmed attendee cancels. Each use case is
//! one tenant transaction that locks the session row, so concurrent
//! registrations and cancellations of a session run one after another and
//! never exceed its capacity.

use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use serde::{Deserialize, Serialize};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::roles::{Actor, Permission};
use taquilla_core::status::{RegistrationStatus, SessionStatus};
use taquilla_core::{Error, Result};
use taquilla_store::entity::{registrations, sessions};
use taquilla_store::outbox::{self, kind};
use taquilla_store::repo::registrations::{AttendeeRow, UserSessionRow};
use taquilla_store::{repo, TenantTx};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::events::visible_event;
use crate::App;

/// The caller's registration for a session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistrationView {
    pub id: Uuid,
    pub session_id: Uuid,
    pub status: RegistrationStatus,
    /// 1-based place in the session's waitlist; `null` unless waitlisted.
    pub waitlist_position: Option<u64>,
    pub created_at: DateTime<Utc>,
}

impl RegistrationView {
    fn new(m: &registrations::Model, waitlist_position: Option<u64>) -> Self {
        Self {
            id: m.id,
            session_id: m.session_id,
            status: registration_status(&m.status),
            waitlist_position,
            created_at: m.created_at,
        }
    }
}

/// The event part of a [`UserEventView`].
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserEventSummary {
    pub id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// IANA zone the event's local times are shown in.
    pub timezone: String,
    pub venue: String,
}

/// The session part of a [`UserEventView`].
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserSessionSummary {
    pub id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: String,
    pub status: SessionStatus,
}

/// A session the caller is registered for or holds tickets to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserEventView {
    pub event: UserEventSummary,
    pub session: UserSessionSummary,
    /// `confirmed` or `waitlisted`; `null` when the caller only holds tickets.
    pub registration_status: Option<RegistrationStatus>,
    /// The caller's active and used tickets for the session.
    pub tickets_count: u64,
}

impl From<UserSessionRow> for UserEventView {
    fn from(r: UserSessionRow) -> Self {
        Self {
            event: UserEventSummary {
                id: r.event_id,
                title: r.event_title,
                starts_at: r.event_starts_at,
                ends_at: r.event_ends_at,
                timezone: r.event_timezone,
                venue: r.event_venue,
            },
            session: UserSessionSummary {
                id: r.session_id,
                title: r.session_title,
                starts_at: r.session_starts_at,
                ends_at: r.session_ends_at,
                venue: r.session_venue,
                status: session_status(&r.session_status),
            },
            registration_status: r.registration_status.as_deref().map(registration_status),
            tickets_count: r.tickets_count.max(0) as u64,
        }
    }
}

/// Where a person on the attendance list comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttendeeSource {
    Registration,
    Ticket,
}

/// A registration's status, or a ticket holder's: `used` once one of their
/// tickets was checked in, else `active`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttendeeStatus {
    Confirmed,
    Waitlisted,
    Active,
    Used,
}

impl AttendeeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Waitlisted => "waitlisted",
            Self::Active => "active",
            Self::Used => "used",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Confirmed, Self::Waitlisted, Self::Active, Self::Used].into_iter().find(|v| v.as_str() == s)
    }
}

/// One person on a session's attendance list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendeeView {
    pub user_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub source: AttendeeSource,
    pub status: AttendeeStatus,
    /// First check-in of a ticket holder; `null` for registrations.
    pub checked_in_at: Option<DateTime<Utc>>,
}

impl From<AttendeeRow> for AttendeeView {
    fn from(r: AttendeeRow) -> Self {
        Self {
            user_id: r.user_id,
            display_name: r.display_name,
            email: r.email,
            source: if r.source == "ticket" { AttendeeSource::Ticket } else { AttendeeSource::Registration },
            // The query yields only these four values.
            status: AttendeeStatus::parse(&r.status).unwrap_or(AttendeeStatus::Confirmed),
            checked_in_at: r.checked_in_at,
        }
    }
}

fn registration_status(s: &str) -> RegistrationStatus {
    // The column is CHECK-constrained to the three values.
    RegistrationStatus::parse(s).unwrap_or(RegistrationStatus::Cancelled)
}

fn session_status(s: &str) -> SessionStatus {
    SessionStatus::parse(s).unwrap_or(SessionStatus::Draft)
}

#[track_caller]
fn already_registered() -> Error {
    Error::conflict("already_registered", "you are already registered for this session")
}

/// `registrations_one_live` backs the check in `register`: the same 409.
fn map_insert_err(e: DbErr) -> Error {
    match taquilla_store::pg_code(&e).as_deref() {
        Some(taquilla_store::UNIQUE_VIOLATION) => already_registered(),
        _ => Error::from(e),
    }
}

/// A session takes registrations while it is on sale and only if it is free.
async fn check_registrable(tx: &TenantTx, s: &sessions::Model) -> Result<()> {
    let status = session_status(&s.status);
    if status != SessionStatus::OnSale {
        return Err(Error::conflict(
            "session_not_open",
            format!("the session is {status}; registration is open while it is on_sale"),
        )
        .with_extra(serde_json::json!({ "session_status": status.as_str() })));
    }
    if repo::registrations::has_paid_ticket_types(tx, s.id).await? {
        return Err(Error::conflict(
            "session_requires_ticket",
            "this session sells paid tickets; buy a ticket instead of registering",
        ));
    }
    Ok(())
}

/// The session `sid` of the visible event `event_id`, locked for update.
async fn locked_session(tx: &TenantTx, actor: &Actor, event_id: Uuid, sid: Uuid) -> Result<sessions::Model> {
    visible_event(tx, Some(actor), event_id).await?;
    repo::sessions::by_id_for_update(tx, event_id, sid).await?.ok_or_else(|| Error::not_found("session"))
}

async fn emit(
    tx: &TenantTx,
    event_type: &str,
    s: &sessions::Model,
    r: &registrations::Model,
    waitlist_position: Option<u64>,
) -> Result<()> {
    let payload = serde_json::json!({
        "registration_id": r.id,
        "event_id": s.event_id,
        "session_id": r.session_id,
        "user_id": r.user_id,
        "status": r.status,
        "waitlist_position": waitlist_position,
    });
    outbox::emit(tx, event_type, r.id, payload).await
}

impl App {
    /// Registers the caller for a free session: `confirmed` while confirmed
    /// registrations are below the session's capacity, else `waitlisted`.
    pub async fn register_for_session(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        event_id: Uuid,
        sid: Uuid,
    ) -> Result<RegistrationView> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let session = locked_session(&tx, actor, event_id, sid).await?;
        check_registrable(&tx, &session).await?;
        if repo::registrations::live_for_user(&tx, sid, actor.user_id).await?.is_some() {
            return Err(already_registered());
        }
        let confirmed = repo::registrations::count_confirmed(&tx, sid).await?;
        let (status, event_type) = if confirmed < session.capacity.max(0) as u64 {
            (RegistrationStatus::Confirmed, kind::REGISTRATION_CONFIRMED)
        } else {
            (RegistrationStatus::Waitlisted, kind::REGISTRATION_WAITLISTED)
        };
        let r = repo::registrations::insert(&tx, sid, actor.user_id, status).await.map_err(map_insert_err)?;
        let position = repo::registrations::waitlist_position(&tx, &r).await?;
        emit(&tx, event_type, &session, &r, position).await?;
        tx.commit().await?;
        Ok(RegistrationView::new(&r, position))
    }

    /// Cancels the caller's live registration. A confirmed place that frees
    /// up goes to the longest-waiting registration in the same transaction.
    pub async fn cancel_registration(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        event_id: Uuid,
        sid: Uuid,
    ) -> Result<RegistrationView> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let session = locked_session(&tx, actor, event_id, sid).await?;
        let r = repo::registrations::live_for_user(&tx, sid, actor.user_id)
            .await?
            .ok_or_else(|| Error::not_found("registration"))?;
        let was_confirmed = registration_status(&r.status) == RegistrationStatus::Confirmed;
        let cancelled = repo::registrations::set_status(&tx, r.id, RegistrationStatus::Cancelled)
            .await?
            .ok_or_else(|| Error::internal_msg("registration vanished under the session lock"))?;
        emit(&tx, kind::REGISTRATION_CANCELLED, &session, &cancelled, None).await?;
        // Only a freed place moves the queue, and only if the session (whose
        // capacity may have shrunk) really has room now.
        if was_confirmed && repo::registrations::count_confirmed(&tx, sid).await? < session.capacity.max(0) as u64 {
            if let Some(promoted) = repo::registrations::promote_next(&tx, sid).await? {
                emit(&tx, kind::REGISTRATION_PROMOTED, &session, &promoted, None).await?;
            }
        }
        tx.commit().await?;
        Ok(RegistrationView::new(&cancelled, None))
    }

    /// The caller's live registration for the session, with its place in the waitlist.
    pub async fn my_registration(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        event_id: Uuid,
        sid: Uuid,
    ) -> Result<RegistrationView> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        visible_event(&tx, Some(actor), event_id).await?;
        repo::sessions::by_id(&tx, event_id, sid).await?.ok_or_else(|| Error::not_found("session"))?;
        let r = repo::registrations::live_for_user(&tx, sid, actor.user_id)
            .await?
            .ok_or_else(|| Error::not_found("registration"))?;
        let position = repo::registrations::waitlist_position(&tx, &r).await?;
        tx.commit().await?;
        Ok(RegistrationView::new(&r, position))
    }

    /// What the caller attends: sessions they are registered for (confirmed
    /// or waitlisted) or hold active or used tickets to, by session start.
    pub async fn my_events(&self, actor: &Actor, tenant_id: Uuid) -> Result<Vec<UserEventView>> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let rows = repo::registrations::for_user(&tx, actor.user_id).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(UserEventView::from).collect())
    }

    /// A session's attendance: confirmed registrations and ticket holders,
    /// or only the rows with `status`. Admins and staff see every session,
    /// organizers those of their own events.
    pub async fn session_attendees(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        sid: Uuid,
        status: Option<AttendeeStatus>,
        page: PageRequest,
    ) -> Result<Page<AttendeeView>> {
        actor.require(Permission::ViewAttendance)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let session = repo::sessions::by_id_any_event(&tx, sid).await?.ok_or_else(|| Error::not_found("session"))?;
        let event = repo::events::by_id(&tx, session.event_id).await?.ok_or_else(|| Error::not_found("session"))?;
        actor.require_owner_or(Permission::ViewAnyAttendance, Permission::ViewAttendance, Some(event.owner_id))?;
        let page = repo::registrations::attendees(&tx, sid, status.map(AttendeeStatus::as_str), page).await?;
        tx.commit().await?;
        Ok(page.map(AttendeeView::from))
    }
}

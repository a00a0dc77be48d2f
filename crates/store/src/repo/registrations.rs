//! Registrations for free sessions, the waitlist, and the attendance views
//! built from registrations and tickets.
//!
//! Timestamps are `clock_timestamp()`, not `now()`: writers of one session
//! are serialized by a lock on the session row, and `now()` is the start of
//! each transaction, so a writer that waited for the lock would otherwise
//! get an earlier `created_at` than the one it waited for and jump the queue.

use chrono::{DateTime, Utc};
use sea_orm::{DbBackend, DbErr, FromQueryResult, Statement, Value};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::status::RegistrationStatus;
use taquilla_core::Result;
use uuid::Uuid;

use crate::entity::registrations::Model;
use crate::TenantTx;

const COLUMNS: &str = "id, session_id, user_id, status, created_at, updated_at";

fn stmt(sql: impl Into<String>, values: impl IntoIterator<Item = Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

#[derive(FromQueryResult)]
struct N {
    n: i64,
}

#[derive(FromQueryResult)]
struct B {
    b: bool,
}

/// The user's live (confirmed or waitlisted) registration for the session.
pub async fn live_for_user(tx: &TenantTx, session_id: Uuid, user_id: Uuid) -> Result<Option<Model>> {
    Ok(Model::find_by_statement(stmt(
        format!("SELECT {COLUMNS} FROM registrations WHERE session_id = $1 AND user_id = $2 AND status <> 'cancelled'"),
        [session_id.into(), user_id.into()],
    ))
    .one(&**tx)
    .await?)
}

pub async fn count_confirmed(tx: &TenantTx, session_id: Uuid) -> Result<u64> {
    let n = N::find_by_statement(stmt(
        "SELECT count(*) AS n FROM registrations WHERE session_id = $1 AND status = 'confirmed'",
        [session_id.into()],
    ))
    .one(&**tx)
    .await?;
    Ok(n.map_or(0, |n| n.n.max(0) as u64))
}

/// Whether the session sells tickets that cost money (then it is not free).
pub async fn has_paid_ticket_types(tx: &TenantTx, session_id: Uuid) -> Result<bool> {
    let b = B::find_by_statement(stmt(
        "SELECT EXISTS (SELECT 1 FROM ticket_types WHERE session_id = $1 AND deleted_at IS NULL AND price_minor > 0) \
         AS b",
        [session_id.into()],
    ))
    .one(&**tx)
    .await?;
    Ok(b.is_some_and(|b| b.b))
}

/// Inserts a live registration. The raw `DbErr` is returned so the caller can
/// tell a unique violation of `registrations_one_live` from other failures.
pub async fn insert(
    tx: &TenantTx,
    session_id: Uuid,
    user_id: Uuid,
    status: RegistrationStatus,
) -> std::result::Result<Model, DbErr> {
    let row = Model::find_by_statement(stmt(
        format!(
            "INSERT INTO registrations (id, session_id, user_id, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, clock_timestamp(), clock_timestamp()) RETURNING {COLUMNS}"
        ),
        [Uuid::now_v7().into(), session_id.into(), user_id.into(), status.as_str().into()],
    ))
    .one(&**tx)
    .await?;
    row.ok_or_else(|| DbErr::RecordNotInserted)
}

pub async fn set_status(tx: &TenantTx, id: Uuid, status: RegistrationStatus) -> Result<Option<Model>> {
    Ok(Model::find_by_statement(stmt(
        format!(
            "UPDATE registrations SET status = $2, updated_at = clock_timestamp() WHERE id = $1 RETURNING {COLUMNS}"
        ),
        [id.into(), status.as_str().into()],
    ))
    .one(&**tx)
    .await?)
}

/// Confirms the longest-waiting registration of the session, if any.
pub async fn promote_next(tx: &TenantTx, session_id: Uuid) -> Result<Option<Model>> {
    Ok(Model::find_by_statement(stmt(
        format!(
            "UPDATE registrations SET status = 'confirmed', updated_at = clock_timestamp() WHERE id = ( \
               SELECT id FROM registrations WHERE session_id = $1 AND status = 'waitlisted' \
               ORDER BY created_at, id LIMIT 1 FOR UPDATE \
             ) RETURNING {COLUMNS}"
        ),
        [session_id.into()],
    ))
    .one(&**tx)
    .await?)
}

/// 1-based place of a waitlisted registration in its session's queue
/// (`None` when it is not waitlisted).
pub async fn waitlist_position(tx: &TenantTx, r: &Model) -> Result<Option<u64>> {
    if r.status != RegistrationStatus::Waitlisted.as_str() {
        return Ok(None);
    }
    let n = N::find_by_statement(stmt(
        "SELECT count(*) AS n FROM registrations \
         WHERE session_id = $1 AND status = 'waitlisted' AND (created_at, id) <= ($2, $3)",
        [r.session_id.into(), r.created_at.into(), r.id.into()],
    ))
    .one(&**tx)
    .await?;
    Ok(n.map(|n| n.n.max(0) as u64))
}

/// One person on a session's attendance list.
#[derive(Debug, Clone, FromQueryResult)]
pub struct AttendeeRow {
    pub user_id: Uuid,
    pub display_name: String,
    pub email: String,
    /// `registration` or `ticket`.
    pub source: String,
    /// A registration's status, or for ticket holders `used` once any of
    /// their tickets was checked in, else `active`.
    pub status: String,
    pub checked_in_at: Option<DateTime<Utc>>,
    total: i64,
}

/// Registrations (confirmed and waitlisted) and ticket holders (one row per
/// person with an active or used ticket) of a session. `status` keeps the
/// rows with that status; without it, waitlisted registrations are left out.
pub async fn attendees(
    tx: &TenantTx,
    session_id: Uuid,
    status: Option<&str>,
    page: PageRequest,
) -> Result<Page<AttendeeRow>> {
    let base = "SELECT * FROM ( \
          SELECT r.user_id, u.display_name, u.email, 'registration' AS source, r.status, \
                 NULL::timestamptz AS checked_in_at \
          FROM registrations r JOIN users u ON u.id = r.user_id \
          WHERE r.session_id = $1 AND r.status IN ('confirmed', 'waitlisted') \
          UNION ALL \
          SELECT t.owner_id, u.display_name, u.email, 'ticket', \
                 CASE WHEN bool_or(t.status = 'used') THEN 'used' ELSE 'active' END, min(t.checked_in_at) \
          FROM tickets t JOIN users u ON u.id = t.owner_id \
          WHERE t.session_id = $1 AND t.status IN ('active', 'used') \
          GROUP BY t.owner_id, u.display_name, u.email \
        ) a WHERE CASE WHEN $2::text IS NULL THEN a.status <> 'waitlisted' ELSE a.status = $2::text END";
    let filter: Value = status.map(str::to_owned).into();
    let rows = AttendeeRow::find_by_statement(stmt(
        format!(
            "SELECT *, count(*) OVER () AS total FROM ({base}) p \
             ORDER BY lower(display_name), user_id, source LIMIT $3 OFFSET $4"
        ),
        [session_id.into(), filter.clone(), (page.per_page as i64).into(), (page.offset() as i64).into()],
    ))
    .all(&**tx)
    .await?;
    let mut total = rows.first().map_or(0, |r| r.total);
    if rows.is_empty() && page.offset() > 0 {
        let n =
            N::find_by_statement(stmt(format!("SELECT count(*) AS n FROM ({base}) p"), [session_id.into(), filter]))
                .one(&**tx)
                .await?;
        total = n.map_or(0, |n| n.n);
    }
    Ok(Page::new(rows, total.max(0) as u64, page))
}

/// A session the user is registered for or holds tickets to, with its event.
#[derive(Debug, Clone, FromQueryResult)]
pub struct UserSessionRow {
    pub event_id: Uuid,
    pub event_title: String,
    pub event_starts_at: DateTime<Utc>,
    pub event_ends_at: DateTime<Utc>,
    pub event_timezone: String,
    pub event_venue: String,
    pub session_id: Uuid,
    pub session_title: String,
    pub session_starts_at: DateTime<Utc>,
    pub session_ends_at: DateTime<Utc>,
    pub session_venue: String,
    pub session_status: String,
    /// `confirmed` or `waitlisted`; `None` when the user only holds tickets.
    pub registration_status: Option<String>,
    pub tickets_count: i64,
}

/// Sessions (of events that are not deleted) the user is registered for,
/// confirmed or waitlisted, or holds active or used tickets to; by start.
pub async fn for_user(tx: &TenantTx, user_id: Uuid) -> Result<Vec<UserSessionRow>> {
    Ok(UserSessionRow::find_by_statement(stmt(
        "WITH r AS ( \
           SELECT session_id, status FROM registrations \
           WHERE user_id = $1 AND status IN ('confirmed', 'waitlisted') \
         ), t AS ( \
           SELECT session_id, count(*) AS n FROM tickets \
           WHERE owner_id = $1 AND status IN ('active', 'used') GROUP BY session_id \
         ), k AS (SELECT session_id FROM r UNION SELECT session_id FROM t) \
         SELECT e.id AS event_id, e.title AS event_title, e.starts_at AS event_starts_at, \
                e.ends_at AS event_ends_at, e.timezone AS event_timezone, e.venue AS event_venue, \
                s.id AS session_id, s.title AS session_title, s.starts_at AS session_starts_at, \
                s.ends_at AS session_ends_at, s.venue AS session_venue, s.status AS session_status, \
                r.status AS registration_status, COALESCE(t.n, 0) AS tickets_count \
         FROM k \
         JOIN sessions s ON s.id = k.session_id AND s.deleted_at IS NULL \
         JOIN events e ON e.id = s.event_id AND e.deleted_at IS NULL \
         LEFT JOIN r ON r.session_id = k.session_id \
         LEFT JOIN t ON t.session_id = k.session_id \
         ORDER BY s.starts_at, s.id",
        [user_id.into()],
    ))
    .all(&**tx)
    .await?)
}

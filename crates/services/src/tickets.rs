//! A person's tickets: their history, one ticket, and its QR code. The QR
//! holds the signed token of [`crate::signing`]; the ticket's owner and
//! those who may see attendance (staff, organizers, admins) may read it,
//! anyone else gets 404.

use chrono::{DateTime, Utc};
use sea_orm::{DbBackend, FromQueryResult, Statement, Value};
use serde::{Deserialize, Serialize};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::roles::{Actor, Permission};
use taquilla_core::status::SessionStatus;
use taquilla_core::{Error, Result};
use taquilla_store::TenantTx;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::signing::{encode_token, TokenClaims};
use crate::App;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Valid for entry.
    Active,
    /// Checked in.
    Used,
    /// Cancelled, refunded or replaced; its QR no longer admits.
    Void,
}

impl TicketStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Used => "used",
            Self::Void => "void",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "used" => Some(Self::Used),
            "void" => Some(Self::Void),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketEventView {
    pub id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    /// IANA zone the event's local times are shown in.
    pub timezone: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketSessionView {
    pub id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: String,
    pub status: SessionStatus,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketTypeRef {
    pub id: Uuid,
    pub name: String,
}

/// A ticket as its owner (or door staff) sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketView {
    pub id: Uuid,
    pub status: TicketStatus,
    pub event: TicketEventView,
    pub session: TicketSessionView,
    pub ticket_type: TicketTypeRef,
    /// The seat's label, for seated tickets.
    pub seat_label: Option<String>,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub order_id: Option<Uuid>,
    pub checked_in_at: Option<DateTime<Utc>>,
    /// The gate it was checked in at.
    pub gate: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The signed QR token (see `GET /checkin/public-key` for its format);
    /// `null` for void tickets.
    pub token: Option<String>,
}

/// PNG or SVG; the renderer lives in `taquilla_notify::qr` (e-mails use it too).
pub use taquilla_notify::qr::QrFormat;

/// One joined row: the ticket with its type, seat, owner, session and event.
#[derive(Debug, FromQueryResult)]
struct Row {
    id: Uuid,
    status: String,
    version: i32,
    order_id: Option<Uuid>,
    owner_id: Uuid,
    owner_name: String,
    ticket_type_id: Uuid,
    ticket_type_name: String,
    seat_label: Option<String>,
    checked_in_at: Option<DateTime<Utc>>,
    gate: Option<String>,
    created_at: DateTime<Utc>,
    event_id: Uuid,
    event_title: String,
    event_starts_at: DateTime<Utc>,
    event_timezone: String,
    session_id: Uuid,
    session_title: String,
    session_starts_at: DateTime<Utc>,
    session_ends_at: DateTime<Utc>,
    session_venue: String,
    session_status: String,
    total: i64,
}

const SELECT: &str = "SELECT t.id, t.status, t.version, t.order_id, t.owner_id, u.display_name AS owner_name, \
     t.ticket_type_id, tt.name AS ticket_type_name, st.label AS seat_label, t.checked_in_at, t.gate, t.created_at, \
     e.id AS event_id, e.title AS event_title, e.starts_at AS event_starts_at, e.timezone AS event_timezone, \
     s.id AS session_id, s.title AS session_title, s.starts_at AS session_starts_at, \
     s.ends_at AS session_ends_at, s.venue AS session_venue, s.status AS session_status, \
     count(*) OVER () AS total \
     FROM tickets t \
     JOIN ticket_types tt ON tt.id = t.ticket_type_id \
     JOIN sessions s ON s.id = t.session_id \
     JOIN events e ON e.id = s.event_id \
     JOIN users u ON u.id = t.owner_id \
     LEFT JOIN seats st ON st.id = t.seat_id";

impl Row {
    fn status(&self) -> TicketStatus {
        // The column is CHECK-constrained to these three.
        TicketStatus::parse(&self.status).unwrap_or(TicketStatus::Void)
    }

    fn claims(&self) -> Result<TokenClaims> {
        let version = u32::try_from(self.version).map_err(Error::internal)?;
        Ok(TokenClaims { ticket_id: self.id, session_id: self.session_id, version })
    }

    /// The view, with a token signed by `key` unless the ticket is void.
    fn view(self, key: &ed25519_dalek::SigningKey) -> Result<TicketView> {
        let status = self.status();
        let token = match status {
            TicketStatus::Void => None,
            _ => Some(encode_token(key, &self.claims()?)),
        };
        Ok(TicketView {
            id: self.id,
            status,
            event: TicketEventView {
                id: self.event_id,
                title: self.event_title,
                starts_at: self.event_starts_at,
                timezone: self.event_timezone,
            },
            session: TicketSessionView {
                id: self.session_id,
                title: self.session_title,
                starts_at: self.session_starts_at,
                ends_at: self.session_ends_at,
                venue: self.session_venue,
                status: SessionStatus::parse(&self.session_status).unwrap_or(SessionStatus::Draft),
            },
            ticket_type: TicketTypeRef { id: self.ticket_type_id, name: self.ticket_type_name },
            seat_label: self.seat_label,
            owner_id: self.owner_id,
            owner_name: self.owner_name,
            order_id: self.order_id,
            checked_in_at: self.checked_in_at,
            gate: self.gate,
            created_at: self.created_at,
            token,
        })
    }
}

/// A ticket the actor may see: its owner's, or any for those who may see
/// attendance. Anything else is as absent as a missing one.
async fn visible_ticket(tx: &TenantTx, actor: &Actor, id: Uuid) -> Result<Row> {
    let row = Row::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("{SELECT} WHERE t.id = $1"),
        [id.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::not_found("ticket"))?;
    if row.owner_id != actor.user_id && !actor.can(Permission::ViewAttendance) {
        return Err(Error::not_found("ticket"));
    }
    Ok(row)
}

/// The ticket's QR code: the same renderer e-mails use.
pub(crate) fn render_qr(token: &str, format: QrFormat) -> Result<Vec<u8>> {
    taquilla_notify::qr::render(token, format).map_err(|e| Error::internal_msg(e.to_string()))
}

impl App {
    /// The caller's tickets, newest first, each with its QR token.
    pub async fn my_tickets(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        status: Option<TicketStatus>,
        page: PageRequest,
    ) -> Result<Page<TicketView>> {
        let key = self.signing_key(tenant_id).await?;
        let mut filter = String::from("t.owner_id = $1");
        let mut values: Vec<Value> = vec![actor.user_id.into()];
        if let Some(s) = status {
            values.push(s.as_str().into());
            filter.push_str(" AND t.status = $2");
        }
        let n = values.len();
        let sql =
            format!("{SELECT} WHERE {filter} ORDER BY t.created_at DESC, t.id DESC LIMIT ${} OFFSET ${}", n + 1, n + 2);
        let mut paged = values.clone();
        paged.push((page.per_page as i64).into());
        paged.push((page.offset() as i64).into());
        let tx = self.store.tenant_tx(tenant_id).await?;
        let rows =
            Row::find_by_statement(Statement::from_sql_and_values(DbBackend::Postgres, sql, paged)).all(&*tx).await?;
        let mut total = rows.first().map_or(0, |r| r.total);
        if rows.is_empty() && page.offset() > 0 {
            #[derive(FromQueryResult)]
            struct N {
                n: i64,
            }
            let sql = format!("SELECT count(*) AS n FROM tickets t WHERE {filter}");
            total = N::find_by_statement(Statement::from_sql_and_values(DbBackend::Postgres, sql, values))
                .one(&*tx)
                .await?
                .map_or(0, |n| n.n);
        }
        tx.commit().await?;
        let items = rows.into_iter().map(|r| r.view(&key)).collect::<Result<Vec<_>>>()?;
        Ok(Page::new(items, total.max(0) as u64, page))
    }

    /// One ticket: its owner, or staff, organizers and admins (ViewAttendance).
    pub async fn get_ticket(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<TicketView> {
        let key = self.signing_key(tenant_id).await?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let row = visible_ticket(&tx, actor, id).await?;
        tx.commit().await?;
        row.view(&key)
    }

    /// The ticket's QR code as PNG or SVG. A void ticket has none (409 `ticket_void`).
    pub async fn ticket_qr(&self, actor: &Actor, tenant_id: Uuid, id: Uuid, format: QrFormat) -> Result<Vec<u8>> {
        let key = self.signing_key(tenant_id).await?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let row = visible_ticket(&tx, actor, id).await?;
        tx.commit().await?;
        if row.status() == TicketStatus::Void {
            return Err(Error::conflict("ticket_void", "this ticket is void and has no QR code"));
        }
        render_qr(&encode_token(&key, &row.claims()?), format)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_png_and_svg() {
        let token = "A".repeat(crate::signing::TOKEN_CHARS);
        let png = render_qr(&token, QrFormat::Png).unwrap_or_default();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let svg = String::from_utf8(render_qr(&token, QrFormat::Svg).unwrap_or_default()).unwrap_or_default();
        assert!(svg.contains("<svg"));
    }

    #[test]
    fn status_names_round_trip() {
        for s in [TicketStatus::Active, TicketStatus::Used, TicketStatus::Void] {
            assert_eq!(TicketStatus::parse(s.as_str()), Some(s));
        }
    }
}

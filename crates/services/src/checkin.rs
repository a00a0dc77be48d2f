//! Check-in at the door. The token's signature is checked first; then one
//! conditional `UPDATE` flips the ticket `active → used`, so of any number
//! of simultaneous scans of one ticket exactly one admits. A scan that
//! admits nobody changes nothing and says why.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sea_orm::{DbBackend, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};
use taquilla_core::roles::{Actor, Permission};
use taquilla_core::text::Text;
use taquilla_core::{Error, Result};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::signing::invalid_ticket;
use crate::App;

/// Where a scan happened, e.g. `North 2`.
pub type Gate = Text<1, 64>;

/// The body of `POST /checkin`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInInput {
    /// The token from the ticket's QR code.
    #[schema(max_length = 512)]
    pub token: String,
    pub gate: Gate,
    /// The session being admitted; a ticket for another session is refused.
    #[serde(default)]
    pub session_id: Option<Uuid>,
}

/// Optional details of `POST /tickets/{qr}/validate` (body or query string).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateInput {
    #[serde(default)]
    pub gate: Option<Gate>,
    /// The session being admitted; a ticket for another session is refused.
    #[serde(default)]
    pub session_id: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckInOutcome {
    Admitted,
}

/// The admitted ticket, as the door needs to see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdmittedTicket {
    pub id: Uuid,
    pub session_id: Uuid,
    pub ticket_type_id: Uuid,
    /// The ticket type's name.
    pub ticket_type: String,
    pub seat_label: Option<String>,
    pub owner_id: Uuid,
    pub owner_name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckInResult {
    pub result: CheckInOutcome,
    pub ticket: AdmittedTicket,
    pub checked_in_at: DateTime<Utc>,
    pub gate: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TicketTypeStats {
    pub ticket_type_id: Uuid,
    pub name: String,
    /// Tickets active or used.
    pub sold: u64,
    pub checked_in: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GateStats {
    /// `null` for scans that named no gate.
    pub gate: Option<String>,
    pub checked_in: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckInStats {
    pub session_id: Uuid,
    /// Tickets active or used (void ones are not counted).
    pub sold: u64,
    pub checked_in: u64,
    pub by_ticket_type: Vec<TicketTypeStats>,
    pub by_gate: Vec<GateStats>,
}

#[derive(FromQueryResult)]
struct Admitted {
    id: Uuid,
    session_id: Uuid,
    ticket_type_id: Uuid,
    ticket_type: String,
    seat_label: Option<String>,
    owner_id: Uuid,
    owner_name: String,
    checked_in_at: DateTime<Utc>,
    gate: Option<String>,
}

/// The one statement that admits: it changes a row only if the ticket is
/// still active and of the token's version and session, and writes its
/// `ticket.checked_in` event and the request's audit row (`$7`) with it
/// (one round trip: a scan is the door's hot path). A scan that admits
/// nobody is rolled back, its audit row with it.
static ADMIT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH u AS ( \
           UPDATE tickets SET status = 'used', checked_in_at = now(), checked_in_by = $4, gate = $5, updated_at = now() \
           WHERE id = $1 AND version = $2 AND session_id = $3 AND status = 'active' \
           RETURNING id, session_id, ticket_type_id, seat_id, owner_id, checked_in_at, gate), \
         e AS (INSERT INTO outbox (id, event_type, aggregate_id, payload) \
           SELECT $6, 'ticket.checked_in', u.id, jsonb_build_object('ticket_id', u.id, 'session_id', u.session_id, \
             'ticket_type_id', u.ticket_type_id, 'owner_id', u.owner_id, 'checked_in_at', u.checked_in_at, \
             'checked_in_by', $4::uuid, 'gate', u.gate) FROM u), \
         {} \
         SELECT u.id, u.session_id, u.ticket_type_id, tt.name AS ticket_type, st.label AS seat_label, u.owner_id, \
           us.display_name AS owner_name, u.checked_in_at, u.gate \
         FROM u JOIN ticket_types tt ON tt.id = u.ticket_type_id JOIN users us ON us.id = u.owner_id \
         LEFT JOIN seats st ON st.id = u.seat_id",
        taquilla_store::audit::insert_cte("a", 7)
    )
});

/// A ticket's state, read when a scan admitted nobody, to say why.
#[derive(FromQueryResult)]
struct Current {
    status: String,
    version: i32,
    session_id: Uuid,
    checked_in_at: Option<DateTime<Utc>>,
    checked_in_by: Option<Uuid>,
    checked_in_by_name: Option<String>,
    gate: Option<String>,
}

#[derive(FromQueryResult)]
struct StatsRow {
    found: bool,
    sold: i64,
    checked_in: i64,
    by_ticket_type: serde_json::Value,
    by_gate: serde_json::Value,
}

/// One statement, so every number comes from the same snapshot.
const STATS: &str = "WITH t AS ( \
       SELECT ticket_type_id, status, gate FROM tickets WHERE session_id = $1 AND status IN ('active', 'used')), \
     types AS ( \
       SELECT tt.id, tt.name, tt.created_at, count(t.ticket_type_id) AS sold, \
         count(t.ticket_type_id) FILTER (WHERE t.status = 'used') AS checked_in \
       FROM ticket_types tt LEFT JOIN t ON t.ticket_type_id = tt.id \
       WHERE tt.session_id = $1 \
       GROUP BY tt.id \
       HAVING bool_and(tt.deleted_at IS NULL) OR count(t.ticket_type_id) > 0), \
     gates AS (SELECT gate, count(*) AS checked_in FROM t WHERE status = 'used' GROUP BY gate) \
     SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1 AND deleted_at IS NULL) AS found, \
       (SELECT count(*) FROM t) AS sold, \
       (SELECT count(*) FROM t WHERE status = 'used') AS checked_in, \
       coalesce((SELECT jsonb_agg(jsonb_build_object('ticket_type_id', id, 'name', name, 'sold', sold, \
         'checked_in', checked_in) ORDER BY created_at, id) FROM types), '[]'::jsonb) AS by_ticket_type, \
       coalesce((SELECT jsonb_agg(jsonb_build_object('gate', gate, 'checked_in', checked_in) \
         ORDER BY checked_in DESC, gate NULLS LAST) FROM gates), '[]'::jsonb) AS by_gate";

impl App {
    /// Checks a ticket in: verifies the token, then admits it once.
    ///
    /// - forged, altered or foreign token, void ticket, older version (a
    ///   transferred or reissued ticket's old QR), unknown ticket, or a ticket
    ///   of another session than `session_id` → 422 `invalid_ticket` with a
    ///   `reason` member;
    /// - already checked in → 409 `already_used` with `checked_in_at`,
    ///   `gate` and `checked_in_by`.
    ///
    /// None of these change anything. An admission writes
    /// `ticket.checked_in` to the outbox in the same transaction.
    pub async fn check_in(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        token: &str,
        gate: Option<Gate>,
        session_id: Option<Uuid>,
    ) -> Result<CheckInResult> {
        actor.require(Permission::CheckIn)?;
        let claims = self.verify_ticket_token(tenant_id, token).await?;
        if session_id.is_some_and(|s| s != claims.session_id) {
            return Err(wrong_session());
        }
        let gate = gate.map(Gate::into_inner);
        let tx = self.store.tenant_tx(tenant_id).await?;
        let admitted = Admitted::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            ADMIT.as_str(),
            [
                claims.ticket_id.into(),
                i64::from(claims.version).into(),
                claims.session_id.into(),
                actor.user_id.into(),
                gate.clone().into(),
                Uuid::now_v7().into(),
                self.audit_param(&tx),
            ],
        ))
        .one(&*tx)
        .await?;
        let Some(a) = admitted else {
            let current = Current::find_by_statement(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT t.status, t.version, t.session_id, t.checked_in_at, t.checked_in_by, \
                   u.display_name AS checked_in_by_name, t.gate \
                 FROM tickets t LEFT JOIN users u ON u.id = t.checked_in_by WHERE t.id = $1",
                [claims.ticket_id.into()],
            ))
            .one(&*tx)
            .await?;
            // Nothing was written; dropping the transaction rolls it back.
            return Err(refusal(claims.ticket_id, claims.session_id, claims.version, current));
        };
        tx.commit().await?;
        Ok(CheckInResult {
            result: CheckInOutcome::Admitted,
            checked_in_at: a.checked_in_at,
            gate: a.gate,
            ticket: AdmittedTicket {
                id: a.id,
                session_id: a.session_id,
                ticket_type_id: a.ticket_type_id,
                ticket_type: a.ticket_type,
                seat_label: a.seat_label,
                owner_id: a.owner_id,
                owner_name: a.owner_name,
            },
        })
    }

    /// Sold and checked-in counts of a session, per ticket type and per gate.
    pub async fn checkin_stats(&self, actor: &Actor, tenant_id: Uuid, session_id: Uuid) -> Result<CheckInStats> {
        actor.require(Permission::ViewAttendance)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let row = StatsRow::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            STATS,
            [session_id.into()],
        ))
        .one(&*tx)
        .await?
        .ok_or_else(|| Error::internal_msg("stats query returned no row"))?;
        tx.commit().await?;
        if !row.found {
            return Err(Error::not_found("session"));
        }
        Ok(CheckInStats {
            session_id,
            sold: row.sold.max(0) as u64,
            checked_in: row.checked_in.max(0) as u64,
            by_ticket_type: serde_json::from_value(row.by_ticket_type)?,
            by_gate: serde_json::from_value(row.by_gate)?,
        })
    }
}

#[track_caller]
fn wrong_session() -> Error {
    invalid_ticket("wrong_session", "this ticket is for another session")
}

/// Why a validly signed token admitted nobody.
fn refusal(ticket_id: Uuid, session_id: Uuid, version: u32, current: Option<Current>) -> Error {
    let Some(c) = current else {
        return invalid_ticket("unknown_ticket", "no such ticket");
    };
    if c.session_id != session_id {
        return wrong_session();
    }
    match c.status.as_str() {
        "void" => invalid_ticket("void", "this ticket is void"),
        _ if i64::from(c.version) != i64::from(version) => {
            invalid_ticket("superseded", "this QR code was replaced by a newer one")
        }
        "used" => Error::conflict("already_used", "this ticket was already checked in").with_extra(serde_json::json!({
            "ticket_id": ticket_id,
            "checked_in_at": c.checked_in_at,
            "gate": c.gate,
            "checked_in_by": c.checked_in_by,
            "checked_in_by_name": c.checked_in_by_name,
        })),
        // Active and current, yet not updated: only a concurrent change of
        // the ticket (e.g. a transfer) between the two statements gets here.
        _ => Error::conflict("ticket_changed", "the ticket changed during the scan; scan it again"),
    }
}

//! Domain events. Written in the transaction that makes the change, so an
//! event exists if and only if its change committed. Each consumer (the
//! notification planner, the webhook fan-out) reads them from a position of
//! its own (tenant migration `t0014_outbox_positions.sql` says why a
//! position is `(tx_id, seq)`), taking the next events and moving its
//! position past them in one statement of its transaction.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use taquilla_core::Result;
use uuid::Uuid;

use crate::TenantTx;

/// Event types, one constant each so producers and consumers agree.
pub mod kind {
    pub const ORDER_CREATED: &str = "order.created";
    pub const ORDER_PAID: &str = "order.paid";
    pub const ORDER_CANCELLED: &str = "order.cancelled";
    pub const ORDER_EXPIRED: &str = "order.expired";
    pub const ORDER_REFUNDED: &str = "order.refunded";
    pub const ORDER_PAYMENT_FAILED: &str = "order.payment_failed";
    pub const ORDER_DISPUTED: &str = "order.disputed";
    pub const TICKET_ISSUED: &str = "ticket.issued";
    pub const TICKET_CHECKED_IN: &str = "ticket.checked_in";
    pub const TICKET_TRANSFERRED: &str = "ticket.transferred";
    pub const TICKET_VOIDED: &str = "ticket.voided";
    pub const REGISTRATION_CONFIRMED: &str = "registration.confirmed";
    pub const REGISTRATION_WAITLISTED: &str = "registration.waitlisted";
    pub const REGISTRATION_PROMOTED: &str = "registration.promoted";
    pub const REGISTRATION_CANCELLED: &str = "registration.cancelled";
    pub const HOLD_CREATED: &str = "hold.created";
    pub const HOLD_RELEASED: &str = "hold.released";
    pub const RESALE_LISTED: &str = "resale.listed";
    pub const RESALE_SOLD: &str = "resale.sold";
    pub const SESSION_CANCELLED: &str = "session.cancelled";
    pub const WEBHOOK_ENDPOINT_DISABLED: &str = "webhook.endpoint_disabled";

    /// Every type above: what a webhook endpoint may subscribe to.
    pub const ALL: &[&str] = &[
        ORDER_CREATED,
        ORDER_PAID,
        ORDER_CANCELLED,
        ORDER_EXPIRED,
        ORDER_REFUNDED,
        ORDER_PAYMENT_FAILED,
        ORDER_DISPUTED,
        TICKET_ISSUED,
        TICKET_CHECKED_IN,
        TICKET_TRANSFERRED,
        TICKET_VOIDED,
        REGISTRATION_CONFIRMED,
        REGISTRATION_WAITLISTED,
        REGISTRATION_PROMOTED,
        REGISTRATION_CANCELLED,
        HOLD_CREATED,
        HOLD_RELEASED,
        RESALE_LISTED,
        RESALE_SOLD,
        SESSION_CANCELLED,
        WEBHOOK_ENDPOINT_DISABLED,
    ];
}

pub async fn emit(tx: &TenantTx, event_type: &str, aggregate_id: Uuid, payload: serde_json::Value) -> Result<()> {
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO outbox (id, event_type, aggregate_id, payload) VALUES ($1, $2, $3, $4)",
        [Uuid::now_v7().into(), event_type.into(), aggregate_id.into(), payload.into()],
    ))
    .await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize, sea_orm::FromQueryResult)]
pub struct OutboxRow {
    pub seq: i64,
    pub id: Uuid,
    pub event_type: String,
    pub aggregate_id: Uuid,
    pub payload: serde_json::Value,
}

/// A reader of the outbox with a position of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumer {
    Notifications,
    Webhooks,
}

impl Consumer {
    fn name(self) -> &'static str {
        match self {
            Consumer::Notifications => "notifications",
            Consumer::Webhooks => "webhooks",
        }
    }
}

/// Waits, for the rest of `tx`, until no other worker of this consumer reads
/// this tenant's outbox. Run it as a statement of its own before the read: a
/// statement sees what committed before it began, so the read after it
/// starts from the position the previous holder left.
pub async fn lock(tx: &TenantTx, consumer: Consumer) -> Result<()> {
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '.outbox.' || $1, 0))",
        [consumer.name().into()],
    ))
    .await?;
    Ok(())
}

/// Two CTEs, `{name}` and `{name}_moved`: `{name}` holds up to `$limit_param`
/// events after the consumer's position, with `columns` (from `outbox`) and
/// `tx_id`, in position order; `{name}_moved` moves the position past the
/// last of them. Only events of transactions that ended before the statement
/// began are taken: none can turn up behind the new position later. Call
/// [`lock`] first in the same transaction.
pub fn take_ctes(name: &str, consumer: Consumer, columns: &str, limit_param: usize) -> String {
    let c = consumer.name();
    format!(
        "{name} AS (SELECT {columns}, o.tx_id FROM outbox o \
           WHERE (o.tx_id, o.seq) > (SELECT p.tx_id, p.seq FROM outbox_positions p WHERE p.consumer = '{c}') \
             AND o.tx_id < pg_snapshot_xmin(pg_current_snapshot()) \
           ORDER BY o.tx_id, o.seq LIMIT ${limit_param}), \
         {name}_moved AS (UPDATE outbox_positions p SET tx_id = l.tx_id, seq = l.seq \
           FROM (SELECT tx_id, seq FROM {name} ORDER BY tx_id DESC, seq DESC LIMIT 1) l \
           WHERE p.consumer = '{c}')"
    )
}

/// Locks the consumer ([`lock`]), takes up to `limit` events after its
/// position and moves the position past them, in `tx`: if `tx` rolls back,
/// the events are taken again.
pub async fn take(tx: &TenantTx, consumer: Consumer, limit: i64) -> Result<Vec<OutboxRow>> {
    use sea_orm::FromQueryResult;
    lock(tx, consumer).await?;
    let ctes = take_ctes("t", consumer, "o.seq, o.id, o.event_type, o.aggregate_id, o.payload", 1);
    Ok(OutboxRow::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("WITH {ctes} SELECT seq, id, event_type, aggregate_id, payload FROM t ORDER BY tx_id, seq"),
        [limit.into()],
    ))
    .all(&**tx)
    .await?)
}

//! Holds and the stock primitives every sale goes through.
//!
//! Stock moves only through `claim` (capacity → held or sold, a conditional
//! UPDATE the CHECK constraint backs up), `settle` (held → sold) and
//! `release` (held → capacity). Seats move with a conditional UPDATE on
//! `status = 'available'`, so two buyers can never both get one.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};
use taquilla_core::settings::TenantSettings;
use taquilla_core::status::SessionStatus;
use taquilla_core::{Actor, Error, Result};
use taquilla_store::outbox::{self, kind};
use taquilla_store::{StockNote, TenantTx, AVAILABILITY_NOTE, SEAT_NOTE};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::sessions::visible_session;
use crate::ticket_types::{ticket_type, TicketTypeRow};
use crate::{now, App};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    pub ticket_type_id: Uuid,
    /// For general admission.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub quantity: Option<u32>,
    /// For seated sections: the seats wanted.
    #[serde(default)]
    pub seat_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldInput {
    pub session_id: Uuid,
    pub items: Vec<ItemInput>,
}

#[derive(Debug, Clone, Serialize, ToSchema, FromQueryResult)]
pub struct HoldItemView {
    pub ticket_type_id: Uuid,
    pub quantity: i32,
    pub seat_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HoldView {
    pub id: Uuid,
    pub session_id: Uuid,
    pub status: String,
    pub expires_at: DateTime<Utc>,
    pub items: Vec<HoldItemView>,
}

/// One line of a cart after validation: what to claim and at what price.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub tt: TicketTypeRow,
    pub quantity: u32,
    pub seat_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    Held,
    Sold,
}

impl Claim {
    fn column(self) -> &'static str {
        match self {
            Claim::Held => "held",
            Claim::Sold => "sold",
        }
    }
}

/// The sale rules for one cart: session on sale, sales windows, per-order
/// limits, seats only for seated sections. Reads only; takes no locks.
pub(crate) async fn validate_cart(
    tx: &TenantTx,
    session_id: Uuid,
    items: &[ItemInput],
    now: DateTime<Utc>,
) -> Result<Vec<Line>> {
    if items.is_empty() || items.len() > 20 {
        return Err(Error::validation("items", "out_of_range", "must list 1..=20 items"));
    }
    let mut lines: Vec<Line> = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        let tt = ticket_type(tx, it.ticket_type_id).await.map_err(|_| {
            Error::validation(
                format!("items[{i}].ticket_type_id"),
                "unknown_ticket_type",
                "no such ticket type in this session",
            )
        })?;
        if tt.session_id != session_id {
            return Err(Error::validation(
                format!("items[{i}].ticket_type_id"),
                "unknown_ticket_type",
                "no such ticket type in this session",
            ));
        }
        if lines.iter().any(|l| l.tt.id == tt.id) {
            return Err(Error::validation(
                format!("items[{i}].ticket_type_id"),
                "duplicate_item",
                "list each ticket type once",
            ));
        }
        if tt.sales_opens_at.is_some_and(|o| now < o) || tt.sales_closes_at.is_some_and(|c| now >= c) {
            return Err(Error::conflict("sales_closed", format!("sales for {} are not open", tt.name))
                .with_field(format!("items[{i}].ticket_type_id"))
                .with_extra(
                    serde_json::json!({ "sales_opens_at": tt.sales_opens_at, "sales_closes_at": tt.sales_closes_at }),
                ));
        }
        let (quantity, seat_ids) = match (tt.seated, it.quantity, &it.seat_ids) {
            (true, None, Some(seats)) => {
                let mut uniq = seats.clone();
                uniq.sort();
                uniq.dedup();
                if uniq.len() != seats.len() {
                    return Err(Error::validation(
                        format!("items[{i}].seat_ids"),
                        "duplicate_seat",
                        "a seat is listed twice",
                    ));
                }
                #[derive(FromQueryResult)]
                struct N {
                    n: i64,
                }
                let known = N::find_by_statement(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT count(*) AS n FROM seats WHERE id = ANY($1) AND ticket_type_id = $2",
                    [uniq.clone().into(), tt.id.into()],
                ))
                .one(&**tx)
                .await?
                .map_or(0, |n| n.n);
                if known != uniq.len() as i64 {
                    return Err(Error::validation(
                        format!("items[{i}].seat_ids"),
                        "unknown_seat",
                        "a seat is not part of this section",
                    ));
                }
                (seats.len() as u32, seats.clone())
            }
            (true, _, _) => {
                return Err(Error::validation(
                    format!("items[{i}].seat_ids"),
                    "seats_required",
                    "a seated section is bought by seat_ids",
                ))
            }
            (false, Some(q), None) => (q, vec![]),
            (false, _, _) => {
                return Err(Error::validation(
                    format!("items[{i}].quantity"),
                    "quantity_required",
                    "a general admission section is bought by quantity",
                ))
            }
        };
        if quantity < tt.min_per_order.max(1) as u32 || quantity > tt.max_per_order.max(1) as u32 {
            let field = if tt.seated { "seat_ids" } else { "quantity" };
            return Err(Error::validation(
                format!("items[{i}].{field}"),
                "quantity_out_of_range",
                format!("must be {}..={} per order", tt.min_per_order, tt.max_per_order),
            ));
        }
        lines.push(Line { tt, quantity, seat_ids });
    }
    let currency = &lines[0].tt.currency;
    if lines.iter().any(|l| &l.tt.currency != currency) {
        return Err(Error::validation("items", "mixed_currency", "all items of an order must share a currency"));
    }
    Ok(lines)
}

/// Sessions sell while on sale, and at the door while in progress.
pub(crate) fn check_selling(status: &str) -> Result<()> {
    match SessionStatus::parse(status) {
        Some(SessionStatus::OnSale | SessionStatus::InProgress) => Ok(()),
        _ => Err(Error::conflict("session_not_on_sale", format!("the session is {status}, not on sale"))
            .with_extra(serde_json::json!({ "session_status": status }))),
    }
}

/// Claims every line or nothing. Returns the index of the first line that
/// could not be claimed. Seats get `hold_id` when held, none when sold.
pub(crate) async fn claim(
    tx: &TenantTx,
    lines: &[Line],
    how: Claim,
    hold_id: Option<Uuid>,
) -> Result<std::result::Result<(), usize>> {
    for (i, l) in lines.iter().enumerate() {
        if !l.seat_ids.is_empty() {
            let (status, hold) = match how {
                Claim::Held => ("held", hold_id),
                Claim::Sold => ("sold", None),
            };
            let n = noted(
                tx,
                format!(
                    "UPDATE seats SET status = $3, hold_id = $4 WHERE id = ANY($1) AND ticket_type_id = $2 \
                     AND status = 'available' RETURNING {SEAT_NOTE}"
                ),
                vec![l.seat_ids.clone().into(), l.tt.id.into(), status.into(), hold.into()],
            )
            .await?;
            if n != l.seat_ids.len() {
                return Ok(Err(i));
            }
        }
        let col = how.column();
        let n = noted(
            tx,
            format!(
                "UPDATE ticket_types SET {col} = {col} + $2 \
                 WHERE id = $1 AND deleted_at IS NULL AND sold + held + $2 <= capacity RETURNING {AVAILABILITY_NOTE}"
            ),
            vec![l.tt.id.into(), (l.quantity as i32).into()],
        )
        .await?;
        if n != 1 {
            return Ok(Err(i));
        }
    }
    Ok(Ok(()))
}

/// Held stock of these holds becomes sold (payment arrived).
pub(crate) async fn settle(tx: &TenantTx, hold_id: Uuid) -> Result<()> {
    noted(
        tx,
        format!(
            "UPDATE ticket_types tt SET held = tt.held - x.q, sold = tt.sold + x.q \
             FROM (SELECT ticket_type_id, sum(quantity)::int AS q FROM hold_items WHERE hold_id = $1 GROUP BY 1) x \
             WHERE tt.id = x.ticket_type_id RETURNING {AVAILABILITY_NOTE}"
        ),
        vec![hold_id.into()],
    )
    .await?;
    noted(
        tx,
        format!("UPDATE seats SET status = 'sold', hold_id = NULL WHERE hold_id = $1 AND status = 'held' RETURNING {SEAT_NOTE}"),
        vec![hold_id.into()],
    )
    .await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct NoteRow {
    note: serde_json::Value,
}

/// Runs an UPDATE … RETURNING <note> and records the notes on the
/// transaction. Returns how many rows it changed.
pub(crate) async fn noted(tx: &TenantTx, sql: String, values: Vec<sea_orm::Value>) -> Result<usize> {
    let rows =
        NoteRow::find_by_statement(Statement::from_sql_and_values(DbBackend::Postgres, sql, values)).all(&**tx).await?;
    let n = rows.len();
    tx.note(rows.into_iter().filter_map(|r| serde_json::from_value::<StockNote>(r.note).ok()));
    Ok(n)
}

/// Held stock of these holds goes back on sale.
pub(crate) async fn release(tx: &TenantTx, hold_ids: &[Uuid]) -> Result<()> {
    if hold_ids.is_empty() {
        return Ok(());
    }
    noted(
        tx,
        format!(
            "UPDATE ticket_types tt SET held = tt.held - x.q \
             FROM (SELECT ticket_type_id, sum(quantity)::int AS q FROM hold_items WHERE hold_id = ANY($1) GROUP BY 1) x \
             WHERE tt.id = x.ticket_type_id RETURNING {AVAILABILITY_NOTE}"
        ),
        vec![hold_ids.to_vec().into()],
    )
    .await?;
    noted(
        tx,
        format!(
            "UPDATE seats SET status = 'available', hold_id = NULL WHERE hold_id = ANY($1) AND status = 'held' RETURNING {SEAT_NOTE}"
        ),
        vec![hold_ids.to_vec().into()],
    )
    .await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct Released {
    id: Uuid,
    hold_id: Option<Uuid>,
}

/// Expires holds and unpaid orders whose time is up, returning their stock.
/// `ticket_types` narrows the sweep to a purchase's sections (the purchase
/// path calls this when stock looks exhausted, so a dead sweeper never
/// strands stock); `None` sweeps everything (the background sweeper).
pub(crate) async fn release_expired(tx: &TenantTx, ticket_types: Option<&[Uuid]>) -> Result<usize> {
    let narrow = ticket_types.map(<[Uuid]>::to_vec);
    let holds = Released::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE holds SET status = 'expired', updated_at = now() \
         WHERE status = 'active' AND expires_at <= now() \
           AND ($1::uuid[] IS NULL OR id IN (SELECT hold_id FROM hold_items WHERE ticket_type_id = ANY($1))) \
         RETURNING id, id AS hold_id",
        [narrow.clone().into()],
    ))
    .all(&**tx)
    .await?;
    let orders = Released::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE orders SET status = 'expired', updated_at = now() \
         WHERE status = 'pending' AND expires_at <= now() \
           AND ($1::uuid[] IS NULL OR id IN (SELECT order_id FROM order_items WHERE ticket_type_id = ANY($1))) \
         RETURNING id, hold_id",
        [narrow.into()],
    ))
    .all(&**tx)
    .await?;
    let ids: Vec<Uuid> = holds.iter().chain(orders.iter()).filter_map(|r| r.hold_id).collect();
    release(tx, &ids).await?;
    crate::coupons::give_back(tx, &orders.iter().map(|o| o.id).collect::<Vec<_>>()).await?;
    for h in &holds {
        outbox::emit(tx, kind::HOLD_RELEASED, h.id, serde_json::json!({ "hold_id": h.id, "reason": "expired" }))
            .await?;
    }
    for o in &orders {
        outbox::emit(tx, kind::ORDER_EXPIRED, o.id, serde_json::json!({ "order_id": o.id })).await?;
    }
    Ok(ids.len())
}

pub(crate) async fn insert_hold(
    tx: &TenantTx,
    id: Uuid,
    user_id: Uuid,
    session_id: Uuid,
    status: &str,
    expires_at: DateTime<Utc>,
    lines: &[Line],
) -> Result<()> {
    // Arrays cannot carry NULLs here; the nil UUID stands for "no seat".
    let (mut tts, mut qs, mut seats): (Vec<Uuid>, Vec<i32>, Vec<Uuid>) = (vec![], vec![], vec![]);
    for l in lines {
        if l.seat_ids.is_empty() {
            tts.push(l.tt.id);
            qs.push(l.quantity as i32);
            seats.push(Uuid::nil());
        } else {
            for s in &l.seat_ids {
                tts.push(l.tt.id);
                qs.push(1);
                seats.push(*s);
            }
        }
    }
    // One statement, one round trip: the hold and its items.
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "WITH h AS (INSERT INTO holds (id, user_id, session_id, status, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id) \
         INSERT INTO hold_items (hold_id, ticket_type_id, quantity, seat_id) \
         SELECT (SELECT id FROM h), t, q, NULLIF(s, '00000000-0000-0000-0000-000000000000'::uuid) \
         FROM unnest($6::uuid[], $7::int[], $8::uuid[]) AS u(t, q, s)",
        [
            id.into(),
            user_id.into(),
            session_id.into(),
            status.into(),
            expires_at.into(),
            tts.into(),
            qs.into(),
            seats.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// The error for a line that could not be claimed.
pub(crate) fn unavailable(lines: &[Line], i: usize) -> Error {
    let l = &lines[i];
    if l.seat_ids.is_empty() {
        Error::conflict("sold_out", format!("not enough {} tickets left", l.tt.name))
            .with_field(format!("items[{i}].quantity"))
            .with_extra(serde_json::json!({ "ticket_type_id": l.tt.id }))
    } else {
        Error::conflict("seat_unavailable", "one of the seats is held or sold")
            .with_field(format!("items[{i}].seat_ids"))
            .with_extra(serde_json::json!({ "ticket_type_id": l.tt.id }))
    }
}

pub(crate) fn line_types(lines: &[Line]) -> Vec<Uuid> {
    lines.iter().map(|l| l.tt.id).collect()
}

async fn hold_view(tx: &TenantTx, id: Uuid) -> Result<HoldView> {
    #[derive(FromQueryResult)]
    struct H {
        id: Uuid,
        session_id: Uuid,
        status: String,
        expires_at: DateTime<Utc>,
    }
    let h = H::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT id, session_id, CASE WHEN status = 'active' AND expires_at <= now() THEN 'expired' ELSE status END AS status, expires_at FROM holds WHERE id = $1",
        [id.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::not_found("hold"))?;
    let items = HoldItemView::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT ticket_type_id, quantity, seat_id FROM hold_items WHERE hold_id = $1 ORDER BY ticket_type_id, seat_id",
        [id.into()],
    ))
    .all(&**tx)
    .await?;
    Ok(HoldView { id: h.id, session_id: h.session_id, status: h.status, expires_at: h.expires_at, items })
}

#[derive(FromQueryResult)]
pub(crate) struct HoldRow {
    pub session_id: Uuid,
    pub status: String,
    pub expires_at: DateTime<Utc>,
}

pub(crate) async fn lock_hold(tx: &TenantTx, id: Uuid, owner: Uuid) -> Result<HoldRow> {
    HoldRow::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT session_id, status, expires_at FROM holds WHERE id = $1 AND user_id = $2 FOR UPDATE",
        [id.into(), owner.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::not_found("hold"))
}

impl App {
    /// Reserves seats or quantities for `hold_minutes`. All or nothing.
    pub async fn create_hold(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        settings: &TenantSettings,
        input: HoldInput,
    ) -> Result<HoldView> {
        let expires_at = now() + Duration::minutes(i64::from(settings.hold_minutes));
        for attempt in 0..2 {
            let tx = self.store.tenant_tx(tenant_id).await?;
            let (_, session) = visible_session(&tx, Some(actor), input.session_id).await?;
            check_selling(&session.status)?;
            let lines = validate_cart(&tx, session.id, &input.items, now()).await?;
            let id = Uuid::now_v7();
            insert_hold(&tx, id, actor.user_id, session.id, "active", expires_at, &lines).await?;
            let turn = self.stock_queue.turn(line_types(&lines)).await;
            if let Err(i) = claim(&tx, &lines, Claim::Held, Some(id)).await? {
                drop(tx); // rolls back
                drop(turn);
                if attempt == 0 {
                    // Expired holds may be sitting on the stock: free them
                    // (or let whoever just did) and try once more.
                    self.release_expired_for(tenant_id, &line_types(&lines)).await?;
                    continue;
                }
                return Err(unavailable(&lines, i));
            }
            outbox::emit(
                &tx,
                kind::HOLD_CREATED,
                id,
                serde_json::json!({ "hold_id": id, "session_id": session.id, "expires_at": expires_at }),
            )
            .await?;
            let view = hold_view(&tx, id).await?;
            self.commit_turn_and_publish(tx, turn).await?;
            return Ok(view);
        }
        Err(Error::internal_msg("hold retry loop exhausted"))
    }

    pub async fn get_hold(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<HoldView> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        lock_hold(&tx, id, actor.user_id).await?;
        let v = hold_view(&tx, id).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Gives the stock back. Releasing an expired or released hold is a no-op.
    pub async fn release_hold(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<()> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let h = lock_hold(&tx, id, actor.user_id).await?;
        match h.status.as_str() {
            "active" => {
                tx.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "UPDATE holds SET status = 'released', updated_at = now() WHERE id = $1",
                    [id.into()],
                ))
                .await?;
                release(&tx, &[id]).await?;
                outbox::emit(&tx, kind::HOLD_RELEASED, id, serde_json::json!({ "hold_id": id, "reason": "released" }))
                    .await?;
            }
            "converted" => {
                return Err(Error::conflict("hold_converted", "this hold became an order; cancel the order instead"))
            }
            _ => {}
        }
        self.commit_and_publish(tx).await
    }

    /// Expires due holds and orders of some sections, in its own transaction.
    pub(crate) async fn release_expired_for(&self, tenant_id: Uuid, ticket_types: &[Uuid]) -> Result<usize> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let n = release_expired(&tx, Some(ticket_types)).await?;
        self.commit_and_publish(tx).await?;
        Ok(n)
    }

    /// The background sweeper's pass over every tenant. Returns holds and
    /// orders released.
    pub async fn sweep_expired(&self) -> Result<usize> {
        let mut total = 0;
        for tenant_id in taquilla_store::repo::tenants::all_ids(self.store.db()).await? {
            let tx = self.store.tenant_tx(tenant_id).await?;
            total += release_expired(&tx, None).await?;
            self.commit_and_publish(tx).await?;
        }
        Ok(total)
    }
}

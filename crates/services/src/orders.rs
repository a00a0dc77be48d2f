//! Orders: from a hold or straight from items, idempotent per
//! `Idempotency-Key`, paid at once when free, otherwise pending until the
//! payment provider (manual for now) confirms.
//!
//! The direct path writes the order, its items, tickets and events first and
//! claims stock LAST, right before COMMIT: the hot ticket_types row is
//! locked only for the claim and the commit, as short as one hot-row sale
//! can be. A failed claim rolls everything back.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use taquilla_core::roles::Permission;
use taquilla_core::settings::PaidWith;
use taquilla_core::settings::TenantSettings;
use taquilla_core::{Actor, Error, Result};
use taquilla_payments::ProviderKind;
use taquilla_store::outbox::{self, kind};
use taquilla_store::{repo, TenantTx};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::holds::{
    check_selling, claim, line_types, lock_hold, release, settle, unavailable, validate_cart, Claim, ItemInput, Line,
};
use crate::quotes::{price, Quote, ScriptUse, Scripts};
use crate::sessions::visible_session;
use crate::ticket_types::ticket_type;
use crate::{now, App};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// Buy what this hold reserves…
    #[serde(default)]
    pub hold_id: Option<Uuid>,
    /// …or these items of this session directly.
    #[serde(default)]
    pub session_id: Option<Uuid>,
    #[serde(default)]
    pub items: Option<Vec<ItemInput>>,
    /// A coupon to redeem; refused (and nothing bought) when it does not apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_code: Option<String>,
}

/// A client-chosen key that makes a retried request return the first result.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(s: &str) -> Result<Self> {
        if s.is_empty() || s.len() > 200 || !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::validation(
                "Idempotency-Key",
                "invalid_idempotency_key",
                "must be 1-200 visible ASCII characters",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Serialize, ToSchema, FromQueryResult)]
pub struct OrderItemView {
    pub ticket_type_id: Uuid,
    pub seat_id: Option<Uuid>,
    pub quantity: i32,
    /// What one ticket of this item was charged, before an order-wide coupon.
    pub unit_price_minor: i64,
    /// The ticket type's price when the order was placed.
    pub base_price_minor: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderView {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_id: Uuid,
    /// `pending`, `paid`, `expired`, `cancelled` or `refunded`.
    pub status: String,
    /// What the buyer pays: the items less `discount_minor`.
    pub total_minor: i64,
    /// Taken off by a coupon.
    pub discount_minor: i64,
    pub currency: String,
    /// `free`, `manual` or `stripe`.
    pub provider: String,
    pub payment_ref: Option<String>,
    /// Stripe: confirms the payment in the buyer's browser (Stripe.js
    /// `confirmPayment`). Only for pending card payments.
    pub client_secret: Option<String>,
    /// The provider's last refusal of a payment attempt (card declined…).
    pub payment_error: Option<String>,
    /// Money returned so far, in minor units.
    pub refunded_minor: i64,
    /// Unpaid orders release their stock at this time.
    pub expires_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub items: Vec<OrderItemView>,
    pub ticket_ids: Vec<Uuid>,
    /// The script versions that priced the order (pricing, coupon rule).
    pub pricing_scripts: Vec<ScriptUse>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub(crate) struct OrderRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub status: String,
    pub total_minor: i64,
    pub discount_minor: i64,
    pub currency: String,
    pub provider: String,
    pub payment_ref: Option<String>,
    pub client_secret: Option<String>,
    pub payment_error: Option<String>,
    pub refunded_minor: i64,
    pub hold_id: Option<Uuid>,
    pub request_hash: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub pricing_scripts: Option<serde_json::Value>,
}

const ORDER_COLUMNS: &str =
    "id, user_id, session_id, status, total_minor, discount_minor, currency, provider, payment_ref, client_secret, \
                             payment_error, refunded_minor, hold_id, request_hash, expires_at, paid_at, created_at, \
                             pricing_scripts";

pub(crate) async fn order_row(tx: &TenantTx, id: Uuid, lock: bool) -> Result<OrderRow> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    OrderRow::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1{lock}"),
        [id.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::not_found("order"))
}

async fn order_by_key(tx: &TenantTx, user_id: Uuid, key: &str) -> Result<Option<OrderRow>> {
    Ok(OrderRow::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT {ORDER_COLUMNS} FROM orders WHERE user_id = $1 AND idempotency_key = $2"),
        [user_id.into(), key.into()],
    ))
    .one(&**tx)
    .await?)
}

/// The order an earlier request with this key placed, if any. The same key
/// with another body is refused.
async fn replay_in(tx: &TenantTx, user_id: Uuid, key: &str, hash: &str) -> Result<Option<OrderView>> {
    let Some(o) = order_by_key(tx, user_id, key).await? else { return Ok(None) };
    if o.request_hash.as_deref() != Some(hash) {
        return Err(Error::new(
            taquilla_core::ErrorKind::Validation,
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request",
        )
        .with_field("Idempotency-Key"));
    }
    Ok(Some(view(tx, o).await?))
}

pub(crate) async fn view(tx: &TenantTx, o: OrderRow) -> Result<OrderView> {
    let items = OrderItemView::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT ticket_type_id, seat_id, quantity, unit_price_minor, base_price_minor FROM order_items WHERE order_id = $1 ORDER BY ticket_type_id, seat_id",
        [o.id.into()],
    ))
    .all(&**tx)
    .await?;
    #[derive(FromQueryResult)]
    struct T {
        id: Uuid,
    }
    let tickets = T::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT id FROM tickets WHERE order_id = $1 ORDER BY created_at, id",
        [o.id.into()],
    ))
    .all(&**tx)
    .await?;
    Ok(OrderView {
        id: o.id,
        user_id: o.user_id,
        session_id: o.session_id,
        status: o.status,
        total_minor: o.total_minor,
        discount_minor: o.discount_minor,
        currency: o.currency,
        provider: o.provider,
        payment_ref: o.payment_ref,
        client_secret: o.client_secret,
        payment_error: o.payment_error,
        refunded_minor: o.refunded_minor,
        expires_at: o.expires_at,
        paid_at: o.paid_at,
        created_at: o.created_at,
        items,
        ticket_ids: tickets.into_iter().map(|t| t.id).collect(),
        // Written by `insert_order` from the same type.
        pricing_scripts: o.pricing_scripts.and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default(),
    })
}

/// The order's owner, or staff who handle payments, may see and act on it.
/// Anyone else gets 404: an order id reveals nothing.
/// Organizers handle the orders of their own events; tenant admins (who
/// see every event's attendance) any.
pub(crate) async fn may_handle(tx: &TenantTx, actor: &Actor, o: &OrderRow) -> Result<()> {
    if o.user_id == actor.user_id
        || (actor.can(Permission::ConfirmPayments) && actor.can(Permission::ViewAnyAttendance))
    {
        return Ok(());
    }
    if actor.can(Permission::ConfirmPayments) {
        #[derive(FromQueryResult)]
        struct Owner {
            owner_id: Uuid,
        }
        let owner = Owner::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT e.owner_id FROM sessions s JOIN events e ON e.id = s.event_id WHERE s.id = $1",
            [o.session_id.into()],
        ))
        .one(&**tx)
        .await?;
        if owner.is_some_and(|w| w.owner_id == actor.user_id) {
            return Ok(());
        }
    }
    Err(Error::not_found("order"))
}

/// Writes the order, its items and its `order.created` event in one
/// statement; an order with a coupon that has no use limit also gets its
/// redemption row there (no lock, see `coupons::redeem`). Answers whether
/// that happened: a coupon with a limit is redeemed by `coupons::redeem`.
/// Writes an order with its items, its `order.created` event, the coupon's
/// redemption when it has no limits to check (else `coupons::redeem` does),
/// the request's audit row (`$25`, see `App::audit_param`) and, with
/// `new_hold`, the direct path's hold (already `converted`) and its items:
/// one statement.
static INSERT_ORDER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH h AS (INSERT INTO holds (id, user_id, session_id, status, expires_at) \
                SELECT $9, $2, $3, 'converted', $24 WHERE $24::timestamptz IS NOT NULL RETURNING id), \
          hi AS (INSERT INTO hold_items (hold_id, ticket_type_id, quantity, seat_id) \
                SELECT h.id, t, q, NULLIF(s, '00000000-0000-0000-0000-000000000000'::uuid) \
                FROM h, unnest($14::uuid[], $15::uuid[], $16::int[]) AS u(t, s, q)), \
          o AS (INSERT INTO orders (id, user_id, session_id, status, total_minor, currency, provider, payment_ref, \
                hold_id, idempotency_key, request_hash, expires_at, paid_at, created_at, discount_minor, coupon_id, \
                pricing_scripts) \
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $18, $21, $22, $23) RETURNING id), \
          i AS (INSERT INTO order_items (order_id, ticket_type_id, seat_id, quantity, unit_price_minor, base_price_minor) \
                SELECT (SELECT id FROM o), t, NULLIF(s, '00000000-0000-0000-0000-000000000000'::uuid), q, p, b \
                FROM unnest($14::uuid[], $15::uuid[], $16::int[], $17::bigint[], $20::bigint[]) AS u(t, s, q, p, b)), \
          r AS (INSERT INTO coupon_redemptions (order_id, coupon_id, user_id, discount_minor) \
                SELECT (SELECT id FROM o), c.id, $2, $21 FROM coupons c \
                WHERE c.id = $22 AND c.active AND c.deleted_at IS NULL \
                  AND c.max_uses IS NULL AND c.max_uses_per_user IS NULL RETURNING 1), \
          {} \
         INSERT INTO outbox (id, event_type, aggregate_id, payload) \
         SELECT $19, 'order.created', id, jsonb_build_object('order_id', id, 'user_id', $2::uuid, \
                'session_id', $3::uuid, 'status', $4::text, 'total_minor', $5::bigint, 'currency', $6::text) FROM o \
         RETURNING (SELECT count(*) FROM r) AS redeemed",
        taquilla_store::audit::insert_cte("a", 25)
    )
});

async fn insert_order(tx: &TenantTx, o: &NewOrderRow<'_>, lines: &[Line], audit: sea_orm::Value) -> Result<bool> {
    let (mut tts, mut seats, mut qs): (Vec<Uuid>, Vec<Uuid>, Vec<i32>) = (vec![], vec![], vec![]);
    let (mut prices, mut bases): (Vec<i64>, Vec<i64>) = (vec![], vec![]);
    for (l, q) in lines.iter().zip(&o.quote.lines) {
        if l.seat_ids.is_empty() {
            tts.push(l.tt.id);
            seats.push(Uuid::nil());
            qs.push(l.quantity as i32);
            prices.push(q.unit_price_minor);
            bases.push(q.base_price_minor);
        } else {
            for s in &l.seat_ids {
                tts.push(l.tt.id);
                seats.push(*s);
                qs.push(1);
                prices.push(q.unit_price_minor);
                bases.push(q.base_price_minor);
            }
        }
    }
    let row = tx
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            INSERT_ORDER.as_str(),
            [
                o.id.into(),
                o.user_id.into(),
                o.session_id.into(),
                o.status.into(),
                o.total_minor.into(),
                o.currency.into(),
                o.provider.into(),
                o.payment_ref.map(str::to_owned).into(),
                o.hold_id.into(),
                o.idempotency_key.map(str::to_owned).into(),
                o.request_hash.map(str::to_owned).into(),
                o.expires_at.into(),
                o.paid_at.into(),
                tts.into(),
                seats.into(),
                qs.into(),
                prices.into(),
                o.created_at.into(),
                Uuid::now_v7().into(),
                bases.into(),
                o.quote.discount_minor.into(),
                o.coupon_id.into(),
                Some(o.scripts.as_slice())
                    .filter(|s| !s.is_empty())
                    .map(serde_json::to_value)
                    .transpose()
                    .map_err(Error::internal)?
                    .into(),
                o.new_hold.into(),
                audit,
            ],
        ))
        .await
        .map_err(|e| match taquilla_store::pg_code(&e).as_deref() {
            // A request with the same Idempotency-Key got there first (now, or
            // earlier: the key is not looked up before, see `order_direct`).
            Some(taquilla_store::UNIQUE_VIOLATION) => {
                Error::conflict("idempotency_race", "a request with this Idempotency-Key is being processed")
            }
            _ => Error::from(e),
        })?;
    Ok(row.map(|r| r.try_get::<i64>("", "redeemed")).transpose()?.unwrap_or(0) == 1)
}

struct NewOrderRow<'a> {
    id: Uuid,
    user_id: Uuid,
    session_id: Uuid,
    status: &'static str,
    total_minor: i64,
    currency: &'a str,
    provider: &'static str,
    payment_ref: Option<&'a str>,
    hold_id: Uuid,
    /// Create hold `hold_id` (converted, expiring then) with the order.
    new_hold: Option<DateTime<Utc>>,
    idempotency_key: Option<&'a str>,
    request_hash: Option<&'a str>,
    expires_at: Option<DateTime<Utc>>,
    paid_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    quote: &'a Quote,
    coupon_id: Option<Uuid>,
    scripts: Vec<ScriptUse>,
}

/// Issues one ticket per unit of the paid order, each with a
/// `ticket.issued` event, and the order's `order.paid` event.
pub(crate) async fn issue_tickets(
    tx: &TenantTx,
    order_id: Uuid,
    session_id: Uuid,
    owner_id: Uuid,
) -> Result<Vec<Uuid>> {
    #[derive(FromQueryResult)]
    struct T {
        id: Uuid,
    }
    let ids = T::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "WITH t AS ( \
            INSERT INTO tickets (id, order_id, ticket_type_id, session_id, seat_id, owner_id) \
            SELECT gen_random_uuid(), oi.order_id, oi.ticket_type_id, $2, oi.seat_id, $3 \
            FROM order_items oi CROSS JOIN LATERAL generate_series(1, oi.quantity) \
            WHERE oi.order_id = $1 \
            RETURNING id, ticket_type_id, seat_id), \
         issued AS (INSERT INTO outbox (id, event_type, aggregate_id, payload) \
            SELECT gen_random_uuid(), 'ticket.issued', t.id, jsonb_build_object('ticket_id', t.id, 'order_id', $1::uuid, \
                   'ticket_type_id', t.ticket_type_id, 'seat_id', t.seat_id, 'owner_id', $3::uuid, 'session_id', $2::uuid) \
            FROM t), \
         paid AS (INSERT INTO outbox (id, event_type, aggregate_id, payload) \
            VALUES (gen_random_uuid(), 'order.paid', $1, jsonb_build_object('order_id', $1::uuid, 'user_id', $3::uuid))) \
         SELECT id FROM t",
        [order_id.into(), session_id.into(), owner_id.into()],
    ))
    .all(&**tx)
    .await?;
    let mut ids: Vec<Uuid> = ids.into_iter().map(|t| t.id).collect();
    ids.sort();
    Ok(ids)
}

/// The items an order of these lines has, as `view` would read them back.
fn items_of(lines: &[Line], quote: &Quote) -> Vec<OrderItemView> {
    let mut items: Vec<OrderItemView> = lines
        .iter()
        .zip(&quote.lines)
        .flat_map(|(l, q)| {
            let one = |seat_id: Option<Uuid>, quantity: i32| OrderItemView {
                ticket_type_id: l.tt.id,
                seat_id,
                quantity,
                unit_price_minor: q.unit_price_minor,
                base_price_minor: Some(q.base_price_minor),
            };
            if l.seat_ids.is_empty() {
                vec![one(None, l.quantity as i32)]
            } else {
                l.seat_ids.iter().map(|s| one(Some(*s), 1)).collect()
            }
        })
        .collect();
    items.sort_by_key(|i| (i.ticket_type_id, i.seat_id.is_none(), i.seat_id));
    items
}

fn request_hash(input: &OrderInput) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(input).unwrap_or_default()))
}

/// Rebuilds a hold's cart from its items.
pub(crate) async fn lines_of_hold(tx: &TenantTx, hold_id: Uuid) -> Result<Vec<Line>> {
    #[derive(FromQueryResult)]
    struct Item {
        ticket_type_id: Uuid,
        quantity: i32,
        seat_id: Option<Uuid>,
    }
    let items = Item::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT ticket_type_id, quantity, seat_id FROM hold_items WHERE hold_id = $1",
        [hold_id.into()],
    ))
    .all(&**tx)
    .await?;
    let mut by_type: BTreeMap<Uuid, (u32, Vec<Uuid>)> = BTreeMap::new();
    for it in items {
        let e = by_type.entry(it.ticket_type_id).or_default();
        e.0 += it.quantity.max(0) as u32;
        e.1.extend(it.seat_id);
    }
    let mut lines = Vec::with_capacity(by_type.len());
    for (tt_id, (quantity, seat_ids)) in by_type {
        lines.push(Line { tt: ticket_type(tx, tt_id).await?, quantity, seat_ids });
    }
    Ok(lines)
}

impl App {
    /// Places an order. Returns the order and whether it was created now
    /// (`false` when an `Idempotency-Key` replay returned an earlier one).
    pub async fn place_order(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        settings: &TenantSettings,
        input: OrderInput,
        key: Option<IdempotencyKey>,
    ) -> Result<(OrderView, bool)> {
        self.place_order_in(actor, tenant_id, settings, input, key, None).await
    }

    /// As [`App::place_order`], for a session that must belong to `event_id`
    /// (the one-call `POST /events/{id}/tickets`).
    pub async fn buy_tickets(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        settings: &TenantSettings,
        (event_id, session_id): (Uuid, Uuid),
        item: ItemInput,
        key: Option<IdempotencyKey>,
    ) -> Result<(OrderView, bool)> {
        let input =
            OrderInput { hold_id: None, session_id: Some(session_id), items: Some(vec![item]), coupon_code: None };
        self.place_order_in(actor, tenant_id, settings, input, key, Some(event_id)).await
    }

    async fn place_order_in(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        settings: &TenantSettings,
        input: OrderInput,
        key: Option<IdempotencyKey>,
        event_id: Option<Uuid>,
    ) -> Result<(OrderView, bool)> {
        let hash = request_hash(&input);
        let coupon = input.coupon_code.as_deref();
        // The replay check runs inside each path's own transaction: a keyed
        // purchase costs no extra transaction.
        let result = match (&input.hold_id, &input.session_id, &input.items) {
            (Some(h), None, None) => {
                self.order_from_hold(actor, tenant_id, settings, (*h, coupon), key.as_ref(), &hash).await
            }
            (None, Some(s), Some(items)) => {
                self.order_direct(actor, tenant_id, settings, (event_id, *s, coupon), items, key.as_ref(), &hash).await
            }
            (Some(_), _, _) => {
                Err(Error::validation("hold_id", "ambiguous_order", "give either hold_id, or session_id and items"))
            }
            (None, None, _) => {
                Err(Error::validation("session_id", "required", "give either hold_id, or session_id and items"))
            }
            (None, Some(_), None) => Err(Error::validation("items", "required", "give the items to buy")),
        };
        let (v, created) = match (result, &key) {
            (Err(e), Some(k)) if e.code == "idempotency_race" => {
                // The other request committed (or is about to): wait for it on the key's row.
                let mut found = None;
                for _ in 0..50 {
                    if let Some(v) = self.replay(actor, tenant_id, &k.0, &hash).await? {
                        found = Some(v);
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                (found.ok_or(e)?, false)
            }
            // A repeat of a request that succeeded before answers with its
            // order, whatever has changed since (sold out, sales closed).
            (Err(e), Some(k)) => (self.replay(actor, tenant_id, &k.0, &hash).await?.ok_or(e)?, false),
            (r, _) => r?,
        };
        // The card payment is opened once the order and its stock are
        // committed. If Stripe can't be reached the order stays pending; a
        // retry with the same Idempotency-Key opens it (Stripe returns the
        // same PaymentIntent for the order).
        let v = self.open_payment(tenant_id, settings, v).await?;
        Ok((v, created))
    }

    async fn replay(&self, actor: &Actor, tenant_id: Uuid, key: &str, hash: &str) -> Result<Option<OrderView>> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let v = replay_in(&tx, actor.user_id, key, hash).await?;
        tx.commit().await?;
        Ok(v)
    }

    #[allow(clippy::too_many_arguments)]
    async fn order_direct(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        settings: &TenantSettings,
        (event_id, session_id, coupon_code): (Option<Uuid>, Uuid, Option<&str>),
        items: &[ItemInput],
        key: Option<&IdempotencyKey>,
        hash: &str,
    ) -> Result<(OrderView, bool)> {
        for attempt in 0..2 {
            // The Idempotency-Key is not looked up first: a repeat fails on
            // the key's unique index when the order is written (or earlier,
            // on a rule that no longer holds), and `place_order_in` then
            // answers with the first order. A first request pays nothing.
            let tx = self.store.tenant_tx(tenant_id).await?;
            let (event, session) = visible_session(&tx, Some(actor), session_id).await?;
            if event_id.is_some_and(|e| e != event.id) {
                return Err(Error::validation("session_id", "not_in_event", "the session is not part of this event"));
            }
            check_selling(&session.status)?;
            let lines = validate_cart(&tx, session.id, items, now()).await?;
            let priced = price(
                &tx,
                Scripts::new(&self.scripting, settings),
                (&event, &session),
                &lines,
                coupon_code,
                actor.user_id,
                now(),
            )
            .await?;
            let total = priced.quote.total_minor;
            let currency = priced.quote.currency.clone();
            let id = Uuid::now_v7();
            let provider = self.payments.for_order(total, settings.payment_provider.map(paid_with))?;
            let paid = provider.kind() == ProviderKind::Free;
            let now = now();
            let expires = now + Duration::minutes(i64::from(settings.hold_minutes));
            let hold_id = Uuid::now_v7();
            let row = NewOrderRow {
                id,
                user_id: actor.user_id,
                session_id: session.id,
                status: if paid { "paid" } else { "pending" },
                total_minor: total,
                currency: &currency,
                provider: provider.kind().as_str(),
                payment_ref: None,
                hold_id,
                new_hold: Some(if paid { now } else { expires }),
                idempotency_key: key.map(|k| k.0.as_str()),
                request_hash: Some(hash),
                expires_at: (!paid).then_some(expires),
                paid_at: paid.then_some(now),
                created_at: now,
                quote: &priced.quote,
                coupon_id: priced.coupon_id,
                scripts: priced.scripts,
            };
            let redeemed = insert_order(&tx, &row, &lines, self.audit_param(&tx)).await?;
            if let Some(c) = priced.coupon_id.filter(|_| !redeemed) {
                crate::coupons::redeem(&tx, c, id, actor.user_id, priced.quote.discount_minor).await?;
            }
            let ticket_ids = if paid { issue_tickets(&tx, id, session.id, actor.user_id).await? } else { vec![] };
            // The answer is built from what was written, so nothing is read
            // back while the stock row is locked.
            let v = OrderView {
                id,
                user_id: actor.user_id,
                session_id: session.id,
                status: row.status.to_owned(),
                total_minor: total,
                discount_minor: priced.quote.discount_minor,
                currency: currency.clone(),
                provider: row.provider.to_owned(),
                payment_ref: None,
                client_secret: None,
                payment_error: None,
                refunded_minor: 0,
                expires_at: row.expires_at,
                paid_at: row.paid_at,
                created_at: now,
                items: items_of(&lines, &priced.quote),
                ticket_ids,
                pricing_scripts: row.scripts.clone(),
            };
            // Last: the hot row stays locked only until the COMMIT below.
            let turn = self.stock_queue.turn(line_types(&lines)).await;
            if let Err(i) = claim(&tx, &lines, if paid { Claim::Sold } else { Claim::Held }, Some(hold_id)).await? {
                drop(tx);
                drop(turn);
                if attempt == 0 {
                    // Expired holds and orders may be sitting on the stock:
                    // free them (or let whoever just did) and try once more.
                    self.release_expired_for(tenant_id, &line_types(&lines)).await?;
                    continue;
                }
                return Err(unavailable(&lines, i));
            }
            self.commit_turn_and_publish(tx, turn).await?;
            return Ok((v, true));
        }
        Err(Error::internal_msg("order retry loop exhausted"))
    }

    async fn order_from_hold(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        settings: &TenantSettings,
        (hold_id, coupon_code): (Uuid, Option<&str>),
        key: Option<&IdempotencyKey>,
        hash: &str,
    ) -> Result<(OrderView, bool)> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        if let Some(k) = key {
            if let Some(v) = replay_in(&tx, actor.user_id, &k.0, hash).await? {
                tx.commit().await?;
                return Ok((v, false));
            }
        }
        let h = lock_hold(&tx, hold_id, actor.user_id).await?;
        if h.status != "active" {
            return Err(Error::conflict("hold_not_active", format!("the hold is {}", h.status)).with_field("hold_id"));
        }
        if h.expires_at <= now() {
            tx.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE holds SET status = 'expired', updated_at = now() WHERE id = $1",
                [hold_id.into()],
            ))
            .await?;
            release(&tx, &[hold_id]).await?;
            outbox::emit(
                &tx,
                kind::HOLD_RELEASED,
                hold_id,
                serde_json::json!({ "hold_id": hold_id, "reason": "expired" }),
            )
            .await?;
            self.commit_and_publish(tx).await?;
            return Err(
                Error::conflict("hold_expired", "the hold expired; its seats were released").with_field("hold_id")
            );
        }
        let session = repo::sessions::find(&tx, h.session_id).await?.ok_or_else(|| Error::not_found("session"))?;
        check_selling(&session.status)?;
        let lines = lines_of_hold(&tx, hold_id).await?;
        let event = repo::events::by_id(&tx, session.event_id).await?.ok_or_else(|| Error::not_found("event"))?;
        let priced = price(
            &tx,
            Scripts::new(&self.scripting, settings),
            (&event, &session),
            &lines,
            coupon_code,
            actor.user_id,
            now(),
        )
        .await?;
        let total = priced.quote.total_minor;
        let currency = priced.quote.currency.clone();
        let id = Uuid::now_v7();
        let provider = self.payments.for_order(total, settings.payment_provider.map(paid_with))?;
        let paid = provider.kind() == ProviderKind::Free;
        let now = now();
        let expires = now + Duration::minutes(i64::from(settings.hold_minutes));
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE holds SET status = 'converted', expires_at = $2, updated_at = now() WHERE id = $1",
            [hold_id.into(), (if paid { now } else { expires }).into()],
        ))
        .await?;
        let row = NewOrderRow {
            id,
            user_id: actor.user_id,
            session_id: session.id,
            status: if paid { "paid" } else { "pending" },
            total_minor: total,
            currency: &currency,
            provider: provider.kind().as_str(),
            payment_ref: None,
            hold_id,
            new_hold: None,
            idempotency_key: key.map(|k| k.0.as_str()),
            request_hash: Some(hash),
            expires_at: (!paid).then_some(expires),
            paid_at: paid.then_some(now),
            created_at: now,
            quote: &priced.quote,
            coupon_id: priced.coupon_id,
            scripts: priced.scripts,
        };
        let redeemed = insert_order(&tx, &row, &lines, self.audit_param(&tx)).await?;
        if let Some(c) = priced.coupon_id.filter(|_| !redeemed) {
            crate::coupons::redeem(&tx, c, id, actor.user_id, priced.quote.discount_minor).await?;
        }
        if paid {
            settle(&tx, hold_id).await?;
            issue_tickets(&tx, id, session.id, actor.user_id).await?;
        }
        let o = order_row(&tx, id, false).await?;
        let v = view(&tx, o).await?;
        self.commit_and_publish(tx).await?;
        Ok((v, true))
    }

    pub async fn get_order(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<OrderView> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let o = order_row(&tx, id, false).await?;
        may_handle(&tx, actor, &o).await?;
        let v = view(&tx, o).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Confirms a manual payment (pay at the door, invoice): people who
    /// handle payments only, never the buyer.
    /// Paying a paid order again returns it unchanged.
    pub async fn pay_order(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<OrderView> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let o = order_row(&tx, id, true).await?;
        may_handle(&tx, actor, &o).await?;
        // Money changes hands at the box office: the buyer saying so is not
        // a payment (else anyone could issue themselves tickets).
        actor.require(Permission::ConfirmPayments)?;
        match o.status.as_str() {
            "paid" => {
                let v = view(&tx, o).await?;
                self.commit_and_publish(tx).await?;
                return Ok(v);
            }
            "pending" => {}
            other => return Err(Error::conflict("order_not_pending", format!("the order is {other}"))),
        }
        if o.provider != "manual" {
            return Err(Error::conflict(
                "provider_confirms",
                format!("{} payments are confirmed by the provider", o.provider),
            ));
        }
        let hold_id = o.hold_id.ok_or_else(|| Error::internal_msg("pending order without hold"))?;
        if o.expires_at.is_some_and(|e| e <= now()) {
            expire_order(&tx, &o, hold_id).await?;
            self.commit_and_publish(tx).await?;
            return Err(Error::conflict("order_expired", "the order expired before payment; its stock was released"));
        }
        settle(&tx, hold_id).await?;
        mark_paid(&tx, &o).await?;
        let o = order_row(&tx, id, false).await?;
        let v = view(&tx, o).await?;
        self.commit_and_publish(tx).await?;
        Ok(v)
    }

    /// Cancels a pending order (stock returns), or a paid free one (its
    /// tickets are voided). Paid orders with money need a refund instead.
    pub async fn cancel_order(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<OrderView> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let o = order_row(&tx, id, true).await?;
        may_handle(&tx, actor, &o).await?;
        match (o.status.as_str(), o.total_minor) {
            ("pending", _) => {
                if let Some(h) = o.hold_id {
                    release(&tx, &[h]).await?;
                }
            }
            ("paid", 0) => void_paid_order(&tx, id).await?,
            ("paid", _) => return Err(Error::conflict("refund_required", "a paid order is refunded, not cancelled")),
            (other, _) => return Err(Error::conflict("order_not_cancellable", format!("the order is {other}"))),
        }
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE orders SET status = 'cancelled', updated_at = now() WHERE id = $1",
            [id.into()],
        ))
        .await?;
        crate::coupons::give_back(&tx, &[id]).await?;
        outbox::emit(&tx, kind::ORDER_CANCELLED, id, serde_json::json!({ "order_id": id })).await?;
        let o = order_row(&tx, id, false).await?;
        let v = view(&tx, o).await?;
        self.commit_and_publish(tx).await?;
        Ok(v)
    }
}

/// A pending order whose stock is sold to it becomes paid, with its tickets.
pub(crate) async fn mark_paid(tx: &TenantTx, o: &OrderRow) -> Result<()> {
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE orders SET status = 'paid', paid_at = now(), payment_error = NULL, updated_at = now() WHERE id = $1",
        [o.id.into()],
    ))
    .await?;
    issue_tickets(tx, o.id, o.session_id, o.user_id).await?;
    Ok(())
}

pub(crate) async fn expire_order(tx: &TenantTx, o: &OrderRow, hold_id: Uuid) -> Result<()> {
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE orders SET status = 'expired', updated_at = now() WHERE id = $1",
        [o.id.into()],
    ))
    .await?;
    release(tx, &[hold_id]).await?;
    crate::coupons::give_back(tx, &[o.id]).await?;
    outbox::emit(tx, kind::ORDER_EXPIRED, o.id, serde_json::json!({ "order_id": o.id })).await
}

/// Voids a paid order's tickets and returns their stock. Refused when a
/// ticket was already used at the door.
pub(crate) async fn void_paid_order(tx: &TenantTx, order_id: Uuid) -> Result<()> {
    #[derive(FromQueryResult)]
    struct Used {
        n: i64,
    }
    let used = Used::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT count(*) AS n FROM tickets WHERE order_id = $1 AND status = 'used'",
        [order_id.into()],
    ))
    .one(&**tx)
    .await?
    .map_or(0, |u| u.n);
    if used > 0 {
        return Err(Error::conflict("ticket_used", "a ticket of this order was already used"));
    }
    void_tickets(tx, "order_id = $1", order_id).await
}

/// Voids active tickets matching `filter` (with `$1` = `arg`), returning
/// their seats and counts to stock, with a `ticket.voided` event each.
pub(crate) async fn void_tickets(tx: &TenantTx, filter: &str, arg: impl Into<sea_orm::Value>) -> Result<()> {
    use taquilla_store::{AVAILABILITY_NOTE, SEAT_NOTE};
    crate::holds::noted(
        tx,
        format!(
            "WITH v AS (UPDATE tickets SET status = 'void', version = version + 1, updated_at = now() \
                        WHERE {filter} AND status = 'active' RETURNING id, ticket_type_id, seat_id), \
                  s AS (UPDATE seats SET status = 'available', hold_id = NULL WHERE id IN (SELECT seat_id FROM v) \
                        RETURNING {SEAT_NOTE}), \
                  c AS (UPDATE ticket_types tt SET sold = tt.sold - x.n \
                        FROM (SELECT ticket_type_id, count(*)::int AS n FROM v GROUP BY 1) x WHERE tt.id = x.ticket_type_id \
                        RETURNING {AVAILABILITY_NOTE}), \
                  o AS (INSERT INTO outbox (id, event_type, aggregate_id, payload) \
                        SELECT gen_random_uuid(), 'ticket.voided', v.id, jsonb_build_object('ticket_id', v.id) FROM v) \
             SELECT note FROM s UNION ALL SELECT note FROM c"
        ),
        vec![arg.into()],
    )
    .await?;
    Ok(())
}

pub(crate) fn paid_with(p: PaidWith) -> ProviderKind {
    match p {
        PaidWith::Manual => ProviderKind::Manual,
        PaidWith::Stripe => ProviderKind::Stripe,
    }
}

/// Which orders a listing shows.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrderFilter {
    /// `pending`, `paid`, `expired`, `cancelled` or `refunded`.
    pub status: Option<String>,
    pub session_id: Option<Uuid>,
    /// Only the caller's own orders (the default for anyone who may not
    /// handle other people's payments).
    pub mine: Option<bool>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// An order in a listing: what it is for and where it stands.
#[derive(Debug, Clone, Serialize, ToSchema, FromQueryResult)]
pub struct OrderSummary {
    pub id: Uuid,
    pub user_id: Uuid,
    pub buyer_email: Option<String>,
    pub session_id: Uuid,
    pub event_id: Uuid,
    pub event_title: String,
    pub session_starts_at: DateTime<Utc>,
    pub status: String,
    pub total_minor: i64,
    pub discount_minor: i64,
    pub refunded_minor: i64,
    pub currency: String,
    pub provider: String,
    pub tickets: i64,
    pub expires_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl App {
    /// Orders, newest first: tenant admins see the tenant's, organizers
    /// their events', everyone else (and `mine=true`) their own.
    pub async fn list_orders(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        f: OrderFilter,
    ) -> Result<taquilla_core::page::Page<OrderSummary>> {
        let page = taquilla_core::page::PageRequest::new(f.page, f.per_page)?;
        if let Some(s) = &f.status {
            if !["pending", "paid", "expired", "cancelled", "refunded"].contains(&s.as_str()) {
                return Err(Error::validation(
                    "status",
                    "invalid_status",
                    "pending, paid, expired, cancelled or refunded",
                ));
            }
        }
        // Buyers (and `mine`): their orders. Organizers: their events' orders.
        // Tenant admins: every order.
        let handles = actor.can(Permission::ConfirmPayments) && f.mine != Some(true);
        let buyer = (!handles).then_some(actor.user_id);
        let owner = (handles && !actor.can(Permission::ViewAnyAttendance)).then_some(actor.user_id);
        const FROM: &str =
            "FROM orders o JOIN sessions se ON se.id = o.session_id JOIN events e ON e.id = se.event_id \
             LEFT JOIN users u ON u.id = o.user_id \
             WHERE ($1::uuid IS NULL OR o.user_id = $1) AND ($2::text IS NULL OR o.status = $2) \
               AND ($3::uuid IS NULL OR o.session_id = $3) AND ($4::uuid IS NULL OR e.owner_id = $4)";
        let args = || -> Vec<sea_orm::Value> {
            vec![buyer.into(), f.status.clone().into(), f.session_id.into(), owner.into()]
        };
        #[derive(FromQueryResult)]
        struct N {
            n: i64,
        }
        let tx = self.store.tenant_tx(tenant_id).await?;
        let total = N::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT count(*) AS n {FROM}"),
            args(),
        ))
        .one(&*tx)
        .await?
        .map_or(0, |n| n.n.max(0) as u64);
        let mut values = args();
        values.extend([(page.per_page as i64).into(), (page.offset() as i64).into()]);
        let rows = OrderSummary::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT o.id, o.user_id, u.email AS buyer_email, o.session_id, e.id AS event_id, e.title AS event_title, \
                   se.starts_at AS session_starts_at, o.status, o.total_minor, o.discount_minor, o.refunded_minor, \
                   o.currency, o.provider, \
                   (SELECT coalesce(sum(i.quantity), 0) FROM order_items i WHERE i.order_id = o.id)::bigint AS tickets, \
                   o.expires_at, o.paid_at, o.created_at \
                 {FROM} ORDER BY o.created_at DESC, o.id DESC LIMIT $5 OFFSET $6"
            ),
            values,
        ))
        .all(&*tx)
        .await?;
        tx.commit().await?;
        Ok(taquilla_core::page::Page::new(rows, total, page))
    }
}

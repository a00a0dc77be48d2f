//! Payments beyond placing an order: opening card payments at Stripe,
//! Stripe's webhook events, refunds.
//!
//! Stripe events: each event id is acted on once (`public.stripe_events`,
//! written in the same transaction as the change it causes, so a crash
//! between the two can't lose or double an event). The tenant and order of
//! an event come from our own record of the PaymentIntents we opened
//! (`public.stripe_payment_intents`), not from the payload's metadata:
//! charges and disputes name only the PaymentIntent.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};
use taquilla_core::roles::Permission;
use taquilla_core::settings::TenantSettings;
use taquilla_core::{Actor, Error, Result};
use taquilla_payments::{stripe_signature, PaymentRequest, ProviderKind, RefundRequest};
use taquilla_store::outbox::{self, kind};
use taquilla_store::TenantTx;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::holds::{claim, release, Claim};
use crate::orders::{
    expire_order, lines_of_hold, mark_paid, may_handle, order_row, view, void_tickets, OrderRow, OrderView,
};
use crate::{now, App};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentProviders {
    /// What this deployment takes payments with.
    pub offered: Vec<ProviderKind>,
    /// Whether card payments (Stripe) are configured; without them only
    /// `free` and `manual` are offered.
    pub stripe_configured: bool,
    /// What this tenant's paid orders use.
    pub tenant_default: ProviderKind,
    /// Stripe.js publishable key (`pk_…`) for the Payment Element; null
    /// without Stripe.
    pub stripe_publishable_key: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    /// Amount to return, in minor units. Defaults to the price of
    /// `ticket_ids`, or, without tickets, to everything not yet refunded.
    #[serde(default)]
    pub amount_minor: Option<i64>,
    /// Tickets to void with this refund. Without them and without an amount
    /// the whole order is refunded and all its unused tickets voided; with
    /// an amount only, it is money back and the tickets stay valid.
    #[serde(default)]
    pub ticket_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Clone, Serialize, ToSchema, FromQueryResult)]
pub struct RefundView {
    pub id: Uuid,
    pub order_id: Uuid,
    pub amount_minor: i64,
    pub ticket_ids: Vec<Uuid>,
    /// `requested`, `late_payment` or `provider`.
    pub reason: String,
    pub provider: String,
    pub provider_ref: Option<String>,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// What `POST /webhooks/stripe` did with an event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StripeAck {
    pub received: bool,
    /// The event id was handled before: acknowledged, nothing done.
    pub duplicate: bool,
    /// `paid`, `reseated`, `refunded_late`, `payment_failed`, `refund_recorded`,
    /// `dispute_recorded`, `ignored` …
    pub outcome: String,
}

/// The fields of a Stripe event we read. Everything else is left alone, so
/// events of any API version are understood.
#[derive(Debug, Deserialize)]
struct StripeEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: StripeEventData,
}

#[derive(Debug, Deserialize)]
struct StripeEventData {
    object: serde_json::Value,
}

impl StripeEvent {
    /// The PaymentIntent the event is about.
    fn payment_intent(&self) -> Option<&str> {
        let o = &self.data.object;
        match o.get("object").and_then(|v| v.as_str()) {
            Some("payment_intent") => o.get("id").and_then(|v| v.as_str()),
            _ => o.get("payment_intent").and_then(|v| v.as_str()),
        }
    }

    fn int(&self, field: &str) -> Option<i64> {
        self.data.object.get(field).and_then(|v| v.as_i64())
    }
}

#[derive(FromQueryResult)]
struct IntentOwner {
    tenant_id: Uuid,
    order_id: Uuid,
}

const REFUND_COLUMNS: &str =
    "id, order_id, amount_minor, ticket_ids, reason, provider, provider_ref, status, created_at";

impl App {
    pub fn payment_providers(&self, settings: &TenantSettings) -> PaymentProviders {
        let tenant_default = self
            .payments
            .for_order(1, settings.payment_provider.map(crate::orders::paid_with))
            .map(|p| p.kind())
            .unwrap_or(ProviderKind::Manual);
        PaymentProviders {
            offered: self.payments.offered(),
            stripe_configured: self.payments.stripe().is_some(),
            tenant_default,
            stripe_publishable_key: self.payments.stripe().and_then(|s| s.publishable_key()).map(str::to_owned),
        }
    }

    /// Opens the card payment of a committed, pending Stripe order that has
    /// none yet, and records it. Anything else is returned as it is.
    pub(crate) async fn open_payment(
        &self,
        tenant_id: Uuid,
        settings: &TenantSettings,
        mut v: OrderView,
    ) -> Result<OrderView> {
        if v.provider != ProviderKind::Stripe.as_str() || v.status != "pending" || v.client_secret.is_some() {
            return Ok(v);
        }
        let provider = self.payments.by_kind(ProviderKind::Stripe)?;
        let opened = provider
            .open(&PaymentRequest {
                tenant_id,
                order_id: v.id,
                amount_minor: v.total_minor,
                currency: v.currency.clone(),
                connected_account: settings.stripe_account_id.clone(),
            })
            .await?;
        let Some(opened) = opened else { return Ok(v) };
        let tx = self.store.tenant_tx(tenant_id).await?;
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO public.stripe_payment_intents (id, tenant_id, order_id) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO NOTHING",
            [opened.reference.clone().into(), tenant_id.into(), v.id.into()],
        ))
        .await?;
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE orders SET payment_ref = $2, client_secret = $3, updated_at = now() WHERE id = $1",
            [v.id.into(), opened.reference.clone().into(), opened.client_secret.clone().into()],
        ))
        .await?;
        tx.commit().await?;
        v.payment_ref = Some(opened.reference);
        v.client_secret = opened.client_secret;
        Ok(v)
    }

    /// `POST /webhooks/stripe`: verifies the signature over the raw body,
    /// then acts on the event once.
    pub async fn stripe_webhook(&self, payload: &[u8], signature: Option<&str>) -> Result<StripeAck> {
        let stripe = self.payments.stripe().ok_or_else(|| {
            Error::new(taquilla_core::ErrorKind::NotFound, "stripe_not_configured", "Stripe is not configured here")
        })?;
        stripe_signature::verify(payload, signature, stripe.webhook_secrets(), Utc::now().timestamp())?;
        let event: StripeEvent = serde_json::from_slice(payload)
            .map_err(|e| Error::bad_request("invalid_event", format!("not a Stripe event: {e}")))?;
        let owner = match event.payment_intent() {
            Some(pi) => {
                IntentOwner::find_by_statement(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT tenant_id, order_id FROM public.stripe_payment_intents WHERE id = $1",
                    [pi.into()],
                ))
                .one(self.store.db())
                .await?
            }
            None => None,
        };
        let Some(owner) = owner else {
            // Not one of ours (another integration on the account, or an
            // event type we don't act on): acknowledged so Stripe stops.
            return self.record_platform_event(&event, "ignored").await;
        };
        let tx = self.store.tenant_tx(owner.tenant_id).await?;
        let first = tx
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO public.stripe_events (id, type, tenant_id, outcome) VALUES ($1, $2, $3, 'processing') \
                 ON CONFLICT (id) DO NOTHING",
                [event.id.clone().into(), event.kind.clone().into(), owner.tenant_id.into()],
            ))
            .await?
            .rows_affected()
            == 1;
        if !first {
            tx.commit().await?;
            return Ok(StripeAck { received: true, duplicate: true, outcome: "duplicate".into() });
        }
        let o = order_row(&tx, owner.order_id, true).await?;
        let (outcome, late_refund) = match event.kind.as_str() {
            "payment_intent.succeeded" => self.intent_succeeded(&tx, &event, &o).await?,
            "payment_intent.payment_failed" => (payment_failed(&tx, &event, &o).await?, None),
            "charge.refunded" => (charge_refunded(&tx, &event, &o).await?, None),
            "charge.dispute.created" => (dispute_created(&tx, &event, &o).await?, None),
            _ => ("ignored", None),
        };
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE public.stripe_events SET outcome = $2 WHERE id = $1",
            [event.id.clone().into(), outcome.into()],
        ))
        .await?;
        self.commit_and_publish(tx).await?;
        if let Some(refund_id) = late_refund {
            // Money for stock that is gone goes back at once. Should Stripe
            // fail now, the refund row stays `pending` for staff to see.
            if let Err(e) = self.send_refund(owner.tenant_id, refund_id).await {
                tracing::error!(error = ?e, %refund_id, "late-payment refund failed");
            }
        }
        Ok(StripeAck { received: true, duplicate: false, outcome: outcome.into() })
    }

    async fn record_platform_event(&self, event: &StripeEvent, outcome: &str) -> Result<StripeAck> {
        let r = self
            .store
            .db()
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO public.stripe_events (id, type, outcome) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
                [event.id.clone().into(), event.kind.clone().into(), outcome.into()],
            ))
            .await?;
        Ok(StripeAck { received: true, duplicate: r.rows_affected() == 0, outcome: outcome.into() })
    }

    /// The buyer paid. A pending order within its time is paid now; one
    /// whose time ran out gets its stock back if any is left (re-seated);
    /// otherwise the money is refunded.
    async fn intent_succeeded(
        &self,
        tx: &TenantTx,
        event: &StripeEvent,
        o: &OrderRow,
    ) -> Result<(&'static str, Option<Uuid>)> {
        let received = event.int("amount_received").or_else(|| event.int("amount"));
        let currency = event.data.object.get("currency").and_then(|v| v.as_str()).unwrap_or_default();
        if received != Some(o.total_minor) || !currency.eq_ignore_ascii_case(&o.currency) {
            // Never sell for a different amount than the order's: staff sort it out.
            set_payment_error(tx, o.id, "the payment's amount or currency differs from the order's").await?;
            return Ok(("amount_mismatch", None));
        }
        match o.status.as_str() {
            "paid" | "refunded" => return Ok(("already_paid", None)),
            "pending" if o.expires_at.is_none_or(|e| e > now()) => {
                let hold_id = o.hold_id.ok_or_else(|| Error::internal_msg("pending order without hold"))?;
                crate::holds::settle(tx, hold_id).await?;
                mark_paid(tx, o).await?;
                return Ok(("paid", None));
            }
            "pending" => {
                let hold_id = o.hold_id.ok_or_else(|| Error::internal_msg("pending order without hold"))?;
                expire_order(tx, o, hold_id).await?;
            }
            _ => {} // expired or cancelled: its stock went back already
        }
        if let Some(hold_id) = o.hold_id {
            let lines = lines_of_hold(tx, hold_id).await?;
            if !lines.is_empty() && claim(tx, &lines, Claim::Sold, None).await?.is_ok() {
                mark_paid(tx, o).await?;
                return Ok(("reseated", None));
            }
        }
        let refund_id = Uuid::now_v7();
        insert_refund(tx, refund_id, o, o.total_minor, &[], "late_payment", None, "pending", None).await?;
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE orders SET refunded_minor = total_minor, payment_error = $2, updated_at = now() WHERE id = $1",
            [o.id.into(), "paid after the order expired and its tickets were gone; refunded".into()],
        ))
        .await?;
        outbox::emit(
            tx,
            kind::ORDER_REFUNDED,
            o.id,
            serde_json::json!({ "order_id": o.id, "refund_id": refund_id, "amount_minor": o.total_minor, "reason": "late_payment" }),
        )
        .await?;
        Ok(("refunded_late", Some(refund_id)))
    }

    /// Sends a recorded `pending` refund to the provider and records the result.
    async fn send_refund(&self, tenant_id: Uuid, refund_id: Uuid) -> Result<()> {
        let settings = self.settings_of(tenant_id).await?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let r = refund_row(&tx, refund_id).await?;
        let o = order_row(&tx, r.order_id, false).await?;
        tx.commit().await?;
        let provider = self.payments.by_kind(ProviderKind::parse(&o.provider).unwrap_or(ProviderKind::Manual))?;
        let done = provider
            .refund(&RefundRequest {
                tenant_id,
                order_id: o.id,
                refund_id,
                payment_ref: o.payment_ref.clone(),
                amount_minor: r.amount_minor,
                connected_account: settings.stripe_account_id.clone(),
            })
            .await;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let (status, reference, error) = match &done {
            Ok(d) => (d.status.clone(), d.reference.clone(), None),
            Err(e) => ("pending".to_owned(), None, Some(e.message.clone())),
        };
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE refunds SET status = $2, provider_ref = coalesce($3, provider_ref), error = $4, updated_at = now() \
             WHERE id = $1",
            [refund_id.into(), refund_status(&status).into(), reference.into(), error.into()],
        ))
        .await?;
        tx.commit().await?;
        done.map(|_| ())
    }

    /// Refunds a paid order in full or in part through its provider; the
    /// refunded tickets are voided and their stock returns. The provider is
    /// called with the order locked, so two refunds of one order can't
    /// both pass the checks; nothing is written unless it succeeded.
    pub async fn refund_order(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        settings: &TenantSettings,
        order_id: Uuid,
        input: RefundInput,
    ) -> Result<(RefundView, OrderView)> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let o = order_row(&tx, order_id, true).await?;
        may_handle(&tx, actor, &o).await?;
        actor.require(Permission::RefundOrders)?;
        if o.status != "paid" {
            return Err(Error::conflict("order_not_paid", format!("the order is {}", o.status)));
        }
        let kind = ProviderKind::parse(&o.provider).unwrap_or(ProviderKind::Manual);
        if kind == ProviderKind::Free {
            return Err(Error::conflict("nothing_to_refund", "a free order has no payment to refund; cancel it"));
        }
        let remaining = o.total_minor - o.refunded_minor;
        let tickets = match &input.ticket_ids {
            Some(ids) => refundable_tickets(&tx, o.id, ids).await?,
            None if input.amount_minor.is_none() => all_active_tickets(&tx, o.id).await?,
            None => vec![],
        };
        let ticket_value: i64 = tickets.iter().map(|t| t.unit_price_minor).sum();
        let amount = match (input.amount_minor, &input.ticket_ids) {
            (Some(a), _) => a,
            (None, Some(_)) => ticket_value,
            (None, None) => remaining,
        };
        if amount < 1 || amount > remaining {
            return Err(Error::validation(
                "amount_minor",
                "out_of_range",
                format!("must be 1..={remaining} (what is left to refund)"),
            ));
        }
        let refund_id = Uuid::now_v7();
        let done = self
            .payments
            .by_kind(kind)?
            .refund(&RefundRequest {
                tenant_id,
                order_id: o.id,
                refund_id,
                payment_ref: o.payment_ref.clone(),
                amount_minor: amount,
                connected_account: settings.stripe_account_id.clone(),
            })
            .await?;
        let ticket_ids: Vec<Uuid> = tickets.iter().map(|t| t.id).collect();
        insert_refund(
            &tx,
            refund_id,
            &o,
            amount,
            &ticket_ids,
            "requested",
            done.reference.as_deref(),
            refund_status(&done.status),
            Some(actor.user_id),
        )
        .await?;
        if !ticket_ids.is_empty() {
            void_tickets(&tx, "id = ANY($1)", ticket_ids.clone()).await?;
        }
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE orders SET refunded_minor = refunded_minor + $2, \
               status = CASE WHEN refunded_minor + $2 >= total_minor THEN 'refunded' ELSE status END, \
               updated_at = now() WHERE id = $1",
            [o.id.into(), amount.into()],
        ))
        .await?;
        outbox::emit(
            &tx,
            kind::ORDER_REFUNDED,
            o.id,
            serde_json::json!({ "order_id": o.id, "refund_id": refund_id, "amount_minor": amount,
                                "ticket_ids": ticket_ids, "user_id": o.user_id, "reason": "requested" }),
        )
        .await?;
        let r = refund_row(&tx, refund_id).await?;
        let ov = view(&tx, order_row(&tx, o.id, false).await?).await?;
        self.commit_and_publish(tx).await?;
        Ok((r, ov))
    }

    pub async fn order_refunds(&self, actor: &Actor, tenant_id: Uuid, order_id: Uuid) -> Result<Vec<RefundView>> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let o = order_row(&tx, order_id, false).await?;
        may_handle(&tx, actor, &o).await?;
        let v = RefundView::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {REFUND_COLUMNS} FROM refunds WHERE order_id = $1 ORDER BY created_at, id"),
            [order_id.into()],
        ))
        .all(&*tx)
        .await?;
        tx.commit().await?;
        Ok(v)
    }
}

fn refund_status(s: &str) -> &'static str {
    match s {
        "succeeded" => "succeeded",
        "failed" | "canceled" => "failed",
        _ => "pending",
    }
}

async fn refund_row(tx: &TenantTx, id: Uuid) -> Result<RefundView> {
    RefundView::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT {REFUND_COLUMNS} FROM refunds WHERE id = $1"),
        [id.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::not_found("refund"))
}

#[allow(clippy::too_many_arguments)]
async fn insert_refund(
    tx: &TenantTx,
    id: Uuid,
    o: &OrderRow,
    amount: i64,
    ticket_ids: &[Uuid],
    reason: &str,
    provider_ref: Option<&str>,
    status: &str,
    requested_by: Option<Uuid>,
) -> Result<()> {
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO refunds (id, order_id, amount_minor, ticket_ids, reason, provider, provider_ref, status, requested_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        [
            id.into(),
            o.id.into(),
            amount.into(),
            ticket_ids.to_vec().into(),
            reason.into(),
            o.provider.clone().into(),
            provider_ref.map(str::to_owned).into(),
            status.into(),
            requested_by.into(),
        ],
    ))
    .await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct RefundableTicket {
    id: Uuid,
    status: String,
    unit_price_minor: i64,
}

const TICKET_PRICES: &str = "SELECT t.id, t.status, \
       coalesce((SELECT oi.unit_price_minor FROM order_items oi WHERE oi.order_id = t.order_id \
                 AND oi.ticket_type_id = t.ticket_type_id ORDER BY oi.unit_price_minor LIMIT 1), 0) AS unit_price_minor \
     FROM tickets t WHERE t.order_id = $1";

/// The order's tickets named in `ids`: each must be the order's and unused.
async fn refundable_tickets(tx: &TenantTx, order_id: Uuid, ids: &[Uuid]) -> Result<Vec<RefundableTicket>> {
    if ids.is_empty() {
        return Err(Error::validation("ticket_ids", "empty", "name at least one ticket, or leave ticket_ids out"));
    }
    let found = RefundableTicket::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("{TICKET_PRICES} AND t.id = ANY($2)"),
        [order_id.into(), ids.to_vec().into()],
    ))
    .all(&**tx)
    .await?;
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    if found.len() != unique.len() {
        return Err(Error::validation("ticket_ids", "unknown_ticket", "every ticket must belong to this order"));
    }
    if let Some(t) = found.iter().find(|t| t.status != "active") {
        let code = if t.status == "used" { "ticket_used" } else { "ticket_void" };
        return Err(Error::conflict(code, format!("ticket {} is {}", t.id, t.status)).with_field("ticket_ids"));
    }
    Ok(found)
}

async fn all_active_tickets(tx: &TenantTx, order_id: Uuid) -> Result<Vec<RefundableTicket>> {
    Ok(RefundableTicket::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("{TICKET_PRICES} AND t.status = 'active'"),
        [order_id.into()],
    ))
    .all(&**tx)
    .await?)
}

async fn set_payment_error(tx: &TenantTx, order_id: Uuid, message: &str) -> Result<()> {
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE orders SET payment_error = $2, updated_at = now() WHERE id = $1",
        [order_id.into(), message.into()],
    ))
    .await?;
    Ok(())
}

/// A declined card: the order stays pending (the buyer may try another
/// card until it expires); the reason is kept for the buyer and support.
async fn payment_failed(tx: &TenantTx, event: &StripeEvent, o: &OrderRow) -> Result<&'static str> {
    let message = event
        .data
        .object
        .pointer("/last_payment_error/message")
        .and_then(|v| v.as_str())
        .unwrap_or("the payment failed");
    set_payment_error(tx, o.id, message).await?;
    outbox::emit(
        tx,
        kind::ORDER_PAYMENT_FAILED,
        o.id,
        serde_json::json!({ "order_id": o.id, "user_id": o.user_id, "message": message }),
    )
    .await?;
    Ok("payment_failed")
}

/// A refund made at Stripe (ours are recorded when made; one made in the
/// dashboard shows up here first): the order's refunded amount catches up,
/// and a full refund voids what is left of the order.
async fn charge_refunded(tx: &TenantTx, event: &StripeEvent, o: &OrderRow) -> Result<&'static str> {
    let refunded = event.int("amount_refunded").unwrap_or(0).min(o.total_minor);
    if refunded <= o.refunded_minor {
        return Ok("refund_known");
    }
    let extra = refunded - o.refunded_minor;
    let full = refunded >= o.total_minor;
    let ids: Vec<Uuid> = if full { all_active_tickets(tx, o.id).await?.iter().map(|t| t.id).collect() } else { vec![] };
    insert_refund(tx, Uuid::now_v7(), o, extra, &ids, "provider", None, "succeeded", None).await?;
    if full {
        void_tickets(tx, "order_id = $1", o.id).await?;
        if o.status == "pending" {
            if let Some(h) = o.hold_id {
                release(tx, &[h]).await?;
            }
        }
    }
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE orders SET refunded_minor = $2, status = CASE WHEN $3 THEN 'refunded' ELSE status END, \
           updated_at = now() WHERE id = $1",
        [o.id.into(), refunded.into(), full.into()],
    ))
    .await?;
    outbox::emit(
        tx,
        kind::ORDER_REFUNDED,
        o.id,
        serde_json::json!({ "order_id": o.id, "amount_minor": extra, "user_id": o.user_id, "reason": "provider" }),
    )
    .await?;
    Ok("refund_recorded")
}

async fn dispute_created(tx: &TenantTx, event: &StripeEvent, o: &OrderRow) -> Result<&'static str> {
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE orders SET disputed_at = coalesce(disputed_at, now()), updated_at = now() WHERE id = $1",
        [o.id.into()],
    ))
    .await?;
    outbox::emit(
        tx,
        kind::ORDER_DISPUTED,
        o.id,
        serde_json::json!({
            "order_id": o.id,
            "dispute_id": event.data.object.get("id"),
            "amount_minor": event.int("amount"),
            "reason": event.data.object.get("reason"),
        }),
    )
    .await?;
    Ok("dispute_recorded")
}

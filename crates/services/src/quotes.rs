//! Prices: what each line costs and what a coupon takes off. One function,
//! [`price`], used by quotes, coupon checks and orders alike, so a quote is
//! exactly what the order will charge.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use taquilla_core::{Actor, Error, Result};
use taquilla_store::TenantTx;
use utoipa::ToSchema;
use uuid::Uuid;

use taquilla_scripting::{
    BuyerFacts, EventFacts, PricingContext, ScriptKind, SessionFacts, TicketTypeFacts, Validation,
};
use taquilla_store::entity::{events, sessions};

use crate::coupons::{self, CartLine};
use crate::holds::{validate_cart, ItemInput, Line};
use crate::scripts::Scripting;
use crate::sessions::visible_session;
use crate::App;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteInput {
    /// Price what this hold reserves…
    #[serde(default)]
    pub hold_id: Option<Uuid>,
    /// …or these items of this session.
    #[serde(default)]
    pub session_id: Option<Uuid>,
    #[serde(default)]
    pub items: Option<Vec<ItemInput>>,
    #[serde(default)]
    pub coupon_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteLine {
    pub ticket_type_id: Uuid,
    pub name: String,
    pub quantity: u32,
    /// The ticket type's price.
    pub base_price_minor: i64,
    /// What one ticket of this line costs.
    pub unit_price_minor: i64,
    /// The pricing script's label for this price ("Early bird").
    pub label: Option<String>,
    pub line_total_minor: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Quote {
    pub session_id: Uuid,
    pub currency: String,
    pub lines: Vec<QuoteLine>,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
    /// The coupon applied, as stored (its case).
    pub coupon_code: Option<String>,
}

/// A quote and the coupon an order would redeem.
pub(crate) struct Priced {
    pub quote: Quote,
    pub coupon_id: Option<Uuid>,
    /// The pricing script version that priced the lines, if one did.
    pub script: Option<(Uuid, i32)>,
}

fn overflow() -> Error {
    Error::validation("items", "total_too_large", "the order total overflows")
}

/// Prices `lines` of a session of `event_id` for `user_id`. A coupon that
/// does not apply is an error naming `coupon_code`: an order never silently
/// charges more than the buyer was quoted.
pub(crate) async fn price(
    tx: &TenantTx,
    scripting: &Scripting,
    (event, session): (&events::Model, &sessions::Model),
    lines: &[Line],
    coupon_code: Option<&str>,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Priced> {
    let (event_id, session_id) = (event.id, session.id);
    let currency = lines.first().map(|l| l.tt.currency.clone()).unwrap_or_else(|| "EUR".into());
    let scripted = match crate::scripts::active_pricing(tx, event_id).await? {
        None => None,
        Some(a) => {
            let compiled = scripting
                .compiled(a.id, ScriptKind::Pricing, a.version, &a.source)
                .map_err(|e| script_error(a.id, a.version, &e))?;
            Some((a, compiled, previous_orders(tx, user_id).await?))
        }
    };
    let mut out = Vec::with_capacity(lines.len());
    let mut subtotal = 0i64;
    for l in lines {
        let (unit, label) = match &scripted {
            None => (l.tt.price_minor, None),
            Some((a, compiled, previous)) => {
                let ctx = PricingContext {
                    ticket_type: TicketTypeFacts {
                        id: l.tt.id,
                        name: l.tt.name.clone(),
                        base_price: l.tt.price_minor,
                        currency: l.tt.currency.clone(),
                        capacity: i64::from(l.tt.capacity),
                        sold: i64::from(l.tt.sold),
                        available: Some(i64::from(l.tt.capacity - l.tt.sold - l.tt.held).max(0)),
                    },
                    session: SessionFacts { id: session.id, starts_at: session.starts_at },
                    event: EventFacts { id: event.id, category: event.category.clone(), starts_at: event.starts_at },
                    quantity: i64::from(l.quantity),
                    now,
                    buyer: BuyerFacts { is_member: false, previous_orders: *previous },
                };
                let o = scripting
                    .sandbox
                    .price(compiled, &ctx, Validation::default())
                    .map_err(|e| script_error(a.id, a.version, &e))?;
                (o.unit_price, o.label)
            }
        };
        let line_total = unit.checked_mul(i64::from(l.quantity)).ok_or_else(overflow)?;
        subtotal = subtotal.checked_add(line_total).ok_or_else(overflow)?;
        out.push(QuoteLine {
            ticket_type_id: l.tt.id,
            name: l.tt.name.clone(),
            quantity: l.quantity,
            base_price_minor: l.tt.price_minor,
            unit_price_minor: unit,
            label,
            line_total_minor: line_total,
        });
    }
    let (discount, coupon_id, code) = match coupon_code.map(str::trim).filter(|c| !c.is_empty()) {
        None => (0, None, None),
        Some(code) => {
            let (c, user_uses) = coupons::by_code(tx, code, user_id).await?;
            let cart: Vec<CartLine> = out
                .iter()
                .map(|l| CartLine {
                    ticket_type_id: l.ticket_type_id,
                    quantity: l.quantity,
                    line_total_minor: l.line_total_minor,
                })
                .collect();
            let off = c
                .discount((event_id, session_id, &currency), &cart, user_uses, now)
                .map_err(coupons::NotEligible::into_error)?;
            (off, Some(c.view.id), Some(c.view.code))
        }
    };
    Ok(Priced {
        quote: Quote {
            session_id,
            currency,
            lines: out,
            subtotal_minor: subtotal,
            discount_minor: discount,
            total_minor: subtotal - discount,
            coupon_code: code,
        },
        coupon_id,
        script: scripted.map(|(a, _, _)| (a.id, a.version)),
    })
}

/// A script that fails at sale time stops the sale: never a wrong price.
fn script_error(id: Uuid, version: i32, e: &taquilla_scripting::ScriptError) -> Error {
    tracing::warn!(script = %id, version, error = %e, "pricing script failed");
    Error::new(taquilla_core::ErrorKind::Validation, "script_error", format!("the pricing script failed: {e}"))
        .with_extra(serde_json::json!({ "script_id": id, "version": version, "error": e }))
}

/// Paid orders the buyer placed before (a fact pricing scripts may use).
async fn previous_orders(tx: &TenantTx, user_id: Uuid) -> Result<i64> {
    #[derive(sea_orm::FromQueryResult)]
    struct N {
        n: i64,
    }
    use sea_orm::FromQueryResult;
    Ok(N::find_by_statement(sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "SELECT count(*) AS n FROM orders WHERE user_id = $1 AND status = 'paid'",
        [user_id.into()],
    ))
    .one(&**tx)
    .await?
    .map_or(0, |n| n.n))
}

/// What a coupon would do for a cart.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CouponCheckInput {
    pub session_id: Uuid,
    pub items: Vec<ItemInput>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CouponCheck {
    pub eligible: bool,
    /// Why not, as a stable code (`coupon_expired`, `coupon_min_quantity`…).
    pub code: Option<String>,
    pub reason: Option<String>,
    pub discount_minor: i64,
    /// The cart priced with the coupon (or without it, when not eligible).
    pub quote: Quote,
}

impl App {
    /// Prices a cart exactly as `POST /orders` would charge it, without
    /// reserving anything.
    pub async fn quote(&self, actor: &Actor, tenant_id: Uuid, input: QuoteInput) -> Result<Quote> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let now = crate::now();
        let ((event, session), lines) = match (input.hold_id, input.session_id, &input.items) {
            (Some(h), None, None) => {
                let hold = crate::holds::lock_hold(&tx, h, actor.user_id).await?;
                let found = visible_session(&tx, Some(actor), hold.session_id).await?;
                (found, crate::orders::lines_of_hold(&tx, h).await?)
            }
            (None, Some(s), Some(items)) => {
                let found = visible_session(&tx, Some(actor), s).await?;
                let lines = validate_cart(&tx, found.1.id, items, now).await?;
                (found, lines)
            }
            (Some(_), _, _) => {
                return Err(Error::validation(
                    "hold_id",
                    "ambiguous_order",
                    "give either hold_id, or session_id and items",
                ));
            }
            (None, None, _) => {
                return Err(Error::validation(
                    "session_id",
                    "required",
                    "give either hold_id, or session_id and items",
                ));
            }
            (None, Some(_), None) => return Err(Error::validation("items", "required", "give the items to price")),
        };
        let priced =
            price(&tx, &self.scripting, (&event, &session), &lines, input.coupon_code.as_deref(), actor.user_id, now)
                .await?;
        tx.commit().await?;
        Ok(priced.quote)
    }

    /// Previews a coupon on a cart: eligible or not, and why.
    pub async fn check_coupon(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        code: &str,
        input: CouponCheckInput,
    ) -> Result<CouponCheck> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let now = crate::now();
        let (event, session) = visible_session(&tx, Some(actor), input.session_id).await?;
        let lines = validate_cart(&tx, session.id, &input.items, now).await?;
        let ids = (&event, &session);
        let check = match price(&tx, &self.scripting, ids, &lines, Some(code), actor.user_id, now).await {
            Ok(p) => CouponCheck {
                eligible: true,
                code: None,
                reason: None,
                discount_minor: p.quote.discount_minor,
                quote: p.quote,
            },
            // An unknown code is an error, as in a quote: there is nothing to preview.
            Err(e) if e.field.as_deref() == Some("coupon_code") && e.code != "unknown_coupon" => {
                let plain = price(&tx, &self.scripting, ids, &lines, None, actor.user_id, now).await?;
                CouponCheck {
                    eligible: false,
                    code: Some(e.code.to_string()),
                    reason: Some(e.message.clone()),
                    discount_minor: 0,
                    quote: plain.quote,
                }
            }
            Err(e) => return Err(e),
        };
        tx.commit().await?;
        Ok(check)
    }
}

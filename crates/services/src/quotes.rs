//! Prices: what each line costs and what a coupon takes off. One function,
//! [`price`], used by quotes, coupon checks and orders alike, so a quote is
//! exactly what the order will charge.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use taquilla_core::{Actor, Error, Result};
use taquilla_store::TenantTx;
use utoipa::ToSchema;
use uuid::Uuid;

use taquilla_core::settings::TenantSettings;
use taquilla_scripting::{
    BuyerFacts, CouponContext, EventFacts, PricingContext, ScriptKind, SessionFacts, TicketTypeFacts, Validation,
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
    /// The script versions that priced the order (auditable), as stored in
    /// `orders.pricing_scripts`.
    pub scripts: Vec<ScriptUse>,
}

/// One script version that took part in pricing an order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScriptUse {
    pub script_id: Uuid,
    pub version: i32,
    /// `pricing` or `coupon`.
    pub kind: String,
    /// The pricing script failed and the tenant's fallback sold at base price.
    #[serde(default)]
    pub fell_back: bool,
}

/// The scripting engine and the tenant's rules for it.
#[derive(Clone, Copy)]
pub(crate) struct Scripts<'a> {
    pub engine: &'a Scripting,
    /// A failing pricing script sells at base price instead of refusing.
    pub fallback: bool,
    pub validation: Validation,
}

impl<'a> Scripts<'a> {
    pub fn new(engine: &'a Scripting, settings: &TenantSettings) -> Self {
        Scripts {
            engine,
            fallback: settings.pricing_script_fallback,
            validation: Validation { max_price_multiplier: settings.script_price_cap },
        }
    }
}

fn overflow() -> Error {
    Error::validation("items", "total_too_large", "the order total overflows")
}

/// The facts about a line every script sees.
fn facts(
    l: &Line,
    (event, session): (&events::Model, &sessions::Model),
) -> (TicketTypeFacts, SessionFacts, EventFacts) {
    (
        TicketTypeFacts {
            id: l.tt.id,
            name: l.tt.name.clone(),
            base_price: l.tt.price_minor,
            currency: l.tt.currency.clone(),
            capacity: i64::from(l.tt.capacity),
            sold: i64::from(l.tt.sold),
            available: Some(i64::from(l.tt.capacity - l.tt.sold - l.tt.held).max(0)),
        },
        SessionFacts { id: session.id, starts_at: session.starts_at },
        EventFacts { id: event.id, category: event.category.clone(), starts_at: event.starts_at },
    )
}

/// The active pricing script (with the buyer's facts) and the coupon named
/// (with its rule), in one round trip: a row whose pricing columns or
/// coupon columns are null when there is none.
async fn lookups(tx: &TenantTx, event_id: Uuid, user_id: Uuid, code: Option<&str>) -> Result<sea_orm::QueryResult> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT pr.*, cp.* FROM (SELECT 1) AS one \
             LEFT JOIN LATERAL ({}) pr ON true LEFT JOIN LATERAL ({}) cp ON true",
            crate::scripts::ACTIVE_PRICING,
            coupons::by_code_sql()
        )
    });
    tx.query_one_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        SQL.as_str(),
        [event_id.into(), user_id.into(), code.map(coupons::code_key).into()],
    ))
    .await?
    .ok_or_else(|| Error::internal_msg("the lookup returned no row"))
}

/// Prices `lines` of a session of `event_id` for `user_id`. A coupon that
/// does not apply is an error naming `coupon_code`: an order never silently
/// charges more than the buyer was quoted.
pub(crate) async fn price(
    tx: &TenantTx,
    scripts: Scripts<'_>,
    (event, session): (&events::Model, &sessions::Model),
    lines: &[Line],
    coupon_code: Option<&str>,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Priced> {
    let (event_id, session_id) = (event.id, session.id);
    let currency = lines.first().map(|l| l.tt.currency.clone()).unwrap_or_else(|| "EUR".into());
    let mut used = Vec::new();
    let code = coupon_code.map(str::trim).filter(|c| !c.is_empty());
    let found = lookups(tx, event_id, user_id, code).await?;
    let (pricing, mut buyer) = match crate::scripts::active_pricing_of(&found)? {
        None => (None, None),
        Some((script, facts)) => (Some(script), Some(facts)),
    };
    let mut out = Vec::with_capacity(lines.len());
    let mut subtotal = 0i64;
    let mut fell_back = false;
    for l in lines {
        let (unit, label) = match (&pricing, &buyer) {
            (Some(a), Some(b)) => {
                let (ticket_type, session, event) = facts(l, (event, session));
                let ctx = PricingContext {
                    ticket_type,
                    session,
                    event,
                    quantity: i64::from(l.quantity),
                    now,
                    buyer: b.clone(),
                };
                let run = scripts
                    .engine
                    .compiled(a.id, ScriptKind::Pricing, a.version, &a.source)
                    .and_then(|compiled| scripts.engine.sandbox.price(&compiled, &ctx, scripts.validation));
                match run {
                    Ok(o) => (o.unit_price, o.label),
                    Err(e) if scripts.fallback => {
                        tracing::warn!(script = %a.id, version = a.version, error = %e, "pricing script failed; base price");
                        fell_back = true;
                        (l.tt.price_minor, None)
                    }
                    Err(e) => return Err(script_error("pricing", a.id, a.version, &e)),
                }
            }
            _ => (l.tt.price_minor, None),
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
    if let Some(a) = &pricing {
        used.push(ScriptUse { script_id: a.id, version: a.version, kind: "pricing".into(), fell_back });
    }
    let (discount, coupon_id, code) = match code {
        None => (0, None, None),
        Some(_) => {
            let (c, user_uses) = coupons::coupon_of(tx, &found, user_id).await?;
            let cart: Vec<CartLine> = out
                .iter()
                .map(|l| CartLine {
                    ticket_type_id: l.ticket_type_id,
                    quantity: l.quantity,
                    line_total_minor: l.line_total_minor,
                })
                .collect();
            let mut off = c
                .discount((event_id, session_id, &currency), &cart, user_uses, now)
                .map_err(coupons::NotEligible::into_error)?;
            if c.view.script_id.is_some() {
                let rule = c.rule.clone().ok_or_else(|| coupons::NotEligible::rule_inactive().into_error())?;
                let b = match buyer.take() {
                    Some(b) => b,
                    None => buyer_facts(tx, user_id).await?,
                };
                off = scripted_discount(scripts, &rule, &c, (event, session), (lines, &out), b, now)?;
                used.push(ScriptUse {
                    script_id: rule.id,
                    version: rule.version,
                    kind: "coupon".into(),
                    fell_back: false,
                });
            }
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
        scripts: used,
    })
}

/// The discount a coupon's rule script gives: `fn apply(ctx)` runs once per
/// line the coupon applies to; the discounts add up. No line eligible: the
/// coupon does not apply, for the script's first reason. A script failure
/// refuses the quote (no fallback: a buyer is never charged more than a
/// coupon preview said, nor less than the rule allows).
fn scripted_discount(
    scripts: Scripts<'_>,
    rule: &crate::scripts::ActiveScript,
    c: &coupons::Coupon,
    ids: (&events::Model, &sessions::Model),
    (lines, priced): (&[Line], &[QuoteLine]),
    buyer: BuyerFacts,
    now: DateTime<Utc>,
) -> Result<i64> {
    let compiled = scripts
        .engine
        .compiled(rule.id, ScriptKind::Coupon, rule.version, &rule.source)
        .map_err(|e| script_error("coupon", rule.id, rule.version, &e))?;
    let coupon = c.facts();
    let mut total = 0i64;
    let mut declined: Option<String> = None;
    let mut any = false;
    for (l, q) in lines.iter().zip(priced).filter(|(l, _)| c.applies_to(l.tt.id)) {
        let (ticket_type, session, event) = facts(l, ids);
        let ctx = CouponContext {
            ticket_type,
            session,
            event,
            quantity: i64::from(l.quantity),
            now,
            buyer: buyer.clone(),
            unit_price: Some(q.unit_price_minor),
            coupon: coupon.clone(),
        };
        let o = scripts
            .engine
            .sandbox
            .coupon(&compiled, &ctx)
            .map_err(|e| script_error("coupon", rule.id, rule.version, &e))?;
        if o.eligible {
            any = true;
            total = total.checked_add(o.discount).ok_or_else(overflow)?;
        } else if declined.is_none() {
            declined = Some(o.reason);
        }
    }
    if !any {
        let reason = declined.filter(|r| !r.is_empty()).unwrap_or_else(|| "this coupon does not apply".into());
        return Err(coupons::NotEligible::declined(reason).into_error());
    }
    Ok(total)
}

/// A script that fails at sale time stops the sale: never a wrong price.
fn script_error(kind: &str, id: Uuid, version: i32, e: &taquilla_scripting::ScriptError) -> Error {
    tracing::warn!(script = %id, version, error = %e, "{kind} script failed");
    let field = if kind == "coupon" { "coupon_code" } else { "items" };
    Error::new(taquilla_core::ErrorKind::Validation, "script_error", format!("the {kind} script failed: {e}"))
        .with_field(field)
        .with_extra(serde_json::json!({ "script_id": id, "version": version, "error": e }))
}

/// What scripts know about the buyer: membership and paid orders before
/// (with no pricing script, only a coupon rule asks).
async fn buyer_facts(tx: &TenantTx, user_id: Uuid) -> Result<BuyerFacts> {
    #[derive(sea_orm::FromQueryResult)]
    struct Row {
        is_member: bool,
        previous_orders: i64,
    }
    use sea_orm::FromQueryResult;
    Ok(Row::find_by_statement(sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "SELECT coalesce((SELECT is_member FROM users WHERE id = $1), false) AS is_member, \
                (SELECT count(*) FROM orders WHERE user_id = $1 AND status = 'paid') AS previous_orders",
        [user_id.into()],
    ))
    .one(&**tx)
    .await?
    .map_or_else(BuyerFacts::default, |r| BuyerFacts { is_member: r.is_member, previous_orders: r.previous_orders }))
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
        let settings = self.settings_of(tenant_id).await?;
        let scripts = Scripts::new(&self.scripting, &settings);
        let priced =
            price(&tx, scripts, (&event, &session), &lines, input.coupon_code.as_deref(), actor.user_id, now).await?;
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
        let settings = self.settings_of(tenant_id).await?;
        let scripts = Scripts::new(&self.scripting, &settings);
        let check = match price(&tx, scripts, ids, &lines, Some(code), actor.user_id, now).await {
            Ok(p) => CouponCheck {
                eligible: true,
                code: None,
                reason: None,
                discount_minor: p.quote.discount_minor,
                quote: p.quote,
            },
            // An unknown code is an error, as in a quote: there is nothing to preview.
            Err(e)
                if e.field.as_deref() == Some("coupon_code")
                    && e.code != "unknown_coupon"
                    && e.code != "script_error" =>
            {
                let plain = price(&tx, scripts, ids, &lines, None, actor.user_id, now).await?;
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

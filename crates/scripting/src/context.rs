//! The typed contract scripts see. The services build these from the
//! database; test cases deserialise them from JSON (every field has a
//! default, unknown fields are rejected so a typo in a test case fails loudly).
//! Both become the same rhai map, documented in plugins/README.md.

use chrono::{DateTime, SecondsFormat, Utc};
use rhai::{Dynamic, Map};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ScriptError;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketTypeFacts {
    pub id: Uuid,
    pub name: String,
    /// Minor units of `currency`.
    pub base_price: i64,
    pub currency: String,
    pub capacity: i64,
    pub sold: i64,
    /// What can still be bought (the services subtract holds too); when
    /// absent, `capacity - sold`, never below zero.
    pub available: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionFacts {
    pub id: Uuid,
    pub starts_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventFacts {
    pub id: Uuid,
    pub category: String,
    pub starts_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BuyerFacts {
    pub is_member: bool,
    /// Paid orders the buyer has placed with this tenant before.
    pub previous_orders: i64,
}

/// Input of `fn price(ctx)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PricingContext {
    pub ticket_type: TicketTypeFacts,
    pub session: SessionFacts,
    pub event: EventFacts,
    /// Tickets of this type on the line, at least 1.
    pub quantity: i64,
    /// The moment of the quote, passed in so that a script's answer depends
    /// on its input alone (rhai's own clock functions are compiled out).
    pub now: DateTime<Utc>,
    pub buyer: BuyerFacts,
}

impl Default for PricingContext {
    fn default() -> Self {
        Self {
            ticket_type: TicketTypeFacts::default(),
            session: SessionFacts::default(),
            event: EventFacts::default(),
            quantity: 1,
            now: DateTime::<Utc>::default(),
            buyer: BuyerFacts::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CouponKind {
    /// `value` is a percentage (20 = 20 %).
    #[default]
    Percent,
    /// `value` is an amount in minor units.
    Fixed,
}

impl CouponKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Percent => "percent",
            Self::Fixed => "fixed",
        }
    }
}

/// The coupon as the tenant configured it; the services have already checked
/// the generic rules (validity window, uses, applicability) before the script runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CouponFacts {
    pub code: String,
    pub kind: CouponKind,
    pub value: i64,
    pub min_quantity: i64,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
}

/// Input of `fn apply(ctx)`: the pricing facts, the line as priced, the coupon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CouponContext {
    pub ticket_type: TicketTypeFacts,
    pub session: SessionFacts,
    pub event: EventFacts,
    pub quantity: i64,
    pub now: DateTime<Utc>,
    pub buyer: BuyerFacts,
    /// The unit price after the pricing script; when absent, the base price.
    pub unit_price: Option<i64>,
    pub coupon: CouponFacts,
}

impl Default for CouponContext {
    fn default() -> Self {
        let p = PricingContext::default();
        Self {
            ticket_type: p.ticket_type,
            session: p.session,
            event: p.event,
            quantity: p.quantity,
            now: p.now,
            buyer: p.buyer,
            unit_price: None,
            coupon: CouponFacts::default(),
        }
    }
}

impl CouponContext {
    /// The coupon context for a line priced from `pricing` at `unit_price`.
    pub fn from_pricing(pricing: PricingContext, unit_price: i64, coupon: CouponFacts) -> Self {
        Self {
            ticket_type: pricing.ticket_type,
            session: pricing.session,
            event: pricing.event,
            quantity: pricing.quantity,
            now: pricing.now,
            buyer: pricing.buyer,
            unit_price: Some(unit_price),
            coupon,
        }
    }

    pub fn unit_price(&self) -> i64 {
        self.unit_price.unwrap_or(self.ticket_type.base_price)
    }

    /// `unit_price × quantity`, the most a coupon may take off.
    pub fn line_total(&self) -> Result<i64, ScriptError> {
        self.unit_price()
            .checked_mul(self.quantity)
            .ok_or_else(|| ScriptError::invalid_context("unit_price × quantity overflows a 64-bit integer"))
    }
}

/// Timestamps go to scripts twice: as RFC 3339 in UTC with whole seconds
/// and a `Z` (one fixed format, so comparing two of them as strings is
/// comparing the instants) and as unix seconds for arithmetic.
fn put_time(map: &mut Map, key: &'static str, unix_key: &'static str, at: Option<&DateTime<Utc>>) {
    match at {
        Some(at) => {
            map.insert(key.into(), at.to_rfc3339_opts(SecondsFormat::Secs, true).into());
            map.insert(unix_key.into(), Dynamic::from_int(at.timestamp()));
        }
        None => {
            map.insert(key.into(), Dynamic::UNIT);
            map.insert(unix_key.into(), Dynamic::UNIT);
        }
    }
}

fn non_negative(value: i64, what: &str) -> Result<i64, ScriptError> {
    if value < 0 {
        Err(ScriptError::invalid_context(format!("{what} must not be negative (got {value})")))
    } else {
        Ok(value)
    }
}

struct Common<'a> {
    ticket_type: &'a TicketTypeFacts,
    session: &'a SessionFacts,
    event: &'a EventFacts,
    quantity: i64,
    now: &'a DateTime<Utc>,
    buyer: &'a BuyerFacts,
}

impl Common<'_> {
    fn to_map(&self) -> Result<Map, ScriptError> {
        let tt = self.ticket_type;
        let capacity = non_negative(tt.capacity, "ticket_type.capacity")?;
        let sold = non_negative(tt.sold, "ticket_type.sold")?;
        let available = match tt.available {
            Some(a) => non_negative(a, "ticket_type.available")?,
            None => capacity.saturating_sub(sold).max(0),
        };
        if self.quantity < 1 {
            return Err(ScriptError::invalid_context(format!("quantity must be at least 1 (got {})", self.quantity)));
        }

        let mut t = Map::new();
        t.insert("id".into(), tt.id.to_string().into());
        t.insert("name".into(), tt.name.clone().into());
        t.insert("base_price".into(), Dynamic::from_int(non_negative(tt.base_price, "ticket_type.base_price")?));
        t.insert("currency".into(), tt.currency.clone().into());
        t.insert("capacity".into(), Dynamic::from_int(capacity));
        t.insert("sold".into(), Dynamic::from_int(sold));
        t.insert("available".into(), Dynamic::from_int(available));

        let mut s = Map::new();
        s.insert("id".into(), self.session.id.to_string().into());
        put_time(&mut s, "starts_at", "starts_at_unix", Some(&self.session.starts_at));

        let mut e = Map::new();
        e.insert("id".into(), self.event.id.to_string().into());
        e.insert("category".into(), self.event.category.clone().into());
        put_time(&mut e, "starts_at", "starts_at_unix", Some(&self.event.starts_at));

        let mut b = Map::new();
        b.insert("is_member".into(), Dynamic::from_bool(self.buyer.is_member));
        b.insert(
            "previous_orders".into(),
            Dynamic::from_int(non_negative(self.buyer.previous_orders, "buyer.previous_orders")?),
        );

        let mut ctx = Map::new();
        ctx.insert("ticket_type".into(), Dynamic::from_map(t));
        ctx.insert("session".into(), Dynamic::from_map(s));
        ctx.insert("event".into(), Dynamic::from_map(e));
        ctx.insert("quantity".into(), Dynamic::from_int(self.quantity));
        put_time(&mut ctx, "now", "now_unix", Some(self.now));
        ctx.insert("buyer".into(), Dynamic::from_map(b));
        Ok(ctx)
    }
}

impl PricingContext {
    /// The rhai map `fn price(ctx)` receives.
    pub fn to_map(&self) -> Result<Map, ScriptError> {
        Common {
            ticket_type: &self.ticket_type,
            session: &self.session,
            event: &self.event,
            quantity: self.quantity,
            now: &self.now,
            buyer: &self.buyer,
        }
        .to_map()
    }
}

impl CouponContext {
    /// The rhai map `fn apply(ctx)` receives: the pricing map plus `line` and `coupon`.
    pub fn to_map(&self) -> Result<Map, ScriptError> {
        let mut ctx = Common {
            ticket_type: &self.ticket_type,
            session: &self.session,
            event: &self.event,
            quantity: self.quantity,
            now: &self.now,
            buyer: &self.buyer,
        }
        .to_map()?;

        let unit_price = non_negative(self.unit_price(), "unit_price")?;
        let mut line = Map::new();
        line.insert("unit_price".into(), Dynamic::from_int(unit_price));
        line.insert("quantity".into(), Dynamic::from_int(self.quantity));
        line.insert("total".into(), Dynamic::from_int(self.line_total()?));

        let c = &self.coupon;
        let mut coupon = Map::new();
        coupon.insert("code".into(), c.code.clone().into());
        coupon.insert("kind".into(), c.kind.as_str().into());
        coupon.insert("value".into(), Dynamic::from_int(non_negative(c.value, "coupon.value")?));
        coupon.insert("min_quantity".into(), Dynamic::from_int(non_negative(c.min_quantity, "coupon.min_quantity")?));
        put_time(&mut coupon, "valid_from", "valid_from_unix", c.valid_from.as_ref());
        put_time(&mut coupon, "valid_until", "valid_until_unix", c.valid_until.as_ref());

        ctx.insert("line".into(), Dynamic::from_map(line));
        ctx.insert("coupon".into(), Dynamic::from_map(coupon));
        Ok(ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_with_few_fields_fills_defaults_and_derives_available() {
        let ctx: PricingContext = serde_json::from_value(serde_json::json!({
            "ticket_type": {"base_price": 5000, "capacity": 100, "sold": 30},
            "now": "2026-05-01T10:00:00.750Z"
        }))
        .unwrap();
        let map = ctx.to_map().unwrap();
        let tt = map["ticket_type"].clone_cast::<Map>();
        assert_eq!(tt["available"].as_int(), Ok(70));
        assert_eq!(map["quantity"].as_int(), Ok(1));
        assert_eq!(map["now"].clone().into_string().unwrap(), "2026-05-01T10:00:00Z");
        assert_eq!(map["now_unix"].as_int(), Ok(1_777_629_600));
    }

    #[test]
    fn unknown_fields_and_bad_values_are_rejected() {
        let typo = serde_json::from_value::<PricingContext>(serde_json::json!({"ticket_type": {"base_prise": 1}}));
        assert!(typo.is_err());
        let ctx = PricingContext { quantity: 0, ..PricingContext::default() };
        assert_eq!(ctx.to_map().unwrap_err().code, crate::ErrorCode::InvalidContext);
    }

    #[test]
    fn coupon_map_has_line_and_unset_times_as_unit() {
        let ctx = CouponContext {
            quantity: 3,
            unit_price: Some(2500),
            coupon: CouponFacts { code: "VIP20".into(), value: 20, ..CouponFacts::default() },
            ..CouponContext::default()
        };
        let map = ctx.to_map().unwrap();
        let line = map["line"].clone_cast::<Map>();
        assert_eq!(line["total"].as_int(), Ok(7500));
        let coupon = map["coupon"].clone_cast::<Map>();
        assert!(coupon["valid_until"].is_unit());
        assert_eq!(coupon["kind"].clone().into_string().unwrap(), "percent");
    }
}

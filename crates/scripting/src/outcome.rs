//! What scripts return, checked before anyone charges it. A script is tenant
//! code: a value that is not exactly what the contract says is an
//! `invalid_result`, never coerced (no silent rounding of floats, no
//! clamping of negative or oversized prices).

use rhai::{Dynamic, Map};
use serde::{Deserialize, Serialize};

use crate::error::ScriptError;

/// Longest `label` (characters) shown to buyers.
pub const MAX_LABEL_CHARS: usize = 120;
/// Longest coupon `reason` (characters).
pub const MAX_REASON_CHARS: usize = 500;

/// The tenant-level bounds a result is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    /// A scripted unit price may be at most `base_price × max_price_multiplier`
    /// (so a free ticket type, base 0, can only stay free).
    pub max_price_multiplier: u32,
}

impl Default for Validation {
    fn default() -> Self {
        Self { max_price_multiplier: 10 }
    }
}

/// Result of `fn price(ctx)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceOutcome {
    /// Minor units, `0 ..= base_price × max_price_multiplier`.
    pub unit_price: i64,
    /// Shown to the buyer next to the price ("Early bird").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// Result of `fn apply(ctx)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponOutcome {
    pub eligible: bool,
    /// Minor units off the line total, `0 ..= line total`; 0 when not eligible.
    pub discount: i64,
    pub reason: String,
}

/// A short, safe rendering of a returned value for error messages.
fn describe(value: &Dynamic) -> String {
    let mut text = format!("{value:?}");
    if text.chars().count() > 60 {
        text = text.chars().take(60).collect::<String>() + "…";
    }
    format!("{} {text}", value.type_name())
}

const PRICE_SHAPE: &str =
    "price(ctx) must return an integer (the unit price in minor units) or #{unit_price: int, label: string}";
const COUPON_SHAPE: &str = "apply(ctx) must return #{eligible: bool, discount: int, reason: string}";

fn int_field(value: &Dynamic, what: &str, shape: &str) -> Result<i64, ScriptError> {
    if let Ok(i) = value.as_int() {
        return Ok(i);
    }
    if let Ok(f) = value.as_float() {
        return Err(ScriptError::invalid_result(format!(
            "{what} must be an integer number of minor units (e.g. 1250 for 12.50), got the float {f}; \
             round it yourself, e.g. `(x).round().to_int()`"
        )));
    }
    Err(ScriptError::invalid_result(format!("{shape}; {what} is {}", describe(value))))
}

fn reject_unknown_keys(map: &Map, allowed: &[&str], shape: &str) -> Result<(), ScriptError> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(ScriptError::invalid_result(format!("{shape}; unexpected key `{key}`"))),
        None => Ok(()),
    }
}

fn bounded_text(value: &Dynamic, what: &str, max_chars: usize, shape: &str) -> Result<String, ScriptError> {
    let text = value
        .clone()
        .into_string()
        .map_err(|_| ScriptError::invalid_result(format!("{shape}; {what} is {}", describe(value))))?;
    if text.chars().count() > max_chars {
        return Err(ScriptError::invalid_result(format!("{what} is longer than {max_chars} characters")));
    }
    Ok(text)
}

impl PriceOutcome {
    /// Checks what `price(ctx)` returned against the contract and the cap.
    pub fn from_script(value: Dynamic, base_price: i64, validation: Validation) -> Result<Self, ScriptError> {
        let value = value.flatten();
        let outcome = if value.is_map() {
            let map = value.cast::<Map>();
            reject_unknown_keys(&map, &["unit_price", "label"], PRICE_SHAPE)?;
            let unit_price = map
                .get("unit_price")
                .ok_or_else(|| ScriptError::invalid_result(format!("{PRICE_SHAPE}; the map has no `unit_price`")))?;
            let unit_price = int_field(&unit_price.clone().flatten(), "unit_price", PRICE_SHAPE)?;
            let label = match map.get("label").map(|l| l.clone().flatten()) {
                None => None,
                Some(l) if l.is_unit() => None,
                Some(l) => Some(bounded_text(&l, "label", MAX_LABEL_CHARS, PRICE_SHAPE)?).filter(|l| !l.is_empty()),
            };
            Self { unit_price, label }
        } else {
            Self { unit_price: int_field(&value, "the unit price", PRICE_SHAPE)?, label: None }
        };

        if outcome.unit_price < 0 {
            return Err(ScriptError::invalid_result(format!(
                "the unit price must not be negative (got {})",
                outcome.unit_price
            )));
        }
        let cap = base_price.saturating_mul(i64::from(validation.max_price_multiplier));
        if outcome.unit_price > cap {
            return Err(ScriptError::invalid_result(format!(
                "the unit price {} is above the cap of {} (base price {base_price} × {})",
                outcome.unit_price, cap, validation.max_price_multiplier
            )));
        }
        Ok(outcome)
    }
}

impl CouponOutcome {
    /// Checks what `apply(ctx)` returned against the contract and the line total.
    pub fn from_script(value: Dynamic, line_total: i64) -> Result<Self, ScriptError> {
        let value = value.flatten();
        if !value.is_map() {
            return Err(ScriptError::invalid_result(format!("{COUPON_SHAPE}; got {}", describe(&value))));
        }
        let map = value.cast::<Map>();
        reject_unknown_keys(&map, &["eligible", "discount", "reason"], COUPON_SHAPE)?;
        let field = |key: &str| {
            map.get(key)
                .map(|v| v.clone().flatten())
                .ok_or_else(|| ScriptError::invalid_result(format!("{COUPON_SHAPE}; the map has no `{key}`")))
        };

        let eligible = field("eligible")?;
        let eligible = eligible
            .as_bool()
            .map_err(|_| ScriptError::invalid_result(format!("{COUPON_SHAPE}; eligible is {}", describe(&eligible))))?;
        let discount = int_field(&field("discount")?, "discount", COUPON_SHAPE)?;
        let reason = bounded_text(&field("reason")?, "reason", MAX_REASON_CHARS, COUPON_SHAPE)?;

        if discount < 0 {
            return Err(ScriptError::invalid_result(format!("discount must not be negative (got {discount})")));
        }
        if !eligible && discount != 0 {
            return Err(ScriptError::invalid_result(format!(
                "discount must be 0 when eligible is false (got {discount})"
            )));
        }
        if discount > line_total {
            return Err(ScriptError::invalid_result(format!(
                "discount {discount} is more than the line total {line_total}"
            )));
        }
        Ok(Self { eligible, discount, reason })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn map(pairs: &[(&str, Dynamic)]) -> Dynamic {
        Dynamic::from_map(pairs.iter().map(|(k, v)| ((*k).into(), v.clone())).collect())
    }

    #[test]
    fn price_accepts_int_and_map() {
        let v = Validation::default();
        assert_eq!(PriceOutcome::from_script(Dynamic::from_int(900), 1000, v).unwrap().unit_price, 900);
        let m = map(&[("unit_price", Dynamic::from_int(800)), ("label", "Early bird".into())]);
        let out = PriceOutcome::from_script(m, 1000, v).unwrap();
        assert_eq!(out, PriceOutcome { unit_price: 800, label: Some("Early bird".into()) });
    }

    #[test]
    fn price_rejects_float_negative_over_cap_and_wrong_shapes() {
        let v = Validation { max_price_multiplier: 2 };
        let cases = [
            (Dynamic::from_float(12.5), "float"),
            (Dynamic::from_int(-1), "negative"),
            (Dynamic::from_int(2001), "above the cap"),
            (Dynamic::from("12"), "string"),
            (Dynamic::UNIT, "()"),
            (map(&[("unit_price", Dynamic::from_int(5)), ("lable", "x".into())]), "unexpected key `lable`"),
            (map(&[("label", "x".into())]), "no `unit_price`"),
            (map(&[("unit_price", Dynamic::from_int(5)), ("label", Dynamic::from_int(3))]), "label is i64"),
        ];
        for (value, needle) in cases {
            let err = PriceOutcome::from_script(value, 1000, v).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidResult, "{needle}");
            assert!(err.message.contains(needle), "{needle} not in {}", err.message);
        }
        assert_eq!(PriceOutcome::from_script(Dynamic::from_int(2000), 1000, v).unwrap().unit_price, 2000);
    }

    #[test]
    fn coupon_checks_bounds() {
        let ok = map(&[("eligible", true.into()), ("discount", Dynamic::from_int(500)), ("reason", "ok".into())]);
        assert_eq!(CouponOutcome::from_script(ok.clone(), 500).unwrap().discount, 500);
        assert!(CouponOutcome::from_script(ok, 499).unwrap_err().message.contains("more than the line total"));
        let sneaky = map(&[("eligible", false.into()), ("discount", Dynamic::from_int(1)), ("reason", "".into())]);
        assert!(CouponOutcome::from_script(sneaky, 500).unwrap_err().message.contains("when eligible is false"));
        let missing = map(&[("eligible", true.into()), ("discount", Dynamic::from_int(1))]);
        assert!(CouponOutcome::from_script(missing, 500).unwrap_err().message.contains("no `reason`"));
        let float = map(&[("eligible", true.into()), ("discount", Dynamic::from_float(1.5)), ("reason", "".into())]);
        assert!(CouponOutcome::from_script(float, 500).unwrap_err().message.contains("float"));
    }
}

//! Per-tenant settings, stored as JSON on the tenant row.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TenantSettings {
    /// How long a hold (and an unpaid order) keeps its stock, in minutes.
    #[schema(minimum = 1, maximum = 120)]
    pub hold_minutes: u32,
    /// Resale price cap as a percentage of face value.
    #[schema(minimum = 0, maximum = 1000)]
    pub resale_cap_percent: u32,
    /// How paid orders are paid: `stripe` (cards; the default where the
    /// deployment has Stripe) or `manual` (at the door, by invoice).
    pub payment_provider: Option<PaidWith>,
    /// Stripe Connect: the tenant's connected account (`acct_…`). Card
    /// payments are paid out to it, less the platform's application fee.
    pub stripe_account_id: Option<String>,
    /// The tenant's main colour in e-mails (`#rrggbb`): headings, buttons.
    #[schema(pattern = "^#[0-9a-fA-F]{6}$", example = "#1d4ed8")]
    pub brand_color: Option<String>,
    /// A second colour for e-mails (`#rrggbb`): links, accents.
    #[schema(pattern = "^#[0-9a-fA-F]{6}$", example = "#f59e0b")]
    pub accent_color: Option<String>,
    /// When the active pricing script fails at sale time (an error, a limit
    /// hit, a result out of bounds): `false` (the default) refuses the sale
    /// with `script_error`; `true` sells at the ticket type's base price.
    pub pricing_script_fallback: bool,
    /// A scripted unit price may be at most the base price times this.
    #[schema(minimum = 1, maximum = 100)]
    pub script_price_cap: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaidWith {
    Manual,
    Stripe,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            hold_minutes: 10,
            resale_cap_percent: 100,
            payment_provider: None,
            stripe_account_id: None,
            brand_color: None,
            accent_color: None,
            pricing_script_fallback: false,
            script_price_cap: 10,
        }
    }
}

impl TenantSettings {
    /// Reads stored settings; anything unreadable falls back to defaults
    /// (the stored value was validated when written).
    pub fn from_json(v: &serde_json::Value) -> Self {
        serde_json::from_value(v.clone()).unwrap_or_default()
    }

    pub fn validate(&self) -> Result<()> {
        if !(1..=120).contains(&self.hold_minutes) {
            return Err(Error::validation("hold_minutes", "out_of_range", "must be 1..=120"));
        }
        if !(1..=100).contains(&self.script_price_cap) {
            return Err(Error::validation("script_price_cap", "out_of_range", "must be 1..=100"));
        }
        if self.resale_cap_percent > 1000 {
            return Err(Error::validation("resale_cap_percent", "out_of_range", "must be 0..=1000"));
        }
        if let Some(a) = &self.stripe_account_id {
            let id = a.strip_prefix("acct_").unwrap_or("");
            if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(Error::validation(
                    "stripe_account_id",
                    "invalid_account",
                    "must be a Stripe account id (acct_…)",
                ));
            }
        }
        for (field, c) in [("brand_color", &self.brand_color), ("accent_color", &self.accent_color)] {
            if let Some(c) = c {
                let hex = c.strip_prefix('#').unwrap_or("");
                if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(Error::validation(field, "invalid_color", "must be a colour as #rrggbb"));
                }
            }
        }
        Ok(())
    }
}

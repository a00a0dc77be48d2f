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
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self { hold_minutes: 10, resale_cap_percent: 100 }
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
        if self.resale_cap_percent > 1000 {
            return Err(Error::validation("resale_cap_percent", "out_of_range", "must be 0..=1000"));
        }
        Ok(())
    }
}

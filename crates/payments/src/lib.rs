//! How an order gets paid. Services see only [`PaymentProvider`]; which
//! provider handles an order is decided by [`Payments::for_total`].

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use taquilla_core::Result;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// Nothing to pay: the order is paid when placed.
    Free,
    /// Pay at the door or by invoice: an organizer (or the buyer's payment
    /// confirmation) marks the order paid.
    Manual,
    Stripe,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Free => "free",
            ProviderKind::Manual => "manual",
            ProviderKind::Stripe => "stripe",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "free" => Some(Self::Free),
            "manual" => Some(Self::Manual),
            "stripe" => Some(Self::Stripe),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct PaymentRequest {
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    pub amount_minor: i64,
    pub currency: String,
}

/// What placing the order with the provider produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStart {
    /// Paid already (free orders).
    Paid,
    /// Waiting for the payment; `reference` identifies it at the provider.
    Pending { reference: Option<String>, client_secret: Option<String> },
}

#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    fn kind(&self) -> ProviderKind;
    async fn start(&self, req: &PaymentRequest) -> Result<PaymentStart>;
}

pub struct FreeProvider;

#[async_trait::async_trait]
impl PaymentProvider for FreeProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Free
    }
    async fn start(&self, _req: &PaymentRequest) -> Result<PaymentStart> {
        Ok(PaymentStart::Paid)
    }
}

pub struct ManualProvider;

#[async_trait::async_trait]
impl PaymentProvider for ManualProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Manual
    }
    async fn start(&self, _req: &PaymentRequest) -> Result<PaymentStart> {
        Ok(PaymentStart::Pending { reference: None, client_secret: None })
    }
}

/// The providers this deployment offers.
#[derive(Clone)]
pub struct Payments {
    free: Arc<dyn PaymentProvider>,
    paid: Arc<dyn PaymentProvider>,
}

impl Default for Payments {
    fn default() -> Self {
        Self { free: Arc::new(FreeProvider), paid: Arc::new(ManualProvider) }
    }
}

impl Payments {
    pub fn with_paid_provider(paid: Arc<dyn PaymentProvider>) -> Self {
        Self { free: Arc::new(FreeProvider), paid }
    }

    /// Zero totals need no payment; anything else goes to the paid provider.
    pub fn for_total(&self, amount_minor: i64) -> &dyn PaymentProvider {
        if amount_minor == 0 {
            self.free.as_ref()
        } else {
            self.paid.as_ref()
        }
    }
}

//! How an order gets paid. Services see only [`PaymentProvider`]; which
//! provider handles an order is decided by [`Payments::for_order`].
//!
//! A provider is asked to open a payment only after the order (and its
//! stock) is committed, never inside the database transaction: a network
//! call there would hold row locks for as long as the provider takes.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use taquilla_core::{Error, Result};
use uuid::Uuid;

pub mod stripe;
pub mod stripe_signature;

pub use stripe::{StripeConfig, StripeProvider};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// Nothing to pay: the order is paid when placed.
    Free,
    /// Pay at the door or by invoice: an organizer (or the buyer's payment
    /// confirmation) marks the order paid.
    Manual,
    /// Card payments through Stripe: paid when Stripe's
    /// `payment_intent.succeeded` event arrives.
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

/// A payment to open at the provider for a committed order.
#[derive(Debug, Clone)]
pub struct PaymentRequest {
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    pub amount_minor: i64,
    pub currency: String,
    /// Stripe Connect: the tenant's connected account, paid out the amount
    /// less the platform's application fee.
    pub connected_account: Option<String>,
}

/// What opening the payment produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOpened {
    /// The payment's id at the provider (Stripe: the PaymentIntent id).
    pub reference: String,
    /// Handed to the buyer's browser to confirm the payment.
    pub client_secret: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RefundRequest {
    pub tenant_id: Uuid,
    pub order_id: Uuid,
    /// Ours; also the provider's idempotency key, so a retried refund is
    /// made once.
    pub refund_id: Uuid,
    /// The payment being refunded (Stripe: the PaymentIntent id).
    pub payment_ref: Option<String>,
    pub amount_minor: i64,
    pub connected_account: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundDone {
    /// The refund's id at the provider, if it has one.
    pub reference: Option<String>,
    /// `succeeded`, or `pending` while the provider processes it.
    pub status: String,
}

#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    fn kind(&self) -> ProviderKind;

    /// Opens the payment for a committed, pending order. Idempotent per
    /// order: calling it again returns the same payment. `None` when the
    /// provider has nothing to open (manual payments).
    async fn open(&self, req: &PaymentRequest) -> Result<Option<PaymentOpened>>;

    /// Returns money. Idempotent per `refund_id`.
    async fn refund(&self, req: &RefundRequest) -> Result<RefundDone>;
}

pub struct FreeProvider;

#[async_trait::async_trait]
impl PaymentProvider for FreeProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Free
    }
    async fn open(&self, _req: &PaymentRequest) -> Result<Option<PaymentOpened>> {
        Ok(None)
    }
    async fn refund(&self, _req: &RefundRequest) -> Result<RefundDone> {
        Err(Error::conflict("nothing_to_refund", "free orders have no payment to refund"))
    }
}

pub struct ManualProvider;

#[async_trait::async_trait]
impl PaymentProvider for ManualProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Manual
    }
    async fn open(&self, _req: &PaymentRequest) -> Result<Option<PaymentOpened>> {
        Ok(None)
    }
    /// The money goes back outside the system (cash, bank transfer); the
    /// refund is recorded as done.
    async fn refund(&self, _req: &RefundRequest) -> Result<RefundDone> {
        Ok(RefundDone { reference: None, status: "succeeded".into() })
    }
}

/// The providers this deployment offers.
#[derive(Clone)]
pub struct Payments {
    free: Arc<dyn PaymentProvider>,
    manual: Arc<dyn PaymentProvider>,
    stripe: Option<Arc<StripeProvider>>,
}

impl Default for Payments {
    fn default() -> Self {
        Self { free: Arc::new(FreeProvider), manual: Arc::new(ManualProvider), stripe: None }
    }
}

impl Payments {
    /// Free and manual always; Stripe when configured.
    pub fn new(stripe: Option<StripeConfig>) -> Result<Self> {
        let stripe = stripe.map(StripeProvider::new).transpose()?.map(Arc::new);
        Ok(Self { stripe, ..Self::default() })
    }

    pub fn stripe(&self) -> Option<&StripeProvider> {
        self.stripe.as_deref()
    }

    /// What this deployment can take payments with.
    pub fn offered(&self) -> Vec<ProviderKind> {
        let mut v = vec![ProviderKind::Free, ProviderKind::Manual];
        if self.stripe.is_some() {
            v.push(ProviderKind::Stripe);
        }
        v
    }

    /// The provider for an order of `amount_minor`: nothing to pay needs no
    /// provider; otherwise the tenant's choice, Stripe by default when it is
    /// configured. A tenant that chose Stripe on a deployment without it is
    /// refused rather than silently switched to manual payment.
    pub fn for_order(&self, amount_minor: i64, preferred: Option<ProviderKind>) -> Result<&dyn PaymentProvider> {
        if amount_minor == 0 {
            return Ok(self.free.as_ref());
        }
        match (preferred, &self.stripe) {
            (Some(ProviderKind::Manual), _) | (None, None) => Ok(self.manual.as_ref()),
            (Some(ProviderKind::Stripe) | None, Some(s)) => Ok(s.as_ref()),
            (Some(ProviderKind::Stripe), None) => Err(Error::new(
                taquilla_core::ErrorKind::Unavailable,
                "provider_unavailable",
                "card payments (Stripe) are not configured on this deployment",
            )),
            (Some(ProviderKind::Free), _) => Ok(self.manual.as_ref()),
        }
    }

    /// The provider that took an order's payment.
    pub fn by_kind(&self, kind: ProviderKind) -> Result<&dyn PaymentProvider> {
        match kind {
            ProviderKind::Free => Ok(self.free.as_ref()),
            ProviderKind::Manual => Ok(self.manual.as_ref()),
            ProviderKind::Stripe => self.stripe.as_deref().map(|s| s as &dyn PaymentProvider).ok_or_else(|| {
                Error::new(
                    taquilla_core::ErrorKind::Unavailable,
                    "provider_unavailable",
                    "card payments (Stripe) are not configured on this deployment",
                )
            }),
        }
    }
}

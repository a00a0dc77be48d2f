//! Card payments through Stripe (async-stripe, only the PaymentIntent and
//! Refund APIs). An order becomes a PaymentIntent whose metadata names the
//! tenant and the order; the buyer confirms it in the browser with its
//! `client_secret`; the order is paid when the signed
//! `payment_intent.succeeded` event reaches `POST /webhooks/stripe`.
//!
//! Stripe Connect: a tenant with a connected account gets destination
//! charges (`transfer_data.destination`), less the platform's application
//! fee; refunds reverse the transfer and the fee.

use std::collections::HashMap;
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use stripe::{IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_core::payment_intent::{
    CreatePaymentIntent, CreatePaymentIntentAutomaticPaymentMethods, CreatePaymentIntentTransferData,
};
use stripe_core::refund::CreateRefund;
use taquilla_core::{Error, ErrorKind, Result};

use crate::{PaymentOpened, PaymentProvider, PaymentRequest, ProviderKind, RefundDone, RefundRequest};

#[derive(Clone, Debug)]
pub struct StripeConfig {
    /// `sk_…`: the platform account's secret key.
    pub secret_key: SecretString,
    /// `whsec_…`: the webhook endpoint's signing secrets (more than one while
    /// a secret is rolled).
    pub webhook_secrets: Vec<SecretString>,
    /// Stripe's API base URL; tests point it at a local stand-in.
    pub api_base: Option<String>,
    /// The platform's fee on Connect payments, in basis points of the total.
    pub application_fee_bps: u32,
    /// `pk_…`: the platform's publishable key, handed to browsers for Stripe.js
    /// (the Payment Element). Public by design; charges are destination
    /// charges on the platform account, so no connected account is needed.
    pub publishable_key: Option<String>,
}

pub struct StripeProvider {
    client: stripe::Client,
    config: StripeConfig,
}

impl StripeProvider {
    pub fn new(config: StripeConfig) -> Result<Self> {
        let mut builder = stripe::ClientBuilder::new(config.secret_key.expose_secret());
        if let Some(base) = &config.api_base {
            builder = builder.url(base.clone());
        }
        let client = builder.build().map_err(|e| Error::internal_msg(format!("Stripe client: {e}")))?;
        Ok(Self { client, config })
    }

    pub fn publishable_key(&self) -> Option<&str> {
        self.config.publishable_key.as_deref()
    }

    pub fn webhook_secrets(&self) -> &[SecretString] {
        &self.config.webhook_secrets
    }

    /// The platform's cut of a Connect payment, rounded down.
    pub fn application_fee(&self, amount_minor: i64) -> i64 {
        amount_minor.saturating_mul(i64::from(self.config.application_fee_bps)) / 10_000
    }
}

fn key(s: String) -> Result<RequestStrategy> {
    IdempotencyKey::new(s)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| Error::internal_msg(format!("idempotency key: {e}")))
}

/// Stripe's refusals (4xx) are the request's fault; anything else means
/// Stripe could not be reached or failed, and the call may be retried.
#[track_caller]
fn provider_error(e: StripeError) -> Error {
    match e {
        StripeError::Stripe(api, status) if (400..500).contains(&status) => Error::new(
            ErrorKind::Conflict,
            "payment_provider_refused",
            format!("Stripe refused the request: {}", api.message.as_deref().unwrap_or("no message")),
        ),
        other => Error::new(
            ErrorKind::Unavailable,
            "payment_provider_unavailable",
            format!("Stripe did not answer: {other}"),
        ),
    }
}

#[async_trait::async_trait]
impl PaymentProvider for StripeProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Stripe
    }

    async fn open(&self, req: &PaymentRequest) -> Result<Option<PaymentOpened>> {
        let currency = stripe_types::Currency::from_str(&req.currency.to_ascii_lowercase())
            .map_err(|_| Error::validation("currency", "unsupported_currency", "Stripe does not take this currency"))?;
        let metadata = HashMap::from([
            ("tenant_id".to_owned(), req.tenant_id.to_string()),
            ("order_id".to_owned(), req.order_id.to_string()),
        ]);
        let mut create = CreatePaymentIntent::new(req.amount_minor, currency)
            .automatic_payment_methods(CreatePaymentIntentAutomaticPaymentMethods::new(true))
            .description(format!("Order {}", req.order_id))
            .metadata(metadata);
        if let Some(account) = &req.connected_account {
            create = create
                .transfer_data(CreatePaymentIntentTransferData::new(account.clone()))
                .application_fee_amount(self.application_fee(req.amount_minor));
        }
        // Stripe answers a repeated key with the first PaymentIntent: one
        // order, one payment, however often this is retried.
        let intent = create
            .customize()
            .request_strategy(key(format!("order-{}", req.order_id))?)
            .send(&self.client)
            .await
            .map_err(provider_error)?;
        Ok(Some(PaymentOpened { reference: intent.id.to_string(), client_secret: intent.client_secret }))
    }

    async fn refund(&self, req: &RefundRequest) -> Result<RefundDone> {
        let Some(intent) = &req.payment_ref else {
            return Err(Error::conflict("no_payment", "the order has no Stripe payment to refund"));
        };
        let mut create =
            CreateRefund::new().payment_intent(intent.clone()).amount(req.amount_minor).metadata(HashMap::from([
                ("tenant_id".to_owned(), req.tenant_id.to_string()),
                ("order_id".to_owned(), req.order_id.to_string()),
                ("refund_id".to_owned(), req.refund_id.to_string()),
            ]));
        if req.connected_account.is_some() {
            create = create.reverse_transfer(true).refund_application_fee(true);
        }
        let refund = create
            .customize()
            .request_strategy(key(format!("refund-{}", req.refund_id))?)
            .send(&self.client)
            .await
            .map_err(provider_error)?;
        Ok(RefundDone {
            reference: Some(refund.id.to_string()),
            status: refund.status.unwrap_or_else(|| "pending".into()),
        })
    }
}

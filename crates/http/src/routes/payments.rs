//! Payment providers on offer, refunds, and Stripe's webhook endpoint.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use taquilla_core::settings::TenantSettings;
use taquilla_core::Error;
use taquilla_services::payments::{PaymentProviders, RefundInput, RefundView, StripeAck};
use taquilla_services::App;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::extract::{Authed, Json, Tenant};
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(providers).service(refund).service(refunds);
}

#[derive(OpenApi)]
#[openapi(paths(providers, refund, refunds), components(schemas(PaymentProviders, RefundInput, RefundView)))]
pub struct Doc;

/// What paid orders can be paid with here. Without Stripe configured, only
/// `free` and `manual` are offered, and `stripe_configured` says so.
#[utoipa::path(tag = "payments", responses((status = 200, body = PaymentProviders)))]
#[get("/payments/providers")]
pub async fn providers(app: web::Data<App>, t: Tenant) -> HttpResponse {
    HttpResponse::Ok().json(app.payment_providers(&TenantSettings::from_json(&t.0.settings)))
}

/// Refunds a paid order in full or in part through its payment provider
/// (Stripe's Refund API for card payments). Refunded tickets are voided and
/// their stock returns; the order is `refunded` once all its money is back.
#[utoipa::path(tag = "payments", params(("id" = Uuid, Path)), request_body = RefundInput,
    responses((status = 201, body = RefundView), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem), (status = 503, body = Problem, description = "the provider could not be reached; nothing changed")))]
#[post("/orders/{id}/refund")]
pub async fn refund(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Json(b): Json<RefundInput>,
) -> ApiResult<HttpResponse> {
    let settings = TenantSettings::from_json(&a.tenant.settings);
    let (r, _order) = app.refund_order(&a.actor, a.tenant.id, &settings, *id, b).await?;
    Ok(HttpResponse::Created().json(r))
}

/// The order's refunds, oldest first.
#[utoipa::path(tag = "payments", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<RefundView>), (status = 404, body = Problem)))]
#[get("/orders/{id}/refunds")]
pub async fn refunds(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.order_refunds(&a.actor, a.tenant.id, *id).await?))
}

/// Stripe's events (`payment_intent.succeeded`, `payment_intent.payment_failed`,
/// `charge.refunded`, `charge.dispute.created`). The `Stripe-Signature` header
/// is verified over the raw body (HMAC-SHA256, 300 s tolerance); anything
/// unsigned, tampered or stale is a 400 and changes nothing. Each event id is
/// acted on once; a repeated delivery is acknowledged with `duplicate: true`.
#[utoipa::path(tag = "payments", request_body(content = Object, content_type = "application/json", description = "a Stripe event"),
    params(("Stripe-Signature" = String, Header, description = "t=<unix seconds>,v1=<hex HMAC-SHA256>")),
    responses((status = 200, body = StripeAck), (status = 400, body = Problem), (status = 404, body = Problem, description = "Stripe is not configured")))]
#[post("/webhooks/stripe")]
pub async fn stripe_webhook(app: web::Data<App>, req: HttpRequest, body: web::Bytes) -> ApiResult<HttpResponse> {
    let signature = match req.headers().get("Stripe-Signature") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| Error::bad_request("invalid_signature", "not ASCII").with_field("Stripe-Signature"))?,
        ),
    };
    Ok(HttpResponse::Ok().json(app.stripe_webhook(&body, signature).await?))
}

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use taquilla_core::settings::TenantSettings;
use taquilla_core::Error;
use taquilla_services::holds::ItemInput;
use taquilla_services::orders::{IdempotencyKey, OrderFilter, OrderInput, OrderItemView, OrderSummary, OrderView};
use taquilla_services::App;
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use crate::extract::{Authed, Json, Query};
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(create).service(get_one).service(cancel).service(pay).service(buy);
}

#[derive(OpenApi)]
#[openapi(
    paths(list, create, get_one, cancel, pay, buy),
    components(schemas(OrderInput, OrderView, OrderItemView, OrderSummary, BuyInput))
)]
pub struct Doc;

pub(crate) fn idempotency_key(req: &HttpRequest) -> ApiResult<Option<IdempotencyKey>> {
    match req.headers().get("Idempotency-Key") {
        None => Ok(None),
        Some(v) => {
            let s = v.to_str().map_err(|_| {
                Error::validation("Idempotency-Key", "invalid_idempotency_key", "must be visible ASCII")
            })?;
            Ok(Some(IdempotencyKey::parse(s)?))
        }
    }
}

/// Orders, newest first. Tenant admins see every order of the tenant,
/// organizers the orders of their events; anyone else, and `mine=true`,
/// their own.
#[utoipa::path(tag = "orders", params(OrderFilter),
    responses((status = 200, body = taquilla_core::page::Page<OrderSummary>), (status = 401, body = Problem), (status = 422, body = Problem)))]
#[get("/orders")]
pub async fn list(app: web::Data<App>, a: Authed, Query(f): Query<OrderFilter>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.list_orders(&a.actor, a.tenant.id, f).await?))
}

fn placed(order: OrderView, created: bool) -> HttpResponse {
    let mut res = if created { HttpResponse::Created() } else { HttpResponse::Ok() };
    if !created {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.insert_header(("Location", format!("/api/v1/orders/{}", order.id))).json(order)
}

/// Places an order from a hold, or directly from items. Free orders are paid
/// at once and carry their tickets; others stay pending until paid. With an
/// `Idempotency-Key`, a retry returns the first order (200) instead of buying again.
#[utoipa::path(tag = "ticketing", request_body = OrderInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Client-chosen key; retries return the first result")),
    responses((status = 201, body = OrderView), (status = 200, body = OrderView, description = "idempotent replay"),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/orders")]
pub async fn create(
    app: web::Data<App>,
    req: HttpRequest,
    a: Authed,
    Json(b): Json<OrderInput>,
) -> ApiResult<HttpResponse> {
    let key = idempotency_key(&req)?;
    let settings = TenantSettings::from_json(&a.tenant.settings);
    let (order, created) =
        a.audited(StatusCode::CREATED, app.place_order(&a.actor, a.tenant.id, &settings, b, key)).await?;
    Ok(placed(order, created))
}

#[utoipa::path(tag = "ticketing", params(("id" = Uuid, Path)), responses((status = 200, body = OrderView), (status = 404, body = Problem)))]
#[get("/orders/{id}")]
pub async fn get_one(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.get_order(&a.actor, a.tenant.id, *id).await?))
}

/// Cancels a pending order (its stock returns) or a paid free order (its tickets are voided).
#[utoipa::path(tag = "ticketing", params(("id" = Uuid, Path)), responses((status = 200, body = OrderView), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[post("/orders/{id}/cancel")]
pub async fn cancel(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.cancel_order(&a.actor, a.tenant.id, *id).await?))
}

/// Confirms a manual payment (the buyer, or an organizer / tenant admin); tickets are issued.
#[utoipa::path(tag = "ticketing", params(("id" = Uuid, Path)), responses((status = 200, body = OrderView), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[post("/orders/{id}/pay")]
pub async fn pay(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.pay_order(&a.actor, a.tenant.id, *id).await?))
}

/// One-call purchase of one section of one of the event's sessions.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyInput {
    pub session_id: Uuid,
    pub ticket_type_id: Uuid,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub quantity: Option<u32>,
    #[serde(default)]
    pub seat_ids: Option<Vec<Uuid>>,
}

/// Buys tickets in one call (the simplest case of `POST /orders`).
#[utoipa::path(tag = "ticketing", params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = BuyInput,
    responses((status = 201, body = OrderView), (status = 200, body = OrderView, description = "idempotent replay"), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/events/{id}/tickets")]
pub async fn buy(
    app: web::Data<App>,
    req: HttpRequest,
    a: Authed,
    id: web::Path<Uuid>,
    Json(b): Json<BuyInput>,
) -> ApiResult<HttpResponse> {
    let key = idempotency_key(&req)?;
    let settings = TenantSettings::from_json(&a.tenant.settings);
    let item = ItemInput { ticket_type_id: b.ticket_type_id, quantity: b.quantity, seat_ids: b.seat_ids };
    let (order, created) = a
        .audited(StatusCode::CREATED, app.buy_tickets(&a.actor, a.tenant.id, &settings, (*id, b.session_id), item, key))
        .await?;
    Ok(placed(order, created))
}

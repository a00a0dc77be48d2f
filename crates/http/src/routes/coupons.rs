//! Coupons (organizers and tenant admins), coupon checks and quotes (anyone
//! signed in: what a cart would cost).

use actix_web::{delete, get, patch, post, web, HttpResponse};
use taquilla_services::coupons::{CouponInput, CouponKind, CouponView};
use taquilla_services::quotes::{CouponCheck, CouponCheckInput, Quote, QuoteInput, QuoteLine};
use taquilla_services::App;
use utoipa::OpenApi;
use uuid::Uuid;

use super::Paging;
use crate::extract::{Authed, Json, Query};
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(create).service(check).service(get).service(update).service(remove).service(quote);
}

#[derive(OpenApi)]
#[openapi(
    paths(list, create, get, update, remove, check, quote),
    components(schemas(
        CouponInput,
        CouponKind,
        CouponView,
        CouponCheck,
        CouponCheckInput,
        Quote,
        QuoteInput,
        QuoteLine
    ))
)]
pub struct Doc;

/// The tenant's coupons with their usage: uses and discount given.
#[utoipa::path(tag = "coupons", params(Paging), responses((status = 200, body = taquilla_core::page::Page<CouponView>), (status = 403, body = Problem)))]
#[get("/coupons")]
pub async fn list(app: web::Data<App>, a: Authed, Query(p): Query<Paging>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.list_coupons(&a.actor, a.tenant.id, p.request()?).await?))
}

/// Creates a coupon; `code`, `kind` and `value` are required.
#[utoipa::path(tag = "coupons", request_body = CouponInput,
    responses((status = 201, body = CouponView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/coupons")]
pub async fn create(app: web::Data<App>, a: Authed, Json(b): Json<CouponInput>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(app.create_coupon(&a.actor, a.tenant.id, b).await?))
}

#[utoipa::path(tag = "coupons", params(("id" = Uuid, Path)), responses((status = 200, body = CouponView), (status = 404, body = Problem)))]
#[get("/coupons/{id}")]
pub async fn get(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.get_coupon(&a.actor, a.tenant.id, *id).await?))
}

/// Changes the fields given; the rest stay.
#[utoipa::path(tag = "coupons", params(("id" = Uuid, Path)), request_body = CouponInput,
    responses((status = 200, body = CouponView), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[patch("/coupons/{id}")]
pub async fn update(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Json(b): Json<CouponInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.update_coupon(&a.actor, a.tenant.id, *id, b).await?))
}

/// Deletes a coupon; orders that used it keep their record.
#[utoipa::path(tag = "coupons", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem)))]
#[delete("/coupons/{id}")]
pub async fn remove(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    app.delete_coupon(&a.actor, a.tenant.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Previews a coupon on a cart: whether it applies, why not, and the priced cart.
#[utoipa::path(tag = "coupons", params(("code" = String, Path)), request_body = CouponCheckInput,
    responses((status = 200, body = CouponCheck), (status = 422, body = Problem)))]
#[post("/coupons/{code}/check")]
pub async fn check(
    app: web::Data<App>,
    a: Authed,
    code: web::Path<String>,
    Json(b): Json<CouponCheckInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.check_coupon(&a.actor, a.tenant.id, &code, b).await?))
}

/// Prices a cart (a hold, or a session's items) with an optional coupon,
/// exactly as `POST /orders` will charge it. Reserves nothing.
#[utoipa::path(tag = "orders", request_body = QuoteInput,
    responses((status = 200, body = Quote), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/quotes")]
pub async fn quote(app: web::Data<App>, a: Authed, Json(b): Json<QuoteInput>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.quote(&a.actor, a.tenant.id, b).await?))
}

use actix_web::{delete, get, post, web, HttpResponse};
use taquilla_core::settings::TenantSettings;
use taquilla_services::holds::{HoldInput, HoldItemView, HoldView, ItemInput};
use taquilla_services::App;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::extract::{Authed, Json};
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create).service(get_one).service(remove);
}

#[derive(OpenApi)]
#[openapi(paths(create, get_one, remove), components(schemas(HoldInput, HoldView, HoldItemView, ItemInput)))]
pub struct Doc;

/// Reserves seats or general-admission quantities for the tenant's hold time
/// (default 10 minutes). All items or none.
#[utoipa::path(tag = "ticketing", request_body = HoldInput,
    responses((status = 201, body = HoldView), (status = 409, body = Problem, description = "sold out, seat taken, sales closed, session not on sale"), (status = 422, body = Problem)))]
#[post("/holds")]
pub async fn create(app: web::Data<App>, a: Authed, Json(b): Json<HoldInput>) -> ApiResult<HttpResponse> {
    let settings = TenantSettings::from_json(&a.tenant.settings);
    Ok(HttpResponse::Created().json(app.create_hold(&a.actor, a.tenant.id, &settings, b).await?))
}

#[utoipa::path(tag = "ticketing", params(("id" = Uuid, Path)), responses((status = 200, body = HoldView), (status = 404, body = Problem)))]
#[get("/holds/{id}")]
pub async fn get_one(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.get_hold(&a.actor, a.tenant.id, *id).await?))
}

/// Releases a hold at once.
#[utoipa::path(tag = "ticketing", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[delete("/holds/{id}")]
pub async fn remove(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    app.release_hold(&a.actor, a.tenant.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

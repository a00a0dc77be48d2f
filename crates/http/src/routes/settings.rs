use actix_web::{get, put, web, HttpResponse};
use taquilla_core::settings::TenantSettings;
use taquilla_services::App;
use utoipa::OpenApi;

use crate::extract::{Authed, Json};
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_settings).service(put_settings);
}

#[derive(OpenApi)]
#[openapi(paths(get_settings, put_settings), components(schemas(TenantSettings)))]
pub struct Doc;

/// The tenant's settings (tenant admins).
#[utoipa::path(tag = "settings", responses((status = 200, body = TenantSettings), (status = 403, body = Problem)))]
#[get("/settings")]
pub async fn get_settings(app: web::Data<App>, a: Authed) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.tenant_settings(&a.actor, a.tenant.id).await?))
}

/// Replaces the tenant's settings: hold time and resale price cap.
#[utoipa::path(tag = "settings", request_body = TenantSettings, responses((status = 200, body = TenantSettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[put("/settings")]
pub async fn put_settings(app: web::Data<App>, a: Authed, Json(b): Json<TenantSettings>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.update_tenant_settings(&a.actor, a.tenant.id, b).await?))
}

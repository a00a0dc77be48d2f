use actix_web::{get, put, web, HttpResponse};
use serde::Serialize;
use taquilla_core::settings::TenantSettings;
use taquilla_services::App;
use utoipa::{OpenApi, ToSchema};

use crate::extract::{Authed, Json, Tenant};
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(public_tenant).service(get_settings).service(put_settings);
}

#[derive(OpenApi)]
#[openapi(paths(public_tenant, get_settings, put_settings), components(schemas(TenantSettings, PublicTenant)))]
pub struct Doc;

/// What anyone may know about a tenant: what a storefront shows before login.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicTenant {
    pub slug: String,
    pub name: String,
    /// `#rrggbb`, when the tenant set one.
    pub brand_color: Option<String>,
    pub accent_color: Option<String>,
}

/// The tenant's public face (name and colours) for its storefront; no
/// credential needed. Suspended or unknown tenants answer as elsewhere.
#[utoipa::path(tag = "settings", responses((status = 200, body = PublicTenant), (status = 404, body = Problem)))]
#[get("/tenant")]
pub async fn public_tenant(t: Tenant) -> HttpResponse {
    let s = TenantSettings::from_json(&t.0.settings);
    HttpResponse::Ok().json(PublicTenant {
        slug: t.0.slug,
        name: t.0.name,
        brand_color: s.brand_color,
        accent_color: s.accent_color,
    })
}

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

//! API keys for partner systems. Tenant admins only; keys cannot manage keys.

use actix_web::{delete, get, post, web, HttpResponse};
use taquilla_services::api_keys::{ApiKeyCreated, ApiKeyInput, ApiKeyView};
use taquilla_services::App;
use utoipa::OpenApi;
use uuid::Uuid;

use super::Paging;
use crate::extract::{Authed, Json, Query};
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(create).service(revoke);
}

#[derive(OpenApi)]
#[openapi(
    paths(list, create, revoke),
    components(schemas(ApiKeyInput, ApiKeyView, ApiKeyCreated, taquilla_core::Scope))
)]
pub struct Doc;

/// The tenant's keys (never the keys themselves: their prefixes).
#[utoipa::path(tag = "api-keys", params(Paging), responses((status = 200, body = taquilla_core::page::Page<ApiKeyView>), (status = 403, body = Problem)))]
#[get("/api-keys")]
pub async fn list(app: web::Data<App>, a: Authed, Query(p): Query<Paging>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.list_api_keys(&a.actor, a.tenant.id, p.request()?).await?))
}

/// Creates a key with scopes and an optional expiry. The answer holds the
/// key (`tk_live_…`), shown this once; use it as `Authorization: Bearer`.
#[utoipa::path(tag = "api-keys", request_body = ApiKeyInput,
    responses((status = 201, body = ApiKeyCreated), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/api-keys")]
pub async fn create(app: web::Data<App>, a: Authed, Json(b): Json<ApiKeyInput>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(app.create_api_key(&a.actor, a.tenant.id, b).await?))
}

/// Revokes a key: refused at once by this instance, by every instance within ten seconds.
#[utoipa::path(tag = "api-keys", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem)))]
#[delete("/api-keys/{id}")]
pub async fn revoke(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    app.revoke_api_key(&a.actor, a.tenant.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

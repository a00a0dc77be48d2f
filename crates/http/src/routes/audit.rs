use actix_web::{get, web, HttpResponse};
use taquilla_core::page::Page;
use taquilla_core::roles::Permission;
use taquilla_services::App;
use taquilla_store::audit::{AuditRow, Verification};

use super::Paging;
use crate::extract::{Authed, Query};
use crate::problem::{ApiResult, Problem};

/// The tenant's audit log, newest first (tenant admins).
#[utoipa::path(tag = "audit", params(Paging), responses((status = 200, body = Page<AuditRow>), (status = 403, body = Problem)))]
#[get("/audit")]
pub async fn list(app: web::Data<App>, a: Authed, Query(p): Query<Paging>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.list_audit(&a.actor, a.tenant.id, p.request()?).await?))
}

/// Recomputes the tenant's audit hash chain (tenant admins).
#[utoipa::path(tag = "audit", responses((status = 200, body = Verification), (status = 403, body = Problem)))]
#[get("/audit/verify")]
pub async fn verify(app: web::Data<App>, a: Authed) -> ApiResult<HttpResponse> {
    a.actor.require(Permission::ViewAuditLog)?;
    Ok(HttpResponse::Ok().json(app.verify_audit(Some(a.tenant.id)).await?))
}

use actix_web::{get, patch, post, web, HttpResponse};
use taquilla_core::page::Page;
use taquilla_services::tenants::{CreatedTenant, NewTenant, TenantPatch};
use taquilla_services::users::UserAdminPatch;
use taquilla_services::views::{TenantView, TokenPair, UserView};
use taquilla_services::App;
use uuid::Uuid;

use super::auth::LoginBody;
use super::users::UserListQuery;
use super::Paging;
use crate::extract::{Json, PlatformAdmin, Query};
use crate::problem::{ApiResult, Problem};

/// Platform admin login (no tenant).
#[utoipa::path(tag = "admin", request_body = LoginBody, responses((status = 200, body = TokenPair), (status = 401, body = Problem)))]
#[post("/admin/auth/login")]
pub async fn login(app: web::Data<App>, Json(b): Json<LoginBody>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.platform_login(&b.email, &b.password).await?))
}

#[utoipa::path(tag = "admin", params(Paging), responses((status = 200, body = Page<TenantView>), (status = 401, body = Problem)))]
#[get("/admin/tenants")]
pub async fn list_tenants(
    app: web::Data<App>,
    PlatformAdmin(a): PlatformAdmin,
    Query(p): Query<Paging>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.list_tenants(&a, p.request()?).await?))
}

/// Onboards a tenant: its schema, its tables and its first admin, atomically.
#[utoipa::path(tag = "admin", request_body = NewTenant,
    responses((status = 201, body = CreatedTenant), (status = 409, body = Problem, description = "slug taken"), (status = 422, body = Problem)))]
#[post("/admin/tenants")]
pub async fn create_tenant(
    app: web::Data<App>,
    PlatformAdmin(a): PlatformAdmin,
    Json(b): Json<NewTenant>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(app.create_tenant(&a, b).await?))
}

#[utoipa::path(tag = "admin", params(("id" = Uuid, Path)), responses((status = 200, body = TenantView), (status = 404, body = Problem)))]
#[get("/admin/tenants/{id}")]
pub async fn get_tenant(
    app: web::Data<App>,
    PlatformAdmin(a): PlatformAdmin,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.get_tenant(&a, *id).await?))
}

/// Renames, suspends or reactivates a tenant. Suspension stops its credentials at once.
#[utoipa::path(tag = "admin", params(("id" = Uuid, Path)), request_body = TenantPatch,
    responses((status = 200, body = TenantView), (status = 404, body = Problem)))]
#[patch("/admin/tenants/{id}")]
pub async fn update_tenant(
    app: web::Data<App>,
    PlatformAdmin(a): PlatformAdmin,
    id: web::Path<Uuid>,
    Json(b): Json<TenantPatch>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.update_tenant(&a, *id, b).await?))
}

#[utoipa::path(tag = "admin", params(("id" = Uuid, Path), UserListQuery),
    responses((status = 200, body = Page<UserView>), (status = 404, body = Problem)))]
#[get("/admin/tenants/{id}/users")]
pub async fn list_users(
    app: web::Data<App>,
    PlatformAdmin(a): PlatformAdmin,
    id: web::Path<Uuid>,
    Query(q): Query<UserListQuery>,
) -> ApiResult<HttpResponse> {
    let t = app.get_tenant(&a, *id).await?;
    Ok(HttpResponse::Ok().json(app.list_users(&a, t.id, q.role, q.paging()?).await?))
}

#[utoipa::path(tag = "admin", params(("id" = Uuid, Path), ("uid" = Uuid, Path)),
    responses((status = 200, body = UserView), (status = 404, body = Problem)))]
#[get("/admin/tenants/{id}/users/{uid}")]
pub async fn get_user(
    app: web::Data<App>,
    PlatformAdmin(a): PlatformAdmin,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, uid) = *path;
    let t = app.get_tenant(&a, id).await?;
    Ok(HttpResponse::Ok().json(app.get_user(&a, t.id, uid).await?))
}

/// Changes any tenant user's role, profile or active flag.
#[utoipa::path(tag = "admin", params(("id" = Uuid, Path), ("uid" = Uuid, Path)), request_body = UserAdminPatch,
    responses((status = 200, body = UserView), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[patch("/admin/tenants/{id}/users/{uid}")]
pub async fn update_user(
    app: web::Data<App>,
    PlatformAdmin(a): PlatformAdmin,
    path: web::Path<(Uuid, Uuid)>,
    Json(b): Json<UserAdminPatch>,
) -> ApiResult<HttpResponse> {
    let (id, uid) = *path;
    let t = app.get_tenant(&a, id).await?;
    Ok(HttpResponse::Ok().json(app.update_user(&a, t.id, uid, b).await?))
}

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::roles::Role;
use taquilla_services::tenants::{CreatedTenant, NewTenant, TenantPatch};
use taquilla_services::users::{TenantUserView, UserAdminPatch};
use taquilla_services::views::{TenantView, TokenPair, UserView};
use taquilla_services::App;
use utoipa::IntoParams;
use uuid::Uuid;

use super::auth::{LoginBody, RefreshBody};
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

/// Rotates a platform admin's refresh token, as `/auth/refresh` does for
/// tenant users: the old token stops working; reusing it ends the login.
#[utoipa::path(tag = "admin", request_body = RefreshBody, responses((status = 200, body = TokenPair), (status = 401, body = Problem)))]
#[post("/admin/auth/refresh")]
pub async fn refresh(app: web::Data<App>, Json(b): Json<RefreshBody>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.platform_refresh(&b.refresh_token).await?))
}

/// Ends the platform admin login the refresh token belongs to.
#[utoipa::path(tag = "admin", request_body = RefreshBody, responses((status = 204)))]
#[post("/admin/auth/logout")]
pub async fn logout(app: web::Data<App>, Json(b): Json<RefreshBody>) -> ApiResult<HttpResponse> {
    app.platform_logout(&b.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserSearchQuery {
    /// Text the e-mail or display name contains (case-insensitive).
    #[param(max_length = 100)]
    pub q: Option<String>,
    pub role: Option<Role>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// Users of every tenant, with their tenant, ordered by e-mail: find a
/// person without knowing their tenant (platform admins).
#[utoipa::path(tag = "admin", params(UserSearchQuery),
    responses((status = 200, body = Page<TenantUserView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
#[get("/admin/users")]
pub async fn search_users(
    app: web::Data<App>,
    PlatformAdmin(a): PlatformAdmin,
    Query(q): Query<UserSearchQuery>,
) -> ApiResult<HttpResponse> {
    let page = PageRequest::new(q.page, q.per_page)?;
    Ok(HttpResponse::Ok().json(app.search_all_users(&a, q.q.as_deref(), q.role, page).await?))
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

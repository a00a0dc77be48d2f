use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::roles::Role;
use taquilla_core::text::{EmailAddress, Name, Password};
use taquilla_services::users::{ProfilePatch, UserAdminPatch};
use taquilla_services::views::UserView;
use taquilla_services::App;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{Authed, Json, Query};
use crate::problem::{ApiResult, Problem};

/// The caller's own profile.
#[utoipa::path(tag = "users", responses((status = 200, body = UserView), (status = 401, body = Problem)))]
#[get("/users/me")]
pub async fn me(app: web::Data<App>, a: Authed) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.me(&a.actor).await?))
}

/// Changes the caller's profile (and password, given the current one).
#[utoipa::path(tag = "users", request_body = ProfilePatch, responses((status = 200, body = UserView), (status = 422, body = Problem)))]
#[patch("/users/me")]
pub async fn update_me(app: web::Data<App>, a: Authed, Json(p): Json<ProfilePatch>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.update_me(&a.actor, p).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    pub role: Option<Role>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

impl UserListQuery {
    pub fn paging(&self) -> ApiResult<PageRequest> {
        Ok(PageRequest::new(self.page, self.per_page)?)
    }
}

/// The tenant's users (tenant admins).
#[utoipa::path(tag = "users", params(UserListQuery), responses((status = 200, body = Page<UserView>), (status = 403, body = Problem)))]
#[get("/users")]
pub async fn list(app: web::Data<App>, a: Authed, Query(q): Query<UserListQuery>) -> ApiResult<HttpResponse> {
    let page = app.list_users(&a.actor, a.tenant.id, q.role, q.paging()?).await?;
    Ok(HttpResponse::Ok().json(page))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub email: EmailAddress,
    pub password: Password,
    pub role: Role,
    pub display_name: Name,
}

/// Adds a user with any tenant role (tenant admins).
#[utoipa::path(tag = "users", request_body = NewUserBody, responses((status = 201, body = UserView), (status = 403, body = Problem), (status = 409, body = Problem)))]
#[post("/users")]
pub async fn create(app: web::Data<App>, a: Authed, Json(b): Json<NewUserBody>) -> ApiResult<HttpResponse> {
    let u = app.create_user(&a.actor, a.tenant.id, b.email, b.password, b.role, b.display_name).await?;
    Ok(HttpResponse::Created().json(u))
}

/// One user of the tenant (tenant admins).
#[utoipa::path(tag = "users", params(("id" = Uuid, Path)), responses((status = 200, body = UserView), (status = 404, body = Problem)))]
#[get("/users/{id}")]
pub async fn get(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.get_user(&a.actor, a.tenant.id, *id).await?))
}

/// Changes a user's role, profile or active flag (tenant admins).
#[utoipa::path(tag = "users", params(("id" = Uuid, Path)), request_body = UserAdminPatch,
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[patch("/users/{id}")]
pub async fn update(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Json(p): Json<UserAdminPatch>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.update_user(&a.actor, a.tenant.id, *id, p).await?))
}

use actix_web::{post, web, HttpResponse};
use serde::Deserialize;
use taquilla_core::text::{EmailAddress, Name, Password};
use taquilla_services::views::TokenPair;
use taquilla_services::App;
use utoipa::ToSchema;

use crate::extract::{Json, Tenant};
use crate::problem::{ApiResult, Problem};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    pub email: EmailAddress,
    pub password: Password,
    pub display_name: Name,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(max_length = 256)]
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshBody {
    #[schema(max_length = 200)]
    pub refresh_token: String,
}

/// Creates an attendee account and logs it in.
#[utoipa::path(tag = "auth", request_body = RegisterBody,
    responses((status = 201, body = TokenPair), (status = 409, body = Problem, description = "e-mail taken"), (status = 422, body = Problem)))]
#[post("/auth/register")]
pub async fn register(app: web::Data<App>, Tenant(t): Tenant, Json(b): Json<RegisterBody>) -> ApiResult<HttpResponse> {
    let pair = app.register(&t, b.email, b.password, b.display_name).await?;
    Ok(HttpResponse::Created().json(pair))
}

/// Exchanges e-mail and password for an access token and a refresh token.
#[utoipa::path(tag = "auth", request_body = LoginBody,
    responses((status = 200, body = TokenPair), (status = 401, body = Problem), (status = 403, body = Problem, description = "account disabled")))]
#[post("/auth/login")]
pub async fn login(app: web::Data<App>, Tenant(t): Tenant, Json(b): Json<LoginBody>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.login(&t, &b.email, &b.password).await?))
}

/// Rotates a refresh token: the old one stops working; reusing it revokes the login.
#[utoipa::path(tag = "auth", request_body = RefreshBody, responses((status = 200, body = TokenPair), (status = 401, body = Problem)))]
#[post("/auth/refresh")]
pub async fn refresh(app: web::Data<App>, Tenant(t): Tenant, Json(b): Json<RefreshBody>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.refresh(&t, &b.refresh_token).await?))
}

/// Revokes the login the refresh token belongs to.
#[utoipa::path(tag = "auth", request_body = RefreshBody, responses((status = 204)))]
#[post("/auth/logout")]
pub async fn logout(app: web::Data<App>, Tenant(t): Tenant, Json(b): Json<RefreshBody>) -> ApiResult<HttpResponse> {
    app.logout(&t, &b.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

use actix_web::web;
use utoipa::OpenApi;

/// Registers this module's routes inside the `/api/v1` scope.
pub fn configure(_cfg: &mut web::ServiceConfig) {}

#[derive(OpenApi)]
#[openapi()]
pub struct Doc;

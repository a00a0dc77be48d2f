//! Tenant scripts (tenant admins): versions, tests, activation, rollback.

use actix_web::{get, post, web, HttpResponse};
use taquilla_services::scripts::{
    ScriptInput, ScriptRunInput, ScriptTestReport, ScriptVersionInput, ScriptVersionView, ScriptView,
};
use taquilla_services::App;
use utoipa::OpenApi;
use uuid::Uuid;

use super::Paging;
use crate::extract::{Authed, Json, Query};
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get)
        .service(versions)
        .service(version)
        .service(save)
        .service(test)
        .service(activate)
        .service(deactivate);
}

#[derive(OpenApi)]
#[openapi(
    paths(list, create, get, versions, version, save, test, activate, deactivate),
    components(schemas(
        ScriptInput,
        ScriptRunInput,
        ScriptTestReport,
        ScriptVersionInput,
        ScriptVersionView,
        ScriptView
    ))
)]
pub struct Doc;

#[utoipa::path(tag = "scripts", params(Paging), responses((status = 200, body = taquilla_core::page::Page<ScriptView>), (status = 403, body = Problem)))]
#[get("/scripts")]
pub async fn list(app: web::Data<App>, a: Authed, Query(p): Query<Paging>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.list_scripts(&a.actor, a.tenant.id, p.request()?).await?))
}

/// Creates a script with its first version (inactive).
#[utoipa::path(tag = "scripts", request_body = ScriptInput,
    responses((status = 201, body = ScriptView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/scripts")]
pub async fn create(app: web::Data<App>, a: Authed, Json(b): Json<ScriptInput>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(app.create_script(&a.actor, a.tenant.id, b).await?))
}

#[utoipa::path(tag = "scripts", params(("id" = Uuid, Path)), responses((status = 200, body = ScriptView), (status = 404, body = Problem)))]
#[get("/scripts/{id}")]
pub async fn get(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.get_script(&a.actor, a.tenant.id, *id).await?))
}

/// Every saved version, newest first, with its source and test cases;
/// `active` marks the live one. Rolling back is activating an older one.
#[utoipa::path(tag = "scripts", params(("id" = Uuid, Path), Paging),
    responses((status = 200, body = taquilla_core::page::Page<ScriptVersionView>), (status = 404, body = Problem)))]
#[get("/scripts/{id}/versions")]
pub async fn versions(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Query(p): Query<Paging>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.list_script_versions(&a.actor, a.tenant.id, *id, p.request()?).await?))
}

#[utoipa::path(tag = "scripts", params(("id" = Uuid, Path), ("version" = i32, Path)),
    responses((status = 200, body = ScriptVersionView), (status = 404, body = Problem)))]
#[get("/scripts/{id}/versions/{version}")]
pub async fn version(app: web::Data<App>, a: Authed, path: web::Path<(Uuid, i32)>) -> ApiResult<HttpResponse> {
    let (id, version) = path.into_inner();
    Ok(HttpResponse::Ok().json(app.get_script_version(&a.actor, a.tenant.id, id, version).await?))
}

/// Saves a new version; the active version stays until another is activated.
#[utoipa::path(tag = "scripts", params(("id" = Uuid, Path)), request_body = ScriptVersionInput,
    responses((status = 201, body = ScriptView), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/scripts/{id}/versions")]
pub async fn save(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Json(b): Json<ScriptVersionInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(app.save_script_version(&a.actor, a.tenant.id, *id, b).await?))
}

/// Compiles a version and runs its test cases and an optional ad-hoc context.
#[utoipa::path(tag = "scripts", params(("id" = Uuid, Path)), request_body = ScriptRunInput,
    responses((status = 200, body = ScriptTestReport), (status = 404, body = Problem)))]
#[post("/scripts/{id}/test")]
pub async fn test(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Json(b): Json<ScriptRunInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.test_script(&a.actor, a.tenant.id, *id, b).await?))
}

/// Makes a version live if it compiles and passes its tests; an older
/// version rolls back.
#[utoipa::path(tag = "scripts", params(("id" = Uuid, Path)), request_body = ScriptRunInput,
    responses((status = 200, body = ScriptView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/scripts/{id}/activate")]
pub async fn activate(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Json(b): Json<ScriptRunInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.activate_script(&a.actor, a.tenant.id, *id, b).await?))
}

#[utoipa::path(tag = "scripts", params(("id" = Uuid, Path)), responses((status = 200, body = ScriptView), (status = 404, body = Problem)))]
#[post("/scripts/{id}/deactivate")]
pub async fn deactivate(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.deactivate_script(&a.actor, a.tenant.id, *id).await?))
}

use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use taquilla_services::sessions::{SessionInput, SessionPatch};
use taquilla_services::views::SessionView;
use taquilla_services::App;
use uuid::Uuid;

use crate::extract::{Authed, Json, MaybeAuthed};
use crate::problem::{ApiResult, Problem};

#[utoipa::path(tag = "sessions", params(("id" = Uuid, Path)), responses((status = 200, body = Vec<SessionView>), (status = 404, body = Problem)))]
#[get("/events/{id}/sessions")]
pub async fn list(app: web::Data<App>, a: MaybeAuthed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.list_sessions(a.actor.as_ref(), a.tenant.id, *id).await?))
}

/// Adds a session inside the event's dates; sessions at one venue may not overlap.
#[utoipa::path(tag = "sessions", params(("id" = Uuid, Path)), request_body = SessionInput,
    responses((status = 201, body = SessionView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/events/{id}/sessions")]
pub async fn create(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Json(b): Json<SessionInput>,
) -> ApiResult<HttpResponse> {
    let s = app.create_session(&a.actor, a.tenant.id, *id, b).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/events/{}/sessions/{}", s.event_id, s.id)))
        .json(s))
}

#[utoipa::path(tag = "sessions", params(("id" = Uuid, Path), ("sid" = Uuid, Path)), responses((status = 200, body = SessionView), (status = 404, body = Problem)))]
#[get("/events/{id}/sessions/{sid}")]
pub async fn get(app: web::Data<App>, a: MaybeAuthed, path: web::Path<(Uuid, Uuid)>) -> ApiResult<HttpResponse> {
    let (id, sid) = *path;
    Ok(HttpResponse::Ok().json(app.get_session(a.actor.as_ref(), a.tenant.id, id, sid).await?))
}

/// Replaces a session; a `status` must be a legal transition.
#[utoipa::path(tag = "sessions", params(("id" = Uuid, Path), ("sid" = Uuid, Path)), request_body = SessionInput,
    responses((status = 200, body = SessionView), (status = 409, body = Problem, description = "overlap or illegal transition"), (status = 422, body = Problem)))]
#[put("/events/{id}/sessions/{sid}")]
pub async fn replace(
    app: web::Data<App>,
    a: Authed,
    path: web::Path<(Uuid, Uuid)>,
    Json(b): Json<SessionInput>,
) -> ApiResult<HttpResponse> {
    let (id, sid) = *path;
    Ok(HttpResponse::Ok().json(app.replace_session(&a.actor, a.tenant.id, id, sid, b).await?))
}

/// Changes some fields of a session, or moves it through its lifecycle:
/// draft → teaser → presale → on_sale → in_progress → finished; cancelled and
/// suspended from the live states.
#[utoipa::path(tag = "sessions", params(("id" = Uuid, Path), ("sid" = Uuid, Path)), request_body = SessionPatch,
    responses((status = 200, body = SessionView), (status = 409, body = Problem, description = "overlap or illegal transition"), (status = 422, body = Problem)))]
#[patch("/events/{id}/sessions/{sid}")]
pub async fn update(
    app: web::Data<App>,
    a: Authed,
    path: web::Path<(Uuid, Uuid)>,
    Json(b): Json<SessionPatch>,
) -> ApiResult<HttpResponse> {
    let (id, sid) = *path;
    Ok(HttpResponse::Ok().json(app.patch_session(&a.actor, a.tenant.id, id, sid, b).await?))
}

#[utoipa::path(tag = "sessions", params(("id" = Uuid, Path), ("sid" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem)))]
#[delete("/events/{id}/sessions/{sid}")]
pub async fn remove(app: web::Data<App>, a: Authed, path: web::Path<(Uuid, Uuid)>) -> ApiResult<HttpResponse> {
    let (id, sid) = *path;
    app.delete_session(&a.actor, a.tenant.id, id, sid).await?;
    Ok(HttpResponse::NoContent().finish())
}

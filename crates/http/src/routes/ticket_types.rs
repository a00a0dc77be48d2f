use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use taquilla_services::ticket_types::{SeatMapInput, SeatView, TicketTypeInput, TicketTypePatch, TicketTypeView};
use taquilla_services::App;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::extract::{Authed, Json, MaybeAuthed};
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(upload_seats)
        .service(seats);
}

#[derive(OpenApi)]
#[openapi(
    paths(list, create, get_one, update, remove, upload_seats, seats),
    components(schemas(TicketTypeView, TicketTypeInput, TicketTypePatch, SeatMapInput, SeatView))
)]
pub struct Doc;

/// Sections of a session with live availability (`capacity`, `sold`, `held`, `available`).
#[utoipa::path(tag = "ticketing", params(("sid" = Uuid, Path)), responses((status = 200, body = Vec<TicketTypeView>), (status = 404, body = Problem)))]
#[get("/sessions/{sid}/ticket-types")]
pub async fn list(app: web::Data<App>, a: MaybeAuthed, sid: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.list_ticket_types(a.actor.as_ref(), a.tenant.id, *sid).await?))
}

/// Adds a section. The sections' capacities may not exceed the session's.
#[utoipa::path(tag = "ticketing", params(("sid" = Uuid, Path)), request_body = TicketTypeInput,
    responses((status = 201, body = TicketTypeView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/sessions/{sid}/ticket-types")]
pub async fn create(
    app: web::Data<App>,
    a: Authed,
    sid: web::Path<Uuid>,
    Json(b): Json<TicketTypeInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(app.create_ticket_type(&a.actor, a.tenant.id, *sid, b).await?))
}

#[utoipa::path(tag = "ticketing", params(("id" = Uuid, Path)), responses((status = 200, body = TicketTypeView), (status = 404, body = Problem)))]
#[get("/ticket-types/{id}")]
pub async fn get_one(app: web::Data<App>, a: MaybeAuthed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.get_ticket_type(a.actor.as_ref(), a.tenant.id, *id).await?))
}

#[utoipa::path(tag = "ticketing", params(("id" = Uuid, Path)), request_body = TicketTypePatch,
    responses((status = 200, body = TicketTypeView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[patch("/ticket-types/{id}")]
pub async fn update(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Json(b): Json<TicketTypePatch>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.patch_ticket_type(&a.actor, a.tenant.id, *id, b).await?))
}

/// Removes a section nobody has bought or held.
#[utoipa::path(tag = "ticketing", params(("id" = Uuid, Path)), responses((status = 204), (status = 409, body = Problem)))]
#[delete("/ticket-types/{id}")]
pub async fn remove(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    app.delete_ticket_type(&a.actor, a.tenant.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Uploads (replaces) the seat map of a seated section: rows, numbers, labels, x/y.
#[utoipa::path(tag = "ticketing", params(("id" = Uuid, Path)), request_body = SeatMapInput,
    responses((status = 200, body = Vec<SeatView>), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[put("/ticket-types/{id}/seats")]
pub async fn upload_seats(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Json(b): Json<SeatMapInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.upload_seat_map(&a.actor, a.tenant.id, *id, b).await?))
}

/// Every seat of the session with its state (available, held, sold).
#[utoipa::path(tag = "ticketing", params(("sid" = Uuid, Path)), responses((status = 200, body = Vec<SeatView>), (status = 404, body = Problem)))]
#[get("/sessions/{sid}/seats")]
pub async fn seats(app: web::Data<App>, a: MaybeAuthed, sid: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.session_seats(a.actor.as_ref(), a.tenant.id, *sid).await?))
}

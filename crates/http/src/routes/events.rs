use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::status::EventStatus;
use taquilla_core::text::Category;
use taquilla_core::Error;
use taquilla_services::events::{EventInput, EventPatch, EventQuery};
use taquilla_services::views::EventView;
use taquilla_services::App;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::extract::{Authed, Json, MaybeAuthed, Query};
use crate::problem::{ApiResult, Problem};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventListQuery {
    #[param(value_type = Option<String>)]
    pub category: Option<Category>,
    /// Only organizers and admins see statuses other than `published`.
    pub status: Option<EventStatus>,
    /// Events that end after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Events that start before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Search words (required on `/events/search`); each matches as a prefix.
    #[param(max_length = 200)]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

impl EventListQuery {
    fn query(&self) -> EventQuery {
        EventQuery { category: self.category.clone(), status: self.status, from: self.from, to: self.to }
    }
}

/// Events, soonest first (best match first with `q`). Anonymous callers and
/// attendees see published ones.
#[utoipa::path(tag = "events", params(EventListQuery), responses((status = 200, body = Page<EventView>), (status = 422, body = Problem)))]
#[get("/events")]
pub async fn list(app: web::Data<App>, a: MaybeAuthed, Query(q): Query<EventListQuery>) -> ApiResult<HttpResponse> {
    let paging = PageRequest::new(q.page, q.per_page)?;
    let page = match &q.q {
        Some(text) => app.search_events(a.actor.as_ref(), a.tenant.id, text, &q.query(), paging).await?,
        None => app.list_events(a.actor.as_ref(), a.tenant.id, &q.query(), paging).await?,
    };
    Ok(HttpResponse::Ok().json(page))
}

/// Full-text search with prefix matching (`roc` finds "Rockfest"), best match first.
#[utoipa::path(tag = "events", params(EventListQuery), responses((status = 200, body = Page<EventView>), (status = 422, body = Problem)))]
#[get("/events/search")]
pub async fn search(app: web::Data<App>, a: MaybeAuthed, Query(q): Query<EventListQuery>) -> ApiResult<HttpResponse> {
    let text = q.q.as_deref().ok_or_else(|| Error::validation("q", "required", "the search text is required"))?;
    let page = app
        .search_events(a.actor.as_ref(), a.tenant.id, text, &q.query(), PageRequest::new(q.page, q.per_page)?)
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Creates an event owned by the caller (organizers and admins).
#[utoipa::path(tag = "events", request_body = EventInput,
    responses((status = 201, body = EventView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/events")]
pub async fn create(app: web::Data<App>, a: Authed, Json(b): Json<EventInput>) -> ApiResult<HttpResponse> {
    let e = app.create_event(&a.actor, a.tenant.id, b).await?;
    Ok(HttpResponse::Created().insert_header(("Location", format!("/api/v1/events/{}", e.id))).json(e))
}

#[utoipa::path(tag = "events", params(("id" = Uuid, Path)), responses((status = 200, body = EventView), (status = 404, body = Problem)))]
#[get("/events/{id}")]
pub async fn get(app: web::Data<App>, a: MaybeAuthed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.get_event(a.actor.as_ref(), a.tenant.id, *id).await?))
}

/// Replaces an event (its owner or an admin).
#[utoipa::path(tag = "events", params(("id" = Uuid, Path)), request_body = EventInput,
    responses((status = 200, body = EventView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[put("/events/{id}")]
pub async fn replace(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Json(b): Json<EventInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.replace_event(&a.actor, a.tenant.id, *id, b).await?))
}

/// Changes some fields of an event (its owner or an admin).
#[utoipa::path(tag = "events", params(("id" = Uuid, Path)), request_body = EventPatch,
    responses((status = 200, body = EventView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[patch("/events/{id}")]
pub async fn update(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Json(b): Json<EventPatch>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.patch_event(&a.actor, a.tenant.id, *id, b).await?))
}

/// Soft-deletes an event and its sessions.
#[utoipa::path(tag = "events", params(("id" = Uuid, Path)), responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[delete("/events/{id}")]
pub async fn remove(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    app.delete_event(&a.actor, a.tenant.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

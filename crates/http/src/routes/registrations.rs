//! Registrations for free sessions, the caller's agenda and session attendance.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::Deserialize;
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::status::RegistrationStatus;
use taquilla_services::registrations::{
    AttendeeSource, AttendeeStatus, AttendeeView, RegistrationView, UserEventSummary, UserEventView, UserSessionSummary,
};
use taquilla_services::App;
use utoipa::{IntoParams, OpenApi};
use uuid::Uuid;

use crate::extract::{Authed, Query};
use crate::problem::{ApiResult, Problem};

/// Registers this module's routes inside the `/api/v1` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register).service(cancel).service(mine).service(my_events).service(attendees);
}

#[derive(OpenApi)]
#[openapi(
    paths(register, cancel, mine, my_events, attendees),
    components(schemas(
        RegistrationView,
        RegistrationStatus,
        UserEventView,
        UserEventSummary,
        UserSessionSummary,
        AttendeeView,
        AttendeeSource,
        AttendeeStatus
    )),
    tags((name = "registrations", description = "Free sessions: registration, waitlist, attendance"))
)]
pub struct Doc;

/// Registers the caller for a free session (on sale, no paid ticket types):
/// `confirmed` while places last, then `waitlisted` with a 1-based position.
#[utoipa::path(tag = "registrations", params(("id" = Uuid, Path), ("sid" = Uuid, Path)),
    responses(
        (status = 201, body = RegistrationView),
        (status = 401, body = Problem),
        (status = 404, body = Problem, description = "no such (visible) event, or the session is not one of its"),
        (status = 409, body = Problem, description = "`session_not_open` (naming the `session_status`), `session_requires_ticket` or `already_registered`"),
    ))]
#[post("/events/{id}/sessions/{sid}/register")]
pub async fn register(app: web::Data<App>, a: Authed, path: web::Path<(Uuid, Uuid)>) -> ApiResult<HttpResponse> {
    let (id, sid) = *path;
    let r = app.register_for_session(&a.actor, a.tenant.id, id, sid).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/events/{id}/sessions/{sid}/registration")))
        .json(r))
}

/// Cancels the caller's registration and answers 200 with it (status
/// `cancelled`). A confirmed place that frees up goes to the first waitlisted
/// registration at once.
#[utoipa::path(tag = "registrations", params(("id" = Uuid, Path), ("sid" = Uuid, Path)),
    responses(
        (status = 200, body = RegistrationView, description = "the cancelled registration"),
        (status = 401, body = Problem),
        (status = 404, body = Problem, description = "no event, session or live registration of the caller"),
    ))]
#[delete("/events/{id}/sessions/{sid}/register")]
pub async fn cancel(app: web::Data<App>, a: Authed, path: web::Path<(Uuid, Uuid)>) -> ApiResult<HttpResponse> {
    let (id, sid) = *path;
    Ok(HttpResponse::Ok().json(app.cancel_registration(&a.actor, a.tenant.id, id, sid).await?))
}

/// The caller's live registration for the session, with its current
/// waitlist position.
#[utoipa::path(tag = "registrations", params(("id" = Uuid, Path), ("sid" = Uuid, Path)),
    responses((status = 200, body = RegistrationView), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/events/{id}/sessions/{sid}/registration")]
pub async fn mine(app: web::Data<App>, a: Authed, path: web::Path<(Uuid, Uuid)>) -> ApiResult<HttpResponse> {
    let (id, sid) = *path;
    Ok(HttpResponse::Ok().json(app.my_registration(&a.actor, a.tenant.id, id, sid).await?))
}

/// Sessions the caller is registered for (confirmed or waitlisted) or holds
/// active or used tickets to, by session start.
#[utoipa::path(tag = "registrations", responses((status = 200, body = Vec<UserEventView>), (status = 401, body = Problem)))]
#[get("/users/me/events")]
pub async fn my_events(app: web::Data<App>, a: Authed) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.my_events(&a.actor, a.tenant.id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttendeeQuery {
    /// Only rows with this status. Without it: confirmed registrations and
    /// ticket holders (the waitlist is left out).
    pub status: Option<AttendeeStatus>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// A session's attendance: registrations and ticket holders (one row per
/// person and source), by name. Tenant admins and staff see any session,
/// organizers those of their own events.
#[utoipa::path(tag = "registrations", params(("sid" = Uuid, Path), AttendeeQuery),
    responses(
        (status = 200, body = Page<AttendeeView>),
        (status = 401, body = Problem),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 422, body = Problem),
    ))]
#[get("/sessions/{sid}/attendees")]
pub async fn attendees(
    app: web::Data<App>,
    a: Authed,
    sid: web::Path<Uuid>,
    Query(q): Query<AttendeeQuery>,
) -> ApiResult<HttpResponse> {
    let paging = PageRequest::new(q.page, q.per_page)?;
    Ok(HttpResponse::Ok().json(app.session_attendees(&a.actor, a.tenant.id, *sid, q.status, paging).await?))
}

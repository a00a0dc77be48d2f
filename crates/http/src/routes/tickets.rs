//! A person's tickets and their QR codes, and the path-style scan
//! `POST /tickets/{qr}/validate`.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{get, post, web, FromRequest, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use taquilla_core::page::Page;
use taquilla_services::checkin::{CheckInResult, ValidateInput};
use taquilla_services::tickets::{
    QrFormat, TicketEventView, TicketSessionView, TicketStatus, TicketTypeRef, TicketView,
};
use taquilla_services::App;
use utoipa::{IntoParams, OpenApi};
use uuid::Uuid;

use crate::extract::{Authed, Json, Query};
use crate::problem::{ApiError, ApiResult, Problem};

/// Tokens are entry credentials: keep them out of shared caches.
const NO_STORE: (header::HeaderName, &str) = (header::CACHE_CONTROL, "private, no-store");

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MyTicketsQuery {
    /// Only tickets in this state.
    pub status: Option<TicketStatus>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// The caller's tickets, newest first, each with its QR token.
#[utoipa::path(tag = "tickets", params(MyTicketsQuery),
    responses((status = 200, body = Page<TicketView>), (status = 401, body = Problem), (status = 422, body = Problem)))]
#[get("/users/me/tickets")]
pub async fn my_tickets(app: web::Data<App>, a: Authed, Query(q): Query<MyTicketsQuery>) -> ApiResult<HttpResponse> {
    let page = taquilla_core::page::PageRequest::new(q.page, q.per_page)?;
    let list = app.my_tickets(&a.actor, a.tenant.id, q.status, page).await?;
    Ok(HttpResponse::Ok().insert_header(NO_STORE).json(list))
}

/// One ticket: its owner, or staff, organizers and admins.
#[utoipa::path(tag = "tickets", params(("id" = Uuid, Path)),
    responses((status = 200, body = TicketView), (status = 404, body = Problem)))]
#[get("/tickets/{id}")]
pub async fn get(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let t = app.get_ticket(&a.actor, a.tenant.id, *id).await?;
    Ok(HttpResponse::Ok().insert_header(NO_STORE).json(t))
}

async fn qr(app: &App, a: &Authed, id: Uuid, format: QrFormat) -> ApiResult<HttpResponse> {
    let bytes = app.ticket_qr(&a.actor, a.tenant.id, id, format).await?;
    Ok(HttpResponse::Ok().content_type(format.content_type()).insert_header(NO_STORE).body(bytes))
}

/// The ticket's QR code as a PNG image. Void tickets have none (409 `ticket_void`).
#[utoipa::path(tag = "tickets", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The QR code", content_type = "image/png"),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
#[get("/tickets/{id}/qr.png")]
pub async fn qr_png(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    qr(&app, &a, *id, QrFormat::Png).await
}

/// The ticket's QR code as SVG. Void tickets have none (409 `ticket_void`).
#[utoipa::path(tag = "tickets", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The QR code", content_type = "image/svg+xml"),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
#[get("/tickets/{id}/qr.svg")]
pub async fn qr_svg(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    qr(&app, &a, *id, QrFormat::Svg).await
}

/// Scans a ticket in by its QR token in the path; `gate` and `session_id`
/// may come in a JSON body or the query string (the body wins). Same
/// outcomes as `POST /checkin`.
#[utoipa::path(tag = "checkin", params(("qr" = String, Path, description = "The ticket's QR token"),
        ("gate" = Option<String>, Query, min_length = 1, max_length = 64), ("session_id" = Option<Uuid>, Query)),
    request_body(content = Option<ValidateInput>),
    responses((status = 200, body = CheckInResult), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "`already_used`"),
        (status = 422, body = Problem, description = "`invalid_ticket` or `validation_failed`")))]
#[post("/tickets/{qr}/validate")]
pub async fn validate(
    app: web::Data<App>,
    a: Authed,
    token: web::Path<String>,
    Query(q): Query<ValidateInput>,
    OptionalJson(b): OptionalJson<ValidateInput>,
) -> ApiResult<HttpResponse> {
    let b = b.unwrap_or_default();
    let r = app.check_in(&a.actor, a.tenant.id, &token, b.gate.or(q.gate), b.session_id.or(q.session_id)).await?;
    Ok(HttpResponse::Ok().json(r))
}

/// A JSON body that may be left out: no body is `None`; a body that is
/// there obeys the rules of [`Json`] (media type, size, field errors).
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let h = req.headers();
        let length = h.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).map(str::trim);
        let empty = match length {
            Some(n) => n == "0",
            None => !h.contains_key(header::TRANSFER_ENCODING),
        };
        if empty {
            return Box::pin(std::future::ready(Ok(OptionalJson(None))));
        }
        let body = Json::<T>::from_request(req, payload);
        Box::pin(async move { body.await.map(|Json(v)| OptionalJson(Some(v))) })
    }
}

/// Registers this module's routes inside the `/api/v1` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(my_tickets).service(qr_png).service(qr_svg).service(get).service(validate);
}

#[derive(OpenApi)]
#[openapi(
    paths(my_tickets, get, qr_png, qr_svg, validate),
    components(schemas(
        TicketView,
        TicketStatus,
        TicketEventView,
        TicketSessionView,
        TicketTypeRef,
        ValidateInput,
        Page<TicketView>
    )),
    tags((name = "tickets", description = "Attendees' tickets and their QR codes"))
)]
pub struct Doc;

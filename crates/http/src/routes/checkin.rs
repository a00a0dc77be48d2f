//! The door: the tenant's public key for offline verification, scanning
//! tickets in, and the check-in counts of a session.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use taquilla_services::checkin::{
    AdmittedTicket, CheckInInput, CheckInOutcome, CheckInResult, CheckInStats, GateStats, TicketTypeStats,
};
use taquilla_services::signing::PublicKeyView;
use taquilla_services::App;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::extract::{Authed, Json, Tenant};
use crate::problem::{ApiResult, Problem};

/// The tenant's Ed25519 public key and the token layout, so scanners can
/// verify QR tokens offline. No credential needed.
#[utoipa::path(tag = "checkin", responses((status = 200, body = PublicKeyView), (status = 404, body = Problem)))]
#[get("/checkin/public-key")]
pub async fn public_key(app: web::Data<App>, Tenant(tenant): Tenant) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.public_key(tenant.id).await?))
}

/// Scans a ticket in (door staff, organizers, admins). Admits a ticket once:
/// a second scan is 409 `already_used` with `checked_in_at`, `gate` and
/// `checked_in_by`; a forged, altered, foreign, void, superseded or
/// other-session ticket is 422 `invalid_ticket` with a `reason`.
#[utoipa::path(tag = "checkin", request_body = CheckInInput,
    responses((status = 200, body = CheckInResult), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "`already_used`"),
        (status = 422, body = Problem, description = "`invalid_ticket` or `validation_failed`")))]
#[post("/checkin")]
pub async fn check_in(app: web::Data<App>, a: Authed, Json(b): Json<CheckInInput>) -> ApiResult<HttpResponse> {
    let r =
        a.audited(StatusCode::OK, app.check_in(&a.actor, a.tenant.id, &b.token, Some(b.gate), b.session_id)).await?;
    Ok(HttpResponse::Ok().json(r))
}

/// Sold (active or used) and checked-in tickets of a session, per ticket
/// type and per gate (staff, organizers, admins).
#[utoipa::path(tag = "checkin", params(("sid" = Uuid, Path)),
    responses((status = 200, body = CheckInStats), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/sessions/{sid}/checkin-stats")]
pub async fn stats(app: web::Data<App>, a: Authed, sid: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.checkin_stats(&a.actor, a.tenant.id, *sid).await?))
}

/// Registers this module's routes inside the `/api/v1` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(public_key).service(check_in).service(stats);
}

#[derive(OpenApi)]
#[openapi(
    paths(public_key, check_in, stats),
    components(schemas(
        PublicKeyView,
        CheckInInput,
        CheckInResult,
        CheckInOutcome,
        AdmittedTicket,
        CheckInStats,
        TicketTypeStats,
        GateStats
    )),
    tags((name = "checkin", description = "QR ticket validation at the door"))
)]
pub struct Doc;

//! Outgoing webhooks: endpoints, their messages and attempts. Tenant admins only.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use taquilla_services::webhooks::{
    AttemptView, EndpointInput, EndpointPatch, EndpointView, EndpointWithSecret, MessageFilter, MessageView, Replayed,
    SecretRotated,
};
use taquilla_services::App;
use utoipa::{IntoParams, OpenApi};
use uuid::Uuid;

use super::Paging;
use crate::extract::{Authed, Json, Query};
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get_one)
        .service(update)
        .service(remove)
        .service(rotate_secret)
        .service(attempts)
        .service(replay)
        .service(test)
        .service(messages)
        .service(retry);
}

#[derive(OpenApi)]
#[openapi(
    paths(list, create, get_one, update, remove, rotate_secret, attempts, replay, test, messages, retry),
    components(schemas(
        EndpointInput,
        EndpointPatch,
        EndpointView,
        EndpointWithSecret,
        MessageView,
        AttemptView,
        SecretRotated,
        Replayed
    ))
)]
pub struct Doc;

/// Registered endpoints (without their secrets).
#[utoipa::path(tag = "webhooks", params(Paging), responses((status = 200, body = taquilla_core::page::Page<EndpointView>), (status = 403, body = Problem)))]
#[get("/webhooks/endpoints")]
pub async fn list(app: web::Data<App>, a: Authed, Query(p): Query<Paging>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.list_webhook_endpoints(&a.actor, a.tenant.id, p.request()?).await?))
}

/// Registers an endpoint. The answer carries its `whsec_…` secret, shown
/// this once. The URL must be https and may not resolve to a loopback,
/// private, link-local or metadata address.
#[utoipa::path(tag = "webhooks", request_body = EndpointInput,
    responses((status = 201, body = EndpointWithSecret), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/webhooks/endpoints")]
pub async fn create(app: web::Data<App>, a: Authed, Json(b): Json<EndpointInput>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(app.create_webhook_endpoint(&a.actor, a.tenant.id, b).await?))
}

#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses((status = 200, body = EndpointView), (status = 404, body = Problem)))]
#[get("/webhooks/endpoints/{id}")]
pub async fn get_one(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.get_webhook_endpoint(&a.actor, a.tenant.id, *id).await?))
}

/// Changes URL, description, event types or the enabled flag.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), request_body = EndpointPatch,
    responses((status = 200, body = EndpointView), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[patch("/webhooks/endpoints/{id}")]
pub async fn update(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Json(b): Json<EndpointPatch>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.update_webhook_endpoint(&a.actor, a.tenant.id, *id, b).await?))
}

/// Deletes the endpoint with its messages and attempts.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = Problem)))]
#[delete("/webhooks/endpoints/{id}")]
pub async fn remove(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    app.delete_webhook_endpoint(&a.actor, a.tenant.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new secret, shown once. For 24 hours messages are signed with both the
/// new and the old secret, so receivers switch without losing one.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)), responses((status = 200, body = SecretRotated), (status = 404, body = Problem)))]
#[post("/webhooks/endpoints/{id}/rotate-secret")]
pub async fn rotate_secret(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.rotate_webhook_secret(&a.actor, a.tenant.id, *id).await?))
}

/// Every delivery attempt to the endpoint, newest first: status code,
/// response time, the first KiB of the answer, the error.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path), Paging),
    responses((status = 200, body = taquilla_core::page::Page<AttemptView>), (status = 404, body = Problem)))]
#[get("/webhooks/endpoints/{id}/attempts")]
pub async fn attempts(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Query(p): Query<Paging>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.list_webhook_attempts(&a.actor, a.tenant.id, *id, p.request()?).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReplayQuery {
    /// Events from this instant on (RFC 3339).
    pub since: DateTime<Utc>,
}

/// Sends again every event since `since` that the endpoint subscribes to and
/// did not receive (never sent, or failed). Delivered ones are not repeated.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path), ReplayQuery),
    responses((status = 202, body = Replayed), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/webhooks/endpoints/{id}/replay")]
pub async fn replay(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Query(q): Query<ReplayQuery>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Accepted().json(app.replay_webhooks(&a.actor, a.tenant.id, *id, q.since).await?))
}

/// Queues a `webhook.test` message to the endpoint.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)),
    responses((status = 202, body = MessageView), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[post("/webhooks/endpoints/{id}/test")]
pub async fn test(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Accepted().json(app.send_test_webhook(&a.actor, a.tenant.id, *id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MessagesQuery {
    pub endpoint_id: Option<Uuid>,
    /// `pending`, `succeeded` or `failed`.
    pub status: Option<String>,
    pub event_type: Option<String>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// Messages, newest first, with their state.
#[utoipa::path(tag = "webhooks", params(MessagesQuery),
    responses((status = 200, body = taquilla_core::page::Page<MessageView>), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/webhooks/messages")]
pub async fn messages(app: web::Data<App>, a: Authed, Query(q): Query<MessagesQuery>) -> ApiResult<HttpResponse> {
    let page = taquilla_core::page::PageRequest::new(q.page, q.per_page)?;
    let filter = MessageFilter { endpoint_id: q.endpoint_id, status: q.status, event_type: q.event_type };
    Ok(HttpResponse::Ok().json(app.list_webhook_messages(&a.actor, a.tenant.id, filter, page).await?))
}

/// Sends the message again now.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)),
    responses((status = 202, body = MessageView), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[post("/webhooks/messages/{id}/retry")]
pub async fn retry(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Accepted().json(app.retry_webhook_message(&a.actor, a.tenant.id, *id).await?))
}

//! Notifications: the history of every e-mail and SMS (tenant admins), an
//! organizer's announcement to a session's attendees, the tenant's
//! templates, and which channels this deployment has.

use actix_web::{delete, get, post, put, web, HttpResponse};
use serde::Deserialize;
use taquilla_core::page::Page;
use taquilla_services::notifications::{
    AnnouncementInput, AnnouncementView, Channel, ChannelState, ChannelsView, NotificationFilter, NotificationStatus,
    NotificationView, TemplateInput, TemplateView,
};
use taquilla_services::App;
use utoipa::{IntoParams, OpenApi};

use crate::extract::{Authed, Json, Query};
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(channels)
        .service(templates)
        .service(get_template)
        .service(put_template)
        .service(delete_template)
        .service(list)
        .service(announce);
}

#[derive(OpenApi)]
#[openapi(
    paths(list, announce, channels, templates, get_template, put_template, delete_template),
    components(schemas(
        NotificationView,
        Page<NotificationView>,
        NotificationStatus,
        Channel,
        AnnouncementInput,
        AnnouncementView,
        ChannelsView,
        ChannelState,
        TemplateView,
        TemplateInput
    )),
    tags((name = "notifications", description = "E-mail and SMS to attendees: history, announcements, templates"))
)]
pub struct Doc;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// An e-mail address or phone number, exactly.
    pub recipient: Option<String>,
    pub status: Option<NotificationStatus>,
    pub channel: Option<Channel>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// Every e-mail and SMS of the tenant, newest first, with its state,
/// attempts and last error (tenant admins).
#[utoipa::path(tag = "notifications", params(ListQuery),
    responses((status = 200, body = Page<NotificationView>), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/notifications")]
pub async fn list(app: web::Data<App>, a: Authed, Query(q): Query<ListQuery>) -> ApiResult<HttpResponse> {
    let page = taquilla_core::page::PageRequest::new(q.page, q.per_page)?;
    let filter = NotificationFilter { recipient: q.recipient, status: q.status, channel: q.channel };
    Ok(HttpResponse::Ok().json(app.list_notifications(&a.actor, a.tenant.id, filter, page).await?))
}

/// An announcement to everyone attending a session (ticket holders and
/// confirmed registrations), by the organizer of its event or a tenant
/// admin. Queued at once and sent by the notification worker.
#[utoipa::path(tag = "notifications", request_body = AnnouncementInput,
    responses((status = 202, body = AnnouncementView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "`validation_failed`; `channel_unavailable` for SMS without a provider")))]
#[post("/notifications")]
pub async fn announce(app: web::Data<App>, a: Authed, Json(b): Json<AnnouncementInput>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Accepted().json(app.send_announcement(&a.actor, a.tenant.id, b).await?))
}

/// Which channels this deployment sends on: e-mail over SMTP (or to files
/// without `SMTP_URL`), SMS when a Twilio-compatible provider is configured.
#[utoipa::path(tag = "notifications", responses((status = 200, body = ChannelsView), (status = 403, body = Problem)))]
#[get("/notifications/channels")]
pub async fn channels(app: web::Data<App>, a: Authed) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.notification_channels(&a.actor)?))
}

/// Every template, with the tenant's parts applied (tenant admins).
#[utoipa::path(tag = "notifications", responses((status = 200, body = Vec<TemplateView>), (status = 403, body = Problem)))]
#[get("/notifications/templates")]
pub async fn templates(app: web::Data<App>, a: Authed) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.list_notification_templates(&a.actor, a.tenant.id).await?))
}

#[utoipa::path(tag = "notifications", params(("name" = String, Path, example = "order_confirmation")),
    responses((status = 200, body = TemplateView), (status = 404, body = Problem)))]
#[get("/notifications/templates/{name}")]
pub async fn get_template(app: web::Data<App>, a: Authed, name: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.get_notification_template(&a.actor, a.tenant.id, &name).await?))
}

/// Sets the tenant's version of a template (MiniJinja): the parts given
/// replace the built-in ones. Each part must compile and render with
/// sample data, else 422 `validation_failed` with `invalid_template` on the
/// part at fault.
#[utoipa::path(tag = "notifications", params(("name" = String, Path, example = "order_confirmation")),
    request_body = TemplateInput,
    responses((status = 200, body = TemplateView), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[put("/notifications/templates/{name}")]
pub async fn put_template(
    app: web::Data<App>,
    a: Authed,
    name: web::Path<String>,
    Json(b): Json<TemplateInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.put_notification_template(&a.actor, a.tenant.id, &name, b).await?))
}

/// Back to the built-in template.
#[utoipa::path(tag = "notifications", params(("name" = String, Path, example = "order_confirmation")),
    responses((status = 204), (status = 404, body = Problem)))]
#[delete("/notifications/templates/{name}")]
pub async fn delete_template(app: web::Data<App>, a: Authed, name: web::Path<String>) -> ApiResult<HttpResponse> {
    app.delete_notification_template(&a.actor, a.tenant.id, &name).await?;
    Ok(HttpResponse::NoContent().finish())
}

use actix_web::{delete, get, post, web, HttpResponse};
use serde::Deserialize;
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::settings::TenantSettings;
use taquilla_services::resale::{ListingInput, ListingView};
use taquilla_services::App;
use utoipa::{IntoParams, OpenApi};
use uuid::Uuid;

use crate::extract::{Authed, Json, MaybeAuthed, Query};
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_ticket).service(browse).service(withdraw).service(buy);
}

#[derive(OpenApi)]
#[openapi(paths(list_ticket, browse, withdraw, buy), components(schemas(ListingInput, ListingView)))]
pub struct Doc;

/// Offers one of the caller's tickets for resale, at most the tenant's cap
/// (a percentage of face value). Used tickets and sessions that started
/// or ended cannot be listed.
#[utoipa::path(tag = "resale", params(("id" = Uuid, Path)), request_body = ListingInput,
    responses((status = 201, body = ListingView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/tickets/{id}/resale")]
pub async fn list_ticket(
    app: web::Data<App>,
    a: Authed,
    id: web::Path<Uuid>,
    Json(b): Json<ListingInput>,
) -> ApiResult<HttpResponse> {
    let settings = TenantSettings::from_json(&a.tenant.settings);
    Ok(HttpResponse::Created().json(app.list_ticket_for_resale(&a.actor, a.tenant.id, &settings, *id, b).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BrowseQuery {
    pub session_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

/// Tickets on offer.
#[utoipa::path(tag = "resale", params(BrowseQuery), responses((status = 200, body = Page<ListingView>)))]
#[get("/resale")]
pub async fn browse(app: web::Data<App>, a: MaybeAuthed, Query(q): Query<BrowseQuery>) -> ApiResult<HttpResponse> {
    let page = PageRequest::new(q.page, q.per_page)?;
    Ok(HttpResponse::Ok().json(app.browse_resale(a.tenant.id, q.session_id, page).await?))
}

/// Withdraws the caller's listing.
#[utoipa::path(tag = "resale", params(("id" = Uuid, Path)), responses((status = 200, body = ListingView), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[delete("/resale/{id}")]
pub async fn withdraw(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.withdraw_listing(&a.actor, a.tenant.id, *id).await?))
}

/// Buys a listed ticket: the seller's QR stops working and the buyer gets a new ticket.
#[utoipa::path(tag = "resale", params(("id" = Uuid, Path)), responses((status = 200, body = ListingView), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[post("/resale/{id}/buy")]
pub async fn buy(app: web::Data<App>, a: Authed, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.buy_resale(&a.actor, a.tenant.id, *id).await?))
}

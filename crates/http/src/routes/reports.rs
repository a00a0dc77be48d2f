//! Sales reports for dashboards (tenant admins: every event; organizers:
//! their own).

use actix_web::{get, web, HttpResponse};
use taquilla_services::reports::{SalesDay, SalesQuery, SalesReport, SalesTotal, TopEvent};
use taquilla_services::App;
use utoipa::OpenApi;

use crate::extract::{Authed, Query};
use crate::problem::{ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(sales);
}

#[derive(OpenApi)]
#[openapi(paths(sales), components(schemas(SalesReport, SalesDay, SalesTotal, TopEvent)))]
pub struct Doc;

/// Paid sales per day (UTC) and currency, totals, and the top 5 events.
#[utoipa::path(tag = "reports", params(SalesQuery),
    responses((status = 200, body = SalesReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/reports/sales")]
pub async fn sales(app: web::Data<App>, a: Authed, Query(q): Query<SalesQuery>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(app.sales_report(&a.actor, a.tenant.id, q).await?))
}

pub mod admin;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod bulk;
pub mod checkin;
pub mod coupons;
pub mod events;
pub mod health;
pub mod holds;
pub mod notifications;
pub mod orders;
pub mod payments;
pub mod registrations;
pub mod reports;
pub mod resale;
pub mod scripts;
pub mod sessions;
pub mod settings;
pub mod ticket_types;
pub mod tickets;
pub mod users;
pub mod webhooks;

/// A feature module: how it registers its routes, and its OpenAPI paths.
pub type Feature = (fn(&mut actix_web::web::ServiceConfig), fn() -> utoipa::openapi::OpenApi);

/// The feature modules that register themselves (routes and OpenAPI paths).
pub const FEATURES: &[Feature] = &[
    (ticket_types::configure, <ticket_types::Doc as utoipa::OpenApi>::openapi),
    (holds::configure, <holds::Doc as utoipa::OpenApi>::openapi),
    (orders::configure, <orders::Doc as utoipa::OpenApi>::openapi),
    (tickets::configure, <tickets::Doc as utoipa::OpenApi>::openapi),
    (checkin::configure, <checkin::Doc as utoipa::OpenApi>::openapi),
    (registrations::configure, <registrations::Doc as utoipa::OpenApi>::openapi),
    (resale::configure, <resale::Doc as utoipa::OpenApi>::openapi),
    (settings::configure, <settings::Doc as utoipa::OpenApi>::openapi),
    (payments::configure, <payments::Doc as utoipa::OpenApi>::openapi),
    (webhooks::configure, <webhooks::Doc as utoipa::OpenApi>::openapi),
    (notifications::configure, <notifications::Doc as utoipa::OpenApi>::openapi),
    (api_keys::configure, <api_keys::Doc as utoipa::OpenApi>::openapi),
    (coupons::configure, <coupons::Doc as utoipa::OpenApi>::openapi),
    (scripts::configure, <scripts::Doc as utoipa::OpenApi>::openapi),
    (bulk::configure, <bulk::Doc as utoipa::OpenApi>::openapi),
    (reports::configure, <reports::Doc as utoipa::OpenApi>::openapi),
];

use serde::Deserialize;
use taquilla_core::page::PageRequest;
use utoipa::IntoParams;

use crate::problem::ApiResult;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// 1-based page number.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    /// Items per page (1–100, default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

impl Paging {
    pub fn request(&self) -> ApiResult<PageRequest> {
        Ok(PageRequest::new(self.page, self.per_page)?)
    }
}

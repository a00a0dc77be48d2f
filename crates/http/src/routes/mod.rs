pub mod admin;
pub mod audit;
pub mod auth;
pub mod events;
pub mod health;
pub mod sessions;
pub mod users;

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

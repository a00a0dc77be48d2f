//! Pagination parameters shared by every list endpoint.

use serde::{Deserialize, Serialize};

pub const DEFAULT_PER_PAGE: u64 = 20;
pub const MAX_PER_PAGE: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
    /// Rows skipped before this page: `(page - 1) * per_page` for numbered
    /// pages, anything for a [`PageRequest::window`].
    start: u64,
}

/// Largest offset a window may start at (the same reach as numbered pages).
pub const MAX_OFFSET: u64 = 100_000 * MAX_PER_PAGE;

impl PageRequest {
    /// `page` is 1-based. Out-of-range values are errors, not silently clamped,
    /// so a client bug shows up as a 400 instead of a wrong page.
    pub fn new(page: Option<u64>, per_page: Option<u64>) -> crate::Result<Self> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        if page == 0 || page > 100_000 {
            return Err(crate::Error::validation("page", "out_of_range", "must be between 1 and 100000"));
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            return Err(crate::Error::validation(
                "per_page",
                "out_of_range",
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        Ok(Self { page, per_page, start: (page - 1) * per_page })
    }

    /// `limit` rows from row `offset` on (cursor pagination). Field errors
    /// name `offset` and `limit`; callers with other names rename them.
    pub fn window(offset: u64, limit: u64) -> crate::Result<Self> {
        if limit == 0 || limit > MAX_PER_PAGE {
            return Err(crate::Error::validation(
                "limit",
                "out_of_range",
                format!("must be between 1 and {MAX_PER_PAGE}"),
            ));
        }
        if offset > MAX_OFFSET {
            return Err(crate::Error::validation("offset", "out_of_range", format!("must be at most {MAX_OFFSET}")));
        }
        Ok(Self { page: offset / limit + 1, per_page: limit, start: offset })
    }

    pub fn offset(&self) -> u64 {
        self.start
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { page: 1, per_page: DEFAULT_PER_PAGE, start: 0 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: u64, req: PageRequest) -> Self {
        Self { items, total, page: req.page, per_page: req.per_page }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(None, Some(101)).is_err());
        let p = PageRequest::new(Some(3), Some(10)).map(|p| p.offset()).ok();
        assert_eq!(p, Some(20));
    }

    #[test]
    fn windows_start_anywhere() {
        let w = PageRequest::window(7, 5).ok();
        assert_eq!(w.map(|w| (w.offset(), w.per_page)), Some((7, 5)));
        assert_eq!(PageRequest::window(0, 0).err().and_then(|e| e.field.clone()).as_deref(), Some("limit"));
        assert!(PageRequest::window(MAX_OFFSET + 1, 10).is_err());
    }
}

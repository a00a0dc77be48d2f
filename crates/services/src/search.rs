//! The event listing cache: a thin layer between the listing services
//! (`list_events`, `search_events`, used by REST and GraphQL alike) and
//! `taquilla_cache`. One namespace per tenant; its version is bumped after
//! every committed write that changes what a listing shows.
//!
//! The key is the normalized query as the database will run it: the
//! tsquery (words lowercased, sorted, deduplicated), every field of the
//! filter (visibility included: whether the caller sees unpublished events)
//! and the page window with its defaults filled in. Whatever decides the
//! answer is in the key; nothing else is.

use std::future::Future;

use sha2::{Digest, Sha256};
use taquilla_cache::Lookup;
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::Result;
use taquilla_store::repo::events::EventFilter;
use uuid::Uuid;

use crate::views::EventView;
use crate::App;

/// Bump when the cached value's shape or the key's meaning changes.
const KEY_FORMAT: u32 = 1;

fn namespace(tenant_id: Uuid) -> String {
    format!("search:{}", tenant_id.simple())
}

/// The cache key of one listing. `tsquery` is `None` for a plain listing.
pub(crate) fn listing_key(tsquery: Option<&str>, filter: &EventFilter, page: PageRequest) -> String {
    // Destructured without `..`: a new filter field fails to compile here
    // until it is part of the key.
    let EventFilter { category, status, from, to, include_unpublished } = filter;
    let canonical = serde_json::json!([
        KEY_FORMAT,
        tsquery,
        category,
        status,
        from,
        to,
        include_unpublished,
        page.page,
        page.per_page,
        page.offset(),
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

impl App {
    /// Answers a listing from the cache, or computes it with `load` (and
    /// stores it). Without a cache, or when Redis cannot answer, `load` runs.
    pub(crate) async fn cached_listing<F, Fut>(&self, tenant_id: Uuid, key: &str, load: F) -> Result<Page<EventView>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Page<EventView>>>,
    {
        let Some(cache) = &self.search_cache else { return load().await };
        let ns = namespace(tenant_id);
        let version = match cache.lookup(&ns, key).await {
            Lookup::Hit(bytes, version) => match serde_json::from_slice(&bytes) {
                Ok(page) => return Ok(page),
                // Written by a build with another shape: replace it.
                Err(e) => {
                    tracing::warn!(error = %e, "unreadable cached listing; recomputing");
                    version
                }
            },
            Lookup::Miss(version) => version,
            Lookup::Bypass => return load().await,
        };
        let page = load().await?;
        match serde_json::to_vec(&page) {
            Ok(bytes) => cache.store(&ns, key, version, &bytes).await,
            Err(e) => tracing::warn!(error = %e, "listing not cached"),
        }
        Ok(page)
    }

    /// Retires the tenant's cached listings. Called after COMMIT by every
    /// write that changes events or sessions, before the answer goes out,
    /// so the writer's next request sees its change.
    pub(crate) async fn listings_changed(&self, tenant_id: Uuid) {
        if let Some(cache) = &self.search_cache {
            cache.bump(&namespace(tenant_id)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter() -> EventFilter {
        EventFilter { category: Some("music".into()), ..Default::default() }
    }

    #[test]
    fn everything_that_decides_the_answer_is_in_the_key() {
        let page = PageRequest::default();
        let base = listing_key(Some("roc:*"), &filter(), page);
        assert_eq!(
            base,
            listing_key(Some("roc:*"), &filter(), PageRequest::new(Some(1), Some(20)).unwrap_or_default())
        );
        let visible = EventFilter { include_unpublished: true, ..filter() };
        let others = [
            listing_key(None, &filter(), page),
            listing_key(Some("rock:*"), &filter(), page),
            listing_key(Some("roc:*"), &visible, page),
            listing_key(Some("roc:*"), &EventFilter::default(), page),
            listing_key(Some("roc:*"), &filter(), PageRequest::new(Some(2), None).unwrap_or_default()),
            listing_key(Some("roc:*"), &filter(), PageRequest::new(None, Some(5)).unwrap_or_default()),
            listing_key(Some("roc:*"), &filter(), PageRequest::window(3, 20).unwrap_or_default()),
        ];
        for (i, k) in others.iter().enumerate() {
            assert_ne!(&base, k, "variant {i}");
        }
    }
}

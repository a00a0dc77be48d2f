//! Use cases. Each public function is one unit of work: it checks the
//! actor's permission (through `taquilla_core::roles`), runs in one tenant
//! transaction and returns a view. REST and GraphQL both call these; no rule
//! is written twice.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod bulk;
pub mod checkin;
pub mod config;
pub mod coupons;
pub mod events;
pub mod holds;
pub mod notifications;
pub mod orders;
pub mod payments;
pub mod quotes;
pub mod registrations;
pub mod reports;
pub mod resale;
pub mod scripts;
pub mod search;
pub mod sessions;
pub mod signing;
pub mod stock_queue;
pub mod tenants;
pub mod ticket_types;
pub mod tickets;
pub mod users;
pub mod views;
pub mod webhooks;

use std::sync::Arc;

pub use config::{Config, GraphqlConfig};
use taquilla_store::Store;

/// Everything a use case needs; cheap to clone.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub config: Arc<Config>,
    pub jwt: Arc<auth::JwtKeys>,
    pub payments: taquilla_payments::Payments,
    /// Tenants' ticket-signing keys, loaded on first use.
    pub signing_keys: Arc<signing::KeyCache>,
    pub tenant_cache: Arc<tenants::TenantCache>,
    /// Live seat and availability changes (in-process unless a Redis or
    /// PostgreSQL backend is attached with [`App::with_realtime`]).
    pub realtime: Arc<taquilla_realtime::Realtime>,
    pub(crate) audit_dirty: Arc<audit::Dirty>,
    pub(crate) audit_queue: Arc<audit::Queue>,
    /// This process's claims on a ticket type take turns (`stock_queue.rs`).
    pub(crate) stock_queue: Arc<stock_queue::StockQueue>,
    /// Sends webhook attempts; `None` only if the HTTP client could not be
    /// built (logged at start).
    pub webhook_sender: Option<taquilla_webhooks::Sender>,
    /// Sends e-mail and SMS; `None` only if the settings were unusable
    /// (logged at start; the binary refuses to start with them).
    pub notifier: Option<taquilla_notify::Notifier>,
    /// API keys verified in the last few seconds.
    pub(crate) api_keys: Arc<api_keys::ApiKeyCache>,
    /// The Rhai sandbox and compiled tenant scripts.
    pub(crate) scripting: scripts::SharedScripting,
    /// Event listings and searches cached in Redis (`search.rs`); `None`:
    /// every listing reads PostgreSQL. Attached with [`App::with_search_cache`].
    pub search_cache: Option<Arc<taquilla_cache::Cache>>,
}

impl App {
    pub fn new(store: Store, config: Config) -> Self {
        let jwt = Arc::new(auth::JwtKeys::new(&config));
        let tenant_cache = Arc::new(tenants::TenantCache::new(config.tenant_cache_ttl));
        // The binary checks the Stripe settings before this (a bad one stops
        // it); here a failure can only leave card payments off, loudly.
        let payments = taquilla_payments::Payments::new(config.stripe.clone()).unwrap_or_else(|e| {
            tracing::error!(error = ?e, "Stripe is configured but unusable: card payments are off");
            taquilla_payments::Payments::default()
        });
        let webhook_sender = taquilla_webhooks::Sender::new(&config.webhooks.sender)
            .map_err(|e| tracing::error!(error = %e, "webhook HTTP client unusable: webhooks are not delivered"))
            .ok();
        let notifier = taquilla_notify::Notifier::new(&config.notifications.notify)
            .map_err(|e| tracing::error!(error = %e, "notification settings unusable: no e-mail or SMS is sent"))
            .ok();
        Self {
            webhook_sender,
            notifier,
            api_keys: Arc::default(),
            scripting: Arc::default(),
            store,
            config: Arc::new(config),
            jwt,
            payments,
            signing_keys: Arc::default(),
            tenant_cache,
            realtime: taquilla_realtime::Realtime::local(),
            audit_dirty: Arc::default(),
            audit_queue: Arc::default(),
            stock_queue: Arc::default(),
            search_cache: None,
        }
    }

    pub fn with_search_cache(mut self, cache: Arc<taquilla_cache::Cache>) -> Self {
        self.search_cache = Some(cache);
        self
    }

    pub fn with_realtime(mut self, realtime: Arc<taquilla_realtime::Realtime>) -> Self {
        self.realtime = realtime;
        self
    }

    /// Commits, then announces the stock changes the transaction made.
    pub(crate) async fn commit_and_publish(&self, tx: taquilla_store::TenantTx) -> taquilla_core::Result<()> {
        let tenant_id = tx.tenant_id();
        let notes = tx.commit_notes().await?;
        self.publish_notes(tenant_id, notes).await;
        Ok(())
    }

    /// As [`App::commit_and_publish`] for a transaction that claimed stock
    /// in its turn: the turn ends with the commit, before the announcement.
    pub(crate) async fn commit_turn_and_publish(
        &self,
        tx: taquilla_store::TenantTx,
        turn: stock_queue::Turn<'_>,
    ) -> taquilla_core::Result<()> {
        let tenant_id = tx.tenant_id();
        let notes = tx.commit_notes().await;
        drop(turn);
        self.publish_notes(tenant_id, notes?).await;
        Ok(())
    }

    async fn publish_notes(&self, tenant_id: uuid::Uuid, notes: Vec<taquilla_store::StockNote>) {
        if !notes.is_empty() {
            self.realtime.publish(tenant_id, notes).await;
        }
    }
}

/// "now" for the database: microsecond precision, as `timestamptz` stores it,
/// so a value written and read back compares equal (the audit chain needs this).
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Utc};
    Utc::now().trunc_subsecs(6)
}

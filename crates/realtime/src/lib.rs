//! The live feed of stock changes. Every server instance keeps one
//! in-process broadcast channel; changes travel between instances through a
//! backend, and each instance feeds what the backend delivers (its own
//! messages included) into its channel. Subscribers filter by tenant and
//! session.
//!
//! Backends: Redis pub/sub (a channel per tenant and session,
//! `taquilla:rt:<tenant>:<session>`, one PSUBSCRIBE per instance), or
//! PostgreSQL LISTEN/NOTIFY on `taquilla_rt` when no Redis is configured.
//! A lost subscriber connection is re-established with backoff; changes
//! published meanwhile are missed by that instance (clients re-read the
//! seat map on reconnect).

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, Stream, StreamExt};
use serde::{Deserialize, Serialize};
use taquilla_store::StockNote;
use tokio::sync::broadcast;
use uuid::Uuid;

pub const PG_CHANNEL: &str = "taquilla_rt";
pub const REDIS_PREFIX: &str = "taquilla:rt:";
/// NOTIFY payloads must stay under 8000 bytes; seats go in chunks.
const NOTES_PER_MESSAGE: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub tenant_id: Uuid,
    pub session_id: Uuid,
    pub notes: Vec<StockNote>,
}

#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

fn err(e: impl std::fmt::Display) -> Error {
    Error(e.to_string())
}

enum Backend {
    /// Single process: nothing leaves it.
    Local,
    Redis(deadpool_redis::Pool),
    Postgres(sqlx::PgPool),
}

pub struct Realtime {
    local: broadcast::Sender<Arc<Message>>,
    backend: Backend,
}

impl Realtime {
    fn with(backend: Backend) -> Arc<Self> {
        let (local, _) = broadcast::channel(4096);
        Arc::new(Self { local, backend })
    }

    /// In-process only (tests, single-instance tools).
    pub fn local() -> Arc<Self> {
        Self::with(Backend::Local)
    }

    /// Fan-out through Redis. Fails when Redis does not answer.
    pub async fn redis(url: &str) -> Result<Arc<Self>, Error> {
        let pool =
            deadpool_redis::Config::from_url(url).create_pool(Some(deadpool_redis::Runtime::Tokio1)).map_err(err)?;
        let mut conn = pool.get().await.map_err(err)?;
        let _: String = deadpool_redis::redis::cmd("PING").query_async(&mut conn).await.map_err(err)?;
        let client = deadpool_redis::redis::Client::open(url).map_err(err)?;
        let rt = Self::with(Backend::Redis(pool));
        let ready = tokio::sync::oneshot::channel();
        tokio::spawn(redis_listener(client, Arc::downgrade(&rt), ready.0));
        let _ = ready.1.await;
        Ok(rt)
    }

    /// Fan-out through PostgreSQL LISTEN/NOTIFY.
    pub async fn postgres(url: &str) -> Result<Arc<Self>, Error> {
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect(url).await.map_err(err)?;
        let rt = Self::with(Backend::Postgres(pool));
        let ready = tokio::sync::oneshot::channel();
        tokio::spawn(pg_listener(url.to_owned(), Arc::downgrade(&rt), ready.0));
        let _ = ready.1.await;
        Ok(rt)
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Local => "local",
            Backend::Redis(_) => "redis",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Announces committed changes. Failures are logged, never returned:
    /// the sale already happened; a missed live update is repaired by the
    /// next read of the seat map.
    pub async fn publish(&self, tenant_id: Uuid, notes: Vec<StockNote>) {
        let mut by_session: std::collections::BTreeMap<Uuid, Vec<StockNote>> = Default::default();
        for n in notes {
            by_session.entry(n.session_id()).or_default().push(n);
        }
        for (session_id, notes) in by_session {
            for chunk in notes.chunks(NOTES_PER_MESSAGE) {
                let msg = Message { tenant_id, session_id, notes: chunk.to_vec() };
                if let Err(e) = self.send(msg).await {
                    tracing::warn!(error = %e, "realtime publish failed");
                }
            }
        }
    }

    async fn send(&self, msg: Message) -> Result<(), Error> {
        match &self.backend {
            Backend::Local => {
                let _ = self.local.send(Arc::new(msg));
                Ok(())
            }
            Backend::Redis(pool) => {
                let channel = format!("{REDIS_PREFIX}{}:{}", msg.tenant_id, msg.session_id);
                let payload = serde_json::to_string(&msg).map_err(err)?;
                let mut conn = pool.get().await.map_err(err)?;
                let _: i64 = deadpool_redis::redis::cmd("PUBLISH")
                    .arg(channel)
                    .arg(payload)
                    .query_async(&mut conn)
                    .await
                    .map_err(err)?;
                Ok(())
            }
            Backend::Postgres(pool) => {
                let payload = serde_json::to_string(&msg).map_err(err)?;
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(PG_CHANNEL)
                    .bind(payload)
                    .execute(pool)
                    .await
                    .map_err(err)?;
                Ok(())
            }
        }
    }

    fn deliver(&self, payload: &str) {
        match serde_json::from_str::<Message>(payload) {
            Ok(m) => {
                let _ = self.local.send(Arc::new(m));
            }
            Err(e) => tracing::warn!(error = %e, "unreadable realtime message"),
        }
    }

    /// Changes of one session of one tenant, from now on. A subscriber that
    /// falls more than the channel's capacity behind skips ahead.
    pub fn subscribe(&self, tenant_id: Uuid, session_id: Uuid) -> impl Stream<Item = Arc<Message>> + Send + 'static {
        let rx = self.local.subscribe();
        stream::unfold(rx, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(m) => return Some((m, rx)),
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(skipped = n, "realtime subscriber lagged");
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
        .filter(move |m| std::future::ready(m.tenant_id == tenant_id && m.session_id == session_id))
    }
}

async fn redis_listener(
    client: deadpool_redis::redis::Client,
    rt: std::sync::Weak<Realtime>,
    ready: tokio::sync::oneshot::Sender<()>,
) {
    let mut ready = Some(ready);
    let mut backoff = Duration::from_millis(100);
    loop {
        if rt.strong_count() == 0 {
            return;
        }
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.psubscribe(format!("{REDIS_PREFIX}*")).await {
                Ok(()) => {
                    backoff = Duration::from_millis(100);
                    if let Some(r) = ready.take() {
                        let _ = r.send(());
                    }
                    let mut messages = pubsub.into_on_message();
                    while let Some(msg) = messages.next().await {
                        let Some(rt) = rt.upgrade() else { return };
                        match msg.get_payload::<String>() {
                            Ok(p) => rt.deliver(&p),
                            Err(e) => tracing::warn!(error = %e, "bad redis payload"),
                        }
                    }
                    tracing::warn!("redis subscription ended; reconnecting");
                }
                Err(e) => tracing::warn!(error = %e, "redis psubscribe failed"),
            },
            Err(e) => tracing::warn!(error = %e, "redis pubsub connect failed"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

async fn pg_listener(url: String, rt: std::sync::Weak<Realtime>, ready: tokio::sync::oneshot::Sender<()>) {
    let mut ready = Some(ready);
    let mut backoff = Duration::from_millis(100);
    loop {
        if rt.strong_count() == 0 {
            return;
        }
        match sqlx::postgres::PgListener::connect(&url).await {
            Ok(mut listener) => match listener.listen(PG_CHANNEL).await {
                Ok(()) => {
                    backoff = Duration::from_millis(100);
                    if let Some(r) = ready.take() {
                        let _ = r.send(());
                    }
                    loop {
                        match listener.recv().await {
                            Ok(n) => {
                                let Some(rt) = rt.upgrade() else { return };
                                rt.deliver(n.payload());
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "postgres listener failed; reconnecting");
                                break;
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "LISTEN failed"),
            },
            Err(e) => tracing::warn!(error = %e, "postgres listener connect failed"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

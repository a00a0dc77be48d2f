//! Who is asking, for which tenant: worked out once per request (or, for
//! subscriptions, per WebSocket connection) with the same rules as REST, and
//! handed to every resolver as request data.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{Context, Lookahead};
use taquilla_core::{Actor, Error};
use taquilla_services::ticket_types::{SeatView, TicketTypeView};
use taquilla_services::views::SessionView;
use taquilla_services::App;
use taquilla_store::entity::tenants;
use uuid::Uuid;

use crate::error::{to_gql, Args, GqlResult};

/// The request's tenant (when one is named) and actor (when a credential is
/// presented). A credential is checked against the named tenant, or against
/// the platform when none is: a token of another tenant is `wrong_tenant`.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub tenant: Option<tenants::Model>,
    pub actor: Option<Actor>,
}

impl Caller {
    /// Resolves the tenant by slug (`unknown_tenant`, `tenant_suspended`) and
    /// verifies the bearer token, exactly as the REST extractors do.
    pub async fn resolve(app: &App, tenant_slug: Option<&str>, token: Option<&str>) -> taquilla_core::Result<Caller> {
        let tenant = match tenant_slug {
            Some(slug) => Some(app.resolve_tenant(slug).await?),
            None => None,
        };
        let actor = match (token, &tenant) {
            (Some(t), Some(tenant)) => Some(app.authenticate(t, Some(tenant.id)).await?),
            // No tenant named: only a platform token fits. A tenant's token
            // here means the tenant was forgotten — REST's `tenant_required`.
            (Some(t), None) => Some(app.authenticate(t, None).await.map_err(|e| {
                if e.code == "wrong_tenant" {
                    Error::bad_request("tenant_required", "name the tenant with the X-Tenant header or its subdomain")
                        .with_field("X-Tenant")
                } else {
                    e
                }
            })?),
            (None, _) => None,
        };
        Ok(Caller { tenant, actor })
    }

    pub fn tenant(&self) -> GqlResult<&tenants::Model> {
        self.tenant.as_ref().ok_or_else(|| {
            to_gql(
                &Error::bad_request("tenant_required", "name the tenant with the X-Tenant header or its subdomain")
                    .with_field("X-Tenant"),
                Args::Top,
            )
        })
    }

    pub fn actor(&self) -> GqlResult<&Actor> {
        self.actor.as_ref().ok_or_else(|| {
            to_gql(&Error::unauthenticated("unauthenticated", "this field requires a bearer token"), Args::Top)
        })
    }

    /// A tenant request with a credential of that tenant (REST's `Authed`).
    pub fn authed(&self) -> GqlResult<(&tenants::Model, &Actor)> {
        let actor = self.actor()?;
        Ok((self.tenant()?, actor))
    }
}

/// The services. Request data holds them behind the server's one `Arc`:
/// cloning `App` itself would bump each of its shared handles, and those
/// counters are contended by every worker thread.
pub(crate) fn app<'a>(ctx: &Context<'a>) -> GqlResult<&'a App> {
    ctx.data::<Arc<App>>().map(|a| &**a)
}

pub(crate) fn caller<'a>(ctx: &Context<'a>) -> GqlResult<&'a Caller> {
    ctx.data::<Caller>()
}

pub(crate) fn loaders<'a>(ctx: &Context<'a>) -> GqlResult<&'a Loaders> {
    ctx.data::<Loaders>()
}

/// What every batch loader needs: the services, the tenant, the actor (for
/// the visibility rules, which the services apply).
#[derive(Clone)]
pub struct Scope {
    app: Arc<App>,
    tenant_id: Uuid,
    actor: Option<Actor>,
}

pub type LoadError = Arc<Error>;

/// Sessions of events, by event id: one tenant transaction per batch.
pub struct SessionsByEvent(Scope);
/// Ticket types (with availability) of sessions, by session id.
pub struct TicketTypesBySession(Scope);
/// Seat maps of sessions, by session id.
pub struct SeatsBySession(Scope);

impl Loader<Uuid> for SessionsByEvent {
    type Value = Vec<SessionView>;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let s = &self.0;
        s.app.sessions_for_events(s.actor.as_ref(), s.tenant_id, keys).await.map_err(Arc::new)
    }
}

impl Loader<Uuid> for TicketTypesBySession {
    type Value = Vec<TicketTypeView>;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let s = &self.0;
        s.app.ticket_types_for_sessions(s.actor.as_ref(), s.tenant_id, keys).await.map_err(Arc::new)
    }
}

impl Loader<Uuid> for SeatsBySession {
    type Value = Vec<SeatView>;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let s = &self.0;
        s.app.seats_for_sessions(s.actor.as_ref(), s.tenant_id, keys).await.map_err(Arc::new)
    }
}

/// The request's DataLoaders. They live as long as the request (their
/// answers are the actor's view of the tenant) and cache what they loaded:
/// every key asked for in the same tick goes into one batch, and
/// [`prefetch_events`] fills them level by level from the query's shape, so
/// a page of events costs one batch per level whatever its length or the
/// executor's timing.
pub struct Loaders {
    pub sessions: DataLoader<SessionsByEvent, HashMapCache>,
    pub ticket_types: DataLoader<TicketTypesBySession, HashMapCache>,
    pub seats: DataLoader<SeatsBySession, HashMapCache>,
    cached: bool,
}

impl Loaders {
    /// `cache: false` (mutations) loads every time: a later field sees what
    /// an earlier one changed. Batching still applies.
    pub fn new(app: Arc<App>, tenant_id: Uuid, actor: Option<Actor>, cache: bool) -> Self {
        let scope = Scope { app, tenant_id, actor };
        let l = Self {
            sessions: DataLoader::with_cache(SessionsByEvent(scope.clone()), tokio::spawn, HashMapCache::default()),
            ticket_types: DataLoader::with_cache(
                TicketTypesBySession(scope.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            seats: DataLoader::with_cache(SeatsBySession(scope), tokio::spawn, HashMapCache::default()),
            cached: cache,
        };
        if !cache {
            l.sessions.enable_all_cache(false);
            l.ticket_types.enable_all_cache(false);
            l.seats.enable_all_cache(false);
        }
        l
    }
}

fn load_err(e: LoadError) -> async_graphql::Error {
    to_gql(&e, Args::Top)
}

/// Loads what a selection of `Event`s asks for below it (sessions, their
/// ticket types and seats) for all `event_ids` at once: one batch per
/// loader. The nested resolvers then find their lists in the loaders' caches.
pub(crate) async fn prefetch_events(ctx: &Context<'_>, events: &[Lookahead<'_>], event_ids: &[Uuid]) -> GqlResult<()> {
    let sessions: Vec<Lookahead<'_>> = events.iter().map(|e| e.field("sessions")).filter(Lookahead::exists).collect();
    let l = loaders(ctx)?;
    if sessions.is_empty() || event_ids.is_empty() || !l.cached {
        return Ok(());
    }
    let by_event = l.sessions.load_many(event_ids.iter().copied()).await.map_err(load_err)?;
    let session_ids: Vec<Uuid> = by_event.values().flatten().map(|s| s.id).collect();
    if session_ids.is_empty() {
        return Ok(());
    }
    let wants = |name: &str| sessions.iter().any(|s| s.field(name).exists());
    let (tt, seats) = tokio::join!(
        async {
            if wants("ticketTypes") {
                l.ticket_types.load_many(session_ids.iter().copied()).await.map(drop)
            } else {
                Ok(())
            }
        },
        async {
            if wants("seats") {
                l.seats.load_many(session_ids.iter().copied()).await.map(drop)
            } else {
                Ok(())
            }
        },
    );
    tt.map_err(load_err)?;
    seats.map_err(load_err)
}

/// Loads one key's list; a key the batch did not answer has none.
pub(crate) async fn load_list<L, T>(loader: &DataLoader<L, HashMapCache>, key: Uuid) -> GqlResult<Vec<T>>
where
    L: Loader<Uuid, Value = Vec<T>, Error = LoadError>,
    T: Send + Sync + Clone + 'static,
{
    match loader.load_one(key).await {
        Ok(v) => Ok(v.unwrap_or_default()),
        Err(e) => Err(to_gql(&e, Args::Top)),
    }
}

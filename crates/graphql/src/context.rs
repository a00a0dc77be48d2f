//! Who is asking, for which tenant: worked out once per request (or, for
//! subscriptions, per WebSocket connection) with the same rules as REST, and
//! handed to every resolver as request data.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::Context;
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
        let actor = match token {
            Some(t) => Some(app.authenticate(t, tenant.as_ref().map(|t| t.id))?),
            None => None,
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

pub(crate) fn app<'a>(ctx: &Context<'a>) -> GqlResult<&'a App> {
    ctx.data::<App>()
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
    app: App,
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
/// answers are the actor's view of the tenant), and batch every key asked
/// for in the same tick into one call.
pub struct Loaders {
    pub sessions: DataLoader<SessionsByEvent>,
    pub ticket_types: DataLoader<TicketTypesBySession>,
    pub seats: DataLoader<SeatsBySession>,
}

impl Loaders {
    pub fn new(app: &App, tenant_id: Uuid, actor: Option<Actor>) -> Self {
        let scope = Scope { app: app.clone(), tenant_id, actor };
        Self {
            sessions: DataLoader::new(SessionsByEvent(scope.clone()), tokio::spawn),
            ticket_types: DataLoader::new(TicketTypesBySession(scope.clone()), tokio::spawn),
            seats: DataLoader::new(SeatsBySession(scope), tokio::spawn),
        }
    }
}

/// Loads one key's list; a key the batch did not answer has none.
pub(crate) async fn load_list<L, T>(loader: &DataLoader<L>, key: Uuid) -> GqlResult<Vec<T>>
where
    L: Loader<Uuid, Value = Vec<T>, Error = LoadError>,
    T: Send + Sync + Clone + 'static,
{
    match loader.load_one(key).await {
        Ok(v) => Ok(v.unwrap_or_default()),
        Err(e) => Err(to_gql(&e, Args::Top)),
    }
}

//! The GraphQL skin: one tenant-scoped async-graphql schema over the same
//! use cases as REST (`taquilla_services::App`). Resolvers only translate:
//! arguments in (through the REST body types, so validation is the same),
//! one service call, views out, errors as `extensions.code` with the REST
//! problem's stable code. No business rule lives here.
//!
//! HTTP is the caller's business (`crates/http` mounts `POST /graphql`,
//! GraphiQL on `GET /graphql`): it resolves the [`Caller`] from the request
//! the way REST does and hands it to [`execute`].
//!
//! Subscriptions ([`SubscriptionRoot`]: `seatChanged`, `availabilityChanged`)
//! stream the realtime feed; `crates/http` mounts them at `/graphql/ws`
//! (graphql-transport-ws and graphql-ws), resolving the caller from
//! `connection_init` with [`Caller::resolve`].

mod connection;
mod context;
mod error;
mod graphiql;
mod guard;
mod inputs;
mod mutation;
mod query;
mod subscription;
mod types;

use std::time::Duration;

use async_graphql::extensions::apollo_persisted_queries::{ApolloPersistedQueries, LruCacheStorage};
use async_graphql::{Request, Response, Schema, ServerError};
pub use connection::Totals;
pub use context::{Caller, Loaders};
pub use graphiql::{asset, page as graphiql_page, Asset, ASSETS};
pub use guard::{AuditTrail, AuditedField};
pub use mutation::MutationRoot;
pub use query::QueryRoot;
use taquilla_services::{App, GraphqlConfig};

use crate::guard::{server_error, Guard};

pub use subscription::{AvailabilityChange, SeatChange, SubscriptionRoot};

pub type TaquillaSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Parsed documents kept per process for automatic persisted queries.
const PERSISTED_QUERIES: usize = 1_000;

/// The schema with the deployment's limits. Depth and complexity are
/// checked by [`guard`] (errors name the limit); introspection is on or off
/// per `config.introspection`.
pub fn build_schema(config: &GraphqlConfig) -> TaquillaSchema {
    let mut b = Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        // Automatic persisted queries (Apollo's protocol): a partner sends
        // `extensions.persistedQuery.sha256Hash` alone once the query is known.
        .extension(ApolloPersistedQueries::new(LruCacheStorage::new(PERSISTED_QUERIES)))
        .extension(Guard::new(config));
    if !config.introspection {
        b = b.disable_introspection();
    }
    b.finish()
}

/// The schema in SDL, as committed in `openapi/schema.graphql`.
pub fn sdl() -> String {
    build_schema(&GraphqlConfig::default()).sdl()
}

/// What a request (or a subscription connection) carries for the
/// resolvers: the services, the caller, and DataLoaders scoped to the
/// caller's tenant.
pub fn request_data(mut request: Request, app: &App, caller: Caller) -> Request {
    if let Some(t) = &caller.tenant {
        request = request.data(Loaders::new(app, t.id, caller.actor.clone()));
    }
    request.data(app.clone()).data(caller)
}

/// Runs one request within the configured time. Returns the response and
/// the trail of mutation fields it ran (for the audit log).
pub async fn execute(schema: &TaquillaSchema, app: &App, caller: Caller, request: Request) -> (Response, AuditTrail) {
    let trail = AuditTrail::default();
    let request = request_data(request, app, caller).data(trail.clone());
    let limit = app.config.graphql.timeout;
    let response = match tokio::time::timeout(limit, schema.execute(request)).await {
        Ok(r) => r,
        Err(_) => Response::from_errors(vec![timeout_error(limit)]),
    };
    (finish(response), trail)
}

fn timeout_error(limit: Duration) -> ServerError {
    server_error(
        "timeout",
        503,
        format!("the request did not finish within {} ms", limit.as_millis()),
        &[("timeoutMs", async_graphql::Value::from(u64::try_from(limit.as_millis()).unwrap_or(u64::MAX)))],
    )
}

/// Every error gets a code: errors of the GraphQL engine itself (syntax,
/// unknown fields, argument types) are `invalid_query`; an unknown
/// persisted-query hash is `persisted_query_not_found`.
fn finish(mut response: Response) -> Response {
    for e in &mut response.errors {
        let code = match e.message.as_str() {
            // Apollo clients resend the full query on this message.
            "PersistedQueryNotFound" => "persisted_query_not_found",
            _ => "invalid_query",
        };
        let ext = e.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            ext.set("code", code);
            ext.set("status", 400);
        }
    }
    response
}

/// A response for a request refused before execution (unknown tenant, bad
/// credential, body too large): the same error shape as field errors.
pub fn error_response(e: &taquilla_core::Error) -> Response {
    let g = error::to_gql(e, error::Args::Top);
    let mut se = ServerError::new(g.message, None);
    se.extensions = g.extensions;
    Response::from_errors(vec![se])
}

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

// The merged Query/Mutation roots nest deep async resolver futures.
#![recursion_limit = "256"]

mod connection;
mod context;
mod error;
mod fast;
mod graphiql;
mod guard;
mod inputs;
mod mutation;
mod pricing;
mod query;
mod scopes;
mod subscription;
mod types;

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Request, Response, Schema, SchemaBuilder, ServerError, ValidationMode};
pub use connection::Totals;
pub use context::{Caller, Loaders};
pub use graphiql::{asset, page as graphiql_page, Asset, ASSETS};
pub use guard::{AuditTrail, AuditedField};
pub use mutation::MutationRoot;
pub use query::QueryRoot;
use taquilla_services::{App, GraphqlConfig};

use crate::guard::{code_errors, plan, server_error, ParsedQueries, PersistedQueries};

pub use subscription::{AvailabilityChange, SeatChange, SubscriptionRoot};

pub type TaquillaSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Parsed documents kept per process for automatic persisted queries, and
/// by text for every other request.
const PERSISTED_QUERIES: usize = 1_000;
const PARSED_QUERIES: usize = 1_000;

/// The schema with the deployment's limits (depth, complexity,
/// introspection). No async-graphql extensions: see [`guard`].
pub fn build_schema(config: &GraphqlConfig) -> TaquillaSchema {
    // The same schema without the validation rules, for documents that
    // already passed them (`ParsedQueries`); depth and complexity limits
    // are checked in both.
    let trusted = builder(config).validation_mode(ValidationMode::Fast).finish();
    builder(config)
        .data(PersistedQueries::new(PERSISTED_QUERIES))
        .data(ParsedQueries::new(PARSED_QUERIES))
        .data(Trusted(trusted))
        .finish()
}

fn builder(config: &GraphqlConfig) -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    let b = Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot)
        .limit_depth(config.max_depth)
        .limit_complexity(config.max_complexity);
    if config.introspection {
        b
    } else {
        b.disable_introspection()
    }
}

/// The schema for documents known to be valid (see [`build_schema`]).
struct Trusted(TaquillaSchema);

/// The schema in SDL, as committed in `openapi/schema.graphql`.
pub fn sdl() -> String {
    build_schema(&GraphqlConfig::default()).sdl()
}

/// What a request (or a subscription connection) carries for the
/// resolvers: the services, the caller, and DataLoaders scoped to the
/// caller's tenant (caching, except for mutations, whose later fields must
/// see what earlier ones changed).
pub fn request_data(mut request: Request, app: Arc<App>, caller: Caller, cache: bool) -> Request {
    if let Some(t) = &caller.tenant {
        request = request.data(Loaders::new(app.clone(), t.id, caller.actor.clone(), cache));
    }
    request.data(app).data(caller)
}

fn refused(e: ServerError) -> (Response, AuditTrail) {
    (Response::from_errors(vec![e]), AuditTrail::default())
}

/// Runs one request within the configured time: persisted query, one look
/// at the document (introspection switch, mutation or not), execution,
/// coded errors. Returns the response and the trail of mutation fields it
/// ran (for the audit log).
pub async fn execute(
    schema: &TaquillaSchema,
    app: &Arc<App>,
    caller: Caller,
    mut request: Request,
) -> (Response, AuditTrail) {
    let config = &app.config.graphql;
    if let Some(pq) = schema.data::<PersistedQueries>() {
        if let Err(e) = pq.apply(&mut request).await {
            return refused(e);
        }
    }
    let cache = schema.data::<ParsedQueries>();
    let parsed = match cache {
        Some(cache) => cache.parse(&mut request).await,
        None => request.parsed_query().map(drop),
    };
    let operation = request.operation_name.clone();
    let plan = match parsed.and_then(|()| request.parsed_query().map(|doc| plan(doc, operation.as_deref()))) {
        Ok(plan) => plan,
        Err(e) => {
            let mut r = Response::from_errors(vec![e]);
            code_errors(&mut r, config);
            return (r, AuditTrail::default());
        }
    };
    if plan.introspection && !config.introspection {
        return refused(server_error(
            "introspection_disabled",
            403,
            "introspection is switched off on this server (TAQUILLA_GRAPHQL_INTROSPECTION)",
            &[],
        ));
    }
    if let Some(actor) = caller.actor.as_ref().filter(|a| a.is_api_key()) {
        for (field, _) in &plan.root_fields {
            let allowed = match scopes::required(plan.mutation, field) {
                Some(scope) => actor.require_scope(scope),
                None => Err(taquilla_core::Error::forbidden(format!("API keys may not use `{field}`"))
                    .with_code("api_key_not_allowed")),
            };
            if let Err(e) = allowed {
                return (error_response(&e), AuditTrail::default());
            }
        }
    }
    let key = ParsedQueries::key(&mut request);
    let trusted = match (cache, &key, schema.data::<Trusted>()) {
        (Some(cache), Some(k), Some(t)) if cache.validated(k) => Some(&t.0),
        _ => None,
    };
    let request = request_data(request, Arc::clone(app), caller, !plan.mutation);
    let run = trusted.unwrap_or(schema).execute(request);
    let mut response = match tokio::time::timeout(config.timeout, run).await {
        Ok(r) => r,
        Err(_) => Response::from_errors(vec![timeout_error(config.timeout)]),
    };
    if let (Some(cache), Some(k), None) = (cache, key, trusted) {
        if response.errors.is_empty() {
            cache.remember_valid(k);
        }
    }
    code_errors(&mut response, config);
    let trail = AuditTrail::of(&plan, &response);
    (response, trail)
}

fn timeout_error(limit: Duration) -> ServerError {
    server_error(
        "timeout",
        503,
        format!("the request did not finish within {} ms", limit.as_millis()),
        &[("timeoutMs", async_graphql::Value::from(u64::try_from(limit.as_millis()).unwrap_or(u64::MAX)))],
    )
}

/// A response for a request refused before execution (unknown tenant, bad
/// credential, body too large): the same error shape as field errors.
pub fn error_response(e: &taquilla_core::Error) -> Response {
    let g = error::to_gql(e, error::Args::Top);
    let mut se = ServerError::new(g.message, None);
    se.extensions = g.extensions;
    Response::from_errors(vec![se])
}

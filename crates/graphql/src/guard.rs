//! What every request passes through besides the resolvers, done around
//! the execution rather than as async-graphql extensions (an extension of
//! any kind sends every field of every response through a slow path:
//! several times the cost of a page of events):
//!
//! - automatic persisted queries (Apollo's protocol);
//! - one look at the parsed document: which operation runs, whether it is a
//!   mutation and which root fields it has (for the audit), whether it asks
//!   for introspection (refused when switched off);
//! - coded errors for the engine's own refusals (depth, complexity, syntax);
//! - the audit trail, read off the response: serial mutation fields run in
//!   order and stop at the first failure, whose `path` names it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{ErrorExtensionValues, PathSegment, Request, Response, ServerError, Value};
use sha2::{Digest, Sha256};
use taquilla_services::GraphqlConfig;

/// A GraphQL-layer error with a stable code, the REST-equivalent status and
/// extra members.
pub(crate) fn server_error(
    code: &str,
    status: u16,
    message: impl Into<String>,
    extra: &[(&str, Value)],
) -> ServerError {
    let mut e = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code);
    ext.set("status", i32::from(status));
    for (k, v) in extra {
        ext.set(*k, v.clone());
    }
    e.extensions = Some(ext);
    e
}

/// Parsed documents by the SHA-256 of their text, per process.
#[derive(Clone)]
pub(crate) struct PersistedQueries(LruCacheStorage);

impl PersistedQueries {
    pub(crate) fn new(capacity: usize) -> Self {
        Self(LruCacheStorage::new(capacity))
    }

    /// Applies `extensions.persistedQuery` (version 1): a known hash alone
    /// stands for its query; a query with its hash is remembered.
    pub(crate) async fn apply(&self, request: &mut Request) -> Result<(), ServerError> {
        let Some(pq) = request.extensions.remove("persistedQuery") else { return Ok(()) };
        let bad = || server_error("invalid_persisted_query", 400, "invalid `persistedQuery` extension", &[]);
        let json = pq.into_json().map_err(|_| bad())?;
        if json.get("version").and_then(serde_json::Value::as_i64) != Some(1) {
            return Err(server_error(
                "invalid_persisted_query",
                400,
                "only persistedQuery version 1 is supported",
                &[],
            ));
        }
        let hash = json.get("sha256Hash").and_then(serde_json::Value::as_str).ok_or_else(bad)?.to_ascii_lowercase();
        if request.query.is_empty() {
            // Apollo clients resend the full query on this message.
            let doc = self
                .0
                .get(hash)
                .await
                .ok_or_else(|| server_error("persisted_query_not_found", 400, "PersistedQueryNotFound", &[]))?;
            request.set_parsed_query(doc);
            return Ok(());
        }
        if hex(&Sha256::digest(request.query.as_bytes())) != hash {
            return Err(server_error("invalid_persisted_query", 400, "provided sha does not match query", &[]));
        }
        let doc = request.parsed_query()?.clone();
        self.0.set(hash, doc).await;
        Ok(())
    }
}

/// Parsed documents by their text, per process: partners and the
/// storefront send the same few queries over and over, and parsing is a
/// good part of a small request's cost. Also remembers which of them (with
/// the operation named) ran once through full validation without any error
/// and have no variables: validating such a document again against the
/// same schema can only give the same answer, so [`crate::execute`] runs
/// them on the schema that skips the rules (limits still apply).
#[derive(Clone)]
pub(crate) struct ParsedQueries {
    docs: LruCacheStorage,
    validated: Arc<Mutex<HashSet<String>>>,
    capacity: usize,
}

/// Longer documents are parsed every time (and not kept).
const MAX_CACHED_QUERY: usize = 16 * 1024;

impl ParsedQueries {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { docs: LruCacheStorage::new(capacity), validated: Arc::default(), capacity }
    }

    /// Gives the request its parsed document, from the cache when it can.
    pub(crate) async fn parse(&self, request: &mut Request) -> Result<(), ServerError> {
        if request.query.is_empty() || request.query.len() > MAX_CACHED_QUERY {
            return request.parsed_query().map(drop);
        }
        if let Some(doc) = self.docs.get(request.query.clone()).await {
            request.set_parsed_query(doc);
            return Ok(());
        }
        let doc = request.parsed_query()?.clone();
        self.docs.set(request.query.clone(), doc).await;
        Ok(())
    }

    /// The key of a request whose validation may be remembered: its
    /// document has no variables (a variable's value could change the
    /// outcome) and is short enough to be cached.
    pub(crate) fn key(request: &mut Request) -> Option<String> {
        let doc = request.parsed_query().ok()?;
        let variables = doc.operations.iter().any(|(_, op)| !op.node.variable_definitions.is_empty());
        if variables || request.query.is_empty() || request.query.len() > MAX_CACHED_QUERY {
            return None;
        }
        Some(format!("{}\n{}", request.operation_name.as_deref().unwrap_or(""), request.query))
    }

    pub(crate) fn validated(&self, key: &str) -> bool {
        self.validated.lock().is_ok_and(|v| v.contains(key))
    }

    /// Remembers a document that passed full validation and ran without
    /// an error. A full set starts over (bounded memory, nothing stale).
    pub(crate) fn remember_valid(&self, key: String) {
        if let Ok(mut v) = self.validated.lock() {
            if v.len() >= self.capacity {
                v.clear();
            }
            v.insert(key);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the document asks for, as far as the guard cares.
pub(crate) struct Plan {
    pub mutation: bool,
    /// Root fields of the operation: (field name, response key).
    pub root_fields: Vec<(String, String)>,
    pub introspection: bool,
}

fn operation<'a>(doc: &'a ExecutableDocument, name: Option<&str>) -> Option<&'a OperationDefinition> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(map), Some(n)) => map.get(n).map(|op| &op.node),
        (DocumentOperations::Multiple(map), None) => map.values().next().filter(|_| map.len() == 1).map(|op| &op.node),
    }
}

/// Whether a selection set asks for `__schema` or `__type` at its top
/// (through fragments too).
fn asks_introspection(doc: &ExecutableDocument, set: &SelectionSet, seen: &mut HashSet<String>) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(f) => matches!(f.node.name.node.as_str(), "__schema" | "__type"),
        Selection::InlineFragment(f) => asks_introspection(doc, &f.node.selection_set.node, seen),
        Selection::FragmentSpread(s) => {
            let name = s.node.fragment_name.node.as_str();
            seen.insert(name.to_owned())
                && doc.fragments.get(name).is_some_and(|f| asks_introspection(doc, &f.node.selection_set.node, seen))
        }
    })
}

pub(crate) fn plan(doc: &ExecutableDocument, operation_name: Option<&str>) -> Plan {
    let Some(op) = operation(doc, operation_name) else {
        // The engine reports the missing operation.
        return Plan { mutation: false, root_fields: vec![], introspection: false };
    };
    let root_fields = op
        .selection_set
        .node
        .items
        .iter()
        .filter_map(|item| match &item.node {
            Selection::Field(f) => Some((f.node.name.node.to_string(), f.node.response_key().node.to_string())),
            _ => None,
        })
        .collect();
    Plan {
        mutation: op.ty == OperationType::Mutation,
        root_fields,
        introspection: asks_introspection(doc, &op.selection_set.node, &mut HashSet::new()),
    }
}

/// One mutation field as it ended, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditedField {
    /// The field's name, e.g. `createEvent`; `mutation` when the request
    /// failed before any field ran.
    pub name: String,
    /// The HTTP status REST would have answered: 200, or the error's.
    pub status: u16,
}

/// What a request's mutation fields did; the HTTP layer writes it to the
/// tenant's audit log. Empty for queries.
#[derive(Debug, Clone, Default)]
pub struct AuditTrail {
    pub fields: Vec<AuditedField>,
}

fn status_of(e: &ServerError) -> u16 {
    e.extensions
        .as_ref()
        .and_then(|x| x.get("status"))
        .and_then(|v| match v {
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            _ => None,
        })
        .unwrap_or(500)
}

impl AuditTrail {
    /// Reads the outcome of each root mutation field off the response.
    pub(crate) fn of(plan: &Plan, response: &Response) -> Self {
        if !plan.mutation {
            return Self::default();
        }
        if let Some(e) = response.errors.iter().find(|e| e.path.is_empty()) {
            // Refused as a whole (invalid document, limits, timeout).
            return Self { fields: vec![AuditedField { name: "mutation".into(), status: status_of(e) }] };
        }
        let mut fields = Vec::new();
        for (name, key) in &plan.root_fields {
            let failed =
                response.errors.iter().find(|e| matches!(e.path.first(), Some(PathSegment::Field(f)) if f == key));
            fields.push(AuditedField { name: name.clone(), status: failed.map_or(200, status_of) });
            if failed.is_some() {
                // Mutation fields are non-null: the first failure ends the operation.
                break;
            }
        }
        Self { fields }
    }
}

/// The engine's own refusals get codes (and the limit that was hit).
pub(crate) fn code_errors(response: &mut Response, c: &GraphqlConfig) {
    for e in &mut response.errors {
        if e.extensions.as_ref().is_some_and(|x| x.get("code").is_some()) {
            continue;
        }
        let coded = match e.message.as_str() {
            "Query is nested too deep." => server_error(
                "query_too_deep",
                400,
                format!("the query nests more than {} levels deep", c.max_depth),
                &[("maxDepth", Value::from(c.max_depth as u64))],
            ),
            "Query is too complex." => server_error(
                "query_too_complex",
                400,
                format!(
                    "the query's complexity is over {}; lists count by their page size (`first`), ask for fewer items or fields",
                    c.max_complexity
                ),
                &[("maxComplexity", Value::from(c.max_complexity as u64))],
            ),
            _ => server_error("invalid_query", 400, e.message.clone(), &[]),
        };
        e.message = coded.message;
        e.extensions = coded.extensions;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_documents_without_variables_are_remembered_as_valid() {
        let cache = ParsedQueries::new(2);
        let mut plain = Request::new("{ events { totalCount } }");
        let mut named = Request::new("query A { me { id } } query B { events { totalCount } }").operation_name("B");
        let mut vars = Request::new("query ($n: Int) { events(first: $n) { totalCount } }");
        let keys = [&mut plain, &mut named, &mut vars].map(ParsedQueries::key);
        assert_eq!(keys[0].as_deref(), Some("\n{ events { totalCount } }"));
        assert!(keys[1].as_deref().is_some_and(|k| k.starts_with("B\n")), "{keys:?}");
        assert_eq!(keys[2], None, "a variable's value could change the outcome");
        let mut broken = Request::new("{ events {");
        assert_eq!(ParsedQueries::key(&mut broken), None);

        let [Some(a), Some(b), None] = keys else { panic!("{keys:?}") };
        assert!(!cache.validated(&a));
        cache.remember_valid(a.clone());
        cache.remember_valid(b.clone());
        assert!(cache.validated(&a) && cache.validated(&b));
        // Bounded: a full set starts over.
        cache.remember_valid("\n{ me { id } }".into());
        assert!(!cache.validated(&a) && cache.validated("\n{ me { id } }"));
    }
}

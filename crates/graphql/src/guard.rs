//! One async-graphql extension for what every request passes through:
//! depth and complexity limits with errors that name the limit, the
//! introspection switch, and the audit trail of mutation fields.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextResolve, NextValidation, ResolveInfo,
};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, ServerError, ServerResult, ValidationResult, Value, Variables};
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

/// One mutation field as it ended, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditedField {
    /// The field's name, e.g. `createEvent`.
    pub name: String,
    /// The HTTP status REST would have answered: 200, or the error's.
    pub status: u16,
}

#[derive(Debug, Default)]
struct Trail {
    mutation: bool,
    fields: Vec<AuditedField>,
}

/// What a request's mutations did, collected while it runs; the HTTP layer
/// writes it to the tenant's audit log afterwards.
#[derive(Debug, Clone, Default)]
pub struct AuditTrail(Arc<Mutex<Trail>>);

impl AuditTrail {
    /// Whether the document contained a mutation operation.
    pub fn is_mutation(&self) -> bool {
        self.0.lock().map(|t| t.mutation).unwrap_or(false)
    }

    /// The mutation fields that ran, in completion order.
    pub fn fields(&self) -> Vec<AuditedField> {
        self.0.lock().map(|t| t.fields.clone()).unwrap_or_default()
    }

    fn mark_mutation(&self) {
        if let Ok(mut t) = self.0.lock() {
            t.mutation = true;
        }
    }

    fn push(&self, f: AuditedField) {
        if let Ok(mut t) = self.0.lock() {
            t.fields.push(f);
        }
    }
}

pub(crate) struct Guard {
    max_depth: usize,
    max_complexity: usize,
    introspection: bool,
}

impl Guard {
    pub(crate) fn new(c: &GraphqlConfig) -> Self {
        Self { max_depth: c.max_depth, max_complexity: c.max_complexity, introspection: c.introspection }
    }
}

impl ExtensionFactory for Guard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Guard {
            max_depth: self.max_depth,
            max_complexity: self.max_complexity,
            introspection: self.introspection,
        })
    }
}

/// Whether a selection set asks for `__schema` or `__type` at its top
/// (through fragments too).
fn asks_introspection(doc: &ExecutableDocument, set: &SelectionSet, seen: &mut HashSet<String>) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(f) => matches!(f.node.name.node.as_str(), "__schema" | "__type"),
        Selection::InlineFragment(f) => asks_introspection(doc, &f.node.selection_set.node, seen),
        Selection::FragmentSpread(s) => {
            let name = s.node.fragment_name.node.to_string();
            seen.insert(name.clone())
                && doc
                    .fragments
                    .get(s.node.fragment_name.node.as_str())
                    .is_some_and(|f| asks_introspection(doc, &f.node.selection_set.node, seen))
        }
    })
}

#[async_graphql::async_trait::async_trait]
impl Extension for Guard {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let ops: Vec<_> = match &doc.operations {
            DocumentOperations::Single(op) => vec![op],
            DocumentOperations::Multiple(map) => map.values().collect(),
        };
        if ops.iter().any(|op| op.node.ty == OperationType::Mutation) {
            if let Some(trail) = ctx.data_opt::<AuditTrail>() {
                trail.mark_mutation();
            }
        }
        if !self.introspection
            && ops.iter().any(|op| asks_introspection(&doc, &op.node.selection_set.node, &mut HashSet::new()))
        {
            return Err(server_error(
                "introspection_disabled",
                403,
                "introspection is switched off on this server (TAQUILLA_GRAPHQL_INTROSPECTION)",
                &[],
            ));
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let r = next.run(ctx).await?;
        if r.depth > self.max_depth {
            return Err(vec![server_error(
                "query_too_deep",
                400,
                format!("the query nests {} levels deep; at most {} are allowed", r.depth, self.max_depth),
                &[("depth", Value::from(r.depth as u64)), ("maxDepth", Value::from(self.max_depth as u64))],
            )]);
        }
        if r.complexity > self.max_complexity {
            return Err(vec![server_error(
                "query_too_complex",
                400,
                format!(
                    "the query's complexity is {}; at most {} is allowed (lists count by their page size)",
                    r.complexity, self.max_complexity
                ),
                &[
                    ("complexity", Value::from(r.complexity as u64)),
                    ("maxComplexity", Value::from(self.max_complexity as u64)),
                ],
            )]);
        }
        Ok(r)
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let audited = info.parent_type == "Mutation" && info.path_node.parent.is_none();
        let name = audited.then(|| info.name.to_owned());
        let r = next.run(ctx, info).await;
        if audited {
            // What the loaders cached may have changed under them.
            if let Some(l) = ctx.data_opt::<crate::context::Loaders>() {
                l.clear();
            }
        }
        if let (Some(name), Some(trail)) = (name, ctx.data_opt::<AuditTrail>()) {
            let status = match &r {
                Ok(_) => 200,
                Err(e) => e
                    .extensions
                    .as_ref()
                    .and_then(|x| x.get("status"))
                    .and_then(|v| match v {
                        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
                        _ => None,
                    })
                    .unwrap_or(500),
            };
            trail.push(AuditedField { name, status });
        }
        r
    }
}

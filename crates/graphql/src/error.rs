//! `taquilla_core::Error` → GraphQL error. The `code` is the stable code of
//! the REST problem document, `status` the HTTP status REST answers with, and
//! `field` the input path at fault, written the GraphQL way
//! (`input.endsAt`, `input.items[0].seatIds`) instead of the JSON way
//! (`ends_at`, `items[0].seat_ids`).

use async_graphql::{ErrorExtensionValues, Value};
use serde::de::DeserializeOwned;
use serde::Serialize;
use taquilla_core::{Error, ErrorKind};

pub type GqlResult<T> = async_graphql::Result<T>;

/// How a service's field names map onto a GraphQL field's arguments.
#[derive(Clone, Copy)]
pub(crate) enum Args<'a> {
    /// Fields are top-level arguments (`session_id` → `sessionId`).
    Top,
    /// Fields live inside the input object `arg` (`title` → `input.title`).
    In(&'a str),
    /// Explicit renames first (`limit` → `first`), else as `Top`.
    Renamed(&'a [(&'a str, &'a str)]),
}

/// Service field names that are not body fields in REST (headers, query
/// parameters) and their GraphQL argument names.
const GLOBAL_RENAMES: &[(&str, &str)] = &[("Idempotency-Key", "idempotencyKey"), ("X-Tenant", "X-Tenant")];

fn camel(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    let mut upper = false;
    for c in segment.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `items[0].seat_ids` → `items[0].seatIds`.
fn camel_path(path: &str) -> String {
    path.split('.')
        .map(|part| match part.find('[') {
            Some(i) => format!("{}{}", camel(&part[..i]), &part[i..]),
            None => camel(part),
        })
        .collect::<Vec<_>>()
        .join(".")
}

impl Args<'_> {
    pub(crate) fn path(self, field: &str) -> String {
        if let Some((_, to)) = GLOBAL_RENAMES.iter().find(|(from, _)| *from == field) {
            return (*to).to_owned();
        }
        match self {
            Args::Top => camel_path(field),
            Args::In(arg) => {
                if field == "body" || field.is_empty() {
                    arg.to_owned()
                } else {
                    format!("{arg}.{}", camel_path(field))
                }
            }
            Args::Renamed(map) => match map.iter().find(|(from, _)| *from == field) {
                Some((_, to)) => (*to).to_owned(),
                None => camel_path(field),
            },
        }
    }
}

fn json_to_value(v: &serde_json::Value) -> Value {
    Value::from_json(v.clone()).unwrap_or(Value::Null)
}

/// The GraphQL error for a service error.
pub(crate) fn to_gql(e: &Error, args: Args<'_>) -> async_graphql::Error {
    if e.kind == ErrorKind::Internal {
        tracing::error!(error = ?e, "internal error");
    } else {
        tracing::debug!(error = ?e, "request rejected");
    }
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", e.code.as_ref());
    ext.set("status", i32::from(e.kind.http_status()));
    if let Some(f) = &e.field {
        ext.set("field", args.path(f));
    }
    if !e.errors.is_empty() {
        let list: Vec<Value> = e
            .errors
            .iter()
            .map(|f| {
                let mut m = async_graphql::indexmap::IndexMap::new();
                m.insert(async_graphql::Name::new("field"), Value::from(args.path(&f.field)));
                m.insert(async_graphql::Name::new("code"), Value::from(f.code.clone()));
                m.insert(async_graphql::Name::new("message"), Value::from(f.message.clone()));
                Value::Object(m)
            })
            .collect();
        ext.set("errors", Value::List(list));
    }
    if let Some(serde_json::Value::Object(extra)) = &e.extra {
        for (k, v) in extra {
            if !matches!(k.as_str(), "code" | "status" | "field" | "errors") {
                ext.set(k, json_to_value(v));
            }
        }
    }
    let mut err = async_graphql::Error::new(e.message.clone());
    err.extensions = Some(ext);
    err
}

pub(crate) trait ResultExt<T> {
    /// Service errors as GraphQL errors, naming top-level arguments.
    fn gql(self) -> GqlResult<T>;
    /// Service errors as GraphQL errors, naming fields inside `arg`.
    fn gql_in(self, arg: &str) -> GqlResult<T>;
    fn gql_args(self, args: Args<'_>) -> GqlResult<T>;
}

impl<T> ResultExt<T> for taquilla_core::Result<T> {
    fn gql(self) -> GqlResult<T> {
        self.gql_args(Args::Top)
    }
    fn gql_in(self, arg: &str) -> GqlResult<T> {
        self.gql_args(Args::In(arg))
    }
    fn gql_args(self, args: Args<'_>) -> GqlResult<T> {
        self.map_err(|e| to_gql(&e, args))
    }
}

/// Turns a GraphQL input object into the service's input type through the
/// same serde path REST bodies take, so every parse-don't-validate rule
/// (titles, e-mails, currencies, ranges…) applies unchanged, and a refusal
/// names the field: `validation_failed` at `input.title`.
pub(crate) fn parse_input<T: DeserializeOwned>(arg: &str, input: &impl Serialize) -> GqlResult<T> {
    parse_with(Args::In(arg), input)
}

/// As [`parse_input`], with the field paths mapped by `args`.
pub(crate) fn parse_with<T: DeserializeOwned>(args: Args<'_>, input: &impl Serialize) -> GqlResult<T> {
    let json = serde_json::to_value(input).map_err(|e| to_gql(&Error::internal(e), Args::Top))?;
    serde_path_to_error::deserialize(json).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        to_gql(&Error::validation(field, "invalid", e.into_inner().to_string()), args)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_written_the_graphql_way() {
        assert_eq!(Args::In("input").path("ends_at"), "input.endsAt");
        assert_eq!(Args::In("input").path("items[2].seat_ids"), "input.items[2].seatIds");
        assert_eq!(Args::In("input").path("Idempotency-Key"), "idempotencyKey");
        assert_eq!(Args::Top.path("session_id"), "sessionId");
        assert_eq!(Args::Renamed(&[("limit", "first")]).path("limit"), "first");
    }

    #[test]
    fn extensions_carry_code_status_and_field() {
        let e = to_gql(&Error::validation("ends_at", "before_start", "must be after starts_at"), Args::In("input"));
        let ext = e.extensions.unwrap_or_default();
        assert_eq!(ext.get("code"), Some(&Value::from("validation_failed")));
        assert_eq!(ext.get("status"), Some(&Value::from(422)));
        assert_eq!(ext.get("field"), Some(&Value::from("input.endsAt")));
    }
}

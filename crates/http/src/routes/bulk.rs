//! `POST /bulk/events`: many events with their sessions and ticket types.
//! This module only reads the request (a JSON array or NDJSON, up to
//! `TAQUILLA_BULK_MAX_BODY_BYTES`) and parses each item into the single-item
//! endpoints' input types with their error mapping; the rules and the
//! import are `taquilla_services::bulk`.

use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use taquilla_core::{Error, ErrorKind, FieldError};
use taquilla_services::bulk::{
    self, BulkEvent, BulkItemResult, BulkItemStatus, BulkMode, BulkRequest, BulkResult, BulkSession, BulkSessionResult,
};
use taquilla_services::events::EventInput;
use taquilla_services::sessions::SessionInput;
use taquilla_services::ticket_types::TicketTypeInput;
use taquilla_services::App;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::extract::{Authed, Query};
use crate::problem::{json_error, ApiResult, Problem};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(import_events);
}

#[derive(OpenApi)]
#[openapi(
    paths(import_events),
    components(schemas(
        BulkEventItem,
        BulkSessionItem,
        BulkResult,
        BulkItemResult,
        BulkItemStatus,
        BulkSessionResult,
        BulkMode
    ))
)]
pub struct Doc;

pub const NDJSON: &str = "application/x-ndjson";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BulkQuery {
    /// `atomic` (default): all or nothing. `partial`: the valid items.
    pub mode: Option<BulkMode>,
}

/// One item of a batch: the body of `POST /events` plus `sessions`.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct BulkEventItem {
    #[serde(flatten)]
    event: EventInput,
    #[serde(default)]
    sessions: Vec<BulkSessionItem>,
}

/// A session of an item: the body of `POST /events/{id}/sessions` (status
/// `draft`) plus `ticket_types` (bodies of `POST /sessions/{id}/ticket-types`).
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct BulkSessionItem {
    #[serde(flatten)]
    session: SessionInput,
    #[serde(default)]
    ticket_types: Vec<TicketTypeInput>,
}

/// Imports up to 1,000 events, each with its sessions and their ticket
/// types, as a JSON array or as NDJSON (`Content-Type: application/x-ndjson`,
/// one event per line). Every item is checked by the rules of the
/// single-item endpoints; errors name their path (`items[3].sessions[0].starts_at`).
/// `mode=atomic` (default) imports everything or nothing (422 listing every
/// item); `mode=partial` imports the valid items and reports the others.
/// With an `Idempotency-Key`, a repeat returns the first result (200,
/// `Idempotent-Replayed: true`); the key with another batch is 422
/// `idempotency_key_reused`. Organizers and admins.
#[utoipa::path(tag = "events", params(BulkQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Client-chosen key; a repeat returns the first result")),
    request_body(description = "A JSON array of items, or NDJSON: one item (a JSON object) per line",
        content((Vec<BulkEventItem> = "application/json"), (String = "application/x-ndjson"))),
    responses(
        (status = 201, body = BulkResult, description = "every item imported"),
        (status = 200, body = BulkResult, description = "partial mode with invalid items, or an idempotent replay"),
        (status = 403, body = Problem),
        (status = 413, body = Problem, description = "`payload_too_large` or `too_many_items` (over 1,000)"),
        (status = 415, body = Problem),
        (status = 422, body = Problem, description = "atomic mode with invalid items: `errors` lists every field, `items` every item")))]
#[post("/bulk/events")]
pub async fn import_events(
    app: web::Data<App>,
    req: HttpRequest,
    a: Authed,
    Query(q): Query<BulkQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    // Refused callers are refused before their body is read.
    app.may_bulk_import(&a.actor)?;
    let key = super::orders::idempotency_key(&req)?;
    let mode = q.mode.unwrap_or_default();
    let raw = read_items(&req, payload, app.config.bulk_max_body_bytes).await?;
    bulk::check_batch_size(raw.len())?;
    let hashed: Vec<Value> = raw.iter().map(RawItem::value).collect();
    let request_hash = bulk::request_hash(mode, &hashed);
    drop(hashed);
    let items = raw.into_iter().map(RawItem::parse).collect();
    let (result, replayed) =
        app.bulk_import_events(&a.actor, a.tenant.id, BulkRequest { mode, items, request_hash }, key).await?;
    let mut res =
        if !replayed && result.created == result.total { HttpResponse::Created() } else { HttpResponse::Ok() };
    if replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(res.json(result))
}

enum RawItem {
    Json(Value),
    /// An NDJSON line that is not JSON: that item is invalid, the others not.
    Malformed {
        line: String,
        error: Error,
    },
}

impl RawItem {
    fn value(&self) -> Value {
        match self {
            RawItem::Json(v) => v.clone(),
            RawItem::Malformed { line, .. } => Value::String(line.clone()),
        }
    }

    fn parse(self) -> Result<BulkEvent, Error> {
        match self {
            RawItem::Json(v) => parse_item(v),
            RawItem::Malformed { error, .. } => Err(error),
        }
    }
}

/// Reads the body (JSON array or NDJSON) into one value per item.
async fn read_items(req: &HttpRequest, mut payload: web::Payload, limit: usize) -> Result<Vec<RawItem>, Error> {
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let ndjson = match mime.as_str() {
        NDJSON => true,
        m if m == "application/json" || (m.starts_with("application/") && m.ends_with("+json")) => false,
        _ => {
            return Err(Error::new(
                ErrorKind::UnsupportedMediaType,
                "unsupported_media_type",
                format!("send a JSON array as application/json, or one event per line as {NDJSON}"),
            ))
        }
    };
    let too_large = || {
        Error::new(ErrorKind::PayloadTooLarge, "payload_too_large", format!("the body may be at most {limit} bytes"))
    };
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| Error::bad_request("bad_body", format!("could not read the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    if ndjson {
        return Ok(body[..]
            .split(|b| *b == b'\n')
            .map(|line| line.trim_ascii())
            .filter(|line| !line.is_empty())
            .map(|line| match serde_json::from_slice::<Value>(line) {
                Ok(v) => RawItem::Json(v),
                Err(e) => RawItem::Malformed {
                    line: String::from_utf8_lossy(line).into_owned(),
                    error: Error::bad_request("malformed_json", format!("malformed JSON: {e}")),
                },
            })
            .collect());
    }
    let de = &mut serde_json::Deserializer::from_slice(&body);
    let items: Vec<Value> = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let e = json_error(e);
        if e.kind == ErrorKind::Validation {
            Error::validation("items", "invalid", "the body must be a JSON array of events")
        } else {
            e
        }
    })?;
    de.end().map_err(|e| {
        Error::bad_request("malformed_json", format!("malformed JSON: {e}"))
            .with_extra(serde_json::json!({ "line": e.line(), "column": e.column() }))
    })?;
    Ok(items.into_iter().map(RawItem::Json).collect())
}

/// Parses one item into the single-item endpoints' input types, reporting
/// every field at fault (paths relative to the item).
fn parse_item(v: Value) -> Result<BulkEvent, Error> {
    let mut errors = Vec::new();
    let Value::Object(mut event) = v else {
        return Err(Error::validation("", "invalid", "an item must be an event (a JSON object)"));
    };
    let sessions = take_array(&mut event, "sessions", "", &mut errors);
    let event = typed::<EventInput>(Value::Object(event), "", &mut errors);
    let mut parsed = Vec::with_capacity(sessions.len());
    for (j, s) in sessions.into_iter().enumerate() {
        let path = format!("sessions[{j}]");
        let Value::Object(mut session) = s else {
            errors.push(FieldError {
                field: path,
                code: "invalid".into(),
                message: "must be a session (a JSON object)".into(),
            });
            continue;
        };
        let ticket_types = take_array(&mut session, "ticket_types", &path, &mut errors);
        let session = typed::<SessionInput>(Value::Object(session), &path, &mut errors);
        let ticket_types: Vec<TicketTypeInput> = ticket_types
            .into_iter()
            .enumerate()
            .filter_map(|(k, t)| typed(t, &format!("{path}.ticket_types[{k}]"), &mut errors))
            .collect();
        if let Some(session) = session {
            parsed.push(BulkSession { session, ticket_types });
        }
    }
    match event {
        Some(event) if errors.is_empty() => Ok(BulkEvent { event, sessions: parsed }),
        _ => Err(Error::validation_many(errors)),
    }
}

/// Removes `name` (an optional array) from an object.
fn take_array(
    obj: &mut serde_json::Map<String, Value>,
    name: &str,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Vec<Value> {
    match obj.remove(name) {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a,
        Some(_) => {
            let field = if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") };
            errors.push(FieldError { field, code: "invalid".into(), message: "must be an array".into() });
            vec![]
        }
    }
}

/// One part of an item, through the same deserializer and error mapping
/// as the single-item endpoint's body.
fn typed<T: DeserializeOwned>(v: Value, path: &str, errors: &mut Vec<FieldError>) -> Option<T> {
    match serde_path_to_error::deserialize(v) {
        Ok(t) => Some(t),
        Err(e) => {
            errors.extend(bulk::field_errors(path, &json_error(e)));
            None
        }
    }
}

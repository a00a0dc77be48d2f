//! Bulk import: up to [`MAX_ITEMS`] events, each with its sessions and
//! their ticket types, in one request.
//!
//! Every item is checked by the rules the single-item endpoints apply (the
//! same input types, parsed by the same code, then `check_dates`,
//! `check_initial_status`, `check_placement_in`, `Placement::overlaps`,
//! `Shape::check`, `check_capacity_fits`). The rules that need the database
//! for single items do not here: a new event has no sessions yet but the
//! batch's own, which are checked against each other.
//!
//! `atomic` (the default) imports everything or nothing; `partial` imports
//! the valid items. What is imported is written in one statement, in one
//! transaction, with a record of the import (`bulk_imports`): its
//! `Idempotency-Key` (unique per user) makes a repeated batch answer with
//! the first result.

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use taquilla_core::roles::Permission;
use taquilla_core::status::{EventStatus, SessionStatus};
use taquilla_core::text::{HttpUrl, LongText, ShortText};
use taquilla_core::{Actor, Error, ErrorKind, FieldError, Result};
use taquilla_store::TenantTx;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::events::{check_dates, EventInput};
use crate::orders::IdempotencyKey;
use crate::sessions::{check_initial_status, check_placement_in, overlap_error, Placement, SessionInput};
use crate::ticket_types::{check_capacity_fits, Shape, TicketTypeInput};
use crate::{now, App};

/// Most events one request may carry.
pub const MAX_ITEMS: usize = 1_000;

/// One event of a batch: the body of `POST /events`, plus its sessions.
#[derive(Debug)]
pub struct BulkEvent {
    pub event: EventInput,
    pub sessions: Vec<BulkSession>,
}

/// One session: the body of `POST /events/{id}/sessions`, plus its ticket
/// types (bodies of `POST /sessions/{id}/ticket-types`).
#[derive(Debug)]
pub struct BulkSession {
    pub session: SessionInput,
    pub ticket_types: Vec<TicketTypeInput>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkMode {
    /// Everything or nothing: one invalid item and nothing is written.
    #[default]
    Atomic,
    /// The valid items are imported, the others reported.
    Partial,
}

impl BulkMode {
    fn as_str(self) -> &'static str {
        match self {
            BulkMode::Atomic => "atomic",
            BulkMode::Partial => "partial",
        }
    }
}

pub struct BulkRequest {
    pub mode: BulkMode,
    /// Each item as parsed, or why it did not parse (field paths relative
    /// to the item: `title`, `sessions[0].starts_at`).
    pub items: Vec<Result<BulkEvent>>,
    /// What an `Idempotency-Key` is bound to: [`request_hash`] of the batch.
    pub request_hash: String,
}

/// Identifies a batch: its mode and its items as sent (parsed JSON values,
/// so a JSON array and NDJSON of the same items are the same batch).
pub fn request_hash(mode: BulkMode, items: &[serde_json::Value]) -> String {
    let mut h = Sha256::new();
    h.update(mode.as_str().as_bytes());
    for item in items {
        h.update(b"\n");
        h.update(item.to_string().as_bytes());
    }
    hex::encode(h.finalize())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkItemStatus {
    Created,
    Invalid,
    /// Valid, but not imported: another item of an atomic batch was invalid.
    NotImported,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BulkItemResult {
    /// Position of the item in the batch (0-based).
    pub index: usize,
    pub status: BulkItemStatus,
    /// The created event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The created sessions, in the order given, with their ticket types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<BulkSessionResult>,
    /// Why the item is invalid; paths from the batch root (`items[3].sessions[0].starts_at`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BulkSessionResult {
    pub id: Uuid,
    pub ticket_type_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BulkResult {
    /// The import's id (`bulk_imports`); absent when nothing was imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_id: Option<Uuid>,
    pub mode: BulkMode,
    pub total: usize,
    pub created: usize,
    pub invalid: usize,
    /// One result per item, in order.
    pub items: Vec<BulkItemResult>,
}

/// Fails when a batch has more items than [`MAX_ITEMS`] (or none). The
/// handler asks before it parses the items one by one.
pub fn check_batch_size(items: usize) -> Result<()> {
    if items == 0 {
        return Err(Error::validation("items", "empty", "send at least one event"));
    }
    if items > MAX_ITEMS {
        return Err(Error::new(
            ErrorKind::PayloadTooLarge,
            "too_many_items",
            format!("a batch holds at most {MAX_ITEMS} events; this one has {items}"),
        )
        .with_field("items")
        .with_extra(serde_json::json!({ "max_items": MAX_ITEMS, "items": items })));
    }
    Ok(())
}

/// An error's field errors with their paths put under `prefix` (the path of
/// the part of the batch the error is about, e.g. `items[3]`).
pub fn field_errors(prefix: &str, e: &Error) -> Vec<FieldError> {
    let join = |f: &str| {
        if f.is_empty() || f == "body" || f == "." {
            prefix.to_owned()
        } else if prefix.is_empty() {
            f.to_owned()
        } else if f.starts_with('[') {
            format!("{prefix}{f}")
        } else {
            format!("{prefix}.{f}")
        }
    };
    if e.errors.is_empty() {
        vec![FieldError {
            field: join(e.field.as_deref().unwrap_or_default()),
            code: e.code.to_string(),
            message: e.message.clone(),
        }]
    } else {
        e.errors
            .iter()
            .map(|f| FieldError { field: join(&f.field), code: f.code.clone(), message: f.message.clone() })
            .collect()
    }
}

/// Checks one parsed item by the single-item rules; every fault is
/// reported, not only the first.
fn check_item(prefix: &str, item: &BulkEvent) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut fail = |path: String, r: Result<()>| {
        if let Err(e) = r {
            errors.extend(field_errors(&path, &e));
        }
    };
    let ev = &item.event;
    fail(prefix.to_owned(), check_dates(ev.starts_at, ev.ends_at));
    let mut placed: Vec<Placement<'_>> = Vec::with_capacity(item.sessions.len());
    for (j, s) in item.sessions.iter().enumerate() {
        let sp = format!("{prefix}.sessions[{j}]");
        let input = &s.session;
        fail(sp.clone(), check_initial_status(input));
        let p = Placement {
            venue: input.venue.as_ref().map_or("", |v| v.as_str()),
            starts: input.starts_at,
            ends: input.ends_at,
            capacity: input.capacity,
        };
        fail(sp.clone(), check_placement_in(ev.starts_at, ev.ends_at, &p));
        if let Some(k) = placed.iter().position(|o| o.overlaps(&p)) {
            let e = overlap_error(None)
                .with_extra(serde_json::json!({ "conflicting_session": format!("{prefix}.sessions[{k}]") }));
            fail(sp.clone(), Err(e));
        }
        placed.push(p);
        let mut others: i64 = 0;
        for (k, tt) in s.ticket_types.iter().enumerate() {
            let tp = format!("{sp}.ticket_types[{k}]");
            let shape = Shape::for_new(tt);
            fail(tp.clone(), shape.check());
            fail(tp, check_capacity_fits(i32::try_from(input.capacity).unwrap_or(i32::MAX), others, shape.capacity));
            others += i64::from(shape.capacity);
        }
    }
    errors
}

/// Rows to write, as JSON records for `jsonb_to_recordset`.
#[derive(Default)]
struct Rows {
    events: Vec<serde_json::Value>,
    sessions: Vec<serde_json::Value>,
    ticket_types: Vec<serde_json::Value>,
}

/// Assigns ids to a valid item and adds its rows; returns its result.
fn plan(index: usize, item: BulkEvent, rows: &mut Rows) -> BulkItemResult {
    let event_id = Uuid::now_v7();
    let ev = item.event;
    rows.events.push(serde_json::json!({
        "id": event_id,
        "title": ev.title.into_inner(),
        "description": ev.description.map(LongText::into_inner).unwrap_or_default(),
        "category": ev.category.into_inner(),
        "venue": ev.venue.map(ShortText::into_inner).unwrap_or_default(),
        "image_url": ev.image_url.map(HttpUrl::into_inner),
        "status": ev.status.unwrap_or(EventStatus::Draft).as_str(),
        "starts_at": ev.starts_at,
        "ends_at": ev.ends_at,
        "timezone": ev.timezone.into_inner(),
    }));
    let mut sessions = Vec::with_capacity(item.sessions.len());
    for s in item.sessions {
        let session_id = Uuid::now_v7();
        let input = s.session;
        rows.sessions.push(serde_json::json!({
            "id": session_id,
            "event_id": event_id,
            "title": input.title.into_inner(),
            "presenter": input.presenter.map(ShortText::into_inner).unwrap_or_default(),
            "venue": input.venue.map(ShortText::into_inner).unwrap_or_default(),
            "status": SessionStatus::Draft.as_str(),
            "starts_at": input.starts_at,
            "ends_at": input.ends_at,
            "capacity": input.capacity,
        }));
        let mut ticket_type_ids = Vec::with_capacity(s.ticket_types.len());
        for tt in s.ticket_types {
            let id = Uuid::now_v7();
            let shape = Shape::for_new(&tt);
            rows.ticket_types.push(serde_json::json!({
                "id": id,
                "session_id": session_id,
                "name": tt.name.into_inner(),
                "price_minor": shape.price_minor,
                "currency": tt.currency.as_str(),
                "capacity": shape.capacity,
                "sales_opens_at": shape.opens,
                "sales_closes_at": shape.closes,
                "min_per_order": shape.min,
                "max_per_order": shape.max,
                "seated": tt.seated,
            }));
            ticket_type_ids.push(id);
        }
        sessions.push(BulkSessionResult { id: session_id, ticket_type_ids });
    }
    BulkItemResult { index, status: BulkItemStatus::Created, id: Some(event_id), sessions, errors: vec![] }
}

/// The import record and every row, in one statement. The record goes
/// first: a concurrent request with the same key waits on its unique index
/// until this one commits, then fails, and replays this result.
const INSERT_ALL: &str = "\
WITH b AS (
    INSERT INTO bulk_imports (id, user_id, idempotency_key, request_hash, mode, items, created, result, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)),
e AS (
    INSERT INTO events (id, owner_id, title, description, category, venue, image_url, status, starts_at, ends_at,
                        timezone, created_at, updated_at)
    SELECT id, $2, title, description, category, venue, image_url, status, starts_at, ends_at, timezone, $9, $9
    FROM jsonb_to_recordset($10::jsonb) AS x(id uuid, title text, description text, category text, venue text,
         image_url text, status text, starts_at timestamptz, ends_at timestamptz, timezone text)),
s AS (
    INSERT INTO sessions (id, event_id, title, presenter, venue, status, starts_at, ends_at, capacity, created_at,
                          updated_at)
    SELECT id, event_id, title, presenter, venue, status, starts_at, ends_at, capacity, $9, $9
    FROM jsonb_to_recordset($11::jsonb) AS x(id uuid, event_id uuid, title text, presenter text, venue text,
         status text, starts_at timestamptz, ends_at timestamptz, capacity integer))
INSERT INTO ticket_types (id, session_id, name, price_minor, currency, capacity, sales_opens_at, sales_closes_at,
                          min_per_order, max_per_order, seated, created_at, updated_at)
SELECT id, session_id, name, price_minor, currency, capacity, sales_opens_at, sales_closes_at, min_per_order,
       max_per_order, seated, $9, $9
FROM jsonb_to_recordset($12::jsonb) AS x(id uuid, session_id uuid, name text, price_minor bigint, currency text,
     capacity integer, sales_opens_at timestamptz, sales_closes_at timestamptz, min_per_order integer,
     max_per_order integer, seated boolean)";

#[derive(FromQueryResult)]
struct Recorded {
    request_hash: String,
    result: serde_json::Value,
}

/// The result an earlier request with this key got, if any. The same key
/// with another batch is refused.
async fn replay_in(tx: &TenantTx, user_id: Uuid, key: &str, hash: &str) -> Result<Option<BulkResult>> {
    let Some(r) = Recorded::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT request_hash, result FROM bulk_imports WHERE user_id = $1 AND idempotency_key = $2",
        [user_id.into(), key.into()],
    ))
    .one(&**tx)
    .await?
    else {
        return Ok(None);
    };
    if r.request_hash != hash {
        return Err(Error::new(
            ErrorKind::Validation,
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different batch",
        )
        .with_field("Idempotency-Key"));
    }
    Ok(Some(serde_json::from_value(r.result)?))
}

impl App {
    /// Whether the actor may import events (the handler asks before it
    /// reads a large body; [`App::bulk_import_events`] checks again).
    pub fn may_bulk_import(&self, actor: &Actor) -> Result<()> {
        actor.require(Permission::CreateEvent)
    }

    /// Imports a batch. Returns the result and whether it is a replay of an
    /// earlier request with the same `Idempotency-Key`. An atomic batch with
    /// an invalid item is a validation error whose `items` member holds the
    /// per-item results, and `errors` every field at fault.
    pub async fn bulk_import_events(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        req: BulkRequest,
        key: Option<IdempotencyKey>,
    ) -> Result<(BulkResult, bool)> {
        self.may_bulk_import(actor)?;
        let total = req.items.len();
        check_batch_size(total)?;
        // A repeated batch is answered from the record, whatever changed since.
        if let Some(k) = &key {
            if let Some(r) = self.bulk_replay(actor, tenant_id, k, &req.request_hash).await? {
                return Ok((r, true));
            }
        }

        let mut results = Vec::with_capacity(total);
        let mut valid = Vec::with_capacity(total);
        for (index, item) in req.items.into_iter().enumerate() {
            let prefix = format!("items[{index}]");
            let errors = match &item {
                Ok(it) => check_item(&prefix, it),
                Err(e) => field_errors(&prefix, e),
            };
            match item {
                Ok(it) if errors.is_empty() => valid.push((index, it)),
                _ => results.push(BulkItemResult {
                    index,
                    status: BulkItemStatus::Invalid,
                    id: None,
                    sessions: vec![],
                    errors,
                }),
            }
        }
        let invalid = results.len();

        if req.mode == BulkMode::Atomic && invalid > 0 {
            results.extend(valid.into_iter().map(|(index, _)| BulkItemResult {
                index,
                status: BulkItemStatus::NotImported,
                id: None,
                sessions: vec![],
                errors: vec![],
            }));
            results.sort_by_key(|r| r.index);
            let all: Vec<FieldError> = results.iter().flat_map(|r| r.errors.iter().cloned()).collect();
            let result = BulkResult { import_id: None, mode: req.mode, total, created: 0, invalid, items: results };
            return Err(Error::validation_many(all).with_extra(serde_json::to_value(&result)?));
        }
        let mut rows = Rows::default();
        results.extend(valid.into_iter().map(|(index, it)| plan(index, it, &mut rows)));
        results.sort_by_key(|r| r.index);
        let created = total - invalid;
        let mut result = BulkResult { import_id: None, mode: req.mode, total, created, invalid, items: results };
        if created == 0 {
            return Ok((result, false));
        }
        let import_id = Uuid::now_v7();
        result.import_id = Some(import_id);

        let tx = self.store.tenant_tx(tenant_id).await?;
        let written = tx
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                INSERT_ALL,
                [
                    import_id.into(),
                    actor.user_id.into(),
                    key.as_ref().map(|k| k.as_str().to_owned()).into(),
                    req.request_hash.clone().into(),
                    req.mode.as_str().into(),
                    (total as i32).into(),
                    (created as i32).into(),
                    serde_json::to_value(&result)?.into(),
                    now().into(),
                    serde_json::Value::Array(rows.events).into(),
                    serde_json::Value::Array(rows.sessions).into(),
                    serde_json::Value::Array(rows.ticket_types).into(),
                ],
            ))
            .await;
        match written {
            Ok(_) => {
                tx.commit().await?;
                self.listings_changed(tenant_id).await;
                Ok((result, false))
            }
            Err(e)
                if key.is_some()
                    && taquilla_store::pg_code(&e).as_deref() == Some(taquilla_store::UNIQUE_VIOLATION) =>
            {
                // Another request with this key committed first (it held the
                // key's index entry until then): answer with its result.
                drop(tx);
                let k = key.as_ref().ok_or_else(|| Error::internal_msg("key vanished"))?;
                let r = self.bulk_replay(actor, tenant_id, k, &req.request_hash).await?;
                Ok((
                    r.ok_or_else(|| {
                        Error::conflict("idempotency_race", "a batch with this Idempotency-Key is being imported")
                    })?,
                    true,
                ))
            }
            Err(e) => Err(crate::sessions::map_write_err(e)),
        }
    }

    async fn bulk_replay(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        key: &IdempotencyKey,
        hash: &str,
    ) -> Result<Option<BulkResult>> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let r = replay_in(&tx, actor.user_id, key.as_str(), hash).await?;
        tx.commit().await?;
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_errors_get_the_item_path() {
        let e = Error::validation("sessions[0].starts_at", "invalid", "bad date");
        assert_eq!(field_errors("items[3]", &e)[0].field, "items[3].sessions[0].starts_at");
        let e = Error::bad_request("malformed_json", "malformed JSON");
        let f = &field_errors("items[3]", &e)[0];
        assert_eq!((f.field.as_str(), f.code.as_str()), ("items[3]", "malformed_json"));
        let e = Error::conflict("session_overlap", "overlaps").with_field("starts_at");
        assert_eq!(field_errors("items[0].sessions[1]", &e)[0].field, "items[0].sessions[1].starts_at");
    }

    #[test]
    fn the_same_items_are_the_same_batch() {
        let a = [serde_json::json!({"title": "x"})];
        assert_eq!(request_hash(BulkMode::Atomic, &a), request_hash(BulkMode::Atomic, &a.clone()));
        assert_ne!(request_hash(BulkMode::Atomic, &a), request_hash(BulkMode::Partial, &a));
        assert_ne!(
            request_hash(BulkMode::Atomic, &a),
            request_hash(BulkMode::Atomic, &[serde_json::json!({"title": "y"})])
        );
    }
}

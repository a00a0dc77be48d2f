//! The hash-chained audit log. Each row's `hash` is SHA-256 over the previous
//! row's hash and this row's canonical fields, so editing or deleting a row
//! breaks every hash after it.
//!
//! Requests append rows with a plain INSERT (no lock: a tenant-wide lock per
//! mutating request made the log the platform's slowest path). The sealer
//! then chains unsealed rows in `seq` order, numbering them with
//! `chain_seq`; sealers of one chain serialize on an advisory lock, writers
//! never wait for them. A row is tamper-evident once sealed.

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use sha2::{Digest, Sha256};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::Result;
use uuid::Uuid;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Where a chain lives: the current tenant schema's `audit_log`, or the platform's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chain {
    Tenant,
    Platform,
}

impl Chain {
    fn table(self) -> &'static str {
        match self {
            Chain::Tenant => "audit_log",
            Chain::Platform => "public.platform_audit",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, FromQueryResult, utoipa::ToSchema)]
pub struct AuditRow {
    pub seq: i64,
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub actor_role: Option<String>,
    pub action: String,
    pub resource: String,
    pub request_id: String,
    pub ip: Option<String>,
    pub status: i32,
    pub created_at: DateTime<Utc>,
    /// Null until the sealer chains the row (normally within a second).
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    pub chain_seq: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewAuditRow {
    pub tenant_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub actor_role: Option<String>,
    pub action: String,
    pub resource: String,
    pub request_id: String,
    pub ip: Option<String>,
    pub status: i32,
    /// Microsecond precision (what timestamptz keeps), or verification fails.
    pub created_at: DateTime<Utc>,
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// The canonical form: fields joined by the ASCII unit separator, which
/// cannot appear in any of them unescaped (request text is JSON-escaped).
fn compute_hash(prev: &str, r: &NewAuditRow, id: Uuid) -> String {
    let fields = [
        prev.to_owned(),
        id.to_string(),
        opt(&r.tenant_id),
        opt(&r.actor_id),
        opt(&r.actor_role),
        serde_json::to_string(&r.action).unwrap_or_default(),
        serde_json::to_string(&r.resource).unwrap_or_default(),
        serde_json::to_string(&r.request_id).unwrap_or_default(),
        opt(&r.ip),
        r.status.to_string(),
        r.created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
    ];
    hex::encode(Sha256::digest(fields.join("\u{1f}").as_bytes()))
}

/// The columns a new row is written with (`seq` and the seal come later).
const COLUMNS: &str = "id, tenant_id, actor_id, actor_role, action, resource, request_id, ip, status, created_at";

/// One row as the JSON object the inserts below take apart. JSON rather
/// than one array per column: nullable columns (actor, role, ip) cannot
/// travel as arrays with NULL elements here.
fn row_json(r: &NewAuditRow) -> serde_json::Value {
    serde_json::json!({
        "id": Uuid::now_v7(),
        "tenant_id": r.tenant_id,
        "actor_id": r.actor_id,
        "actor_role": r.actor_role,
        "action": r.action,
        "resource": r.resource,
        "request_id": r.request_id,
        "ip": r.ip,
        "status": r.status,
        "created_at": r.created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
    })
}

/// Appends rows of one chain, unsealed, in their order, with one
/// statement. `db` must be scoped to the chain's schema.
pub async fn append(db: &impl ConnectionTrait, chain: Chain, rows: &[NewAuditRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let table = chain.table();
    let json: Vec<serde_json::Value> = rows.iter().map(row_json).collect();
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!(
            "INSERT INTO {table} ({COLUMNS}) SELECT {COLUMNS} \
             FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id uuid, tenant_id uuid, actor_id uuid, \
             actor_role text, action text, resource text, request_id text, ip text, status int, created_at timestamptz)) \
             WITH ORDINALITY AS r(id, tenant_id, actor_id, actor_role, action, resource, request_id, ip, status, created_at, n) \
             ORDER BY n"
        ),
        [serde_json::Value::Array(json).into()],
    ))
    .await?;
    Ok(())
}

/// `name AS (INSERT …)`: a CTE that writes the row in parameter `$param`
/// ([`row_param`]; SQL null writes nothing) into the tenant's `audit_log`,
/// so that a change writes its request's row in its own statement.
pub fn insert_cte(name: &str, param: usize) -> String {
    format!(
        "{name} AS (INSERT INTO audit_log ({COLUMNS}) SELECT {COLUMNS} \
         FROM jsonb_populate_record(NULL::audit_log, ${param}::jsonb) WHERE ${param}::jsonb IS NOT NULL)"
    )
}

/// The parameter of [`insert_cte`].
pub fn row_param(row: Option<&NewAuditRow>) -> sea_orm::Value {
    row.map(row_json).into()
}

fn fields(r: &AuditRow) -> NewAuditRow {
    NewAuditRow {
        tenant_id: r.tenant_id,
        actor_id: r.actor_id,
        actor_role: r.actor_role.clone(),
        action: r.action.clone(),
        resource: r.resource.clone(),
        request_id: r.request_id.clone(),
        ip: r.ip.clone(),
        status: r.status,
        created_at: r.created_at,
    }
}

/// Chains up to 5,000 unsealed rows, oldest first. `db` must be a
/// transaction scoped to the chain's schema. Returns how many it sealed.
pub async fn seal(db: &impl ConnectionTrait, chain: Chain) -> Result<usize> {
    let table = chain.table();
    // One sealer per chain at a time; appenders are not blocked.
    db.execute_raw(Statement::from_string(
        DbBackend::Postgres,
        format!("SELECT pg_advisory_xact_lock(hashtext('taquilla-audit-seal:' || current_schema() || ':{table}'))"),
    ))
    .await?;
    let pending = AuditRow::find_by_statement(Statement::from_string(
        DbBackend::Postgres,
        format!("SELECT * FROM {table} WHERE chain_seq IS NULL ORDER BY seq LIMIT 5000"),
    ))
    .all(db)
    .await?;
    if pending.is_empty() {
        return Ok(0);
    }
    #[derive(FromQueryResult)]
    struct Last {
        hash: Option<String>,
        chain_seq: Option<i64>,
    }
    let last = Last::find_by_statement(Statement::from_string(
        DbBackend::Postgres,
        format!("SELECT hash, chain_seq FROM {table} WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1"),
    ))
    .one(db)
    .await?;
    let (mut prev, mut n) = match last {
        Some(Last { hash: Some(h), chain_seq: Some(c) }) => (h, c),
        _ => (GENESIS.to_owned(), 0),
    };
    let (mut ids, mut seqs, mut prevs, mut hashes) = (vec![], vec![], vec![], vec![]);
    for r in &pending {
        n += 1;
        let hash = compute_hash(&prev, &fields(r), r.id);
        ids.push(r.id);
        seqs.push(n);
        prevs.push(prev.clone());
        hashes.push(hash.clone());
        prev = hash;
    }
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!(
            "UPDATE {table} a SET chain_seq = u.c, prev_hash = u.p, hash = u.h \
             FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[]) AS u(id, c, p, h) WHERE a.id = u.id"
        ),
        [ids.into(), seqs.into(), prevs.into(), hashes.into()],
    ))
    .await?;
    Ok(pending.len())
}

pub async fn list(db: &impl ConnectionTrait, chain: Chain, page: PageRequest) -> Result<Page<AuditRow>> {
    let table = chain.table();
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    let total =
        N::find_by_statement(Statement::from_string(DbBackend::Postgres, format!("SELECT count(*) AS n FROM {table}")))
            .one(db)
            .await?
            .map_or(0, |n| n.n.max(0) as u64);
    let rows = AuditRow::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT * FROM {table} ORDER BY seq DESC LIMIT $1 OFFSET $2"),
        [(page.per_page as i64).into(), (page.offset() as i64).into()],
    ))
    .all(db)
    .await?;
    Ok(Page::new(rows, total, page))
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub ok: bool,
    /// Sealed rows checked.
    pub rows: u64,
    /// Rows not yet chained (written in the last moments).
    pub unsealed: u64,
    /// The first row (by `chain_seq`) whose stored hash or link does not match, if any.
    pub broken_at_seq: Option<i64>,
    pub reason: Option<String>,
}

/// Recomputes the whole chain in `chain_seq` order. An edited row fails its
/// own hash; a removed row breaks the `prev_hash` link of the row after it.
pub async fn verify(db: &impl ConnectionTrait, chain: Chain) -> Result<Verification> {
    let table = chain.table();
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    let unsealed = N::find_by_statement(Statement::from_string(
        DbBackend::Postgres,
        format!("SELECT count(*) AS n FROM {table} WHERE chain_seq IS NULL"),
    ))
    .one(db)
    .await?
    .map_or(0, |n| n.n.max(0) as u64);
    let mut prev = GENESIS.to_owned();
    let mut rows = 0u64;
    let mut after: i64 = 0;
    loop {
        let batch = AuditRow::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT * FROM {table} WHERE chain_seq > $1 ORDER BY chain_seq LIMIT 1000"),
            [after.into()],
        ))
        .all(db)
        .await?;
        if batch.is_empty() {
            return Ok(Verification { ok: true, rows, unsealed, broken_at_seq: None, reason: None });
        }
        for r in batch {
            after = r.chain_seq.unwrap_or(after);
            rows += 1;
            let broken = |reason: &str| Verification {
                ok: false,
                rows,
                unsealed,
                broken_at_seq: r.chain_seq,
                reason: Some(reason.to_owned()),
            };
            if r.prev_hash.as_deref() != Some(prev.as_str()) {
                return Ok(broken("link to the previous row is broken (a row was removed or reordered)"));
            }
            let again = compute_hash(&prev, &fields(&r), r.id);
            if r.hash.as_deref() != Some(again.as_str()) {
                return Ok(broken("row content does not match its hash (the row was edited)"));
            }
            prev = again;
        }
    }
}

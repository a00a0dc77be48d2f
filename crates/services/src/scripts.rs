//! Tenant scripts: versions saved, tested and activated by tenant admins;
//! the active pricing script of an event (or the tenant-wide default) prices
//! every line of a quote and an order through `crates/scripting`'s sandbox.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::roles::Permission;
use taquilla_core::{Actor, Error, ErrorKind, Result};
use taquilla_scripting::{AstCache, CompiledScript, Limits, Sandbox, ScriptKind, TestCase, TestResult, Validation};
use taquilla_store::TenantTx;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::App;

/// The sandbox and the compiled ASTs (per script version), shared by the process.
pub struct Scripting {
    pub sandbox: Sandbox,
    pub cache: AstCache<Uuid>,
}

impl Default for Scripting {
    fn default() -> Self {
        Scripting { sandbox: Sandbox::new(Limits::default()), cache: AstCache::new(1_000) }
    }
}

pub(crate) type SharedScripting = Arc<Scripting>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScriptInput {
    pub name: String,
    /// `pricing` (`fn price(ctx)`) or `coupon` (`fn apply(ctx)`).
    pub kind: String,
    /// Pricing scripts: the event they price; absent: the tenant-wide default.
    #[serde(default)]
    pub event_id: Option<Uuid>,
    pub source: String,
    /// `[{name, context, expected}]`; activation needs them all to pass.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub test_cases: Vec<TestCase>,
}

/// A new version of a script.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScriptVersionInput {
    pub source: String,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub test_cases: Vec<TestCase>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScriptRunInput {
    /// Defaults to the latest version.
    #[serde(default)]
    pub version: Option<i32>,
    /// An extra, ad-hoc context to run (its result is named `adhoc`).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub context: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, ToSchema, FromQueryResult)]
pub struct ScriptView {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub event_id: Option<Uuid>,
    pub active_version: Option<i32>,
    pub latest_version: i32,
    /// The latest version's source and test cases.
    pub source: String,
    #[schema(value_type = Vec<Object>)]
    pub test_cases: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One saved version of a script, newest first in listings.
#[derive(Debug, Clone, Serialize, ToSchema, FromQueryResult)]
pub struct ScriptVersionView {
    pub version: i32,
    /// Whether this is the live version.
    pub active: bool,
    pub source: String,
    #[schema(value_type = Vec<Object>)]
    pub test_cases: serde_json::Value,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScriptTestReport {
    pub version: i32,
    /// Every case passed (the ad-hoc run does not count).
    pub passed: bool,
    /// A compile error, with line and column.
    #[schema(value_type = Option<Object>)]
    pub compile_error: Option<taquilla_scripting::ScriptError>,
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<TestResult>,
}

const VIEW: &str = "SELECT s.id, s.name, s.kind, s.event_id, s.active_version, v.version AS latest_version, v.source, \
     v.test_cases, s.created_at, s.updated_at FROM scripts s \
     JOIN LATERAL (SELECT version, source, test_cases FROM script_versions WHERE script_id = s.id \
                   ORDER BY version DESC LIMIT 1) v ON true";

const VERSION_VIEW: &str = "SELECT v.version, v.version IS NOT DISTINCT FROM s.active_version AS active, v.source, \
     v.test_cases, v.created_by, v.created_at FROM script_versions v JOIN scripts s ON s.id = v.script_id \
     WHERE v.script_id = $1";

fn kind_of(s: &str) -> Result<ScriptKind> {
    s.parse::<ScriptKind>().map_err(|_| Error::validation("kind", "invalid_kind", "`pricing` or `coupon`"))
}

fn check_source(source: &str, cases: &[TestCase]) -> Result<()> {
    if source.trim().is_empty() || source.len() > 64 * 1024 {
        return Err(Error::validation("source", "out_of_range", "1 byte to 64 KiB of Rhai"));
    }
    if cases.len() > 100 {
        return Err(Error::validation("test_cases", "too_many", "at most 100 test cases"));
    }
    Ok(())
}

async fn view(tx: &TenantTx, id: Uuid) -> Result<ScriptView> {
    ScriptView::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("{VIEW} WHERE s.id = $1"),
        [id.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::not_found("script"))
}

#[derive(FromQueryResult)]
struct VersionRow {
    kind: String,
    version: i32,
    source: String,
    test_cases: serde_json::Value,
}

async fn version_row(tx: &TenantTx, id: Uuid, version: Option<i32>) -> Result<VersionRow> {
    VersionRow::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT s.kind, v.version, v.source, v.test_cases FROM scripts s JOIN script_versions v ON v.script_id = s.id \
         WHERE s.id = $1 AND ($2::int IS NULL OR v.version = $2) ORDER BY v.version DESC LIMIT 1",
        [id.into(), version.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::not_found("script version"))
}

impl Scripting {
    /// Compiles (or takes from the cache) a stored version.
    pub(crate) fn compiled(
        &self,
        id: Uuid,
        kind: ScriptKind,
        version: i32,
        source: &str,
    ) -> std::result::Result<CompiledScript, taquilla_scripting::ScriptError> {
        self.cache.get_or_compile(&id, version, || self.sandbox.compile(kind, source))
    }

    fn report(&self, id: Uuid, row: &VersionRow, adhoc: Option<&serde_json::Value>) -> Result<ScriptTestReport> {
        let kind = kind_of(&row.kind)?;
        let cases: Vec<TestCase> = serde_json::from_value(row.test_cases.clone()).map_err(Error::internal)?;
        Ok(match self.compiled(id, kind, row.version, &row.source) {
            Err(e) => ScriptTestReport { version: row.version, passed: false, compile_error: Some(e), results: vec![] },
            Ok(script) => {
                let results = self.sandbox.run_tests(&script, &cases, adhoc, Validation::default());
                let passed = results.iter().filter(|r| r.name != taquilla_scripting::ADHOC_NAME).all(|r| r.passed);
                ScriptTestReport { version: row.version, passed, compile_error: None, results }
            }
        })
    }
}

impl App {
    pub async fn create_script(&self, actor: &Actor, tenant_id: Uuid, input: ScriptInput) -> Result<ScriptView> {
        actor.require(Permission::ManageScripts)?;
        let kind = kind_of(&input.kind)?;
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::validation("name", "out_of_range", "1-100 characters"));
        }
        if kind == ScriptKind::Coupon && input.event_id.is_some() {
            return Err(Error::validation("event_id", "not_allowed", "coupon scripts are attached to coupons"));
        }
        check_source(&input.source, &input.test_cases)?;
        let id = Uuid::now_v7();
        let tx = self.store.tenant_tx(tenant_id).await?;
        if let Some(e) = input.event_id {
            crate::events::visible_event(&tx, Some(actor), e)
                .await
                .map_err(|_| Error::validation("event_id", "unknown_event", "no such event"))?;
        }
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "WITH s AS (INSERT INTO scripts (id, name, kind, event_id, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id) \
             INSERT INTO script_versions (script_id, version, source, test_cases, created_by) \
             SELECT id, 1, $6, $7, $5 FROM s",
            [
                id.into(),
                name.into(),
                kind.as_str().into(),
                input.event_id.into(),
                actor.user_id.into(),
                input.source.into(),
                serde_json::to_value(&input.test_cases).map_err(Error::internal)?.into(),
            ],
        ))
        .await?;
        let v = view(&tx, id).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Saves a new version (the active one stays until another is activated).
    pub async fn save_script_version(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        id: Uuid,
        input: ScriptVersionInput,
    ) -> Result<ScriptView> {
        actor.require(Permission::ManageScripts)?;
        check_source(&input.source, &input.test_cases)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let res = tx
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                // The script row's lock numbers concurrent saves one after another.
                "WITH s AS (UPDATE scripts SET updated_at = now() WHERE id = $1 RETURNING id) \
                 INSERT INTO script_versions (script_id, version, source, test_cases, created_by) \
                 SELECT s.id, (SELECT coalesce(max(version), 0) + 1 FROM script_versions WHERE script_id = s.id), $2, $3, $4 FROM s",
                [
                    id.into(),
                    input.source.into(),
                    serde_json::to_value(&input.test_cases).map_err(Error::internal)?.into(),
                    actor.user_id.into(),
                ],
            ))
            .await?;
        if res.rows_affected() == 0 {
            return Err(Error::not_found("script"));
        }
        let v = view(&tx, id).await?;
        tx.commit().await?;
        Ok(v)
    }

    pub async fn list_scripts(&self, actor: &Actor, tenant_id: Uuid, page: PageRequest) -> Result<Page<ScriptView>> {
        #[derive(FromQueryResult)]
        struct N {
            n: i64,
        }
        actor.require(Permission::ManageScripts)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let total = N::find_by_statement(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM scripts".to_owned(),
        ))
        .one(&*tx)
        .await?
        .map_or(0, |n| n.n.max(0) as u64);
        let rows = ScriptView::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("{VIEW} ORDER BY s.created_at, s.id LIMIT $1 OFFSET $2"),
            [(page.per_page as i64).into(), (page.offset() as i64).into()],
        ))
        .all(&*tx)
        .await?;
        tx.commit().await?;
        Ok(Page::new(rows, total, page))
    }

    /// Every saved version of a script, newest first: what a rollback can
    /// go back to (activate with `version`).
    pub async fn list_script_versions(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        id: Uuid,
        page: PageRequest,
    ) -> Result<Page<ScriptVersionView>> {
        actor.require(Permission::ManageScripts)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        // The script row is read first so an unknown id is a 404, not an empty page.
        let script = view(&tx, id).await?;
        let rows = ScriptVersionView::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("{VERSION_VIEW} ORDER BY v.version DESC LIMIT $2 OFFSET $3"),
            [id.into(), (page.per_page as i64).into(), (page.offset() as i64).into()],
        ))
        .all(&*tx)
        .await?;
        tx.commit().await?;
        Ok(Page::new(rows, script.latest_version.max(0) as u64, page))
    }

    pub async fn get_script_version(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        id: Uuid,
        version: i32,
    ) -> Result<ScriptVersionView> {
        actor.require(Permission::ManageScripts)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let v = ScriptVersionView::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("{VERSION_VIEW} AND v.version = $2"),
            [id.into(), version.into()],
        ))
        .one(&*tx)
        .await?
        .ok_or_else(|| Error::not_found("script version"))?;
        tx.commit().await?;
        Ok(v)
    }

    pub async fn get_script(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<ScriptView> {
        actor.require(Permission::ManageScripts)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let v = view(&tx, id).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Compiles a version and runs its test cases (and an ad-hoc context).
    pub async fn test_script(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        id: Uuid,
        input: ScriptRunInput,
    ) -> Result<ScriptTestReport> {
        actor.require(Permission::ManageScripts)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let row = version_row(&tx, id, input.version).await?;
        tx.commit().await?;
        let scripting = self.scripting.clone();
        let adhoc = input.context;
        // Scripts are CPU work with a deadline: off the async workers.
        tokio::task::spawn_blocking(move || scripting.report(id, &row, adhoc.as_ref()))
            .await
            .map_err(Error::internal)?
    }

    /// Makes a version the live one, if it compiles and passes all its test
    /// cases. Activating an older version is the rollback.
    pub async fn activate_script(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        id: Uuid,
        input: ScriptRunInput,
    ) -> Result<ScriptView> {
        actor.require(Permission::ManageScripts)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let row = version_row(&tx, id, input.version).await?;
        let version = row.version;
        let scripting = self.scripting.clone();
        let report =
            tokio::task::spawn_blocking(move || scripting.report(id, &row, None)).await.map_err(Error::internal)??;
        if !report.passed {
            return Err(Error::new(
                ErrorKind::Validation,
                "script_tests_failed",
                "the version does not compile or a test case fails",
            )
            .with_field("version")
            .with_extra(serde_json::json!({ "report": report })));
        }
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE scripts SET active_version = $2, updated_at = now() WHERE id = $1",
            [id.into(), version.into()],
        ))
        .await
        .map_err(|e| match taquilla_store::pg_code(&e).as_deref() {
            Some(taquilla_store::UNIQUE_VIOLATION) => Error::conflict(
                "pricing_script_active",
                "another pricing script is active for this event; deactivate it first",
            ),
            _ => Error::from(e),
        })?;
        let v = view(&tx, id).await?;
        tx.commit().await?;
        Ok(v)
    }

    pub async fn deactivate_script(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<ScriptView> {
        actor.require(Permission::ManageScripts)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE scripts SET active_version = NULL, updated_at = now() WHERE id = $1",
            [id.into()],
        ))
        .await?;
        let v = view(&tx, id).await?;
        tx.commit().await?;
        Ok(v)
    }
}

/// An active script version.
#[derive(Debug, Clone)]
pub(crate) struct ActiveScript {
    pub id: Uuid,
    pub version: i32,
    pub source: String,
}

/// The active pricing script for an event (the event's own, else the
/// tenant-wide default) and what it may know about the buyer: membership
/// and paid orders before, as `p_id, p_version, p_source, is_member,
/// previous_orders` (`$1` the event, `$2` the buyer). A `LATERAL` part of
/// `quotes::lookups`, which reads the coupon in the same round trip.
pub(crate) const ACTIVE_PRICING: &str = "SELECT s.id AS p_id, v.version AS p_version, v.source AS p_source, \
        coalesce((SELECT is_member FROM users WHERE id = $2), false) AS is_member, \
        (SELECT count(*) FROM orders WHERE user_id = $2 AND status = 'paid') AS previous_orders \
     FROM scripts s JOIN script_versions v ON v.script_id = s.id AND v.version = s.active_version \
     WHERE s.kind = 'pricing' AND (s.event_id = $1 OR s.event_id IS NULL) \
     ORDER BY s.event_id IS NULL LIMIT 1";

/// Reads [`ACTIVE_PRICING`]'s columns from a row (all null: no script).
pub(crate) fn active_pricing_of(
    row: &sea_orm::QueryResult,
) -> Result<Option<(ActiveScript, taquilla_scripting::BuyerFacts)>> {
    #[derive(FromQueryResult)]
    struct Row {
        p_id: Option<Uuid>,
        p_version: Option<i32>,
        p_source: Option<String>,
        is_member: Option<bool>,
        previous_orders: Option<i64>,
    }
    let r = Row::from_query_result(row, "")?;
    Ok(match (r.p_id, r.p_version, r.p_source) {
        (Some(id), Some(version), Some(source)) => Some((
            ActiveScript { id, version, source },
            taquilla_scripting::BuyerFacts {
                is_member: r.is_member.unwrap_or(false),
                previous_orders: r.previous_orders.unwrap_or(0),
            },
        )),
        _ => None,
    })
}

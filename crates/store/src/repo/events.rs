use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, Statement, Value};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::Result;
use uuid::Uuid;

use crate::entity::events::{self, Entity as Events};
use crate::TenantTx;

pub async fn by_id(tx: &TenantTx, id: Uuid) -> Result<Option<events::Model>> {
    Ok(Events::find_by_id(id).filter(events::Column::DeletedAt.is_null()).one(&**tx).await?)
}

/// Live events by id, in one query.
pub async fn by_ids(tx: &TenantTx, ids: &[Uuid]) -> Result<Vec<events::Model>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(Events::find()
        .filter(events::Column::Id.is_in(ids.iter().copied()))
        .filter(events::Column::DeletedAt.is_null())
        .all(&**tx)
        .await?)
}

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub category: Option<String>,
    pub status: Option<String>,
    /// Events that end after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Events that start before this instant.
    pub to: Option<DateTime<Utc>>,
    /// When false, only published events are visible (the public storefront).
    pub include_unpublished: bool,
}

/// One row of a listing: the event and the total number of matches, fetched
/// with a window function so a page costs a single query.
#[derive(Debug, FromQueryResult)]
struct Row {
    id: Uuid,
    owner_id: Uuid,
    title: String,
    description: String,
    category: String,
    venue: String,
    image_url: Option<String>,
    status: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    timezone: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
    total: i64,
}

impl Row {
    fn split(self) -> (events::Model, i64) {
        (
            events::Model {
                id: self.id,
                owner_id: self.owner_id,
                title: self.title,
                description: self.description,
                category: self.category,
                venue: self.venue,
                image_url: self.image_url,
                status: self.status,
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                timezone: self.timezone,
                created_at: self.created_at,
                updated_at: self.updated_at,
                deleted_at: self.deleted_at,
            },
            self.total,
        )
    }
}

const COLUMNS: &str = "id, owner_id, title, description, category, venue, image_url, status, starts_at, ends_at, \
                       timezone, created_at, updated_at, deleted_at, count(*) OVER () AS total";

struct Where {
    clauses: Vec<String>,
    values: Vec<Value>,
}

impl Where {
    fn new(f: &EventFilter) -> Self {
        let mut w = Where { clauses: vec!["deleted_at IS NULL".into()], values: vec![] };
        if !f.include_unpublished {
            w.push("status = {}", "published".into());
        }
        if let Some(s) = &f.status {
            w.push("status = {}", s.clone().into());
        }
        if let Some(c) = &f.category {
            w.push("category = {}", c.clone().into());
        }
        if let Some(from) = f.from {
            w.push("ends_at > {}", from.into());
        }
        if let Some(to) = f.to {
            w.push("starts_at < {}", to.into());
        }
        w
    }

    /// Adds a clause whose single `{}` becomes the next positional parameter.
    fn push(&mut self, clause: &str, value: Value) -> String {
        self.values.push(value);
        let p = format!("${}", self.values.len());
        self.clauses.push(clause.replace("{}", &p));
        p
    }

    fn sql(&self) -> String {
        self.clauses.join(" AND ")
    }
}

/// Runs `SELECT … WHERE <w> ORDER BY <order>` for one page. The total rides
/// along on every row; only a page past the end needs a separate count.
async fn page_of(tx: &TenantTx, w: Where, order: &str, page: PageRequest) -> Result<Page<events::Model>> {
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    let filter_sql = w.sql();
    let filter_values = w.values.clone();
    let mut w = w;
    let limit = w.push("TRUE", (page.per_page as i64).into());
    let offset = w.push("TRUE", (page.offset() as i64).into());
    let sql = format!("SELECT {COLUMNS} FROM events WHERE {filter_sql} ORDER BY {order} LIMIT {limit} OFFSET {offset}");
    let rows =
        Row::find_by_statement(Statement::from_sql_and_values(DbBackend::Postgres, sql, w.values)).all(&**tx).await?;
    let mut total = rows.first().map_or(0, |r| r.total);
    if rows.is_empty() && page.offset() > 0 {
        let sql = format!("SELECT count(*) AS n FROM events WHERE {filter_sql}");
        let n = N::find_by_statement(Statement::from_sql_and_values(DbBackend::Postgres, sql, filter_values))
            .one(&**tx)
            .await?;
        total = n.map_or(0, |n| n.n);
    }
    let items = rows.into_iter().map(|r| r.split().0).collect();
    Ok(Page::new(items, total.max(0) as u64, page))
}

pub async fn list(tx: &TenantTx, filter: &EventFilter, page: PageRequest) -> Result<Page<events::Model>> {
    page_of(tx, Where::new(filter), "starts_at, id", page).await
}

/// Turns what a person typed into a prefix tsquery: every word must match
/// the start of some word of the event (`roc` finds "Rockfest"). Only
/// letters and digits survive, so the result is always valid tsquery syntax.
/// The terms are AND-ed, so their order and repeats mean nothing: they are
/// sorted and deduplicated, and queries that mean the same are the same
/// text (the search cache keys on it).
pub fn prefix_tsquery(q: &str) -> Option<String> {
    let mut terms: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(8)
        .map(|t| format!("{}:*", t.to_lowercase().chars().take(64).collect::<String>()))
        .collect();
    terms.sort_unstable();
    terms.dedup();
    (!terms.is_empty()).then(|| terms.join(" & "))
}

/// Full-text search, best match first. `tsquery` comes from [`prefix_tsquery`].
pub async fn search(
    tx: &TenantTx,
    tsquery: &str,
    filter: &EventFilter,
    page: PageRequest,
) -> Result<Page<events::Model>> {
    let mut w = Where::new(filter);
    let q = w.push("search @@ to_tsquery('simple', {})", tsquery.into());
    let order = format!("ts_rank(search, to_tsquery('simple', {q})) DESC, starts_at, id");
    page_of(tx, w, &order, page).await
}

#[cfg(test)]
mod tests {
    use super::prefix_tsquery;

    #[test]
    fn tsquery_is_sanitized() {
        assert_eq!(prefix_tsquery("Roc"), Some("roc:*".into()));
        assert_eq!(prefix_tsquery("rock & roll)|!:*"), Some("rock:* & roll:*".into()));
        assert_eq!(prefix_tsquery("'; drop table --"), Some("drop:* & table:*".into()));
        assert_eq!(prefix_tsquery("  !!  "), None);
        assert_eq!(prefix_tsquery("Müller"), Some("müller:*".into()));
        assert_eq!(prefix_tsquery(" Roll  ROCK roll "), Some("rock:* & roll:*".into()));
    }
}

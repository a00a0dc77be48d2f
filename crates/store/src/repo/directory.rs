//! Platform-wide reads across every tenant's schema, for platform admins:
//! the one place a query spans tenants, and it only reads.

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::Result;
use uuid::Uuid;

use crate::entity::{tenants, users};
use crate::schema_name;

/// A tenant user, with the tenant it belongs to.
pub struct UserHit {
    pub tenant: tenants::Model,
    pub user: users::Model,
}

/// Users of every tenant whose e-mail or display name contains `text`
/// (case-insensitive; `None`: all), optionally of one role, ordered by
/// e-mail then tenant. One statement: a `UNION ALL` over the tenant schemas.
pub async fn search_users(
    db: &impl ConnectionTrait,
    text: Option<&str>,
    role: Option<&str>,
    page: PageRequest,
) -> Result<Page<UserHit>> {
    let tenants: Vec<tenants::Model> = {
        use sea_orm::{EntityTrait, QueryOrder};
        tenants::Entity::find().order_by_asc(tenants::Column::CreatedAt).all(db).await?
    };
    if tenants.is_empty() {
        return Ok(Page::new(vec![], 0, page));
    }
    // Schema names are `t_` and a UUID's hex: nothing to quote.
    let arms: Vec<String> = tenants
        .iter()
        .map(|t| {
            format!(
                "SELECT '{}'::uuid AS tenant_id, u.* FROM {}.users u WHERE u.deleted_at IS NULL \
                 AND ($1::text IS NULL OR u.email ILIKE $1 ESCAPE '\\' OR u.display_name ILIKE $1 ESCAPE '\\') \
                 AND ($2::text IS NULL OR u.role = $2)",
                t.id,
                schema_name(t.id)
            )
        })
        .collect();
    let pattern = text.map(|s| format!("%{}%", like_escape(s)));
    let sql = format!(
        "WITH hits AS MATERIALIZED ({}) SELECT h.*, (SELECT count(*) FROM hits) AS total FROM hits h \
         ORDER BY h.email, h.tenant_id LIMIT $3 OFFSET $4",
        arms.join(" UNION ALL ")
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [
                pattern_values(&pattern, role).to_vec(),
                vec![(page.per_page as i64).into(), (page.offset() as i64).into()],
            ]
            .concat(),
        ))
        .await?;
    let mut total = 0u64;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        total = row.try_get::<i64>("", "total")?.max(0) as u64;
        let tenant_id: Uuid = row.try_get("", "tenant_id")?;
        let user = users::Model::from_query_result(&row, "")?;
        if let Some(tenant) = tenants.iter().find(|t| t.id == tenant_id) {
            items.push(UserHit { tenant: tenant.clone(), user });
        }
    }
    if items.is_empty() && page.offset() > 0 {
        // Past the last page: the total still counts.
        total = count(db, &arms, pattern_values(&pattern, role)).await?;
    }
    Ok(Page::new(items, total, page))
}

/// `$1` and `$2` of every arm: the LIKE pattern and the role.
fn pattern_values(pattern: &Option<String>, role: Option<&str>) -> [sea_orm::Value; 2] {
    [pattern.clone().into(), role.map(str::to_owned).into()]
}

async fn count(db: &impl ConnectionTrait, arms: &[String], values: [sea_orm::Value; 2]) -> Result<u64> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT count(*) AS n FROM ({}) hits", arms.join(" UNION ALL ")),
            values,
        ))
        .await?;
    Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0).max(0) as u64)
}

/// `text` matched literally inside a LIKE pattern.
fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

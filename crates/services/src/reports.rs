//! Sales reports for the console's dashboard: paid sales per day, totals
//! and the best-selling events over a window. Tenant admins see every
//! event; organizers their own (the same rule as attendance).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{DbBackend, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};
use taquilla_core::roles::Permission;
use taquilla_core::{Actor, Error, Result};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::App;

/// Longest window one report covers.
const MAX_DAYS: i64 = 366;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SalesQuery {
    /// First day (UTC), inclusive; default 29 days before `to`.
    pub from: Option<NaiveDate>,
    /// Last day (UTC), inclusive; default today.
    pub to: Option<NaiveDate>,
}

/// One day's paid sales in one currency.
#[derive(Debug, Clone, Serialize, ToSchema, FromQueryResult)]
pub struct SalesDay {
    pub day: NaiveDate,
    pub currency: String,
    pub orders: i64,
    pub tickets: i64,
    /// Paid less refunded, in minor units.
    pub revenue_minor: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, FromQueryResult)]
pub struct SalesTotal {
    pub currency: String,
    pub orders: i64,
    pub tickets: i64,
    pub revenue_minor: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, FromQueryResult)]
pub struct TopEvent {
    pub event_id: Uuid,
    pub title: String,
    pub currency: String,
    pub tickets: i64,
    pub revenue_minor: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SalesReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Days with sales only, oldest first.
    pub days: Vec<SalesDay>,
    pub totals: Vec<SalesTotal>,
    /// Up to 5 events by revenue, then tickets.
    pub top_events: Vec<TopEvent>,
}

/// Paid (or later refunded) orders in the window, with their event.
const SALES: &str = "WITH s AS ( \
       SELECT o.id, (o.paid_at AT TIME ZONE 'UTC')::date AS day, o.currency, \
              o.total_minor - o.refunded_minor AS revenue, e.id AS event_id, e.title, \
              (SELECT coalesce(sum(i.quantity), 0) FROM order_items i WHERE i.order_id = o.id)::bigint AS tickets \
       FROM orders o JOIN sessions se ON se.id = o.session_id JOIN events e ON e.id = se.event_id \
       WHERE o.status IN ('paid', 'refunded') AND o.paid_at >= $1 AND o.paid_at < $2 \
         AND ($3::uuid IS NULL OR e.owner_id = $3))";

impl App {
    pub async fn sales_report(&self, actor: &Actor, tenant_id: Uuid, q: SalesQuery) -> Result<SalesReport> {
        actor.require(Permission::ViewAttendance)?;
        let owner = (!actor.can(Permission::ViewAnyAttendance)).then_some(actor.user_id);
        let to = q.to.unwrap_or_else(|| Utc::now().date_naive());
        let from = q.from.unwrap_or(to - Duration::days(29));
        if from > to {
            return Err(Error::validation("from", "after_to", "`from` must not be after `to`"));
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(Error::validation("from", "range_too_long", "a report covers at most 366 days"));
        }
        let start: DateTime<Utc> =
            from.and_hms_opt(0, 0, 0).map(|d| d.and_utc()).ok_or_else(|| Error::internal_msg("day start"))?;
        let end = to
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc() + Duration::days(1))
            .ok_or_else(|| Error::internal_msg("day end"))?;
        let args = || -> Vec<sea_orm::Value> { vec![start.into(), end.into(), owner.into()] };
        let tx = self.store.tenant_tx(tenant_id).await?;
        let days = SalesDay::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "{SALES} SELECT day, currency, count(*) AS orders, sum(tickets)::bigint AS tickets, \
                 sum(revenue)::bigint AS revenue_minor FROM s GROUP BY day, currency ORDER BY day, currency"
            ),
            args(),
        ))
        .all(&*tx)
        .await?;
        let top_events = TopEvent::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "{SALES} SELECT event_id, min(title) AS title, currency, sum(tickets)::bigint AS tickets, \
                 sum(revenue)::bigint AS revenue_minor FROM s GROUP BY event_id, currency \
                 ORDER BY revenue_minor DESC, tickets DESC, event_id LIMIT 5"
            ),
            args(),
        ))
        .all(&*tx)
        .await?;
        tx.commit().await?;
        let mut totals: Vec<SalesTotal> = Vec::new();
        for d in &days {
            match totals.iter_mut().find(|t| t.currency == d.currency) {
                Some(t) => {
                    t.orders += d.orders;
                    t.tickets += d.tickets;
                    t.revenue_minor += d.revenue_minor;
                }
                None => totals.push(SalesTotal {
                    currency: d.currency.clone(),
                    orders: d.orders,
                    tickets: d.tickets,
                    revenue_minor: d.revenue_minor,
                }),
            }
        }
        Ok(SalesReport { from, to, days, totals, top_events })
    }
}

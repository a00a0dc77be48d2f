//! Sections / ticket types of a session and their seat maps. Stock is three
//! counters on the row (`capacity`, `sold`, `held`) with a CHECK that
//! `sold + held <= capacity`; `available` is derived, never stored.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};
use taquilla_core::money::{Currency, MAX_PRICE_MINOR};
use taquilla_core::text::{Name, Text};
use taquilla_core::{Actor, Error, Result};
use taquilla_store::TenantTx;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::sessions::{editable_session, visible_session, visible_sessions};
use crate::App;

pub const MAX_PER_ORDER: u32 = 100;
pub const MAX_SEATS: usize = 20_000;

#[derive(Debug, Clone, FromQueryResult)]
pub struct TicketTypeRow {
    pub id: Uuid,
    pub session_id: Uuid,
    pub name: String,
    pub price_minor: i64,
    pub currency: String,
    pub capacity: i32,
    pub sold: i32,
    pub held: i32,
    pub sales_opens_at: Option<DateTime<Utc>>,
    pub sales_closes_at: Option<DateTime<Utc>>,
    pub min_per_order: i32,
    pub max_per_order: i32,
    pub seated: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) const TT_COLUMNS: &str =
    "id, session_id, name, price_minor, currency, capacity, sold, held, sales_opens_at, \
     sales_closes_at, min_per_order, max_per_order, seated, created_at, updated_at";

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketTypeView {
    pub id: Uuid,
    pub session_id: Uuid,
    pub name: String,
    /// Price in minor units (cents) of `currency`.
    pub price_minor: i64,
    pub currency: String,
    pub capacity: i32,
    pub sold: i32,
    pub held: i32,
    pub available: i32,
    pub sales_opens_at: Option<DateTime<Utc>>,
    pub sales_closes_at: Option<DateTime<Utc>>,
    pub min_per_order: i32,
    pub max_per_order: i32,
    pub seated: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TicketTypeRow> for TicketTypeView {
    fn from(r: TicketTypeRow) -> Self {
        Self {
            available: (r.capacity - r.sold - r.held).max(0),
            id: r.id,
            session_id: r.session_id,
            name: r.name,
            price_minor: r.price_minor,
            currency: r.currency,
            capacity: r.capacity,
            sold: r.sold,
            held: r.held,
            sales_opens_at: r.sales_opens_at,
            sales_closes_at: r.sales_closes_at,
            min_per_order: r.min_per_order,
            max_per_order: r.max_per_order,
            seated: r.seated,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketTypeInput {
    pub name: Name,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub price_minor: i64,
    pub currency: Currency,
    /// Ignored for seated types: their capacity is the number of seats in the map.
    #[serde(default)]
    pub capacity: u32,
    #[serde(default)]
    pub sales_opens_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub sales_closes_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub min_per_order: Option<u32>,
    #[serde(default)]
    pub max_per_order: Option<u32>,
    #[serde(default)]
    pub seated: bool,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketTypePatch {
    pub name: Option<Name>,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub price_minor: Option<i64>,
    pub capacity: Option<u32>,
    #[serde(default, deserialize_with = "crate::events::double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub sales_opens_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "crate::events::double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub sales_closes_at: Option<Option<DateTime<Utc>>>,
    pub min_per_order: Option<u32>,
    pub max_per_order: Option<u32>,
}

/// The rules a ticket type's fields obey, in one place.
pub(crate) struct Shape {
    pub price_minor: i64,
    pub capacity: u32,
    pub opens: Option<DateTime<Utc>>,
    pub closes: Option<DateTime<Utc>>,
    pub min: u32,
    pub max: u32,
}

impl Shape {
    /// A new ticket type's shape, defaults filled in (seated types hold
    /// nothing until their seat map is uploaded).
    pub(crate) fn for_new(input: &TicketTypeInput) -> Shape {
        Shape {
            price_minor: input.price_minor,
            capacity: if input.seated { 0 } else { input.capacity },
            opens: input.sales_opens_at,
            closes: input.sales_closes_at,
            min: input.min_per_order.unwrap_or(1),
            max: input.max_per_order.unwrap_or(10),
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        if !(0..=MAX_PRICE_MINOR).contains(&self.price_minor) {
            return Err(Error::validation("price_minor", "out_of_range", format!("must be 0..={MAX_PRICE_MINOR}")));
        }
        if self.capacity > crate::sessions::MAX_CAPACITY {
            return Err(Error::validation("capacity", "out_of_range", "too large"));
        }
        if let (Some(o), Some(c)) = (self.opens, self.closes) {
            if c <= o {
                return Err(Error::validation("sales_closes_at", "before_open", "must be after sales_opens_at"));
            }
        }
        if self.min == 0 || self.min > MAX_PER_ORDER {
            return Err(Error::validation("min_per_order", "out_of_range", format!("must be 1..={MAX_PER_ORDER}")));
        }
        if self.max < self.min || self.max > MAX_PER_ORDER {
            return Err(Error::validation(
                "max_per_order",
                "out_of_range",
                format!("must be min_per_order..={MAX_PER_ORDER}"),
            ));
        }
        Ok(())
    }
}

pub(crate) async fn ticket_type(tx: &TenantTx, id: Uuid) -> Result<TicketTypeRow> {
    TicketTypeRow::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT {TT_COLUMNS} FROM ticket_types WHERE id = $1 AND deleted_at IS NULL"),
        [id.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::not_found("ticket type"))
}

pub(crate) async fn for_session(tx: &TenantTx, session_id: Uuid) -> Result<Vec<TicketTypeRow>> {
    Ok(TicketTypeRow::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT {TT_COLUMNS} FROM ticket_types WHERE session_id = $1 AND deleted_at IS NULL ORDER BY created_at, id"),
        [session_id.into()],
    ))
    .all(&**tx)
    .await?)
}

/// Live ticket types of many sessions, in one query.
async fn for_sessions(tx: &TenantTx, session_ids: &[Uuid]) -> Result<Vec<TicketTypeRow>> {
    Ok(TicketTypeRow::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!(
            "SELECT {TT_COLUMNS} FROM ticket_types WHERE session_id = ANY($1) AND deleted_at IS NULL \
             ORDER BY created_at, id"
        ),
        [session_ids.to_vec().into()],
    ))
    .all(&**tx)
    .await?)
}

/// Every id of `ids` as a key, so a batch answers for each key it was asked.
fn keyed<T>(ids: &[Uuid]) -> HashMap<Uuid, Vec<T>> {
    ids.iter().map(|id| (*id, Vec::new())).collect()
}

/// The session's section capacities may not add up to more than the
/// session's own. Call with the session row locked.
async fn check_session_capacity(
    tx: &TenantTx,
    session_id: Uuid,
    session_capacity: i32,
    except: Option<Uuid>,
    new_capacity: u32,
) -> Result<()> {
    #[derive(FromQueryResult)]
    struct Sum {
        total: i64,
    }
    let others = Sum::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT COALESCE(sum(capacity), 0)::bigint AS total FROM ticket_types \
         WHERE session_id = $1 AND deleted_at IS NULL AND id IS DISTINCT FROM $2",
        [session_id.into(), except.into()],
    ))
    .one(&**tx)
    .await?
    .map_or(0, |s| s.total);
    check_capacity_fits(session_capacity, others, new_capacity)
}

/// A session's sections may not add up to more than the session holds:
/// `others` is what the other sections hold.
pub(crate) fn check_capacity_fits(session_capacity: i32, others: i64, new_capacity: u32) -> Result<()> {
    if others + i64::from(new_capacity) > i64::from(session_capacity) {
        return Err(Error::conflict(
            "capacity_exceeded",
            format!(
                "sections would hold {} but the session holds {session_capacity}",
                others + i64::from(new_capacity)
            ),
        )
        .with_field("capacity")
        .with_extra(serde_json::json!({ "session_capacity": session_capacity, "other_sections": others })));
    }
    Ok(())
}

async fn lock_session(tx: &TenantTx, session_id: Uuid) -> Result<()> {
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT id FROM sessions WHERE id = $1 FOR UPDATE",
        [session_id.into()],
    ))
    .await?;
    Ok(())
}

impl App {
    pub async fn list_ticket_types(
        &self,
        actor: Option<&Actor>,
        tenant_id: Uuid,
        session_id: Uuid,
    ) -> Result<Vec<TicketTypeView>> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        visible_session(&tx, actor, session_id).await?;
        let rows = for_session(&tx, session_id).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(TicketTypeView::from).collect())
    }

    /// The ticket types (with availability) of many sessions in one tenant
    /// transaction (GraphQL's DataLoader), keyed by session. The same rule as
    /// [`App::list_ticket_types`]: sessions the actor may not see have none.
    pub async fn ticket_types_for_sessions(
        &self,
        actor: Option<&Actor>,
        tenant_id: Uuid,
        session_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<TicketTypeView>>> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let visible: Vec<Uuid> = visible_sessions(&tx, actor, session_ids).await?.into_iter().map(|s| s.id).collect();
        let rows = if visible.is_empty() { vec![] } else { for_sessions(&tx, &visible).await? };
        tx.commit().await?;
        let mut out = keyed(session_ids);
        for r in rows {
            out.entry(r.session_id).or_default().push(TicketTypeView::from(r));
        }
        Ok(out)
    }

    pub async fn get_ticket_type(&self, actor: Option<&Actor>, tenant_id: Uuid, id: Uuid) -> Result<TicketTypeView> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let tt = ticket_type(&tx, id).await?;
        visible_session(&tx, actor, tt.session_id).await.map_err(|_| Error::not_found("ticket type"))?;
        tx.commit().await?;
        Ok(tt.into())
    }

    pub async fn create_ticket_type(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        session_id: Uuid,
        input: TicketTypeInput,
    ) -> Result<TicketTypeView> {
        let shape = Shape::for_new(&input);
        shape.check()?;
        let capacity = shape.capacity;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let (_, session) = editable_session(&tx, actor, session_id).await?;
        lock_session(&tx, session_id).await?;
        check_session_capacity(&tx, session_id, session.capacity, None, capacity).await?;
        let row = TicketTypeRow::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "INSERT INTO ticket_types (id, session_id, name, price_minor, currency, capacity, sales_opens_at, \
                 sales_closes_at, min_per_order, max_per_order, seated) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {TT_COLUMNS}"
            ),
            [
                Uuid::now_v7().into(),
                session_id.into(),
                input.name.into_inner().into(),
                shape.price_minor.into(),
                input.currency.as_str().into(),
                (capacity as i32).into(),
                shape.opens.into(),
                shape.closes.into(),
                (shape.min as i32).into(),
                (shape.max as i32).into(),
                input.seated.into(),
            ],
        ))
        .one(&*tx)
        .await?
        .ok_or_else(|| Error::internal_msg("insert returned nothing"))?;
        tx.commit().await?;
        Ok(row.into())
    }

    pub async fn patch_ticket_type(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        id: Uuid,
        p: TicketTypePatch,
    ) -> Result<TicketTypeView> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let tt = ticket_type(&tx, id).await?;
        let (_, session) = editable_session(&tx, actor, tt.session_id).await?;
        lock_session(&tx, tt.session_id).await?;
        if tt.seated && p.capacity.is_some() {
            return Err(Error::validation("capacity", "seated", "a seated section's capacity is its seat map"));
        }
        let shape = Shape {
            price_minor: p.price_minor.unwrap_or(tt.price_minor),
            capacity: p.capacity.unwrap_or(tt.capacity.max(0) as u32),
            opens: p.sales_opens_at.unwrap_or(tt.sales_opens_at),
            closes: p.sales_closes_at.unwrap_or(tt.sales_closes_at),
            min: p.min_per_order.unwrap_or(tt.min_per_order.max(1) as u32),
            max: p.max_per_order.unwrap_or(tt.max_per_order.max(1) as u32),
        };
        shape.check()?;
        if let Some(c) = p.capacity {
            if i64::from(c) < i64::from(tt.sold) + i64::from(tt.held) {
                return Err(Error::conflict(
                    "capacity_below_sold",
                    "capacity may not drop below what is sold and held",
                )
                .with_field("capacity")
                .with_extra(serde_json::json!({ "sold": tt.sold, "held": tt.held })));
            }
            check_session_capacity(&tx, tt.session_id, session.capacity, Some(id), c).await?;
        }
        let row = TicketTypeRow::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "UPDATE ticket_types SET name = $2, price_minor = $3, capacity = $4, sales_opens_at = $5, \
                 sales_closes_at = $6, min_per_order = $7, max_per_order = $8, updated_at = now() \
                 WHERE id = $1 RETURNING {TT_COLUMNS}"
            ),
            [
                id.into(),
                p.name.map_or(tt.name, Name::into_inner).into(),
                shape.price_minor.into(),
                (shape.capacity as i32).into(),
                shape.opens.into(),
                shape.closes.into(),
                (shape.min as i32).into(),
                (shape.max as i32).into(),
            ],
        ))
        .one(&*tx)
        .await?
        .ok_or_else(|| Error::not_found("ticket type"))?;
        tx.commit().await?;
        Ok(row.into())
    }

    pub async fn delete_ticket_type(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<()> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let tt = ticket_type(&tx, id).await?;
        editable_session(&tx, actor, tt.session_id).await?;
        if tt.sold > 0 || tt.held > 0 {
            return Err(Error::conflict("ticket_type_in_use", "tickets of this type are sold or held"));
        }
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE ticket_types SET deleted_at = now(), updated_at = now() WHERE id = $1",
            [id.into()],
        ))
        .await?;
        tx.commit().await
    }
}

// ---- seat maps ----

pub type RowLabel = Text<1, 16>;
pub type SeatLabel = Text<0, 32>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatInput {
    pub row: RowLabel,
    #[schema(minimum = 1, maximum = 10000)]
    pub number: u32,
    /// Shown to buyers; defaults to `<row><number>`.
    #[serde(default)]
    pub label: Option<SeatLabel>,
    #[serde(default)]
    pub x: f64,
    #[serde(default)]
    pub y: f64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatMapInput {
    pub seats: Vec<SeatInput>,
}

#[derive(Debug, Clone, Serialize, ToSchema, FromQueryResult)]
pub struct SeatView {
    pub id: Uuid,
    pub ticket_type_id: Uuid,
    pub row: String,
    pub number: i32,
    pub label: String,
    pub x: f64,
    pub y: f64,
    /// `available`, `held` or `sold`. A hold past its expiry shows as available.
    pub state: String,
}

impl App {
    /// Replaces the seat map of a seated section. Refused once any seat is
    /// held or sold; the section's capacity becomes the number of seats.
    pub async fn upload_seat_map(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        ticket_type_id: Uuid,
        map: SeatMapInput,
    ) -> Result<Vec<SeatView>> {
        if map.seats.is_empty() || map.seats.len() > MAX_SEATS {
            return Err(Error::validation("seats", "out_of_range", format!("must list 1..={MAX_SEATS} seats")));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, s) in map.seats.iter().enumerate() {
            if s.number == 0 || s.number > 10_000 {
                return Err(Error::validation(format!("seats[{i}].number"), "out_of_range", "must be 1..=10000"));
            }
            if !s.x.is_finite() || !s.y.is_finite() || s.x.abs() > 1e6 || s.y.abs() > 1e6 {
                return Err(Error::validation(
                    format!("seats[{i}].x"),
                    "out_of_range",
                    "coordinates must be finite, |v| <= 1e6",
                ));
            }
            if !seen.insert((s.row.as_str().to_owned(), s.number)) {
                return Err(Error::validation(
                    format!("seats[{i}]"),
                    "duplicate_seat",
                    format!("row {} seat {} appears twice", s.row.as_str(), s.number),
                ));
            }
        }
        let tx = self.store.tenant_tx(tenant_id).await?;
        let tt = ticket_type(&tx, ticket_type_id).await?;
        let (_, session) = editable_session(&tx, actor, tt.session_id).await?;
        if !tt.seated {
            return Err(Error::conflict("not_seated", "this section is general admission"));
        }
        lock_session(&tx, tt.session_id).await?;
        if tt.sold > 0 || tt.held > 0 {
            return Err(Error::conflict("seat_map_in_use", "seats of this section are held or sold"));
        }
        check_session_capacity(&tx, tt.session_id, session.capacity, Some(tt.id), map.seats.len() as u32).await?;
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM seats WHERE ticket_type_id = $1",
            [tt.id.into()],
        ))
        .await?;
        let ids: Vec<Uuid> = map.seats.iter().map(|_| Uuid::now_v7()).collect();
        let rows: Vec<String> = map.seats.iter().map(|s| s.row.as_str().to_owned()).collect();
        let numbers: Vec<i32> = map.seats.iter().map(|s| s.number as i32).collect();
        let labels: Vec<String> = map
            .seats
            .iter()
            .map(|s| match &s.label {
                Some(l) if !l.as_str().is_empty() => l.as_str().to_owned(),
                _ => format!("{}{}", s.row.as_str(), s.number),
            })
            .collect();
        let xs: Vec<f64> = map.seats.iter().map(|s| s.x).collect();
        let ys: Vec<f64> = map.seats.iter().map(|s| s.y).collect();
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO seats (id, ticket_type_id, session_id, row_label, number, label, x, y) \
             SELECT id, $2, $3, r, n, l, x, y FROM unnest($1::uuid[], $4::text[], $5::int[], $6::text[], $7::float8[], $8::float8[]) AS u(id, r, n, l, x, y)",
            [ids.into(), tt.id.into(), tt.session_id.into(), rows.into(), numbers.into(), labels.into(), xs.into(), ys.into()],
        ))
        .await?;
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE ticket_types SET capacity = $2, updated_at = now() WHERE id = $1",
            [tt.id.into(), (map.seats.len() as i32).into()],
        ))
        .await?;
        let seats = seats_of(&tx, tt.session_id, Some(tt.id)).await?;
        tx.commit().await?;
        Ok(seats)
    }

    /// Every seat of the session with its state, for drawing the map.
    pub async fn session_seats(
        &self,
        actor: Option<&Actor>,
        tenant_id: Uuid,
        session_id: Uuid,
    ) -> Result<Vec<SeatView>> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        visible_session(&tx, actor, session_id).await?;
        let seats = seats_of(&tx, session_id, None).await?;
        tx.commit().await?;
        Ok(seats)
    }
}

impl App {
    /// The seat maps of many sessions in one tenant transaction (GraphQL's
    /// DataLoader), keyed by session. The same rule as [`App::session_seats`].
    pub async fn seats_for_sessions(
        &self,
        actor: Option<&Actor>,
        tenant_id: Uuid,
        session_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<SeatView>>> {
        #[derive(FromQueryResult)]
        struct Row {
            session_id: Uuid,
            #[sea_orm(nested)]
            seat: SeatView,
        }
        let tx = self.store.tenant_tx(tenant_id).await?;
        let visible: Vec<Uuid> = visible_sessions(&tx, actor, session_ids).await?.into_iter().map(|s| s.id).collect();
        let rows = if visible.is_empty() {
            vec![]
        } else {
            Row::find_by_statement(Statement::from_sql_and_values(
                DbBackend::Postgres,
                format!("SELECT s.session_id, {SEAT_COLUMNS} {SEAT_FROM} WHERE s.session_id = ANY($1) ORDER BY s.row_label, s.number"),
                [visible.into()],
            ))
            .all(&*tx)
            .await?
        };
        tx.commit().await?;
        let mut out = keyed(session_ids);
        for r in rows {
            out.entry(r.session_id).or_default().push(r.seat);
        }
        Ok(out)
    }
}

/// A seat with its state; a hold past its expiry shows as available.
const SEAT_COLUMNS: &str = "s.id, s.ticket_type_id, s.row_label AS row, s.number, s.label, s.x, s.y, \
     CASE WHEN s.status = 'held' AND h.status IN ('active', 'converted') AND h.expires_at <= now() THEN 'available' \
          ELSE s.status END AS state";
const SEAT_FROM: &str = "FROM seats s JOIN ticket_types tt ON tt.id = s.ticket_type_id AND tt.deleted_at IS NULL \
     LEFT JOIN holds h ON h.id = s.hold_id";

async fn seats_of(tx: &TenantTx, session_id: Uuid, ticket_type: Option<Uuid>) -> Result<Vec<SeatView>> {
    Ok(SeatView::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!(
            "SELECT {SEAT_COLUMNS} {SEAT_FROM} \
             WHERE s.session_id = $1 AND ($2::uuid IS NULL OR s.ticket_type_id = $2) \
             ORDER BY s.row_label, s.number"
        ),
        [session_id.into(), ticket_type.into()],
    ))
    .all(&**tx)
    .await?)
}

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use taquilla_core::Result;
use uuid::Uuid;

use crate::entity::events;
use crate::entity::sessions::{self, Entity as Sessions};
use crate::TenantTx;

pub async fn by_id(tx: &TenantTx, event_id: Uuid, id: Uuid) -> Result<Option<sessions::Model>> {
    Ok(Sessions::find_by_id(id)
        .filter(sessions::Column::EventId.eq(event_id))
        .filter(sessions::Column::DeletedAt.is_null())
        .one(&**tx)
        .await?)
}

/// A session by its id alone, whatever its event (the event may still be deleted).
pub async fn by_id_any_event(tx: &TenantTx, id: Uuid) -> Result<Option<sessions::Model>> {
    Ok(Sessions::find_by_id(id).filter(sessions::Column::DeletedAt.is_null()).one(&**tx).await?)
}

pub async fn by_id_for_update(tx: &TenantTx, event_id: Uuid, id: Uuid) -> Result<Option<sessions::Model>> {
    Ok(Sessions::find_by_id(id)
        .filter(sessions::Column::EventId.eq(event_id))
        .filter(sessions::Column::DeletedAt.is_null())
        .lock_exclusive()
        .one(&**tx)
        .await?)
}

pub async fn for_event(tx: &TenantTx, event_id: Uuid) -> Result<Vec<sessions::Model>> {
    Ok(Sessions::find()
        .filter(sessions::Column::EventId.eq(event_id))
        .filter(sessions::Column::DeletedAt.is_null())
        .order_by_asc(sessions::Column::StartsAt)
        .order_by_asc(sessions::Column::Id)
        .all(&**tx)
        .await?)
}

/// Live sessions of many events, in one query (DataLoaders), by event then start.
pub async fn for_events(tx: &TenantTx, event_ids: &[Uuid]) -> Result<Vec<sessions::Model>> {
    if event_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(Sessions::find()
        .filter(sessions::Column::EventId.is_in(event_ids.iter().copied()))
        .filter(sessions::Column::DeletedAt.is_null())
        .order_by_asc(sessions::Column::StartsAt)
        .order_by_asc(sessions::Column::Id)
        .all(&**tx)
        .await?)
}

/// Live sessions by id, in one query.
pub async fn by_ids(tx: &TenantTx, ids: &[Uuid]) -> Result<Vec<sessions::Model>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(Sessions::find()
        .filter(sessions::Column::Id.is_in(ids.iter().copied()))
        .filter(sessions::Column::DeletedAt.is_null())
        .all(&**tx)
        .await?)
}

/// Live sessions of the event at `venue` whose time range overlaps
/// `[starts, ends)`, other than `except`.
pub async fn overlapping(
    tx: &TenantTx,
    event_id: Uuid,
    venue: &str,
    starts: chrono::DateTime<chrono::Utc>,
    ends: chrono::DateTime<chrono::Utc>,
    except: Option<Uuid>,
) -> Result<Option<sessions::Model>> {
    let mut q = Sessions::find()
        .filter(sessions::Column::EventId.eq(event_id))
        .filter(sessions::Column::Venue.eq(venue))
        .filter(sessions::Column::DeletedAt.is_null())
        .filter(sessions::Column::Status.ne("cancelled"))
        .filter(sessions::Column::StartsAt.lt(ends))
        .filter(sessions::Column::EndsAt.gt(starts));
    if let Some(id) = except {
        q = q.filter(sessions::Column::Id.ne(id));
    }
    Ok(q.one(&**tx).await?)
}

type Instant = chrono::DateTime<chrono::Utc>;

/// Earliest start and latest end of the event's live sessions.
pub async fn span(tx: &TenantTx, event_id: Uuid) -> Result<Option<(Instant, Instant)>> {
    let row: Option<(Option<Instant>, Option<Instant>)> = Sessions::find()
        .select_only()
        .column_as(sessions::Column::StartsAt.min(), "min_start")
        .column_as(sessions::Column::EndsAt.max(), "max_end")
        .filter(sessions::Column::EventId.eq(event_id))
        .filter(sessions::Column::DeletedAt.is_null())
        .filter(sessions::Column::Status.ne("cancelled"))
        .into_tuple()
        .one(&**tx)
        .await?;
    Ok(match row {
        Some((Some(a), Some(b))) => Some((a, b)),
        _ => None,
    })
}

/// A live session by id alone (routes that address sessions directly).
pub async fn find(tx: &TenantTx, id: Uuid) -> Result<Option<sessions::Model>> {
    Ok(Sessions::find_by_id(id).filter(sessions::Column::DeletedAt.is_null()).one(&**tx).await?)
}

/// A live session with its live event, in one query (the purchase path's
/// first read).
pub async fn with_event(tx: &TenantTx, id: Uuid) -> Result<Option<(sessions::Model, events::Model)>> {
    let found = Sessions::find_by_id(id)
        .filter(sessions::Column::DeletedAt.is_null())
        .find_also_related(events::Entity)
        .filter(events::Column::DeletedAt.is_null())
        .one(&**tx)
        .await?;
    Ok(found.and_then(|(s, e)| Some((s, e?))))
}

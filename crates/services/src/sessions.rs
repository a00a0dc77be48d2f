//! Sessions of an event: they fall inside the event's dates, never overlap
//! another live session at the same venue, and follow the status machine.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, DbErr, Set};
use serde::Deserialize;
use taquilla_core::status::SessionStatus;
use taquilla_core::text::{ShortText, Title};
use taquilla_core::{Actor, Error, Result};
use taquilla_store::entity::{events, sessions};
use taquilla_store::{repo, TenantTx};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::events::{editable_event, may_see, visible_event, visible_events};
use crate::views::SessionView;
use crate::{now, App};

pub const MAX_CAPACITY: u32 = 1_000_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    pub title: Title,
    #[serde(default)]
    pub presenter: Option<ShortText>,
    /// Room or stage inside the event's venue; sessions at the same one may not overlap.
    #[serde(default)]
    pub venue: Option<ShortText>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[schema(maximum = 1_000_000)]
    pub capacity: u32,
    /// On create only `draft` (the default); on replace, a legal transition.
    #[serde(default)]
    pub status: Option<SessionStatus>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionPatch {
    pub title: Option<Title>,
    pub presenter: Option<ShortText>,
    pub venue: Option<ShortText>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    #[schema(maximum = 1_000_000)]
    pub capacity: Option<u32>,
    pub status: Option<SessionStatus>,
}

pub(crate) struct Placement<'a> {
    pub venue: &'a str,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub capacity: u32,
}

impl Placement<'_> {
    /// Whether two live sessions of one event would collide: same venue,
    /// overlapping `[starts, ends)`. The `sessions_no_overlap` exclusion
    /// constraint says the same for written rows (`repo::sessions::overlapping`
    /// asks it of the database); this is its twin for sessions not written
    /// yet (bulk import checks a batch against itself).
    pub(crate) fn overlaps(&self, other: &Placement<'_>) -> bool {
        self.venue == other.venue && self.starts < other.ends && other.starts < self.ends
    }
}

/// A new session starts as draft.
pub(crate) fn check_initial_status(input: &SessionInput) -> Result<()> {
    if input.status.is_some_and(|s| s != SessionStatus::Draft) {
        return Err(Error::validation("status", "invalid_initial_status", "a new session starts as draft"));
    }
    Ok(())
}

/// The rules about where and when a session may be that need no database:
/// its own times and capacity, and the event's dates.
pub(crate) fn check_placement_in(
    event_starts: DateTime<Utc>,
    event_ends: DateTime<Utc>,
    p: &Placement<'_>,
) -> Result<()> {
    if p.ends <= p.starts {
        return Err(Error::validation("ends_at", "before_start", "must be after starts_at"));
    }
    if p.capacity > MAX_CAPACITY {
        return Err(Error::validation("capacity", "out_of_range", format!("must be at most {MAX_CAPACITY}")));
    }
    if p.starts < event_starts {
        return Err(Error::validation("starts_at", "outside_event", "must not be before the event starts"));
    }
    if p.ends > event_ends {
        return Err(Error::validation("ends_at", "outside_event", "must not be after the event ends"));
    }
    Ok(())
}

/// Every rule about where and when a session may be: the above, and no
/// overlap with the event's other sessions.
async fn check_placement(tx: &TenantTx, event: &events::Model, p: &Placement<'_>, except: Option<Uuid>) -> Result<()> {
    check_placement_in(event.starts_at, event.ends_at, p)?;
    if let Some(other) = repo::sessions::overlapping(tx, event.id, p.venue, p.starts, p.ends, except).await? {
        return Err(overlap_error(Some(other.id)));
    }
    Ok(())
}

#[track_caller]
pub(crate) fn overlap_error(other: Option<Uuid>) -> Error {
    Error::conflict("session_overlap", "another session of this event uses the same venue at an overlapping time")
        .with_field("starts_at")
        .with_extra(serde_json::json!({ "conflicting_session_id": other }))
}

/// The exclusion constraint catches what the check above cannot: two
/// writers racing. Both report the same error.
pub(crate) fn map_write_err(e: DbErr) -> Error {
    match taquilla_store::pg_code(&e).as_deref() {
        Some(taquilla_store::EXCLUSION_VIOLATION) => overlap_error(None),
        _ => Error::from(e),
    }
}

fn status_of(m: &sessions::Model) -> SessionStatus {
    SessionStatus::parse(&m.status).unwrap_or(SessionStatus::Draft)
}

impl App {
    pub async fn create_session(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        event_id: Uuid,
        input: SessionInput,
    ) -> Result<SessionView> {
        check_initial_status(&input)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let event = editable_event(&tx, actor, event_id).await?;
        let venue = input.venue.map(ShortText::into_inner).unwrap_or_default();
        check_placement(
            &tx,
            &event,
            &Placement { venue: &venue, starts: input.starts_at, ends: input.ends_at, capacity: input.capacity },
            None,
        )
        .await?;
        let now = now();
        let s = sessions::ActiveModel {
            id: Set(Uuid::now_v7()),
            event_id: Set(event.id),
            title: Set(input.title.into_inner()),
            presenter: Set(input.presenter.map(ShortText::into_inner).unwrap_or_default()),
            venue: Set(venue),
            status: Set(SessionStatus::Draft.as_str().to_owned()),
            starts_at: Set(input.starts_at),
            ends_at: Set(input.ends_at),
            capacity: Set(input.capacity as i32),
            created_at: Set(now),
            updated_at: Set(now),
            deleted_at: Set(None),
        }
        .insert(&*tx)
        .await
        .map_err(map_write_err)?;
        tx.commit().await?;
        self.listings_changed(tenant_id).await;
        Ok(s.into())
    }

    pub async fn list_sessions(
        &self,
        actor: Option<&Actor>,
        tenant_id: Uuid,
        event_id: Uuid,
    ) -> Result<Vec<SessionView>> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        visible_event(&tx, actor, event_id).await?;
        let list = repo::sessions::for_event(&tx, event_id).await?;
        tx.commit().await?;
        Ok(list.into_iter().map(SessionView::from).collect())
    }

    /// The sessions of many events in one tenant transaction (GraphQL's
    /// DataLoader), keyed by event. The same rule as [`App::list_sessions`]:
    /// events the actor may not see have none; every id gets an entry.
    pub async fn sessions_for_events(
        &self,
        actor: Option<&Actor>,
        tenant_id: Uuid,
        event_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<SessionView>>> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let visible: Vec<Uuid> = visible_events(&tx, actor, event_ids).await?.into_iter().map(|e| e.id).collect();
        let list = repo::sessions::for_events(&tx, &visible).await?;
        tx.commit().await?;
        let mut out: HashMap<Uuid, Vec<SessionView>> = event_ids.iter().map(|id| (*id, Vec::new())).collect();
        for s in list {
            out.entry(s.event_id).or_default().push(s.into());
        }
        Ok(out)
    }

    pub async fn get_session(
        &self,
        actor: Option<&Actor>,
        tenant_id: Uuid,
        event_id: Uuid,
        id: Uuid,
    ) -> Result<SessionView> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        visible_event(&tx, actor, event_id).await?;
        let s = repo::sessions::by_id(&tx, event_id, id).await?.ok_or_else(|| Error::not_found("session"))?;
        tx.commit().await?;
        Ok(s.into())
    }

    pub async fn replace_session(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        event_id: Uuid,
        id: Uuid,
        input: SessionInput,
    ) -> Result<SessionView> {
        let patch = SessionPatch {
            title: Some(input.title),
            presenter: Some(input.presenter.unwrap_or_else(ShortText::empty)),
            venue: Some(input.venue.unwrap_or_else(ShortText::empty)),
            starts_at: Some(input.starts_at),
            ends_at: Some(input.ends_at),
            capacity: Some(input.capacity),
            status: input.status,
        };
        self.patch_session(actor, tenant_id, event_id, id, patch).await
    }

    pub async fn patch_session(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        event_id: Uuid,
        id: Uuid,
        p: SessionPatch,
    ) -> Result<SessionView> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let event = editable_event(&tx, actor, event_id).await?;
        let s =
            repo::sessions::by_id_for_update(&tx, event_id, id).await?.ok_or_else(|| Error::not_found("session"))?;
        let status = match p.status {
            Some(to) if to != status_of(&s) => status_of(&s).transition(to)?,
            _ => status_of(&s),
        };
        let venue = p.venue.map(ShortText::into_inner).unwrap_or_else(|| s.venue.clone());
        let starts = p.starts_at.unwrap_or(s.starts_at);
        let ends = p.ends_at.unwrap_or(s.ends_at);
        let capacity = p.capacity.unwrap_or(s.capacity.max(0) as u32);
        let placement_changed =
            venue != s.venue || starts != s.starts_at || ends != s.ends_at || capacity != s.capacity.max(0) as u32;
        // Reviving a cancelled session is impossible (the machine forbids it),
        // so only a change of place or time needs the placement rules.
        if placement_changed && status != SessionStatus::Cancelled {
            check_placement(&tx, &event, &Placement { venue: &venue, starts, ends, capacity }, Some(s.id)).await?;
        }
        let mut am: sessions::ActiveModel = s.into();
        if let Some(v) = p.title {
            am.title = Set(v.into_inner());
        }
        if let Some(v) = p.presenter {
            am.presenter = Set(v.into_inner());
        }
        am.venue = Set(venue);
        am.starts_at = Set(starts);
        am.ends_at = Set(ends);
        am.capacity = Set(capacity as i32);
        let cancelling = status == SessionStatus::Cancelled && am.status.as_ref() != SessionStatus::Cancelled.as_str();
        am.status = Set(status.as_str().to_owned());
        am.updated_at = Set(now());
        let s = am.update(&*tx).await.map_err(map_write_err)?;
        if cancelling {
            cancel_cascade(&tx, s.id).await?;
        }
        self.commit_and_publish(tx).await?;
        self.listings_changed(tenant_id).await;
        Ok(s.into())
    }

    pub async fn delete_session(&self, actor: &Actor, tenant_id: Uuid, event_id: Uuid, id: Uuid) -> Result<()> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        editable_event(&tx, actor, event_id).await?;
        let s =
            repo::sessions::by_id_for_update(&tx, event_id, id).await?.ok_or_else(|| Error::not_found("session"))?;
        let now = now();
        let mut am: sessions::ActiveModel = s.into();
        am.deleted_at = Set(Some(now));
        am.updated_at = Set(now);
        am.update(&*tx).await?;
        tx.commit().await?;
        self.listings_changed(tenant_id).await;
        Ok(())
    }
}

/// The sessions among `ids` the actor may see (their events visible), in
/// two queries whatever their number: batch loads (GraphQL DataLoaders).
pub(crate) async fn visible_sessions(
    tx: &TenantTx,
    actor: Option<&Actor>,
    ids: &[Uuid],
) -> Result<Vec<sessions::Model>> {
    let mut list = repo::sessions::by_ids(tx, ids).await?;
    let mut event_ids: Vec<Uuid> = list.iter().map(|s| s.event_id).collect();
    event_ids.sort_unstable();
    event_ids.dedup();
    let visible: std::collections::HashSet<Uuid> =
        visible_events(tx, actor, &event_ids).await?.into_iter().map(|e| e.id).collect();
    list.retain(|s| visible.contains(&s.event_id));
    Ok(list)
}

/// A session the actor may see, with its event (404 when either is hidden).
pub(crate) async fn visible_session(
    tx: &TenantTx,
    actor: Option<&Actor>,
    session_id: Uuid,
) -> Result<(events::Model, sessions::Model)> {
    match repo::sessions::with_event(tx, session_id).await? {
        Some((s, e)) if may_see(actor, &e) => Ok((e, s)),
        _ => Err(Error::not_found("session")),
    }
}

/// A session whose event the actor may change.
pub(crate) async fn editable_session(
    tx: &TenantTx,
    actor: &Actor,
    session_id: Uuid,
) -> Result<(events::Model, sessions::Model)> {
    let s = repo::sessions::find(tx, session_id).await?.ok_or_else(|| Error::not_found("session"))?;
    let e = editable_event(tx, actor, s.event_id).await?;
    Ok((e, s))
}

/// A cancelled session takes its sales with it, in the same transaction:
/// active holds are released, pending orders cancelled, paid orders'
/// tickets voided (refunds come with the payments work), registrations
/// cancelled.
async fn cancel_cascade(tx: &TenantTx, session_id: Uuid) -> Result<()> {
    use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
    use taquilla_store::outbox::{self, kind};
    #[derive(FromQueryResult)]
    struct Id {
        id: Uuid,
    }
    let q = |sql: &str| Statement::from_sql_and_values(DbBackend::Postgres, sql, [session_id.into()]);
    // Those it affects, named in the event (their tickets and places go now).
    let affected =
        Id::find_by_statement(q("SELECT owner_id AS id FROM tickets WHERE session_id = $1 AND status = 'active' \
         UNION SELECT user_id FROM registrations WHERE session_id = $1 AND status <> 'cancelled'"))
        .all(&**tx)
        .await?;
    let holds = Id::find_by_statement(q(
        "UPDATE holds SET status = 'released', updated_at = now() WHERE session_id = $1 AND status = 'active' RETURNING id",
    ))
    .all(&**tx)
    .await?;
    let pending = Id::find_by_statement(q(
        "UPDATE orders SET status = 'cancelled', updated_at = now() WHERE session_id = $1 AND status = 'pending' RETURNING hold_id AS id",
    ))
    .all(&**tx)
    .await?;
    let released: Vec<Uuid> = holds.iter().chain(pending.iter()).map(|h| h.id).collect();
    crate::holds::release(tx, &released).await?;
    crate::orders::void_tickets(tx, "session_id = $1", session_id).await?;
    tx.execute_raw(q(
        "UPDATE orders SET status = 'cancelled', updated_at = now() WHERE session_id = $1 AND status = 'paid'",
    ))
    .await?;
    tx.execute_raw(q(
        "UPDATE registrations SET status = 'cancelled', updated_at = now() WHERE session_id = $1 AND status <> 'cancelled'",
    ))
    .await?;
    let user_ids: Vec<Uuid> = affected.iter().map(|a| a.id).collect();
    outbox::emit(
        tx,
        kind::SESSION_CANCELLED,
        session_id,
        serde_json::json!({ "session_id": session_id, "user_ids": user_ids }),
    )
    .await
}

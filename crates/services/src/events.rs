//! Events: create, read, replace, patch, soft-delete, list and search.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Deserializer};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::roles::{Actor, Permission};
use taquilla_core::status::EventStatus;
use taquilla_core::text::{Category, HttpUrl, LongText, ShortText, TimeZone, Title};
use taquilla_core::{Error, Result};
use taquilla_store::entity::{events, sessions};
use taquilla_store::repo::events::EventFilter;
use taquilla_store::{repo, TenantTx};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::views::EventView;
use crate::{now, App};

/// A whole event: the body of `POST` and `PUT`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    pub title: Title,
    #[serde(default)]
    pub description: Option<LongText>,
    pub category: Category,
    #[serde(default)]
    pub venue: Option<ShortText>,
    #[serde(default)]
    pub image_url: Option<HttpUrl>,
    /// Defaults to `draft`.
    #[serde(default)]
    pub status: Option<EventStatus>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub timezone: TimeZone,
}

/// Some fields of an event: the body of `PATCH`. `image_url: null` removes the image.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventPatch {
    pub title: Option<Title>,
    pub description: Option<LongText>,
    pub category: Option<Category>,
    pub venue: Option<ShortText>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub image_url: Option<Option<HttpUrl>>,
    pub status: Option<EventStatus>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub timezone: Option<TimeZone>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Default, Clone)]
pub struct EventQuery {
    pub category: Option<Category>,
    pub status: Option<EventStatus>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl EventQuery {
    fn filter(&self, actor: Option<&Actor>) -> EventFilter {
        EventFilter {
            category: self.category.as_ref().map(|c| c.as_str().to_owned()),
            status: self.status.map(|s| s.as_str().to_owned()),
            from: self.from,
            to: self.to,
            include_unpublished: actor.is_some_and(|a| a.can(Permission::ViewAllEvents)),
        }
    }

    fn validate(&self) -> Result<()> {
        if let (Some(f), Some(t)) = (self.from, self.to) {
            if t <= f {
                return Err(Error::validation("to", "before_from", "must be after `from`"));
            }
        }
        Ok(())
    }
}

#[track_caller]
pub(crate) fn check_dates(starts: DateTime<Utc>, ends: DateTime<Utc>) -> Result<()> {
    if ends <= starts {
        return Err(Error::validation("ends_at", "before_start", "must be after starts_at"));
    }
    if ends - starts > chrono::Duration::days(731) {
        return Err(Error::validation("ends_at", "too_long", "an event may last at most two years"));
    }
    Ok(())
}

/// Sessions must stay inside their event: moving the event may not strand one.
async fn check_sessions_fit(tx: &TenantTx, event_id: Uuid, starts: DateTime<Utc>, ends: DateTime<Utc>) -> Result<()> {
    if let Some((first, last)) = repo::sessions::span(tx, event_id).await? {
        if first < starts || last > ends {
            return Err(Error::conflict(
                "sessions_outside_event",
                "the event's sessions would fall outside its new dates",
            )
            .with_field(if first < starts { "starts_at" } else { "ends_at" })
            .with_extra(serde_json::json!({ "sessions_start": first, "sessions_end": last })));
        }
    }
    Ok(())
}

/// Loads an event the actor may see. Unpublished events are invisible (404)
/// to those who cannot manage events.
pub(crate) async fn visible_event(tx: &TenantTx, actor: Option<&Actor>, id: Uuid) -> Result<events::Model> {
    let e = repo::events::by_id(tx, id).await?.ok_or_else(|| Error::not_found("event"))?;
    if !may_see(actor, &e) {
        return Err(Error::not_found("event"));
    }
    Ok(e)
}

/// Whether the actor may see the event: published ones everybody, the
/// others only those who may view all events.
pub(crate) fn may_see(actor: Option<&Actor>, e: &events::Model) -> bool {
    e.status == EventStatus::Published.as_str() || actor.is_some_and(|a| a.can(Permission::ViewAllEvents))
}

/// The events among `ids` the actor may see (one query; batch loads).
pub(crate) async fn visible_events(tx: &TenantTx, actor: Option<&Actor>, ids: &[Uuid]) -> Result<Vec<events::Model>> {
    let mut list = repo::events::by_ids(tx, ids).await?;
    list.retain(|e| may_see(actor, e));
    Ok(list)
}

/// Loads an event the actor may change: admins any, organizers their own.
pub(crate) async fn editable_event(tx: &TenantTx, actor: &Actor, id: Uuid) -> Result<events::Model> {
    let e = visible_event(tx, Some(actor), id).await?;
    actor.require_owner_or(Permission::ManageAnyEvent, Permission::ManageOwnEvent, Some(e.owner_id))?;
    Ok(e)
}

fn event_status(m: &events::Model) -> EventStatus {
    EventStatus::parse(&m.status).unwrap_or(EventStatus::Draft)
}

impl App {
    pub async fn create_event(&self, actor: &Actor, tenant_id: Uuid, input: EventInput) -> Result<EventView> {
        actor.require(Permission::CreateEvent)?;
        check_dates(input.starts_at, input.ends_at)?;
        let now = now();
        let tx = self.store.tenant_tx(tenant_id).await?;
        let e = events::ActiveModel {
            id: Set(Uuid::now_v7()),
            owner_id: Set(actor.user_id),
            title: Set(input.title.into_inner()),
            description: Set(input.description.map(LongText::into_inner).unwrap_or_default()),
            category: Set(input.category.into_inner()),
            venue: Set(input.venue.map(ShortText::into_inner).unwrap_or_default()),
            image_url: Set(input.image_url.map(HttpUrl::into_inner)),
            status: Set(input.status.unwrap_or(EventStatus::Draft).as_str().to_owned()),
            starts_at: Set(input.starts_at),
            ends_at: Set(input.ends_at),
            timezone: Set(input.timezone.into_inner()),
            created_at: Set(now),
            updated_at: Set(now),
            deleted_at: Set(None),
        }
        .insert(&*tx)
        .await?;
        tx.commit().await?;
        self.listings_changed(tenant_id).await;
        Ok(e.into())
    }

    pub async fn get_event(&self, actor: Option<&Actor>, tenant_id: Uuid, id: Uuid) -> Result<EventView> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let e = visible_event(&tx, actor, id).await?;
        tx.commit().await?;
        Ok(e.into())
    }

    pub async fn list_events(
        &self,
        actor: Option<&Actor>,
        tenant_id: Uuid,
        q: &EventQuery,
        page: PageRequest,
    ) -> Result<Page<EventView>> {
        q.validate()?;
        let filter = q.filter(actor);
        let key = crate::search::listing_key(None, &filter, page);
        self.cached_listing(tenant_id, &key, || async move {
            let tx = self.store.tenant_tx(tenant_id).await?;
            let page = repo::events::list(&tx, &filter, page).await?;
            tx.commit().await?;
            Ok(page.map(EventView::from))
        })
        .await
    }

    pub async fn search_events(
        &self,
        actor: Option<&Actor>,
        tenant_id: Uuid,
        text: &str,
        q: &EventQuery,
        page: PageRequest,
    ) -> Result<Page<EventView>> {
        q.validate()?;
        if text.chars().count() > 200 {
            return Err(Error::validation("q", "too_long", "must be at most 200 characters"));
        }
        let tsquery = repo::events::prefix_tsquery(text)
            .ok_or_else(|| Error::validation("q", "empty_query", "must contain at least one letter or digit"))?;
        let filter = q.filter(actor);
        let key = crate::search::listing_key(Some(&tsquery), &filter, page);
        self.cached_listing(tenant_id, &key, || async move {
            let tx = self.store.tenant_tx(tenant_id).await?;
            let page = repo::events::search(&tx, &tsquery, &filter, page).await?;
            tx.commit().await?;
            Ok(page.map(EventView::from))
        })
        .await
    }

    /// `PUT`: every field is replaced; optional fields left out are cleared.
    pub async fn replace_event(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        id: Uuid,
        input: EventInput,
    ) -> Result<EventView> {
        check_dates(input.starts_at, input.ends_at)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let e = editable_event(&tx, actor, id).await?;
        let status = match input.status {
            Some(s) => event_status(&e).transition(s)?,
            None => event_status(&e),
        };
        check_sessions_fit(&tx, id, input.starts_at, input.ends_at).await?;
        let mut am: events::ActiveModel = e.into();
        am.title = Set(input.title.into_inner());
        am.description = Set(input.description.map(LongText::into_inner).unwrap_or_default());
        am.category = Set(input.category.into_inner());
        am.venue = Set(input.venue.map(ShortText::into_inner).unwrap_or_default());
        am.image_url = Set(input.image_url.map(HttpUrl::into_inner));
        am.status = Set(status.as_str().to_owned());
        am.starts_at = Set(input.starts_at);
        am.ends_at = Set(input.ends_at);
        am.timezone = Set(input.timezone.into_inner());
        am.updated_at = Set(now());
        let e = am.update(&*tx).await?;
        tx.commit().await?;
        self.listings_changed(tenant_id).await;
        Ok(e.into())
    }

    pub async fn patch_event(&self, actor: &Actor, tenant_id: Uuid, id: Uuid, p: EventPatch) -> Result<EventView> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let e = editable_event(&tx, actor, id).await?;
        let starts = p.starts_at.unwrap_or(e.starts_at);
        let ends = p.ends_at.unwrap_or(e.ends_at);
        if p.starts_at.is_some() || p.ends_at.is_some() {
            check_dates(starts, ends)?;
            check_sessions_fit(&tx, id, starts, ends).await?;
        }
        if let Some(s) = p.status {
            event_status(&e).transition(s)?;
        }
        let mut am: events::ActiveModel = e.into();
        if let Some(v) = p.title {
            am.title = Set(v.into_inner());
        }
        if let Some(v) = p.description {
            am.description = Set(v.into_inner());
        }
        if let Some(v) = p.category {
            am.category = Set(v.into_inner());
        }
        if let Some(v) = p.venue {
            am.venue = Set(v.into_inner());
        }
        if let Some(v) = p.image_url {
            am.image_url = Set(v.map(HttpUrl::into_inner));
        }
        if let Some(v) = p.status {
            am.status = Set(v.as_str().to_owned());
        }
        if let Some(v) = p.timezone {
            am.timezone = Set(v.into_inner());
        }
        am.starts_at = Set(starts);
        am.ends_at = Set(ends);
        am.updated_at = Set(now());
        let e = am.update(&*tx).await?;
        tx.commit().await?;
        self.listings_changed(tenant_id).await;
        Ok(e.into())
    }

    /// Soft delete: the event and its sessions disappear from every read but
    /// stay in the database for audit and accounting.
    pub async fn delete_event(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<()> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let e = editable_event(&tx, actor, id).await?;
        let now = now();
        sessions::Entity::update_many()
            .col_expr(sessions::Column::DeletedAt, sea_orm::sea_query::Expr::value(now))
            .filter(sessions::Column::EventId.eq(e.id))
            .filter(sessions::Column::DeletedAt.is_null())
            .exec(&*tx)
            .await?;
        let mut am: events::ActiveModel = e.into();
        am.deleted_at = Set(Some(now));
        am.updated_at = Set(now);
        am.update(&*tx).await?;
        tx.commit().await?;
        self.listings_changed(tenant_id).await;
        Ok(())
    }
}

//! Queries. Each resolver is one service call (the same one the REST route
//! makes); nested lists go through DataLoaders.

use async_graphql::{Context, Object};
use taquilla_core::text::Category;
use taquilla_core::Error;
use taquilla_services::events::EventQuery;
use uuid::Uuid;

use crate::connection::{connection, window, Conn};
use crate::context::{app, caller, prefetch_events};
use crate::error::{to_gql, Args, GqlResult, ResultExt};
use crate::fast::{Fast, FastConn};
use crate::inputs::EventFilter;
use crate::types::*;

/// The schema's `Query` type: the core fields and the pricing ones.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(CoreQuery, crate::pricing::PricingQuery);

#[derive(Default)]
pub struct CoreQuery;

fn event_query(filter: Option<EventFilter>) -> GqlResult<EventQuery> {
    let f = filter.unwrap_or_default();
    let category = match f.category {
        None => None,
        Some(c) => Some(
            Category::parse(c).map_err(|m| to_gql(&Error::validation("category", "invalid", m), Args::In("filter")))?,
        ),
    };
    Ok(EventQuery { category, status: f.status.map(Into::into), from: f.from, to: f.to })
}

/// Event listing errors name `search` for REST's `q`, `filter.*` for filters.
const EVENT_ARGS: Args<'static> = Args::Renamed(&[
    ("q", "search"),
    ("from", "filter.from"),
    ("to", "filter.to"),
    ("limit", "first"),
    ("offset", "after"),
]);

#[Object]
impl CoreQuery {
    /// The caller's own profile.
    async fn me(&self, ctx: &Context<'_>) -> GqlResult<User> {
        let (_, actor) = caller(ctx)?.authed()?;
        Ok(app(ctx)?.me(actor).await.gql()?.into())
    }

    /// Events of the tenant, soonest first, or best match first with
    /// `search` (prefix full-text: `roc` finds "Rockfest"). Without a
    /// credential that may see drafts, published events only.
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventFilter>,
        search: Option<String>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the edge to continue after.")] after: Option<String>,
    ) -> GqlResult<FastConn<Event>> {
        let c = caller(ctx)?;
        let tenant = c.tenant()?;
        let page = window(first, after.as_deref())?;
        let q = event_query(filter)?;
        let app = app(ctx)?;
        let result = match &search {
            Some(text) => app.search_events(c.actor.as_ref(), tenant.id, text, &q, page).await,
            None => app.list_events(c.actor.as_ref(), tenant.id, &q, page).await,
        }
        .gql_args(EVENT_ARGS)?;
        let ids: Vec<Uuid> = result.items.iter().map(|e| e.id).collect();
        let look = ctx.look_ahead();
        prefetch_events(ctx, &[look.field("edges").field("node"), look.field("nodes")], &ids).await?;
        Ok(FastConn(connection(result, page, |e| Fast(e.into()))))
    }

    /// One event (drafts only for those who may see them).
    async fn event(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Option<Event>> {
        let c = caller(ctx)?;
        let tenant = c.tenant()?;
        let event = app(ctx)?.get_event(c.actor.as_ref(), tenant.id, id).await.gql()?;
        prefetch_events(ctx, &[ctx.look_ahead()], &[event.id]).await?;
        Ok(Some(event.into()))
    }

    /// One session of an event.
    async fn session(&self, ctx: &Context<'_>, event_id: Uuid, id: Uuid) -> GqlResult<Option<Session>> {
        let c = caller(ctx)?;
        let tenant = c.tenant()?;
        Ok(Some(app(ctx)?.get_session(c.actor.as_ref(), tenant.id, event_id, id).await.gql()?.into()))
    }

    /// One ticket type with its availability.
    async fn ticket_type(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Option<TicketType>> {
        let c = caller(ctx)?;
        let tenant = c.tenant()?;
        Ok(Some(app(ctx)?.get_ticket_type(c.actor.as_ref(), tenant.id, id).await.gql()?.into()))
    }

    /// The caller's tickets, newest first, each with its QR token.
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn my_tickets(
        &self,
        ctx: &Context<'_>,
        status: Option<TicketStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Conn<Ticket>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let page = window(first, after.as_deref())?;
        let list = app(ctx)?.my_tickets(actor, tenant.id, status.map(Into::into), page).await.gql()?;
        Ok(connection(list, page, Ticket::from))
    }

    /// One ticket: its owner's, or any for staff, organizers and admins.
    async fn ticket(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Option<Ticket>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(Some(app(ctx)?.get_ticket(actor, tenant.id, id).await.gql()?.into()))
    }

    /// Sessions the caller is registered for or holds tickets to.
    async fn my_events(&self, ctx: &Context<'_>) -> GqlResult<Vec<UserEvent>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(app(ctx)?.my_events(actor, tenant.id).await.gql()?.into_iter().map(Into::into).collect())
    }

    /// The caller's live registration for a session, with its waitlist place.
    async fn my_registration(
        &self,
        ctx: &Context<'_>,
        event_id: Uuid,
        session_id: Uuid,
    ) -> GqlResult<Option<Registration>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(Some(app(ctx)?.my_registration(actor, tenant.id, event_id, session_id).await.gql()?.into()))
    }

    /// One of the caller's holds.
    async fn hold(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Option<Hold>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(Some(app(ctx)?.get_hold(actor, tenant.id, id).await.gql()?.into()))
    }

    /// An order: its buyer's, or any for those who confirm payments.
    async fn order(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Option<Order>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(Some(app(ctx)?.get_order(actor, tenant.id, id).await.gql()?.into()))
    }

    /// A session's attendance: registrations and ticket holders.
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn attendees(
        &self,
        ctx: &Context<'_>,
        session_id: Uuid,
        status: Option<AttendeeStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Conn<Attendee>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let page = window(first, after.as_deref())?;
        let list =
            app(ctx)?.session_attendees(actor, tenant.id, session_id, status.map(Into::into), page).await.gql()?;
        Ok(connection(list, page, Attendee::from))
    }

    /// Sold and checked-in counts of a session, per ticket type and gate.
    async fn checkin_stats(&self, ctx: &Context<'_>, session_id: Uuid) -> GqlResult<Option<CheckInStats>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(Some(app(ctx)?.checkin_stats(actor, tenant.id, session_id).await.gql()?.into()))
    }

    /// Active resale listings, soonest session first.
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn resale_listings(
        &self,
        ctx: &Context<'_>,
        session_id: Option<Uuid>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Conn<Listing>> {
        let tenant = caller(ctx)?.tenant()?;
        let page = window(first, after.as_deref())?;
        let list = app(ctx)?.browse_resale(tenant.id, session_id, page).await.gql()?;
        Ok(connection(list, page, Listing::from))
    }

    /// Users of the caller's tenant (tenant admins).
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        role: Option<Role>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Conn<User>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let page = window(first, after.as_deref())?;
        let list = app(ctx)?.list_users(actor, tenant.id, role.map(Into::into), page).await.gql()?;
        Ok(connection(list, page, User::from))
    }

    /// Hold time and resale cap of the caller's tenant (tenant admins).
    async fn tenant_settings(&self, ctx: &Context<'_>) -> GqlResult<TenantSettings> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(app(ctx)?.tenant_settings(actor, tenant.id).await.gql()?.into())
    }

    /// Every e-mail and SMS of the tenant, newest first (tenant admins).
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An e-mail address or phone number, exactly.")] recipient: Option<String>,
        status: Option<NotificationStatus>,
        channel: Option<NotificationChannel>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Conn<Notification>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let page = window(first, after.as_deref())?;
        let filter = taquilla_services::notifications::NotificationFilter {
            recipient,
            status: status.map(Into::into),
            channel: channel.map(Into::into),
        };
        let list = app(ctx)?.list_notifications(actor, tenant.id, filter, page).await.gql()?;
        Ok(connection(list, page, Notification::from))
    }

    /// Every tenant (platform admins; send no `X-Tenant`).
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn tenants(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> GqlResult<Conn<Tenant>> {
        let actor = caller(ctx)?.actor()?;
        let page = window(first, after.as_deref())?;
        let list = app(ctx)?.list_tenants(actor, page).await.gql()?;
        Ok(connection(list, page, Tenant::from))
    }

    /// The users of one tenant (platform admins; send no `X-Tenant`).
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn tenant_users(
        &self,
        ctx: &Context<'_>,
        tenant_id: Uuid,
        role: Option<Role>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Conn<User>> {
        let actor = caller(ctx)?.actor()?;
        let page = window(first, after.as_deref())?;
        let app = app(ctx)?;
        let t = app.get_tenant(actor, tenant_id).await.gql()?;
        let list = app.list_users(actor, t.id, role.map(Into::into), page).await.gql()?;
        Ok(connection(list, page, User::from))
    }
}

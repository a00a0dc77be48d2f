//! Mutations: everything the REST API can change, each one service call
//! (the one its REST route makes) with the same permission checks inside.
//! Inputs go through the REST body types (see `parse_input`), so a rule
//! that changes in a service changes in both APIs.

use async_graphql::{Context, Object};
use taquilla_core::settings::TenantSettings as CoreSettings;
use taquilla_services as svc;
use taquilla_store::entity::tenants;
use uuid::Uuid;

use crate::context::{app, caller};
use crate::error::{parse_input, parse_with, Args, GqlResult, ResultExt};
use crate::inputs::*;
use crate::types::*;

/// The schema's `Mutation` type: the core fields and the pricing ones.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(CoreMutation, crate::pricing::PricingMutation);

#[derive(Default)]
pub struct CoreMutation;

fn settings(t: &tenants::Model) -> CoreSettings {
    CoreSettings::from_json(&t.settings)
}

#[Object]
impl CoreMutation {
    // ---- events ----

    /// Creates an event owned by the caller (organizers, tenant admins).
    async fn create_event(&self, ctx: &Context<'_>, input: EventInput) -> GqlResult<Event> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let body = parse_input("input", &input)?;
        Ok(app(ctx)?.create_event(actor, tenant.id, body).await.gql_in("input")?.into())
    }

    /// Changes some fields of an event (its owner, or tenant admins).
    async fn update_event(&self, ctx: &Context<'_>, id: Uuid, input: EventPatchInput) -> GqlResult<Event> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let patch = parse_input("input", &input)?;
        Ok(app(ctx)?.patch_event(actor, tenant.id, id, patch).await.gql_in("input")?.into())
    }

    /// Soft-deletes an event and its sessions.
    async fn delete_event(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<bool> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        app(ctx)?.delete_event(actor, tenant.id, id).await.gql()?;
        Ok(true)
    }

    // ---- sessions ----

    async fn create_session(&self, ctx: &Context<'_>, event_id: Uuid, input: SessionInput) -> GqlResult<Session> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let body = parse_input("input", &input)?;
        Ok(app(ctx)?.create_session(actor, tenant.id, event_id, body).await.gql_in("input")?.into())
    }

    /// Changes a session, including its status (illegal transitions are
    /// `illegal_transition`; cancelling releases holds, orders, tickets and
    /// registrations).
    async fn update_session(
        &self,
        ctx: &Context<'_>,
        event_id: Uuid,
        id: Uuid,
        input: SessionPatchInput,
    ) -> GqlResult<Session> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let patch = parse_input("input", &input)?;
        Ok(app(ctx)?.patch_session(actor, tenant.id, event_id, id, patch).await.gql_in("input")?.into())
    }

    async fn delete_session(&self, ctx: &Context<'_>, event_id: Uuid, id: Uuid) -> GqlResult<bool> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        app(ctx)?.delete_session(actor, tenant.id, event_id, id).await.gql()?;
        Ok(true)
    }

    // ---- ticket types and seat maps ----

    async fn create_ticket_type(
        &self,
        ctx: &Context<'_>,
        session_id: Uuid,
        input: TicketTypeInput,
    ) -> GqlResult<TicketType> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let body = parse_input("input", &input)?;
        Ok(app(ctx)?.create_ticket_type(actor, tenant.id, session_id, body).await.gql_in("input")?.into())
    }

    async fn update_ticket_type(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        input: TicketTypePatchInput,
    ) -> GqlResult<TicketType> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let patch = parse_input("input", &input)?;
        Ok(app(ctx)?.patch_ticket_type(actor, tenant.id, id, patch).await.gql_in("input")?.into())
    }

    async fn delete_ticket_type(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<bool> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        app(ctx)?.delete_ticket_type(actor, tenant.id, id).await.gql()?;
        Ok(true)
    }

    /// Replaces the seat map of a seated section; its capacity becomes the
    /// number of seats. Refused once a seat is held or sold.
    async fn upload_seat_map(
        &self,
        ctx: &Context<'_>,
        ticket_type_id: Uuid,
        seats: Vec<SeatInput>,
    ) -> GqlResult<Vec<Seat>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        // The service's field paths are `seats[i].…`: they already name the argument.
        let map: svc::ticket_types::SeatMapInput = parse_with(Args::Top, &SeatMapBody { seats: &seats })?;
        let list = app(ctx)?.upload_seat_map(actor, tenant.id, ticket_type_id, map).await.gql()?;
        Ok(list.into_iter().map(Seat::from).collect())
    }

    // ---- holds and orders ----

    /// Reserves seats or quantities for the tenant's hold time. All or nothing.
    async fn create_hold(&self, ctx: &Context<'_>, input: HoldInput) -> GqlResult<Hold> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let body = parse_input("input", &input)?;
        Ok(app(ctx)?.create_hold(actor, tenant.id, &settings(tenant), body).await.gql_in("input")?.into())
    }

    /// Gives a hold's stock back at once.
    async fn release_hold(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<bool> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        app(ctx)?.release_hold(actor, tenant.id, id).await.gql()?;
        Ok(true)
    }

    /// Places an order from a hold or from items. With an `idempotencyKey`
    /// a retry returns the first order (`replayed: true`) instead of buying
    /// again; the same key with a different input is `idempotency_key_reused`.
    async fn place_order(
        &self,
        ctx: &Context<'_>,
        input: OrderInput,
        idempotency_key: Option<String>,
    ) -> GqlResult<PlaceOrderPayload> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let key = idempotency_key.as_deref().map(svc::orders::IdempotencyKey::parse).transpose().gql()?;
        let body = parse_input("input", &input)?;
        let (order, created) =
            app(ctx)?.place_order(actor, tenant.id, &settings(tenant), body, key).await.gql_in("input")?;
        Ok(PlaceOrderPayload { order: order.into(), replayed: !created })
    }

    /// Buys tickets of one section of one of the event's sessions in one call
    /// (the simplest `placeOrder`; REST's `POST /events/{id}/tickets`).
    async fn buy_tickets(
        &self,
        ctx: &Context<'_>,
        event_id: Uuid,
        input: BuyTicketsInput,
        idempotency_key: Option<String>,
    ) -> GqlResult<PlaceOrderPayload> {
        // The service sees a one-item cart: its paths name `items[0]`.
        const ARGS: Args<'static> = Args::Renamed(&[
            ("session_id", "input.sessionId"),
            ("items", "input"),
            ("items[0].ticket_type_id", "input.ticketTypeId"),
            ("items[0].quantity", "input.quantity"),
            ("items[0].seat_ids", "input.seatIds"),
        ]);
        let (tenant, actor) = caller(ctx)?.authed()?;
        let key = idempotency_key.as_deref().map(svc::orders::IdempotencyKey::parse).transpose().gql()?;
        let b: BuyTickets = parse_input("input", &input)?;
        let item =
            svc::holds::ItemInput { ticket_type_id: b.ticket_type_id, quantity: b.quantity, seat_ids: b.seat_ids };
        let (order, created) = app(ctx)?
            .buy_tickets(actor, tenant.id, &settings(tenant), (event_id, b.session_id), item, key)
            .await
            .gql_args(ARGS)?;
        Ok(PlaceOrderPayload { order: order.into(), replayed: !created })
    }

    /// Cancels a pending order (stock returns) or a paid free one (tickets voided).
    async fn cancel_order(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Order> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(app(ctx)?.cancel_order(actor, tenant.id, id).await.gql()?.into())
    }

    /// Confirms a manual payment (the buyer, or those who confirm payments); tickets are issued.
    async fn pay_order(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Order> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(app(ctx)?.pay_order(actor, tenant.id, id).await.gql()?.into())
    }

    // ---- notifications ----

    /// Sends an announcement to everyone attending a session (the organizer
    /// of its event, or tenant admins); queued at once.
    async fn send_announcement(&self, ctx: &Context<'_>, input: AnnouncementInput) -> GqlResult<Announcement> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let body = parse_input("input", &input)?;
        Ok(app(ctx)?.send_announcement(actor, tenant.id, body).await.gql_in("input")?.into())
    }

    // ---- check-in ----

    /// Admits a ticket at the door: `already_used` names when and where.
    async fn check_in(&self, ctx: &Context<'_>, input: CheckInInput) -> GqlResult<CheckInResult> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let b: svc::checkin::CheckInInput = parse_input("input", &input)?;
        let r = app(ctx)?.check_in(actor, tenant.id, &b.token, Some(b.gate), b.session_id).await.gql_in("input")?;
        Ok(r.into())
    }

    // ---- registrations ----

    /// Registers the caller for a free session: confirmed, or waitlisted when full.
    async fn register(&self, ctx: &Context<'_>, event_id: Uuid, session_id: Uuid) -> GqlResult<Registration> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(app(ctx)?.register_for_session(actor, tenant.id, event_id, session_id).await.gql()?.into())
    }

    /// Cancels the caller's registration; a freed place goes to the waitlist.
    async fn cancel_registration(
        &self,
        ctx: &Context<'_>,
        event_id: Uuid,
        session_id: Uuid,
    ) -> GqlResult<Registration> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(app(ctx)?.cancel_registration(actor, tenant.id, event_id, session_id).await.gql()?.into())
    }

    // ---- resale ----

    /// Lists one of the caller's tickets for resale, under the tenant's price cap.
    async fn list_ticket_for_resale(&self, ctx: &Context<'_>, ticket_id: Uuid, price_minor: i64) -> GqlResult<Listing> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let input = svc::resale::ListingInput { price_minor };
        Ok(app(ctx)?.list_ticket_for_resale(actor, tenant.id, &settings(tenant), ticket_id, input).await.gql()?.into())
    }

    /// Buys a listing: the seller's ticket is voided, a new one issued to the caller.
    async fn buy_resale(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Listing> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(app(ctx)?.buy_resale(actor, tenant.id, id).await.gql()?.into())
    }

    async fn withdraw_listing(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Listing> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(app(ctx)?.withdraw_listing(actor, tenant.id, id).await.gql()?.into())
    }

    // ---- users ----

    /// Changes the caller's own profile (and password, with the current one).
    async fn update_me(&self, ctx: &Context<'_>, input: ProfileInput) -> GqlResult<User> {
        let (_, actor) = caller(ctx)?.authed()?;
        let patch = parse_input("input", &input)?;
        Ok(app(ctx)?.update_me(actor, patch).await.gql_in("input")?.into())
    }

    /// Creates a user of the tenant with any tenant role (tenant admins).
    async fn create_user(&self, ctx: &Context<'_>, input: NewUserInput) -> GqlResult<User> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let b: NewUser = parse_input("input", &input)?;
        let u = app(ctx)?
            .create_user(actor, tenant.id, b.email, b.password, b.role, b.display_name)
            .await
            .gql_in("input")?;
        Ok(u.into())
    }

    /// Changes a user's role, active flag or profile (tenant admins).
    async fn update_user(&self, ctx: &Context<'_>, id: Uuid, input: UserAdminInput) -> GqlResult<User> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let patch = parse_input("input", &input)?;
        Ok(app(ctx)?.update_user(actor, tenant.id, id, patch).await.gql_in("input")?.into())
    }

    /// Changes the tenant's settings (tenant admins): the fields given, the
    /// others keep their value (REST's `PUT /settings` replaces them all).
    async fn update_tenant_settings(&self, ctx: &Context<'_>, input: TenantSettingsInput) -> GqlResult<TenantSettings> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let app = app(ctx)?;
        let current = app.tenant_settings(actor, tenant.id).await.gql()?;
        let mut merged = serde_json::to_value(&current)
            .map_err(|e| crate::error::to_gql(&taquilla_core::Error::internal(e), crate::error::Args::Top))?;
        if let (Some(m), serde_json::Value::Object(patch)) = (
            merged.as_object_mut(),
            serde_json::to_value(&input)
                .map_err(|e| crate::error::to_gql(&taquilla_core::Error::internal(e), crate::error::Args::Top))?,
        ) {
            m.extend(patch);
        }
        let s: CoreSettings = parse_input("input", &merged)?;
        Ok(app.update_tenant_settings(actor, tenant.id, s).await.gql_in("input")?.into())
    }

    // ---- platform administration (no `X-Tenant`) ----

    /// Onboards a tenant: its schema, its tables and its first admin, atomically.
    async fn create_tenant(&self, ctx: &Context<'_>, input: NewTenantInput) -> GqlResult<CreatedTenant> {
        let actor = caller(ctx)?.actor()?;
        let b = parse_input("input", &input)?;
        Ok(app(ctx)?.create_tenant(actor, b).await.gql_in("input")?.into())
    }

    /// Renames, suspends or reactivates a tenant.
    async fn update_tenant(&self, ctx: &Context<'_>, id: Uuid, input: TenantPatchInput) -> GqlResult<Tenant> {
        let actor = caller(ctx)?.actor()?;
        let patch = parse_input("input", &input)?;
        Ok(app(ctx)?.update_tenant(actor, id, patch).await.gql_in("input")?.into())
    }

    /// Changes any tenant user's role, profile or active flag.
    async fn update_tenant_user(
        &self,
        ctx: &Context<'_>,
        tenant_id: Uuid,
        user_id: Uuid,
        input: UserAdminInput,
    ) -> GqlResult<User> {
        let actor = caller(ctx)?.actor()?;
        let patch = parse_input("input", &input)?;
        let app = app(ctx)?;
        let t = app.get_tenant(actor, tenant_id).await.gql()?;
        Ok(app.update_user(actor, t.id, user_id, patch).await.gql_in("input")?.into())
    }
}

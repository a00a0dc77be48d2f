//! Output types: the services' views, as GraphQL objects. Nested lists
//! (`Event.sessions`, `Session.ticketTypes`, `Session.seats`) resolve
//! through the request's DataLoaders, so a page of events costs the same
//! number of queries whatever its length.

use async_graphql::{ComplexObject, Context, Enum, SimpleObject};
use chrono::{DateTime, Utc};
use serde::Serialize;
use taquilla_services as svc;
use uuid::Uuid;

use crate::context::{load_list, loaders};
use crate::error::GqlResult;
use crate::fast::{leaves, Fast};

/// `impl From<View> for Object`: `plain` fields move, `into` fields convert.
macro_rules! from_view {
    ($target:ident, $src:ty, [$($f:ident),* $(,)?] $(, into [$($g:ident),* $(,)?])?) => {
        impl From<$src> for $target {
            fn from(v: $src) -> Self {
                Self { $($f: v.$f,)* $($($g: v.$g.into(),)*)? }
            }
        }
    };
}
pub(crate) use from_view;

// ---- enums (mirrors of the core ones; a new variant there fails to compile here) ----

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "taquilla_core::status::EventStatus")]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Draft,
    Published,
    Cancelled,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "taquilla_core::status::SessionStatus")]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Draft,
    Teaser,
    Presale,
    OnSale,
    InProgress,
    Finished,
    Cancelled,
    Suspended,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "taquilla_core::status::RegistrationStatus")]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    Confirmed,
    Waitlisted,
    Cancelled,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "taquilla_core::status::TenantStatus")]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    Active,
    Suspended,
}

/// Sets a tenant's request rates.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "taquilla_core::status::Plan")]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Free,
    Standard,
    Enterprise,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "taquilla_core::roles::Role")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    PlatformAdmin,
    TenantAdmin,
    Organizer,
    Staff,
    Attendee,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "taquilla_services::tickets::TicketStatus")]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Valid for entry.
    Active,
    /// Checked in.
    Used,
    /// Cancelled, refunded or replaced; its QR no longer admits.
    Void,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "taquilla_services::registrations::AttendeeSource")]
#[serde(rename_all = "snake_case")]
pub enum AttendeeSource {
    Registration,
    Ticket,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "taquilla_services::registrations::AttendeeStatus")]
#[serde(rename_all = "snake_case")]
pub enum AttendeeStatus {
    Confirmed,
    Waitlisted,
    Active,
    Used,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "taquilla_services::checkin::CheckInOutcome")]
#[serde(rename_all = "snake_case")]
pub enum CheckInOutcome {
    Admitted,
}

// ---- tenants and users ----

#[derive(SimpleObject, Clone)]
pub struct Tenant {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    pub plan: Plan,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
from_view!(Tenant, svc::views::TenantView, [id, slug, name, created_at, updated_at], into[status, plan]);

#[derive(SimpleObject, Clone)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub display_name: String,
    pub phone: Option<String>,
    pub locale: Option<String>,
    pub active: bool,
    /// A member of the tenant: pricing and coupon scripts see `buyer.is_member`.
    pub is_member: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
from_view!(
    User,
    svc::views::UserView,
    [id, email, display_name, phone, locale, active, is_member, last_login_at, created_at, updated_at],
    into[role]
);

/// A tenant just onboarded, with its first administrator.
#[derive(SimpleObject, Clone)]
pub struct CreatedTenant {
    pub tenant: Tenant,
    pub admin: User,
}
from_view!(CreatedTenant, svc::tenants::CreatedTenant, [], into [tenant, admin]);

#[derive(SimpleObject, Clone)]
pub struct TenantSettings {
    /// How long a hold (and an unpaid order) keeps its stock, in minutes.
    pub hold_minutes: u32,
    /// Resale price cap as a percentage of face value.
    pub resale_cap_percent: u32,
    /// A failing pricing script sells at base price instead of refusing the sale.
    pub pricing_script_fallback: bool,
    /// A scripted unit price is at most the base price times this.
    pub script_price_cap: u32,
}
from_view!(
    TenantSettings,
    taquilla_core::settings::TenantSettings,
    [hold_minutes, resale_cap_percent, pricing_script_fallback, script_price_cap]
);

// ---- events, sessions, sections, seats ----

#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Event {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub title: String,
    pub description: String,
    pub category: String,
    pub venue: String,
    pub image_url: Option<String>,
    pub status: EventStatus,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// IANA zone the event's local times are shown in.
    pub timezone: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
from_view!(
    Event,
    svc::views::EventView,
    [
        id,
        owner_id,
        title,
        description,
        category,
        venue,
        image_url,
        starts_at,
        ends_at,
        timezone,
        created_at,
        updated_at
    ],
    into[status]
);

leaves!(
    Event,
    [
        id => "id",
        owner_id => "ownerId",
        title => "title",
        description => "description",
        category => "category",
        venue => "venue",
        image_url => "imageUrl",
        status => "status",
        starts_at => "startsAt",
        ends_at => "endsAt",
        timezone => "timezone",
        created_at => "createdAt",
        updated_at => "updatedAt",
    ]
);

#[ComplexObject]
impl Event {
    /// The event's sessions by start time (batched across events).
    #[graphql(complexity = "2 * child_complexity")]
    async fn sessions(&self, ctx: &Context<'_>) -> GqlResult<Vec<Fast<Session>>> {
        let list = load_list(&loaders(ctx)?.sessions, self.id).await?;
        Ok(list.into_iter().map(|s| Fast(s.into())).collect())
    }
}

#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Session {
    pub id: Uuid,
    pub event_id: Uuid,
    pub title: String,
    pub presenter: String,
    pub venue: String,
    pub status: SessionStatus,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
from_view!(
    Session,
    svc::views::SessionView,
    [id, event_id, title, presenter, venue, starts_at, ends_at, capacity, created_at, updated_at],
    into[status]
);

leaves!(
    Session,
    [
        id => "id",
        event_id => "eventId",
        title => "title",
        presenter => "presenter",
        venue => "venue",
        status => "status",
        starts_at => "startsAt",
        ends_at => "endsAt",
        capacity => "capacity",
        created_at => "createdAt",
        updated_at => "updatedAt",
    ]
);

#[ComplexObject]
impl Session {
    /// Sections on sale for this session, with live availability (batched across sessions).
    #[graphql(complexity = "2 * child_complexity")]
    async fn ticket_types(&self, ctx: &Context<'_>) -> GqlResult<Vec<Fast<TicketType>>> {
        let list = load_list(&loaders(ctx)?.ticket_types, self.id).await?;
        Ok(list.into_iter().map(|t| Fast(t.into())).collect())
    }

    /// Every seat of the session's seat maps with its state (batched across sessions).
    #[graphql(complexity = "10 * child_complexity")]
    async fn seats(&self, ctx: &Context<'_>) -> GqlResult<Vec<Seat>> {
        let list = load_list(&loaders(ctx)?.seats, self.id).await?;
        Ok(list.into_iter().map(Seat::from).collect())
    }
}

/// A section / ticket type. `available = capacity - sold - held`.
#[derive(SimpleObject, Clone)]
pub struct TicketType {
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
from_view!(
    TicketType,
    svc::ticket_types::TicketTypeView,
    [
        id,
        session_id,
        name,
        price_minor,
        currency,
        capacity,
        sold,
        held,
        available,
        sales_opens_at,
        sales_closes_at,
        min_per_order,
        max_per_order,
        seated,
        created_at,
        updated_at
    ]
);
leaves!(
    TicketType,
    [
        id => "id",
        session_id => "sessionId",
        name => "name",
        price_minor => "priceMinor",
        currency => "currency",
        capacity => "capacity",
        sold => "sold",
        held => "held",
        available => "available",
        sales_opens_at => "salesOpensAt",
        sales_closes_at => "salesClosesAt",
        min_per_order => "minPerOrder",
        max_per_order => "maxPerOrder",
        seated => "seated",
        created_at => "createdAt",
        updated_at => "updatedAt",
    ]
);

#[derive(SimpleObject, Clone)]
pub struct Seat {
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
from_view!(Seat, svc::ticket_types::SeatView, [id, ticket_type_id, row, number, label, x, y, state]);

// ---- holds and orders ----

#[derive(SimpleObject, Clone)]
pub struct HoldItem {
    pub ticket_type_id: Uuid,
    pub quantity: i32,
    pub seat_id: Option<Uuid>,
}
from_view!(HoldItem, svc::holds::HoldItemView, [ticket_type_id, quantity, seat_id]);

#[derive(SimpleObject, Clone)]
pub struct Hold {
    pub id: Uuid,
    pub session_id: Uuid,
    /// `active`, `converted`, `released` or `expired`.
    pub status: String,
    pub expires_at: DateTime<Utc>,
    pub items: Vec<HoldItem>,
}

impl From<svc::holds::HoldView> for Hold {
    fn from(v: svc::holds::HoldView) -> Self {
        Self {
            id: v.id,
            session_id: v.session_id,
            status: v.status,
            expires_at: v.expires_at,
            items: v.items.into_iter().map(HoldItem::from).collect(),
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct OrderItem {
    pub ticket_type_id: Uuid,
    pub seat_id: Option<Uuid>,
    pub quantity: i32,
    pub unit_price_minor: i64,
}
from_view!(OrderItem, svc::orders::OrderItemView, [ticket_type_id, seat_id, quantity, unit_price_minor]);

#[derive(SimpleObject, Clone)]
pub struct Order {
    pub id: Uuid,
    pub user_id: Uuid,
    pub session_id: Uuid,
    /// `pending`, `paid`, `expired`, `cancelled` or `refunded`.
    pub status: String,
    /// What the buyer pays: the items less `discountMinor`.
    pub total_minor: i64,
    /// Taken off by a coupon.
    pub discount_minor: i64,
    pub currency: String,
    /// `free`, `manual` or `stripe`.
    pub provider: String,
    pub payment_ref: Option<String>,
    /// Unpaid orders release their stock at this time.
    pub expires_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub items: Vec<OrderItem>,
    pub ticket_ids: Vec<Uuid>,
}

impl From<svc::orders::OrderView> for Order {
    fn from(v: svc::orders::OrderView) -> Self {
        Self {
            id: v.id,
            user_id: v.user_id,
            session_id: v.session_id,
            status: v.status,
            total_minor: v.total_minor,
            discount_minor: v.discount_minor,
            currency: v.currency,
            provider: v.provider,
            payment_ref: v.payment_ref,
            expires_at: v.expires_at,
            paid_at: v.paid_at,
            created_at: v.created_at,
            items: v.items.into_iter().map(OrderItem::from).collect(),
            ticket_ids: v.ticket_ids,
        }
    }
}

/// The result of `placeOrder`: the order, and whether it is an earlier one
/// returned again for a replayed `idempotencyKey` (REST: `Idempotent-Replayed`).
#[derive(SimpleObject, Clone)]
pub struct PlaceOrderPayload {
    pub order: Order,
    pub replayed: bool,
}

// ---- tickets ----

#[derive(SimpleObject, Clone)]
pub struct TicketEvent {
    pub id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub timezone: String,
}
from_view!(TicketEvent, svc::tickets::TicketEventView, [id, title, starts_at, timezone]);

#[derive(SimpleObject, Clone)]
pub struct TicketSession {
    pub id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: String,
    pub status: SessionStatus,
}
from_view!(TicketSession, svc::tickets::TicketSessionView, [id, title, starts_at, ends_at, venue], into[status]);

#[derive(SimpleObject, Clone)]
pub struct TicketTypeRef {
    pub id: Uuid,
    pub name: String,
}
from_view!(TicketTypeRef, svc::tickets::TicketTypeRef, [id, name]);

/// A ticket as its owner (or door staff) sees it.
#[derive(SimpleObject, Clone)]
pub struct Ticket {
    pub id: Uuid,
    pub status: TicketStatus,
    pub event: TicketEvent,
    pub session: TicketSession,
    pub ticket_type: TicketTypeRef,
    pub seat_label: Option<String>,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub order_id: Option<Uuid>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub gate: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The signed QR token; `null` for void tickets.
    pub token: Option<String>,
}
from_view!(
    Ticket,
    svc::tickets::TicketView,
    [id, seat_label, owner_id, owner_name, order_id, checked_in_at, gate, created_at, token],
    into [status, event, session, ticket_type]
);

// ---- registrations, attendance, check-in ----

#[derive(SimpleObject, Clone)]
pub struct Registration {
    pub id: Uuid,
    pub session_id: Uuid,
    pub status: RegistrationStatus,
    /// 1-based place in the waitlist; `null` unless waitlisted.
    pub waitlist_position: Option<u64>,
    pub created_at: DateTime<Utc>,
}
from_view!(
    Registration,
    svc::registrations::RegistrationView,
    [id, session_id, waitlist_position, created_at],
    into[status]
);

#[derive(SimpleObject, Clone)]
pub struct UserEventSummary {
    pub id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub timezone: String,
    pub venue: String,
}
from_view!(UserEventSummary, svc::registrations::UserEventSummary, [id, title, starts_at, ends_at, timezone, venue]);

#[derive(SimpleObject, Clone)]
pub struct UserSessionSummary {
    pub id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: String,
    pub status: SessionStatus,
}
from_view!(
    UserSessionSummary,
    svc::registrations::UserSessionSummary,
    [id, title, starts_at, ends_at, venue],
    into[status]
);

/// A session the caller is registered for or holds tickets to.
#[derive(SimpleObject, Clone)]
pub struct UserEvent {
    pub event: UserEventSummary,
    pub session: UserSessionSummary,
    /// `CONFIRMED` or `WAITLISTED`; `null` when the caller only holds tickets.
    pub registration_status: Option<RegistrationStatus>,
    pub tickets_count: u64,
}

impl From<svc::registrations::UserEventView> for UserEvent {
    fn from(v: svc::registrations::UserEventView) -> Self {
        Self {
            event: v.event.into(),
            session: v.session.into(),
            registration_status: v.registration_status.map(Into::into),
            tickets_count: v.tickets_count,
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct Attendee {
    pub user_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub source: AttendeeSource,
    pub status: AttendeeStatus,
    pub checked_in_at: Option<DateTime<Utc>>,
}
from_view!(
    Attendee,
    svc::registrations::AttendeeView,
    [user_id, display_name, email, checked_in_at],
    into [source, status]
);

#[derive(SimpleObject, Clone)]
pub struct TicketTypeStats {
    pub ticket_type_id: Uuid,
    pub name: String,
    pub sold: u64,
    pub checked_in: u64,
}
from_view!(TicketTypeStats, svc::checkin::TicketTypeStats, [ticket_type_id, name, sold, checked_in]);

#[derive(SimpleObject, Clone)]
pub struct GateStats {
    /// `null` for scans that named no gate.
    pub gate: Option<String>,
    pub checked_in: u64,
}
from_view!(GateStats, svc::checkin::GateStats, [gate, checked_in]);

#[derive(SimpleObject, Clone)]
pub struct CheckInStats {
    pub session_id: Uuid,
    pub sold: u64,
    pub checked_in: u64,
    pub by_ticket_type: Vec<TicketTypeStats>,
    pub by_gate: Vec<GateStats>,
}

impl From<svc::checkin::CheckInStats> for CheckInStats {
    fn from(v: svc::checkin::CheckInStats) -> Self {
        Self {
            session_id: v.session_id,
            sold: v.sold,
            checked_in: v.checked_in,
            by_ticket_type: v.by_ticket_type.into_iter().map(Into::into).collect(),
            by_gate: v.by_gate.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct AdmittedTicket {
    pub id: Uuid,
    pub session_id: Uuid,
    pub ticket_type_id: Uuid,
    /// The ticket type's name.
    pub ticket_type: String,
    pub seat_label: Option<String>,
    pub owner_id: Uuid,
    pub owner_name: String,
}
from_view!(
    AdmittedTicket,
    svc::checkin::AdmittedTicket,
    [id, session_id, ticket_type_id, ticket_type, seat_label, owner_id, owner_name]
);

#[derive(SimpleObject, Clone)]
pub struct CheckInResult {
    pub result: CheckInOutcome,
    pub ticket: AdmittedTicket,
    pub checked_in_at: DateTime<Utc>,
    pub gate: Option<String>,
}
from_view!(CheckInResult, svc::checkin::CheckInResult, [checked_in_at, gate], into [result, ticket]);

// ---- resale ----

#[derive(SimpleObject, Clone)]
pub struct Listing {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub session_id: Uuid,
    pub seller_id: Uuid,
    pub price_minor: i64,
    pub currency: String,
    /// `active`, `sold` or `cancelled`.
    pub status: String,
    pub ticket_type_name: String,
    pub face_value_minor: i64,
    pub seat_label: Option<String>,
    pub event_id: Uuid,
    pub event_title: String,
    pub session_starts_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sold_at: Option<DateTime<Utc>>,
    /// The buyer's new ticket, once sold.
    pub new_ticket_id: Option<Uuid>,
}
from_view!(
    Listing,
    svc::resale::ListingView,
    [
        id,
        ticket_id,
        session_id,
        seller_id,
        price_minor,
        currency,
        status,
        ticket_type_name,
        face_value_minor,
        seat_label,
        event_id,
        event_title,
        session_starts_at,
        created_at,
        sold_at,
        new_ticket_id
    ]
);

// ---- notifications ----

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "taquilla_services::notifications::Channel")]
#[serde(rename_all = "snake_case")]
pub enum NotificationChannel {
    Email,
    Sms,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Serialize)]
#[graphql(remote = "taquilla_services::notifications::NotificationStatus")]
#[serde(rename_all = "snake_case")]
pub enum NotificationStatus {
    /// Waiting for its (next) attempt.
    Queued,
    Sent,
    /// Refused for good, or out of attempts.
    Failed,
}

/// One e-mail or SMS, as sent (or to be sent).
#[derive(SimpleObject, Clone)]
pub struct Notification {
    pub id: Uuid,
    /// `email` or `sms`.
    pub channel: String,
    /// The e-mail address or phone number.
    pub recipient: String,
    pub user_id: Option<Uuid>,
    pub template: String,
    pub subject: String,
    pub body: String,
    /// `queued`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub event_id: Uuid,
    pub event_type: String,
    pub order_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub registration_id: Option<Uuid>,
    pub ticket_ids: Vec<Uuid>,
}
from_view!(
    Notification,
    svc::notifications::NotificationView,
    [
        id,
        channel,
        recipient,
        user_id,
        template,
        subject,
        body,
        status,
        attempts,
        last_error,
        next_attempt_at,
        sent_at,
        created_at,
        event_id,
        event_type,
        order_id,
        session_id,
        registration_id,
        ticket_ids
    ]
);

/// An announcement queued for a session's attendees.
#[derive(SimpleObject, Clone)]
pub struct Announcement {
    pub id: Uuid,
    pub session_id: Uuid,
    pub channels: Vec<NotificationChannel>,
    /// People reached: ticket holders and confirmed registrations.
    pub recipients: u64,
    /// Notifications queued (one per person and channel).
    pub queued: u64,
}

impl From<svc::notifications::AnnouncementView> for Announcement {
    fn from(v: svc::notifications::AnnouncementView) -> Self {
        Self {
            id: v.id,
            session_id: v.session_id,
            channels: v.channels.into_iter().map(Into::into).collect(),
            recipients: v.recipients,
            queued: v.queued,
        }
    }
}

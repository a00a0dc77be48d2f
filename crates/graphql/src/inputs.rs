//! Input types. Each one serializes to exactly the JSON body REST takes for
//! the same operation (snake_case members, absent = left out), and is
//! parsed into the service's input type by [`crate::error::parse_input`]:
//! validation is the services' and the core newtypes', never repeated here.

use async_graphql::{InputObject, MaybeUndefined};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::types::{EventStatus, Plan, Role, SessionStatus, TenantStatus};

fn undefined<T>(v: &MaybeUndefined<T>) -> bool {
    v.is_undefined()
}

/// Filters of `events`.
#[derive(InputObject, Default, Debug)]
pub struct EventFilter {
    pub category: Option<String>,
    /// Only with a credential that may see unpublished events.
    pub status: Option<EventStatus>,
    /// Events that end after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Events that start before this instant.
    pub to: Option<DateTime<Utc>>,
}

/// A whole event (`createEvent`).
#[derive(InputObject, Serialize, Debug)]
pub struct EventInput {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Defaults to `DRAFT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<EventStatus>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// IANA zone, e.g. `Europe/Madrid`.
    pub timezone: String,
}

/// Some fields of an event (`updateEvent`); `imageUrl: null` removes the image.
#[derive(InputObject, Serialize, Debug)]
pub struct EventPatchInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    #[serde(skip_serializing_if = "undefined")]
    pub image_url: MaybeUndefined<String>,
    /// A legal transition: `DRAFT` ⇄ `PUBLISHED`, either → `CANCELLED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<EventStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// A new session (`createSession`); it starts as `DRAFT`.
#[derive(InputObject, Serialize, Debug)]
pub struct SessionInput {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presenter: Option<String>,
    /// Room or stage; sessions at the same one may not overlap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i32,
}

/// Some fields of a session (`updateSession`). `status` moves it along the
/// machine: draft → teaser → presale → on sale → in progress → finished;
/// live states may be suspended or cancelled (cancelling releases its sales).
#[derive(InputObject, Serialize, Debug)]
pub struct SessionPatchInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presenter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<SessionStatus>,
}

#[derive(InputObject, Serialize, Debug)]
pub struct TicketTypeInput {
    pub name: String,
    /// Price in minor units (cents) of `currency`.
    pub price_minor: i64,
    /// ISO 4217, e.g. `EUR`.
    pub currency: String,
    /// Ignored for seated types: their capacity is their seat map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sales_opens_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sales_closes_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_per_order: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_per_order: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seated: Option<bool>,
}

/// Some fields of a ticket type; `salesOpensAt: null` removes the window's start.
#[derive(InputObject, Serialize, Debug)]
pub struct TicketTypePatchInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_minor: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i32>,
    #[serde(skip_serializing_if = "undefined")]
    pub sales_opens_at: MaybeUndefined<DateTime<Utc>>,
    #[serde(skip_serializing_if = "undefined")]
    pub sales_closes_at: MaybeUndefined<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_per_order: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_per_order: Option<i32>,
}

#[derive(InputObject, Serialize, Debug)]
pub struct SeatInput {
    pub row: String,
    pub number: i32,
    /// Shown to buyers; defaults to `<row><number>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<f64>,
}

/// The seat map of a seated section (`uploadSeatMap`); replaces the old one.
#[derive(Serialize)]
pub(crate) struct SeatMapBody<'a> {
    pub seats: &'a [SeatInput],
}

#[derive(InputObject, Serialize, Debug, Clone)]
pub struct ItemInput {
    pub ticket_type_id: Uuid,
    /// For general admission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i32>,
    /// For seated sections: the seats wanted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat_ids: Option<Vec<Uuid>>,
}

#[derive(InputObject, Serialize, Debug)]
pub struct HoldInput {
    pub session_id: Uuid,
    pub items: Vec<ItemInput>,
}

/// Buy what a hold reserves (`holdId`), or items of a session directly.
#[derive(InputObject, Serialize, Debug)]
pub struct OrderInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<ItemInput>>,
    /// A coupon to redeem; refused (and nothing bought) when it does not apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coupon_code: Option<String>,
}

/// One section of one of the event's sessions, in one call (`buyTickets`).
#[derive(InputObject, Serialize, Debug)]
pub struct BuyTicketsInput {
    pub session_id: Uuid,
    pub ticket_type_id: Uuid,
    /// For general admission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i32>,
    /// For seated sections: the seats wanted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat_ids: Option<Vec<Uuid>>,
}

/// [`BuyTicketsInput`] parsed with REST's types (`BuyInput`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BuyTickets {
    pub session_id: Uuid,
    pub ticket_type_id: Uuid,
    #[serde(default)]
    pub quantity: Option<u32>,
    #[serde(default)]
    pub seat_ids: Option<Vec<Uuid>>,
}

#[derive(InputObject, Serialize, Debug)]
pub struct CheckInInput {
    /// The token from the ticket's QR code.
    pub token: String,
    /// Where the scan happens, e.g. `North 2`.
    pub gate: String,
    /// The session being admitted; a ticket for another session is refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Uuid>,
}

/// Profile fields a user may change on themselves.
#[derive(InputObject, Serialize, Debug)]
pub struct ProfileInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Changing the password requires `currentPassword`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[graphql(secret)]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[graphql(secret)]
    pub current_password: Option<String>,
}

/// What an administrator may change on a user.
#[derive(InputObject, Serialize, Debug)]
pub struct UserAdminInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_member: Option<bool>,
}

#[derive(InputObject, Serialize, Debug)]
pub struct NewUserInput {
    pub email: String,
    #[graphql(secret)]
    pub password: String,
    pub role: Role,
    pub display_name: String,
}

/// [`NewUserInput`] parsed: the same newtypes REST's body uses.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    pub email: taquilla_core::text::EmailAddress,
    pub password: taquilla_core::text::Password,
    pub role: taquilla_core::Role,
    pub display_name: taquilla_core::text::Name,
}

#[derive(InputObject, Serialize, Debug)]
pub struct NewTenantAdminInput {
    pub email: String,
    #[graphql(secret)]
    pub password: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// A tenant to onboard, with its first administrator.
#[derive(InputObject, Serialize, Debug)]
pub struct NewTenantInput {
    pub slug: String,
    pub name: String,
    /// Sets the tenant's request rates; `STANDARD` when omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    pub admin: NewTenantAdminInput,
}

#[derive(InputObject, Serialize, Debug)]
pub struct TenantPatchInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `SUSPENDED` stops every credential of the tenant at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TenantStatus>,
    /// Takes effect on the tenant's next requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
}

/// The tenant's settings; omitted fields take their defaults (as REST's `PUT /settings`).
#[derive(InputObject, Serialize, Debug)]
pub struct TenantSettingsInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_minutes: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resale_cap_percent: Option<i32>,
    /// A failing pricing script sells at base price instead of refusing the sale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pricing_script_fallback: Option<bool>,
    /// A scripted unit price is at most the base price times this (1..=100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script_price_cap: Option<i32>,
    /// `stripe` or `manual`; `null`: the deployment's default.
    #[serde(skip_serializing_if = "undefined")]
    pub payment_provider: MaybeUndefined<String>,
    /// Stripe Connect account (`acct_…`); `null` removes it.
    #[serde(skip_serializing_if = "undefined")]
    pub stripe_account_id: MaybeUndefined<String>,
    /// `#rrggbb`; `null` removes it.
    #[serde(skip_serializing_if = "undefined")]
    pub brand_color: MaybeUndefined<String>,
    /// `#rrggbb`; `null` removes it.
    #[serde(skip_serializing_if = "undefined")]
    pub accent_color: MaybeUndefined<String>,
}

/// An announcement to everyone attending a session (`sendAnnouncement`).
#[derive(InputObject, Serialize, Debug)]
pub struct AnnouncementInput {
    pub session_id: Uuid,
    pub subject: String,
    pub body: String,
    /// Defaults to `[EMAIL]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<crate::types::NotificationChannel>>,
}

//! Notifications: e-mail and SMS to attendees, made from outbox events (an
//! order paid, a registration confirmed, a session cancelled…) or from an
//! organizer's announcement, and sent by a worker.
//!
//! Two steps, each safe with several workers:
//!
//! 1. **Planning**: the next outbox events after the planner's position are
//!    taken (one worker per tenant at a time); each relevant one becomes one
//!    `notifications` row per recipient and channel, rendered from the
//!    tenant's templates, and the position moves past them — one
//!    transaction. The unique `(event_id, channel, recipient, template)` key
//!    makes a second planning of the same event a no-op.
//! 2. **Delivery**: due rows are claimed with a lease (`next_attempt_at` moves
//!    past the attempt's time limit) in a short transaction, sent with no
//!    transaction open, and the results recorded in another. A failure that
//!    may pass (SMTP or the SMS provider down, 4xx answers) is retried on
//!    the schedule; a refusal for good (unknown mailbox, invalid number)
//!    fails at once.
//!
//! A process killed after the server took a message but before the result
//! was recorded sends it once more when the lease runs out; the `Message-ID`
//! is the same, so mail systems can tell.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::roles::Permission;
use taquilla_core::settings::TenantSettings;
use taquilla_core::text::{PhoneNumber, Text};
use taquilla_core::{Actor, Error, Result};
use taquilla_notify::templates::{self, Overrides, Rendered, Source};
use taquilla_notify::{Email, MailTransport, Notifier, Part, SendFailure};
use taquilla_store::outbox::{self, kind, Consumer, OutboxRow};
use taquilla_store::TenantTx;
use taquilla_webhooks::RetrySchedule;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::signing::{encode_token, TokenClaims};
use crate::App;

/// Settings of the notification worker and its senders.
#[derive(Debug, Clone)]
pub struct NotificationsConfig {
    pub notify: taquilla_notify::NotifyConfig,
    /// Delays before each attempt (the first entry is the first attempt's).
    pub schedule: RetrySchedule,
    /// How often the worker looks for new events and due notifications.
    pub poll: Duration,
    /// How long a claimed notification is left alone before another worker
    /// may try it: longer than one attempt can take.
    pub lease: Duration,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        let s = |secs: u64| Duration::from_secs(secs);
        Self {
            notify: taquilla_notify::NotifyConfig::default(),
            // Now, 10 s, 1 min, 5 min, 15 min, 1 h, 3 h, 6 h, 12 h: nine attempts over about a day.
            schedule: RetrySchedule::new(
                [0, 10, 60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600].into_iter().map(s).collect(),
            )
            .unwrap_or_default(),
            poll: Duration::from_millis(500),
            lease: Duration::from_secs(120),
        }
    }
}

/// Outbox events planned per pass and tenant.
const PLAN_BATCH: i64 = 200;
/// Notifications claimed per pass and tenant, and sent at once.
const CLAIM_BATCH: i64 = 32;
const CONCURRENT_SENDS: usize = 8;
/// Recipients of one announcement.
const MAX_ANNOUNCEMENT_RECIPIENTS: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationStatus {
    /// Waiting for its (next) attempt.
    Queued,
    Sent,
    /// Refused for good, or out of attempts.
    Failed,
}

impl NotificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }
}

/// One e-mail or SMS, as sent (or to be sent).
#[derive(Debug, Clone, Serialize, ToSchema, FromQueryResult)]
pub struct NotificationView {
    pub id: Uuid,
    /// `email` or `sms`.
    pub channel: String,
    /// The e-mail address or phone number.
    pub recipient: String,
    pub user_id: Option<Uuid>,
    /// The template it was made from (`order_confirmation`, `announcement`…).
    pub template: String,
    /// The e-mail's subject (empty for SMS).
    pub subject: String,
    /// The plain-text body (the whole text of an SMS).
    pub body: String,
    /// `queued`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// When a queued notification is next tried.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The outbox event (or announcement) it comes from, and its type.
    pub event_id: Uuid,
    pub event_type: String,
    pub order_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub registration_id: Option<Uuid>,
    /// Tickets whose QR codes the e-mail carries.
    pub ticket_ids: Vec<Uuid>,
}

const VIEW_COLUMNS: &str = "id, channel, recipient, user_id, template, subject, text_body AS body, status, attempts, \
     last_error, CASE WHEN status = 'queued' THEN next_attempt_at END AS next_attempt_at, sent_at, created_at, \
     event_id, event_type, order_id, session_id, registration_id, ticket_ids";

#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
pub struct NotificationFilter {
    pub recipient: Option<String>,
    pub status: Option<NotificationStatus>,
    pub channel: Option<Channel>,
}

/// `POST /notifications`: a message to everyone attending a session.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementInput {
    pub session_id: Uuid,
    #[schema(value_type = String, min_length = 1, max_length = 200, example = "Doors open 30 minutes late")]
    pub subject: Text<1, 200>,
    #[schema(value_type = String, min_length = 1, max_length = 5000,
             example = "Doors open 30 minutes late tonight, at 20:30. The show starts on time.")]
    pub body: Text<1, 5000>,
    /// Defaults to `["email"]`. `sms` reaches those with a phone number,
    /// when the deployment has SMS.
    #[serde(default)]
    pub channels: Option<Vec<Channel>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnnouncementView {
    /// The `event_id` of its notifications.
    pub id: Uuid,
    pub session_id: Uuid,
    pub channels: Vec<Channel>,
    /// People reached: ticket holders and confirmed registrations.
    pub recipients: u64,
    /// Notifications queued (one per person and channel they can be reached on).
    pub queued: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChannelState {
    pub enabled: bool,
    /// `smtp` or `file` for e-mail; `twilio` for SMS; null when off.
    pub transport: Option<String>,
    /// Why it is off, or where files go.
    pub detail: Option<String>,
}

/// What this deployment can send.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChannelsView {
    pub email: ChannelState,
    pub sms: ChannelState,
}

/// A template as it is used: the tenant's parts where it has them, the
/// built-in ones elsewhere.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TemplateView {
    pub name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub sms: String,
    /// The parts the tenant replaced.
    pub overridden: Vec<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// The tenant's versions of a template's parts (MiniJinja); a part left
/// out uses the built-in one. Variables: `tenant.name`, `tenant.brand_color`,
/// `tenant.accent_color`, `recipient.name`, `event.*`, `session.*`,
/// `order.*`, `tickets[]` (`id`, `type`, `seat`, `cid` — the HTML shows a QR
/// code with `<img src="cid:{{ t.cid }}">`), `registration.*`, `refund.*`,
/// `resale.*`, `announcement.*`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    #[schema(value_type = Option<String>, max_length = 500)]
    pub subject: Option<Text<1, 500>>,
    #[schema(value_type = Option<String>, max_length = 100000)]
    pub text: Option<Text<1, 100_000>>,
    #[schema(value_type = Option<String>, max_length = 200000)]
    pub html: Option<Text<1, 200_000>>,
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub sms: Option<Text<1, 2000>>,
}

/// What one worker pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NotifyStats {
    pub planned: u64,
    pub sent: u64,
    pub failed_attempts: u64,
}

#[derive(FromQueryResult)]
struct N {
    n: i64,
}

// ---- what the planner reads ---------------------------------------------

#[derive(Debug, Clone, FromQueryResult)]
struct Person {
    id: Uuid,
    email: String,
    display_name: String,
    phone: Option<String>,
}

#[derive(Debug, Clone, FromQueryResult)]
struct SessionRow {
    session_id: Uuid,
    session_title: String,
    session_venue: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    event_id: Uuid,
    event_title: String,
    event_venue: String,
    timezone: String,
}

#[derive(Debug, Clone, FromQueryResult)]
struct OrderRow {
    id: Uuid,
    user_id: Uuid,
    session_id: Uuid,
    total_minor: i64,
    currency: String,
}

#[derive(Debug, Clone, FromQueryResult)]
struct TicketRow {
    id: Uuid,
    type_name: String,
    seat: Option<String>,
}

#[derive(Debug, Clone, FromQueryResult)]
struct OverrideRow {
    template: String,
    subject: Option<String>,
    text_body: Option<String>,
    html_body: Option<String>,
    sms_body: Option<String>,
    updated_at: DateTime<Utc>,
}

impl OverrideRow {
    fn overrides(&self) -> Overrides {
        Overrides {
            subject: self.subject.clone(),
            text: self.text_body.clone(),
            html: self.html_body.clone(),
            sms: self.sms_body.clone(),
        }
    }
}

/// A notification about to be queued.
#[derive(Debug, Clone)]
struct NewNotification {
    event_id: Uuid,
    outbox_seq: Option<i64>,
    event_type: String,
    channel: Channel,
    recipient: String,
    user_id: Option<Uuid>,
    template: &'static str,
    subject: String,
    text: String,
    html: Option<String>,
    ticket_ids: Vec<Uuid>,
    order_id: Option<Uuid>,
    session_id: Option<Uuid>,
    registration_id: Option<Uuid>,
    created_by: Option<Uuid>,
}

/// The tenant as its messages show it.
#[derive(Debug, Clone)]
struct Brand {
    name: String,
    brand_color: String,
    accent_color: String,
}

async fn brand(tx: &TenantTx) -> Result<Brand> {
    #[derive(FromQueryResult)]
    struct T {
        name: String,
        settings: serde_json::Value,
    }
    let t = T::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT name, settings FROM public.tenants WHERE id = $1",
        [tx.tenant_id().into()],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::not_found("tenant"))?;
    let s = TenantSettings::from_json(&t.settings);
    Ok(Brand {
        name: t.name,
        brand_color: s.brand_color.unwrap_or_else(|| "#1f2937".into()),
        accent_color: s.accent_color.unwrap_or_else(|| "#2563eb".into()),
    })
}

/// Templates with the tenant's parts applied.
struct Library {
    overrides: HashMap<String, Overrides>,
}

impl Library {
    async fn load(tx: &TenantTx) -> Result<Self> {
        let rows = OverrideRow::find_by_statement(Statement::from_string(
            DbBackend::Postgres,
            "SELECT template, subject, text_body, html_body, sms_body, updated_at FROM notification_templates",
        ))
        .all(&**tx)
        .await?;
        Ok(Self { overrides: rows.into_iter().map(|r| (r.template.clone(), r.overrides())).collect() })
    }

    /// Renders `name`; a tenant's part that fails on real data falls back
    /// to the built-in template (logged), so a message still goes out.
    fn render(&self, name: &'static str, ctx: &serde_json::Value) -> Result<Rendered> {
        let base = templates::default_source(name).ok_or_else(|| Error::internal_msg(format!("no template {name}")))?;
        if let Some(o) = self.overrides.get(name) {
            match templates::render(&base.with(o), ctx) {
                Ok(r) if !r.subject.is_empty() && !r.text.is_empty() => return Ok(r),
                Ok(_) => tracing::warn!(template = name, "tenant template renders empty; using the built-in one"),
                Err(e) => tracing::warn!(template = name, error = %e, "tenant template failed; using the built-in one"),
            }
        }
        templates::render(&base, ctx).map_err(|e| Error::internal_msg(format!("template {name}: {e}")))
    }
}

fn local_time(at: DateTime<Utc>, tz: &str) -> String {
    match tz.parse::<chrono_tz::Tz>() {
        Ok(z) => format!("{} ({tz})", at.with_timezone(&z).format("%a %-d %b %Y, %H:%M")),
        Err(_) => format!("{} (UTC)", at.format("%a %-d %b %Y, %H:%M")),
    }
}

/// `2500 EUR` → `25.00 EUR` (no decimals for currencies without minor units).
pub fn format_money(minor: i64, currency: &str) -> String {
    const ZERO_DECIMAL: &[&str] = &[
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    ];
    if ZERO_DECIMAL.contains(&currency) {
        return format!("{minor} {currency}");
    }
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02} {currency}", m / 100, m % 100)
}

fn session_json(s: &SessionRow) -> serde_json::Value {
    serde_json::json!({
        "id": s.session_id,
        "title": s.session_title,
        "venue": if s.session_venue.is_empty() { &s.event_venue } else { &s.session_venue },
        "starts_at": local_time(s.starts_at, &s.timezone),
        "ends_at": local_time(s.ends_at, &s.timezone),
    })
}

fn event_json(s: &SessionRow) -> serde_json::Value {
    serde_json::json!({ "id": s.event_id, "title": s.event_title, "venue": s.event_venue, "timezone": s.timezone })
}

/// The content id of a ticket's QR image.
fn qr_cid(ticket_id: Uuid) -> String {
    format!("qr-{}@taquilla", ticket_id.simple())
}

fn tickets_json(tickets: &[TicketRow]) -> serde_json::Value {
    serde_json::Value::Array(
        tickets
            .iter()
            .map(|t| serde_json::json!({ "id": t.id, "type": t.type_name, "seat": t.seat, "cid": qr_cid(t.id) }))
            .collect(),
    )
}

async fn session_row(tx: &TenantTx, session_id: Uuid) -> Result<Option<SessionRow>> {
    Ok(SessionRow::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT s.id AS session_id, s.title AS session_title, s.venue AS session_venue, s.starts_at, s.ends_at, \
                e.id AS event_id, e.title AS event_title, e.venue AS event_venue, e.timezone \
         FROM sessions s JOIN events e ON e.id = s.event_id WHERE s.id = $1",
        [session_id.into()],
    ))
    .one(&**tx)
    .await?)
}

async fn people(tx: &TenantTx, ids: &[Uuid]) -> Result<Vec<Person>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Person::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT id, email, display_name, phone FROM users WHERE id = ANY($1) AND deleted_at IS NULL ORDER BY email",
        [ids.to_vec().into()],
    ))
    .all(&**tx)
    .await?)
}

async fn order_row(tx: &TenantTx, id: Uuid) -> Result<Option<OrderRow>> {
    Ok(OrderRow::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT id, user_id, session_id, total_minor, currency FROM orders WHERE id = $1",
        [id.into()],
    ))
    .one(&**tx)
    .await?)
}

async fn tickets_where(tx: &TenantTx, filter: &str, arg: sea_orm::Value) -> Result<Vec<TicketRow>> {
    Ok(TicketRow::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!(
            "SELECT t.id, tt.name AS type_name, st.label AS seat FROM tickets t \
             JOIN ticket_types tt ON tt.id = t.ticket_type_id LEFT JOIN seats st ON st.id = t.seat_id \
             WHERE {filter} AND t.status <> 'void' ORDER BY t.created_at, t.id"
        ),
        [arg],
    ))
    .all(&**tx)
    .await?)
}

fn uuid_at(payload: &serde_json::Value, key: &str) -> Option<Uuid> {
    payload.get(key).and_then(|v| v.as_str()).and_then(|s| s.parse().ok())
}

/// Who the planner writes to, and with what.
struct Planner<'a> {
    brand: &'a Brand,
    library: &'a Library,
    sms: bool,
}

impl Planner<'_> {
    fn context(&self, person: &Person, mut ctx: serde_json::Value) -> serde_json::Value {
        ctx["tenant"] = serde_json::json!({
            "name": self.brand.name, "brand_color": self.brand.brand_color, "accent_color": self.brand.accent_color,
        });
        ctx["recipient"] = serde_json::json!({
            "name": if person.display_name.is_empty() { &person.email } else { &person.display_name },
            "email": person.email,
        });
        ctx
    }

    /// One e-mail (and one SMS where the person has a valid number and the
    /// deployment has SMS) for `person`.
    #[allow(clippy::too_many_arguments)]
    fn messages(
        &self,
        out: &mut Vec<NewNotification>,
        base: &NewNotification,
        person: &Person,
        template: &'static str,
        ctx: serde_json::Value,
        channels: &[Channel],
    ) -> Result<()> {
        let mut ctx = self.context(person, ctx);
        // The subject is rendered first, so the HTML's <title> can show it.
        let subject = self.library.render(template, &ctx)?.subject;
        ctx["subject"] = serde_json::Value::String(subject);
        let r = self.library.render(template, &ctx)?;
        if channels.contains(&Channel::Email) {
            out.push(NewNotification {
                channel: Channel::Email,
                recipient: person.email.clone(),
                user_id: Some(person.id),
                template,
                subject: r.subject.clone(),
                text: r.text.clone(),
                html: Some(r.html.clone()),
                ..base.clone()
            });
        }
        let phone = person.phone.as_deref().and_then(|p| PhoneNumber::parse(p).ok());
        if let (true, true, Some(phone)) = (self.sms, channels.contains(&Channel::Sms), phone) {
            out.push(NewNotification {
                channel: Channel::Sms,
                recipient: phone.into_inner(),
                user_id: Some(person.id),
                template,
                subject: String::new(),
                text: r.sms.clone(),
                html: None,
                ticket_ids: Vec::new(),
                ..base.clone()
            });
        }
        Ok(())
    }

    /// The notifications an outbox event calls for (none for most types).
    async fn plan(&self, tx: &TenantTx, ev: &OutboxRow) -> Result<Vec<NewNotification>> {
        let p = &ev.payload;
        let both = [Channel::Email, Channel::Sms];
        let mut base = NewNotification {
            event_id: ev.id,
            outbox_seq: Some(ev.seq),
            event_type: ev.event_type.clone(),
            channel: Channel::Email,
            recipient: String::new(),
            user_id: None,
            template: templates::ORDER_CONFIRMATION,
            subject: String::new(),
            text: String::new(),
            html: None,
            ticket_ids: Vec::new(),
            order_id: None,
            session_id: None,
            registration_id: None,
            created_by: None,
        };
        let mut out = Vec::new();
        match ev.event_type.as_str() {
            kind::ORDER_PAID => {
                let Some(order) = uuid_at(p, "order_id") else { return Ok(out) };
                let Some(o) = order_row(tx, order).await? else { return Ok(out) };
                let Some(s) = session_row(tx, o.session_id).await? else { return Ok(out) };
                let tickets = tickets_where(tx, "t.order_id = $1", o.id.into()).await?;
                if tickets.is_empty() {
                    return Ok(out);
                }
                base.order_id = Some(o.id);
                base.session_id = Some(o.session_id);
                base.ticket_ids = tickets.iter().map(|t| t.id).collect();
                let ctx = serde_json::json!({
                    "event": event_json(&s), "session": session_json(&s), "tickets": tickets_json(&tickets),
                    "order": { "id": o.id, "total": format_money(o.total_minor, &o.currency) },
                });
                for person in people(tx, &[o.user_id]).await? {
                    self.messages(&mut out, &base, &person, templates::ORDER_CONFIRMATION, ctx.clone(), &both)?;
                }
            }
            kind::REGISTRATION_CONFIRMED | kind::REGISTRATION_WAITLISTED | kind::REGISTRATION_PROMOTED => {
                let template = match ev.event_type.as_str() {
                    kind::REGISTRATION_CONFIRMED => templates::REGISTRATION_CONFIRMED,
                    kind::REGISTRATION_WAITLISTED => templates::REGISTRATION_WAITLISTED,
                    _ => templates::REGISTRATION_PROMOTED,
                };
                let (Some(user), Some(session)) = (uuid_at(p, "user_id"), uuid_at(p, "session_id")) else {
                    return Ok(out);
                };
                let Some(s) = session_row(tx, session).await? else { return Ok(out) };
                base.session_id = Some(session);
                base.registration_id = uuid_at(p, "registration_id");
                let ctx = serde_json::json!({
                    "event": event_json(&s), "session": session_json(&s),
                    "registration": { "id": base.registration_id, "status": p.get("status"),
                                      "waitlist_position": p.get("waitlist_position") },
                });
                for person in people(tx, &[user]).await? {
                    self.messages(&mut out, &base, &person, template, ctx.clone(), &both)?;
                }
            }
            kind::TICKET_TRANSFERRED => {
                let Some(new_ticket) = uuid_at(p, "new_ticket_id") else { return Ok(out) };
                let tickets = tickets_where(tx, "t.id = $1", new_ticket.into()).await?;
                #[derive(FromQueryResult)]
                struct Listing {
                    session_id: Uuid,
                    price_minor: i64,
                    currency: String,
                }
                let listing = match uuid_at(p, "listing_id") {
                    Some(id) => {
                        Listing::find_by_statement(Statement::from_sql_and_values(
                            DbBackend::Postgres,
                            "SELECT session_id, price_minor, currency FROM resale_listings WHERE id = $1",
                            [id.into()],
                        ))
                        .one(&**tx)
                        .await?
                    }
                    None => None,
                };
                let Some(l) = listing else { return Ok(out) };
                let Some(s) = session_row(tx, l.session_id).await? else { return Ok(out) };
                base.session_id = Some(l.session_id);
                base.order_id = uuid_at(p, "order_id");
                let ctx = serde_json::json!({
                    "event": event_json(&s), "session": session_json(&s), "tickets": tickets_json(&tickets),
                    "resale": { "price": format_money(l.price_minor, &l.currency) },
                });
                if let Some(buyer) = uuid_at(p, "buyer_id") {
                    let with_qr =
                        NewNotification { ticket_ids: tickets.iter().map(|t| t.id).collect(), ..base.clone() };
                    for person in people(tx, &[buyer]).await? {
                        self.messages(&mut out, &with_qr, &person, templates::TICKET_TRANSFERRED, ctx.clone(), &both)?;
                    }
                }
                if let Some(seller) = uuid_at(p, "seller_id") {
                    for person in people(tx, &[seller]).await? {
                        self.messages(&mut out, &base, &person, templates::RESALE_SOLD, ctx.clone(), &both)?;
                    }
                }
            }
            kind::ORDER_REFUNDED => {
                let Some(order) = uuid_at(p, "order_id") else { return Ok(out) };
                let Some(o) = order_row(tx, order).await? else { return Ok(out) };
                let Some(s) = session_row(tx, o.session_id).await? else { return Ok(out) };
                let amount = p.get("amount_minor").and_then(|v| v.as_i64()).unwrap_or(0);
                if amount <= 0 {
                    return Ok(out);
                }
                let voided = p.get("ticket_ids").and_then(|v| v.as_array()).map_or(0, Vec::len);
                base.order_id = Some(o.id);
                base.session_id = Some(o.session_id);
                let ctx = serde_json::json!({
                    "event": event_json(&s), "session": session_json(&s),
                    "order": { "id": o.id, "total": format_money(o.total_minor, &o.currency) },
                    "refund": { "id": p.get("refund_id"), "amount": format_money(amount, &o.currency),
                                "tickets": voided, "reason": p.get("reason") },
                });
                for person in people(tx, &[o.user_id]).await? {
                    self.messages(&mut out, &base, &person, templates::REFUND_ISSUED, ctx.clone(), &both)?;
                }
            }
            kind::SESSION_CANCELLED => {
                let Some(session) = uuid_at(p, "session_id") else { return Ok(out) };
                let Some(s) = session_row(tx, session).await? else { return Ok(out) };
                // The cancellation names those it affected; older events did not.
                let users: Vec<Uuid> = match p.get("user_ids").and_then(|v| v.as_array()) {
                    Some(ids) => ids.iter().filter_map(|v| v.as_str()?.parse().ok()).collect(),
                    None => session_people(tx, session, true).await?,
                };
                base.session_id = Some(session);
                let ctx = serde_json::json!({ "event": event_json(&s), "session": session_json(&s) });
                for person in people(tx, &users).await? {
                    self.messages(&mut out, &base, &person, templates::SESSION_CANCELLED, ctx.clone(), &both)?;
                }
            }
            kind::WEBHOOK_ENDPOINT_DISABLED => {
                #[derive(FromQueryResult)]
                struct Id {
                    id: Uuid,
                }
                let admins: Vec<Uuid> = Id::find_by_statement(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT id FROM users WHERE role = 'tenant_admin' AND active AND deleted_at IS NULL".to_owned(),
                ))
                .all(&**tx)
                .await?
                .into_iter()
                .map(|r| r.id)
                .collect();
                let ctx = serde_json::json!({ "endpoint": {
                    "id": p.get("endpoint_id"), "url": p.get("url"), "failing_since": p.get("failing_since") } });
                for person in people(tx, &admins).await? {
                    self.messages(
                        &mut out,
                        &base,
                        &person,
                        templates::WEBHOOK_ENDPOINT_DISABLED,
                        ctx.clone(),
                        &[Channel::Email],
                    )?;
                }
            }
            _ => {}
        }
        Ok(out)
    }
}

/// Users holding tickets to the session or registered for it: live ones,
/// or (`any_state`) whatever their state now (after a cancellation).
async fn session_people(tx: &TenantTx, session_id: Uuid, any_state: bool) -> Result<Vec<Uuid>> {
    #[derive(FromQueryResult)]
    struct Id {
        id: Uuid,
    }
    let sql = if any_state {
        "SELECT owner_id AS id FROM tickets WHERE session_id = $1 \
         UNION SELECT user_id FROM registrations WHERE session_id = $1"
    } else {
        "SELECT owner_id AS id FROM tickets WHERE session_id = $1 AND status IN ('active', 'used') \
         UNION SELECT user_id FROM registrations WHERE session_id = $1 AND status = 'confirmed'"
    };
    Ok(Id::find_by_statement(Statement::from_sql_and_values(DbBackend::Postgres, sql, [session_id.into()]))
        .all(&**tx)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect())
}

/// Queues `rows`; a row whose (event, channel, recipient, template) exists is
/// skipped. Returns how many were new.
async fn insert_notifications(tx: &TenantTx, rows: &[NewNotification]) -> Result<u64> {
    let mut n = 0;
    for r in rows {
        let res = tx
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO notifications (id, event_id, outbox_seq, event_type, channel, recipient, user_id, template, \
                   subject, text_body, html_body, ticket_ids, order_id, session_id, registration_id, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                 ON CONFLICT (event_id, channel, recipient, template) DO NOTHING",
                [
                    Uuid::now_v7().into(),
                    r.event_id.into(),
                    r.outbox_seq.into(),
                    r.event_type.clone().into(),
                    r.channel.as_str().into(),
                    r.recipient.clone().into(),
                    r.user_id.into(),
                    r.template.into(),
                    r.subject.clone().into(),
                    r.text.clone().into(),
                    r.html.clone().into(),
                    r.ticket_ids.clone().into(),
                    r.order_id.into(),
                    r.session_id.into(),
                    r.registration_id.into(),
                    r.created_by.into(),
                ],
            ))
            .await?;
        n += res.rows_affected();
    }
    Ok(n)
}

/// A notification claimed for one attempt.
#[derive(Debug, FromQueryResult)]
struct Claimed {
    id: Uuid,
    channel: String,
    recipient: String,
    user_id: Option<Uuid>,
    subject: String,
    text_body: String,
    html_body: Option<String>,
    ticket_ids: Vec<Uuid>,
    attempts: i32,
}

#[derive(Debug, FromQueryResult)]
struct QrTicket {
    id: Uuid,
    session_id: Uuid,
    version: i32,
}

struct Outcome {
    id: Uuid,
    attempts: i32,
    result: std::result::Result<String, SendFailure>,
}

fn check_template_name(name: &str) -> Result<&'static str> {
    templates::NAMES.iter().find(|n| **n == name).copied().ok_or_else(|| Error::not_found("template"))
}

fn template_view(name: &str, o: Option<&OverrideRow>) -> Result<TemplateView> {
    let base = templates::default_source(name).ok_or_else(|| Error::not_found("template"))?;
    let overrides = o.map(OverrideRow::overrides).unwrap_or_default();
    let eff: Source = base.with(&overrides);
    let mut overridden = Vec::new();
    for (part, set) in [
        ("subject", overrides.subject.is_some()),
        ("text", overrides.text.is_some()),
        ("html", overrides.html.is_some()),
        ("sms", overrides.sms.is_some()),
    ] {
        if set {
            overridden.push(part.to_owned());
        }
    }
    Ok(TemplateView {
        name: name.to_owned(),
        subject: eff.subject,
        text: eff.text,
        html: eff.html,
        sms: eff.sms,
        overridden,
        updated_at: o.map(|o| o.updated_at),
    })
}

async fn override_row(tx: &TenantTx, name: &str) -> Result<Option<OverrideRow>> {
    Ok(OverrideRow::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT template, subject, text_body, html_body, sms_body, updated_at FROM notification_templates WHERE template = $1",
        [name.into()],
    ))
    .one(&**tx)
    .await?)
}

impl App {
    fn notifier(&self) -> Result<&Notifier> {
        self.notifier.as_ref().ok_or_else(|| {
            Error::new(
                taquilla_core::ErrorKind::Unavailable,
                "notifications_unavailable",
                "notifications are not set up",
            )
        })
    }

    fn sms_enabled(&self) -> bool {
        self.notifier.as_ref().is_some_and(|n| n.sms.is_some())
    }

    /// What this deployment can send (tenant admins, organizers).
    pub fn notification_channels(&self, actor: &Actor) -> Result<ChannelsView> {
        if !actor.can(Permission::ManageNotifications) && !actor.can(Permission::SendAnnouncements) {
            return Err(Error::forbidden(format!("role {} may not do this", actor.role.as_str())));
        }
        let email = match self.notifier.as_ref().map(|n| n.mailer.transport()) {
            Some(MailTransport::Smtp) => ChannelState { enabled: true, transport: Some("smtp".into()), detail: None },
            Some(MailTransport::File) => ChannelState {
                enabled: true,
                transport: Some("file".into()),
                detail: Some("no SMTP_URL: each mail is written as an .eml file on the server".into()),
            },
            None => {
                ChannelState { enabled: false, transport: None, detail: Some("the mail settings are unusable".into()) }
            }
        };
        let sms = if self.sms_enabled() {
            ChannelState { enabled: true, transport: Some("twilio".into()), detail: None }
        } else {
            ChannelState {
                enabled: false,
                transport: None,
                detail: Some("SMS is off: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are not set".into()),
            }
        };
        Ok(ChannelsView { email, sms })
    }

    /// Every notification of the tenant, newest first (tenant admins).
    pub async fn list_notifications(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        filter: NotificationFilter,
        page: PageRequest,
    ) -> Result<Page<NotificationView>> {
        actor.require(Permission::ManageNotifications)?;
        // Addresses are stored as written to: e-mail lower-cased, phones in E.164.
        let recipient = filter.recipient.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(|r| {
            if r.contains('@') {
                r.to_lowercase()
            } else {
                PhoneNumber::parse(r).map(PhoneNumber::into_inner).unwrap_or_else(|_| r.to_owned())
            }
        });
        let cond = "($1::text IS NULL OR recipient = $1) AND ($2::text IS NULL OR status = $2) \
                    AND ($3::text IS NULL OR channel = $3)";
        let args = || -> Vec<sea_orm::Value> {
            vec![
                recipient.clone().into(),
                filter.status.map(|s| s.as_str().to_owned()).into(),
                filter.channel.map(|c| c.as_str().to_owned()).into(),
            ]
        };
        let tx = self.store.tenant_tx(tenant_id).await?;
        let total = N::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT count(*) AS n FROM notifications WHERE {cond}"),
            args(),
        ))
        .one(&*tx)
        .await?
        .map_or(0, |n| n.n.max(0) as u64);
        let mut values = args();
        values.push((page.per_page as i64).into());
        values.push((page.offset() as i64).into());
        let items = NotificationView::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {VIEW_COLUMNS} FROM notifications WHERE {cond} \
                 ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5"
            ),
            values,
        ))
        .all(&*tx)
        .await?;
        tx.commit().await?;
        Ok(Page::new(items, total, page))
    }

    /// An organizer's message to everyone attending one of their sessions
    /// (ticket holders and confirmed registrations): queued now, sent by the
    /// worker.
    pub async fn send_announcement(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        input: AnnouncementInput,
    ) -> Result<AnnouncementView> {
        actor.require(Permission::SendAnnouncements)?;
        let asked = input.channels.clone().unwrap_or_else(|| vec![Channel::Email]);
        if asked.is_empty() {
            return Err(Error::validation("channels", "empty", "name at least one channel"));
        }
        let mut channels: Vec<Channel> = Vec::with_capacity(asked.len());
        for c in asked {
            if !channels.contains(&c) {
                channels.push(c);
            }
        }
        for (i, c) in channels.iter().enumerate() {
            if *c == Channel::Sms && !self.sms_enabled() {
                return Err(Error::validation(
                    format!("channels[{i}]"),
                    "channel_unavailable",
                    "SMS is not configured on this deployment (see GET /notifications/channels)",
                ));
            }
        }
        self.notifier()?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let (_, _) = crate::sessions::editable_session(&tx, actor, input.session_id).await?;
        let s = session_row(&tx, input.session_id).await?.ok_or_else(|| Error::not_found("session"))?;
        let users = session_people(&tx, input.session_id, false).await?;
        if users.len() > MAX_ANNOUNCEMENT_RECIPIENTS {
            return Err(Error::conflict(
                "too_many_recipients",
                format!("an announcement reaches at most {MAX_ANNOUNCEMENT_RECIPIENTS} people"),
            ));
        }
        let brand = brand(&tx).await?;
        let library = Library::load(&tx).await?;
        let planner = Planner { brand: &brand, library: &library, sms: self.sms_enabled() };
        let id = Uuid::now_v7();
        let base = NewNotification {
            event_id: id,
            outbox_seq: None,
            event_type: "announcement".into(),
            channel: Channel::Email,
            recipient: String::new(),
            user_id: None,
            template: templates::ANNOUNCEMENT,
            subject: String::new(),
            text: String::new(),
            html: None,
            ticket_ids: Vec::new(),
            order_id: None,
            session_id: Some(input.session_id),
            registration_id: None,
            created_by: Some(actor.user_id),
        };
        let ctx = serde_json::json!({
            "event": event_json(&s), "session": session_json(&s),
            "announcement": { "subject": input.subject.as_str(), "body": input.body.as_str() },
        });
        let persons = people(&tx, &users).await?;
        let mut rows = Vec::new();
        for person in &persons {
            planner.messages(&mut rows, &base, person, templates::ANNOUNCEMENT, ctx.clone(), &channels)?;
        }
        let queued = insert_notifications(&tx, &rows).await?;
        tx.commit().await?;
        Ok(AnnouncementView { id, session_id: input.session_id, channels, recipients: persons.len() as u64, queued })
    }

    /// Every template with the tenant's parts applied (tenant admins).
    pub async fn list_notification_templates(&self, actor: &Actor, tenant_id: Uuid) -> Result<Vec<TemplateView>> {
        actor.require(Permission::ManageNotifications)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let rows = OverrideRow::find_by_statement(Statement::from_string(
            DbBackend::Postgres,
            "SELECT template, subject, text_body, html_body, sms_body, updated_at FROM notification_templates",
        ))
        .all(&*tx)
        .await?;
        tx.commit().await?;
        templates::NAMES.iter().map(|name| template_view(name, rows.iter().find(|r| r.template == *name))).collect()
    }

    pub async fn get_notification_template(&self, actor: &Actor, tenant_id: Uuid, name: &str) -> Result<TemplateView> {
        actor.require(Permission::ManageNotifications)?;
        let name = check_template_name(name)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let row = override_row(&tx, name).await?;
        tx.commit().await?;
        template_view(name, row.as_ref())
    }

    /// Replaces the tenant's version of a template: the parts given replace
    /// the built-in ones, the others fall back to them. Every part must
    /// compile and render with sample data (422 `invalid_template` names
    /// the part).
    pub async fn put_notification_template(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        name: &str,
        input: TemplateInput,
    ) -> Result<TemplateView> {
        actor.require(Permission::ManageNotifications)?;
        let name = check_template_name(name)?;
        let overrides = Overrides {
            subject: input.subject.map(Text::into_inner),
            text: input.text.map(Text::into_inner),
            html: input.html.map(Text::into_inner),
            sms: input.sms.map(Text::into_inner),
        };
        if overrides == Overrides::default() {
            return Err(Error::validation("subject", "empty", "give at least one of subject, text, html, sms"));
        }
        let base = templates::default_source(name).ok_or_else(|| Error::not_found("template"))?;
        templates::check(&base.with(&overrides), &templates::sample_context())
            .map_err(|e| Error::validation(e.part, "invalid_template", e.message))?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO notification_templates (template, subject, text_body, html_body, sms_body, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (template) DO UPDATE SET subject = $2, text_body = $3, html_body = $4, sms_body = $5, \
               updated_by = $6, updated_at = now()",
            [
                name.into(),
                overrides.subject.clone().into(),
                overrides.text.clone().into(),
                overrides.html.clone().into(),
                overrides.sms.clone().into(),
                actor.user_id.into(),
            ],
        ))
        .await?;
        let row = override_row(&tx, name).await?;
        tx.commit().await?;
        template_view(name, row.as_ref())
    }

    /// Goes back to the built-in template.
    pub async fn delete_notification_template(&self, actor: &Actor, tenant_id: Uuid, name: &str) -> Result<()> {
        actor.require(Permission::ManageNotifications)?;
        let name = check_template_name(name)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM notification_templates WHERE template = $1",
            [name.into()],
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- the worker -------------------------------------------------------

    /// Runs the notification worker until the task is dropped.
    pub async fn run_notification_worker(self) {
        if self.notifier.is_none() {
            tracing::error!("notification senders unavailable: no e-mail or SMS is sent");
            return;
        }
        let mut tick = tokio::time::interval(self.config.notifications.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.notification_pass().await {
                tracing::warn!(error = ?e, "notification worker pass failed");
            }
        }
    }

    /// One pass over every tenant: new events become notifications, due
    /// notifications are sent.
    pub async fn notification_pass(&self) -> Result<NotifyStats> {
        let notifier = self.notifier()?.clone();
        let mut stats = NotifyStats::default();
        for tenant_id in taquilla_store::repo::tenants::all_ids(self.store.db()).await? {
            loop {
                let (events, planned) = self.plan_notifications(tenant_id).await?;
                stats.planned += planned;
                if events < PLAN_BATCH as u64 {
                    break;
                }
            }
            loop {
                let (ok, failed) = self.deliver_due_notifications(tenant_id, &notifier).await?;
                stats.sent += ok;
                stats.failed_attempts += failed;
                if ok + failed < CLAIM_BATCH as u64 {
                    break;
                }
            }
        }
        Ok(stats)
    }

    /// Turns new outbox events into notifications and moves the consumer's
    /// position past them, in one transaction. Returns (events looked at,
    /// notifications queued).
    async fn plan_notifications(&self, tenant_id: Uuid) -> Result<(u64, u64)> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let events = outbox::take(&tx, Consumer::Notifications, PLAN_BATCH).await?;
        if events.is_empty() {
            tx.commit().await?;
            return Ok((0, 0));
        }
        let relevant = [
            kind::ORDER_PAID,
            kind::ORDER_REFUNDED,
            kind::REGISTRATION_CONFIRMED,
            kind::REGISTRATION_WAITLISTED,
            kind::REGISTRATION_PROMOTED,
            kind::TICKET_TRANSFERRED,
            kind::SESSION_CANCELLED,
            kind::WEBHOOK_ENDPOINT_DISABLED,
        ];
        let mut queued = 0;
        if events.iter().any(|e| relevant.contains(&e.event_type.as_str())) {
            let brand = brand(&tx).await?;
            let library = Library::load(&tx).await?;
            let planner = Planner { brand: &brand, library: &library, sms: self.sms_enabled() };
            for ev in &events {
                let rows = planner.plan(&tx, ev).await?;
                queued += insert_notifications(&tx, &rows).await?;
            }
        }
        tx.commit().await?;
        Ok((events.len() as u64, queued))
    }

    /// Claims due notifications with a lease, sends them, records the results.
    async fn deliver_due_notifications(&self, tenant_id: Uuid, notifier: &Notifier) -> Result<(u64, u64)> {
        let lease = self.config.notifications.lease;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let claimed = Claimed::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "WITH c AS (SELECT id FROM notifications WHERE status = 'queued' AND next_attempt_at <= now() \
                        ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED) \
             UPDATE notifications n SET next_attempt_at = now() + make_interval(secs => $2), updated_at = now() \
             FROM c WHERE n.id = c.id \
             RETURNING n.id, n.channel, n.recipient, n.user_id, n.subject, n.text_body, n.html_body, n.ticket_ids, n.attempts",
            [CLAIM_BATCH.into(), lease.as_secs_f64().into()],
        ))
        .all(&*tx)
        .await?;
        if claimed.is_empty() {
            tx.commit().await?;
            return Ok((0, 0));
        }
        // What the messages need besides their text: the sender's name, the
        // recipients' names, and each ticket's current version for its QR.
        let brand = brand(&tx).await?;
        let user_ids: Vec<Uuid> = claimed.iter().filter_map(|c| c.user_id).collect();
        let names: HashMap<Uuid, String> =
            people(&tx, &user_ids).await?.into_iter().map(|p| (p.id, p.display_name)).collect();
        let ticket_ids: Vec<Uuid> = claimed.iter().flat_map(|c| c.ticket_ids.iter().copied()).collect();
        let tickets: HashMap<Uuid, QrTicket> = if ticket_ids.is_empty() {
            HashMap::new()
        } else {
            QrTicket::find_by_statement(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id, session_id, version FROM tickets WHERE id = ANY($1) AND status <> 'void'",
                [ticket_ids.into()],
            ))
            .all(&*tx)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect()
        };
        tx.commit().await?;
        let key = if tickets.is_empty() { None } else { Some(self.signing_key(tenant_id).await?) };

        let outcomes: Vec<Outcome> = futures_util::stream::iter(claimed)
            .map(|c| {
                let brand = &brand;
                let names = &names;
                let tickets = &tickets;
                let key = key.as_deref();
                async move {
                    let result = match c.channel.as_str() {
                        "sms" => match &notifier.sms {
                            Some(sms) => sms.send(&c.recipient, &c.text_body).await,
                            None => Err(SendFailure::transient("SMS is not configured on this server")),
                        },
                        _ => {
                            let images = qr_parts(&c.ticket_ids, tickets, key);
                            match images {
                                Ok((inline, attachments)) => {
                                    let mail = Email {
                                        message_id: format!("{}@taquilla", c.id.simple()),
                                        from_name: brand.name.clone(),
                                        to: c.recipient.clone(),
                                        to_name: c.user_id.and_then(|u| names.get(&u).cloned()).unwrap_or_default(),
                                        subject: c.subject.clone(),
                                        text: c.text_body.clone(),
                                        html: c.html_body.clone(),
                                        inline,
                                        attachments,
                                    };
                                    notifier.mailer.send(&mail).await
                                }
                                Err(e) => Err(e),
                            }
                        }
                    };
                    Outcome { id: c.id, attempts: c.attempts, result }
                }
            })
            .buffer_unordered(CONCURRENT_SENDS)
            .collect()
            .await;
        self.record_notification_attempts(tenant_id, outcomes).await
    }

    async fn record_notification_attempts(&self, tenant_id: Uuid, outcomes: Vec<Outcome>) -> Result<(u64, u64)> {
        let schedule = &self.config.notifications.schedule;
        let (mut ok, mut failed) = (0, 0);
        let tx = self.store.tenant_tx(tenant_id).await?;
        for o in outcomes {
            let attempt = o.attempts + 1;
            match o.result {
                Ok(reference) => {
                    ok += 1;
                    tx.execute_raw(Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        "UPDATE notifications SET status = 'sent', attempts = $2, sent_at = now(), provider_ref = $3, \
                           last_error = NULL, updated_at = now() WHERE id = $1",
                        [o.id.into(), attempt.into(), reference.chars().take(500).collect::<String>().into()],
                    ))
                    .await?;
                }
                Err(e) => {
                    failed += 1;
                    let next = if e.permanent {
                        None
                    } else {
                        schedule.delay_after(usize::try_from(attempt).unwrap_or(usize::MAX))
                    };
                    tracing::info!(notification = %o.id, attempt, permanent = e.permanent, error = %e.message,
                                   "notification attempt failed");
                    tx.execute_raw(Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        "UPDATE notifications SET attempts = $2, last_error = $3, updated_at = now(), \
                           status = CASE WHEN $4::float8 IS NULL THEN 'failed' ELSE 'queued' END, \
                           next_attempt_at = CASE WHEN $4::float8 IS NULL THEN next_attempt_at \
                                                  ELSE now() + make_interval(secs => $4::float8) END \
                         WHERE id = $1",
                        [
                            o.id.into(),
                            attempt.into(),
                            e.message.chars().take(1000).collect::<String>().into(),
                            next.map(|d| d.as_secs_f64()).into(),
                        ],
                    ))
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok((ok, failed))
    }
}

/// Each ticket's QR code, inline (for the HTML) and attached, as PNG. A
/// ticket voided since the message was made gets no image.
fn qr_parts(
    ids: &[Uuid],
    tickets: &HashMap<Uuid, QrTicket>,
    key: Option<&ed25519_dalek::SigningKey>,
) -> std::result::Result<(Vec<Part>, Vec<Part>), SendFailure> {
    let (mut inline, mut attached) = (Vec::new(), Vec::new());
    let Some(key) = key else { return Ok((inline, attached)) };
    for id in ids {
        let Some(t) = tickets.get(id) else { continue };
        let version = u32::try_from(t.version).map_err(|e| SendFailure::transient(e.to_string()))?;
        let token = encode_token(key, &TokenClaims { ticket_id: t.id, session_id: t.session_id, version });
        let png = crate::tickets::render_qr(&token, crate::tickets::QrFormat::Png)
            .map_err(|e| SendFailure::transient(format!("QR code: {}", e.message)))?;
        let filename = format!("ticket-{}.png", t.id);
        inline.push(Part {
            content_id: Some(qr_cid(t.id)),
            filename: filename.clone(),
            content_type: "image/png".into(),
            bytes: png.clone(),
        });
        attached.push(Part { content_id: None, filename, content_type: "image/png".into(), bytes: png });
    }
    Ok((inline, attached))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_times() {
        assert_eq!(format_money(2500, "EUR"), "25.00 EUR");
        assert_eq!(format_money(5, "USD"), "0.05 USD");
        assert_eq!(format_money(1200, "JPY"), "1200 JPY");
        let at = DateTime::parse_from_rfc3339("2030-06-01T10:00:00Z").map(|d| d.with_timezone(&Utc)).ok();
        assert_eq!(
            at.map(|a| local_time(a, "Europe/Madrid")).as_deref(),
            Some("Sat 1 Jun 2030, 12:00 (Europe/Madrid)")
        );
    }
}

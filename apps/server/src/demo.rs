//! `taquilla demo`: a tenant to click around in. Idempotent: when the demo
//! tenant exists it only prints the logins again.

use anyhow::Context;
use chrono::{Duration, Timelike, Utc};
use taquilla_core::roles::Role;
use taquilla_core::status::{EventStatus, SessionStatus};
use taquilla_core::text::{Category, EmailAddress, LongText, Name, Password, ShortText, Slug, TimeZone, Title};
use taquilla_services::events::EventInput;
use taquilla_services::sessions::{SessionInput, SessionPatch};
use taquilla_services::tenants::{NewTenant, NewTenantAdmin};
use taquilla_services::App;

pub const SLUG: &str = "demo";
pub const PASSWORD: &str = "demo-password-1";
pub const PLATFORM_EMAIL: &str = "platform@taquilla.test";

fn p<T>(r: Result<T, String>) -> anyhow::Result<T> {
    r.map_err(|e| anyhow::anyhow!("demo data: {e}"))
}

fn e(err: taquilla_core::Error) -> anyhow::Error {
    anyhow::anyhow!("{err:?}")
}

pub async fn run(app: &App) -> anyhow::Result<()> {
    let _ = app
        .bootstrap_platform_admin(p(EmailAddress::parse(PLATFORM_EMAIL))?, p(Password::parse(PASSWORD))?)
        .await
        .map_err(e)?;
    let existing = taquilla_store::repo::tenants::by_slug(app.store.db(), SLUG).await.map_err(e)?;
    if existing.is_none() {
        seed(app).await?;
    }
    print_logins();
    Ok(())
}

async fn seed(app: &App) -> anyhow::Result<()> {
    let sys = App::system_actor();
    let created = app
        .create_tenant(
            &sys,
            NewTenant {
                slug: p(Slug::parse(SLUG))?,
                name: p(Name::parse("Demo Tickets"))?,
                plan: None,
                admin: NewTenantAdmin {
                    email: p(EmailAddress::parse("admin@demo.test"))?,
                    password: p(Password::parse(PASSWORD))?,
                    display_name: Some(p(Name::parse("Ada Admin"))?),
                },
            },
        )
        .await
        .map_err(e)?;
    let tid = created.tenant.id;
    let admin = taquilla_core::Actor::person(created.admin.id, Some(tid), Role::TenantAdmin);
    let mut organizer = None;
    for (email, role, name) in [
        ("organizer@demo.test", Role::Organizer, "Olga Organizer"),
        ("staff@demo.test", Role::Staff, "Sam Staff"),
        ("attendee@demo.test", Role::Attendee, "Ana Attendee"),
    ] {
        let u = app
            .create_user(
                &admin,
                tid,
                p(EmailAddress::parse(email))?,
                p(Password::parse(PASSWORD))?,
                role,
                p(Name::parse(name))?,
            )
            .await
            .map_err(e)?;
        if role == Role::Organizer {
            organizer = Some(taquilla_core::Actor::person(u.id, Some(tid), role));
        }
    }
    let organizer = organizer.context("organizer was not created")?;
    let base =
        Utc::now().with_minute(0).and_then(|t| t.with_second(0)).and_then(|t| t.with_nanosecond(0)).context("time")?
            + Duration::days(30);
    let samples = [
        ("Rockfest 2027", "music", "Parque del Retiro", "Three stages of rock, from garage bands to headliners.", 0, 3),
        ("Jazz Nights", "music", "Café Central", "Intimate jazz evenings with local quartets.", 10, 1),
        ("Hamlet", "theatre", "Teatro Español", "Shakespeare's tragedy in a new staging.", 20, 2),
        ("City Marathon Expo", "sports", "IFEMA Hall 4", "Gear, talks and bib collection for the marathon.", 35, 2),
        (
            "Rust Conference",
            "conference",
            "Auditorio Norte",
            "Talks on systems programming, async and databases.",
            50,
            2,
        ),
        ("Flamenco Gala", "dance", "Corral de la Morería", "Guitar, song and dance in the oldest tablao.", 65, 1),
    ];
    for (i, (title, cat, venue, desc, offset, days)) in samples.into_iter().enumerate() {
        let starts = base + Duration::days(offset);
        let ends = starts + Duration::days(days);
        let ev = app
            .create_event(
                &organizer,
                tid,
                EventInput {
                    title: p(Title::parse(title))?,
                    description: Some(p(LongText::parse(desc))?),
                    category: p(Category::parse(cat))?,
                    venue: Some(p(ShortText::parse(venue))?),
                    image_url: None,
                    status: Some(if i == 5 { EventStatus::Draft } else { EventStatus::Published }),
                    starts_at: starts,
                    ends_at: ends,
                    timezone: p(TimeZone::parse("Europe/Madrid"))?,
                },
            )
            .await
            .map_err(e)?;
        for d in 0..days {
            let s_start = starts + Duration::days(d) + Duration::hours(18);
            let s = app
                .create_session(
                    &organizer,
                    tid,
                    ev.id,
                    SessionInput {
                        title: p(Title::parse(format!("{title} — day {}", d + 1)))?,
                        presenter: None,
                        venue: Some(p(ShortText::parse("Main stage"))?),
                        starts_at: s_start,
                        ends_at: s_start + Duration::hours(4),
                        capacity: 500,
                        status: None,
                    },
                )
                .await
                .map_err(e)?;
            for to in [SessionStatus::Teaser, SessionStatus::Presale, SessionStatus::OnSale] {
                app.patch_session(
                    &organizer,
                    tid,
                    ev.id,
                    s.id,
                    SessionPatch { status: Some(to), ..Default::default() },
                )
                .await
                .map_err(e)?;
            }
            sections(app, &organizer, tid, s.id, i).await?;
        }
    }
    Ok(())
}

/// General admission and VIP for every session (free for the jazz nights,
/// priced elsewhere), plus a small seated stalls map for the theatre.
async fn sections(
    app: &App,
    organizer: &taquilla_core::Actor,
    tid: uuid::Uuid,
    session: uuid::Uuid,
    event_index: usize,
) -> anyhow::Result<()> {
    use taquilla_services::ticket_types::{SeatInput, SeatMapInput, TicketTypeInput};
    let cur = p(taquilla_core::money::Currency::parse("EUR"))?;
    let free = event_index == 1;
    let section = |name: &str, price: i64, capacity: u32, seated: bool| -> anyhow::Result<TicketTypeInput> {
        Ok(TicketTypeInput {
            name: p(Name::parse(name))?,
            price_minor: price,
            currency: cur,
            capacity,
            sales_opens_at: None,
            sales_closes_at: None,
            min_per_order: None,
            max_per_order: Some(8),
            seated,
        })
    };
    app.create_ticket_type(organizer, tid, session, section("General", if free { 0 } else { 3500 }, 400, false)?)
        .await
        .map_err(e)?;
    app.create_ticket_type(organizer, tid, session, section("VIP", if free { 0 } else { 9000 }, 40, false)?)
        .await
        .map_err(e)?;
    if event_index == 2 {
        let stalls =
            app.create_ticket_type(organizer, tid, session, section("Stalls", 4500, 0, true)?).await.map_err(e)?;
        let mut seats = Vec::new();
        for (r, row) in ["A", "B", "C", "D"].iter().enumerate() {
            for n in 1..=10u32 {
                seats.push(SeatInput {
                    row: p(taquilla_core::text::Text::parse(*row))?,
                    number: n,
                    label: None,
                    x: f64::from(n) * 30.0,
                    y: (r as f64 + 1.0) * 30.0,
                });
            }
        }
        app.upload_seat_map(organizer, tid, stalls.id, SeatMapInput { seats }).await.map_err(e)?;
    }
    Ok(())
}

fn print_logins() {
    println!(
        "\nDemo tenant `{SLUG}` (send `X-Tenant: {SLUG}` or use http://{SLUG}.localhost:8080). Password for every account: {PASSWORD}\n\
         \x20 platform admin  {PLATFORM_EMAIL}   POST /api/v1/admin/auth/login\n\
         \x20 tenant admin    admin@demo.test\n\
         \x20 organizer       organizer@demo.test\n\
         \x20 staff           staff@demo.test\n\
         \x20 attendee        attendee@demo.test\n\
         API docs: http://127.0.0.1:8080/api/docs/   OpenAPI: http://127.0.0.1:8080/api/openapi.json\n"
    );
}

//! Free sessions: registration, waitlist and promotion, the caller's agenda
//! and session attendance, through the real server.

use std::collections::BTreeSet;

use futures_util::future::join_all;
use futures_util::{stream, StreamExt};
use reqwest::Method;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{json, Value};
use taquilla_tests::*;
use uuid::Uuid;

/// A published event of `owner` with one session of `capacity`, moved to `on_sale`.
struct Fx {
    event_id: String,
    session_id: String,
}

impl Fx {
    fn base(&self) -> String {
        format!("/api/v1/events/{}/sessions/{}", self.event_id, self.session_id)
    }
    fn register(&self) -> String {
        format!("{}/register", self.base())
    }
    fn registration(&self) -> String {
        format!("{}/registration", self.base())
    }
    fn attendees(&self) -> String {
        format!("/api/v1/sessions/{}/attendees", self.session_id)
    }
}

async fn session(t: &TestApp, a: &TenantFx, owner: &str, event_id: &str, hour: i64, capacity: u32, open: bool) -> Fx {
    let mut body = session_body(&format!("Talk {hour}"), hour, 1);
    body["capacity"] = json!(capacity);
    let s = t.post(a, Some(owner), &format!("/api/v1/events/{event_id}/sessions"), body).await.ok(201);
    let fx = Fx { event_id: event_id.to_owned(), session_id: s["id"].as_str().unwrap().to_owned() };
    if open {
        for st in ["teaser", "presale", "on_sale"] {
            t.patch(a, Some(owner), &fx.base(), json!({ "status": st })).await.ok(200);
        }
    }
    fx
}

async fn setup(t: &TestApp, a: &TenantFx, owner: &str, capacity: u32) -> Fx {
    let ev = t.event(a, owner, "Free conference").await;
    session(t, a, owner, ev["id"].as_str().unwrap(), 1, capacity, true).await
}

/// `n` attendees, created and logged in a few at a time (argon2 is memory-hungry): (id, token).
async fn attendees(t: &TestApp, a: &TenantFx, prefix: &str, n: usize) -> Vec<(Uuid, String)> {
    let names: Vec<String> = (0..n).map(|i| format!("{prefix}{i:02}")).collect();
    stream::iter(names.iter().map(|name| t.user(a, "attendee", name))).buffered(8).collect().await
}

async fn outbox(t: &TestApp, a: &TenantFx) -> Vec<String> {
    let schema = taquilla_store::schema_name(a.id);
    let rows = t
        .app
        .store
        .db()
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT event_type FROM {schema}.outbox ORDER BY seq"),
        ))
        .await
        .unwrap();
    rows.iter().map(|r| r.try_get::<String>("", "event_type").unwrap()).collect()
}

/// A paid ticket type for the session, straight into the database; returns its id.
async fn paid_ticket_type(t: &TestApp, a: &TenantFx, session_id: &str) -> Uuid {
    let id = Uuid::now_v7();
    let schema = taquilla_store::schema_name(a.id);
    t.sql(&format!(
        "INSERT INTO {schema}.ticket_types (id, session_id, name, price_minor, currency, capacity) \
         VALUES ('{id}', '{session_id}', 'VIP', 2500, 'EUR', 50)"
    ))
    .await;
    id
}

async fn ticket(t: &TestApp, a: &TenantFx, ticket_type: Uuid, session_id: &str, owner: Uuid, status: &str) {
    let schema = taquilla_store::schema_name(a.id);
    let checked_in = if status == "used" { "now()" } else { "NULL" };
    t.sql(&format!(
        "INSERT INTO {schema}.tickets (id, ticket_type_id, session_id, owner_id, status, checked_in_at) \
         VALUES ('{}', '{ticket_type}', '{session_id}', '{owner}', '{status}', {checked_in})",
        Uuid::now_v7()
    ))
    .await;
}

#[tokio::test]
async fn registrations_confirm_until_capacity_then_waitlist_with_positions() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let fx = setup(&t, &a, &a.admin_token, 2).await;
    let users = attendees(&t, &a, "ana", 4).await;

    let mut regs = vec![];
    for (_, tok) in &users {
        regs.push(t.post(&a, Some(tok), &fx.register(), json!({})).await.ok(201));
    }
    let got: Vec<(&str, Value)> =
        regs.iter().map(|r| (r["status"].as_str().unwrap(), r["waitlist_position"].clone())).collect();
    assert_eq!(
        got,
        vec![
            ("confirmed", Value::Null),
            ("confirmed", Value::Null),
            ("waitlisted", json!(1)),
            ("waitlisted", json!(2))
        ]
    );
    assert_eq!(regs[0]["session_id"], json!(fx.session_id));
    assert!(regs[0]["id"].is_string() && regs[0]["created_at"].is_string());

    // Each caller sees their own registration, with its current position.
    for (i, (_, tok)) in users.iter().enumerate() {
        let mine = t.get(&a, Some(tok), &fx.registration()).await.ok(200);
        assert_eq!(mine["id"], regs[i]["id"]);
        assert_eq!(mine["waitlist_position"], regs[i]["waitlist_position"]);
    }
    // Nobody else's: the admin has none.
    t.get(&a, Some(&a.admin_token), &fx.registration()).await.problem(404, "not_found");
    assert_eq!(
        outbox(&t, &a).await,
        ["registration.confirmed", "registration.confirmed", "registration.waitlisted", "registration.waitlisted"]
    );
}

#[tokio::test]
async fn waitlist_moves_up_when_a_confirmed_registration_is_cancelled() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let fx = setup(&t, &a, &a.admin_token, 1).await;
    let u = attendees(&t, &a, "bea", 3).await;
    for (_, tok) in &u {
        t.post(&a, Some(tok), &fx.register(), json!({})).await.ok(201);
    }

    // The confirmed one cancels: the first in the queue takes the place.
    let cancelled = t.delete(&a, Some(&u[0].1), &fx.register()).await.ok(200);
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["waitlist_position"], Value::Null);
    let second = t.get(&a, Some(&u[1].1), &fx.registration()).await.ok(200);
    assert_eq!((second["status"].as_str(), &second["waitlist_position"]), (Some("confirmed"), &Value::Null));
    let third = t.get(&a, Some(&u[2].1), &fx.registration()).await.ok(200);
    assert_eq!((third["status"].as_str(), &third["waitlist_position"]), (Some("waitlisted"), &json!(1)));
    t.get(&a, Some(&u[0].1), &fx.registration()).await.problem(404, "not_found");
    t.delete(&a, Some(&u[0].1), &fx.register()).await.problem(404, "not_found");
    let events = outbox(&t, &a).await;
    assert_eq!(events[3..], ["registration.cancelled", "registration.promoted"]);

    // A waitlisted one cancels: nobody moves.
    t.delete(&a, Some(&u[2].1), &fx.register()).await.ok(200);
    let events = outbox(&t, &a).await;
    assert_eq!(events[5..], ["registration.cancelled"]);
    let second = t.get(&a, Some(&u[1].1), &fx.registration()).await.ok(200);
    assert_eq!(second["status"], "confirmed");

    // Cancelled users may register again, at the back of the queue.
    let again = t.post(&a, Some(&u[0].1), &fx.register(), json!({})).await.ok(201);
    assert_eq!((again["status"].as_str(), &again["waitlist_position"]), (Some("waitlisted"), &json!(1)));
    assert_ne!(again["id"], cancelled["id"]);
    assert_eq!(t.count(&a, "registrations").await, 4);
}

#[tokio::test]
async fn registration_is_refused_twice_when_not_on_sale_and_for_paid_sessions() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let (_, tok) = t.user(&a, "attendee", "cai").await;
    let fx = setup(&t, &a, &a.admin_token, 5).await;

    t.post(&a, Some(&tok), &fx.register(), json!({})).await.ok(201);
    t.post(&a, Some(&tok), &fx.register(), json!({})).await.problem(409, "already_registered");

    // Not yet on sale: the problem names the status.
    let draft = session(&t, &a, &a.admin_token, &fx.event_id, 3, 5, false).await;
    let p = t.post(&a, Some(&tok), &draft.register(), json!({})).await.problem(409, "session_not_open");
    assert_eq!(p["session_status"], "draft");
    t.patch(&a, Some(&a.admin_token), &draft.base(), json!({"status": "teaser"})).await.ok(200);
    let p = t.post(&a, Some(&tok), &draft.register(), json!({})).await.problem(409, "session_not_open");
    assert_eq!(p["session_status"], "teaser");

    // A paid ticket type makes it a ticketed session; a deleted one does not count.
    let paid = session(&t, &a, &a.admin_token, &fx.event_id, 5, 5, true).await;
    let tt = paid_ticket_type(&t, &a, &paid.session_id).await;
    t.post(&a, Some(&tok), &paid.register(), json!({})).await.problem(409, "session_requires_ticket");
    let schema = taquilla_store::schema_name(a.id);
    t.sql(&format!("UPDATE {schema}.ticket_types SET deleted_at = now() WHERE id = '{tt}'")).await;
    t.post(&a, Some(&tok), &paid.register(), json!({})).await.ok(201);

    // Unknown or foreign ids are 404; so is a draft event to an attendee.
    let other_ev = t.event(&a, &a.admin_token, "Other").await;
    let wrong = Fx { event_id: other_ev["id"].as_str().unwrap().to_owned(), session_id: fx.session_id.clone() };
    t.post(&a, Some(&tok), &wrong.register(), json!({})).await.problem(404, "not_found");
    let ghost = Fx { event_id: fx.event_id.clone(), session_id: Uuid::now_v7().to_string() };
    t.post(&a, Some(&tok), &ghost.register(), json!({})).await.problem(404, "not_found");
    t.patch(&a, Some(&a.admin_token), &format!("/api/v1/events/{}", fx.event_id), json!({"status": "draft"}))
        .await
        .ok(200);
    t.get(&a, Some(&tok), &fx.registration()).await.problem(404, "not_found");
    // Anonymous callers cannot register.
    t.post(&a, None, &paid.register(), json!({})).await.problem(401, "unauthenticated");
    assert_eq!(t.count(&a, "registrations").await, 2);
}

#[tokio::test]
async fn registrations_racing_for_the_last_places_never_exceed_capacity() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let fx = setup(&t, &a, &a.admin_token, 10).await;
    let users = attendees(&t, &a, "race", 40).await;

    let path = fx.register();
    let results = join_all(users.iter().map(|(_, tok)| t.post(&a, Some(tok), &path, json!({})))).await;
    let regs: Vec<Value> = results.into_iter().map(|r| r.ok(201)).collect();
    let confirmed = regs.iter().filter(|r| r["status"] == "confirmed").count();
    let positions: BTreeSet<u64> =
        regs.iter().filter(|r| r["status"] == "waitlisted").map(|r| r["waitlist_position"].as_u64().unwrap()).collect();
    assert_eq!(confirmed, 10);
    assert_eq!(positions, (1..=30).collect::<BTreeSet<u64>>(), "30 distinct positions 1..30");

    // The positions read back agree with the ones handed out.
    let mine = fx.registration();
    let reads = join_all(users.iter().map(|(_, tok)| t.get(&a, Some(tok), &mine))).await;
    for (r, reg) in reads.into_iter().zip(&regs) {
        let r = r.ok(200);
        assert_eq!((&r["status"], &r["waitlist_position"]), (&reg["status"], &reg["waitlist_position"]));
    }
    let events = outbox(&t, &a).await;
    assert_eq!(events.iter().filter(|e| *e == "registration.confirmed").count(), 10);
    assert_eq!(events.iter().filter(|e| *e == "registration.waitlisted").count(), 30);
}

#[tokio::test]
async fn registrations_are_tenant_scoped() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let b = t.tenant("bolt").await;
    let fx = setup(&t, &a, &a.admin_token, 5).await;
    let (_, a_user) = t.user(&a, "attendee", "dan").await;
    let (_, b_user) = t.user(&b, "attendee", "dan").await;
    let b_fx = setup(&t, &b, &b.admin_token, 5).await;

    // B's token in A: 401 on every registration endpoint.
    for (m, path) in [
        (Method::POST, fx.register()),
        (Method::DELETE, fx.register()),
        (Method::GET, fx.registration()),
        (Method::GET, "/api/v1/users/me/events".to_owned()),
        (Method::GET, fx.attendees()),
    ] {
        let body = (m == Method::POST).then(|| json!({}));
        t.call(m, Some(&a.slug), Some(&b_user), &path, body).await.problem(401, "wrong_tenant");
    }
    // B's ids in A: 404.
    t.post(&a, Some(&a_user), &b_fx.register(), json!({})).await.problem(404, "not_found");
    t.get(&a, Some(&a_user), &b_fx.registration()).await.problem(404, "not_found");
    t.get(&a, Some(&a.admin_token), &b_fx.attendees()).await.problem(404, "not_found");
    assert_eq!(t.count(&a, "registrations").await, 0);
    assert_eq!(t.count(&b, "registrations").await, 0);
}

#[tokio::test]
async fn attendee_lists_are_for_staff_admins_and_the_owning_organizer() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let (_, olga) = t.user(&a, "organizer", "olga").await;
    let (_, oscar) = t.user(&a, "organizer", "oscar").await;
    let (_, staff) = t.user(&a, "staff", "sam").await;
    let fx = setup(&t, &a, &olga, 2).await;
    let u = attendees(&t, &a, "eve", 3).await;
    for (_, tok) in &u {
        t.post(&a, Some(tok), &fx.register(), json!({})).await.ok(201);
    }
    // A ticket holder of the same session (two tickets, one used) counts once.
    let tt = paid_ticket_type(&t, &a, &fx.session_id).await;
    let (holder, _) = t.user(&a, "attendee", "tim").await;
    ticket(&t, &a, tt, &fx.session_id, holder, "active").await;
    ticket(&t, &a, tt, &fx.session_id, holder, "used").await;
    ticket(&t, &a, tt, &fx.session_id, u[0].0, "void").await;

    t.get(&a, Some(&u[0].1), &fx.attendees()).await.problem(403, "forbidden");
    t.get(&a, Some(&oscar), &fx.attendees()).await.problem(403, "forbidden");
    t.get(&a, Some(&oscar), &format!("/api/v1/sessions/{}/attendees", Uuid::now_v7())).await.problem(404, "not_found");

    for tok in [&olga, &staff, &a.admin_token] {
        let page = t.get(&a, Some(tok), &fx.attendees()).await.ok(200);
        assert_eq!(page["total"], 3, "{page}");
        let rows: Vec<(&str, &str, &str)> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (r["display_name"].as_str().unwrap(), r["source"].as_str().unwrap(), r["status"].as_str().unwrap())
            })
            .collect();
        assert_eq!(
            rows,
            [("eve00", "registration", "confirmed"), ("eve01", "registration", "confirmed"), ("tim", "ticket", "used")]
        );
    }
    let page = t.get(&a, Some(&olga), &fx.attendees()).await.ok(200);
    let tim = &page["items"][2];
    assert_eq!(tim["user_id"], json!(holder));
    assert_eq!(tim["email"], "tim@acme.test");
    assert!(tim["checked_in_at"].is_string());
    assert_eq!(page["items"][0]["checked_in_at"], Value::Null);

    let waiting = t.get(&a, Some(&olga), &format!("{}?status=waitlisted", fx.attendees())).await.ok(200);
    assert_eq!(waiting["total"], 1);
    assert_eq!(waiting["items"][0]["user_id"], json!(u[2].0));
    let confirmed = t.get(&a, Some(&staff), &format!("{}?status=confirmed", fx.attendees())).await.ok(200);
    assert_eq!(confirmed["total"], 2);
    let paged = t.get(&a, Some(&staff), &format!("{}?per_page=2&page=2", fx.attendees())).await.ok(200);
    assert_eq!((paged["total"].as_u64(), paged["items"].as_array().unwrap().len()), (Some(3), 1));
    let past = t.get(&a, Some(&staff), &format!("{}?per_page=2&page=9", fx.attendees())).await.ok(200);
    assert_eq!((past["total"].as_u64(), past["items"].as_array().unwrap().len()), (Some(3), 0));
    let bad =
        t.get(&a, Some(&staff), &format!("{}?status=vip", fx.attendees())).await.problem(422, "validation_failed");
    assert_eq!(bad["field"], "status");
}

#[tokio::test]
async fn registrations_show_up_in_me_events_with_tickets() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let (uid, tok) = t.user(&a, "attendee", "fay").await;
    let ev = t.event(&a, &a.admin_token, "Free conference").await;
    let eid = ev["id"].as_str().unwrap();
    // Created out of order: the list follows the sessions' start.
    let late = session(&t, &a, &a.admin_token, eid, 5, 1, true).await;
    let early = session(&t, &a, &a.admin_token, eid, 1, 1, true).await;
    let ticketed = session(&t, &a, &a.admin_token, eid, 8, 10, true).await;
    let (_, other) = t.user(&a, "attendee", "gus").await;
    t.post(&a, Some(&other), &late.register(), json!({})).await.ok(201);

    assert_eq!(t.get(&a, Some(&tok), "/api/v1/users/me/events").await.ok(200), json!([]));
    t.post(&a, Some(&tok), &late.register(), json!({})).await.ok(201);
    t.post(&a, Some(&tok), &early.register(), json!({})).await.ok(201);
    let tt = paid_ticket_type(&t, &a, &ticketed.session_id).await;
    ticket(&t, &a, tt, &ticketed.session_id, uid, "active").await;
    ticket(&t, &a, tt, &ticketed.session_id, uid, "used").await;
    ticket(&t, &a, tt, &ticketed.session_id, uid, "void").await;

    let list = t.get(&a, Some(&tok), "/api/v1/users/me/events").await.ok(200);
    let rows: Vec<(&str, Value, u64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["session"]["id"].as_str().unwrap(),
                r["registration_status"].clone(),
                r["tickets_count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (early.session_id.as_str(), json!("confirmed"), 0),
            (late.session_id.as_str(), json!("waitlisted"), 0),
            (ticketed.session_id.as_str(), Value::Null, 2),
        ]
    );
    let first = &list[0];
    assert_eq!(first["event"]["id"], ev["id"]);
    assert_eq!(first["event"]["title"], "Free conference");
    assert_eq!(first["event"]["timezone"], "Europe/Madrid");
    assert_eq!(first["event"]["venue"], "Main Hall");
    assert_eq!(first["session"]["status"], "on_sale");
    assert_eq!(first["session"]["venue"], "Stage A");

    // Cancelled registrations and deleted sessions drop out.
    t.delete(&a, Some(&tok), &late.register()).await.ok(200);
    t.delete(&a, Some(&a.admin_token), &ticketed.base()).await;
    let list = t.get(&a, Some(&tok), "/api/v1/users/me/events").await.ok(200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["session"]["id"], json!(early.session_id));
    // Other users see only their own.
    let theirs = t.get(&a, Some(&other), "/api/v1/users/me/events").await.ok(200);
    assert_eq!(theirs.as_array().unwrap().len(), 1);
    assert_eq!(theirs[0]["registration_status"], "confirmed");
}

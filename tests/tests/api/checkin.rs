//! Tickets, QR codes and check-in at the door, through the real server.
//! Tickets have no purchase API yet, so a fixture inserts ticket types,
//! paid orders and tickets with SQL in the tenant's schema.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use reqwest::Method;
use serde_json::{json, Value};
use taquilla_tests::*;
use uuid::Uuid;

/// A tenant with an organizer's event and session, door staff and an attendee.
struct Door {
    a: TenantFx,
    session_id: Uuid,
    staff_id: Uuid,
    staff: String,
    attendee_id: Uuid,
    attendee: String,
}

async fn door(t: &TestApp, slug: &str) -> Door {
    let a = t.tenant(slug).await;
    let (_, organizer) = t.user(&a, "organizer", "olga").await;
    let (staff_id, staff) = t.user(&a, "staff", "door").await;
    let (attendee_id, attendee) = t.user(&a, "attendee", "ana").await;
    let session_id = session(t, &a, &organizer, "Night one", 1).await;
    Door { a, session_id, staff_id, staff, attendee_id, attendee }
}

/// A new event with one session; returns the session's id.
async fn session(t: &TestApp, a: &TenantFx, token: &str, title: &str, offset: i64) -> Uuid {
    let ev = t.event(a, token, "Festival").await;
    let path = format!("/api/v1/events/{}/sessions", ev["id"].as_str().unwrap());
    let s = t.post(a, Some(token), &path, session_body(title, offset, 2)).await.ok(201);
    s["id"].as_str().unwrap().parse().unwrap()
}

fn schema(a: &TenantFx) -> String {
    taquilla_store::schema_name(a.id)
}

async fn ticket_type(t: &TestApp, a: &TenantFx, session_id: Uuid, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    t.sql(&format!(
        "INSERT INTO {s}.ticket_types (id, session_id, name, price_minor, currency, capacity) \
         VALUES ('{id}', '{session_id}', '{name}', 0, 'EUR', 1000)",
        s = schema(a)
    ))
    .await;
    id
}

/// A paid free order of one ticket for `owner`, optionally seated; returns the ticket id.
async fn issue(t: &TestApp, a: &TenantFx, tt: Uuid, session_id: Uuid, owner: Uuid, seat: Option<&str>) -> Uuid {
    let s = schema(a);
    let (order, ticket) = (Uuid::now_v7(), Uuid::now_v7());
    let seat_id = match seat {
        Some(label) => {
            let id = Uuid::now_v7();
            t.sql(&format!(
                "INSERT INTO {s}.seats (id, ticket_type_id, session_id, row_label, number, label, status) \
                 VALUES ('{id}', '{tt}', '{session_id}', 'A', {n}, '{label}', 'sold')",
                n = rand::random::<u16>()
            ))
            .await;
            format!("'{id}'")
        }
        None => "NULL".into(),
    };
    t.sql(&format!(
        "INSERT INTO {s}.orders (id, user_id, session_id, status, total_minor, currency, provider, paid_at) \
         VALUES ('{order}', '{owner}', '{session_id}', 'paid', 0, 'EUR', 'free', now()); \
         INSERT INTO {s}.tickets (id, order_id, ticket_type_id, session_id, seat_id, owner_id, created_at) \
         VALUES ('{ticket}', '{order}', '{tt}', '{session_id}', {seat_id}, '{owner}', clock_timestamp()); \
         UPDATE {s}.ticket_types SET sold = sold + 1 WHERE id = '{tt}'"
    ))
    .await;
    ticket
}

/// The ticket's QR token, as its owner (or staff) reads it from the API.
async fn token(t: &TestApp, a: &TenantFx, bearer: &str, ticket: Uuid) -> String {
    let v = t.get(a, Some(bearer), &format!("/api/v1/tickets/{ticket}")).await.ok(200);
    v["token"].as_str().unwrap().to_owned()
}

/// One row of a tenant query, as JSON (so tests read any columns simply).
async fn row(t: &TestApp, a: &TenantFx, sql: &str) -> Value {
    let sql = format!("SELECT row_to_json(x)::text AS j FROM ({sql}) x");
    t.json(&sql.replace("{s}", &schema(a))).await
}

async fn ticket_state(t: &TestApp, a: &TenantFx, id: Uuid) -> Value {
    row(
        t,
        a,
        &format!("SELECT status, version, checked_in_at, checked_in_by, gate FROM {{s}}.tickets WHERE id = '{id}'"),
    )
    .await
}

async fn checkins_in_outbox(t: &TestApp, a: &TenantFx) -> i64 {
    row(t, a, "SELECT count(*) AS n FROM {s}.outbox WHERE event_type = 'ticket.checked_in'").await["n"]
        .as_i64()
        .unwrap()
}

fn scan(token: &str, gate: &str) -> Value {
    json!({ "token": token, "gate": gate })
}

#[tokio::test]
async fn a_valid_scan_admits_once_and_the_second_says_when_and_where() {
    let t = spawn_app().await;
    let d = door(&t, "acme").await;
    let vip = ticket_type(&t, &d.a, d.session_id, "VIP").await;
    let ticket = issue(&t, &d.a, vip, d.session_id, d.attendee_id, Some("A-12")).await;
    let tok = token(&t, &d.a, &d.attendee, ticket).await;

    let mut body = scan(&tok, "North 1");
    body["session_id"] = json!(d.session_id);
    let r = t.post(&d.a, Some(&d.staff), "/api/v1/checkin", body).await.ok(200);
    assert_eq!(r["result"], "admitted");
    assert_eq!(r["gate"], "North 1");
    assert_eq!(r["ticket"]["id"], json!(ticket));
    assert_eq!(r["ticket"]["session_id"], json!(d.session_id));
    assert_eq!(r["ticket"]["ticket_type"], "VIP");
    assert_eq!(r["ticket"]["seat_label"], "A-12");
    assert_eq!(r["ticket"]["owner_name"], "ana");
    let at = r["checked_in_at"].as_str().unwrap().to_owned();

    let db = ticket_state(&t, &d.a, ticket).await;
    assert_eq!((db["status"].as_str(), db["gate"].as_str()), (Some("used"), Some("North 1")));
    assert_eq!(db["checked_in_by"], json!(d.staff_id));
    assert_eq!(checkins_in_outbox(&t, &d.a).await, 1);
    let ev = row(&t, &d.a, "SELECT aggregate_id, payload FROM {s}.outbox WHERE event_type = 'ticket.checked_in'").await;
    assert_eq!(ev["aggregate_id"], json!(ticket));
    assert_eq!(ev["payload"]["gate"], "North 1");

    // The second scan, at another gate and through the path-style endpoint.
    let p = t
        .post(&d.a, Some(&d.staff), &format!("/api/v1/tickets/{tok}/validate"), json!({"gate": "South"}))
        .await
        .problem(409, "already_used");
    assert_eq!(p["gate"], "North 1");
    assert_eq!(p["checked_in_by"], json!(d.staff_id));
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(p["checked_in_at"].as_str().unwrap()).unwrap(),
        chrono::DateTime::parse_from_rfc3339(&at).unwrap()
    );
    // Without a body, gate from the query string; still the same answer.
    let p = t
        .call(Method::POST, Some(&d.a.slug), Some(&d.staff), &format!("/api/v1/tickets/{tok}/validate?gate=East"), None)
        .await
        .problem(409, "already_used");
    assert_eq!(p["gate"], "North 1");
    assert_eq!(ticket_state(&t, &d.a, ticket).await["gate"], "North 1");
    assert_eq!(checkins_in_outbox(&t, &d.a).await, 1);

    // The owner sees the check-in on the ticket.
    let v = t.get(&d.a, Some(&d.attendee), &format!("/api/v1/tickets/{ticket}")).await.ok(200);
    assert_eq!((v["status"].as_str(), v["gate"].as_str()), (Some("used"), Some("North 1")));
}

#[tokio::test]
async fn the_path_style_scan_admits_with_query_or_no_details() {
    let t = spawn_app().await;
    let d = door(&t, "acme").await;
    let ga = ticket_type(&t, &d.a, d.session_id, "General").await;
    let one = issue(&t, &d.a, ga, d.session_id, d.attendee_id, None).await;
    let two = issue(&t, &d.a, ga, d.session_id, d.attendee_id, None).await;
    let tok1 = token(&t, &d.a, &d.attendee, one).await;
    let tok2 = token(&t, &d.a, &d.attendee, two).await;
    let path = format!("/api/v1/tickets/{tok1}/validate?gate=West&session_id={}", d.session_id);
    let r = t.call(Method::POST, Some(&d.a.slug), Some(&d.staff), &path, None).await.ok(200);
    assert_eq!((r["result"].as_str(), r["gate"].as_str()), (Some("admitted"), Some("West")));
    assert_eq!(r["ticket"]["seat_label"], Value::Null);
    let path = format!("/api/v1/tickets/{tok2}/validate");
    let r = t.call(Method::POST, Some(&d.a.slug), Some(&d.staff), &path, None).await;
    assert_eq!(r.ok(200)["gate"], Value::Null);
    // A bad gate is a field error.
    let three = issue(&t, &d.a, ga, d.session_id, d.attendee_id, None).await;
    let tok3 = token(&t, &d.a, &d.attendee, three).await;
    let p = t.post(&d.a, Some(&d.staff), "/api/v1/checkin", scan(&tok3, &"g".repeat(65))).await;
    assert_eq!(p.problem(422, "validation_failed")["field"], "gate");
    let p = t.post(&d.a, Some(&d.staff), "/api/v1/checkin", json!({"token": tok3})).await;
    assert_eq!(p.problem(422, "validation_failed")["field"], "gate");
    assert_eq!(ticket_state(&t, &d.a, three).await["status"], "active");
}

#[tokio::test]
async fn fifty_simultaneous_scans_admit_exactly_one() {
    let t = spawn_app().await;
    let d = door(&t, "acme").await;
    let ga = ticket_type(&t, &d.a, d.session_id, "General").await;
    let ticket = issue(&t, &d.a, ga, d.session_id, d.attendee_id, None).await;
    let tok = token(&t, &d.a, &d.staff, ticket).await;
    let calls = (0..50).map(|i| t.post(&d.a, Some(&d.staff), "/api/v1/checkin", scan(&tok, &format!("Gate {i}"))));
    let results = futures_util::future::join_all(calls).await;
    let admitted: Vec<&Resp> = results.iter().filter(|r| r.status == 200).collect();
    let used = results.iter().filter(|r| r.status == 409 && r.body["code"] == "already_used").count();
    assert_eq!(
        (admitted.len(), used),
        (1, 49),
        "{:?}",
        results.iter().map(|r| (r.status, r.body["code"].clone())).collect::<Vec<_>>()
    );
    let winner = admitted[0].body["gate"].clone();
    assert!(results.iter().filter(|r| r.status == 409).all(|r| r.body["gate"] == winner));
    assert_eq!(ticket_state(&t, &d.a, ticket).await["gate"], winner);
    assert_eq!(checkins_in_outbox(&t, &d.a).await, 1);
}

#[tokio::test]
async fn forged_foreign_void_superseded_and_wrong_session_tickets_are_refused_and_change_nothing() {
    let t = spawn_app().await;
    let d = door(&t, "acme").await;
    let ga = ticket_type(&t, &d.a, d.session_id, "General").await;
    let good = issue(&t, &d.a, ga, d.session_id, d.attendee_id, None).await;
    let tok = token(&t, &d.a, &d.attendee, good).await;
    let post = |body: Value| t.post(&d.a, Some(&d.staff), "/api/v1/checkin", body);
    let reason = |p: Value| p["reason"].as_str().unwrap().to_owned();

    // Garbage, a truncated token, and every kind of single-character change.
    assert_eq!(reason(post(scan("hello", "N")).await.problem(422, "invalid_ticket")), "malformed");
    assert_eq!(reason(post(scan(&tok[..tok.len() - 1], "N")).await.problem(422, "invalid_ticket")), "malformed");
    for i in [0, 3, 30, 50, 70, tok.len() - 2] {
        let mut chars: Vec<char> = tok.chars().collect();
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let altered: String = chars.into_iter().collect();
        post(scan(&altered, "N")).await.problem(422, "invalid_ticket");
    }
    // A token for a ticket that does not exist, signed with another key.
    let mut bytes = URL_SAFE_NO_PAD.decode(&tok).unwrap();
    bytes[1..17].copy_from_slice(Uuid::now_v7().as_bytes());
    let forged = URL_SAFE_NO_PAD.encode(&bytes);
    assert_eq!(reason(post(scan(&forged, "N")).await.problem(422, "invalid_ticket")), "bad_signature");

    // Another tenant's genuine token, scanned here.
    let b = door(&t, "bolt").await;
    let b_ga = ticket_type(&t, &b.a, b.session_id, "General").await;
    let b_ticket = issue(&t, &b.a, b_ga, b.session_id, b.attendee_id, None).await;
    let b_tok = token(&t, &b.a, &b.attendee, b_ticket).await;
    assert_eq!(reason(post(scan(&b_tok, "N")).await.problem(422, "invalid_ticket")), "bad_signature");
    assert_eq!(ticket_state(&t, &b.a, b_ticket).await["status"], "active");

    // A voided ticket.
    let void = issue(&t, &d.a, ga, d.session_id, d.attendee_id, None).await;
    let void_tok = token(&t, &d.a, &d.attendee, void).await;
    t.sql(&format!("UPDATE {}.tickets SET status = 'void' WHERE id = '{void}'", schema(&d.a))).await;
    assert_eq!(reason(post(scan(&void_tok, "N")).await.problem(422, "invalid_ticket")), "void");
    assert_eq!(t.get(&d.a, Some(&d.attendee), &format!("/api/v1/tickets/{void}")).await.ok(200)["token"], Value::Null);

    // The old QR of a transferred ticket (its version was bumped).
    let moved = issue(&t, &d.a, ga, d.session_id, d.attendee_id, None).await;
    let old_tok = token(&t, &d.a, &d.attendee, moved).await;
    t.sql(&format!("UPDATE {}.tickets SET version = version + 1 WHERE id = '{moved}'", schema(&d.a))).await;
    assert_eq!(reason(post(scan(&old_tok, "N")).await.problem(422, "invalid_ticket")), "superseded");
    let new_tok = token(&t, &d.a, &d.attendee, moved).await;
    assert_ne!(new_tok, old_tok);

    // A ticket for another session than the one being admitted.
    let mut body = scan(&tok, "N");
    body["session_id"] = json!(Uuid::now_v7());
    assert_eq!(reason(post(body).await.problem(422, "invalid_ticket")), "wrong_session");
    let path = format!("/api/v1/tickets/{tok}/validate?session_id={}", b.session_id);
    let p = t.call(Method::POST, Some(&d.a.slug), Some(&d.staff), &path, None).await;
    assert_eq!(reason(p.problem(422, "invalid_ticket")), "wrong_session");

    // Nothing changed: no check-in anywhere, the refused tickets as they were.
    assert_eq!(checkins_in_outbox(&t, &d.a).await, 0);
    assert_eq!(checkins_in_outbox(&t, &b.a).await, 0);
    for (id, status) in [(good, "active"), (void, "void"), (moved, "active")] {
        let s = ticket_state(&t, &d.a, id).await;
        assert_eq!((s["status"].as_str(), &s["checked_in_at"], &s["gate"]), (Some(status), &Value::Null, &Value::Null));
    }
    // The genuine current tokens still work afterwards.
    post(scan(&tok, "N")).await.ok(200);
    post(scan(&new_tok, "N")).await.ok(200);
}

#[tokio::test]
async fn only_door_roles_of_the_tenant_check_in() {
    let t = spawn_app().await;
    let d = door(&t, "acme").await;
    let ga = ticket_type(&t, &d.a, d.session_id, "General").await;
    let ticket = issue(&t, &d.a, ga, d.session_id, d.attendee_id, None).await;
    let tok = token(&t, &d.a, &d.attendee, ticket).await;

    // Not even one's own ticket.
    t.post(&d.a, Some(&d.attendee), "/api/v1/checkin", scan(&tok, "N")).await.problem(403, "forbidden");
    let path = format!("/api/v1/tickets/{tok}/validate");
    t.call(Method::POST, Some(&d.a.slug), Some(&d.attendee), &path, None).await.problem(403, "forbidden");
    t.post(&d.a, None, "/api/v1/checkin", scan(&tok, "N")).await.problem(401, "unauthenticated");
    let b = door(&t, "bolt").await;
    t.post(&d.a, Some(&b.staff), "/api/v1/checkin", scan(&tok, "N")).await.problem(401, "wrong_tenant");
    t.call(Method::POST, Some(&d.a.slug), Some(&b.staff), &path, None).await.problem(401, "wrong_tenant");
    let stats = format!("/api/v1/sessions/{}/checkin-stats", d.session_id);
    t.get(&d.a, Some(&d.attendee), &stats).await.problem(403, "forbidden");
    t.get(&d.a, Some(&b.staff), &stats).await.problem(401, "wrong_tenant");
    // B's staff on B sees nothing of A's session.
    t.get(&b.a, Some(&b.staff), &stats).await.problem(404, "not_found");
    assert_eq!(ticket_state(&t, &d.a, ticket).await["status"], "active");

    // Organizers and admins may scan too.
    let (_, org) = t.user(&d.a, "organizer", "otto").await;
    t.post(&d.a, Some(&org), "/api/v1/checkin", scan(&tok, "N")).await.ok(200);
    t.post(&d.a, Some(&d.a.admin_token), "/api/v1/checkin", scan(&tok, "N")).await.problem(409, "already_used");
}

#[tokio::test]
async fn the_public_key_verifies_tokens_offline() {
    use ed25519_dalek::{Signature, VerifyingKey};
    let t = spawn_app().await;
    let d = door(&t, "acme").await;
    let ga = ticket_type(&t, &d.a, d.session_id, "General").await;
    let ticket = issue(&t, &d.a, ga, d.session_id, d.attendee_id, None).await;
    let tok = token(&t, &d.a, &d.attendee, ticket).await;

    // No credential needed; the key is stable.
    let k = t.get(&d.a, None, "/api/v1/checkin/public-key").await.ok(200);
    assert_eq!(k["algorithm"], "Ed25519");
    assert!(k["token_format"].as_str().unwrap().contains("Ed25519"));
    assert_eq!(t.get(&d.a, Some(&d.staff), "/api/v1/checkin/public-key").await.ok(200)["public_key"], k["public_key"]);
    let pk: [u8; 32] = URL_SAFE_NO_PAD.decode(k["public_key"].as_str().unwrap()).unwrap().try_into().unwrap();
    let pk = VerifyingKey::from_bytes(&pk).unwrap();

    let bytes = URL_SAFE_NO_PAD.decode(&tok).unwrap();
    assert_eq!(bytes.len(), 101);
    let (payload, sig) = bytes.split_at(37);
    pk.verify_strict(payload, &Signature::from_slice(sig).unwrap()).unwrap();
    assert_eq!(payload[0], 1);
    assert_eq!(Uuid::from_slice(&payload[1..17]).unwrap(), ticket);
    assert_eq!(Uuid::from_slice(&payload[17..33]).unwrap(), d.session_id);
    assert_eq!(u32::from_be_bytes(payload[33..37].try_into().unwrap()), 1);
    let mut altered = payload.to_vec();
    altered[36] = 2;
    assert!(pk.verify_strict(&altered, &Signature::from_slice(sig).unwrap()).is_err());

    // Another tenant has another key, which does not verify this token.
    let b = t.tenant("bolt").await;
    let kb = t.get(&b, None, "/api/v1/checkin/public-key").await.ok(200);
    assert_ne!(kb["public_key"], k["public_key"]);
    let pkb: [u8; 32] = URL_SAFE_NO_PAD.decode(kb["public_key"].as_str().unwrap()).unwrap().try_into().unwrap();
    let pkb = VerifyingKey::from_bytes(&pkb).unwrap();
    assert!(pkb.verify_strict(payload, &Signature::from_slice(sig).unwrap()).is_err());
    // One active key per tenant, made once.
    assert_eq!(t.count(&d.a, "signing_keys").await, 1);
}

#[tokio::test]
async fn simultaneous_first_uses_make_one_key() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let calls = (0..10).map(|_| t.get(&a, None, "/api/v1/checkin/public-key"));
    let keys: Vec<Value> = futures_util::future::join_all(calls).await.into_iter().map(|r| r.ok(200)).collect();
    assert!(keys.iter().all(|k| k["public_key"] == keys[0]["public_key"]));
    assert_eq!(t.count(&a, "signing_keys").await, 1);
}

async fn raw_get(t: &TestApp, a: &TenantFx, token: &str, path: &str) -> (u16, String, Vec<u8>) {
    let r =
        t.http.get(format!("{}{path}", t.base)).header("X-Tenant", &a.slug).bearer_auth(token).send().await.unwrap();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (r.status().as_u16(), ct, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn qr_images_hold_the_token() {
    let t = spawn_app().await;
    let d = door(&t, "acme").await;
    let ga = ticket_type(&t, &d.a, d.session_id, "General").await;
    let ticket = issue(&t, &d.a, ga, d.session_id, d.attendee_id, None).await;
    let tok = token(&t, &d.a, &d.attendee, ticket).await;

    let (status, ct, png) = raw_get(&t, &d.a, &d.attendee, &format!("/api/v1/tickets/{ticket}/qr.png")).await;
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, content) = grids[0].decode().unwrap();
    assert_eq!(content, tok);

    let (status, ct, svg) = raw_get(&t, &d.a, &d.staff, &format!("/api/v1/tickets/{ticket}/qr.svg")).await;
    assert_eq!((status, ct.as_str()), (200, "image/svg+xml"));
    assert!(String::from_utf8(svg).unwrap().contains("<svg"));

    // Another attendee sees neither the ticket nor its QR; another tenant's id is unknown.
    let (_, other) = t.user(&d.a, "attendee", "bob").await;
    t.get(&d.a, Some(&other), &format!("/api/v1/tickets/{ticket}")).await.problem(404, "not_found");
    t.get(&d.a, Some(&other), &format!("/api/v1/tickets/{ticket}/qr.png")).await.problem(404, "not_found");
    let b = t.tenant("bolt").await;
    t.get(&b, Some(&b.admin_token), &format!("/api/v1/tickets/{ticket}/qr.svg")).await.problem(404, "not_found");
    t.get(&d.a, Some(&d.attendee), &format!("/api/v1/tickets/{}", Uuid::now_v7())).await.problem(404, "not_found");
    t.get(&d.a, Some(&d.attendee), "/api/v1/tickets/not-a-uuid/qr.png").await.problem(404, "not_found");
    t.get(&d.a, None, &format!("/api/v1/tickets/{ticket}/qr.png")).await.problem(401, "unauthenticated");

    // A void ticket has no QR.
    t.sql(&format!("UPDATE {}.tickets SET status = 'void' WHERE id = '{ticket}'", schema(&d.a))).await;
    t.get(&d.a, Some(&d.attendee), &format!("/api/v1/tickets/{ticket}/qr.png")).await.problem(409, "ticket_void");
    t.get(&d.a, Some(&d.staff), &format!("/api/v1/tickets/{ticket}/qr.svg")).await.problem(409, "ticket_void");
}

#[tokio::test]
async fn stats_count_per_ticket_type_and_gate() {
    let t = spawn_app().await;
    let d = door(&t, "acme").await;
    let vip = ticket_type(&t, &d.a, d.session_id, "VIP").await;
    let ga = ticket_type(&t, &d.a, d.session_id, "General").await;
    let unsold = ticket_type(&t, &d.a, d.session_id, "Balcony").await;
    let mut vips = vec![];
    for _ in 0..3 {
        vips.push(issue(&t, &d.a, vip, d.session_id, d.attendee_id, None).await);
    }
    let mut gas = vec![];
    for _ in 0..4 {
        gas.push(issue(&t, &d.a, ga, d.session_id, d.attendee_id, None).await);
    }
    // A void ticket counts nowhere.
    let void = issue(&t, &d.a, ga, d.session_id, d.attendee_id, None).await;
    t.sql(&format!("UPDATE {}.tickets SET status = 'void' WHERE id = '{void}'", schema(&d.a))).await;
    // Another session's tickets are not this one's.
    let (_, org) = t.user(&d.a, "organizer", "otto").await;
    let other_session = session(&t, &d.a, &org, "Night two", 5).await;
    let other_tt = ticket_type(&t, &d.a, other_session, "General").await;
    let other = issue(&t, &d.a, other_tt, other_session, d.attendee_id, None).await;

    for (ticket, gate) in
        [(vips[0], "North"), (vips[1], "South"), (gas[0], "North"), (gas[1], "North"), (other, "North")]
    {
        let tok = token(&t, &d.a, &d.staff, ticket).await;
        t.post(&d.a, Some(&d.staff), "/api/v1/checkin", scan(&tok, gate)).await.ok(200);
    }

    let s = t.get(&d.a, Some(&d.staff), &format!("/api/v1/sessions/{}/checkin-stats", d.session_id)).await.ok(200);
    assert_eq!(s["session_id"], json!(d.session_id));
    assert_eq!((s["sold"].as_u64(), s["checked_in"].as_u64()), (Some(7), Some(4)));
    assert_eq!(
        s["by_ticket_type"],
        json!([
            {"ticket_type_id": vip, "name": "VIP", "sold": 3, "checked_in": 2},
            {"ticket_type_id": ga, "name": "General", "sold": 4, "checked_in": 2},
            {"ticket_type_id": unsold, "name": "Balcony", "sold": 0, "checked_in": 0},
        ])
    );
    assert_eq!(s["by_gate"], json!([{"gate": "North", "checked_in": 3}, {"gate": "South", "checked_in": 1}]));

    let o = t.get(&d.a, Some(&org), &format!("/api/v1/sessions/{other_session}/checkin-stats")).await.ok(200);
    assert_eq!((o["sold"].as_u64(), o["checked_in"].as_u64()), (Some(1), Some(1)));
    t.get(&d.a, Some(&d.staff), &format!("/api/v1/sessions/{}/checkin-stats", Uuid::now_v7()))
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn my_tickets_lists_only_the_callers_tickets_newest_first() {
    use ed25519_dalek::{Signature, VerifyingKey};
    let t = spawn_app().await;
    let d = door(&t, "acme").await;
    let (bob_id, bob) = t.user(&d.a, "attendee", "bob").await;
    let ga = ticket_type(&t, &d.a, d.session_id, "General").await;
    let first = issue(&t, &d.a, ga, d.session_id, d.attendee_id, Some("B-1")).await;
    let bobs = issue(&t, &d.a, ga, d.session_id, bob_id, None).await;
    let second = issue(&t, &d.a, ga, d.session_id, d.attendee_id, None).await;
    let third = issue(&t, &d.a, ga, d.session_id, d.attendee_id, None).await;
    t.sql(&format!("UPDATE {}.tickets SET status = 'void' WHERE id = '{third}'", schema(&d.a))).await;

    let page = t.get(&d.a, Some(&d.attendee), "/api/v1/users/me/tickets").await.ok(200);
    let ids: Vec<&str> = page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [third.to_string(), second.to_string(), first.to_string()]);
    assert_eq!(page["total"], 3);

    let k = t.get(&d.a, None, "/api/v1/checkin/public-key").await.ok(200);
    let pk: [u8; 32] = URL_SAFE_NO_PAD.decode(k["public_key"].as_str().unwrap()).unwrap().try_into().unwrap();
    let pk = VerifyingKey::from_bytes(&pk).unwrap();
    for item in page["items"].as_array().unwrap() {
        assert_eq!(item["owner_id"], json!(d.attendee_id));
        assert_eq!(item["ticket_type"]["name"], "General");
        assert_eq!(item["event"]["title"], "Festival");
        assert_eq!(item["event"]["timezone"], "Europe/Madrid");
        assert_eq!(item["session"]["id"], json!(d.session_id));
        assert_eq!(item["session"]["title"], "Night one");
        assert_eq!(item["session"]["venue"], "Stage A");
        assert_eq!(item["session"]["status"], "draft");
        if item["status"] == "void" {
            assert_eq!(item["token"], Value::Null);
            continue;
        }
        let bytes = URL_SAFE_NO_PAD.decode(item["token"].as_str().unwrap()).unwrap();
        let (payload, sig) = bytes.split_at(37);
        pk.verify_strict(payload, &Signature::from_slice(sig).unwrap()).unwrap();
        assert_eq!(Uuid::from_slice(&payload[1..17]).unwrap().to_string(), item["id"].as_str().unwrap());
    }
    assert_eq!(page["items"][2]["seat_label"], "B-1");

    // Paging and a status filter.
    let p2 = t.get(&d.a, Some(&d.attendee), "/api/v1/users/me/tickets?per_page=2&page=2").await.ok(200);
    assert_eq!((p2["total"].as_u64(), p2["items"][0]["id"].as_str()), (Some(3), Some(first.to_string().as_str())));
    let past = t.get(&d.a, Some(&d.attendee), "/api/v1/users/me/tickets?per_page=2&page=5").await.ok(200);
    assert_eq!((past["total"].as_u64(), past["items"].as_array().map(Vec::len)), (Some(3), Some(0)));
    let active = t.get(&d.a, Some(&d.attendee), "/api/v1/users/me/tickets?status=active").await.ok(200);
    assert_eq!(active["total"], 2);
    t.get(&d.a, Some(&d.attendee), "/api/v1/users/me/tickets?per_page=0").await.problem(422, "validation_failed");
    t.get(&d.a, Some(&d.attendee), "/api/v1/users/me/tickets?status=lost").await.problem(422, "validation_failed");

    let bobs_page = t.get(&d.a, Some(&bob), "/api/v1/users/me/tickets").await.ok(200);
    assert_eq!(bobs_page["total"], 1);
    assert_eq!(bobs_page["items"][0]["id"], json!(bobs));
    // Staff have no tickets of their own; nobody sees anyone else's here.
    assert_eq!(t.get(&d.a, Some(&d.staff), "/api/v1/users/me/tickets").await.ok(200)["total"], 0);
    t.get(&d.a, None, "/api/v1/users/me/tickets").await.problem(401, "unauthenticated");
}

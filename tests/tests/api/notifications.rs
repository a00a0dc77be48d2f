//! E-mail and SMS, end to end: the real server's notification worker sends
//! to a real SMTP server (tests/src/smtp.rs) and to a local Twilio-speaking
//! stand-in; mails are parsed as MIME, their QR codes decoded and scanned
//! at the door.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use taquilla_tests::smtp::{Delivered, SmtpSink};
use taquilla_tests::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::ticketing::{show, Show};

/// A configuration whose mail goes to `sink` (or, without one, to files in
/// `mail_dir`), with a quick worker and retry schedule.
fn notify_config(
    mut c: taquilla_services::Config,
    sink: Option<&SmtpSink>,
    mail_dir: &std::path::Path,
) -> taquilla_services::Config {
    let n = &mut c.notifications;
    n.notify.mail.smtp_url = sink.map(|s| secrecy::SecretString::from(s.url()));
    n.notify.mail.mail_dir = mail_dir.to_path_buf();
    n.notify.mail.from = "tickets@taquilla.test".into();
    n.notify.mail.timeout = Duration::from_secs(2);
    n.poll = Duration::from_millis(50);
    n.lease = Duration::from_secs(10);
    // Retries every 300 ms for a minute: an outage a test makes ends well before.
    let schedule = std::iter::once("0").chain(std::iter::repeat_n("300", 200)).collect::<Vec<_>>().join(",");
    n.schedule = taquilla_webhooks::RetrySchedule::parse_ms(&schedule).unwrap();
    c
}

fn mail_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("taquilla-mail-{}", uuid::Uuid::new_v4().simple()))
}

async fn app_with_sink(sink: &SmtpSink) -> TestApp {
    spawn_app_with(notify_config(test_config(), Some(sink), &mail_dir())).await
}

fn start_worker(t: &TestApp) -> tokio::task::JoinHandle<()> {
    tokio::spawn(t.app.clone().run_notification_worker())
}

async fn notifications(t: &TestApp, f: &TenantFx, query: &str) -> Vec<Value> {
    t.get(f, Some(&f.admin_token), &format!("/api/v1/notifications?per_page=100{query}")).await.ok(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn wait_notifications(t: &TestApp, f: &TenantFx, what: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..600 {
        let n = notifications(t, f, "").await;
        if pred(&n) {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}: {:#?}", notifications(t, f, "").await);
}

/// A free order of `n` tickets for a new attendee `name`: (user id, token, order).
async fn free_order(t: &TestApp, s: &Show, section: &Value, name: &str, n: u32) -> (uuid::Uuid, String, Value) {
    let (id, token) = t.user(&s.t, "attendee", name).await;
    let o = t
        .post(
            &s.t,
            Some(&token),
            "/api/v1/orders",
            json!({"session_id": s.session_id, "items": [{"ticket_type_id": section["id"], "quantity": n}]}),
        )
        .await
        .ok(201);
    (id, token, o)
}

/// An image part: its Content-ID (inline) or file name (attached), and its bytes.
type Image = (String, Vec<u8>);

/// Every PNG of a mail: (inline by Content-ID, attached).
fn images(m: &Delivered) -> (Vec<Image>, Vec<Image>) {
    use mail_parser::MimeHeaders;
    let parsed = m.parsed();
    let (mut inline, mut attached) = (Vec::new(), Vec::new());
    for part in parsed.parts.iter() {
        let is_png = part.content_type().is_some_and(|c| c.ctype() == "image" && c.subtype() == Some("png"));
        if !is_png {
            continue;
        }
        let disposition = part.content_disposition().map(|d| d.ctype().to_owned()).unwrap_or_default();
        let bytes = part.contents().to_vec();
        match (part.content_id(), disposition.as_str()) {
            (Some(cid), "inline") => inline.push((cid.to_owned(), bytes)),
            (None, "attachment") => attached.push((part.attachment_name().unwrap_or_default().to_owned(), bytes)),
            other => panic!("unexpected image part {other:?}"),
        }
    }
    (inline, attached)
}

fn decode_qr(png: &[u8]) -> String {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let img = image::load_from_memory_with_format(png, image::ImageFormat::Png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code per image");
    grids[0].decode().unwrap().1
}

/// Decodes every inline QR code of `m`, checks that the HTML shows each one
/// by its Content-ID and that each is attached too; returns the tokens.
fn qr_tokens(m: &Delivered) -> Vec<String> {
    let parsed = m.parsed();
    let html = parsed.body_html(0).unwrap().into_owned();
    let (inline, attached) = images(m);
    assert!(!inline.is_empty(), "no inline QR image in\n{}", m.text());
    assert_eq!(inline.len(), attached.len(), "each QR is inline and attached");
    let mut tokens = Vec::new();
    for (cid, png) in &inline {
        assert!(html.contains(&format!("cid:{cid}")), "the HTML shows {cid}");
        let token = decode_qr(png);
        assert!(attached.iter().any(|(name, a)| a == png && name.ends_with(".png")), "attached as well");
        tokens.push(token);
    }
    tokens
}

#[tokio::test]
async fn a_free_order_mails_each_ticket_as_a_scannable_qr_that_admits_once() {
    let sink = SmtpSink::start().await;
    let t = app_with_sink(&sink).await;
    let s = show(&t, "mailfree", 10).await;
    let ga = s.section(&t, "General", 0, 10, json!({})).await;
    let (_, staff) = t.user(&s.t, "staff", "door").await;
    let (_, _, order) = free_order(&t, &s, &ga, "ana", 2).await;
    let _w = start_worker(&t);

    let got = sink.wait_until("the order confirmation", |m| !m.is_empty()).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.rcpt_to, vec!["ana@mailfree.test".to_owned()]);
    assert_eq!(m.mail_from, "tickets@taquilla.test");
    let parsed = m.parsed();
    assert_eq!(parsed.subject(), Some("Your tickets for Concert"));
    let from = parsed.from().unwrap().first().unwrap();
    assert_eq!((from.name(), from.address()), (Some("Tenant mailfree"), Some("tickets@taquilla.test")));
    let text = parsed.body_text(0).unwrap().into_owned();
    assert!(text.contains("Hello ana") && text.contains("Evening") && text.contains("0.00 EUR"), "{text}");
    assert!(text.contains(order["id"].as_str().unwrap()), "{text}");
    assert!(m.text().contains("multipart/related"), "images ride with the HTML");

    let tokens = qr_tokens(m);
    assert_eq!(tokens.len(), 2);
    // The mailed QR is the same signed token the API shows for the ticket.
    let ids: Vec<&str> = order["ticket_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let mut api_tokens = HashSet::new();
    for id in &ids {
        let tk = t.get(&s.t, Some(&s.t.admin_token), &format!("/api/v1/tickets/{id}")).await.ok(200);
        api_tokens.insert(tk["token"].as_str().unwrap().to_owned());
    }
    assert_eq!(tokens.iter().cloned().collect::<HashSet<_>>(), api_tokens);
    for token in &tokens {
        let r = t.post(&s.t, Some(&staff), "/api/v1/checkin", json!({"token": token, "gate": "North"})).await.ok(200);
        assert_eq!(r["result"], "admitted");
        t.post(&s.t, Some(&staff), "/api/v1/checkin", json!({"token": token, "gate": "North"}))
            .await
            .problem(409, "already_used");
    }

    // The history has it, sent once.
    let n = wait_notifications(&t, &s.t, "sent", |n| n.iter().all(|x| x["status"] == "sent")).await;
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!((n[0]["channel"].as_str(), n[0]["template"].as_str()), (Some("email"), Some("order_confirmation")));
    assert_eq!((n[0]["attempts"].as_i64(), n[0]["recipient"].as_str()), (Some(1), Some("ana@mailfree.test")));
    assert_eq!(n[0]["ticket_ids"].as_array().unwrap().len(), 2);
    assert_eq!(n[0]["order_id"], order["id"]);
    assert!(n[0]["sent_at"].is_string() && n[0]["next_attempt_at"].is_null());
    assert_eq!(
        parsed.message_id(),
        Some(format!("{}@taquilla", n[0]["id"].as_str().unwrap().replace('-', "")).as_str())
    );
    // Filters.
    assert_eq!(notifications(&t, &s.t, "&recipient=ANA@mailfree.test&status=sent&channel=email").await.len(), 1);
    assert_eq!(notifications(&t, &s.t, "&status=failed").await.len(), 0);
    assert_eq!(notifications(&t, &s.t, "&channel=sms").await.len(), 0);
    t.get(&s.t, Some(&s.t.admin_token), "/api/v1/notifications?status=lost").await.problem(422, "validation_failed");
    // Nothing else is sent for the same events, however long the worker runs.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn a_card_payment_and_its_refund_arrive_by_mail() {
    let (standin, _) = crate::payments::stripe_standin().await;
    let sink = SmtpSink::start().await;
    let t = spawn_app_with(notify_config(crate::payments::stripe_config(&standin), Some(&sink), &mail_dir())).await;
    let _w = start_worker(&t);
    let (s, tt, buyer) = crate::payments::priced_show(&t, "mailcard", 10).await;
    let o = crate::payments::order(&t, &s, &tt, &buyer, 2, "k-mail").await.ok(201);
    assert_eq!(o["status"], "pending");
    // No mail while the order is unpaid.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sink.messages().is_empty());

    crate::payments::signed(&t, &crate::payments::succeeded(&o)).await.ok(200);
    let got = sink.wait_until("the confirmation", |m| !m.is_empty()).await;
    let m = &got[0];
    assert_eq!(m.rcpt_to, vec!["bea@mailcard.test".to_owned()]);
    assert!(m.parsed().body_text(0).unwrap().contains("50.00 EUR"));
    let tokens = qr_tokens(m);
    assert_eq!(tokens.len(), 2);
    let (_, staff) = t.user(&s.t, "staff", "sam").await;
    t.post(&s.t, Some(&staff), "/api/v1/checkin", json!({"token": tokens[0], "gate": "A"})).await.ok(200);
    t.post(&s.t, Some(&staff), "/api/v1/checkin", json!({"token": tokens[0], "gate": "A"}))
        .await
        .problem(409, "already_used");

    // Refund the other ticket: a refund mail, and its QR stops admitting.
    let id = o["id"].as_str().unwrap();
    let paid = t.get(&s.t, Some(&buyer), &format!("/api/v1/orders/{id}")).await.ok(200);
    let mut unused = None;
    for tid in paid["ticket_ids"].as_array().unwrap() {
        let tk = t.get(&s.t, Some(&buyer), &format!("/api/v1/tickets/{}", tid.as_str().unwrap())).await.ok(200);
        if tk["status"] == "active" {
            unused = Some(tid.clone());
        }
    }
    t.post(&s.t, Some(&s.t.admin_token), &format!("/api/v1/orders/{id}/refund"), json!({"ticket_ids": [unused]}))
        .await
        .ok(201);
    let got = sink.wait_until("the refund mail", |m| m.len() >= 2).await;
    let refund = got.iter().find(|m| m.parsed().subject().unwrap_or_default().starts_with("Refund")).unwrap();
    assert_eq!(refund.parsed().subject(), Some("Refund of 25.00 EUR for Concert"));
    assert!(refund.parsed().body_text(0).unwrap().contains("1 ticket(s) of it are no longer valid"));
    t.post(&s.t, Some(&staff), "/api/v1/checkin", json!({"token": tokens[1], "gate": "A"}))
        .await
        .problem(422, "invalid_ticket");
}

#[tokio::test]
async fn registrations_mail_confirmed_waitlisted_promoted_and_a_cancelled_session() {
    let sink = SmtpSink::start().await;
    let t = app_with_sink(&sink).await;
    let _w = start_worker(&t);
    let s = show(&t, "mailreg", 1).await;
    let base = format!("/api/v1/events/{}/sessions/{}", s.event_id, s.session_id);
    let (_, ana) = t.user(&s.t, "attendee", "ana").await;
    let (_, bob) = t.user(&s.t, "attendee", "bob").await;
    t.post(&s.t, Some(&ana), &format!("{base}/register"), json!({})).await.ok(201);
    let w = t.post(&s.t, Some(&bob), &format!("{base}/register"), json!({})).await.ok(201);
    assert_eq!(w["status"], "waitlisted");
    let got = sink.wait_until("two registration mails", |m| m.len() >= 2).await;
    let subject = |m: &Delivered| m.parsed().subject().unwrap_or_default().to_owned();
    let ana_mail = got.iter().find(|m| m.rcpt_to[0] == "ana@mailreg.test").unwrap();
    assert_eq!(subject(ana_mail), "You're registered: Concert");
    let bob_mail = got.iter().find(|m| m.rcpt_to[0] == "bob@mailreg.test").unwrap();
    assert_eq!(subject(bob_mail), "You're on the waitlist: Concert");
    assert!(bob_mail.parsed().body_text(0).unwrap().contains("(number 1)"));

    // Ana cancels: Bob is promoted, and told.
    t.delete(&s.t, Some(&ana), &format!("{base}/register")).await.ok(200);
    let got = sink.wait_until("the promotion", |m| m.len() >= 3).await;
    assert_eq!(subject(&got[2]), "A place opened up: you're in for Concert");
    assert_eq!(got[2].rcpt_to, vec!["bob@mailreg.test".to_owned()]);

    // The organizer cancels the session: Bob (registered) hears; Ana (no
    // longer registered) does not.
    t.patch(&s.t, Some(&s.organizer), &base, json!({"status": "cancelled"})).await.ok(200);
    let got = sink.wait_until("the cancellation", |m| m.len() >= 4).await;
    assert_eq!(subject(&got[3]), "Cancelled: Concert — Evening");
    assert_eq!(got[3].rcpt_to, vec!["bob@mailreg.test".to_owned()]);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sink.messages().len(), 4, "nothing more, nothing twice");
    let n = notifications(&t, &s.t, "").await;
    let templates: HashSet<&str> = n.iter().map(|x| x["template"].as_str().unwrap()).collect();
    assert_eq!(
        templates,
        HashSet::from([
            "registration_confirmed",
            "registration_waitlisted",
            "registration_promoted",
            "session_cancelled"
        ])
    );
}

#[tokio::test]
async fn smtp_down_for_a_while_loses_nothing_and_sends_nothing_twice() {
    let sink = SmtpSink::start().await;
    let t = app_with_sink(&sink).await;
    let s = show(&t, "mailoutage", 10).await;
    let ga = s.section(&t, "General", 0, 10, json!({})).await;
    sink.stop().await;
    let _w = start_worker(&t);
    for name in ["ana", "bob", "cai"] {
        free_order(&t, &s, &ga, name, 1).await;
    }
    // Attempts fail and are retried while the server is away.
    let n = wait_notifications(&t, &s.t, "failed attempts", |n| {
        n.len() == 3 && n.iter().all(|x| x["attempts"].as_i64().unwrap_or(0) >= 2)
    })
    .await;
    for x in &n {
        assert_eq!(x["status"], "queued", "{x}");
        assert!(x["last_error"].as_str().unwrap().contains("SMTP"), "{x}");
        assert!(x["next_attempt_at"].is_string());
    }
    assert!(sink.messages().is_empty());

    sink.restart().await;
    let got = sink.wait_until("all three mails", |m| m.len() >= 3).await;
    wait_notifications(&t, &s.t, "all sent", |n| n.iter().all(|x| x["status"] == "sent")).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_after = sink.messages();
    assert_eq!(got_after.len(), 3, "none twice");
    let to: HashSet<String> = got.iter().map(|m| m.rcpt_to[0].clone()).collect();
    assert_eq!(
        to,
        HashSet::from(["ana@mailoutage.test".into(), "bob@mailoutage.test".into(), "cai@mailoutage.test".into()])
    );
    for m in &got {
        assert_eq!(qr_tokens(m).len(), 1);
    }

    // A mailbox the server refuses for good fails at once, without retries.
    sink.refuse("dan@mailoutage.test");
    free_order(&t, &s, &ga, "dan", 1).await;
    let n = wait_notifications(&t, &s.t, "the refusal", |n| {
        n.iter().any(|x| x["recipient"] == "dan@mailoutage.test" && x["status"] == "failed")
    })
    .await;
    let dan = n.iter().find(|x| x["recipient"] == "dan@mailoutage.test").unwrap();
    assert_eq!(dan["attempts"], 1);
    assert!(dan["last_error"].as_str().unwrap().contains("550"), "{dan}");
    assert_eq!(notifications(&t, &s.t, "&status=failed").await.len(), 1);
    assert_eq!(sink.messages().len(), 3);
}

#[tokio::test]
async fn without_smtp_mails_are_written_as_eml_files() {
    let dir = mail_dir();
    let t = spawn_app_with(notify_config(test_config(), None, &dir)).await;
    let _w = start_worker(&t);
    let s = show(&t, "mailfiles", 10).await;
    let ga = s.section(&t, "General", 0, 10, json!({})).await;
    free_order(&t, &s, &ga, "ana", 1).await;
    let n = wait_notifications(&t, &s.t, "sent", |n| n.len() == 1 && n[0]["status"] == "sent").await;
    let file = dir.join(format!("{}@taquilla.eml", n[0]["id"].as_str().unwrap().replace('-', "")));
    let raw = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(files.len(), 1, "one file, no leftovers");
    let m = Delivered { helo: String::new(), mail_from: String::new(), rcpt_to: vec![], data: raw };
    assert_eq!(m.parsed().subject(), Some("Your tickets for Concert"));
    assert_eq!(qr_tokens(&m).len(), 1);
    let ch = t.get(&s.t, Some(&s.t.admin_token), "/api/v1/notifications/channels").await.ok(200);
    assert_eq!((ch["email"]["enabled"].as_bool(), ch["email"]["transport"].as_str()), (Some(true), Some("file")));
    assert_eq!(ch["sms"]["enabled"], false);
    assert!(ch["sms"]["detail"].as_str().unwrap().contains("TWILIO_ACCOUNT_SID"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn sms_goes_through_a_twilio_compatible_api_with_retries() {
    let twilio = MockServer::start().await;
    let sms_path = "/2010-04-01/Accounts/AC0123/Messages.json";
    // The provider fails once, then accepts.
    Mock::given(method("POST"))
        .and(path(sms_path))
        .respond_with(
            ResponseTemplate::new(503).set_body_json(json!({"code": 20503, "message": "Service unavailable"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&twilio)
        .await;
    Mock::given(method("POST"))
        .and(path(sms_path))
        .respond_with(|req: &Request| {
            let f: std::collections::HashMap<String, String> = form_urlencoded::parse(&req.body).into_owned().collect();
            let status = if f.get("To").is_some_and(|to| to.starts_with("+1999")) { 400 } else { 201 };
            ResponseTemplate::new(status)
                .set_body_json(json!({"sid": format!("SM{}", uuid::Uuid::new_v4().simple()), "status": "queued", "message": "invalid To"}))
        })
        .with_priority(2)
        .mount(&twilio)
        .await;
    let sink = SmtpSink::start().await;
    let mut c = notify_config(test_config(), Some(&sink), &mail_dir());
    c.notifications.notify.sms = Some(taquilla_notify::SmsConfig {
        api_base: twilio.uri(),
        account_sid: "AC0123".into(),
        auth_token: secrecy::SecretString::from("token-xyz".to_owned()),
        from: "+15005550006".into(),
        timeout: Duration::from_secs(2),
    });
    let t = spawn_app_with(c).await;
    let s = show(&t, "mailsms", 10).await;
    let ga = s.section(&t, "General", 0, 10, json!({})).await;
    let ch = t.get(&s.t, Some(&s.organizer), "/api/v1/notifications/channels").await.ok(200);
    assert_eq!((ch["sms"]["enabled"].as_bool(), ch["sms"]["transport"].as_str()), (Some(true), Some("twilio")));

    // Phone numbers are E.164.
    let (_, ana) = t.user(&s.t, "attendee", "ana").await;
    let p = t
        .patch(&s.t, Some(&ana), "/api/v1/users/me", json!({"phone": "600 123 456"}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["field"], "phone");
    let me = t.patch(&s.t, Some(&ana), "/api/v1/users/me", json!({"phone": "+34 600 12 34 56"})).await.ok(200);
    assert_eq!(me["phone"], "+34600123456");
    let _w = start_worker(&t);
    t.post(
        &s.t,
        Some(&ana),
        "/api/v1/orders",
        json!({"session_id": s.session_id, "items": [{"ticket_type_id": ga["id"], "quantity": 1}]}),
    )
    .await
    .ok(201);
    // Someone without a phone gets e-mail only.
    free_order(&t, &s, &ga, "bob", 1).await;
    let n =
        wait_notifications(&t, &s.t, "sms sent", |n| n.iter().any(|x| x["channel"] == "sms" && x["status"] == "sent"))
            .await;
    let sms: Vec<&Value> = n.iter().filter(|x| x["channel"] == "sms").collect();
    assert_eq!(sms.len(), 1, "only Ana has a phone: {n:?}");
    assert_eq!((sms[0]["recipient"].as_str(), sms[0]["attempts"].as_i64()), (Some("+34600123456"), Some(2)));
    assert!(sms[0]["body"].as_str().unwrap().contains("Concert"));

    let reqs = twilio.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2, "one failure, one success");
    for r in &reqs {
        use base64::Engine;
        let expected = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("AC0123:token-xyz"));
        assert_eq!(r.headers.get("authorization").unwrap().to_str().unwrap(), expected);
        assert_eq!(r.headers.get("content-type").unwrap().to_str().unwrap(), "application/x-www-form-urlencoded");
        let f: std::collections::HashMap<String, String> = form_urlencoded::parse(&r.body).into_owned().collect();
        assert_eq!((f["To"].as_str(), f["From"].as_str()), ("+34600123456", "+15005550006"));
        assert!(f["Body"].contains("Tenant mailsms") && f["Body"].contains("Concert"), "{f:?}");
    }
    sink.wait_until("two e-mails", |m| m.len() >= 2).await;

    // A number the provider refuses (4xx) fails for good after one attempt.
    let (_, cai) = t.user(&s.t, "attendee", "cai").await;
    t.patch(&s.t, Some(&cai), "/api/v1/users/me", json!({"phone": "+19995550100"})).await.ok(200);
    t.post(
        &s.t,
        Some(&cai),
        "/api/v1/orders",
        json!({"session_id": s.session_id, "items": [{"ticket_type_id": ga["id"], "quantity": 1}]}),
    )
    .await
    .ok(201);
    let n = wait_notifications(&t, &s.t, "sms refused", |n| {
        n.iter().any(|x| x["recipient"] == "+19995550100" && x["status"] == "failed")
    })
    .await;
    let refused = n.iter().find(|x| x["recipient"] == "+19995550100").unwrap();
    assert_eq!(refused["attempts"], 1);
    assert!(refused["last_error"].as_str().unwrap().contains("400"), "{refused}");
}

#[tokio::test]
async fn announcements_reach_every_attendee_and_only_organizers_send_them() {
    let sink = SmtpSink::start().await;
    let t = app_with_sink(&sink).await;
    let _w = start_worker(&t);
    let s = show(&t, "mailnews", 10).await;
    let ga = s.section(&t, "General", 0, 10, json!({})).await;
    let (_, ana, _) = free_order(&t, &s, &ga, "ana", 1).await;
    free_order(&t, &s, &ga, "bob", 2).await;
    sink.wait_until("two confirmations", |m| m.len() >= 2).await;

    let body = json!({"session_id": s.session_id, "subject": "Doors open late", "body": "Doors open 30 minutes late <tonight>."});
    // Attendees, staff and other organizers may not.
    t.post(&s.t, Some(&ana), "/api/v1/notifications", body.clone()).await.problem(403, "forbidden");
    let (_, staff) = t.user(&s.t, "staff", "sam").await;
    t.post(&s.t, Some(&staff), "/api/v1/notifications", body.clone()).await.problem(403, "forbidden");
    let (_, other_org) = t.user(&s.t, "organizer", "otto").await;
    t.post(&s.t, Some(&other_org), "/api/v1/notifications", body.clone()).await.problem(403, "forbidden");
    // Bad input names the field.
    let p = t
        .post(
            &s.t,
            Some(&s.organizer),
            "/api/v1/notifications",
            json!({"session_id": s.session_id, "subject": "", "body": "x"}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["field"], "subject");
    let mut sms = body.clone();
    sms["channels"] = json!(["email", "sms"]);
    let p = t.post(&s.t, Some(&s.organizer), "/api/v1/notifications", sms).await.problem(422, "validation_failed");
    assert_eq!(
        (p["field"].as_str(), p["errors"][0]["code"].as_str()),
        (Some("channels[1]"), Some("channel_unavailable"))
    );
    let mut unknown = body.clone();
    unknown["session_id"] = json!(uuid::Uuid::new_v4());
    t.post(&s.t, Some(&s.organizer), "/api/v1/notifications", unknown).await.problem(404, "not_found");
    assert_eq!(notifications(&t, &s.t, "&channel=email").await.len(), 2, "refusals queued nothing");

    // The organizer's announcement reaches both ticket holders, once each.
    let a = t.post(&s.t, Some(&s.organizer), "/api/v1/notifications", body.clone()).await.ok(202);
    assert_eq!((a["recipients"].as_u64(), a["queued"].as_u64()), (Some(2), Some(2)));
    assert_eq!(a["channels"], json!(["email"]));
    let got = sink.wait_until("the announcement", |m| m.len() >= 4).await;
    let news: Vec<&Delivered> = got.iter().filter(|m| m.parsed().subject() == Some("Doors open late")).collect();
    let to: HashSet<String> = news.iter().map(|m| m.rcpt_to[0].clone()).collect();
    assert_eq!(to, HashSet::from(["ana@mailnews.test".into(), "bob@mailnews.test".into()]));
    let html = news[0].parsed().body_html(0).unwrap().into_owned();
    assert!(html.contains("30 minutes late &lt;tonight&gt;."), "escaped in HTML: {html}");
    assert!(news[0].parsed().body_text(0).unwrap().contains("30 minutes late <tonight>."));

    // GraphQL: the same service.
    let q = json!({"query": "mutation($i: AnnouncementInput!) { sendAnnouncement(input: $i) { recipients queued channels } }",
                   "variables": {"i": {"sessionId": s.session_id, "subject": "Encore", "body": "Stay for the encore."}}});
    let r = t.call(Method::POST, Some(&s.t.slug), Some(&s.organizer), "/graphql", Some(q)).await.ok(200);
    assert_eq!(r["data"]["sendAnnouncement"], json!({"recipients": 2, "queued": 2, "channels": ["EMAIL"]}), "{r}");
    let q = json!({"query": "mutation($i: AnnouncementInput!) { sendAnnouncement(input: $i) { queued } }",
                   "variables": {"i": {"sessionId": s.session_id, "subject": "x", "body": "y"}}});
    let r = t.call(Method::POST, Some(&s.t.slug), Some(&ana), "/graphql", Some(q)).await;
    assert_eq!(r.body["errors"][0]["extensions"]["code"], "forbidden", "{:?}", r.body);
    sink.wait_until("the encore", |m| m.len() >= 6).await;
    let q = json!({"query": "{ notifications(status: SENT, channel: EMAIL, first: 50) { totalCount edges { node { template recipient status } } } }"});
    let r = t.call(Method::POST, Some(&s.t.slug), Some(&s.t.admin_token), "/graphql", Some(q)).await.ok(200);
    assert_eq!(r["data"]["notifications"]["totalCount"], 6, "{r}");
    let q = json!({"query": "{ notifications { totalCount } }"});
    let r = t.call(Method::POST, Some(&s.t.slug), Some(&s.organizer), "/graphql", Some(q)).await;
    assert_eq!(r.body["errors"][0]["extensions"]["code"], "forbidden", "{:?}", r.body);

    // Only tenant admins read the history; another tenant's token is refused
    // everywhere, and its sessions are unknown here.
    t.get(&s.t, Some(&s.organizer), "/api/v1/notifications").await.problem(403, "forbidden");
    t.get(&s.t, Some(&ana), "/api/v1/notifications/channels").await.problem(403, "forbidden");
    let other = t.tenant("mailother").await;
    for (m, p, b) in [
        (Method::GET, "/api/v1/notifications", None),
        (Method::POST, "/api/v1/notifications", Some(body.clone())),
        (Method::GET, "/api/v1/notifications/channels", None),
        (Method::GET, "/api/v1/notifications/templates", None),
        (Method::GET, "/api/v1/notifications/templates/announcement", None),
        (Method::PUT, "/api/v1/notifications/templates/announcement", Some(json!({"subject": "x"}))),
        (Method::DELETE, "/api/v1/notifications/templates/announcement", None),
    ] {
        t.call(m, Some(&s.t.slug), Some(&other.admin_token), p, b).await.problem(401, "wrong_tenant");
    }
    t.post(&other, Some(&other.admin_token), "/api/v1/notifications", body).await.problem(404, "not_found");
    assert_eq!(notifications(&t, &other, "").await.len(), 0);
}

#[tokio::test]
async fn a_tenant_template_and_brand_colours_change_the_mail() {
    let sink = SmtpSink::start().await;
    let t = app_with_sink(&sink).await;
    let s = show(&t, "mailbrand", 10).await;
    let ga = s.section(&t, "General", 0, 10, json!({})).await;
    let admin = Some(s.t.admin_token.as_str());
    let path = "/api/v1/notifications/templates/order_confirmation";

    let all = t.get(&s.t, admin, "/api/v1/notifications/templates").await.ok(200);
    assert_eq!(all.as_array().unwrap().len(), 10);
    assert!(all.as_array().unwrap().iter().all(|x| x["overridden"] == json!([])));
    t.get(&s.t, admin, "/api/v1/notifications/templates/nope").await.problem(404, "not_found");
    t.get(&s.t, Some(&s.organizer), path).await.problem(403, "forbidden");
    t.put(&s.t, Some(&s.organizer), path, json!({"subject": "x"})).await.problem(403, "forbidden");

    // Templates that do not compile, render nothing or never end are refused.
    for (body, field) in [
        (json!({"subject": "{% if %}"}), "subject"),
        (json!({"html": "<p>{{ tickets | nosuchfilter }}</p>"}), "html"),
        (json!({"subject": "{{ nothing }}"}), "subject"),
        (json!({"text": "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"}), "text"),
    ] {
        let p = t.put(&s.t, admin, path, body).await.problem(422, "validation_failed");
        assert_eq!(
            (p["field"].as_str(), p["errors"][0]["code"].as_str()),
            (Some(field), Some("invalid_template")),
            "{p}"
        );
    }
    t.put(&s.t, admin, path, json!({})).await.problem(422, "validation_failed");
    t.put(&s.t, admin, path, json!({"subject": "x", "footer": "y"})).await.problem(422, "validation_failed");
    assert_eq!(t.count(&s.t, "notification_templates").await, 0);

    t.put(&s.t, admin, "/api/v1/settings", json!({"brand_color": "#ff0066", "accent_color": "#00aa55"})).await.ok(200);
    let p =
        t.put(&s.t, admin, "/api/v1/settings", json!({"brand_color": "red"})).await.problem(422, "validation_failed");
    assert_eq!(p["field"], "brand_color");
    let v = t
        .put(
            &s.t,
            admin,
            path,
            json!({"subject": "{{ tenant.name }} tickets: {{ event.title }} x{{ tickets|length }}",
                   "text": "Hi {{ recipient.name }}! {% for t in tickets %}[{{ t.type }}]{% endfor %}"}),
        )
        .await
        .ok(200);
    assert_eq!(v["overridden"], json!(["subject", "text"]));
    assert!(v["html"].as_str().unwrap().contains("cid:"), "the built-in HTML stays");

    let _w = start_worker(&t);
    free_order(&t, &s, &ga, "ana", 2).await;
    let got = sink.wait_until("the mail", |m| !m.is_empty()).await;
    let parsed = got[0].parsed();
    assert_eq!(parsed.subject(), Some("Tenant mailbrand tickets: Concert x2"));
    assert_eq!(parsed.body_text(0).unwrap().trim(), "Hi ana! [General][General]");
    let html = parsed.body_html(0).unwrap().into_owned();
    assert!(html.contains("#ff0066") && html.contains("#00aa55"), "brand colours in the HTML");
    assert_eq!(qr_tokens(&got[0]).len(), 2);

    // Back to the built-in template.
    t.delete(&s.t, admin, path).await.ok(204);
    let v = t.get(&s.t, admin, path).await.ok(200);
    assert_eq!(
        (v["overridden"].clone(), v["subject"].as_str()),
        (json!([]), Some("Your tickets for {{ event.title }}"))
    );
    free_order(&t, &s, &ga, "bob", 1).await;
    let got = sink.wait_until("the second mail", |m| m.len() >= 2).await;
    assert_eq!(got[1].parsed().subject(), Some("Your tickets for Concert"));
}

#[tokio::test]
async fn a_resale_mails_the_buyer_a_working_qr_and_tells_the_seller() {
    let sink = SmtpSink::start().await;
    let t = app_with_sink(&sink).await;
    let _w = start_worker(&t);
    let s = show(&t, "mailresale", 10).await;
    let ga = s.section(&t, "General", 0, 10, json!({})).await;
    let (_, _, order) = free_order(&t, &s, &ga, "sara", 1).await;
    let first = sink.wait_until("the seller's confirmation", |m| !m.is_empty()).await;
    let old_token = qr_tokens(&first[0]).pop().unwrap();
    let ticket = order["ticket_ids"][0].as_str().unwrap();
    let seller = t.login(&s.t, "sara@mailresale.test").await;
    let listing = t
        .post(&s.t, Some(&seller), &format!("/api/v1/tickets/{ticket}/resale"), json!({"price_minor": 0}))
        .await
        .ok(201);
    let (_, buyer) = t.user(&s.t, "attendee", "bruno").await;
    t.post(&s.t, Some(&buyer), &format!("/api/v1/resale/{}/buy", listing["id"].as_str().unwrap()), json!({}))
        .await
        .ok(200);

    let got = sink.wait_until("the transfer mails", |m| m.len() >= 3).await;
    let to_buyer = got.iter().find(|m| m.rcpt_to[0] == "bruno@mailresale.test").unwrap();
    assert_eq!(to_buyer.parsed().subject(), Some("Your ticket for Concert"));
    let to_seller = got.iter().skip(1).find(|m| m.rcpt_to[0] == "sara@mailresale.test").unwrap();
    assert_eq!(to_seller.parsed().subject(), Some("Your ticket for Concert was sold"));
    assert!(to_seller.parsed().body_text(0).unwrap().contains("0.00 EUR"));
    assert!(images(to_seller).0.is_empty(), "the seller gets no QR");

    let new_token = qr_tokens(to_buyer).pop().unwrap();
    assert_ne!(new_token, old_token);
    let (_, staff) = t.user(&s.t, "staff", "gate").await;
    t.post(&s.t, Some(&staff), "/api/v1/checkin", json!({"token": old_token, "gate": "A"}))
        .await
        .problem(422, "invalid_ticket");
    t.post(&s.t, Some(&staff), "/api/v1/checkin", json!({"token": new_token, "gate": "A"})).await.ok(200);
    t.post(&s.t, Some(&staff), "/api/v1/checkin", json!({"token": new_token, "gate": "A"}))
        .await
        .problem(409, "already_used");
    let n = notifications(&t, &s.t, "").await;
    let templates: Vec<&str> = n.iter().map(|x| x["template"].as_str().unwrap()).collect();
    assert_eq!(templates.iter().filter(|t| **t == "ticket_transferred").count(), 1);
    assert_eq!(templates.iter().filter(|t| **t == "resale_sold").count(), 1);
}

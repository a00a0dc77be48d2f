//! End to end: buy, get the QR, resell, the seller's QR stops admitting, the buyer's admits once.

use serde_json::{json, Value};
use taquilla_tests::*;

use crate::ticketing::show;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn resale_moves_the_ticket_and_kills_the_sellers_qr() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 100).await;
    let ga = s.section(&t, "General", 2000, 50, json!({})).await;
    let (seller_id, seller) = t.user(&s.t, "attendee", "sara").await;
    let (buyer_id, buyer) = t.user(&s.t, "attendee", "bruno").await;
    let (_, staff) = t.user(&s.t, "staff", "gate").await;

    let order = t
        .post(
            &s.t,
            Some(&seller),
            &format!("/api/v1/events/{}/tickets", s.event_id),
            json!({"session_id": s.session_id, "ticket_type_id": id(&ga), "quantity": 1}),
        )
        .await
        .ok(201);
    t.post(&s.t, Some(&s.organizer), &format!("/api/v1/orders/{}/pay", id(&order)), json!({})).await.ok(200);
    let mine = t.get(&s.t, Some(&seller), "/api/v1/users/me/tickets").await.ok(200);
    let ticket = &mine["items"][0];
    let old_token = ticket["token"].as_str().unwrap().to_owned();
    let ticket_id = id(ticket);

    // Price cap: 100% of face value by default; the tenant may change it.
    let p = t
        .post(&s.t, Some(&seller), &format!("/api/v1/tickets/{ticket_id}/resale"), json!({"price_minor": 2001}))
        .await
        .problem(422, "validation_failed");
    assert_eq!((p["field"].as_str(), p["max_price_minor"].as_i64()), (Some("price_minor"), Some(2000)));
    t.call(
        reqwest::Method::PUT,
        Some("acme"),
        Some(&s.t.admin_token),
        "/api/v1/settings",
        Some(json!({"hold_minutes": 10, "resale_cap_percent": 120})),
    )
    .await
    .ok(200);
    // Somebody else's ticket cannot be listed.
    t.post(&s.t, Some(&buyer), &format!("/api/v1/tickets/{ticket_id}/resale"), json!({"price_minor": 100}))
        .await
        .problem(404, "not_found");
    let listing = t
        .post(&s.t, Some(&seller), &format!("/api/v1/tickets/{ticket_id}/resale"), json!({"price_minor": 2400}))
        .await
        .ok(201);
    t.post(&s.t, Some(&seller), &format!("/api/v1/tickets/{ticket_id}/resale"), json!({"price_minor": 2000}))
        .await
        .problem(409, "already_listed");
    let browse = t.get(&s.t, None, "/api/v1/resale").await.ok(200);
    assert_eq!(browse["total"], 1);
    assert_eq!(browse["items"][0]["face_value_minor"], 2000);

    t.post(&s.t, Some(&seller), &format!("/api/v1/resale/{}/buy", id(&listing)), json!({}))
        .await
        .problem(409, "own_listing");
    let sold = t.post(&s.t, Some(&buyer), &format!("/api/v1/resale/{}/buy", id(&listing)), json!({})).await.ok(200);
    assert_eq!(sold["status"], "sold");
    t.post(&s.t, Some(&buyer), &format!("/api/v1/resale/{}/buy", id(&listing)), json!({}))
        .await
        .problem(409, "listing_not_active");

    // The seller's QR is dead; the buyer's admits once.
    let scan = |token: &str| t.post(&s.t, Some(&staff), "/api/v1/checkin", json!({"token": token, "gate": "North"}));
    scan(&old_token).await.problem(422, "invalid_ticket");
    let bought = t.get(&s.t, Some(&buyer), "/api/v1/users/me/tickets").await.ok(200);
    assert_eq!(bought["total"], 1);
    assert_eq!(bought["items"][0]["id"], sold["new_ticket_id"]);
    let new_token = bought["items"][0]["token"].as_str().unwrap().to_owned();
    scan(&new_token).await.ok(200);
    let again = scan(&new_token).await.problem(409, "already_used");
    assert_eq!(again["gate"], "North");
    // Stock is untouched by resale: one sold, as before.
    assert_eq!(t.get(&s.t, None, &format!("/api/v1/ticket-types/{}", id(&ga))).await.ok(200)["sold"], 1);
    // A used ticket cannot be listed.
    t.post(
        &s.t,
        Some(&buyer),
        &format!("/api/v1/tickets/{}/resale", sold["new_ticket_id"].as_str().unwrap()),
        json!({"price_minor": 1}),
    )
    .await
    .problem(409, "ticket_used");
    let events = t.outbox(&s.t).await;
    for kind in ["resale.listed", "resale.sold", "ticket.transferred", "ticket.checked_in"] {
        assert!(events.iter().any(|e| e == kind), "{kind} missing");
    }
    let _ = (seller_id, buyer_id);
}

#[tokio::test]
async fn listings_of_stale_tickets_die_and_withdrawals_work() {
    let t = spawn_app().await;
    let s = show(&t, "acme", 100).await;
    let ga = s.section(&t, "General", 0, 50, json!({})).await;
    let (_, seller) = t.user(&s.t, "attendee", "sara").await;
    let (_, buyer) = t.user(&s.t, "attendee", "bruno").await;
    let (_, staff) = t.user(&s.t, "staff", "gate").await;
    t.post(
        &s.t,
        Some(&seller),
        &format!("/api/v1/events/{}/tickets", s.event_id),
        json!({"session_id": s.session_id, "ticket_type_id": id(&ga), "quantity": 2}),
    )
    .await
    .ok(201);
    let mine = t.get(&s.t, Some(&seller), "/api/v1/users/me/tickets").await.ok(200);
    let (t1, t2) = (mine["items"][0].clone(), mine["items"][1].clone());
    let l1 = t
        .post(&s.t, Some(&seller), &format!("/api/v1/tickets/{}/resale", id(&t1)), json!({"price_minor": 0}))
        .await
        .ok(201);
    let l2 = t
        .post(&s.t, Some(&seller), &format!("/api/v1/tickets/{}/resale", id(&t2)), json!({"price_minor": 0}))
        .await
        .ok(201);
    // The seller walks in with ticket 1 while it is listed: the listing cannot be bought.
    t.post(&s.t, Some(&staff), "/api/v1/checkin", json!({"token": t1["token"], "gate": "A"})).await.ok(200);
    t.post(&s.t, Some(&buyer), &format!("/api/v1/resale/{}/buy", id(&l1)), json!({})).await.problem(409, "ticket_used");
    assert_eq!(t.get(&s.t, None, "/api/v1/resale").await.ok(200)["total"], 1);
    // Withdrawals: only by the seller.
    t.delete(&s.t, Some(&buyer), &format!("/api/v1/resale/{}", id(&l2))).await.problem(404, "not_found");
    assert_eq!(
        t.delete(&s.t, Some(&seller), &format!("/api/v1/resale/{}", id(&l2))).await.ok(200)["status"],
        "cancelled"
    );
    assert_eq!(t.get(&s.t, None, "/api/v1/resale").await.ok(200)["total"], 0);
    // Another tenant sees none of it.
    let other = t.tenant("other").await;
    t.post(&other, Some(&other.admin_token), &format!("/api/v1/resale/{}/buy", id(&l2)), json!({}))
        .await
        .problem(404, "not_found");
    // Finished sessions cannot be listed.
    for st in ["in_progress", "finished"] {
        t.patch(
            &s.t,
            Some(&s.organizer),
            &format!("/api/v1/events/{}/sessions/{}", s.event_id, s.session_id),
            json!({"status": st}),
        )
        .await
        .ok(200);
    }
    t.post(&s.t, Some(&seller), &format!("/api/v1/tickets/{}/resale", id(&t2)), json!({"price_minor": 0}))
        .await
        .problem(409, "session_closed_for_resale");
}

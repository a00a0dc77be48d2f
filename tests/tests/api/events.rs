use chrono::Duration;
use serde_json::json;
use taquilla_tests::*;

#[tokio::test]
async fn create_read_replace_patch_and_soft_delete() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let tok = Some(a.admin_token.as_str());
    let mut body = event_body("Rockfest");
    body["image_url"] = json!("https://cdn.example.com/rock.png");
    let ev = t.post(&a, tok, "/api/v1/events", body).await.ok(201);
    let id = ev["id"].as_str().unwrap();
    let path = format!("/api/v1/events/{id}");
    assert_eq!(ev["status"], "published");
    assert_eq!(ev["owner_id"], a.admin_id.to_string());

    // PATCH changes only what it names; null clears the image.
    let p = t.patch(&a, tok, &path, json!({"title": "Rockfest XL", "image_url": null})).await.ok(200);
    assert_eq!(
        (p["title"].as_str(), p["venue"].as_str(), &p["image_url"]),
        (Some("Rockfest XL"), Some("Main Hall"), &json!(null))
    );

    // PUT replaces the whole event: optional fields left out are cleared.
    let mut full = event_body("Rockfest Final");
    full.as_object_mut().unwrap().remove("venue");
    full.as_object_mut().unwrap().remove("description");
    let r = t.put(&a, tok, &path, full).await.ok(200);
    assert_eq!(
        (r["title"].as_str(), r["venue"].as_str(), r["description"].as_str()),
        (Some("Rockfest Final"), Some(""), Some(""))
    );

    // Text is stored as given, never altered or escaped on the way in.
    let xss = "<script>alert('x')</script> & \"quotes\"";
    let r = t.patch(&a, tok, &path, json!({"description": xss})).await.ok(200);
    assert_eq!(r["description"], xss);

    assert_eq!(t.delete(&a, tok, &path).await.status, 204);
    t.get(&a, tok, &path).await.problem(404, "not_found");
    t.patch(&a, tok, &path, json!({"title": "ghost"})).await.problem(404, "not_found");
    t.delete(&a, tok, &path).await.problem(404, "not_found");
    assert_eq!(t.get(&a, tok, "/api/v1/events").await.ok(200)["total"], 0);
    // Soft: the row is still there, marked deleted.
    assert_eq!(t.count(&a, "events").await, 1);
}

#[tokio::test]
async fn event_status_follows_its_lifecycle() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let ev = t.event(&a, &a.admin_token, "Show").await;
    let path = format!("/api/v1/events/{}", ev["id"].as_str().unwrap());
    t.patch(&a, Some(&a.admin_token), &path, json!({"status": "cancelled"})).await.ok(200);
    let p = t
        .patch(&a, Some(&a.admin_token), &path, json!({"status": "published"}))
        .await
        .problem(409, "illegal_transition");
    assert_eq!((p["from"].as_str(), p["to"].as_str()), (Some("cancelled"), Some("published")));
}

#[tokio::test]
async fn list_paginates_with_total_and_filters() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let tok = Some(a.admin_token.as_str());
    for i in 0..25 {
        let mut b = event_body(&format!("Event {i:02}"));
        let s = event_starts() + Duration::days(i);
        b["starts_at"] = json!(s);
        b["ends_at"] = json!(s + Duration::hours(5));
        b["category"] = json!(if i % 5 == 0 { "theatre" } else { "music" });
        t.post(&a, tok, "/api/v1/events", b).await.ok(201);
    }
    let p1 = t.get(&a, None, "/api/v1/events?per_page=10").await.ok(200);
    assert_eq!((p1["total"].as_u64(), p1["items"].as_array().unwrap().len()), (Some(25), 10));
    assert_eq!(p1["items"][0]["title"], "Event 00");
    let p3 = t.get(&a, None, "/api/v1/events?per_page=10&page=3").await.ok(200);
    assert_eq!((p3["total"].as_u64(), p3["items"].as_array().unwrap().len()), (Some(25), 5));
    assert_eq!(p3["items"][4]["title"], "Event 24");
    let past_end = t.get(&a, None, "/api/v1/events?per_page=10&page=9").await.ok(200);
    assert_eq!((past_end["total"].as_u64(), past_end["items"].as_array().unwrap().len()), (Some(25), 0));

    let theatre = t.get(&a, None, "/api/v1/events?category=theatre").await.ok(200);
    assert_eq!(theatre["total"], 5);
    let from = (event_starts() + Duration::days(10)).to_rfc3339();
    let to = (event_starts() + Duration::days(12)).to_rfc3339();
    let window = t.get(&a, None, &format!("/api/v1/events?from={}&to={}", urlenc(&from), urlenc(&to))).await.ok(200);
    let titles: Vec<_> =
        window["items"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().to_owned()).collect();
    assert_eq!(titles, ["Event 10", "Event 11"]);
    t.get(&a, None, &format!("/api/v1/events?from={}&to={}", urlenc(&to), urlenc(&from)))
        .await
        .problem(422, "validation_failed");
}

fn urlenc(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn search_matches_prefixes_and_ranks_title_hits_first() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let tok = a.admin_token.clone();
    let mk = |title: &str, desc: &str, venue: &str| {
        let mut b = event_body(title);
        b["description"] = json!(desc);
        b["venue"] = json!(venue);
        b
    };
    t.post(&a, Some(&tok), "/api/v1/events", mk("Jazz Night", "Smooth jazz; some rock covers at the end", "Blue Note"))
        .await
        .ok(201);
    t.post(&a, Some(&tok), "/api/v1/events", mk("Rockfest", "Three stages", "Parque")).await.ok(201);
    t.post(&a, Some(&tok), "/api/v1/events", mk("Opera Gala", "Arias", "Rockefeller Hall")).await.ok(201);
    t.post(&a, Some(&tok), "/api/v1/events", mk("Chess Open", "Tournament", "Library")).await.ok(201);

    let r = t.get(&a, None, "/api/v1/events/search?q=roc").await.ok(200);
    let titles: Vec<_> = r["items"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap()).collect();
    assert_eq!(r["total"], 3, "{titles:?}");
    assert_eq!(titles[0], "Rockfest", "a title match outranks venue and description matches: {titles:?}");
    assert_eq!(titles[1], "Opera Gala", "venue weighs more than description: {titles:?}");
    assert!(!titles.contains(&"Chess Open"));

    let r = t.get(&a, None, "/api/v1/events/search?q=JAZZ%20blu").await.ok(200);
    assert_eq!(r["total"], 1);
    // Operators and quotes are words, not syntax.
    let r = t.get(&a, None, "/api/v1/events/search?q=rock%27%20%7C%20%21%3A*").await.ok(200);
    assert_eq!(r["total"], 3);
    t.get(&a, None, "/api/v1/events/search?q=%21%21").await.problem(422, "validation_failed");
    t.get(&a, None, "/api/v1/events/search").await.problem(422, "validation_failed");
    // `q` on the list endpoint searches too.
    assert_eq!(t.get(&a, None, "/api/v1/events?q=chess").await.ok(200)["total"], 1);
}

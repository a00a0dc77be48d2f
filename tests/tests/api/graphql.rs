//! GraphQL through the real server: the same services, tenancy, credentials
//! and error codes as REST; DataLoaders (counted), limits, the SDL file.

use reqwest::Method;
use serde_json::{json, Value};
use taquilla_core::roles::{Actor, Role};
use taquilla_tests::*;
use uuid::Uuid;

/// One GraphQL request; `tenant` goes into `X-Tenant`, `token` into `Authorization`.
async fn gql(t: &TestApp, tenant: Option<&str>, token: Option<&str>, query: &str, variables: Value) -> Resp {
    t.call(Method::POST, tenant, token, "/graphql", Some(json!({"query": query, "variables": variables}))).await
}

/// `data`, asserting a 200 without errors.
#[track_caller]
fn data(r: Resp) -> Value {
    assert_eq!(r.status.as_u16(), 200, "body: {}", r.body);
    assert!(r.body.get("errors").is_none(), "unexpected errors: {}", r.body);
    r.body["data"].clone()
}

/// The first error's extensions, asserting its code.
#[track_caller]
fn error(r: &Resp, code: &str) -> Value {
    let e = &r.body["errors"][0];
    assert_eq!(e["extensions"]["code"], code, "body: {}", r.body);
    e["extensions"].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

const CREATE_EVENT: &str = "mutation($input: EventInput!) { createEvent(input: $input) { id title status } }";

fn event_input(title: &str) -> Value {
    let s = event_starts();
    json!({
        "title": title, "category": "music", "venue": "Main Hall", "status": "PUBLISHED",
        "startsAt": s, "endsAt": s + chrono::Duration::days(3), "timezone": "Europe/Madrid"
    })
}

#[tokio::test]
async fn graphql_queries_with_and_without_credentials() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let (_, organizer) = t.user(&a, "organizer", "olga").await;
    let published = t.event(&a, &organizer, "Rockfest").await;
    let mut draft = event_body("Secret draft");
    draft["status"] = json!("draft");
    let draft = t.post(&a, Some(&organizer), "/api/v1/events", draft).await.ok(201);

    let list =
        "query($search: String) { events(search: $search) { totalCount edges { cursor node { id title status } } } }";
    // Anonymous: published events only, as in REST.
    let d = data(gql(&t, Some(&a.slug), None, list, json!({})).await);
    assert_eq!(d["events"]["totalCount"], 1);
    assert_eq!(d["events"]["edges"][0]["node"]["id"], published["id"]);
    assert_eq!(d["events"]["edges"][0]["node"]["status"], "PUBLISHED");
    // The organizer sees drafts too; search finds by prefix.
    let d = data(gql(&t, Some(&a.slug), Some(&organizer), list, json!({})).await);
    assert_eq!(d["events"]["totalCount"], 2);
    let d = data(gql(&t, Some(&a.slug), Some(&organizer), list, json!({"search": "roc"})).await);
    assert_eq!(d["events"]["totalCount"], 1);

    // One event: a draft is not found for the public, found for its organizer.
    let one = "query($id: UUID!) { event(id: $id) { id title } }";
    let r = gql(&t, Some(&a.slug), None, one, json!({"id": draft["id"]})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["data"]["event"], Value::Null);
    error(&r, "not_found");
    let d = data(gql(&t, Some(&a.slug), Some(&organizer), one, json!({"id": draft["id"]})).await);
    assert_eq!(d["event"]["title"], "Secret draft");

    // `me` needs a credential; with one it is the caller.
    let r = gql(&t, Some(&a.slug), None, "{ me { email } }", json!({})).await;
    error(&r, "unauthenticated");
    let d = data(gql(&t, Some(&a.slug), Some(&organizer), "{ me { email role } }", json!({})).await);
    assert_eq!(d["me"], json!({"email": "olga@acme.test", "role": "ORGANIZER"}));

    // A tenant is required for tenant data; unknown tenants are refused before running.
    let r = gql(&t, None, None, "{ events { totalCount } }", json!({})).await;
    let ext = error(&r, "tenant_required");
    assert_eq!(ext["field"], "X-Tenant");
    let r = gql(&t, Some("nope"), None, "{ events { totalCount } }", json!({})).await;
    assert_eq!(r.status, 404);
    error(&r, "unknown_tenant");
    // A malformed token is refused outright, as in REST.
    let r = gql(&t, Some(&a.slug), Some("garbage"), "{ events { totalCount } }", json!({})).await;
    assert_eq!(r.status, 401);
    error(&r, "invalid_token");

    // Cursor pagination: first/after walk the list; bad cursors name `after`.
    for i in 0..3 {
        t.event(&a, &organizer, &format!("More {i}")).await;
    }
    let page = "query($after: String) { events(first: 2, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { title } } } }";
    let p1 = data(gql(&t, Some(&a.slug), None, page, json!({})).await);
    assert_eq!(p1["events"]["totalCount"], 4);
    assert_eq!(p1["events"]["pageInfo"]["hasNextPage"], true);
    let cursor = p1["events"]["pageInfo"]["endCursor"].clone();
    let p2 = data(gql(&t, Some(&a.slug), None, page, json!({"after": cursor})).await);
    assert_eq!(
        p2["events"]["pageInfo"],
        json!({"hasNextPage": false, "hasPreviousPage": true, "endCursor": p2["events"]["pageInfo"]["endCursor"]})
    );
    assert_eq!(p2["events"]["edges"].as_array().unwrap().len(), 2);
    let r = gql(&t, Some(&a.slug), None, page, json!({"after": "zzz"})).await;
    assert_eq!(error(&r, "validation_failed")["field"], "after");
    let r = gql(&t, Some(&a.slug), None, "{ events(first: 101) { totalCount } }", json!({})).await;
    assert_eq!(error(&r, "validation_failed")["field"], "first");
}

#[tokio::test]
async fn graphql_buying_flow_from_event_to_checked_in_ticket() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let (_, organizer) = t.user(&a, "organizer", "olga").await;
    let (_, attendee) = t.user(&a, "attendee", "ana").await;
    let org = |q: &'static str, v: Value| {
        let (t, a, tok) = (&t, &a, organizer.clone());
        async move { data(gql(t, Some(&a.slug), Some(&tok), q, v).await) }
    };

    let ev = org(CREATE_EVENT, json!({"input": event_input("Concert")})).await["createEvent"].clone();
    let s = event_starts() + chrono::Duration::hours(2);
    let session = org(
        "mutation($e: UUID!, $input: SessionInput!) { createSession(eventId: $e, input: $input) { id status } }",
        json!({"e": ev["id"], "input": {"title": "Evening", "venue": "Stage A", "startsAt": s, "endsAt": s + chrono::Duration::hours(3), "capacity": 100}}),
    )
    .await["createSession"]
        .clone();
    assert_eq!(session["status"], "DRAFT");
    for st in ["TEASER", "PRESALE", "ON_SALE"] {
        let d = org(
            "mutation($e: UUID!, $id: UUID!, $s: SessionStatus!) { updateSession(eventId: $e, id: $id, input: {status: $s}) { status } }",
            json!({"e": ev["id"], "id": session["id"], "s": st}),
        )
        .await;
        assert_eq!(d["updateSession"]["status"], st);
    }
    let tt = org(
        "mutation($s: UUID!, $input: TicketTypeInput!) { createTicketType(sessionId: $s, input: $input) { id available } }",
        json!({"s": session["id"], "input": {"name": "General", "priceMinor": 2500, "currency": "EUR", "capacity": 50}}),
    )
    .await["createTicketType"]
        .clone();
    assert_eq!(tt["available"], 50);

    // The attendee holds two, releases them, then buys three with an idempotency key.
    let buyer = |q: &'static str, v: Value| {
        let (t, a, tok) = (&t, &a, attendee.clone());
        async move { gql(t, Some(&a.slug), Some(&tok), q, v).await }
    };
    let hold = data(
        buyer(
            "mutation($input: HoldInput!) { createHold(input: $input) { id status items { quantity } } }",
            json!({"input": {"sessionId": session["id"], "items": [{"ticketTypeId": tt["id"], "quantity": 2}]}}),
        )
        .await,
    )["createHold"]
        .clone();
    assert_eq!(hold["status"], "active");
    let d = data(buyer("mutation($id: UUID!) { releaseHold(id: $id) }", json!({"id": hold["id"]})).await);
    assert_eq!(d["releaseHold"], true);

    let place = "mutation($input: OrderInput!, $key: String) { placeOrder(input: $input, idempotencyKey: $key) { replayed order { id status totalMinor ticketIds } } }";
    let input = json!({"sessionId": session["id"], "items": [{"ticketTypeId": tt["id"], "quantity": 3}]});
    let first = data(buyer(place, json!({"input": input, "key": "k-1"})).await)["placeOrder"].clone();
    assert_eq!(first["replayed"], false);
    assert_eq!(first["order"]["status"], "pending");
    assert_eq!(first["order"]["totalMinor"], 7500);
    let again = data(buyer(place, json!({"input": input, "key": "k-1"})).await)["placeOrder"].clone();
    assert_eq!((again["replayed"].clone(), again["order"]["id"].clone()), (json!(true), first["order"]["id"].clone()));
    let mut other = input.clone();
    other["items"][0]["quantity"] = json!(1);
    let r = buyer(place, json!({"input": other, "key": "k-1"})).await;
    assert_eq!(error(&r, "idempotency_key_reused")["field"], "idempotencyKey");

    // The buyer cannot confirm a pay-at-the-door payment; the box office can.
    let r = buyer("mutation($id: UUID!) { payOrder(id: $id) { status } }", json!({"id": first["order"]["id"]})).await;
    error(&r, "forbidden");
    let paid =
        org("mutation($id: UUID!) { payOrder(id: $id) { status ticketIds } }", json!({"id": first["order"]["id"]}))
            .await;
    assert_eq!(paid["payOrder"]["status"], "paid");
    assert_eq!(paid["payOrder"]["ticketIds"].as_array().unwrap().len(), 3);
    let d = data(buyer("query($id: UUID!) { order(id: $id) { status } }", json!({"id": first["order"]["id"]})).await);
    assert_eq!(d["order"]["status"], "paid");

    // Availability is live through the nested loaders.
    let d = data(
        gql(
            &t,
            Some(&a.slug),
            None,
            "query($id: UUID!) { event(id: $id) { sessions { id ticketTypes { name sold held available } } } }",
            json!({"id": ev["id"]}),
        )
        .await,
    );
    assert_eq!(
        d["event"]["sessions"][0]["ticketTypes"][0],
        json!({"name": "General", "sold": 3, "held": 0, "available": 47})
    );

    // myTickets and myEvents show the purchase.
    let mine = data(
        buyer("{ myTickets(first: 10) { totalCount edges { node { id status token event { title } session { id } ticketType { name } } } } }", json!({}))
            .await,
    );
    assert_eq!(mine["myTickets"]["totalCount"], 3);
    let ticket = mine["myTickets"]["edges"][0]["node"].clone();
    assert_eq!((ticket["status"].clone(), ticket["event"]["title"].clone()), (json!("ACTIVE"), json!("Concert")));
    let d = data(buyer("{ myEvents { session { id } ticketsCount } }", json!({})).await);
    assert_eq!(d["myEvents"][0]["ticketsCount"], 3);

    // The organizer checks it in; stats and attendees follow.
    let checkin = "mutation($input: CheckInInput!) { checkIn(input: $input) { result gate ticket { id ownerName } } }";
    let d =
        org(checkin, json!({"input": {"token": ticket["token"], "gate": "North", "sessionId": session["id"]}})).await;
    assert_eq!(d["checkIn"]["result"], "ADMITTED");
    assert_eq!(d["checkIn"]["ticket"]["id"], ticket["id"]);
    let r = gql(
        &t,
        Some(&a.slug),
        Some(&organizer),
        checkin,
        json!({"input": {"token": ticket["token"], "gate": "North"}}),
    )
    .await;
    let ext = error(&r, "already_used");
    assert_eq!(ext["gate"], "North");
    assert_eq!(ext["status"], 409);
    let d = org(
        "query($s: UUID!) { checkinStats(sessionId: $s) { sold checkedIn byGate { gate checkedIn } } attendees(sessionId: $s) { totalCount edges { node { displayName status } } } }",
        json!({"s": session["id"]}),
    )
    .await;
    assert_eq!(d["checkinStats"]["sold"], 3);
    assert_eq!(d["checkinStats"]["checkedIn"], 1);
    assert_eq!(d["attendees"]["totalCount"], 1);

    // Resale: the attendee lists an unused ticket, another attendee buys it.
    let (_, bob) = t.user(&a, "attendee", "bob").await;
    let unused = mine["myTickets"]["edges"][1]["node"]["id"].clone();
    let listing = data(
        buyer(
            "mutation($t: UUID!) { listTicketForResale(ticketId: $t, priceMinor: 2000) { id status } }",
            json!({"t": unused}),
        )
        .await,
    )["listTicketForResale"]
        .clone();
    assert_eq!(listing["status"], "active");
    let r = gql(&t, Some(&a.slug), None, "{ resaleListings { totalCount } }", json!({})).await;
    assert_eq!(data(r)["resaleListings"]["totalCount"], 1);
    let d = data(
        gql(
            &t,
            Some(&a.slug),
            Some(&bob),
            "mutation($id: UUID!) { buyResale(id: $id) { status newTicketId } }",
            json!({"id": listing["id"]}),
        )
        .await,
    );
    assert_eq!(d["buyResale"]["status"], "sold");

    // Every mutation field left an audit row with its outcome.
    let log = t.get(&a, Some(&a.admin_token), "/api/v1/audit?per_page=100").await.ok(200);
    let actions: Vec<(String, i64)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"].as_str().unwrap().starts_with("graphql"))
        .map(|r| (r["action"].as_str().unwrap().to_owned(), r["status"].as_i64().unwrap()))
        .collect();
    for expected in [
        ("graphql createEvent", 200),
        ("graphql placeOrder", 200),
        ("graphql placeOrder", 422),
        ("graphql checkIn", 409),
        ("graphql buyResale", 200),
    ] {
        assert!(actions.contains(&(expected.0.to_owned(), expected.1)), "{expected:?} not in {actions:?}");
    }
    assert!(t.app.verify_audit(Some(a.id)).await.unwrap().ok);
}

#[tokio::test]
async fn graphql_and_rest_answer_the_same_rules_the_same_way() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let (_, organizer) = t.user(&a, "organizer", "olga").await;
    let (_, attendee) = t.user(&a, "attendee", "ana").await;

    // An attendee may not create events.
    t.post(&a, Some(&attendee), "/api/v1/events", event_body("Nope")).await.problem(403, "forbidden");
    let r = gql(&t, Some(&a.slug), Some(&attendee), CREATE_EVENT, json!({"input": event_input("Nope")})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["data"], Value::Null, "a failed non-null root field nulls data");
    assert_eq!(error(&r, "forbidden")["status"], 403);

    // A blank title: validation_failed naming the field (JSON path in REST, GraphQL input path here).
    let mut body = event_body("x");
    body["title"] = json!("   ");
    let p = t.post(&a, Some(&organizer), "/api/v1/events", body).await.problem(422, "validation_failed");
    assert_eq!(p["field"], "title");
    let mut input = event_input("x");
    input["title"] = json!("   ");
    let r = gql(&t, Some(&a.slug), Some(&organizer), CREATE_EVENT, json!({"input": input})).await;
    let ext = error(&r, "validation_failed");
    assert_eq!((ext["field"].clone(), ext["status"].clone()), (json!("input.title"), json!(422)));
    assert_eq!(ext["errors"][0]["field"], "input.title");

    // A rule inside the service: the end before the start.
    let mut body = event_body("x");
    body["ends_at"] = body["starts_at"].clone();
    let p = t.post(&a, Some(&organizer), "/api/v1/events", body).await.problem(422, "validation_failed");
    assert_eq!(p["field"], "ends_at");
    let mut input = event_input("x");
    input["endsAt"] = input["startsAt"].clone();
    let r = gql(&t, Some(&a.slug), Some(&organizer), CREATE_EVENT, json!({"input": input})).await;
    assert_eq!(error(&r, "validation_failed")["field"], "input.endsAt");

    // The session machine: draft → finished is illegal in both, naming both states.
    let ev = t.event(&a, &organizer, "Machine").await;
    let s = t
        .post(&a, Some(&organizer), &format!("/api/v1/events/{}/sessions", id(&ev)), session_body("S", 1, 2))
        .await
        .ok(201);
    let p = t
        .patch(
            &a,
            Some(&organizer),
            &format!("/api/v1/events/{}/sessions/{}", id(&ev), id(&s)),
            json!({"status": "finished"}),
        )
        .await
        .problem(409, "illegal_transition");
    let r = gql(
        &t,
        Some(&a.slug),
        Some(&organizer),
        "mutation($e: UUID!, $id: UUID!) { updateSession(eventId: $e, id: $id, input: {status: FINISHED}) { status } }",
        json!({"e": ev["id"], "id": s["id"]}),
    )
    .await;
    let ext = error(&r, "illegal_transition");
    assert_eq!((ext["from"].clone(), ext["to"].clone()), (p["from"].clone(), p["to"].clone()));
    assert_eq!(ext["field"], "input.status");

    // Ticket types: an out-of-range nested value names its path; sold out is sold_out.
    let tt = t
        .post(
            &a,
            Some(&organizer),
            &format!("/api/v1/sessions/{}/ticket-types", id(&s)),
            json!({"name": "GA", "price_minor": 0, "currency": "EUR", "capacity": 1}),
        )
        .await
        .ok(201);
    let r = gql(
        &t,
        Some(&a.slug),
        Some(&organizer),
        "mutation($s: UUID!) { createTicketType(sessionId: $s, input: {name: \"X\", priceMinor: 0, currency: \"euro\"}) { id } }",
        json!({"s": s["id"]}),
    )
    .await;
    assert_eq!(error(&r, "validation_failed")["field"], "input.currency");
    for st in ["teaser", "presale", "on_sale"] {
        t.patch(
            &a,
            Some(&organizer),
            &format!("/api/v1/events/{}/sessions/{}", id(&ev), id(&s)),
            json!({"status": st}),
        )
        .await
        .ok(200);
    }
    let place = "mutation($input: OrderInput!) { placeOrder(input: $input) { order { status } } }";
    let order = json!({"input": {"sessionId": s["id"], "items": [{"ticketTypeId": tt["id"], "quantity": 1}]}});
    let d = data(gql(&t, Some(&a.slug), Some(&attendee), place, order.clone()).await);
    assert_eq!(d["placeOrder"]["order"]["status"], "paid", "free orders are paid at once");
    let r = gql(&t, Some(&a.slug), Some(&attendee), place, order).await;
    let ext = error(&r, "sold_out");
    assert_eq!((ext["field"].clone(), ext["status"].clone()), (json!("input.items[0].quantity"), json!(409)));
    let p = t
        .post(
            &a,
            Some(&attendee),
            "/api/v1/orders",
            json!({"session_id": s["id"], "items": [{"ticket_type_id": tt["id"], "quantity": 1}]}),
        )
        .await
        .problem(409, "sold_out");
    assert_eq!(p["field"], "items[0].quantity");

    // Role checks on mutations: an attendee may not manage users or sessions.
    let r = gql(
        &t,
        Some(&a.slug),
        Some(&attendee),
        "mutation($id: UUID!) { updateUser(id: $id, input: {role: TENANT_ADMIN}) { id } }",
        json!({"id": a.admin_id}),
    )
    .await;
    error(&r, "forbidden");
    let r = gql(
        &t,
        Some(&a.slug),
        Some(&attendee),
        "mutation($e: UUID!, $id: UUID!) { deleteSession(eventId: $e, id: $id) }",
        json!({"e": ev["id"], "id": s["id"]}),
    )
    .await;
    error(&r, "forbidden");
}

#[tokio::test]
async fn graphql_tenant_isolation_tokens_and_ids() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let b = t.tenant("bolt").await;
    let ev = t.event(&b, &b.admin_token, "B's event").await;

    // Another tenant's token: refused before anything runs, like REST's 401.
    let r = gql(&t, Some(&a.slug), Some(&b.admin_token), "{ events { totalCount } }", json!({})).await;
    assert_eq!(r.status, 401);
    error(&r, "wrong_tenant");
    let r = gql(&t, Some(&a.slug), Some(&b.admin_token), CREATE_EVENT, json!({"input": event_input("x")})).await;
    assert_eq!(r.status, 401);
    error(&r, "wrong_tenant");
    // A platform token on a tenant is wrong too; a tenant token without a tenant forgot to name it.
    let r = gql(&t, Some(&a.slug), Some(&t.platform_token), "{ me { id } }", json!({})).await;
    error(&r, "wrong_tenant");
    let r = gql(&t, None, Some(&a.admin_token), "{ me { id } }", json!({})).await;
    assert_eq!(r.status, 400);
    assert_eq!(error(&r, "tenant_required")["field"], "X-Tenant");

    // Another tenant's ids are simply not found.
    for (q, v) in [
        ("query($id: UUID!) { event(id: $id) { id } }", json!({"id": ev["id"]})),
        ("query($id: UUID!) { order(id: $id) { id } }", json!({"id": Uuid::now_v7()})),
        ("query($id: UUID!) { checkinStats(sessionId: $id) { sold } }", json!({"id": Uuid::now_v7()})),
    ] {
        let r = gql(&t, Some(&a.slug), Some(&a.admin_token), q, v).await;
        error(&r, "not_found");
    }
    let r = gql(
        &t,
        Some(&a.slug),
        Some(&a.admin_token),
        "mutation($id: UUID!) { updateEvent(id: $id, input: {title: \"Mine now\"}) { id } }",
        json!({"id": ev["id"]}),
    )
    .await;
    error(&r, "not_found");
    let r = gql(
        &t,
        Some(&a.slug),
        Some(&a.admin_token),
        "mutation($id: UUID!) { deleteEvent(id: $id) }",
        json!({"id": ev["id"]}),
    )
    .await;
    error(&r, "not_found");
    let still = t.get(&b, None, &format!("/api/v1/events/{}", id(&ev))).await.ok(200);
    assert_eq!(still["title"], "B's event");
}

#[tokio::test]
async fn graphql_platform_administration() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    // Platform requests name no tenant.
    let d = data(
        gql(&t, None, Some(&t.platform_token), "{ tenants { totalCount edges { node { slug status } } } }", json!({}))
            .await,
    );
    assert_eq!(d["tenants"]["totalCount"], 1);
    let created = data(
        gql(
            &t,
            None,
            Some(&t.platform_token),
            "mutation($input: NewTenantInput!) { createTenant(input: $input) { tenant { id slug } admin { email role } } }",
            json!({"input": {"slug": "neon", "name": "Neon", "admin": {"email": "boss@neon.test", "password": PASSWORD}}}),
        )
        .await,
    )["createTenant"]
        .clone();
    assert_eq!(created["admin"]["role"], "TENANT_ADMIN");
    let d = data(
        gql(
            &t,
            None,
            Some(&t.platform_token),
            "query($id: UUID!) { tenantUsers(tenantId: $id) { totalCount edges { node { email } } } }",
            json!({"id": a.id}),
        )
        .await,
    );
    assert_eq!(d["tenantUsers"]["edges"][0]["node"]["email"], "admin@acme.test");
    // The same slug twice: the service's conflict, naming the input field.
    let r = gql(
        &t,
        None,
        Some(&t.platform_token),
        "mutation { createTenant(input: {slug: \"neon\", name: \"Again\", admin: {email: \"x@neon.test\", password: \"correct horse battery\"}}) { tenant { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(error(&r, "slug_taken")["field"], "input.slug");
    // A tenant admin is not a platform admin.
    let r = gql(&t, Some(&a.slug), Some(&a.admin_token), "{ tenants { totalCount } }", json!({})).await;
    error(&r, "forbidden");
    // Suspension stops the tenant's GraphQL at once.
    data(
        gql(
            &t,
            None,
            Some(&t.platform_token),
            "mutation($id: UUID!) { updateTenant(id: $id, input: {status: SUSPENDED}) { status } }",
            json!({"id": a.id}),
        )
        .await,
    );
    let r = gql(&t, Some(&a.slug), None, "{ events { totalCount } }", json!({})).await;
    assert_eq!(r.status, 403);
    error(&r, "tenant_suspended");
}

/// GraphiQL's own introspection query (TypeRef nests `ofType` seven deep).
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;

#[tokio::test]
async fn graphql_limits_depth_complexity_size_introspection_timeout() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    // GraphiQL's introspection passes the default limits.
    let d = data(gql(&t, None, None, INTROSPECTION, json!({})).await);
    assert_eq!(d["__schema"]["queryType"]["name"], "Query");
    assert_eq!(d["__schema"]["mutationType"]["name"], "Mutation");

    // Too deep: introspection nests as deep as one likes.
    let mut deep = String::from("name");
    for _ in 0..16 {
        deep = format!("ofType {{ {deep} }}");
    }
    let r =
        gql(&t, None, None, &format!("{{ __type(name: \"Event\") {{ fields {{ type {{ {deep} }} }} }} }}"), json!({}))
            .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["data"], Value::Null);
    let ext = error(&r, "query_too_deep");
    assert_eq!(ext["maxDepth"], 15);

    // Too complex: a hundred events × sessions × seats.
    let q = "{ events(first: 100) { edges { node { sessions { seats { id label row number x y state } ticketTypes { id name available } } } } } }";
    let r = gql(&t, Some(&a.slug), None, q, json!({})).await;
    let ext = error(&r, "query_too_complex");
    assert_eq!(ext["maxComplexity"], 5000);
    // The same shape with a modest page is fine.
    let q = "{ events(first: 20) { edges { node { sessions { ticketTypes { id name available } } } } } }";
    data(gql(&t, Some(&a.slug), None, q, json!({})).await);

    // Larger than 64 KiB: refused before parsing.
    let big = format!("{{ events {{ totalCount }} }} #{}", "x".repeat(70 * 1024));
    let r = gql(&t, Some(&a.slug), None, &big, json!({})).await;
    assert_eq!(r.status, 413);
    assert_eq!(error(&r, "query_too_large")["maxBytes"], 65536);

    // Syntax and unknown fields: a coded error, never a crash. Every time:
    // only a document that ran without an error skips validation next time.
    for _ in 0..2 {
        let r = gql(&t, Some(&a.slug), None, "{ events { nope } }", json!({})).await;
        error(&r, "invalid_query");
    }
    // A document run again (validation remembered) answers as the first
    // time; one with variables is validated every time.
    let q = "{ events(first: 5) { totalCount edges { node { id title } } } }";
    let first = data(gql(&t, Some(&a.slug), None, q, json!({})).await);
    assert_eq!(data(gql(&t, Some(&a.slug), None, q, json!({})).await), first);
    let q = "query ($n: Int) { events(first: $n) { totalCount } }";
    for _ in 0..2 {
        data(gql(&t, Some(&a.slug), None, q, json!({"n": 5})).await);
        let r = gql(&t, Some(&a.slug), None, q, json!({"n": "five"})).await;
        assert!(r.body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("n")), "{:?}", r.body);
    }
    let r = gql(&t, Some(&a.slug), None, "{ events {", json!({})).await;
    error(&r, "invalid_query");
    let r = t.call(Method::POST, Some(&a.slug), None, "/graphql", Some(json!([{"query": "{ me { id } }"}]))).await;
    assert_eq!(r.status, 400);
    error(&r, "batch_not_supported");

    // Automatic persisted queries: unknown hash → the client resends the query once.
    let q = "{ events { totalCount } }";
    let hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(q.as_bytes()))
    };
    let apq = |query: Option<&str>| {
        let mut body = json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}});
        if let Some(q) = query {
            body["query"] = json!(q);
        }
        t.call(Method::POST, Some(&a.slug), None, "/graphql", Some(body))
    };
    let r = apq(None).await;
    assert_eq!(r.body["errors"][0]["message"], "PersistedQueryNotFound");
    error(&r, "persisted_query_not_found");
    assert_eq!(data(apq(Some(q)).await)["events"]["totalCount"], 0);
    assert_eq!(data(apq(None).await)["events"]["totalCount"], 0);

    // Introspection off for this deployment; a short timeout.
    let mut config = test_config();
    config.graphql.introspection = false;
    config.graphql.timeout = std::time::Duration::from_millis(300);
    let t2 = spawn_app_with(config).await;
    let r = gql(&t2, None, None, "{ __schema { types { name } } }", json!({})).await;
    error(&r, "introspection_disabled");
    let b = t2.tenant("bolt").await;
    let query = "{ events { totalCount edges { node { sessions { id } } } } }";
    assert!(gql(&t2, Some(&b.slug), None, query, json!({})).await.body.get("errors").is_none());
    // A lock held elsewhere stalls the query past the limit: deterministic, however fast the machine.
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let blocker = t2.app.store.db().begin().await.unwrap();
    blocker
        .execute_unprepared(&format!(
            "LOCK TABLE {}.events IN ACCESS EXCLUSIVE MODE",
            taquilla_store::schema_name(b.id)
        ))
        .await
        .unwrap();
    let r = gql(&t2, Some(&b.slug), None, query, json!({})).await;
    assert_eq!(error(&r, "timeout")["timeoutMs"], 300);
    blocker.rollback().await.unwrap();
    // The server is fine afterwards.
    assert!(gql(&t2, Some(&b.slug), None, query, json!({})).await.body.get("errors").is_none());
}

/// Builds `n` published events with two sessions of two ticket types each,
/// straight through the services.
async fn catalogue(t: &TestApp, a: &TenantFx, organizer: Uuid, n: usize, prefix: &str) {
    let actor = Actor::person(organizer, Some(a.id), Role::Organizer);
    for i in 0..n {
        let ev: taquilla_services::events::EventInput =
            serde_json::from_value(event_body(&format!("{prefix} {i}"))).unwrap();
        let ev = t.app.create_event(&actor, a.id, ev).await.unwrap();
        for h in [1, 5] {
            let s: taquilla_services::sessions::SessionInput =
                serde_json::from_value(session_body(&format!("S{h}"), h, 2)).unwrap();
            let s = t.app.create_session(&actor, a.id, ev.id, s).await.unwrap();
            for name in ["GA", "VIP"] {
                let tt = serde_json::from_value(
                    json!({"name": name, "price_minor": 1000, "currency": "EUR", "capacity": 10}),
                )
                .unwrap();
                t.app.create_ticket_type(&actor, a.id, s.id, tt).await.unwrap();
            }
        }
    }
}

#[tokio::test]
async fn graphql_dataloaders_keep_the_query_count_constant() {
    let mut config = test_config();
    // No tenant lookups in the measurements.
    config.tenant_cache_ttl = std::time::Duration::from_secs(600);
    let t = spawn_app_with(config).await;
    let a = t.tenant("acme").await;
    let (organizer, _) = t.user(&a, "organizer", "olga").await;
    catalogue(&t, &a, organizer, 50, "Show").await;

    let q = "query($n: Int) { events(first: $n) { totalCount edges { node { id title sessions { id title ticketTypes { id name available } seats { id } } } } } }";
    let mut costs = Vec::new();
    for n in [5, 50, 5, 50] {
        let before = t.app.store.stats();
        let d = data(gql(&t, Some(&a.slug), None, q, json!({"n": n})).await);
        let cost = t.app.store.stats() - before;
        let edges = d["events"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), n);
        for e in edges {
            let sessions = e["node"]["sessions"].as_array().unwrap();
            assert_eq!(sessions.len(), 2);
            assert!(sessions.iter().all(|s| s["ticketTypes"].as_array().unwrap().len() == 2));
        }
        costs.push(cost);
    }
    // One transaction for the page, one per loader (sessions, ticket types, seats).
    assert_eq!(costs[0].tenant_txs, 4, "{costs:?}");
    assert!(costs.iter().all(|c| *c == costs[0]), "5 and 50 events cost the same: {costs:?}");
    assert!(costs[0].statements <= 20, "{costs:?}");
}

#[tokio::test]
async fn graphiql_is_served_offline_and_the_sdl_file_is_current() {
    let sdl = taquilla_graphql::sdl();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == sdl,
        "openapi/schema.graphql is stale: run `cargo run -q -p taquilla -- schema > openapi/schema.graphql` and commit it"
    );
    assert!(sdl.contains("type Query") && sdl.contains("type Mutation"));

    let t = spawn_app().await;
    let page = t.http.get(format!("{}/graphql", t.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("GraphiQL"));
    assert!(!html.contains("https://"), "no CDN: every asset is served locally");
    for asset in taquilla_graphql::ASSETS {
        assert!(html.contains(&format!("/graphql/assets/{}", asset.name)));
        let r = t.http.get(format!("{}/graphql/assets/{}", t.base, asset.name)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", asset.name);
        assert_eq!(r.bytes().await.unwrap().len(), asset.bytes.len());
    }
    let r = t.http.get(format!("{}/graphql/assets/nope.js", t.base)).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn graphql_role_checks_on_every_mutation() {
    let t = spawn_app().await;
    let s = crate::ticketing::show(&t, "acme", 100).await;
    let a = &s.t;
    let tt = s.section(&t, "GA", 1000, 10, json!({})).await;
    let seated = s.section(&t, "Stalls", 1000, 0, json!({"seated": true})).await;
    let (_, attendee) = t.user(a, "attendee", "ana").await;
    let (_, staff) = t.user(a, "staff", "sam").await;
    let (_, other_org) = t.user(a, "organizer", "otto").await;
    let (_, buyer) = t.user(a, "attendee", "bea").await;
    // Someone else's pending order and hold.
    let order = t
        .post(
            a,
            Some(&buyer),
            "/api/v1/orders",
            json!({"session_id": s.session_id, "items": [{"ticket_type_id": tt["id"], "quantity": 1}]}),
        )
        .await
        .ok(201);
    let hold = t
        .post(
            a,
            Some(&buyer),
            "/api/v1/holds",
            json!({"session_id": s.session_id, "items": [{"ticket_type_id": tt["id"], "quantity": 1}]}),
        )
        .await
        .ok(201);
    let v = json!({
        "e": s.event_id, "s": s.session_id, "tt": tt["id"], "seated": seated["id"], "t": a.id, "u": a.admin_id,
        "o": order["id"], "h": hold["id"], "ev": event_input("x"),
    });
    let mutations: &[(&str, &str)] = &[
        ("createEvent", "mutation($ev: EventInput!) { createEvent(input: $ev) { id } }"),
        ("updateEvent", "mutation($e: UUID!) { updateEvent(id: $e, input: {title: \"x\"}) { id } }"),
        ("deleteEvent", "mutation($e: UUID!) { deleteEvent(id: $e) }"),
        ("createSession", "mutation($e: UUID!) { createSession(eventId: $e, input: {title: \"x\", startsAt: \"2030-06-01T20:00:00Z\", endsAt: \"2030-06-01T21:00:00Z\", capacity: 1}) { id } }"),
        ("updateSession", "mutation($e: UUID!, $s: UUID!) { updateSession(eventId: $e, id: $s, input: {status: SUSPENDED}) { id } }"),
        ("deleteSession", "mutation($e: UUID!, $s: UUID!) { deleteSession(eventId: $e, id: $s) }"),
        ("createTicketType", "mutation($s: UUID!) { createTicketType(sessionId: $s, input: {name: \"x\", priceMinor: 0, currency: \"EUR\", capacity: 1}) { id } }"),
        ("updateTicketType", "mutation($tt: UUID!) { updateTicketType(id: $tt, input: {priceMinor: 1}) { id } }"),
        ("deleteTicketType", "mutation($tt: UUID!) { deleteTicketType(id: $tt) }"),
        ("uploadSeatMap", "mutation($seated: UUID!) { uploadSeatMap(ticketTypeId: $seated, seats: [{row: \"A\", number: 1}]) { id } }"),
        ("createUser", "mutation { createUser(input: {email: \"z@z.test\", password: \"correct horse battery\", role: STAFF, displayName: \"z\"}) { id } }"),
        ("updateUser", "mutation($u: UUID!) { updateUser(id: $u, input: {active: false}) { id } }"),
        ("updateTenantSettings", "mutation { updateTenantSettings(input: {holdMinutes: 5}) { holdMinutes } }"),
        ("createTenant", "mutation { createTenant(input: {slug: \"zzz-co\", name: \"Z\", admin: {email: \"a@zzz.test\", password: \"correct horse battery\"}}) { tenant { id } } }"),
        ("updateTenant", "mutation($t: UUID!) { updateTenant(id: $t, input: {status: SUSPENDED}) { id } }"),
        ("updateTenantUser", "mutation($t: UUID!, $u: UUID!) { updateTenantUser(tenantId: $t, userId: $u, input: {active: false}) { id } }"),
        ("checkIn", "mutation { checkIn(input: {token: \"x\", gate: \"A\"}) { result } }"),
    ];
    // (caller, mutation) → the code REST answers for the same call.
    let mut checked = 0;
    for (who, token) in [("attendee", &attendee), ("staff", &staff), ("other organizer", &other_org)] {
        for (name, q) in mutations {
            let expected = match (who, *name) {
                // Door staff may scan (the token is then refused, not the role).
                ("staff" | "other organizer", "checkIn") => "invalid_ticket",
                // Organizers create their own events.
                ("other organizer", "createEvent") => continue,
                _ => "forbidden",
            };
            let r = gql(&t, Some(&a.slug), Some(token), q, v.clone()).await;
            assert_eq!(r.body["errors"][0]["extensions"]["code"], expected, "{who} {name}: {}", r.body);
            assert_eq!(r.body["errors"][0]["path"][0], *name, "{who} {name}");
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * mutations.len() - 1);
    // Others' orders, holds and listings are not even visible.
    for q in [
        "mutation($o: UUID!) { payOrder(id: $o) { id } }",
        "mutation($o: UUID!) { cancelOrder(id: $o) { id } }",
        "mutation($h: UUID!) { releaseHold(id: $h) }",
        "mutation($h: UUID!) { withdrawListing(id: $h) { id } }",
    ] {
        let r = gql(&t, Some(&a.slug), Some(&attendee), q, v.clone()).await;
        error(&r, "not_found");
    }
    // Reads with roles: attendance and stats for door roles and the owner only.
    let stats = "query($s: UUID!) { checkinStats(sessionId: $s) { sold } }";
    error(&gql(&t, Some(&a.slug), Some(&attendee), stats, v.clone()).await, "forbidden");
    error(
        &gql(
            &t,
            Some(&a.slug),
            Some(&other_org),
            "query($s: UUID!) { attendees(sessionId: $s) { totalCount } }",
            v.clone(),
        )
        .await,
        "forbidden",
    );
    data(gql(&t, Some(&a.slug), Some(&staff), stats, v.clone()).await);
    data(gql(&t, Some(&a.slug), Some(&s.organizer), stats, v.clone()).await);
    // Nothing changed: the event, its session and sections are intact.
    let ev = t.get(a, None, &format!("/api/v1/events/{}", s.event_id)).await.ok(200);
    assert_eq!(ev["title"], "Concert");
    let list = t.get(a, None, &format!("/api/v1/sessions/{}/ticket-types", s.session_id)).await.ok(200);
    assert_eq!(list.as_array().unwrap().len(), 2);

    // buyTickets, the one-call purchase, answers like REST's POST /events/{id}/tickets.
    let buy = "mutation($e: UUID!, $input: BuyTicketsInput!) { buyTickets(eventId: $e, input: $input) { order { status totalMinor } } }";
    let d = data(
        gql(
            &t,
            Some(&a.slug),
            Some(&attendee),
            buy,
            json!({"e": s.event_id, "input": {"sessionId": s.session_id, "ticketTypeId": tt["id"], "quantity": 2}}),
        )
        .await,
    );
    assert_eq!(d["buyTickets"]["order"], json!({"status": "pending", "totalMinor": 2000}));
    let r = gql(
        &t,
        Some(&a.slug),
        Some(&attendee),
        buy,
        json!({"e": s.event_id, "input": {"sessionId": s.session_id, "ticketTypeId": tt["id"], "quantity": 50}}),
    )
    .await;
    assert_eq!(error(&r, "validation_failed")["field"], "input.quantity");
}

#[tokio::test]
async fn graphql_scripts_coupons_and_quotes_price_like_rest() {
    let t = spawn_app().await;
    let s = crate::ticketing::show(&t, "acme", 100).await;
    let a = &s.t;
    let tt = id(&s.section(&t, "GA", 2_000, 50, json!({})).await);
    let admin = Some(a.admin_token.as_str());
    let (_, buyer) = t.user(a, "attendee", "bea").await;

    let created = data(
        gql(
            &t,
            Some(&a.slug),
            admin,
            "mutation($e: UUID!, $cases: JSON) { createScript(input: {name: \"Half\", kind: \"pricing\", eventId: $e,
               source: \"fn price(ctx) { #{ unit_price: ctx.ticket_type.base_price / 2, label: \\\"Half\\\" } }\",
               testCases: $cases}) { id latestVersion activeVersion testCases } }",
            json!({"e": s.event_id, "cases": [{"name": "half", "context": {"ticket_type": {"base_price": 100}},
                   "expected": {"unit_price": 50, "label": "Half"}}]}),
        )
        .await,
    );
    let script = id(&created["createScript"]);
    assert_eq!(created["createScript"]["activeVersion"], Value::Null);
    let report = data(
        gql(
            &t,
            Some(&a.slug),
            admin,
            "mutation($id: UUID!) { testScript(id: $id, context: {ticket_type: {base_price: 10}}) { version passed compileError results } }",
            json!({"id": script}),
        )
        .await,
    );
    assert_eq!(report["testScript"]["passed"], true, "{report}");
    assert_eq!(report["testScript"]["results"][1]["actual"]["unit_price"], 5, "{report}");
    data(
        gql(
            &t,
            Some(&a.slug),
            admin,
            "mutation($id: UUID!) { activateScript(id: $id) { activeVersion } }",
            json!({"id": script}),
        )
        .await,
    );

    let coupon = data(
        gql(
            &t,
            Some(&a.slug),
            admin,
            "mutation { createCoupon(input: {code: \"TEN\", kind: \"percent\", value: 10}) { id code uses } }",
            json!({}),
        )
        .await,
    );
    let coupon_id = id(&coupon["createCoupon"]);
    let bad = gql(
        &t,
        Some(&a.slug),
        admin,
        "mutation { createCoupon(input: {code: \"BIG\", kind: \"percent\", value: 150}) { id } }",
        json!({}),
    )
    .await;
    assert_eq!(error(&bad, "validation_failed")["field"], "input.value");

    let cart = json!({"sessionId": s.session_id, "items": [{"ticketTypeId": tt, "quantity": 2}], "couponCode": "ten"});
    let q = data(
        gql(
            &t,
            Some(&a.slug),
            Some(&buyer),
            "query($c: QuoteInput!) { quote(input: $c) { subtotalMinor discountMinor totalMinor couponCode lines { unitPriceMinor label } } }",
            json!({"c": cart}),
        )
        .await,
    );
    assert_eq!(
        q["quote"],
        json!({"subtotalMinor": 2_000, "discountMinor": 200, "totalMinor": 1_800, "couponCode": "TEN",
        "lines": [{"unitPriceMinor": 1_000, "label": "Half"}]})
    );
    let rest = t
        .post(
            a,
            Some(&buyer),
            "/api/v1/quotes",
            json!({"session_id": s.session_id, "items": [{"ticket_type_id": tt, "quantity": 2}], "coupon_code": "ten"}),
        )
        .await
        .ok(200);
    assert_eq!(rest["total_minor"], q["quote"]["totalMinor"]);
    let check = data(
        gql(
            &t,
            Some(&a.slug),
            Some(&buyer),
            "query($s: UUID!, $tt: UUID!) { checkCoupon(code: \"TEN\", input: {sessionId: $s, items: [{ticketTypeId: $tt, quantity: 1}]}) { eligible discountMinor quote { totalMinor } } }",
            json!({"s": s.session_id, "tt": tt}),
        )
        .await,
    );
    assert_eq!(check["checkCoupon"], json!({"eligible": true, "discountMinor": 100, "quote": {"totalMinor": 900}}));
    let placed = data(
        gql(
            &t,
            Some(&a.slug),
            Some(&buyer),
            "mutation($c: OrderInput!) { placeOrder(input: $c, idempotencyKey: \"k1\") { order { totalMinor discountMinor } } }",
            json!({"c": cart}),
        )
        .await,
    );
    assert_eq!(placed["placeOrder"]["order"], json!({"totalMinor": 1_800, "discountMinor": 200}));
    let listed = data(gql(&t, Some(&a.slug), admin, "{ coupons { totalCount nodes { code uses discountGivenMinor } } scripts { nodes { name activeVersion } } }", json!({})).await);
    assert_eq!(listed["coupons"]["nodes"][0], json!({"code": "TEN", "uses": 1, "discountGivenMinor": 200}));
    assert_eq!(listed["scripts"]["nodes"][0], json!({"name": "Half", "activeVersion": 1}));

    // Buyers manage neither coupons nor scripts; another tenant sees none of them.
    for q in [
        format!("mutation {{ updateCoupon(id: \"{coupon_id}\", input: {{active: false}}) {{ id }} }}"),
        format!("mutation {{ deactivateScript(id: \"{script}\") {{ id }} }}"),
        "{ scripts { totalCount } }".to_owned(),
    ] {
        let r = gql(&t, Some(&a.slug), Some(&buyer), &q, json!({})).await;
        error(&r, "forbidden");
    }
    let other = t.tenant("other").await;
    let r = gql(
        &t,
        Some(&other.slug),
        Some(&other.admin_token),
        &format!("{{ coupon(id: \"{coupon_id}\") {{ id }} }}"),
        json!({}),
    )
    .await;
    error(&r, "not_found");
}

#[tokio::test]
async fn update_tenant_settings_changes_only_the_fields_given() {
    let t = spawn_app().await;
    let a = t.tenant("acme").await;
    let admin = Some(a.admin_token.as_str());
    let mut settings = t.get(&a, admin, "/api/v1/settings").await.ok(200);
    settings["brand_color"] = json!("#112233");
    settings["payment_provider"] = json!("manual");
    t.put(&a, admin, "/api/v1/settings", settings).await.ok(200);

    const UPDATE: &str = "mutation($i: TenantSettingsInput!) { updateTenantSettings(input: $i) { holdMinutes } }";
    data(gql(&t, Some(&a.slug), admin, UPDATE, json!({"i": {"holdMinutes": 7}})).await);
    let now = t.get(&a, admin, "/api/v1/settings").await.ok(200);
    assert_eq!(
        (now["hold_minutes"].as_u64(), now["brand_color"].as_str(), now["payment_provider"].as_str()),
        (Some(7), Some("#112233"), Some("manual")),
        "fields not given keep their value: {now}"
    );
    // An explicit null clears; a bad value is an input error on its field and changes nothing.
    data(gql(&t, Some(&a.slug), admin, UPDATE, json!({"i": {"brandColor": null, "accentColor": "#abcdef"}})).await);
    let now = t.get(&a, admin, "/api/v1/settings").await.ok(200);
    assert_eq!((now["brand_color"].clone(), now["accent_color"].clone()), (Value::Null, json!("#abcdef")));
    let r = gql(&t, Some(&a.slug), admin, UPDATE, json!({"i": {"brandColor": "red", "holdMinutes": 9}})).await;
    let ext = error(&r, "validation_failed");
    assert_eq!(ext["field"], "input.brandColor", "{ext}");
    assert_eq!(t.get(&a, admin, "/api/v1/settings").await.ok(200)["hold_minutes"], 7);
}

//! Schema-per-tenant at the store level.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use taquilla_core::text::*;
use taquilla_services::events::{EventInput, EventQuery};
use taquilla_services::tenants::{NewTenant, NewTenantAdmin};
use taquilla_services::App;
use taquilla_store::Store;
use taquilla_tests::*;

async fn new_tenant(app: &App, slug: &str) -> (uuid::Uuid, taquilla_core::Actor) {
    let c = app
        .create_tenant(
            &App::system_actor(),
            NewTenant {
                slug: Slug::parse(slug).unwrap(),
                name: Name::parse(slug).unwrap(),
                plan: None,
                admin: NewTenantAdmin {
                    email: EmailAddress::parse(format!("a@{slug}.test")).unwrap(),
                    password: Password::parse(PASSWORD).unwrap(),
                    display_name: None,
                },
            },
        )
        .await
        .unwrap();
    let actor = taquilla_core::Actor::person(c.admin.id, Some(c.tenant.id), taquilla_core::Role::TenantAdmin);
    (c.tenant.id, actor)
}

fn input(title: &str) -> EventInput {
    serde_json::from_value(event_body(title)).unwrap()
}

#[tokio::test]
async fn one_pooled_connection_never_leaks_a_tenants_rows_to_another() {
    let db = fresh_database().await;
    // ONE connection: tenant A's transaction and tenant B's run on the same session.
    let store = Store::connect(&db.url, 1).await.unwrap();
    let app = App::new(store.clone(), test_config());
    let (a, admin_a) = new_tenant(&app, "alpha").await;
    let (b, admin_b) = new_tenant(&app, "bravo").await;
    app.create_event(&admin_a, a, input("Only in A")).await.unwrap();

    let q = EventQuery::default();
    let page = taquilla_core::page::PageRequest::default();
    let in_b = app.list_events(Some(&admin_b), b, &q, page).await.unwrap();
    assert_eq!(in_b.total, 0, "tenant B must not see tenant A's events: {:?}", in_b.items);
    let in_a = app.list_events(Some(&admin_a), a, &q, page).await.unwrap();
    assert_eq!(in_a.items.iter().map(|e| e.title.as_str()).collect::<Vec<_>>(), ["Only in A"]);
    // And back again: B after A after B.
    assert_eq!(app.list_events(Some(&admin_b), b, &q, page).await.unwrap().total, 0);

    // Outside a tenant transaction the session is back on the default path:
    // an unqualified tenant table is not visible at all.
    let path = store
        .db()
        .query_one_raw(Statement::from_string(DbBackend::Postgres, "SHOW search_path"))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "search_path")
        .unwrap();
    assert!(!path.contains("t_"), "search_path leaked out of the transaction: {path}");
    let err = store.db().execute_unprepared("SELECT * FROM events").await;
    assert!(err.is_err(), "unqualified tenant table must not resolve outside tenant_tx");
    store.db().clone().close().await.unwrap();
}

#[tokio::test]
async fn tenant_creation_is_atomic_and_migrate_is_idempotent() {
    let t = spawn_app().await;
    let fx = t.tenant("atomic").await;
    // Same slug again: 409 and no second schema, no half-made tenant.
    let r = t
        .admin(
            reqwest::Method::POST,
            "/api/v1/admin/tenants",
            Some(serde_json::json!({"slug": "atomic", "name": "x", "admin": {"email": "b@x.test", "password": PASSWORD}})),
        )
        .await;
    r.problem(409, "slug_taken");
    let schemas = t
        .app
        .store
        .db()
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%'",
        ))
        .await
        .unwrap();
    assert_eq!(schemas.len(), 1);

    t.event(&fx, &fx.admin_token, "Survives migrate").await;
    assert_eq!(t.app.store.migrate_all().await.unwrap(), 1);
    assert_eq!(t.app.store.migrate_all().await.unwrap(), 1);
    assert_eq!(t.count(&fx, "events").await, 1);
}

//! Test harness: every test gets the real server on a random port, against
//! its own PostgreSQL database cloned from a migrated template (created once
//! per migration fingerprint), dropped again when the test ends.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod proxy;
pub mod receiver;
pub mod smtp;

use std::net::TcpListener;

use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{json, Value};
use taquilla_services::{App, Config};
use taquilla_store::Store;
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery";
pub const PLATFORM_EMAIL: &str = "root@platform.test";

pub fn admin_url() -> String {
    if let Ok(u) = std::env::var("TAQUILLA_TEST_DATABASE_ADMIN_URL") {
        return u;
    }
    if let Ok(u) = std::env::var("DATABASE_URL") {
        if let Some((base, _db)) = u.rsplit_once('/') {
            return format!("{base}/postgres");
        }
    }
    "postgres://postgres@127.0.0.1:5432/postgres".into()
}

fn db_url(name: &str) -> String {
    let admin = admin_url();
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

async fn ensure_template(admin: &DatabaseConnection) -> String {
    let name = format!("taquilla_tpl_{}", taquilla_migrations::fingerprint());
    // One process builds the template; the others wait for it.
    admin.execute_unprepared("SELECT pg_advisory_lock(727274)").await.unwrap();
    let exists = admin
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!("SELECT 1 AS x FROM pg_database WHERE datname = '{name}'"),
        ))
        .await
        .unwrap()
        .is_some();
    if !exists {
        let building = format!("{name}_building");
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)")).await.unwrap();
        admin.execute_unprepared(&format!("CREATE DATABASE {building}")).await.unwrap();
        {
            let store = Store::connect(&db_url(&building), 2).await.unwrap();
            store.migrate_all().await.unwrap();
            store.db().clone().close().await.unwrap();
        }
        admin.execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {name}")).await.unwrap();
    }
    admin.execute_unprepared("SELECT pg_advisory_unlock(727274)").await.unwrap();
    name
}

/// A fresh database cloned from the template. Dropped by [`DbGuard`].
pub async fn fresh_database() -> DbGuard {
    let admin = Database::connect(admin_url()).await.expect("connect to PostgreSQL (is scripts/services.sh up?)");
    let template = ensure_template(&admin).await;
    let name = format!("taquilla_test_{}", Uuid::new_v4().simple());
    let mut tries = 0;
    loop {
        match admin.execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}")).await {
            Ok(_) => break,
            // Another test may be copying the template at this very moment.
            Err(e) if tries < 20 && e.to_string().contains("being accessed by other users") => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("create test database: {e}"),
        }
    }
    admin.close().await.ok();
    DbGuard { url: db_url(&name), name }
}

pub struct DbGuard {
    pub name: String,
    pub url: String,
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop is synchronous; do the async work on a private runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(admin) = Database::connect(admin_url()).await {
                    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                }
            });
        })
        .join();
    }
}

pub struct TestApp {
    pub base: String,
    pub port: u16,
    pub app: App,
    pub http: reqwest::Client,
    pub platform_token: String,
    // Last: dropped after the server's pool is gone.
    pub db: DbGuard,
}

#[derive(Debug, Clone)]
pub struct TenantFx {
    pub id: Uuid,
    pub slug: String,
    pub admin_id: Uuid,
    pub admin_token: String,
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
}

impl Resp {
    /// Reads a response: JSON when it is JSON, else the text as a string.
    pub async fn read(res: reqwest::Response) -> Self {
        let status = res.status();
        let content_type =
            res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let bytes = res.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Resp { status, content_type, body }
    }

    #[track_caller]
    pub fn ok(self, expected: u16) -> Value {
        assert_eq!(self.status.as_u16(), expected, "unexpected status; body: {}", self.body);
        self.body
    }

    /// Asserts a problem document with this status and code.
    #[track_caller]
    pub fn problem(self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.body);
        assert_eq!(self.content_type, "application/problem+json", "body: {}", self.body);
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["status"], status);
        self.body
    }
}

pub fn test_config() -> Config {
    let mut c = Config::for_tests(&format!("test-secret-{}-{}", Uuid::new_v4(), Uuid::new_v4()));
    // Mails of tests without an SMTP sink go to the system's temp dir, not the checkout.
    c.notifications.notify.mail.mail_dir = std::env::temp_dir().join("taquilla-test-mail");
    c
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_config()).await
}

pub async fn spawn_app_with(config: Config) -> TestApp {
    spawn_app_full(config, None).await
}

/// Which realtime fan-out a test server uses (the default is in-process).
#[derive(Debug, Clone)]
pub enum Fanout {
    Postgres,
    Redis(String),
}

impl Fanout {
    /// A `Realtime` on this backend, as another server instance would have.
    pub async fn connect(&self, database_url: &str) -> std::sync::Arc<taquilla_realtime::Realtime> {
        match self {
            Fanout::Postgres => taquilla_realtime::Realtime::postgres(database_url).await.unwrap(),
            Fanout::Redis(url) => taquilla_realtime::Realtime::redis(url).await.expect("Redis (make test starts it)"),
        }
    }
}

/// The Redis the tests use (`scripts/services.sh` exports `REDIS_URL`).
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A server whose event listings are cached in the Redis at `cache.url`
/// (the default harness has no listing cache).
pub async fn spawn_app_cached(config: Config, cache: taquilla_cache::CacheConfig) -> TestApp {
    let cache = std::sync::Arc::new(taquilla_cache::Cache::new(cache).unwrap());
    spawn_app_opts(config, None, Some(cache)).await
}

pub async fn spawn_app_full(config: Config, realtime: Option<Fanout>) -> TestApp {
    spawn_app_opts(config, realtime, None).await
}

async fn spawn_app_opts(
    config: Config,
    realtime: Option<Fanout>,
    cache: Option<std::sync::Arc<taquilla_cache::Cache>>,
) -> TestApp {
    // One TLS stack: rustls on aws-lc-rs (reqwest is built without a provider).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let db = fresh_database().await;
    let store = Store::connect(&db.url, 10).await.unwrap();
    let mut app = App::new(store, config);
    if let Some(f) = realtime {
        app = app.with_realtime(f.connect(&db.url).await);
    }
    if let Some(c) = cache {
        app = app.with_search_cache(c);
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = taquilla_http::server(app.clone(), listener, Some(2)).unwrap();
    tokio::spawn(server);
    app.create_platform_admin(
        taquilla_core::text::EmailAddress::parse(PLATFORM_EMAIL).unwrap(),
        taquilla_core::text::Password::parse(PASSWORD).unwrap(),
        "Root",
    )
    .await
    .unwrap();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut t =
        TestApp { base: format!("http://127.0.0.1:{port}"), port, app, http, platform_token: String::new(), db };
    let r = t
        .call(
            Method::POST,
            None,
            None,
            "/api/v1/admin/auth/login",
            Some(json!({"email": PLATFORM_EMAIL, "password": PASSWORD})),
        )
        .await;
    t.platform_token = r.ok(200)["access_token"].as_str().unwrap().to_owned();
    t
}

impl TestApp {
    /// One request. `tenant` goes into `X-Tenant`; `token` into `Authorization`.
    pub async fn call(
        &self,
        method: Method,
        tenant: Option<&str>,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> Resp {
        self.call_full(method, tenant, token, path, body, &[]).await
    }

    /// As [`TestApp::call`] for a tenant fixture, with extra headers.
    pub async fn call_with_headers(
        &self,
        method: Method,
        tenant: Option<&TenantFx>,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        self.call_full(method, tenant.map(|t| t.slug.as_str()), token, path, body, headers).await
    }

    async fn call_full(
        &self,
        method: Method,
        tenant: Option<&str>,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = tenant {
            req = req.header("X-Tenant", t);
        }
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Resp::read(req.send().await.unwrap()).await
    }

    pub async fn get(&self, t: &TenantFx, token: Option<&str>, path: &str) -> Resp {
        self.call(Method::GET, Some(&t.slug), token, path, None).await
    }

    pub async fn post(&self, t: &TenantFx, token: Option<&str>, path: &str, body: Value) -> Resp {
        self.call(Method::POST, Some(&t.slug), token, path, Some(body)).await
    }

    pub async fn patch(&self, t: &TenantFx, token: Option<&str>, path: &str, body: Value) -> Resp {
        self.call(Method::PATCH, Some(&t.slug), token, path, Some(body)).await
    }

    pub async fn put(&self, t: &TenantFx, token: Option<&str>, path: &str, body: Value) -> Resp {
        self.call(Method::PUT, Some(&t.slug), token, path, Some(body)).await
    }

    pub async fn delete(&self, t: &TenantFx, token: Option<&str>, path: &str) -> Resp {
        self.call(Method::DELETE, Some(&t.slug), token, path, None).await
    }

    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.call(method, None, Some(&self.platform_token), path, body).await
    }

    /// Onboards a tenant through the admin API and logs its admin in.
    pub async fn tenant(&self, slug: &str) -> TenantFx {
        let admin_email = format!("admin@{slug}.test");
        let r = self
            .admin(
                Method::POST,
                "/api/v1/admin/tenants",
                Some(json!({"slug": slug, "name": format!("Tenant {slug}"), "admin": {"email": admin_email, "password": PASSWORD}})),
            )
            .await
            .ok(201);
        let id: Uuid = r["tenant"]["id"].as_str().unwrap().parse().unwrap();
        let admin_id: Uuid = r["admin"]["id"].as_str().unwrap().parse().unwrap();
        let mut fx = TenantFx { id, slug: slug.to_owned(), admin_id, admin_token: String::new() };
        fx.admin_token = self.login(&fx, &admin_email).await;
        fx
    }

    pub async fn login(&self, t: &TenantFx, email: &str) -> String {
        let r = self.post(t, None, "/api/v1/auth/login", json!({"email": email, "password": PASSWORD})).await.ok(200);
        r["access_token"].as_str().unwrap().to_owned()
    }

    /// Creates a user with `role` (as the tenant admin) and returns (id, token).
    pub async fn user(&self, t: &TenantFx, role: &str, name: &str) -> (Uuid, String) {
        let email = format!("{name}@{}.test", t.slug);
        let r = self
            .post(
                t,
                Some(&t.admin_token),
                "/api/v1/users",
                json!({"email": email, "password": PASSWORD, "role": role, "display_name": name}),
            )
            .await
            .ok(201);
        let id = r["id"].as_str().unwrap().parse().unwrap();
        (id, self.login(t, &email).await)
    }

    /// A published event owned by the token's user, spanning `days` days from 30 days out.
    pub async fn event(&self, t: &TenantFx, token: &str, title: &str) -> Value {
        self.post(t, Some(token), "/api/v1/events", event_body(title)).await.ok(201)
    }

    /// Counts rows of a tenant table straight from the database.
    pub async fn count(&self, t: &TenantFx, table: &str) -> i64 {
        let schema = taquilla_store::schema_name(t.id);
        let row = self
            .app
            .store
            .db()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!("SELECT count(*) AS n FROM {schema}.{table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    /// The tenant's outbox event types, oldest first.
    pub async fn outbox(&self, t: &TenantFx) -> Vec<String> {
        let schema = taquilla_store::schema_name(t.id);
        self.app
            .store
            .db()
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!("SELECT event_type FROM {schema}.outbox ORDER BY seq"),
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String>("", "event_type").unwrap())
            .collect()
    }

    pub async fn sql(&self, sql: &str) {
        self.app.store.db().execute_unprepared(sql).await.unwrap();
    }

    /// The one row of a query whose single column `j` is JSON text.
    pub async fn json(&self, sql: &str) -> Value {
        let r = self
            .app
            .store
            .db()
            .query_one_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, sql.to_owned()))
            .await
            .unwrap()
            .unwrap();
        serde_json::from_str(&r.try_get::<String>("", "j").unwrap()).unwrap()
    }
}

pub fn event_starts() -> chrono::DateTime<chrono::Utc> {
    use chrono::{Duration, TimeZone, Utc};
    Utc.with_ymd_and_hms(2030, 6, 1, 10, 0, 0).unwrap() + Duration::zero()
}

pub fn event_body(title: &str) -> Value {
    use chrono::Duration;
    let s = event_starts();
    json!({
        "title": title,
        "description": "A test event",
        "category": "music",
        "venue": "Main Hall",
        "status": "published",
        "starts_at": s,
        "ends_at": s + Duration::days(3),
        "timezone": "Europe/Madrid"
    })
}

pub fn session_body(title: &str, start_hour_offset: i64, hours: i64) -> Value {
    use chrono::Duration;
    let s = event_starts() + Duration::hours(start_hour_offset);
    json!({ "title": title, "venue": "Stage A", "starts_at": s, "ends_at": s + Duration::hours(hours), "capacity": 100 })
}

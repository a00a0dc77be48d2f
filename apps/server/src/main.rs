//! `taquilla`: the server and its administrative commands.

use std::net::TcpListener;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;
use taquilla_core::text::{EmailAddress, Name, Password, Slug};
use taquilla_services::{App, Config};
use taquilla_store::Store;

mod demo;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "taquilla", version, about = "Multitenant ticketing platform")]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Settings {
    /// PostgreSQL connection URL.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    database_url: Option<String>,
    #[arg(long, env = "TAQUILLA_DB_MAX_CONNECTIONS", default_value_t = 20, global = true)]
    db_max_connections: u32,
    /// HMAC key for access tokens (at least 32 bytes). Without one, a random
    /// key is made at start: tokens then die with the process.
    #[arg(long, env = "TAQUILLA_JWT_SECRET", hide_env_values = true, global = true)]
    jwt_secret: Option<String>,
    #[arg(long, env = "TAQUILLA_ACCESS_TOKEN_TTL_SECS", default_value_t = 900, global = true)]
    access_token_ttl_secs: u64,
    #[arg(long, env = "TAQUILLA_REFRESH_TOKEN_TTL_SECS", default_value_t = 30 * 24 * 3600, global = true)]
    refresh_token_ttl_secs: u64,
    /// Hosts `<slug>.<base domain>` select the tenant `<slug>`.
    #[arg(long, env = "TAQUILLA_BASE_DOMAIN", default_value = "localhost", global = true)]
    base_domain: String,
    #[arg(long, env = "TAQUILLA_MAX_BODY_BYTES", default_value_t = 64 * 1024, global = true)]
    max_body_bytes: usize,
    /// Largest bulk import body (`POST /api/v1/bulk/events`), in bytes.
    #[arg(long, env = "TAQUILLA_BULK_MAX_BODY_BYTES", default_value_t = 16 * 1024 * 1024, global = true)]
    bulk_max_body_bytes: usize,
    #[arg(long, env = "TAQUILLA_TRUST_FORWARDED_FOR", default_value_t = false, global = true)]
    trust_forwarded_for: bool,
    /// Milliseconds a resolved tenant is reused (suspensions made on another
    /// instance take effect within this time). 0 disables the cache.
    #[arg(long, env = "TAQUILLA_TENANT_CACHE_MS", default_value_t = 1000, global = true)]
    tenant_cache_ms: u64,
    /// The built web app (storefront, console, admin); empty: APIs only.
    #[arg(long, env = "TAQUILLA_WEB_DIR", default_value = "apps/web/dist", global = true)]
    web_dir: String,
    /// Redis for the realtime fan-out; without it, PostgreSQL LISTEN/NOTIFY.
    #[arg(long, env = "REDIS_URL", hide_env_values = true, global = true)]
    redis_url: Option<String>,
    /// Cache event listings and searches in Redis (needs REDIS_URL).
    #[arg(long, env = "TAQUILLA_SEARCH_CACHE", default_value_t = true, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    search_cache: bool,
    /// Seconds a cached listing lives (writes retire entries at once; this
    /// bounds staleness only when a write could not reach Redis).
    #[arg(long, env = "TAQUILLA_SEARCH_CACHE_TTL_SECS", default_value_t = 300, global = true)]
    search_cache_ttl_secs: u64,
    /// Milliseconds one Redis cache operation may take before the request
    /// goes to PostgreSQL instead.
    #[arg(long, env = "TAQUILLA_CACHE_TIMEOUT_MS", default_value_t = 250, global = true)]
    cache_timeout_ms: u64,
    /// Answer GraphQL introspection (`__schema`, `__type`); GraphiQL needs it.
    #[arg(long, env = "TAQUILLA_GRAPHQL_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    graphql_introspection: bool,
    /// Deepest GraphQL selection nesting accepted.
    #[arg(long, env = "TAQUILLA_GRAPHQL_MAX_DEPTH", default_value_t = 15, global = true)]
    graphql_max_depth: usize,
    /// Largest static GraphQL query complexity accepted.
    #[arg(long, env = "TAQUILLA_GRAPHQL_MAX_COMPLEXITY", default_value_t = 5000, global = true)]
    graphql_max_complexity: usize,
    /// Largest GraphQL request body in bytes.
    #[arg(long, env = "TAQUILLA_GRAPHQL_MAX_QUERY_BYTES", default_value_t = 64 * 1024, global = true)]
    graphql_max_query_bytes: usize,
    /// Milliseconds one GraphQL request may run.
    #[arg(long, env = "TAQUILLA_GRAPHQL_TIMEOUT_MS", default_value_t = 10_000, global = true)]
    graphql_timeout_ms: u64,
    /// Stripe secret key (sk_…). Without it only free and manual payments
    /// are offered.
    #[arg(long, env = "STRIPE_SECRET_KEY", hide_env_values = true, global = true)]
    stripe_secret_key: Option<String>,
    /// Stripe webhook signing secret(s) (whsec_…), comma-separated while one
    /// is being rolled.
    #[arg(long, env = "STRIPE_WEBHOOK_SECRET", hide_env_values = true, global = true)]
    stripe_webhook_secret: Option<String>,
    /// Stripe API base URL (a local stand-in in tests).
    #[arg(long, env = "STRIPE_API_BASE", global = true)]
    stripe_api_base: Option<String>,
    /// Stripe publishable key (pk_…), given to browsers for the Payment
    /// Element. Without it the web checkout cannot take cards.
    #[arg(long, env = "STRIPE_PUBLISHABLE_KEY", global = true)]
    stripe_publishable_key: Option<String>,
    /// Platform fee on Stripe Connect payments, in basis points (250 = 2.5%).
    #[arg(long, env = "STRIPE_APPLICATION_FEE_BPS", default_value_t = 0, global = true)]
    stripe_application_fee_bps: u32,
    /// Let webhooks go to plain http and to loopback or private addresses.
    /// For development and tests only: in production it opens SSRF.
    #[arg(long, env = "TAQUILLA_WEBHOOKS_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    webhooks_allow_private: bool,
    /// Milliseconds one webhook attempt may take.
    #[arg(long, env = "TAQUILLA_WEBHOOK_TIMEOUT_MS", default_value_t = 15_000, global = true)]
    webhook_timeout_ms: u64,
    /// Delays before each attempt in milliseconds, comma-separated (default:
    /// 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
    #[arg(long, env = "TAQUILLA_WEBHOOK_RETRY_SCHEDULE_MS", global = true)]
    webhook_retry_schedule_ms: Option<String>,
    /// Milliseconds between webhook worker passes.
    #[arg(long, env = "TAQUILLA_WEBHOOK_POLL_MS", default_value_t = 500, global = true)]
    webhook_poll_ms: u64,
    /// Run the webhook delivery worker in this process.
    #[arg(long, env = "TAQUILLA_WEBHOOK_WORKER", default_value_t = true, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    webhook_worker: bool,
    /// SMTP server for e-mail: `smtp://[user:pass@]host[:port]`, with
    /// `?tls=required` for STARTTLS, or `smtps://…` for TLS from the start.
    /// Without it, each mail is written as an .eml file to TAQUILLA_MAIL_DIR.
    #[arg(long, env = "SMTP_URL", hide_env_values = true, global = true)]
    smtp_url: Option<String>,
    /// Where mails go as .eml files when SMTP_URL is not set.
    #[arg(long, env = "TAQUILLA_MAIL_DIR", default_value = "var/mail", global = true)]
    mail_dir: String,
    /// Sender address of every mail (the display name is the tenant's).
    #[arg(long, env = "TAQUILLA_MAIL_FROM", default_value = "no-reply@taquilla.localhost", global = true)]
    mail_from: String,
    /// Milliseconds one SMTP command may take.
    #[arg(long, env = "TAQUILLA_SMTP_TIMEOUT_MS", default_value_t = 15_000, global = true)]
    smtp_timeout_ms: u64,
    /// A Twilio-compatible SMS API (default https://api.twilio.com).
    #[arg(long, env = "TWILIO_API_BASE", global = true)]
    twilio_api_base: Option<String>,
    /// SMS is on when the account SID, auth token and sender are all set.
    #[arg(long, env = "TWILIO_ACCOUNT_SID", global = true)]
    twilio_account_sid: Option<String>,
    #[arg(long, env = "TWILIO_AUTH_TOKEN", hide_env_values = true, global = true)]
    twilio_auth_token: Option<String>,
    /// The sending number (E.164) or sender id.
    #[arg(long, env = "TWILIO_FROM", global = true)]
    twilio_from: Option<String>,
    /// Delays before each notification attempt in milliseconds,
    /// comma-separated (default: 0, 10 s, 1 min, 5 min, 15 min, 1 h, 3 h, 6 h, 12 h).
    #[arg(long, env = "TAQUILLA_NOTIFY_RETRY_SCHEDULE_MS", global = true)]
    notify_retry_schedule_ms: Option<String>,
    /// Milliseconds between notification worker passes.
    #[arg(long, env = "TAQUILLA_NOTIFY_POLL_MS", default_value_t = 500, global = true)]
    notify_poll_ms: u64,
    /// Run the notification (e-mail, SMS) worker in this process.
    #[arg(long, env = "TAQUILLA_NOTIFY_WORKER", default_value_t = true, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    notify_worker: bool,
    /// Rate limiting on or off (`off` for load tests from one address).
    #[arg(long, env = "TAQUILLA_RATE_LIMIT", default_value_t = true, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    rate_limit: bool,
    /// Requests per minute per client IP for callers without a valid credential.
    #[arg(long, env = "TAQUILLA_RATE_LIMIT_ANONYMOUS", default_value_t = 300, global = true)]
    rate_limit_anonymous: u32,
    /// Requests per minute per user or API key on the `free` plan.
    #[arg(long, env = "TAQUILLA_RATE_LIMIT_FREE", default_value_t = 600, global = true)]
    rate_limit_free: u32,
    /// Requests per minute per user or API key on the `standard` plan.
    #[arg(long, env = "TAQUILLA_RATE_LIMIT_STANDARD", default_value_t = 3000, global = true)]
    rate_limit_standard: u32,
    /// Requests per minute per user or API key on the `enterprise` plan.
    #[arg(long, env = "TAQUILLA_RATE_LIMIT_ENTERPRISE", default_value_t = 30_000, global = true)]
    rate_limit_enterprise: u32,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        #[arg(long, env = "TAQUILLA_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        #[arg(long, env = "TAQUILLA_WORKERS")]
        workers: Option<usize>,
        #[arg(long, env = "TAQUILLA_BOOTSTRAP_ADMIN_EMAIL")]
        bootstrap_admin_email: Option<String>,
        #[arg(long, env = "TAQUILLA_BOOTSTRAP_ADMIN_PASSWORD", hide_env_values = true)]
        bootstrap_admin_password: Option<String>,
    },
    /// Upgrade the public schema and every tenant schema (idempotent).
    Migrate,
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCmd),
    /// Manage platform admins.
    #[command(subcommand)]
    Admin(AdminCmd),
    /// Create the demo tenant with sample events unless it exists; print logins.
    Demo,
    /// Print the OpenAPI document.
    Openapi,
    /// Print the GraphQL schema (SDL), as committed in openapi/schema.graphql.
    Schema,
    /// Audit log tools.
    #[command(subcommand)]
    Audit(AuditCmd),
}

#[derive(Subcommand)]
enum TenantCmd {
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long, env = "TAQUILLA_TENANT_ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: String,
    },
    List,
    Suspend {
        slug: String,
    },
    Activate {
        slug: String,
    },
}

#[derive(Subcommand)]
enum AdminCmd {
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, env = "TAQUILLA_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Recompute hash chains; exits non-zero when one is broken.
    Verify {
        /// Tenant slug; omit with --all.
        tenant: Option<String>,
        #[arg(long)]
        all: bool,
    },
}

impl Settings {
    fn config(&self) -> anyhow::Result<Config> {
        let jwt_secret = match &self.jwt_secret {
            Some(s) if s.len() >= 32 => s.clone(),
            Some(_) => bail!("TAQUILLA_JWT_SECRET must be at least 32 bytes"),
            None => {
                tracing::warn!("TAQUILLA_JWT_SECRET is not set: using a random key; tokens end with this process");
                let mut b = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rng(), &mut b);
                b.iter().map(|x| format!("{x:02x}")).collect()
            }
        };
        Ok(Config {
            jwt_secret: SecretString::from(jwt_secret),
            access_token_ttl: Duration::from_secs(self.access_token_ttl_secs),
            refresh_token_ttl: Duration::from_secs(self.refresh_token_ttl_secs),
            base_domain: self.base_domain.clone(),
            max_body_bytes: self.max_body_bytes,
            bulk_max_body_bytes: self.bulk_max_body_bytes,
            trust_forwarded_for: self.trust_forwarded_for,
            tenant_cache_ttl: Duration::from_millis(self.tenant_cache_ms),
            graphql: taquilla_services::GraphqlConfig {
                introspection: self.graphql_introspection,
                max_depth: self.graphql_max_depth,
                max_complexity: self.graphql_max_complexity,
                max_query_bytes: self.graphql_max_query_bytes,
                timeout: Duration::from_millis(self.graphql_timeout_ms),
            },
            stripe: self.stripe()?,
            webhooks: self.webhooks()?,
            notifications: self.notifications()?,
            rate_limit: self.rate_limit()?,
            redis_url: self.redis_url.clone().filter(|u| !u.is_empty()),
            web_dir: Some(self.web_dir.as_str()).filter(|d| !d.is_empty()).map(Into::into),
        })
    }

    fn rate_limit(&self) -> anyhow::Result<taquilla_services::config::RateLimitConfig> {
        let rates =
            [self.rate_limit_anonymous, self.rate_limit_free, self.rate_limit_standard, self.rate_limit_enterprise];
        if rates.contains(&0) {
            bail!("TAQUILLA_RATE_LIMIT_* rates must be positive (turn limiting off with TAQUILLA_RATE_LIMIT=off)");
        }
        Ok(taquilla_services::config::RateLimitConfig {
            enabled: self.rate_limit,
            anonymous_per_minute: self.rate_limit_anonymous,
            free_per_minute: self.rate_limit_free,
            standard_per_minute: self.rate_limit_standard,
            enterprise_per_minute: self.rate_limit_enterprise,
            ..Default::default()
        })
    }

    fn notifications(&self) -> anyhow::Result<taquilla_services::notifications::NotificationsConfig> {
        use taquilla_notify::{MailConfig, NotifyConfig, SmsConfig};
        let mut n = taquilla_services::notifications::NotificationsConfig::default();
        if self.smtp_timeout_ms == 0 {
            bail!("TAQUILLA_SMTP_TIMEOUT_MS must be positive");
        }
        let mail = MailConfig {
            smtp_url: self.smtp_url.clone().filter(|u| !u.trim().is_empty()).map(SecretString::from),
            mail_dir: self.mail_dir.clone().into(),
            from: self.mail_from.clone(),
            timeout: Duration::from_millis(self.smtp_timeout_ms),
        };
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let sms = match (
            nonempty(&self.twilio_account_sid),
            nonempty(&self.twilio_auth_token),
            nonempty(&self.twilio_from),
        ) {
            (Some(account_sid), Some(token), Some(from)) => Some(SmsConfig {
                api_base: nonempty(&self.twilio_api_base)
                    .unwrap_or_else(|| taquilla_notify::sms::DEFAULT_API_BASE.to_owned()),
                account_sid,
                auth_token: SecretString::from(token),
                from,
                timeout: Duration::from_secs(15),
            }),
            (None, None, None) => None,
            _ => bail!("SMS needs all of TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM (or none of them)"),
        };
        n.notify = NotifyConfig { mail, sms };
        // Fail at startup, not at the first mail.
        taquilla_notify::Notifier::new(&n.notify).map_err(|e| anyhow::anyhow!(e))?;
        if let Some(s) = &self.notify_retry_schedule_ms {
            n.schedule = taquilla_webhooks::RetrySchedule::parse_ms(s)
                .map_err(|e| anyhow::anyhow!("TAQUILLA_NOTIFY_RETRY_SCHEDULE_MS: {e}"))?;
        }
        n.poll = Duration::from_millis(self.notify_poll_ms.max(10));
        n.lease = Duration::from_millis(self.smtp_timeout_ms.saturating_mul(4)) + Duration::from_secs(10);
        Ok(n)
    }

    fn webhooks(&self) -> anyhow::Result<taquilla_services::webhooks::WebhooksConfig> {
        let mut w = taquilla_services::webhooks::WebhooksConfig::default();
        w.sender.policy.allow_private = self.webhooks_allow_private;
        if self.webhooks_allow_private {
            tracing::warn!(
                "TAQUILLA_WEBHOOKS_ALLOW_PRIVATE is on: webhooks may reach plain http and internal addresses"
            );
        }
        if self.webhook_timeout_ms == 0 {
            bail!("TAQUILLA_WEBHOOK_TIMEOUT_MS must be positive");
        }
        w.sender.timeout = Duration::from_millis(self.webhook_timeout_ms);
        if let Some(s) = &self.webhook_retry_schedule_ms {
            w.schedule = taquilla_webhooks::RetrySchedule::parse_ms(s)
                .map_err(|e| anyhow::anyhow!("TAQUILLA_WEBHOOK_RETRY_SCHEDULE_MS: {e}"))?;
        }
        w.poll = Duration::from_millis(self.webhook_poll_ms.max(10));
        Ok(w)
    }

    fn stripe(&self) -> anyhow::Result<Option<taquilla_payments::StripeConfig>> {
        let Some(key) = self.stripe_secret_key.clone().filter(|k| !k.is_empty()) else { return Ok(None) };
        let secrets: Vec<SecretString> = self
            .stripe_webhook_secret
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| SecretString::from(s.to_owned()))
            .collect();
        if secrets.is_empty() {
            bail!("STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: payments could never be confirmed");
        }
        if self.stripe_application_fee_bps > 10_000 {
            bail!("STRIPE_APPLICATION_FEE_BPS must be 0..=10000");
        }
        let publishable_key = self.stripe_publishable_key.clone().filter(|k| !k.is_empty());
        if publishable_key.as_deref().is_some_and(|k| !k.starts_with("pk_")) {
            bail!("STRIPE_PUBLISHABLE_KEY must be a publishable key (pk_…), never the secret key");
        }
        let config = taquilla_payments::StripeConfig {
            secret_key: SecretString::from(key),
            webhook_secrets: secrets,
            api_base: self.stripe_api_base.clone(),
            application_fee_bps: self.stripe_application_fee_bps,
            publishable_key,
        };
        // Fail at startup, not at the first payment.
        taquilla_payments::StripeProvider::new(config.clone()).map_err(core_err)?;
        Ok(Some(config))
    }

    async fn app(&self) -> anyhow::Result<App> {
        let url = self.database_url.as_deref().context("DATABASE_URL is not set")?;
        let store = Store::connect(url, self.db_max_connections)
            .await
            .map_err(|e| anyhow::anyhow!("connecting to PostgreSQL: {e:?}"))?;
        let app = App::new(store, self.config()?);
        Ok(match self.search_cache()? {
            Some(cache) => app.with_search_cache(cache),
            None => app,
        })
    }

    /// The listing cache, when Redis is configured and the cache is on. It
    /// connects lazily: a Redis that is down is bypassed until it answers.
    /// Every command gets it, so writes made by `taquilla demo` retire a
    /// running server's cached listings too.
    fn search_cache(&self) -> anyhow::Result<Option<std::sync::Arc<taquilla_cache::Cache>>> {
        let Some(url) = self.redis_url.as_deref().filter(|u| !u.is_empty() && self.search_cache) else {
            return Ok(None);
        };
        if self.cache_timeout_ms == 0 || self.search_cache_ttl_secs == 0 {
            bail!("TAQUILLA_CACHE_TIMEOUT_MS and TAQUILLA_SEARCH_CACHE_TTL_SECS must be positive");
        }
        let mut cfg = taquilla_cache::CacheConfig::new(url);
        cfg.timeout = Duration::from_millis(self.cache_timeout_ms);
        cfg.ttl = Duration::from_secs(self.search_cache_ttl_secs);
        let cache = taquilla_cache::Cache::new(cfg).map_err(|e| anyhow::anyhow!("search cache: {e}"))?;
        tracing::debug!("event listings are cached in Redis");
        Ok(Some(std::sync::Arc::new(cache)))
    }
}

fn parse<T>(field: &str, r: Result<T, String>) -> anyhow::Result<T> {
    r.map_err(|e| anyhow::anyhow!("{field}: {e}"))
}

fn core_err(e: taquilla_core::Error) -> anyhow::Error {
    anyhow::anyhow!("{e:?}")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let s = cli.settings;
    match cli.command {
        Command::Openapi => {
            print!("{}", taquilla_http::openapi::document_json());
        }
        Command::Schema => {
            print!("{}", taquilla_graphql::sdl());
        }
        Command::Migrate => {
            let app = s.app().await?;
            let n = app.store.migrate_all().await.map_err(core_err)?;
            eprintln!("migrated public and {n} tenant schema(s)");
        }
        Command::Serve { bind, workers, bootstrap_admin_email, bootstrap_admin_password } => {
            let app = s.app().await?;
            if let (Some(e), Some(p)) = (bootstrap_admin_email, bootstrap_admin_password) {
                let created = app
                    .bootstrap_platform_admin(
                        parse("email", EmailAddress::parse(e))?,
                        parse("password", Password::parse(p))?,
                    )
                    .await
                    .map_err(core_err)?;
                if created {
                    tracing::info!("created the first platform admin from TAQUILLA_BOOTSTRAP_ADMIN_EMAIL");
                }
            }
            let app = app.with_realtime(realtime(&s).await?);
            spawn_sweeper(app.clone());
            spawn_audit_sealer(app.clone());
            if s.webhook_worker {
                tokio::spawn(app.clone().run_webhook_worker());
            }
            if s.notify_worker {
                match app.config.notifications.notify.sms {
                    Some(_) => tracing::info!("notification worker: e-mail and SMS"),
                    None => tracing::info!("notification worker: e-mail (SMS is not configured)"),
                }
                tokio::spawn(app.clone().run_notification_worker());
            }
            let listener = TcpListener::bind(&bind).with_context(|| format!("binding {bind}"))?;
            tracing::info!(%bind, "serving");
            taquilla_http::server(app, listener, workers)?.await?;
        }
        Command::Admin(AdminCmd::Create { email, password }) => {
            let app = s.app().await?;
            let u = app
                .create_platform_admin(
                    parse("email", EmailAddress::parse(email))?,
                    parse("password", Password::parse(password))?,
                    "Platform admin",
                )
                .await
                .map_err(core_err)?;
            println!("created platform admin {} ({})", u.email, u.id);
        }
        Command::Tenant(cmd) => {
            let app = s.app().await?;
            let sys = App::system_actor();
            match cmd {
                TenantCmd::Create { slug, name, admin_email, admin_password } => {
                    let input = taquilla_services::tenants::NewTenant {
                        slug: parse("slug", Slug::parse(slug))?,
                        name: parse("name", Name::parse(name))?,
                        plan: None,
                        admin: taquilla_services::tenants::NewTenantAdmin {
                            email: parse("admin-email", EmailAddress::parse(admin_email))?,
                            password: parse("admin-password", Password::parse(admin_password))?,
                            display_name: None,
                        },
                    };
                    let t = app.create_tenant(&sys, input).await.map_err(core_err)?;
                    println!("created tenant {} ({}) with admin {}", t.tenant.slug, t.tenant.id, t.admin.email);
                }
                TenantCmd::List => {
                    let mut page = 1;
                    loop {
                        let p = app
                            .list_tenants(
                                &sys,
                                taquilla_core::page::PageRequest::new(Some(page), Some(100)).map_err(core_err)?,
                            )
                            .await
                            .map_err(core_err)?;
                        for t in &p.items {
                            println!("{}\t{}\t{}\t{}", t.id, t.slug, t.status, t.name);
                        }
                        if p.items.len() < 100 {
                            break;
                        }
                        page += 1;
                    }
                }
                TenantCmd::Suspend { slug } => {
                    set_status(&app, &slug, taquilla_core::status::TenantStatus::Suspended).await?
                }
                TenantCmd::Activate { slug } => {
                    set_status(&app, &slug, taquilla_core::status::TenantStatus::Active).await?
                }
            }
        }
        Command::Demo => {
            let app = s.app().await?;
            demo::run(&app).await?;
        }
        Command::Audit(AuditCmd::Verify { tenant, all }) => {
            let app = s.app().await?;
            let mut targets: Vec<(String, Option<uuid::Uuid>)> = Vec::new();
            if all {
                targets.push(("platform".into(), None));
                for id in taquilla_store::repo::tenants::all_ids(app.store.db()).await.map_err(core_err)? {
                    targets.push((format!("tenant {id}"), Some(id)));
                }
            } else if let Some(slug) = tenant {
                let t = taquilla_store::repo::tenants::by_slug(app.store.db(), &slug)
                    .await
                    .map_err(core_err)?
                    .context("no such tenant")?;
                targets.push((format!("tenant {slug}"), Some(t.id)));
            } else {
                targets.push(("platform".into(), None));
            }
            let mut broken = 0;
            for (label, id) in targets {
                // verify_audit seals pending rows first, then checks the chain.
                let v = app.verify_audit(id).await.map_err(core_err)?;
                if v.ok {
                    println!("{label}: ok ({} rows)", v.rows);
                } else {
                    broken += 1;
                    println!("{label}: BROKEN at seq {:?}: {}", v.broken_at_seq, v.reason.unwrap_or_default());
                }
            }
            if broken > 0 {
                bail!("{broken} audit chain(s) broken");
            }
        }
    }
    Ok(())
}

async fn set_status(app: &App, slug: &str, status: taquilla_core::status::TenantStatus) -> anyhow::Result<()> {
    let t = taquilla_store::repo::tenants::by_slug(app.store.db(), slug)
        .await
        .map_err(core_err)?
        .context("no such tenant")?;
    let patch = taquilla_services::tenants::TenantPatch { status: Some(status), ..Default::default() };
    app.update_tenant(&App::system_actor(), t.id, patch).await.map_err(core_err)?;
    println!("tenant {slug} is now {status}");
    Ok(())
}

/// Releases expired holds and unpaid orders every few seconds. The purchase
/// path also releases what it needs, so a dead sweeper never strands stock;
/// this keeps availability figures fresh.
fn spawn_sweeper(app: App) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            match app.sweep_expired().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(released = n, "released expired holds and orders"),
                Err(e) => tracing::warn!(error = ?e, "sweeper pass failed"),
            }
        }
    });
}

/// Live updates cross instances through Redis when it is configured and
/// answers, else through PostgreSQL LISTEN/NOTIFY.
async fn realtime(s: &Settings) -> anyhow::Result<std::sync::Arc<taquilla_realtime::Realtime>> {
    if let Some(url) = &s.redis_url {
        match taquilla_realtime::Realtime::redis(url).await {
            Ok(rt) => {
                tracing::info!("realtime fan-out through Redis");
                return Ok(rt);
            }
            Err(e) => tracing::warn!(error = %e, "Redis unavailable; realtime falls back to PostgreSQL LISTEN/NOTIFY"),
        }
    }
    let url = s.database_url.as_deref().context("DATABASE_URL is not set")?;
    let rt = taquilla_realtime::Realtime::postgres(url).await.map_err(|e| anyhow::anyhow!("realtime listener: {e}"))?;
    tracing::info!("realtime fan-out through PostgreSQL LISTEN/NOTIFY");
    Ok(rt)
}

/// Chains freshly written audit rows a few times a second, and every
/// minute sweeps all chains for rows another (perhaps crashed) process left.
fn spawn_audit_sealer(app: App) {
    tokio::spawn(async move {
        if let Err(e) = app.seal_all_audit().await {
            tracing::warn!(error = ?e, "initial audit seal failed");
        }
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        let mut n: u64 = 0;
        loop {
            tick.tick().await;
            n += 1;
            let r = if n.is_multiple_of(240) { app.seal_all_audit().await } else { app.seal_dirty_audit().await };
            if let Err(e) = r {
                tracing::warn!(error = ?e, "audit sealer pass failed");
            }
        }
    });
}

//! The REST skin: actix-web handlers over `taquilla_services`, the tenant
//! and credential extractors, the audit middleware and the OpenAPI document;
//! and the HTTP side of the GraphQL skin (`graphql`).

pub mod audit;
pub mod extract;
pub mod graphql;
pub mod graphql_ws;
pub mod openapi;
pub mod problem;
pub mod ratelimit;
pub mod routes;
pub mod scopes;
mod webapp;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, HttpResponse};
use taquilla_core::Error;
use taquilla_services::App;
use tracing_actix_web::TracingLogger;
use utoipa_swagger_ui::SwaggerUi;

use crate::problem::ApiError;

/// Registers every route of the API on an actix app or scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use routes::*;
    graphql::configure(cfg);
    cfg.service(health::healthz).service(health::readyz).service(payments::stripe_webhook).service(
        web::scope("/api/v1")
            .service(admin::login)
            .service(admin::refresh)
            .service(admin::logout)
            .service(admin::list_tenants)
            .service(admin::create_tenant)
            .service(admin::get_tenant)
            .service(admin::update_tenant)
            .service(admin::search_users)
            .service(admin::list_users)
            .service(admin::get_user)
            .service(admin::update_user)
            .service(auth::register)
            .service(auth::login)
            .service(auth::refresh)
            .service(auth::logout)
            // Literal segments before `{id}` so they are not taken for ids.
            .service(users::me)
            .service(users::update_me)
            .service(users::list)
            .service(users::create)
            .service(users::get)
            .service(users::update)
            .service(events::search)
            .service(events::list)
            .service(events::create)
            .service(events::get)
            .service(events::replace)
            .service(events::update)
            .service(events::remove)
            .service(sessions::list)
            .service(sessions::create)
            .service(sessions::get)
            .service(sessions::replace)
            .service(sessions::update)
            .service(sessions::remove)
            .service(audit::list)
            .service(audit::verify)
            .configure(|cfg| {
                for (configure, _) in routes::FEATURES {
                    configure(cfg);
                }
            }),
    );
}

/// Path segments that do not parse (e.g. a malformed id) name nothing: 404.
fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| ApiError(Error::not_found("resource")).into())
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError(Error::not_found("route")))
}

/// Builds the HTTP server on an already-bound listener (tests bind port 0).
pub fn server(app: App, listener: TcpListener, workers: Option<usize>) -> std::io::Result<Server> {
    let schema = web::Data::new(taquilla_graphql::build_schema(&app.config.graphql));
    let redis = app.config.redis_url.as_deref().and_then(|url| {
        ratelimit::Limiter::redis_pool(url, app.config.rate_limit.redis_timeout)
            .map_err(|e| tracing::error!(error = %e, "rate limiter: bad Redis URL; limiting in process"))
            .ok()
    });
    let limiter = web::Data::new(ratelimit::Limiter::new(app.config.rate_limit.clone(), redis));
    let data = web::Data::new(app);
    let doc = openapi::document();
    let web_dir = data.config.web_dir.clone();
    let mut server = actix_web::HttpServer::new(move || {
        let app = actix_web::App::new()
            .app_data(data.clone())
            .app_data(schema.clone())
            .app_data(limiter.clone())
            .app_data(path_config())
            .wrap(from_fn(audit::audit_mutations))
            // Outside the audit: refused requests cost no audit row.
            .wrap(from_fn(ratelimit::limit))
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "no-referrer")),
            )
            .wrap(from_fn(webapp::cache_assets))
            .wrap(TracingLogger::default())
            .configure(configure)
            .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", doc.clone()))
            .service(web::redirect("/api/docs", "/api/docs/"));
        // The web app last: its fallback answers every other page path.
        match web_dir.as_deref().and_then(webapp::files) {
            Some(files) => app.service(files),
            None => app.route("/", web::get().to(webapp::not_built)).default_service(web::to(not_found)),
        }
    })
    .listen(listener)?;
    if let Some(w) = workers {
        server = server.workers(w);
    }
    Ok(server.run())
}

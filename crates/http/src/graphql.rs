//! The HTTP side of GraphQL: `POST /graphql` runs a request, `GET /graphql`
//! serves GraphiQL from vendored assets (no CDN).
//!
//! The tenant and the credential are resolved exactly as for REST
//! (`X-Tenant` or the subdomain; a bearer JWT of that tenant, or none for
//! public queries). A request that names no tenant is a platform request
//! (platform admins' tokens). A request refused before it runs (unknown or
//! suspended tenant, bad token, body too large or not JSON) gets a GraphQL
//! error document with the REST status code; once it runs, the answer is 200
//! with `errors[].extensions.code` per failed field.
//!
//! Audit: the audit middleware skips this path; instead each mutation field
//! that ran becomes one row (`graphql createEvent`, with the status REST
//! would have answered), and a refused request one `POST /graphql` row.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, Responder};
use async_graphql_actix_web::GraphQLResponse;
use futures_util::StreamExt;
use taquilla_core::{Error, ErrorKind};
use taquilla_graphql::{AuditTrail, Caller, TaquillaSchema};
use taquilla_services::App;

use crate::extract::{bearer_token, named_tenant};

pub const PATH: &str = "/graphql";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource(PATH).route(web::post().to(execute)).route(web::get().to(graphiql)))
        .service(web::resource("/graphql/ws").route(web::get().to(crate::graphql_ws::subscriptions)))
        .service(web::resource("/graphql/assets/{name}").route(web::get().to(asset)));
}

async fn graphiql() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(taquilla_graphql::graphiql_page(PATH))
}

async fn asset(name: web::Path<String>) -> HttpResponse {
    match taquilla_graphql::asset(&name) {
        Some(a) => HttpResponse::Ok()
            .content_type(a.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(a.bytes),
        None => HttpResponse::NotFound().finish(),
    }
}

/// Reads a JSON body of at most `limit` bytes.
async fn body(req: &HttpRequest, mut payload: web::Payload, limit: usize) -> Result<web::Bytes, Error> {
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if mime != "application/json" {
        return Err(Error::new(
            ErrorKind::UnsupportedMediaType,
            "unsupported_media_type",
            "send the GraphQL request as application/json",
        ));
    }
    let too_large = || {
        Error::new(ErrorKind::PayloadTooLarge, "query_too_large", format!("the request may be at most {limit} bytes"))
            .with_extra(serde_json::json!({ "maxBytes": limit }))
    };
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut buf = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| Error::bad_request("bad_body", format!("could not read the body: {e}")))?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

fn parse(bytes: &[u8]) -> Result<async_graphql::Request, Error> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(Error::bad_request("batch_not_supported", "send one operation per request"));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        Error::bad_request("malformed_json", format!("not a GraphQL request: {e}"))
            .with_extra(serde_json::json!({ "line": e.line(), "column": e.column() }))
    })
}

async fn caller(req: &HttpRequest, app: &App) -> Result<Caller, Error> {
    let token = bearer_token(req)?;
    let slug = named_tenant(req, &app.config.base_domain)?;
    Caller::resolve(app, slug.as_deref(), token.as_deref()).await
}

async fn execute(
    req: HttpRequest,
    payload: web::Payload,
    app: web::Data<App>,
    schema: web::Data<TaquillaSchema>,
) -> HttpResponse {
    let prepared = async {
        let bytes = body(&req, payload, app.config.graphql.max_query_bytes).await?;
        let request = parse(&bytes)?;
        Ok::<_, Error>((caller(&req, &app).await?, request))
    };
    let (caller, request) = match prepared.await {
        Ok(v) => v,
        Err(e) => return refuse(&req, &app, &e).await,
    };
    // Only what the audit rows need outlives the request's data.
    let who = (caller.tenant.as_ref().map(|t| t.id), caller.actor.clone());
    let app = app.into_inner();
    let (response, trail) = taquilla_graphql::execute(&schema, &app, caller, request).await;
    record(&req, &app, who, &trail).await;
    GraphQLResponse::from(response).respond_to(&req).map_into_boxed_body()
}

/// A request refused before it ran: the REST status, a GraphQL error body.
async fn refuse(req: &HttpRequest, app: &App, e: &Error) -> HttpResponse {
    let status = StatusCode::from_u16(e.kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    // Who and which tenant as far as they can be told, as the middleware does.
    let facts = crate::extract::identify(req, app).await;
    write(req, app, facts.tenant_id, facts.actor.as_ref(), "POST /graphql".into(), status.as_u16()).await;
    let mut res = GraphQLResponse::from(taquilla_graphql::error_response(e)).respond_to(req).map_into_boxed_body();
    *res.status_mut() = status;
    if e.kind == ErrorKind::Unauthenticated {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    }
    res
}

/// One audit row per mutation field that ran (`graphql createEvent`), or
/// one `graphql mutation` row for a mutation refused as a whole.
async fn record(
    req: &HttpRequest,
    app: &App,
    (tenant_id, actor): (Option<uuid::Uuid>, Option<taquilla_core::Actor>),
    trail: &AuditTrail,
) {
    for f in &trail.fields {
        write(req, app, tenant_id, actor.as_ref(), format!("graphql {}", f.name), f.status).await;
    }
}

async fn write(
    req: &HttpRequest,
    app: &App,
    tenant_id: Option<uuid::Uuid>,
    actor: Option<&taquilla_core::Actor>,
    action: String,
    status: u16,
) {
    let row = crate::audit::row(req, app, (tenant_id, actor), action, PATH.to_owned(), status);
    if let Err(e) = app.record_audit(row).await {
        tracing::error!(error = ?e, "failed to write audit row");
    }
}

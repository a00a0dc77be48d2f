//! Request extractors: which tenant, who is calling, and typed bodies and
//! queries whose errors name the field at fault. Each one records what it
//! learned in the request's extensions for the audit middleware.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use taquilla_core::text::Slug;
use taquilla_core::{Actor, Error, ErrorKind};
use taquilla_services::App;
use taquilla_store::entity::tenants;

use crate::problem::{json_error, query_error, ApiError};

type Fut<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

pub const TENANT_HEADER: &str = "x-tenant";

fn app(req: &HttpRequest) -> Result<App, ApiError> {
    req.app_data::<web::Data<App>>()
        .map(|d| d.get_ref().clone())
        .ok_or_else(|| ApiError(Error::internal_msg("App missing from app_data")))
}

/// The tenant slug a request names: `X-Tenant`, else the host's subdomain
/// under the configured base domain.
fn tenant_slug(req: &HttpRequest, base_domain: &str) -> Result<String, Error> {
    if let Some(v) = req.headers().get(TENANT_HEADER) {
        let s = v.to_str().map_err(|_| Error::bad_request("invalid_tenant", "X-Tenant must be a tenant slug"))?;
        return Slug::parse(s)
            .map(Slug::into_inner)
            .map_err(|_| Error::not_found("tenant").with_code("unknown_tenant"));
    }
    let host = req.connection_info().host().to_owned();
    let host = host.rsplit_once(':').map_or(host.as_str(), |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host.as_str()
        }
    });
    if let Some(sub) = host.strip_suffix(base_domain).and_then(|h| h.strip_suffix('.')) {
        if !sub.contains('.') {
            if let Ok(slug) = Slug::parse(sub) {
                return Ok(slug.into_inner());
            }
        }
    }
    Err(Error::bad_request("tenant_required", "name the tenant with the X-Tenant header or its subdomain")
        .with_field("X-Tenant"))
}

/// The tenant a request names, if it names one (GraphQL serves platform
/// admins too, who name none). A malformed name is an error as in REST.
pub fn named_tenant(req: &HttpRequest, base_domain: &str) -> Result<Option<String>, Error> {
    match tenant_slug(req, base_domain) {
        Ok(slug) => Ok(Some(slug)),
        Err(e) if e.code == "tenant_required" => Ok(None),
        Err(e) => Err(e),
    }
}

/// The bearer token of the request, if it has one (malformed: 401).
pub fn bearer_token(req: &HttpRequest) -> Result<Option<String>, Error> {
    bearer(req)
}

/// Facts the audit middleware reads back after the handler ran.
#[derive(Debug, Clone, Default)]
pub struct AuditFacts {
    pub tenant_id: Option<uuid::Uuid>,
    pub actor: Option<Actor>,
}

/// Who and which tenant, worked out again for the audit when the handler's
/// extractors did not get that far (actix polls extractors together, so a
/// bad body can fail a request before its credential was looked at).
pub async fn identify(req: &HttpRequest, app: &App) -> AuditFacts {
    let mut facts = req.extensions().get::<AuditFacts>().cloned().unwrap_or_default();
    let admin_route = req.path().starts_with("/api/v1/admin/");
    if facts.tenant_id.is_none() && !admin_route {
        if let Ok(slug) = tenant_slug(req, &app.config.base_domain) {
            // Suspended tenants' rejections are recorded in their own log too.
            if let Ok(Some(t)) = taquilla_store::repo::tenants::by_slug(app.store.db(), &slug).await {
                facts.tenant_id = Some(t.id);
            }
        }
    }
    if facts.actor.is_none() {
        if let Ok(Some(token)) = bearer(req) {
            facts.actor = app.authenticate(&token, facts.tenant_id).await.ok();
        }
    }
    facts
}

pub(crate) fn remember(req: &HttpRequest, f: impl FnOnce(&mut AuditFacts)) {
    let mut ext = req.extensions_mut();
    match ext.get_mut::<AuditFacts>() {
        Some(facts) => f(facts),
        None => {
            let mut facts = AuditFacts::default();
            f(&mut facts);
            ext.insert(facts);
        }
    }
}

async fn resolve_tenant(req: &HttpRequest, app: &App) -> Result<tenants::Model, ApiError> {
    let slug = tenant_slug(req, &app.config.base_domain)?;
    let tenant = app.resolve_tenant(&slug).await?;
    remember(req, |f| f.tenant_id = Some(tenant.id));
    Ok(tenant)
}

fn bearer(req: &HttpRequest) -> Result<Option<String>, Error> {
    let Some(v) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let v = v.to_str().map_err(|_| Error::unauthenticated("invalid_token", "malformed Authorization header"))?;
    match v.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(Error::unauthenticated("invalid_token", "expected `Authorization: Bearer <token>`")),
    }
}

/// An API key may call a route only with the scope the route table asks
/// for; people's sessions are not limited here (their role is, in the services).
fn check_scope(req: &HttpRequest, actor: &Actor) -> Result<(), Error> {
    if !actor.is_api_key() {
        return Ok(());
    }
    match crate::scopes::required(req.method(), req.path()) {
        Some(scope) => actor.require_scope(scope),
        None => Err(Error::forbidden("API keys may not call this endpoint").with_code("api_key_not_allowed")),
    }
}

/// The request's tenant, resolved and active. No credential required.
pub struct Tenant(pub tenants::Model);

impl FromRequest for Tenant {
    type Error = ApiError;
    type Future = Fut<Self>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let app = app(&req)?;
            Ok(Tenant(resolve_tenant(&req, &app).await?))
        })
    }
}

/// A tenant request with a valid credential of that tenant.
pub struct Authed {
    pub tenant: tenants::Model,
    pub actor: Actor,
    request: HttpRequest,
}

impl Authed {
    /// Runs the service call that makes this request's change with the
    /// request's audit row handed over (`taquilla_services::audit::within`),
    /// recorded with `status`, what the handler answers when the call
    /// succeeds. A service that takes it commits the row with the change;
    /// the audit middleware then writes no second one.
    pub async fn audited<T>(&self, status: StatusCode, call: impl Future<Output = T>) -> T {
        let req = &self.request;
        let Some(app) = req.app_data::<web::Data<App>>() else { return call.await };
        let row = crate::audit::row(
            req,
            app,
            (Some(self.tenant.id), Some(&self.actor)),
            crate::audit::action(req),
            req.path().to_owned(),
            status.as_u16(),
        );
        let (out, committed) = taquilla_services::audit::within(row, call).await;
        if committed {
            req.extensions_mut().insert(crate::audit::CommittedWithChange(status.as_u16()));
        }
        out
    }
}

impl FromRequest for Authed {
    type Error = ApiError;
    type Future = Fut<Self>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let app = app(&req)?;
            // Credentials are checked before the tenant is looked up, so a
            // missing token costs no database round trip.
            let token = bearer(&req)?
                .ok_or_else(|| Error::unauthenticated("unauthenticated", "this endpoint requires a bearer token"))?;
            let tenant = resolve_tenant(&req, &app).await?;
            let actor = app.authenticate(&token, Some(tenant.id)).await?;
            remember(&req, |f| f.actor = Some(actor.clone()));
            check_scope(&req, &actor)?;
            Ok(Authed { tenant, actor, request: req })
        })
    }
}

/// A tenant request that may carry a credential (public storefront reads).
/// A credential that is present must be valid.
pub struct MaybeAuthed {
    pub tenant: tenants::Model,
    pub actor: Option<Actor>,
}

impl FromRequest for MaybeAuthed {
    type Error = ApiError;
    type Future = Fut<Self>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let app = app(&req)?;
            let token = bearer(&req)?;
            let tenant = resolve_tenant(&req, &app).await?;
            let actor = match token {
                Some(t) => Some(app.authenticate(&t, Some(tenant.id)).await?),
                None => None,
            };
            if let Some(a) = &actor {
                remember(&req, |f| f.actor = Some(a.clone()));
                check_scope(&req, a)?;
            }
            Ok(MaybeAuthed { tenant, actor })
        })
    }
}

/// A platform admin's request (no tenant).
pub struct PlatformAdmin(pub Actor);

impl FromRequest for PlatformAdmin {
    type Error = ApiError;
    type Future = Fut<Self>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let app = app(&req)?;
            let token = bearer(&req)?
                .ok_or_else(|| Error::unauthenticated("unauthenticated", "this endpoint requires a bearer token"))?;
            let actor = app.authenticate(&token, None).await?;
            remember(&req, |f| f.actor = Some(actor.clone()));
            Ok(PlatformAdmin(actor))
        })
    }
}

/// A JSON body: `application/json` only, at most the configured size
/// (413 beyond), malformed JSON → 400 with line/column, a value that does
/// not fit → 422 naming the field.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Fut<Self>;
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let limit = app(&req)?.config.max_body_bytes;
            let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
            let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if mime != "application/json" && !(mime.starts_with("application/") && mime.ends_with("+json")) {
                return Err(Error::new(
                    ErrorKind::UnsupportedMediaType,
                    "unsupported_media_type",
                    "send the body as application/json",
                )
                .into());
            }
            let too_large = || {
                Error::new(
                    ErrorKind::PayloadTooLarge,
                    "payload_too_large",
                    format!("the body may be at most {limit} bytes"),
                )
            };
            let declared = req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok());
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large().into());
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk =
                    chunk.map_err(|e| Error::bad_request("bad_body", format!("could not read the body: {e}")))?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large().into());
                }
                body.extend_from_slice(&chunk);
            }
            let de = &mut serde_json::Deserializer::from_slice(&body);
            let value = serde_path_to_error::deserialize(&mut *de).map_err(json_error)?;
            // Trailing garbage after the value is malformed JSON too.
            de.end().map_err(|e| {
                Error::bad_request("malformed_json", format!("malformed JSON: {e}"))
                    .with_extra(serde_json::json!({ "line": e.line(), "column": e.column() }))
            })?;
            Ok(Json(value))
        })
    }
}

/// A typed query string whose errors name the parameter.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(req.query_string()));
        std::future::ready(serde_path_to_error::deserialize(de).map(Query).map_err(|e| ApiError(query_error(e))))
    }
}

fn form_urlencoded_parse(q: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(q.as_bytes())
}

//! The web app (`apps/web`, built by Vite into static files): storefront,
//! tenant console and platform admin are one single-page app. Files are
//! served as built; any other GET outside the API is the app's
//! `index.html`, whose router draws the page (`/t/demo/events/…`). API
//! paths never fall back to it: an unknown `/api/…` stays a problem+json 404.

use std::path::Path;

use actix_files::{Files, NamedFile};
use actix_web::dev::{fn_service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::HttpResponse;
use taquilla_core::Error;

use crate::problem::ApiError;

/// Paths the app never answers: the APIs and the server's own endpoints.
fn is_api(path: &str) -> bool {
    ["/api/", "/api", "/graphql", "/healthz", "/readyz", "/metrics"]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{}/", p.trim_end_matches('/'))))
}

/// The app's files under `dir`, when it holds a built app (`index.html`).
pub(crate) fn files(dir: &Path) -> Option<Files> {
    let index = dir.join("index.html");
    if !index.is_file() {
        tracing::info!(dir = %dir.display(), "no built web app here (make run builds it); serving the APIs only");
        return None;
    }
    Some(Files::new("/", dir).index_file("index.html").use_etag(true).use_last_modified(true).default_handler(
        fn_service(move |req: ServiceRequest| {
            let index = index.clone();
            async move { fallback(req, &index).await }
        }),
    ))
}

async fn fallback(req: ServiceRequest, index: &Path) -> Result<ServiceResponse, actix_web::Error> {
    let (req, _) = req.into_parts();
    let is_page = matches!(*req.method(), actix_web::http::Method::GET | actix_web::http::Method::HEAD);
    if !is_page || is_api(req.path()) {
        let res = actix_web::ResponseError::error_response(&ApiError(Error::not_found("route")));
        return Ok(ServiceResponse::new(req, res));
    }
    let mut res = NamedFile::open_async(index).await?.into_response(&req);
    // The page names hashed assets: always revalidate it.
    res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-cache"));
    Ok(ServiceResponse::new(req, res))
}

/// Hashed build assets (`/assets/index-3f2a….js`) never change under their
/// name: browsers may keep them a year.
pub(crate) async fn cache_assets(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let assets = req.path().starts_with("/assets/");
    let mut res = next.call(req).await?;
    if assets && res.status().is_success() {
        let cc = CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(31_536_000),
            CacheDirective::Extension("immutable".into(), None),
        ]);
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_str(&cc.to_string()).map_err(actix_web::error::ErrorInternalServerError)?,
        );
    }
    Ok(res)
}

/// What `/` says when no web app is built.
pub(crate) async fn not_built() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(
        "<!doctype html><title>Taquilla</title><h1>Taquilla</h1>\
         <p>The web app is not built. <code>make run</code> builds it; the APIs are at \
         <a href=\"/api/docs/\">/api/docs/</a> and <a href=\"/graphql\">/graphql</a>.</p>",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_never_fall_back_to_the_app() {
        for p in ["/api", "/api/", "/api/v1/nope", "/graphql", "/graphql/ws", "/healthz", "/metrics"] {
            assert!(is_api(p), "{p}");
        }
        for p in ["/", "/t/demo", "/console/demo/events", "/admin", "/apish", "/graphqlx"] {
            assert!(!is_api(p), "{p}");
        }
    }
}

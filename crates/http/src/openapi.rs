//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Object, OpenApi as Doc, Required, Type};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Taquilla API", version = "1", description = "Multitenant ticketing platform. Tenant endpoints take the tenant from the `X-Tenant` header (or the host's subdomain); errors are RFC 9457 problem documents with a stable `code`."),
    paths(routes::health::healthz, routes::health::readyz, routes::payments::stripe_webhook),
    tags(
        (name = "health"), (name = "admin", description = "Platform administration"),
        (name = "auth"), (name = "users"), (name = "events"), (name = "sessions"), (name = "audit"),
        (name = "payments", description = "Providers, refunds, Stripe's webhook"),
        (name = "webhooks", description = "Outgoing Standard Webhooks: endpoints, messages, attempts"),
        (name = "api-keys", description = "Keys for partner systems, with scopes"),
        (name = "coupons", description = "Coupons, their usage, and previews on a cart"),
        (name = "reports", description = "Sales reports for dashboards"),
        (name = "scripts", description = "Tenant pricing and coupon scripts (Rhai): versions, tests, activation")
    ),
)]
struct Root;

#[derive(OpenApi)]
#[openapi(
    paths(
        routes::admin::login,
        routes::admin::refresh,
        routes::admin::logout,
        routes::admin::list_tenants,
        routes::admin::create_tenant,
        routes::admin::get_tenant,
        routes::admin::update_tenant,
        routes::admin::search_users,
        routes::admin::list_users,
        routes::admin::get_user,
        routes::admin::update_user,
        routes::auth::register,
        routes::auth::login,
        routes::auth::refresh,
        routes::auth::logout,
        routes::users::me,
        routes::users::update_me,
        routes::users::list,
        routes::users::create,
        routes::users::get,
        routes::users::update,
        routes::events::list,
        routes::events::search,
        routes::events::create,
        routes::events::get,
        routes::events::replace,
        routes::events::update,
        routes::events::remove,
        routes::sessions::list,
        routes::sessions::create,
        routes::sessions::get,
        routes::sessions::replace,
        routes::sessions::update,
        routes::sessions::remove,
        routes::audit::list,
        routes::audit::verify,
    ),
    components(schemas(crate::problem::Problem, taquilla_core::FieldError))
)]
struct V1;

/// Bearer auth everywhere except logins; the tenant header on tenant routes.
struct Conventions;

const PUBLIC_OPS: &[&str] = &[
    "/api/v1/admin/auth/login",
    "/api/v1/auth/login",
    "/api/v1/auth/register",
    "/api/v1/auth/refresh",
    "/api/v1/auth/logout",
];
const ANONYMOUS_READS: &[&str] = &[
    "/api/v1/checkin/public-key",
    "/api/v1/resale",
    "/api/v1/sessions/{sid}/ticket-types",
    "/api/v1/sessions/{sid}/seats",
    "/api/v1/ticket-types/{id}",
    "/api/v1/events",
    "/api/v1/events/search",
    "/api/v1/events/{id}",
    "/api/v1/events/{id}/sessions",
    "/api/v1/events/{id}/sessions/{sid}",
];

fn tenant_header() -> Parameter {
    ParameterBuilder::new()
        .name("X-Tenant")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some("Tenant slug; may instead come from the host's subdomain."))
        .schema(Some(Object::with_type(Type::String)))
        .build()
}

impl Modify for Conventions {
    fn modify(&self, doc: &mut Doc) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::builder().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
        for (path, item) in doc.paths.paths.iter_mut() {
            let tenant_scoped = path.starts_with("/api/v1/") && !path.starts_with("/api/v1/admin/");
            let public = PUBLIC_OPS.contains(&path.as_str()) || !path.starts_with("/api/v1/");
            for (method, op) in operations(item) {
                if path.starts_with("/api/v1/") {
                    problem_responses(op);
                }
                if tenant_scoped {
                    op.parameters.get_or_insert_with(Vec::new).insert(0, tenant_header());
                }
                if !public {
                    let mut reqs = vec![SecurityRequirement::new("bearer", Vec::<String>::new())];
                    if method == "get" && ANONYMOUS_READS.contains(&path.as_str()) {
                        reqs.push(SecurityRequirement::default());
                    }
                    op.security = Some(reqs);
                }
            }
        }
    }
}

/// Errors are `application/problem+json` (RFC 9457), whatever the
/// annotation said, and any status not listed is still a problem document.
fn problem_responses(op: &mut Operation) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let is_problem =
        |c: &utoipa::openapi::Content| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"));
    for resp in op.responses.responses.values_mut() {
        if let RefOr::T(r) = resp {
            if r.content.get("application/json").is_some_and(is_problem) {
                if let Some(c) = r.content.shift_remove("application/json") {
                    r.content.insert(crate::problem::PROBLEM_JSON.to_owned(), c);
                }
            }
        }
    }
    op.responses.responses.entry("default".to_owned()).or_insert_with(|| {
        RefOr::T(
            ResponseBuilder::new()
                .description("An error, as an RFC 9457 problem document with a stable `code`")
                .content(
                    crate::problem::PROBLEM_JSON,
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
                )
                .build(),
        )
    });
}

fn operations(item: &mut utoipa::openapi::PathItem) -> Vec<(&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|o| (m, o)))
    .collect()
}

pub fn document() -> Doc {
    let mut v1 = V1::openapi();
    for (_, paths) in routes::FEATURES {
        v1.merge(paths());
    }
    let mut doc = Root::openapi().nest("/api/v1", v1);
    Conventions.modify(&mut doc);
    doc
}

/// The committed copy: pretty JSON with a trailing newline.
pub fn document_json() -> String {
    let mut s = document().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

//! Audit middleware: every mutating request — accepted, failed or forbidden —
//! leaves a row in the tenant's hash-chained log (the platform's when no
//! tenant was resolved).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use taquilla_core::Actor;
use taquilla_services::App;
use taquilla_store::audit::NewAuditRow;
use tracing_actix_web::RequestId;
use uuid::Uuid;

use crate::extract::identify;

pub fn client_ip(req: &actix_web::HttpRequest, trust_forwarded_for: bool) -> Option<String> {
    let info = req.connection_info();
    if trust_forwarded_for {
        info.realip_remote_addr().map(|s| s.to_owned())
    } else {
        req.peer_addr().map(|a| a.ip().to_string())
    }
}

/// Set by [`Authed::audited`](crate::extract::Authed::audited) when the
/// request's row was committed with its change, carrying the status it
/// recorded.
pub(crate) struct CommittedWithChange(pub u16);

/// The audit row of a request, as far as it can be told who made it.
pub(crate) fn row(
    req: &actix_web::HttpRequest,
    app: &App,
    (tenant_id, actor): (Option<Uuid>, Option<&Actor>),
    action: String,
    resource: String,
    status: u16,
) -> NewAuditRow {
    NewAuditRow {
        tenant_id,
        actor_id: actor.map(|a| a.user_id),
        actor_role: actor.map(|a| a.role.as_str().to_owned()),
        action,
        resource,
        request_id: req.extensions().get::<RequestId>().map(|r| r.to_string()).unwrap_or_default(),
        ip: client_ip(req, app.config.trust_forwarded_for),
        status: i32::from(status),
        created_at: taquilla_services::now(),
    }
}

/// `POST /api/v1/events/{id}/tickets`: the method and the route's pattern.
pub(crate) fn action(req: &actix_web::HttpRequest) -> String {
    let pattern = req.match_pattern().unwrap_or_else(|| req.path().to_owned());
    format!("{} {pattern}", req.method())
}

pub async fn audit_mutations(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // GraphQL audits itself, one row per mutation field (`crate::graphql`).
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) || req.path() == crate::graphql::PATH {
        return next.call(req).await;
    }
    let app = req.app_data::<web::Data<App>>().map(|d| d.get_ref().clone());
    let res = next.call(req).await?;
    let Some(app) = app else { return Ok(res) };
    let request = res.request();
    let status = res.status().as_u16();
    if request.extensions().get::<CommittedWithChange>().is_some_and(|c| c.0 == status) {
        return Ok(res);
    }
    // Not handed over, or the answer is not what was recorded (a step after
    // the commit failed): this row tells what the caller was answered.
    let facts = identify(request, &app).await;
    let row =
        row(request, &app, (facts.tenant_id, facts.actor.as_ref()), action(request), request.path().to_owned(), status);
    if let Err(e) = app.record_audit(row).await {
        // The change itself is committed; losing its audit row is loud, not silent.
        tracing::error!(error = ?e, "failed to write audit row");
    }
    Ok(res)
}

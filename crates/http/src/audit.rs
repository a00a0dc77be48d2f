//! Audit middleware: every mutating request — accepted, failed or forbidden —
//! leaves a row in the tenant's hash-chained log (the platform's when no
//! tenant was resolved).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use taquilla_services::App;
use taquilla_store::audit::NewAuditRow;
use tracing_actix_web::RequestId;

use crate::extract::identify;

pub fn client_ip(req: &actix_web::HttpRequest, trust_forwarded_for: bool) -> Option<String> {
    let info = req.connection_info();
    if trust_forwarded_for {
        info.realip_remote_addr().map(|s| s.to_owned())
    } else {
        req.peer_addr().map(|a| a.ip().to_string())
    }
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
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let res = next.call(req).await?;
    let Some(app) = app else { return Ok(res) };
    let request = res.request();
    let facts = identify(request, &app).await;
    let request_id = request.extensions().get::<RequestId>().map(|r| r.to_string()).unwrap_or_default();
    let pattern = request.match_pattern().unwrap_or_else(|| path.clone());
    let row = NewAuditRow {
        tenant_id: facts.tenant_id,
        actor_id: facts.actor.as_ref().map(|a| a.user_id),
        actor_role: facts.actor.as_ref().map(|a| a.role.as_str().to_owned()),
        action: format!("{method} {pattern}"),
        resource: path,
        request_id,
        ip: client_ip(request, app.config.trust_forwarded_for),
        status: i32::from(res.status().as_u16()),
        created_at: taquilla_services::now(),
    };
    if let Err(e) = app.record_audit(row).await {
        // The change itself is committed; losing its audit row is loud, not silent.
        tracing::error!(error = ?e, "failed to write audit row");
    }
    Ok(res)
}

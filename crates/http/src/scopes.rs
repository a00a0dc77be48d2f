//! Which API key scope each REST route needs. One table, deny by default:
//! a route not listed here is closed to API keys (people, roles, settings,
//! API keys themselves, the audit log), whatever the key's scopes.

use actix_web::http::Method;
use taquilla_core::Scope;

/// The scope an API key needs for `method path` (`path` under `/api/v1`),
/// or `None` when no key may call it.
pub fn required(method: &Method, path: &str) -> Option<Scope> {
    let rest = path.strip_prefix("/api/v1")?;
    let seg: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let read = *method == Method::GET || *method == Method::HEAD;
    let rw = |r: Scope, w: Scope| Some(if read { r } else { w });
    use Scope::*;
    match seg.as_slice() {
        // Buying, registering, holding and reselling act on orders.
        ["events", _, "tickets"] | ["events", _, "sessions", _, "register" | "registration"] => {
            rw(OrdersRead, OrdersWrite)
        }
        ["events", ..] | ["ticket-types", ..] | ["bulk", "events"] => rw(EventsRead, EventsWrite),
        ["sessions", _, "attendees"] => rw(OrdersRead, OrdersWrite),
        ["sessions", _, "checkin-stats"] => Some(Checkin),
        ["sessions", ..] => rw(EventsRead, EventsWrite),
        ["holds", ..] | ["orders", ..] | ["resale", ..] | ["tickets", _, "resale"] => rw(OrdersRead, OrdersWrite),
        ["tickets", _, "validate"] | ["checkin", ..] => Some(Checkin),
        ["tickets", ..] => rw(OrdersRead, OrdersWrite),
        ["payments", "providers"] => Some(OrdersRead),
        // A quote or a coupon check reads prices; it changes nothing.
        ["quotes"] | ["coupons", _, "check"] => Some(OrdersRead),
        ["coupons", ..] => rw(EventsRead, EventsWrite),
        ["webhooks", ..] => Some(WebhooksManage),
        ["reports", ..] => Some(OrdersRead),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_map_to_scopes_and_the_rest_is_closed() {
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(required(&get, "/api/v1/events"), Some(Scope::EventsRead));
        assert_eq!(required(&post, "/api/v1/events"), Some(Scope::EventsWrite));
        assert_eq!(required(&Method::PATCH, "/api/v1/events/x/sessions/y"), Some(Scope::EventsWrite));
        assert_eq!(required(&post, "/api/v1/events/x/tickets"), Some(Scope::OrdersWrite));
        assert_eq!(required(&post, "/api/v1/orders"), Some(Scope::OrdersWrite));
        assert_eq!(required(&get, "/api/v1/orders/x"), Some(Scope::OrdersRead));
        assert_eq!(required(&post, "/api/v1/checkin"), Some(Scope::Checkin));
        assert_eq!(required(&post, "/api/v1/quotes"), Some(Scope::OrdersRead));
        assert_eq!(required(&post, "/api/v1/bulk/events"), Some(Scope::EventsWrite));
        assert_eq!(required(&post, "/api/v1/coupons/SAVE10/check"), Some(Scope::OrdersRead));
        assert_eq!(required(&post, "/api/v1/coupons"), Some(Scope::EventsWrite));
        assert_eq!(required(&get, "/api/v1/webhooks/messages"), Some(Scope::WebhooksManage));
        for (m, p) in [
            (&get, "/api/v1/users"),
            (&get, "/api/v1/users/me"),
            (&Method::PUT, "/api/v1/settings"),
            (&get, "/api/v1/audit"),
            (&post, "/api/v1/api-keys"),
            (&get, "/api/v1/admin/tenants"),
            (&get, "/api/v1/notifications"),
            (&get, "/graphql"),
        ] {
            assert_eq!(required(m, p), None, "{m} {p}");
        }
    }
}

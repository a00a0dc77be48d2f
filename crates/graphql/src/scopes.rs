//! Which API key scope each root field needs: the GraphQL twin of the REST
//! route table (`taquilla_http::scopes`). Deny by default: a root field not
//! listed here is closed to API keys (people, roles, settings, tenants).

use taquilla_core::Scope;

pub(crate) fn required(mutation: bool, field: &str) -> Option<Scope> {
    use Scope::*;
    if mutation {
        return match field {
            "createEvent" | "updateEvent" | "deleteEvent" | "createSession" | "updateSession" | "deleteSession"
            | "createTicketType" | "updateTicketType" | "deleteTicketType" | "uploadSeatMap" => Some(EventsWrite),
            "createHold"
            | "releaseHold"
            | "placeOrder"
            | "buyTickets"
            | "cancelOrder"
            | "payOrder"
            | "register"
            | "cancelRegistration"
            | "listTicketForResale"
            | "buyResale"
            | "withdrawListing" => Some(OrdersWrite),
            "checkIn" => Some(Checkin),
            "createCoupon" | "updateCoupon" | "deleteCoupon" => Some(EventsWrite),
            _ => None,
        };
    }
    match field {
        "__typename" | "__schema" | "__type" => Some(EventsRead),
        "events" | "event" | "session" | "ticketType" | "myEvents" => Some(EventsRead),
        "order" | "hold" | "ticket" | "attendees" | "myTickets" | "myRegistration" | "resaleListings" => {
            Some(OrdersRead)
        }
        "checkinStats" => Some(Checkin),
        // A quote or a coupon check reads prices; it changes nothing.
        "quote" | "checkCoupon" => Some(OrdersRead),
        "coupons" | "coupon" => Some(EventsRead),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_root_field_is_either_mapped_or_closed() {
        assert_eq!(required(true, "placeOrder"), Some(Scope::OrdersWrite));
        assert_eq!(required(false, "events"), Some(Scope::EventsRead));
        for f in ["createUser", "updateTenantSettings", "createTenant", "updateMe", "createScript", "activateScript"] {
            assert_eq!(required(true, f), None, "{f}");
        }
        for f in ["me", "users", "tenantSettings", "tenants", "tenantUsers", "notifications", "scripts"] {
            assert_eq!(required(false, f), None, "{f}");
        }
    }
}

//! What a stock movement changed, as the realtime feed announces it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StockNote {
    /// A section's counters after the change.
    Availability { session_id: Uuid, ticket_type_id: Uuid, capacity: i32, sold: i32, held: i32 },
    /// A seat's state after the change: `available`, `held` or `sold`.
    Seat { session_id: Uuid, ticket_type_id: Uuid, seat_id: Uuid, state: String },
}

impl StockNote {
    pub fn session_id(&self) -> Uuid {
        match self {
            StockNote::Availability { session_id, .. } | StockNote::Seat { session_id, .. } => *session_id,
        }
    }
}

/// SQL that turns an updated `ticket_types` row into an availability note.
pub const AVAILABILITY_NOTE: &str = "jsonb_build_object('kind', 'availability', 'session_id', session_id, \
     'ticket_type_id', id, 'capacity', capacity, 'sold', sold, 'held', held) AS note";

/// SQL that turns an updated `seats` row into a seat note.
pub const SEAT_NOTE: &str = "jsonb_build_object('kind', 'seat', 'session_id', session_id, \
     'ticket_type_id', ticket_type_id, 'seat_id', id, 'state', status) AS note";

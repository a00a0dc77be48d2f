//! Live seat maps: `seatChanged` and `availabilityChanged` stream what
//! holds, releases, sales and expiries do to a session, as they commit, on
//! any server instance (see `taquilla_realtime`).

use async_graphql::{Context, SimpleObject, Subscription};
use futures_util::stream::{self, Stream, StreamExt};
use taquilla_store::StockNote;
use uuid::Uuid;

use crate::context::Caller;
use crate::error::{to_gql, Args, GqlResult};

/// A seat whose state changed.
#[derive(Debug, Clone, SimpleObject)]
pub struct SeatChange {
    pub session_id: Uuid,
    pub ticket_type_id: Uuid,
    pub seat_id: Uuid,
    /// `available`, `held` or `sold`.
    pub state: String,
}

/// A section's counters after a change.
#[derive(Debug, Clone, SimpleObject)]
pub struct AvailabilityChange {
    pub session_id: Uuid,
    pub ticket_type_id: Uuid,
    pub capacity: i32,
    pub sold: i32,
    pub held: i32,
    pub available: i32,
}

pub struct SubscriptionRoot;

/// The session must be one the caller may see (same rule as REST reads).
async fn watch(ctx: &Context<'_>, session_id: Uuid) -> GqlResult<impl Stream<Item = StockNote> + Send + 'static> {
    let app = crate::context::app(ctx)?;
    let caller = ctx.data::<Caller>()?;
    let tenant = caller.tenant()?;
    app.list_ticket_types(caller.actor.as_ref(), tenant.id, session_id).await.map_err(|e| to_gql(&e, Args::Top))?;
    Ok(app.realtime.subscribe(tenant.id, session_id).flat_map(|m| stream::iter(m.notes.clone())))
}

#[Subscription]
impl SubscriptionRoot {
    /// Seats of the session as they are held, released, sold or freed by expiry.
    async fn seat_changed(
        &self,
        ctx: &Context<'_>,
        session_id: Uuid,
    ) -> async_graphql::Result<impl Stream<Item = SeatChange>> {
        Ok(watch(ctx, session_id).await?.filter_map(|n| async move {
            match n {
                StockNote::Seat { session_id, ticket_type_id, seat_id, state } => {
                    Some(SeatChange { session_id, ticket_type_id, seat_id, state })
                }
                StockNote::Availability { .. } => None,
            }
        }))
    }

    /// Sections of the session whose sold/held counters changed.
    async fn availability_changed(
        &self,
        ctx: &Context<'_>,
        session_id: Uuid,
    ) -> async_graphql::Result<impl Stream<Item = AvailabilityChange>> {
        Ok(watch(ctx, session_id).await?.filter_map(|n| async move {
            match n {
                StockNote::Availability { session_id, ticket_type_id, capacity, sold, held } => {
                    Some(AvailabilityChange {
                        session_id,
                        ticket_type_id,
                        capacity,
                        sold,
                        held,
                        available: (capacity - sold - held).max(0),
                    })
                }
                StockNote::Seat { .. } => None,
            }
        }))
    }
}

//! The resale marketplace. A sale voids the seller's ticket (its QR stops
//! admitting) and issues a fresh one to the buyer, in one transaction.
//!
//! Payment: a free resale completes at once. A priced resale is recorded as
//! a paid order with the `manual` provider (settled between the parties, or
//! by the organizer) until card payments arrive with the Stripe provider.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::settings::TenantSettings;
use taquilla_core::status::SessionStatus;
use taquilla_core::{Actor, Error, Result};
use taquilla_payments::ProviderKind;
use taquilla_store::outbox::{self, kind};
use taquilla_store::TenantTx;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::App;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingInput {
    /// Asking price in minor units of the ticket's currency.
    #[schema(minimum = 0)]
    pub price_minor: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, FromQueryResult)]
pub struct ListingView {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub session_id: Uuid,
    pub seller_id: Uuid,
    pub price_minor: i64,
    pub currency: String,
    /// `active`, `sold` or `cancelled`.
    pub status: String,
    pub ticket_type_name: String,
    pub face_value_minor: i64,
    pub seat_label: Option<String>,
    pub event_id: Uuid,
    pub event_title: String,
    pub session_starts_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sold_at: Option<DateTime<Utc>>,
    /// The buyer's new ticket, once sold (shown to the buyer and seller).
    pub new_ticket_id: Option<Uuid>,
}

const LISTING_SELECT: &str = "SELECT l.id, l.ticket_id, l.session_id, l.seller_id, l.price_minor, l.currency, l.status, \
       tt.name AS ticket_type_name, tt.price_minor AS face_value_minor, st.label AS seat_label, \
       e.id AS event_id, e.title AS event_title, s.starts_at AS session_starts_at, l.created_at, l.sold_at, l.new_ticket_id \
     FROM resale_listings l \
     JOIN tickets t ON t.id = l.ticket_id \
     JOIN ticket_types tt ON tt.id = t.ticket_type_id \
     JOIN sessions s ON s.id = l.session_id \
     JOIN events e ON e.id = s.event_id \
     LEFT JOIN seats st ON st.id = t.seat_id";

async fn listing(tx: &TenantTx, id: Uuid) -> Result<ListingView> {
    ListingView::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("{LISTING_SELECT} WHERE l.id = $1"),
        [id.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::not_found("listing"))
}

#[derive(FromQueryResult)]
struct TicketForSale {
    owner_id: Uuid,
    status: String,
    session_id: Uuid,
    ticket_type_id: Uuid,
    seat_id: Option<Uuid>,
    face: i64,
    currency: String,
    session_status: String,
    session_ends_at: DateTime<Utc>,
    deleted: bool,
}

async fn lock_ticket(tx: &TenantTx, ticket_id: Uuid) -> Result<Option<TicketForSale>> {
    Ok(TicketForSale::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT t.owner_id, t.status, t.session_id, t.ticket_type_id, t.seat_id, tt.price_minor AS face, tt.currency, \
                s.status AS session_status, s.ends_at AS session_ends_at, (s.deleted_at IS NOT NULL) AS deleted \
         FROM tickets t JOIN ticket_types tt ON tt.id = t.ticket_type_id JOIN sessions s ON s.id = t.session_id \
         WHERE t.id = $1 FOR UPDATE OF t",
        [ticket_id.into()],
    ))
    .one(&**tx)
    .await?)
}

/// Only tickets of sessions still ahead may change hands.
fn check_resellable(t: &TicketForSale) -> Result<()> {
    if t.status == "used" {
        return Err(Error::conflict("ticket_used", "a used ticket cannot be resold"));
    }
    if t.status != "active" {
        return Err(Error::conflict("ticket_void", "this ticket is no longer valid"));
    }
    let open = matches!(
        SessionStatus::parse(&t.session_status),
        Some(SessionStatus::Teaser | SessionStatus::Presale | SessionStatus::OnSale)
    );
    if !open || t.deleted || t.session_ends_at <= Utc::now() {
        return Err(Error::conflict("session_closed_for_resale", format!("the session is {}", t.session_status))
            .with_extra(serde_json::json!({ "session_status": t.session_status })));
    }
    Ok(())
}

impl App {
    pub async fn list_ticket_for_resale(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        settings: &TenantSettings,
        ticket_id: Uuid,
        input: ListingInput,
    ) -> Result<ListingView> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let t = lock_ticket(&tx, ticket_id)
            .await?
            .filter(|t| t.owner_id == actor.user_id)
            .ok_or_else(|| Error::not_found("ticket"))?;
        check_resellable(&t)?;
        let cap = t.face.saturating_mul(i64::from(settings.resale_cap_percent)) / 100;
        if input.price_minor < 0 || input.price_minor > cap {
            return Err(Error::validation(
                "price_minor",
                "above_cap",
                format!("must be 0..={cap} ({}% of face value)", settings.resale_cap_percent),
            )
            .with_extra(serde_json::json!({ "max_price_minor": cap })));
        }
        let id = Uuid::now_v7();
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO resale_listings (id, ticket_id, seller_id, session_id, price_minor, currency) VALUES ($1, $2, $3, $4, $5, $6)",
            [id.into(), ticket_id.into(), actor.user_id.into(), t.session_id.into(), input.price_minor.into(), t.currency.clone().into()],
        ))
        .await
        .map_err(|e| match taquilla_store::pg_code(&e).as_deref() {
            Some(taquilla_store::UNIQUE_VIOLATION) => Error::conflict("already_listed", "this ticket is already listed"),
            _ => Error::from(e),
        })?;
        outbox::emit(
            &tx,
            kind::RESALE_LISTED,
            id,
            serde_json::json!({ "listing_id": id, "ticket_id": ticket_id, "price_minor": input.price_minor }),
        )
        .await?;
        let v = listing(&tx, id).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Active listings, soonest session first; optionally of one session.
    pub async fn browse_resale(
        &self,
        tenant_id: Uuid,
        session_id: Option<Uuid>,
        page: PageRequest,
    ) -> Result<Page<ListingView>> {
        #[derive(FromQueryResult)]
        struct N {
            n: i64,
        }
        let tx = self.store.tenant_tx(tenant_id).await?;
        let filter =
            "l.status = 'active' AND s.deleted_at IS NULL AND e.deleted_at IS NULL AND e.status = 'published' \
                      AND ($1::uuid IS NULL OR l.session_id = $1)";
        let total = N::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT count(*) AS n FROM resale_listings l JOIN sessions s ON s.id = l.session_id JOIN events e ON e.id = s.event_id WHERE {filter}"),
            [session_id.into()],
        ))
        .one(&*tx)
        .await?
        .map_or(0, |n| n.n.max(0) as u64);
        let items = ListingView::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("{LISTING_SELECT} WHERE {filter} ORDER BY s.starts_at, l.created_at, l.id LIMIT $2 OFFSET $3"),
            [session_id.into(), (page.per_page as i64).into(), (page.offset() as i64).into()],
        ))
        .all(&*tx)
        .await?;
        tx.commit().await?;
        Ok(Page::new(items, total, page))
    }

    pub async fn withdraw_listing(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<ListingView> {
        let tx = self.store.tenant_tx(tenant_id).await?;
        let l = listing(&tx, id).await?;
        if l.seller_id != actor.user_id {
            return Err(Error::not_found("listing"));
        }
        let r = tx
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE resale_listings SET status = 'cancelled' WHERE id = $1 AND status = 'active'",
                [id.into()],
            ))
            .await?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict("listing_not_active", format!("the listing is {}", l.status)));
        }
        let v = listing(&tx, id).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Buys a listed ticket: the seller's ticket is voided (version bumped,
    /// so its QR stops admitting) and a new one is issued to the buyer.
    pub async fn buy_resale(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<ListingView> {
        #[derive(FromQueryResult)]
        struct L {
            ticket_id: Uuid,
            seller_id: Uuid,
            status: String,
            price_minor: i64,
            currency: String,
        }
        let tx = self.store.tenant_tx(tenant_id).await?;
        let l = L::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT ticket_id, seller_id, status, price_minor, currency FROM resale_listings WHERE id = $1 FOR UPDATE",
            [id.into()],
        ))
        .one(&*tx)
        .await?
        .ok_or_else(|| Error::not_found("listing"))?;
        if l.status != "active" {
            return Err(Error::conflict("listing_not_active", format!("the listing is {}", l.status)));
        }
        if l.seller_id == actor.user_id {
            return Err(Error::conflict("own_listing", "you cannot buy your own listing"));
        }
        let t = lock_ticket(&tx, l.ticket_id).await?.ok_or_else(|| Error::not_found("listing"))?;
        if let Err(e) = check_resellable(&t).and_then(|()| {
            (t.owner_id == l.seller_id)
                .then_some(())
                .ok_or_else(|| Error::conflict("ticket_void", "the ticket changed hands"))
        }) {
            // The ticket went stale under the listing (used at the door,
            // voided, session over): the listing dies with it.
            tx.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE resale_listings SET status = 'cancelled' WHERE id = $1",
                [id.into()],
            ))
            .await?;
            tx.commit().await?;
            return Err(e);
        }
        let order_id = Uuid::now_v7();
        let new_ticket = Uuid::now_v7();
        // A resale is settled between buyer and seller as a paid order; card
        // payment of resales is not built yet, so priced ones are `manual`.
        let provider = if l.price_minor == 0 { ProviderKind::Free } else { ProviderKind::Manual }.as_str();
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "WITH o AS (INSERT INTO orders (id, user_id, session_id, status, total_minor, currency, provider, paid_at) \
                        VALUES ($1, $2, $3, 'paid', $4, $5, $6, now()) RETURNING id), \
                  i AS (INSERT INTO order_items (order_id, ticket_type_id, seat_id, quantity, unit_price_minor) \
                        SELECT id, $7, $8, 1, $4 FROM o), \
                  v AS (UPDATE tickets SET status = 'void', version = version + 1, updated_at = now() WHERE id = $9 RETURNING id) \
             INSERT INTO tickets (id, order_id, ticket_type_id, session_id, seat_id, owner_id, replaces_ticket_id) \
             SELECT $10, (SELECT id FROM o), $7, $3, $8, $2, (SELECT id FROM v)",
            [
                order_id.into(),
                actor.user_id.into(),
                t.session_id.into(),
                l.price_minor.into(),
                l.currency.clone().into(),
                provider.into(),
                t.ticket_type_id.into(),
                t.seat_id.into(),
                l.ticket_id.into(),
                new_ticket.into(),
            ],
        ))
        .await?;
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE resale_listings SET status = 'sold', buyer_id = $2, new_ticket_id = $3, sold_at = now() WHERE id = $1",
            [id.into(), actor.user_id.into(), new_ticket.into()],
        ))
        .await?;
        let payload = serde_json::json!({
            "listing_id": id, "old_ticket_id": l.ticket_id, "new_ticket_id": new_ticket,
            "seller_id": l.seller_id, "buyer_id": actor.user_id, "order_id": order_id, "price_minor": l.price_minor,
        });
        outbox::emit(&tx, kind::RESALE_SOLD, id, payload.clone()).await?;
        outbox::emit(&tx, kind::TICKET_TRANSFERRED, new_ticket, payload).await?;
        let v = listing(&tx, id).await?;
        tx.commit().await?;
        Ok(v)
    }
}

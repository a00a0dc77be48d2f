//! Claims on one ticket type queue in this process, not in PostgreSQL.
//!
//! A flash sale is many transactions updating one `ticket_types` row. When
//! they all queue in PostgreSQL, every waiter sleeps on the holder's
//! transaction lock, wakes at its commit, re-reads the row's newest version
//! (through a chain of dead versions that cannot be pruned while they
//! wait) and contends on the lock manager's partition locks: the database
//! spends more CPU on the queue than on the sales. So a transaction of this
//! process takes its ticket type's turn (a per-type semaphore) right before
//! its claim and keeps it to its commit: at most [`WIDTH`] of this process's transactions are at the
//! row, the rest wait here, cheaply and in order. Two, so the next claim is
//! already waiting in PostgreSQL when the holder's commit releases the row
//! (PostgreSQL hands it over at once; a handoff through this queue would
//! wait for the next task to be polled). Measured with bench/run.sh: one
//! (a mutex) sold less; two and four were within the runs' noise of each
//! other, and with two the sampled backends wait on the row lock half as
//! often.
//!
//! This is a queue, not the guard against overselling: the conditional
//! UPDATE in PostgreSQL still decides, so other processes and paths that
//! do not queue here stay correct.
//!
//! No deadlock: stripes are taken in ascending order, only right before a
//! claim, and after that a transaction only claims, writes rows of its own
//! and commits; nothing it may wait for in PostgreSQL waits for a stripe.

use tokio::sync::{Semaphore, SemaphorePermit};
use uuid::Uuid;

/// Types hash onto this many mutexes (two hot types rarely share one; if
/// they do, their claims take turns, which is still correct).
const STRIPES: usize = 64;

/// Transactions of this process at one ticket type's row at once.
pub const WIDTH: usize = 2;

pub struct StockQueue(Vec<Semaphore>);

impl Default for StockQueue {
    fn default() -> Self {
        Self((0..STRIPES).map(|_| Semaphore::new(WIDTH)).collect())
    }
}

/// Held while a transaction claims stock and commits.
pub(crate) struct Turn<'a> {
    _permits: Vec<SemaphorePermit<'a>>,
}

impl StockQueue {
    /// Waits for the turn of these ticket types.
    pub(crate) async fn turn(&self, types: impl IntoIterator<Item = Uuid>) -> Turn<'_> {
        let mut stripes: Vec<usize> = types.into_iter().map(|t| (t.as_u128() % STRIPES as u128) as usize).collect();
        stripes.sort_unstable();
        stripes.dedup();
        let mut permits = Vec::with_capacity(stripes.len());
        for s in stripes {
            // The semaphores are never closed, so acquiring cannot fail.
            let Some(sem) = self.0.get(s) else { continue };
            if let Ok(p) = sem.acquire().await {
                permits.push(p);
            }
        }
        Turn { _permits: permits }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn at_most_width_turns_per_type_and_orders_cannot_deadlock() {
        let q = Arc::new(StockQueue::default());
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..50 {
            let (q, inside, most) = (q.clone(), inside.clone(), most.clone());
            // Half ask for (a, b), half for (b, a): taken in one order.
            let types = if i % 2 == 0 { [a, b] } else { [b, a] };
            tasks.push(tokio::spawn(async move {
                let _turn = q.turn(types).await;
                let n = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for t in tasks {
            assert!(t.await.is_ok());
        }
        let most = most.load(Ordering::SeqCst);
        assert!((1..=WIDTH).contains(&most), "{most}");
        // A type whose turns are all taken waits; another type does not.
        let mut held = Vec::new();
        for _ in 0..WIDTH {
            held.push(q.turn([a]).await);
        }
        let waits = tokio::time::timeout(std::time::Duration::from_millis(50), q.turn([a])).await;
        assert!(waits.is_err());
        let other = Uuid::from_u128(3);
        assert!(tokio::time::timeout(std::time::Duration::from_secs(5), q.turn([other])).await.is_ok());
    }
}

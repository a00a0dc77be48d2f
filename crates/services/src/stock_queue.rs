//! Claims on one ticket type queue in this process, not in PostgreSQL.
//!
//! A flash sale is many transactions updating one `ticket_types` row. When
//! they all queue in PostgreSQL, every waiter sleeps on the holder's
//! transaction lock, wakes at its commit, re-reads the row's newest version
//! (through a chain of dead versions that cannot be pruned while they
//! wait) and contends on the lock manager's partition locks: the database
//! spends more CPU on the queue than on the sales. So a transaction of this
//! process takes a per-type mutex right before its claim and keeps it to
//! its commit: at most one of this process's transactions is at the row,
//! the rest wait here, cheaply and in order.
//!
//! This is a queue, not the guard against overselling: the conditional
//! UPDATE in PostgreSQL still decides, so other processes and paths that
//! do not queue here stay correct.
//!
//! No deadlock: stripes are taken in ascending order, only right before a
//! claim, and after that a transaction only claims, writes rows of its own
//! and commits; nothing it may wait for in PostgreSQL waits for a stripe.

use tokio::sync::{Mutex, MutexGuard};
use uuid::Uuid;

/// Types hash onto this many mutexes (two hot types rarely share one; if
/// they do, their claims take turns, which is still correct).
const STRIPES: usize = 64;

pub struct StockQueue(Vec<Mutex<()>>);

impl Default for StockQueue {
    fn default() -> Self {
        Self((0..STRIPES).map(|_| Mutex::new(())).collect())
    }
}

/// Held while a transaction claims stock and commits.
pub(crate) struct Turn<'a> {
    _guards: Vec<MutexGuard<'a, ()>>,
}

impl StockQueue {
    /// Waits for the turn of these ticket types.
    pub(crate) async fn turn(&self, types: impl IntoIterator<Item = Uuid>) -> Turn<'_> {
        let mut stripes: Vec<usize> = types.into_iter().map(|t| (t.as_u128() % STRIPES as u128) as usize).collect();
        stripes.sort_unstable();
        stripes.dedup();
        let mut guards = Vec::with_capacity(stripes.len());
        for s in stripes {
            if let Some(m) = self.0.get(s) {
                guards.push(m.lock().await);
            }
        }
        Turn { _guards: guards }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn one_turn_per_type_at_a_time_and_orders_cannot_deadlock() {
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
                tokio::task::yield_now().await;
                inside.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for t in tasks {
            assert!(t.await.is_ok());
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
        // Another type is not held up by a held one.
        let _held = q.turn([a]).await;
        let other = Uuid::from_u128(3);
        assert!(tokio::time::timeout(std::time::Duration::from_secs(5), q.turn([other])).await.is_ok());
    }
}

//! Recording and reading the audit trail. Requests append unsealed rows;
//! the sealer (a background task of `taquilla serve`, and every read of the
//! chain) chains them.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use taquilla_core::page::{Page, PageRequest};
use taquilla_core::roles::{Actor, Permission};
use taquilla_core::{Error, Result};
use taquilla_store::audit::{self, AuditRow, Chain, NewAuditRow, Verification};
use taquilla_store::TenantTx;
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::App;

/// Chains (tenant, or `None` for the platform) with rows written since the
/// last seal by this process.
#[derive(Default)]
pub struct Dirty(Mutex<HashSet<Option<Uuid>>>);

impl Dirty {
    fn mark(&self, chain: Option<Uuid>) {
        if let Ok(mut s) = self.0.lock() {
            s.insert(chain);
        }
    }

    fn take(&self) -> Vec<Option<Uuid>> {
        self.0.lock().map(|mut s| s.drain().collect()).unwrap_or_default()
    }
}

/// Rows waiting to be written, and how many writers are draining them.
///
/// Group commit: a request's row joins whatever is queued while writes are
/// in flight, and the next write takes them all (one INSERT and one commit
/// per chain), so under load a request no longer pays a transaction of its
/// own for its audit row. Up to [`WRITERS`] writes are in flight at once, so
/// a row seldom waits for a whole write to finish before its own starts.
/// The request still waits until its row is committed, as before.
#[derive(Default)]
pub struct Queue(Mutex<Pending>);

/// Told when the row is committed, or why it could not be.
type Done = oneshot::Sender<std::result::Result<(), String>>;

#[derive(Default)]
struct Pending {
    rows: Vec<(NewAuditRow, Done)>,
    /// Writers running (each takes a batch, writes it, takes the next).
    writers: usize,
    /// Writers between batches or writing; a new row starts another writer
    /// only when all of them are busy writing.
    idle: usize,
}

/// The most rows one write takes.
const BATCH: usize = 500;

/// The most audit writes in flight at once per process.
pub const WRITERS: usize = 4;

impl Queue {
    /// Queues a row; true if the caller must start a writer.
    fn push(&self, row: NewAuditRow, done: Done) -> bool {
        let Ok(mut p) = self.0.lock() else { return false };
        p.rows.push((row, done));
        if p.idle == 0 && p.writers < WRITERS {
            p.writers += 1;
            p.idle += 1;
            return true;
        }
        false
    }

    /// The next batch, or `None` (and the writer stops) when there is none.
    fn take(&self) -> Option<Vec<(NewAuditRow, Done)>> {
        let Ok(mut p) = self.0.lock() else { return None };
        if p.rows.is_empty() {
            p.writers = p.writers.saturating_sub(1);
            p.idle = p.idle.saturating_sub(1);
            return None;
        }
        p.idle = p.idle.saturating_sub(1);
        let n = p.rows.len().min(BATCH);
        Some(p.rows.drain(..n).collect())
    }

    /// A writer finished a batch and is about to take the next.
    fn wrote(&self) {
        if let Ok(mut p) = self.0.lock() {
            p.idle += 1;
        }
    }

    /// A writer ended without finding the queue empty.
    fn stopped(&self, idle: bool) {
        if let Ok(mut p) = self.0.lock() {
            p.writers = p.writers.saturating_sub(1);
            if idle {
                p.idle = p.idle.saturating_sub(1);
            }
        }
    }
}

/// A writer that ends any other way than by finding the queue empty (its
/// task panicked or was dropped with its runtime) gives its place back, so
/// the next row starts a new one; rows it had taken fail their requests.
struct Writing {
    queue: Arc<Queue>,
    /// Between batches (counted as idle) rather than writing one.
    idle: bool,
    done: bool,
}

impl Drop for Writing {
    fn drop(&mut self) {
        if !self.done {
            self.queue.stopped(self.idle);
        }
    }
}

/// A request's audit row, handed to the service call that makes its change
/// (see [`within`]).
struct Handed {
    row: NewAuditRow,
    committed: Arc<AtomicBool>,
}

tokio::task_local! {
    static HANDED: Handed;
}

/// Runs `call` with the request's audit row handed over. A service that
/// supports it ([`App::audit_param`]) writes the row in the transaction of its
/// change, so the change and its row commit together: no change without
/// its row, and one commit per request instead of two. Returns the call's
/// output and whether the row was committed that way; if not (the service
/// does not take rows, or its change failed), the caller records it as
/// usual with the status it answered.
pub async fn within<F: Future>(row: NewAuditRow, call: F) -> (F::Output, bool) {
    let committed = Arc::new(AtomicBool::new(false));
    let out = HANDED.scope(Handed { row, committed: committed.clone() }, call).await;
    (out, committed.load(Ordering::Acquire))
}

impl App {
    /// The audit row handed over by [`within`], if any and if it belongs to
    /// this transaction's tenant, as the parameter of a statement of the
    /// change that writes it (`taquilla_store::audit::insert_cte`; null:
    /// nothing to write). Once `tx` commits, the row counts as written; a
    /// retried transaction writes it again, and after one has committed
    /// later ones skip it.
    pub(crate) fn audit_param(&self, tx: &TenantTx) -> sea_orm::Value {
        let tenant_id = tx.tenant_id();
        let handed = HANDED.try_with(|h| {
            (h.row.tenant_id == Some(tenant_id) && !h.committed.load(Ordering::Acquire))
                .then(|| (audit::row_param(Some(&h.row)), h.committed.clone()))
        });
        let Ok(Some((param, committed))) = handed else { return audit::row_param(None) };
        let dirty = self.audit_dirty.clone();
        tx.on_commit(move || {
            committed.store(true, Ordering::Release);
            dirty.mark(Some(tenant_id));
        });
        param
    }

    /// Appends to the tenant's chain, or the platform's when `tenant_id` is
    /// None; returns once the row is committed (see [`Queue`]).
    pub async fn record_audit(&self, row: NewAuditRow) -> Result<()> {
        let (done, committed) = oneshot::channel();
        if self.audit_queue.push(row, done) {
            // The place is the task's even if it never runs (its runtime
            // shutting down drops it unpolled).
            let guard = Writing { queue: self.audit_queue.clone(), idle: true, done: false };
            let app = self.clone();
            tokio::spawn(async move { app.write_audit(guard).await });
        }
        match committed.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(cause)) => Err(Error::internal_msg(format!("the audit batch was not written: {cause}"))),
            Err(_) => Err(Error::internal_msg("the audit writer stopped before writing the row")),
        }
    }

    async fn write_audit(&self, mut guard: Writing) {
        while let Some(batch) = self.audit_queue.take() {
            guard.idle = false;
            // Per chain: its rows in queue order, and who waits for them.
            let mut chains: Vec<(Option<Uuid>, Vec<NewAuditRow>, Vec<Done>)> = Vec::new();
            for (row, done) in batch {
                let chain = row.tenant_id;
                match chains.iter_mut().find(|(c, _, _)| *c == chain) {
                    Some((_, rows, waiting)) => {
                        rows.push(row);
                        waiting.push(done);
                    }
                    None => chains.push((chain, vec![row], vec![done])),
                }
            }
            for (chain, rows, waiting) in chains {
                let result = match self.append_audit(chain, &rows).await {
                    Ok(()) => {
                        self.audit_dirty.mark(chain);
                        Ok(())
                    }
                    Err(e) => {
                        tracing::error!(error = ?e, rows = rows.len(), "audit batch failed");
                        Err(e.to_string())
                    }
                };
                for done in waiting {
                    // A request that went away no longer waits: nothing to tell.
                    let _ = done.send(result.clone());
                }
            }
            self.audit_queue.wrote();
            guard.idle = true;
        }
        guard.done = true;
    }

    async fn append_audit(&self, chain: Option<Uuid>, rows: &[NewAuditRow]) -> Result<()> {
        match chain {
            Some(t) => {
                let tx = self.store.tenant_tx(t).await?;
                audit::append(&*tx, Chain::Tenant, rows).await?;
                tx.commit().await
            }
            None => audit::append(self.store.db(), Chain::Platform, rows).await,
        }
    }

    /// Chains every pending row of one chain.
    pub async fn seal_audit(&self, tenant_id: Option<Uuid>) -> Result<usize> {
        let mut total = 0;
        loop {
            let n = match tenant_id {
                Some(t) => {
                    let tx = self.store.tenant_tx(t).await?;
                    let n = audit::seal(&*tx, Chain::Tenant).await?;
                    tx.commit().await?;
                    n
                }
                None => {
                    let tx = self.store.platform_tx().await?;
                    let n = audit::seal(&*tx, Chain::Platform).await?;
                    tx.commit().await?;
                    n
                }
            };
            total += n;
            if n == 0 {
                return Ok(total);
            }
        }
    }

    /// Seals the chains this process wrote to since the last call.
    pub async fn seal_dirty_audit(&self) -> Result<usize> {
        let mut total = 0;
        for chain in self.audit_dirty.take() {
            total += self.seal_audit(chain).await?;
        }
        Ok(total)
    }

    /// Seals every chain (rows another process wrote and did not seal).
    pub async fn seal_all_audit(&self) -> Result<usize> {
        let mut total = self.seal_audit(None).await?;
        for t in taquilla_store::repo::tenants::all_ids(self.store.db()).await? {
            total += self.seal_audit(Some(t)).await?;
        }
        Ok(total)
    }

    pub async fn list_audit(&self, actor: &Actor, tenant_id: Uuid, page: PageRequest) -> Result<Page<AuditRow>> {
        actor.require(Permission::ViewAuditLog)?;
        self.seal_audit(Some(tenant_id)).await?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let page = audit::list(&*tx, Chain::Tenant, page).await?;
        tx.commit().await?;
        Ok(page)
    }

    /// Seals what is pending, then recomputes the chain.
    pub async fn verify_audit(&self, tenant_id: Option<Uuid>) -> Result<Verification> {
        self.seal_audit(tenant_id).await?;
        match tenant_id {
            Some(t) => {
                let tx = self.store.tenant_tx(t).await?;
                let v = audit::verify(&*tx, Chain::Tenant).await?;
                tx.commit().await?;
                Ok(v)
            }
            None => audit::verify(self.store.db(), Chain::Platform).await,
        }
    }
}

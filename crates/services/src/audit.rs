//! Recording and reading the audit trail. Requests append unsealed rows;
//! the sealer (a background task of `taquilla serve`, and every read of the
//! chain) chains them.

use std::collections::HashSet;
use std::sync::Mutex;

use taquilla_core::page::{Page, PageRequest};
use taquilla_core::roles::{Actor, Permission};
use taquilla_core::Result;
use taquilla_store::audit::{self, AuditRow, Chain, NewAuditRow, Verification};
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

impl App {
    /// Appends to the tenant's chain, or the platform's when `tenant_id` is None.
    pub async fn record_audit(&self, row: NewAuditRow) -> Result<()> {
        let chain = row.tenant_id;
        match chain {
            Some(t) => {
                let tx = self.store.tenant_tx(t).await?;
                audit::append(&*tx, Chain::Tenant, row).await?;
                tx.commit().await?;
            }
            None => audit::append(self.store.db(), Chain::Platform, row).await?,
        }
        self.audit_dirty.mark(chain);
        Ok(())
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

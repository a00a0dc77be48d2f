//! Recording and reading the audit trail.

use taquilla_core::page::{Page, PageRequest};
use taquilla_core::roles::{Actor, Permission};
use taquilla_core::Result;
use taquilla_store::audit::{self, AuditRow, Chain, NewAuditRow, Verification};
use uuid::Uuid;

use crate::App;

impl App {
    /// Appends to the tenant's chain, or the platform's when `tenant_id` is None.
    pub async fn record_audit(&self, row: NewAuditRow) -> Result<()> {
        match row.tenant_id {
            Some(t) => {
                let tx = self.store.tenant_tx(t).await?;
                audit::append(&*tx, Chain::Tenant, row).await?;
                tx.commit().await
            }
            None => {
                let tx = self.store.platform_tx().await?;
                audit::append(&*tx, Chain::Platform, row).await?;
                tx.commit().await
            }
        }
    }

    pub async fn list_audit(&self, actor: &Actor, tenant_id: Uuid, page: PageRequest) -> Result<Page<AuditRow>> {
        actor.require(Permission::ViewAuditLog)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let page = audit::list(&*tx, Chain::Tenant, page).await?;
        tx.commit().await?;
        Ok(page)
    }

    pub async fn verify_audit(&self, tenant_id: Option<Uuid>) -> Result<Verification> {
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

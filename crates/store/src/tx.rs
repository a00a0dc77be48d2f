use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, Statement,
    TransactionTrait,
};
use taquilla_core::{Error, Result};
use taquilla_migrations::{MigratorTrait, PublicMigrator, TenantMigrator};
use uuid::Uuid;

use crate::entity::tenants;

/// The schema of a tenant. Derived from the tenant's id, never from input,
/// so it needs no quoting and cannot be injected.
pub fn schema_name(tenant_id: Uuid) -> String {
    format!("t_{}", tenant_id.simple())
}

#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    counters: Arc<Counters>,
}

/// How much work the store has done since it was opened: tenant
/// transactions begun and SQL statements run (counted by SeaORM's metric
/// hook). Tests use the deltas to prove that a request costs a constant
/// number of round trips (no N+1); an increment is all they cost.
#[derive(Debug, Default)]
pub struct Counters {
    tenant_txs: AtomicU64,
    statements: AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreStats {
    pub tenant_txs: u64,
    pub statements: u64,
}

impl std::ops::Sub for StoreStats {
    type Output = StoreStats;
    fn sub(self, earlier: StoreStats) -> StoreStats {
        StoreStats {
            tenant_txs: self.tenant_txs.saturating_sub(earlier.tenant_txs),
            statements: self.statements.saturating_sub(earlier.statements),
        }
    }
}

/// A transaction scoped to one tenant's schema. `SET LOCAL` ends with the
/// transaction, so the pooled connection never carries the search_path into
/// another tenant's request.
pub struct TenantTx {
    tx: DatabaseTransaction,
    tenant_id: Uuid,
    /// Stock changes to announce once (and only if) the transaction commits.
    notes: std::sync::Mutex<Vec<crate::StockNote>>,
    /// Run once (and only if) the transaction commits.
    on_commit: std::sync::Mutex<Vec<Box<dyn FnOnce() + Send>>>,
}

impl TenantTx {
    fn new(tx: DatabaseTransaction, tenant_id: Uuid) -> Self {
        Self { tx, tenant_id, notes: Default::default(), on_commit: Default::default() }
    }

    pub fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }

    pub async fn commit(self) -> Result<()> {
        self.commit_notes().await.map(drop)
    }

    /// Runs `f` after the transaction commits; never if it rolls back.
    pub fn on_commit(&self, f: impl FnOnce() + Send + 'static) {
        if let Ok(mut v) = self.on_commit.lock() {
            v.push(Box::new(f));
        }
    }

    /// Records a stock change for the realtime feed.
    pub fn note(&self, notes: impl IntoIterator<Item = crate::StockNote>) {
        if let Ok(mut v) = self.notes.lock() {
            v.extend(notes);
        }
    }

    /// Commits and hands back the stock changes it made; a rolled-back
    /// transaction (dropped without commit) announces nothing.
    pub async fn commit_notes(self) -> Result<Vec<crate::StockNote>> {
        let notes = self.notes.lock().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default();
        let hooks = self.on_commit.lock().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default();
        self.tx.commit().await?;
        for f in hooks {
            f();
        }
        Ok(notes)
    }
}

impl Deref for TenantTx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

/// A transaction on the `public` schema only.
pub struct PlatformTx {
    tx: DatabaseTransaction,
}

impl PlatformTx {
    pub async fn commit(self) -> Result<()> {
        Ok(self.tx.commit().await?)
    }
}

impl Deref for PlatformTx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

impl Store {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(10))
            // A ping per checkout is a round trip per transaction; only
            // connections idle long enough to have gone stale get one.
            .test_before_acquire_if_idle_for(Duration::from_secs(30))
            .sqlx_logging(false);
        let db = Database::connect(opts).await?;
        Ok(Self::from_connection(db))
    }

    pub fn from_connection(mut db: DatabaseConnection) -> Self {
        let counters = Arc::new(Counters::default());
        let c = counters.clone();
        db.set_metric_callback(move |_| {
            c.statements.fetch_add(1, Ordering::Relaxed);
        });
        Self { db, counters }
    }

    /// Tenant transactions begun and statements run so far.
    pub fn stats(&self) -> StoreStats {
        StoreStats {
            tenant_txs: self.counters.tenant_txs.load(Ordering::Relaxed),
            statements: self.counters.statements.load(Ordering::Relaxed),
        }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub async fn ping(&self) -> Result<()> {
        Ok(self.db.ping().await?)
    }

    pub async fn tenant_tx(&self, tenant_id: Uuid) -> Result<TenantTx> {
        self.counters.tenant_txs.fetch_add(1, Ordering::Relaxed);
        let tx = self.db.begin().await?;
        tx.execute_unprepared(&format!("SET LOCAL search_path TO {}, public", schema_name(tenant_id))).await?;
        Ok(TenantTx::new(tx, tenant_id))
    }

    pub async fn platform_tx(&self) -> Result<PlatformTx> {
        let tx = self.db.begin().await?;
        tx.execute_unprepared("SET LOCAL search_path TO public").await?;
        Ok(PlatformTx { tx })
    }

    /// Upgrades `public`, then every tenant schema. Safe to re-run.
    pub async fn migrate_all(&self) -> Result<usize> {
        let tx = self.platform_tx().await?;
        PublicMigrator::up(&tx.tx, None).await?;
        tx.commit().await?;
        let ids = crate::repo::tenants::all_ids(&self.db).await?;
        for id in &ids {
            let tx = self.tenant_tx(*id).await?;
            TenantMigrator::up(&tx.tx, None).await?;
            tx.commit().await?;
        }
        Ok(ids.len())
    }

    /// Registers the tenant, creates its schema and all its tables, in one
    /// transaction: a failure leaves no half-made tenant behind.
    /// `seed` runs inside the same transaction (first admin user etc.).
    pub async fn create_tenant<F, Fut, T>(
        &self,
        model: tenants::ActiveModel,
        tenant_id: Uuid,
        seed: F,
    ) -> Result<(tenants::Model, T)>
    where
        F: FnOnce(TenantTx) -> Fut,
        Fut: std::future::Future<Output = Result<(TenantTx, T)>>,
    {
        use sea_orm::ActiveModelTrait;
        let tx = self.db.begin().await?;
        tx.execute_unprepared("SET LOCAL search_path TO public").await?;
        let tenant = model.insert(&tx).await.map_err(|e| match crate::pg_code(&e).as_deref() {
            Some(crate::UNIQUE_VIOLATION) => {
                Error::conflict("slug_taken", "a tenant with this slug already exists").with_field("slug")
            }
            _ => Error::from(e),
        })?;
        let schema = schema_name(tenant_id);
        tx.execute_unprepared(&format!("CREATE SCHEMA {schema}")).await?;
        tx.execute_unprepared(&format!("SET LOCAL search_path TO {schema}, public")).await?;
        TenantMigrator::up(&tx, None).await?;
        let (ttx, seeded) = seed(TenantTx::new(tx, tenant_id)).await?;
        ttx.commit().await?;
        Ok((tenant, seeded))
    }

    /// Runs a raw statement on the pool (admin tooling, tests).
    pub async fn execute_raw(&self, sql: &str) -> Result<()> {
        self.db.execute_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned())).await?;
        Ok(())
    }
}

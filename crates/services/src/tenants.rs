//! Onboarding and lifecycle of tenants (platform admins).

use sea_orm::{ActiveModelTrait, Set};
use serde::Deserialize;
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::roles::{Actor, Permission, Role};
use taquilla_core::status::{Plan, TenantStatus};
use taquilla_core::text::{EmailAddress, Name, Password, Slug};
use taquilla_core::{Error, Result};
use taquilla_store::entity::tenants;
use taquilla_store::repo;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::views::{TenantView, UserView};
use crate::{now, App};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTenant {
    pub slug: Slug,
    pub name: Name,
    /// Sets the tenant's rate limits; `standard` when omitted.
    #[serde(default)]
    pub plan: Option<Plan>,
    /// The tenant's first administrator.
    pub admin: NewTenantAdmin,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTenantAdmin {
    pub email: EmailAddress,
    pub password: Password,
    pub display_name: Option<Name>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    pub name: Option<Name>,
    /// `suspended` stops every credential of the tenant at once.
    pub status: Option<TenantStatus>,
    /// Takes effect on the tenant's next requests.
    pub plan: Option<Plan>,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CreatedTenant {
    pub tenant: TenantView,
    pub admin: UserView,
}

impl App {
    pub async fn create_tenant(&self, actor: &Actor, input: NewTenant) -> Result<CreatedTenant> {
        actor.require(Permission::ManageTenants)?;
        let hash = self.hash_password(&input.admin.password).await?;
        let id = Uuid::now_v7();
        let now = now();
        let model = tenants::ActiveModel {
            id: Set(id),
            slug: Set(input.slug.into_inner()),
            name: Set(input.name.into_inner()),
            status: Set(TenantStatus::Active.as_str().to_owned()),
            plan: Set(input.plan.unwrap_or(Plan::Standard).as_str().to_owned()),
            settings: Set(serde_json::json!({})),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let email = input.admin.email;
        let display = input.admin.display_name.map(Name::into_inner).unwrap_or_else(|| "Administrator".into());
        let (tenant, admin) = self
            .store
            .create_tenant(model, id, |tx| async move {
                let admin = crate::users::insert_user(&tx, email, hash, Role::TenantAdmin, display).await?;
                Ok((tx, admin))
            })
            .await?;
        Ok(CreatedTenant { tenant: tenant.into(), admin: admin.into() })
    }

    pub async fn list_tenants(&self, actor: &Actor, page: PageRequest) -> Result<Page<TenantView>> {
        actor.require(Permission::ManageTenants)?;
        Ok(repo::tenants::list(self.store.db(), page).await?.map(TenantView::from))
    }

    pub async fn get_tenant(&self, actor: &Actor, id: Uuid) -> Result<TenantView> {
        actor.require(Permission::ManageTenants)?;
        let t = repo::tenants::by_id(self.store.db(), id).await?.ok_or_else(|| Error::not_found("tenant"))?;
        Ok(t.into())
    }

    pub async fn update_tenant(&self, actor: &Actor, id: Uuid, patch: TenantPatch) -> Result<TenantView> {
        actor.require(Permission::ManageTenants)?;
        let tx = self.store.platform_tx().await?;
        let t = repo::tenants::by_id(&*tx, id).await?.ok_or_else(|| Error::not_found("tenant"))?;
        let mut am: tenants::ActiveModel = t.into();
        if let Some(n) = patch.name {
            am.name = Set(n.into_inner());
        }
        if let Some(s) = patch.status {
            am.status = Set(s.as_str().to_owned());
        }
        if let Some(p) = patch.plan {
            am.plan = Set(p.as_str().to_owned());
        }
        am.updated_at = Set(now());
        let t = am.update(&*tx).await?;
        tx.commit().await?;
        self.tenant_cache.forget(&t.slug);
        Ok(t.into())
    }

    /// The tenant a request names, if it exists and is active. Every tenant
    /// request passes here, so suspension takes effect on the next request.
    pub async fn resolve_tenant(&self, slug: &str) -> Result<tenants::Model> {
        let t = match self.tenant_cache.get(slug) {
            Some(t) => t,
            None => {
                let t = repo::tenants::by_slug(self.store.db(), slug)
                    .await?
                    .ok_or_else(|| Error::not_found("tenant").with_code("unknown_tenant"))?;
                self.tenant_cache.put(t.clone());
                t
            }
        };
        if t.status != TenantStatus::Active.as_str() {
            return Err(Error::forbidden("this tenant is suspended").with_code("tenant_suspended"));
        }
        Ok(t)
    }

    /// The platform's own actor for CLI commands and bootstrapping.
    pub fn system_actor() -> Actor {
        Actor::person(Uuid::nil(), None, Role::PlatformAdmin)
    }
}

impl App {
    pub async fn tenant_settings(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
    ) -> Result<taquilla_core::settings::TenantSettings> {
        actor.require(Permission::ManageTenantSettings)?;
        self.settings_of(tenant_id).await
    }

    /// A tenant's settings, for the system's own work (no actor).
    pub(crate) async fn settings_of(&self, tenant_id: Uuid) -> Result<taquilla_core::settings::TenantSettings> {
        let t = repo::tenants::by_id(self.store.db(), tenant_id).await?.ok_or_else(|| Error::not_found("tenant"))?;
        Ok(taquilla_core::settings::TenantSettings::from_json(&t.settings))
    }

    /// Replaces the tenant's settings (every field; omitted ones take their defaults).
    pub async fn update_tenant_settings(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        settings: taquilla_core::settings::TenantSettings,
    ) -> Result<taquilla_core::settings::TenantSettings> {
        actor.require(Permission::ManageTenantSettings)?;
        settings.validate()?;
        if settings.payment_provider == Some(taquilla_core::settings::PaidWith::Stripe)
            && self.payments.stripe().is_none()
        {
            return Err(Error::validation(
                "payment_provider",
                "provider_unavailable",
                "card payments (Stripe) are not configured on this deployment",
            ));
        }
        let tx = self.store.platform_tx().await?;
        let t = repo::tenants::by_id(&*tx, tenant_id).await?.ok_or_else(|| Error::not_found("tenant"))?;
        let mut am: tenants::ActiveModel = t.into();
        am.settings = Set(serde_json::to_value(&settings)?);
        am.updated_at = Set(now());
        let t = am.update(&*tx).await?;
        tx.commit().await?;
        self.tenant_cache.forget(&t.slug);
        Ok(settings)
    }
}

/// Tenants by slug, kept for a moment so a request costs no lookup round
/// trip. A change made through this process is forgotten at once; another
/// server instance sees it within the TTL (1 s by default).
pub struct TenantCache {
    ttl: std::time::Duration,
    map: std::sync::RwLock<std::collections::HashMap<String, (std::time::Instant, tenants::Model)>>,
}

impl TenantCache {
    pub fn new(ttl: std::time::Duration) -> Self {
        Self { ttl, map: Default::default() }
    }

    fn get(&self, slug: &str) -> Option<tenants::Model> {
        let map = self.map.read().ok()?;
        map.get(slug).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, t)| t.clone())
    }

    fn put(&self, t: tenants::Model) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut map) = self.map.write() {
            // Bounded: a flood of unknown slugs never reaches here, and known
            // tenants are few; still, never let it grow without limit.
            if map.len() > 10_000 {
                map.clear();
            }
            map.insert(t.slug.clone(), (std::time::Instant::now(), t));
        }
    }

    fn forget(&self, slug: &str) {
        if let Ok(mut map) = self.map.write() {
            map.remove(slug);
        }
    }
}

//! Tenant users: self-service profile, and management by tenant admins and
//! platform admins (one code path; the permission table decides who).

use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set};
use serde::{Deserialize, Serialize};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::roles::{Actor, Permission, Role};
use taquilla_core::text::{EmailAddress, Name, Password, PhoneNumber, Text};
use taquilla_core::{Error, Result};
use taquilla_store::entity::users;
use taquilla_store::{repo, TenantTx};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::views::{TenantView, UserView};
use crate::{now, App};

/// A phone number in E.164 form (`+34600123456`), or `""` to remove it.
/// SMS notifications go to it when the deployment has SMS.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Phone(Option<PhoneNumber>);

impl TryFrom<String> for Phone {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        if s.trim().is_empty() {
            return Ok(Self(None));
        }
        PhoneNumber::parse(s).map(|p| Self(Some(p)))
    }
}

impl Phone {
    fn into_value(self) -> Option<String> {
        self.0.map(PhoneNumber::into_inner)
    }
}

impl utoipa::PartialSchema for Phone {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^(\\+[1-9][0-9]{7,14})?$"))
            .description(Some("E.164 phone number, or an empty string to remove it"))
            .examples(["+34600123456"])
            .into()
    }
}
impl utoipa::ToSchema for Phone {}
pub type Locale = Text<0, 16>;

/// Profile fields a user may change on themselves.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    pub display_name: Option<Name>,
    pub phone: Option<Phone>,
    pub locale: Option<Locale>,
    /// Changing the password requires `current_password`.
    pub password: Option<Password>,
    pub current_password: Option<String>,
}

/// What an administrator may change on a user.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserAdminPatch {
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub display_name: Option<Name>,
    pub phone: Option<Phone>,
    pub locale: Option<Locale>,
    /// A member (season ticket, club): pricing and coupon scripts see it as
    /// `ctx.buyer.is_member`.
    pub is_member: Option<bool>,
}

pub(crate) async fn insert_user(
    tx: &TenantTx,
    email: EmailAddress,
    password_hash: String,
    role: Role,
    display_name: String,
) -> Result<users::Model> {
    let now = now();
    users::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.into_inner()),
        password_hash: Set(password_hash),
        role: Set(role.as_str().to_owned()),
        display_name: Set(display_name),
        phone: Set(None),
        locale: Set(None),
        active: Set(true),
        is_member: Set(false),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
    }
    .insert(&**tx)
    .await
    .map_err(|e| match taquilla_store::pg_code(&e).as_deref() {
        Some(taquilla_store::UNIQUE_VIOLATION) => {
            Error::conflict("email_taken", "a user with this e-mail already exists").with_field("email")
        }
        _ => Error::from(e),
    })
}

fn blank_to_none(t: Option<Phone>) -> Option<Option<String>> {
    t.map(Phone::into_value)
}

impl App {
    pub async fn me(&self, actor: &Actor) -> Result<UserView> {
        let tenant_id = actor.tenant_id.ok_or_else(|| Error::forbidden("platform admins have no tenant profile"))?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let user = repo::users::by_id(&tx, actor.user_id).await?.ok_or_else(|| Error::not_found("user"))?;
        tx.commit().await?;
        Ok(user.into())
    }

    pub async fn update_me(&self, actor: &Actor, patch: ProfilePatch) -> Result<UserView> {
        let tenant_id = actor.tenant_id.ok_or_else(|| Error::forbidden("platform admins have no tenant profile"))?;
        // Hash outside the transaction: argon2 is slow on purpose.
        let new_hash = match &patch.password {
            Some(p) => Some(self.hash_password(p).await?),
            None => None,
        };
        let tx = self.store.tenant_tx(tenant_id).await?;
        let user = repo::users::by_id(&tx, actor.user_id).await?.ok_or_else(|| Error::not_found("user"))?;
        if new_hash.is_some() {
            let current = patch.current_password.as_deref().unwrap_or_default();
            if !self.verify_password(current, Some(user.password_hash.clone())).await? {
                return Err(Error::validation(
                    "current_password",
                    "wrong_password",
                    "does not match the current password",
                ));
            }
        }
        let mut am: users::ActiveModel = user.into();
        if let Some(n) = patch.display_name {
            am.display_name = Set(n.into_inner());
        }
        if let Some(p) = blank_to_none(patch.phone) {
            am.phone = Set(p);
        }
        if let Some(l) = patch.locale.map(|l| Some(l.into_inner()).filter(|s| !s.is_empty())) {
            am.locale = Set(l);
        }
        if let Some(h) = new_hash {
            am.password_hash = Set(h);
            // A new password ends every other login.
            repo::refresh_tokens::revoke_all_for_user(&tx, actor.user_id, now()).await?;
        }
        am.updated_at = Set(now());
        let user = am.update(&*tx).await?;
        tx.commit().await?;
        Ok(user.into())
    }

    /// Lists the users of `tenant_id`. Tenant admins see their own tenant;
    /// platform admins any (the caller has already resolved which).
    pub async fn list_users(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        role: Option<Role>,
        page: PageRequest,
    ) -> Result<Page<UserView>> {
        actor.require(Permission::ManageTenantUsers)?;
        ensure_same_tenant(actor, tenant_id)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let page = repo::users::list(&tx, role.map(Role::as_str), page).await?;
        tx.commit().await?;
        Ok(page.map(UserView::from))
    }

    pub async fn get_user(&self, actor: &Actor, tenant_id: Uuid, user_id: Uuid) -> Result<UserView> {
        actor.require(Permission::ManageTenantUsers)?;
        ensure_same_tenant(actor, tenant_id)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let user = repo::users::by_id(&tx, user_id).await?.ok_or_else(|| Error::not_found("user"))?;
        tx.commit().await?;
        Ok(user.into())
    }

    pub async fn update_user(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        user_id: Uuid,
        patch: UserAdminPatch,
    ) -> Result<UserView> {
        actor.require(Permission::ManageTenantUsers)?;
        ensure_same_tenant(actor, tenant_id)?;
        if let Some(role) = patch.role {
            actor.require_can_assign(role)?;
        }
        // An admin cannot lock themselves out (and leave the tenant adminless).
        if user_id == actor.user_id && (patch.role.is_some_and(|r| r != actor.role) || patch.active == Some(false)) {
            return Err(Error::conflict("cannot_modify_self", "you cannot change your own role or disable yourself"));
        }
        let tx = self.store.tenant_tx(tenant_id).await?;
        let user = repo::users::by_id(&tx, user_id).await?.ok_or_else(|| Error::not_found("user"))?;
        let deactivated = patch.active == Some(false) && user.active;
        let mut am: users::ActiveModel = user.into();
        if let Some(r) = patch.role {
            am.role = Set(r.as_str().to_owned());
        }
        if let Some(a) = patch.active {
            am.active = Set(a);
        }
        if let Some(m) = patch.is_member {
            am.is_member = Set(m);
        }
        if let Some(n) = patch.display_name {
            am.display_name = Set(n.into_inner());
        }
        if let Some(p) = blank_to_none(patch.phone) {
            am.phone = Set(p);
        }
        if let Some(l) = patch.locale.map(|l| Some(l.into_inner()).filter(|s| !s.is_empty())) {
            am.locale = Set(l);
        }
        am.updated_at = Set(now());
        let user = am.update(&*tx).await?;
        if deactivated {
            repo::refresh_tokens::revoke_all_for_user(&tx, user_id, Utc::now()).await?;
        }
        tx.commit().await?;
        Ok(user.into())
    }

    /// Creates a user with any tenant role (tenant admins; CLI; demo data).
    pub async fn create_user(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        email: EmailAddress,
        password: Password,
        role: Role,
        display_name: Name,
    ) -> Result<UserView> {
        actor.require_can_assign(role)?;
        ensure_same_tenant(actor, tenant_id)?;
        let hash = self.hash_password(&password).await?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let user = insert_user(&tx, email, hash, role, display_name.into_inner()).await?;
        tx.commit().await?;
        Ok(user.into())
    }
}

/// Tenant admins act on their own tenant only; platform admins on any.
#[track_caller]
fn ensure_same_tenant(actor: &Actor, tenant_id: Uuid) -> Result<()> {
    match actor.tenant_id {
        None if actor.role == Role::PlatformAdmin => Ok(()),
        Some(t) if t == tenant_id => Ok(()),
        _ => Err(Error::not_found("tenant")),
    }
}

/// A tenant user found by a platform-wide search, with its tenant.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantUserView {
    pub tenant: TenantView,
    pub user: UserView,
}

impl App {
    /// Users across every tenant (platform admins): e-mail or display name
    /// containing `text`, optionally of one role.
    pub async fn search_all_users(
        &self,
        actor: &Actor,
        text: Option<&str>,
        role: Option<Role>,
        page: PageRequest,
    ) -> Result<Page<TenantUserView>> {
        actor.require(Permission::ManageTenants)?;
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        if text.is_some_and(|t| t.chars().count() > 100 || t.contains('\0')) {
            return Err(Error::validation("q", "out_of_range", "at most 100 characters of text"));
        }
        let hits = repo::directory::search_users(self.store.db(), text, role.map(Role::as_str), page).await?;
        Ok(hits.map(|h| TenantUserView { tenant: h.tenant.into(), user: h.user.into() }))
    }
}

//! Coupons, quotes and tenant scripts: the GraphQL twin of `/coupons`,
//! `/quotes` and `/scripts`. Each resolver is the REST route's service call;
//! inputs are REST's bodies (see `parse_input`).

use async_graphql::{Context, InputObject, Json, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use serde::Serialize;
use taquilla_services as svc;
use uuid::Uuid;

use crate::connection::{connection, window, Conn};
use crate::context::{app, caller};
use crate::error::{parse_input, GqlResult, ResultExt};
use crate::inputs::ItemInput;
use crate::types::from_view;

fn undefined<T>(v: &MaybeUndefined<T>) -> bool {
    v.is_undefined()
}

// ---- inputs ----

/// A coupon to create, or the fields a `updateCoupon` changes (absent ones
/// keep their value; `scriptId: null` detaches the rule script).
#[derive(InputObject, Serialize, Debug, Default)]
pub struct CouponInput {
    /// 3–40 letters, digits, `-` or `_`; matched whatever the case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `percent` or `fixed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Percent (1..=100) or minor units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_uses_per_user: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_quantity: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_ids: Option<Vec<Uuid>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_ids: Option<Vec<Uuid>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_type_ids: Option<Vec<Uuid>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "undefined")]
    pub script_id: MaybeUndefined<Uuid>,
}

/// Price a hold (`holdId`), or items of a session, with an optional coupon.
#[derive(InputObject, Serialize, Debug)]
pub struct QuoteInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<ItemInput>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coupon_code: Option<String>,
}

/// The cart a coupon preview prices.
#[derive(InputObject, Serialize, Debug)]
pub struct CouponCheckInput {
    pub session_id: Uuid,
    pub items: Vec<ItemInput>,
}

/// A new script (version 1).
#[derive(InputObject, Serialize, Debug)]
pub struct ScriptInput {
    pub name: String,
    /// `pricing` (`fn price(ctx)`) or `coupon` (`fn apply(ctx)`).
    pub kind: String,
    /// Pricing scripts: the event they price; absent: the tenant-wide default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<Uuid>,
    pub source: String,
    /// `[{name, context, expected}]`; activation needs them all to pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_cases: Option<Json<serde_json::Value>>,
}

/// A new version of a script.
#[derive(InputObject, Serialize, Debug)]
pub struct ScriptVersionInput {
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_cases: Option<Json<serde_json::Value>>,
}

// ---- outputs ----

#[derive(SimpleObject, Clone)]
pub struct Coupon {
    pub id: Uuid,
    pub code: String,
    pub description: Option<String>,
    /// `percent` or `fixed`.
    pub kind: String,
    pub value: i64,
    pub currency: Option<String>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub max_uses: Option<i32>,
    pub max_uses_per_user: Option<i32>,
    pub min_quantity: i32,
    pub event_ids: Vec<Uuid>,
    pub session_ids: Vec<Uuid>,
    pub ticket_type_ids: Vec<Uuid>,
    pub active: bool,
    pub script_id: Option<Uuid>,
    /// Orders that redeemed it (cancelled and expired ones give theirs back).
    pub uses: i32,
    /// Total discount given, in minor units.
    pub discount_given_minor: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
from_view!(
    Coupon,
    svc::coupons::CouponView,
    [
        id,
        code,
        description,
        kind,
        value,
        currency,
        valid_from,
        valid_until,
        max_uses,
        max_uses_per_user,
        min_quantity,
        event_ids,
        session_ids,
        ticket_type_ids,
        active,
        script_id,
        uses,
        discount_given_minor,
        created_at,
        updated_at
    ]
);

#[derive(SimpleObject, Clone)]
pub struct QuoteLine {
    pub ticket_type_id: Uuid,
    pub name: String,
    pub quantity: u32,
    /// The ticket type's price.
    pub base_price_minor: i64,
    /// What one ticket of this line costs (after the pricing script).
    pub unit_price_minor: i64,
    /// The pricing script's label for this price ("Early bird").
    pub label: Option<String>,
    pub line_total_minor: i64,
}
from_view!(
    QuoteLine,
    svc::quotes::QuoteLine,
    [ticket_type_id, name, quantity, base_price_minor, unit_price_minor, label, line_total_minor]
);

/// What `placeOrder` will charge for the same cart.
#[derive(SimpleObject, Clone)]
pub struct Quote {
    pub session_id: Uuid,
    pub currency: String,
    pub lines: Vec<QuoteLine>,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
    pub coupon_code: Option<String>,
}

impl From<svc::quotes::Quote> for Quote {
    fn from(v: svc::quotes::Quote) -> Self {
        Self {
            session_id: v.session_id,
            currency: v.currency,
            lines: v.lines.into_iter().map(QuoteLine::from).collect(),
            subtotal_minor: v.subtotal_minor,
            discount_minor: v.discount_minor,
            total_minor: v.total_minor,
            coupon_code: v.coupon_code,
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct CouponCheck {
    pub eligible: bool,
    /// Why not, as a stable code (`coupon_expired`, `coupon_rule_declined`…).
    pub code: Option<String>,
    pub reason: Option<String>,
    pub discount_minor: i64,
    /// The cart priced with the coupon (or without it, when not eligible).
    pub quote: Quote,
}
from_view!(CouponCheck, svc::quotes::CouponCheck, [eligible, code, reason, discount_minor], into[quote]);

#[derive(SimpleObject, Clone)]
pub struct Script {
    pub id: Uuid,
    pub name: String,
    /// `pricing` or `coupon`.
    pub kind: String,
    pub event_id: Option<Uuid>,
    pub active_version: Option<i32>,
    pub latest_version: i32,
    /// The latest version's source.
    pub source: String,
    /// The latest version's test cases.
    pub test_cases: Json<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A saved version of a script (`activateScript(version:)` rolls back to it).
#[derive(SimpleObject, Clone)]
pub struct ScriptVersion {
    pub version: i32,
    /// Whether this is the live version.
    pub active: bool,
    pub source: String,
    pub test_cases: Json<serde_json::Value>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl From<svc::scripts::ScriptVersionView> for ScriptVersion {
    fn from(v: svc::scripts::ScriptVersionView) -> Self {
        Self {
            version: v.version,
            active: v.active,
            source: v.source,
            test_cases: Json(v.test_cases),
            created_by: v.created_by,
            created_at: v.created_at,
        }
    }
}

impl From<svc::scripts::ScriptView> for Script {
    fn from(v: svc::scripts::ScriptView) -> Self {
        Self {
            id: v.id,
            name: v.name,
            kind: v.kind,
            event_id: v.event_id,
            active_version: v.active_version,
            latest_version: v.latest_version,
            source: v.source,
            test_cases: Json(v.test_cases),
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// A version compiled and its test cases run.
#[derive(SimpleObject, Clone)]
pub struct ScriptTestReport {
    pub version: i32,
    /// Every case passed (the ad-hoc run does not count).
    pub passed: bool,
    /// A compile error with its line and column (`{code, message, line, column}`).
    pub compile_error: Option<Json<serde_json::Value>>,
    /// One per case: `{name, passed, output, expected, error, logs}`.
    pub results: Json<serde_json::Value>,
}

impl TryFrom<svc::scripts::ScriptTestReport> for ScriptTestReport {
    type Error = taquilla_core::Error;

    fn try_from(r: svc::scripts::ScriptTestReport) -> Result<Self, Self::Error> {
        fn json(v: &impl Serialize) -> Result<serde_json::Value, taquilla_core::Error> {
            serde_json::to_value(v).map_err(taquilla_core::Error::internal)
        }
        Ok(Self {
            version: r.version,
            passed: r.passed,
            compile_error: r.compile_error.as_ref().map(json).transpose()?.map(Json),
            results: Json(json(&r.results)?),
        })
    }
}

// ---- roots ----

#[derive(Default)]
pub struct PricingQuery;

#[Object]
impl PricingQuery {
    /// The tenant's coupons with their use counts (tenant admins, organizers).
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn coupons(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> GqlResult<Conn<Coupon>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let page = window(first, after.as_deref())?;
        let list = app(ctx)?.list_coupons(actor, tenant.id, page).await.gql()?;
        Ok(connection(list, page, Coupon::from))
    }

    async fn coupon(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Option<Coupon>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(Some(app(ctx)?.get_coupon(actor, tenant.id, id).await.gql()?.into()))
    }

    /// Prices a cart exactly as `placeOrder` would charge it, reserving nothing.
    async fn quote(&self, ctx: &Context<'_>, input: QuoteInput) -> GqlResult<Quote> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let body = parse_input("input", &input)?;
        Ok(app(ctx)?.quote(actor, tenant.id, body).await.gql_in("input")?.into())
    }

    /// Previews a coupon on a cart: eligible or not, why, and the priced cart.
    async fn check_coupon(&self, ctx: &Context<'_>, code: String, input: CouponCheckInput) -> GqlResult<CouponCheck> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let body = parse_input("input", &input)?;
        Ok(app(ctx)?.check_coupon(actor, tenant.id, &code, body).await.gql_in("input")?.into())
    }

    /// The tenant's pricing and coupon scripts, each with its latest version (tenant admins).
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn scripts(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> GqlResult<Conn<Script>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let page = window(first, after.as_deref())?;
        let list = app(ctx)?.list_scripts(actor, tenant.id, page).await.gql()?;
        Ok(connection(list, page, Script::from))
    }

    async fn script(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Option<Script>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(Some(app(ctx)?.get_script(actor, tenant.id, id).await.gql()?.into()))
    }

    /// A script's saved versions, newest first (tenant admins).
    #[graphql(complexity = "crate::connection::page_cost(first, child_complexity)")]
    async fn script_versions(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Conn<ScriptVersion>> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let page = window(first, after.as_deref())?;
        let list = app(ctx)?.list_script_versions(actor, tenant.id, id, page).await.gql()?;
        Ok(connection(list, page, ScriptVersion::from))
    }
}

#[derive(Default)]
pub struct PricingMutation;

#[Object]
impl PricingMutation {
    /// Creates a coupon (`code`, `kind` and `value` required).
    async fn create_coupon(&self, ctx: &Context<'_>, input: CouponInput) -> GqlResult<Coupon> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let body = parse_input("input", &input)?;
        Ok(app(ctx)?.create_coupon(actor, tenant.id, body).await.gql_in("input")?.into())
    }

    async fn update_coupon(&self, ctx: &Context<'_>, id: Uuid, input: CouponInput) -> GqlResult<Coupon> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let body = parse_input("input", &input)?;
        Ok(app(ctx)?.update_coupon(actor, tenant.id, id, body).await.gql_in("input")?.into())
    }

    /// Deletes a coupon: its code can be used again; orders keep their record.
    async fn delete_coupon(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<bool> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        app(ctx)?.delete_coupon(actor, tenant.id, id).await.gql()?;
        Ok(true)
    }

    async fn create_script(&self, ctx: &Context<'_>, input: ScriptInput) -> GqlResult<Script> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let body = parse_input("input", &input)?;
        Ok(app(ctx)?.create_script(actor, tenant.id, body).await.gql_in("input")?.into())
    }

    /// Saves a new version; the active one stays until another is activated.
    async fn save_script_version(&self, ctx: &Context<'_>, id: Uuid, input: ScriptVersionInput) -> GqlResult<Script> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let body = parse_input("input", &input)?;
        Ok(app(ctx)?.save_script_version(actor, tenant.id, id, body).await.gql_in("input")?.into())
    }

    /// Compiles a version (default: the latest) and runs its test cases, and
    /// `context` as an ad-hoc case named `adhoc`.
    async fn test_script(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        version: Option<i32>,
        context: Option<Json<serde_json::Value>>,
    ) -> GqlResult<ScriptTestReport> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let input = svc::scripts::ScriptRunInput { version, context: context.map(|c| c.0) };
        let report = app(ctx)?.test_script(actor, tenant.id, id, input).await.gql()?;
        Ok(ScriptTestReport::try_from(report).gql()?)
    }

    /// Makes a version live if it compiles and passes its test cases; an
    /// older version is the rollback.
    async fn activate_script(&self, ctx: &Context<'_>, id: Uuid, version: Option<i32>) -> GqlResult<Script> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        let input = svc::scripts::ScriptRunInput { version, context: None };
        Ok(app(ctx)?.activate_script(actor, tenant.id, id, input).await.gql()?.into())
    }

    async fn deactivate_script(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Script> {
        let (tenant, actor) = caller(ctx)?.authed()?;
        Ok(app(ctx)?.deactivate_script(actor, tenant.id, id).await.gql()?.into())
    }
}

//! Coupons: a code (case-insensitive, unique per tenant) worth a percentage
//! or a fixed amount off the lines it applies to, within a validity window,
//! with limits overall and per buyer, and optionally a rule script. Uses of a
//! limited coupon are counted in the order's own transaction under the
//! coupon's row lock, so a limit holds exactly however many orders race for
//! it; an unlimited one is never a queue (see [`redeem`]). A cancelled or
//! expired order gives its use back.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use serde::{Deserialize, Serialize};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::roles::Permission;
use taquilla_core::{Actor, Error, ErrorKind, Result};
use taquilla_store::TenantTx;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::App;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CouponKind {
    /// `value` percent off (1..=100).
    Percent,
    /// `value` minor units of `currency` off.
    Fixed,
}

impl CouponKind {
    fn as_str(self) -> &'static str {
        match self {
            CouponKind::Percent => "percent",
            CouponKind::Fixed => "fixed",
        }
    }
}

/// A coupon as created, or as a `PATCH` leaves it (absent fields keep their value).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CouponInput {
    /// 3–40 letters, digits, `-` or `_`; matched whatever the case.
    pub code: Option<String>,
    pub description: Option<String>,
    pub kind: Option<CouponKind>,
    /// Percent (1..=100) or minor units.
    pub value: Option<i64>,
    /// Required for `fixed` coupons: only carts in this currency qualify.
    pub currency: Option<String>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub max_uses: Option<i32>,
    pub max_uses_per_user: Option<i32>,
    /// Fewest tickets (of the lines it applies to) in the cart.
    pub min_quantity: Option<i32>,
    /// Empty or absent: any event / session / ticket type.
    pub event_ids: Option<Vec<Uuid>>,
    pub session_ids: Option<Vec<Uuid>>,
    pub ticket_type_ids: Option<Vec<Uuid>>,
    pub active: Option<bool>,
    /// A coupon rule script (kind `coupon`) whose active version decides, per
    /// line, eligibility and the discount; `null` detaches it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub script_id: Option<Option<Uuid>>,
}

/// A field given (even as `null`) is `Some`: `PATCH` can clear it.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> std::result::Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Serialize, ToSchema, FromQueryResult)]
pub struct CouponView {
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
    /// The rule script deciding eligibility and discount, if any.
    pub script_id: Option<Uuid>,
    /// Orders that redeemed it (cancelled and expired ones give theirs back).
    pub uses: i32,
    /// Total discount given, in minor units.
    pub discount_given_minor: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Use counts come from the redemptions themselves: the `uses` column is
/// only the counter that enforces limits (see [`redeem`]).
const COLUMNS: &str = "id, code, description, kind, value, currency, valid_from, valid_until, max_uses, \
     max_uses_per_user, min_quantity, event_ids, session_ids, ticket_type_ids, active, script_id, \
     (SELECT count(*)::int FROM coupon_redemptions r WHERE r.coupon_id = coupons.id) AS uses, \
     (SELECT coalesce(sum(r.discount_minor), 0)::bigint FROM coupon_redemptions r WHERE r.coupon_id = coupons.id) \
       AS discount_given_minor, created_at, updated_at";

/// The same of `coupons c`, with the limit counter as `uses` (exact for
/// coupons with a limit, which are the only ones it is checked for): what an
/// order reads, without aggregating every redemption on the way.
const RULE_COLUMNS: &str = "c.id, c.code, c.description, c.kind, c.value, c.currency, c.valid_from, c.valid_until, \
     c.max_uses, c.max_uses_per_user, c.min_quantity, c.event_ids, c.session_ids, c.ticket_type_ids, c.active, \
     c.script_id, c.uses, c.discount_given_minor, c.created_at, c.updated_at";

/// A coupon as an order sees it: what it applies to and how much it takes off.
pub(crate) struct Coupon {
    pub view: CouponView,
    /// The active version of its rule script, if it has one.
    pub rule: Option<crate::scripts::ActiveScript>,
}

/// One cart line, as the coupon rules need it.
pub(crate) struct CartLine {
    pub ticket_type_id: Uuid,
    pub quantity: u32,
    pub line_total_minor: i64,
}

/// Why a coupon does not apply: a stable code and words for the buyer.
#[derive(Debug, Clone)]
pub(crate) struct NotEligible {
    pub code: &'static str,
    pub reason: String,
}

impl NotEligible {
    fn new(code: &'static str, reason: impl Into<String>) -> Self {
        NotEligible { code, reason: reason.into() }
    }

    pub fn rule_inactive() -> Self {
        NotEligible::new("coupon_inactive", "this coupon's rule is not active")
    }

    /// The coupon's rule script said no, for `reason` (the buyer sees it).
    pub fn declined(reason: String) -> Self {
        NotEligible { code: "coupon_rule_declined", reason }
    }

    pub fn into_error(self) -> Error {
        Error::new(ErrorKind::Validation, self.code, self.reason).with_field("coupon_code")
    }
}

impl Coupon {
    /// Whether the coupon applies to tickets of this type.
    pub fn applies_to(&self, ticket_type_id: Uuid) -> bool {
        self.view.ticket_type_ids.is_empty() || self.view.ticket_type_ids.contains(&ticket_type_id)
    }

    /// The coupon as its rule script sees it (`ctx.coupon`).
    pub fn facts(&self) -> taquilla_scripting::CouponFacts {
        let c = &self.view;
        taquilla_scripting::CouponFacts {
            code: c.code.clone(),
            kind: if c.kind == "fixed" {
                taquilla_scripting::CouponKind::Fixed
            } else {
                taquilla_scripting::CouponKind::Percent
            },
            value: c.value,
            min_quantity: i64::from(c.min_quantity),
            valid_from: c.valid_from,
            valid_until: c.valid_until,
        }
    }

    /// The discount on these lines, or why there is none. `user_uses` is
    /// how often this buyer redeemed it before.
    pub fn discount(
        &self,
        (event_id, session_id, currency): (Uuid, Uuid, &str),
        lines: &[CartLine],
        user_uses: i64,
        now: DateTime<Utc>,
    ) -> std::result::Result<i64, NotEligible> {
        let c = &self.view;
        if !c.active {
            return Err(NotEligible::new("coupon_inactive", "this coupon is not active"));
        }
        if c.valid_from.is_some_and(|f| now < f) {
            return Err(NotEligible::new("coupon_not_yet_valid", "this coupon is not valid yet"));
        }
        if c.valid_until.is_some_and(|u| now >= u) {
            return Err(NotEligible::new("coupon_expired", "this coupon has expired"));
        }
        if c.max_uses.is_some_and(|m| c.uses >= m) {
            return Err(NotEligible::new("coupon_used_up", "this coupon has been used up"));
        }
        if c.max_uses_per_user.is_some_and(|m| user_uses >= i64::from(m)) {
            return Err(NotEligible::new("coupon_used_by_user", "you have already used this coupon"));
        }
        if (!c.event_ids.is_empty() && !c.event_ids.contains(&event_id))
            || (!c.session_ids.is_empty() && !c.session_ids.contains(&session_id))
        {
            return Err(NotEligible::new("coupon_not_applicable", "this coupon does not apply to this event"));
        }
        if c.kind == "fixed" && c.currency.as_deref() != Some(currency) {
            return Err(NotEligible::new("coupon_not_applicable", "this coupon is for another currency"));
        }
        let eligible = lines.iter().filter(|l| self.applies_to(l.ticket_type_id));
        let (quantity, total) =
            eligible.fold((0i64, 0i64), |(q, t), l| (q + i64::from(l.quantity), t.saturating_add(l.line_total_minor)));
        if quantity == 0 {
            return Err(NotEligible::new("coupon_not_applicable", "this coupon does not apply to these tickets"));
        }
        if quantity < i64::from(c.min_quantity) {
            return Err(NotEligible::new(
                "coupon_min_quantity",
                format!("this coupon needs at least {} eligible tickets", c.min_quantity),
            ));
        }
        // Percent rounds down: the buyer never gets more than the rate says.
        let off = if c.kind == "percent" { total.saturating_mul(c.value) / 100 } else { c.value.min(total) };
        Ok(off.max(0))
    }
}

pub(crate) fn code_key(code: &str) -> String {
    code.trim().to_lowercase()
}

/// The rules a coupon must satisfy, checked on the merged result of a
/// create or a patch.
fn validate(c: &CouponView) -> Result<()> {
    let code = c.code.trim();
    if !(3..=40).contains(&code.chars().count())
        || !code.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
    {
        return Err(Error::validation("code", "invalid_code", "3-40 letters, digits, '-' or '_'"));
    }
    if c.description.as_ref().is_some_and(|d| d.chars().count() > 500) {
        return Err(Error::validation("description", "too_long", "at most 500 characters"));
    }
    match c.kind.as_str() {
        "percent" if !(1..=100).contains(&c.value) => {
            return Err(Error::validation("value", "out_of_range", "a percentage is 1..=100"));
        }
        "fixed" if c.value <= 0 => return Err(Error::validation("value", "out_of_range", "must be positive")),
        "fixed" if c.currency.is_none() => {
            return Err(Error::validation("currency", "required", "a fixed discount names its currency"));
        }
        _ if c.value <= 0 => return Err(Error::validation("value", "out_of_range", "must be positive")),
        _ => {}
    }
    if let Some(cur) = &c.currency {
        if cur.len() != 3 || !cur.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Error::validation("currency", "invalid_currency", "an ISO 4217 code such as EUR"));
        }
    }
    if let (Some(f), Some(u)) = (c.valid_from, c.valid_until) {
        if u <= f {
            return Err(Error::validation("valid_until", "before_start", "must be after valid_from"));
        }
    }
    for (field, v) in
        [("max_uses", c.max_uses), ("max_uses_per_user", c.max_uses_per_user), ("min_quantity", Some(c.min_quantity))]
    {
        if v.is_some_and(|n| !(1..=10_000_000).contains(&n)) {
            return Err(Error::validation(field, "out_of_range", "must be 1..=10000000"));
        }
    }
    for (field, ids) in
        [("event_ids", &c.event_ids), ("session_ids", &c.session_ids), ("ticket_type_ids", &c.ticket_type_ids)]
    {
        if ids.len() > 100 {
            return Err(Error::validation(field, "too_many", "at most 100 ids"));
        }
    }
    Ok(())
}

/// `input` laid over `base` (a new coupon's defaults, or the stored one).
fn merge(mut base: CouponView, input: CouponInput) -> CouponView {
    if let Some(v) = input.code {
        base.code = v.trim().to_owned();
    }
    if input.description.is_some() {
        base.description = input.description;
    }
    if let Some(v) = input.kind {
        base.kind = v.as_str().to_owned();
    }
    if let Some(v) = input.value {
        base.value = v;
    }
    if input.currency.is_some() {
        base.currency = input.currency;
    }
    if input.valid_from.is_some() {
        base.valid_from = input.valid_from;
    }
    if input.valid_until.is_some() {
        base.valid_until = input.valid_until;
    }
    if input.max_uses.is_some() {
        base.max_uses = input.max_uses;
    }
    if input.max_uses_per_user.is_some() {
        base.max_uses_per_user = input.max_uses_per_user;
    }
    if let Some(v) = input.min_quantity {
        base.min_quantity = v;
    }
    if let Some(v) = input.event_ids {
        base.event_ids = v;
    }
    if let Some(v) = input.session_ids {
        base.session_ids = v;
    }
    if let Some(v) = input.ticket_type_ids {
        base.ticket_type_ids = v;
    }
    if let Some(v) = input.active {
        base.active = v;
    }
    if let Some(v) = input.script_id {
        base.script_id = v;
    }
    base
}

/// The stored columns after `id`, in the order both INSERT and UPDATE name them
/// (`code` … `script_id`, parameters $2..$17).
fn columns(c: CouponView) -> Vec<sea_orm::Value> {
    let key = code_key(&c.code);
    vec![
        c.code.into(),
        key.into(),
        c.description.into(),
        c.kind.into(),
        c.value.into(),
        c.currency.into(),
        c.valid_from.into(),
        c.valid_until.into(),
        c.max_uses.into(),
        c.max_uses_per_user.into(),
        c.min_quantity.into(),
        c.event_ids.into(),
        c.session_ids.into(),
        c.ticket_type_ids.into(),
        c.active.into(),
        c.script_id.into(),
    ]
}

/// A coupon's rule script must be one of the tenant's coupon scripts.
async fn check_script(tx: &TenantTx, script_id: Option<Uuid>) -> Result<()> {
    let Some(id) = script_id else { return Ok(()) };
    #[derive(FromQueryResult)]
    struct Kind {
        kind: String,
    }
    let kind = Kind::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT kind FROM scripts WHERE id = $1",
        [id.into()],
    ))
    .one(&**tx)
    .await?;
    match kind {
        None => Err(Error::validation("script_id", "unknown_script", "no such script")),
        Some(k) if k.kind != "coupon" => {
            Err(Error::validation("script_id", "wrong_script_kind", "a coupon's rule must be a `coupon` script"))
        }
        Some(_) => Ok(()),
    }
}

fn duplicate(e: sea_orm::DbErr) -> Error {
    match taquilla_store::pg_code(&e).as_deref() {
        Some(taquilla_store::UNIQUE_VIOLATION) => {
            Error::conflict("duplicate_code", "a coupon with this code exists").with_field("code")
        }
        _ => Error::from(e),
    }
}

async fn find(tx: &TenantTx, filter: &str, arg: sea_orm::Value) -> Result<Option<CouponView>> {
    Ok(CouponView::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT {COLUMNS} FROM coupons WHERE {filter} AND deleted_at IS NULL"),
        [arg],
    ))
    .one(&**tx)
    .await?)
}

/// The coupon with this code (any case), and how often `user_id` used it
/// (counted only when a per-buyer limit makes it matter).
/// The coupon whose code key is `$3` and its rule's active version: a
/// `LATERAL` part of `quotes::lookups` (one round trip with the pricing
/// script, built once), read back by [`coupon_of`].
pub(crate) fn by_code_sql() -> String {
    format!(
        "SELECT {RULE_COLUMNS}, v.version AS rule_version, v.source AS rule_source \
         FROM coupons c LEFT JOIN scripts s ON s.id = c.script_id \
         LEFT JOIN script_versions v ON v.script_id = s.id AND v.version = s.active_version \
         WHERE c.code_key = $3 AND c.deleted_at IS NULL"
    )
}

/// The coupon [`by_code_sql`] found (`unknown_coupon` when none), with the
/// buyer's uses of it when it counts them.
pub(crate) async fn coupon_of(tx: &TenantTx, row: &sea_orm::QueryResult, user_id: Uuid) -> Result<(Coupon, i64)> {
    #[derive(FromQueryResult)]
    struct Rule {
        rule_version: Option<i32>,
        rule_source: Option<String>,
    }
    if row.try_get::<Option<Uuid>>("", "id")?.is_none() {
        return Err(Error::new(ErrorKind::Validation, "unknown_coupon", "no such coupon").with_field("coupon_code"));
    }
    let view = CouponView::from_query_result(row, "")?;
    let rule = match (view.script_id, Rule::from_query_result(row, "")?) {
        (Some(id), Rule { rule_version: Some(version), rule_source: Some(source) }) => {
            Some(crate::scripts::ActiveScript { id, version, source })
        }
        _ => None,
    };
    let uses = match view.max_uses_per_user {
        Some(_) => user_uses(tx, view.id, user_id).await?,
        None => 0,
    };
    Ok((Coupon { view, rule }, uses))
}

async fn user_uses(tx: &TenantTx, coupon_id: Uuid, user_id: Uuid) -> Result<i64> {
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    Ok(N::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT count(*) AS n FROM coupon_redemptions WHERE coupon_id = $1 AND user_id = $2",
        [coupon_id.into(), user_id.into()],
    ))
    .one(&**tx)
    .await?
    .map_or(0, |n| n.n))
}

/// Counts a use for `order_id` of a coupon with a limit (overall or per
/// buyer), under its row lock: the `UPDATE` re-checks the overall limit,
/// and with the lock held every earlier redemption is committed and
/// visible, so the per-buyer count that follows is exact too. A refusal
/// fails the whole order.
///
/// A coupon without limits needs no count to be exact, so it takes no lock
/// at all: its redemption row is written by the order's own insert
/// (`orders::insert_order`), and concurrent orders on a flash-sale promo
/// code neither queue nor pile shared locks on its row (tenant migration
/// t0013). An edit that adds a limit takes `coupon_redemptions` in SHARE
/// mode first, so it waits for the redemptions in flight, recounts `uses`
/// with all of them, and every later order (whose statement starts after
/// the edit commits) sees the limit and comes here.
pub(crate) async fn redeem(
    tx: &TenantTx,
    coupon_id: Uuid,
    order_id: Uuid,
    user_id: Uuid,
    discount_minor: i64,
) -> Result<()> {
    #[derive(FromQueryResult)]
    struct Limits {
        max_uses_per_user: Option<i32>,
    }
    let limits = Limits::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE coupons SET uses = uses + 1, discount_given_minor = discount_given_minor + $2, updated_at = now() \
         WHERE id = $1 AND active AND deleted_at IS NULL AND (max_uses IS NULL OR uses < max_uses) \
         RETURNING max_uses_per_user",
        [coupon_id.into(), discount_minor.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| NotEligible::new("coupon_used_up", "this coupon has been used up").into_error())?;
    if let Some(max) = limits.max_uses_per_user {
        if user_uses(tx, coupon_id, user_id).await? >= i64::from(max) {
            return Err(NotEligible::new("coupon_used_by_user", "you have already used this coupon").into_error());
        }
    }
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO coupon_redemptions (order_id, coupon_id, user_id, discount_minor) VALUES ($1, $2, $3, $4)",
        [order_id.into(), coupon_id.into(), user_id.into(), discount_minor.into()],
    ))
    .await?;
    Ok(())
}

/// Gives back the coupon uses of orders that did not go through
/// (cancelled, expired, voided). A no-op for orders without a coupon.
pub(crate) async fn give_back(tx: &TenantTx, order_ids: &[Uuid]) -> Result<()> {
    if order_ids.is_empty() {
        return Ok(());
    }
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "WITH r AS (DELETE FROM coupon_redemptions WHERE order_id = ANY($1) RETURNING coupon_id, discount_minor), \
              g AS (SELECT coupon_id, count(*)::int AS n, sum(discount_minor)::bigint AS d FROM r GROUP BY coupon_id) \
         UPDATE coupons c SET uses = c.uses - g.n, discount_given_minor = c.discount_given_minor - g.d, updated_at = now() \
         FROM g WHERE c.id = g.coupon_id AND (c.max_uses IS NOT NULL OR c.max_uses_per_user IS NOT NULL)",
        [order_ids.to_vec().into()],
    ))
    .await?;
    Ok(())
}

impl App {
    pub async fn create_coupon(&self, actor: &Actor, tenant_id: Uuid, input: CouponInput) -> Result<CouponView> {
        actor.require(Permission::ManageCoupons)?;
        for (field, missing) in
            [("code", input.code.is_none()), ("kind", input.kind.is_none()), ("value", input.value.is_none())]
        {
            if missing {
                return Err(Error::validation(field, "required", "required"));
            }
        }
        let now = crate::now();
        let base = CouponView {
            id: Uuid::now_v7(),
            code: String::new(),
            description: None,
            kind: String::new(),
            value: 0,
            currency: None,
            valid_from: None,
            valid_until: None,
            max_uses: None,
            max_uses_per_user: None,
            min_quantity: 1,
            event_ids: vec![],
            session_ids: vec![],
            ticket_type_ids: vec![],
            active: true,
            script_id: None,
            uses: 0,
            discount_given_minor: 0,
            created_at: now,
            updated_at: now,
        };
        let c = merge(base, input);
        validate(&c)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        check_script(&tx, c.script_id).await?;
        let row = CouponView::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "INSERT INTO coupons (id, code, code_key, description, kind, value, currency, valid_from, valid_until, \
                   max_uses, max_uses_per_user, min_quantity, event_ids, session_ids, ticket_type_ids, active, script_id, \
                   created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
                 RETURNING {COLUMNS}"
            ),
            [vec![c.id.into()], columns(c), vec![actor.user_id.into()]].concat(),
        ))
        .one(&*tx)
        .await
        .map_err(duplicate)?
        .ok_or_else(|| Error::internal_msg("insert returned nothing"))?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn list_coupons(&self, actor: &Actor, tenant_id: Uuid, page: PageRequest) -> Result<Page<CouponView>> {
        #[derive(FromQueryResult)]
        struct N {
            n: i64,
        }
        actor.require(Permission::ManageCoupons)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let total = N::find_by_statement(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM coupons WHERE deleted_at IS NULL".to_owned(),
        ))
        .one(&*tx)
        .await?
        .map_or(0, |n| n.n.max(0) as u64);
        let rows = CouponView::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {COLUMNS} FROM coupons WHERE deleted_at IS NULL ORDER BY created_at, id LIMIT $1 OFFSET $2"
            ),
            [(page.per_page as i64).into(), (page.offset() as i64).into()],
        ))
        .all(&*tx)
        .await?;
        tx.commit().await?;
        Ok(Page::new(rows, total, page))
    }

    pub async fn get_coupon(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<CouponView> {
        actor.require(Permission::ManageCoupons)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let c = find(&tx, "id = $1", id.into()).await?.ok_or_else(|| Error::not_found("coupon"))?;
        tx.commit().await?;
        Ok(c)
    }

    pub async fn update_coupon(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        id: Uuid,
        input: CouponInput,
    ) -> Result<CouponView> {
        actor.require(Permission::ManageCoupons)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        // First, before the coupon's row: wait for redemptions in flight
        // (they hold ROW EXCLUSIVE from their first statement on the table)
        // and hold new ones back until this edit commits, so the recount
        // below is exact and a new limit applies to every later order.
        tx.execute_unprepared("LOCK TABLE coupon_redemptions IN SHARE MODE").await?;
        let current = CouponView::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {COLUMNS} FROM coupons WHERE id = $1 AND deleted_at IS NULL FOR UPDATE"),
            [id.into()],
        ))
        .one(&*tx)
        .await?
        .ok_or_else(|| Error::not_found("coupon"))?;
        let c = merge(current, input);
        validate(&c)?;
        check_script(&tx, c.script_id).await?;
        let row = CouponView::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "UPDATE coupons SET code = $2, code_key = $3, description = $4, kind = $5, value = $6, currency = $7, \
                   valid_from = $8, valid_until = $9, max_uses = $10, max_uses_per_user = $11, min_quantity = $12, \
                   event_ids = $13, session_ids = $14, ticket_type_ids = $15, active = $16, script_id = $17, \
                   uses = (SELECT count(*) FROM coupon_redemptions WHERE coupon_id = $1), \
                   discount_given_minor = (SELECT coalesce(sum(discount_minor), 0) FROM coupon_redemptions \
                                           WHERE coupon_id = $1), \
                   updated_at = now() \
                 WHERE id = $1 RETURNING {COLUMNS}"
            ),
            [vec![id.into()], columns(c)].concat(),
        ))
        .one(&*tx)
        .await
        .map_err(duplicate)?
        .ok_or_else(|| Error::not_found("coupon"))?;
        tx.commit().await?;
        Ok(row)
    }

    /// Deletes a coupon: its code can be used again; orders keep their record.
    pub async fn delete_coupon(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<()> {
        actor.require(Permission::ManageCoupons)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let res = tx
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE coupons SET deleted_at = now(), active = false, updated_at = now() WHERE id = $1 AND deleted_at IS NULL",
                [id.into()],
            ))
            .await?;
        if res.rows_affected() == 0 {
            return Err(Error::not_found("coupon"));
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coupon(kind: &str, value: i64) -> Coupon {
        let now = Utc::now();
        Coupon {
            view: CouponView {
                id: Uuid::nil(),
                code: "SAVE".into(),
                description: None,
                kind: kind.into(),
                value,
                currency: Some("EUR".into()),
                valid_from: None,
                valid_until: None,
                max_uses: Some(10),
                max_uses_per_user: Some(1),
                min_quantity: 2,
                event_ids: vec![],
                session_ids: vec![],
                ticket_type_ids: vec![],
                active: true,
                script_id: None,
                uses: 0,
                discount_given_minor: 0,
                created_at: now,
                updated_at: now,
            },
            rule: None,
        }
    }

    fn line(q: u32, unit: i64) -> CartLine {
        CartLine { ticket_type_id: Uuid::nil(), quantity: q, line_total_minor: unit * i64::from(q) }
    }

    #[test]
    fn discounts_round_down_and_never_exceed_the_lines() {
        let ids = (Uuid::nil(), Uuid::nil(), "EUR");
        let now = Utc::now();
        assert_eq!(coupon("percent", 15).discount(ids, &[line(3, 999)], 0, now).unwrap(), 449);
        assert_eq!(coupon("fixed", 5_000).discount(ids, &[line(2, 1_000)], 0, now).unwrap(), 2_000);
        assert_eq!(
            coupon("percent", 20).discount(ids, &[line(1, 1_000)], 0, now).unwrap_err().code,
            "coupon_min_quantity"
        );
        assert_eq!(
            coupon("percent", 20).discount(ids, &[line(2, 1_000)], 1, now).unwrap_err().code,
            "coupon_used_by_user"
        );
        assert_eq!(
            coupon("fixed", 100)
                .discount((Uuid::nil(), Uuid::nil(), "USD"), &[line(2, 1_000)], 0, now)
                .unwrap_err()
                .code,
            "coupon_not_applicable"
        );
        let mut late = coupon("percent", 20);
        late.view.valid_until = Some(now);
        assert_eq!(late.discount(ids, &[line(2, 1_000)], 0, now).unwrap_err().code, "coupon_expired");
    }
}

//! Outgoing webhooks: the endpoint registry, the fan-out of outbox events
//! into one message per subscribed endpoint, and the delivery worker.
//!
//! Delivery is at least once, never lost: a message is claimed with a lease
//! (`next_attempt_at` moves past the attempt's timeout) in a short
//! transaction, sent, and its result recorded in another. A process killed
//! mid-delivery leaves the message pending; when the lease runs out another
//! worker sends it again under the same `webhook-id`, which receivers
//! deduplicate on.

use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use serde::{Deserialize, Deserializer, Serialize};
use taquilla_core::page::{Page, PageRequest};
use taquilla_core::roles::Permission;
use taquilla_core::text::Text;
use taquilla_core::{Actor, Error, Result};
use taquilla_store::outbox::{self, kind, Consumer};
use taquilla_store::TenantTx;
use taquilla_webhooks::{signature_header, RetrySchedule, Secret, SenderConfig, Signed};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::App;

/// Settings of the webhook worker and sender.
#[derive(Debug, Clone)]
pub struct WebhooksConfig {
    pub sender: SenderConfig,
    pub schedule: RetrySchedule,
    /// How often the worker looks for new events and due messages.
    pub poll: Duration,
    /// An endpoint failing without a break for this long is turned off.
    pub disable_after: Duration,
    /// How long the previous secret keeps signing after a rotation.
    pub rotation_overlap: Duration,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        Self {
            sender: SenderConfig::default(),
            schedule: RetrySchedule::default(),
            poll: Duration::from_millis(500),
            disable_after: Duration::from_secs(5 * 24 * 3600),
            rotation_overlap: Duration::from_secs(24 * 3600),
        }
    }
}

/// Endpoints one tenant may register.
const MAX_ENDPOINTS: i64 = 50;
/// Messages claimed per pass and tenant, and sent at once.
const CLAIM_BATCH: i64 = 64;
const CONCURRENT_SENDS: usize = 16;
/// Outbox events fanned out per pass and tenant.
const FANOUT_BATCH: i64 = 500;
/// The type of the ping `POST …/test` sends.
pub const TEST_EVENT: &str = "webhook.test";

/// `"field": null` is `Some(None)` (clear it), a missing field is `None`.
fn double_option<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> std::result::Result<Option<Option<T>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointInput {
    /// Where messages are POSTed: https, and not an internal address.
    #[schema(example = "https://partner.example.com/hooks/taquilla")]
    pub url: String,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Option<Text<0, 500>>,
    /// Event types to receive; omitted or null for every type.
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointPatch {
    pub url: Option<String>,
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Option<Text<0, 500>>,
    /// A list of event types, or null for every type.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    pub event_types: Option<Option<Vec<String>>>,
    /// Turning an endpoint back on clears the platform's reason for turning
    /// it off and its failure streak.
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EndpointView {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    /// Null: every event type.
    pub event_types: Option<Vec<String>>,
    pub enabled: bool,
    /// Set when the platform turned the endpoint off (it kept failing).
    pub disabled_reason: Option<String>,
    /// Start of the current run of failed attempts.
    pub failing_since: Option<DateTime<Utc>>,
    /// While a rotated-out secret still signs (both signatures are sent).
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The endpoint with its signing secret: the only time the secret is shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EndpointWithSecret {
    #[serde(flatten)]
    pub endpoint: EndpointView,
    /// `whsec_<base64>`: verify `webhook-signature` with it.
    pub secret: String,
}

#[derive(FromQueryResult)]
struct EndpointRow {
    id: Uuid,
    url: String,
    description: String,
    event_types: Option<serde_json::Value>,
    enabled: bool,
    disabled_reason: Option<String>,
    failing_since: Option<DateTime<Utc>>,
    previous_secret_expires_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const ENDPOINT_COLUMNS: &str = "id, url, description, event_types, enabled, disabled_reason, failing_since, \
     CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END AS previous_secret_expires_at, \
     created_at, updated_at";

impl From<EndpointRow> for EndpointView {
    fn from(r: EndpointRow) -> Self {
        let event_types = r.event_types.and_then(|v| serde_json::from_value(v).ok());
        EndpointView {
            id: r.id,
            url: r.url,
            description: r.description,
            event_types,
            enabled: r.enabled,
            disabled_reason: r.disabled_reason,
            failing_since: r.failing_since,
            previous_secret_expires_at: r.previous_secret_expires_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema, FromQueryResult)]
pub struct MessageView {
    pub id: Uuid,
    /// The `webhook-id` header: the same on every retry and replay.
    pub webhook_id: String,
    pub endpoint_id: Uuid,
    pub event_id: Uuid,
    /// The event's position in the tenant's outbox (null for test pings).
    pub sequence: Option<i64>,
    pub event_type: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub attempts: i32,
    /// When a pending message is next tried.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The JSON body sent: `{type, timestamp, data}`.
    pub body: serde_json::Value,
}

const MESSAGE_COLUMNS: &str =
    "m.id, 'msg_' || replace(m.event_id::text, '-', '') AS webhook_id, m.endpoint_id, m.event_id, \
     m.outbox_seq AS sequence, m.event_type, m.status, m.attempts, \
     CASE WHEN m.status = 'pending' THEN m.next_attempt_at END AS next_attempt_at, \
     m.last_status_code, m.last_error, m.delivered_at, m.created_at, m.body";

#[derive(Debug, Clone, Serialize, ToSchema, FromQueryResult)]
pub struct AttemptView {
    pub id: Uuid,
    pub message_id: Uuid,
    pub endpoint_id: Uuid,
    /// 1 for the first attempt of the message, and so on.
    pub attempt: i32,
    pub url: String,
    /// Null when no response arrived (timeout, refused connection, blocked address).
    pub status_code: Option<i32>,
    pub response_ms: i32,
    /// The first KiB of the response body.
    pub response_body: String,
    pub error: Option<String>,
    pub succeeded: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
pub struct MessageFilter {
    pub endpoint_id: Option<Uuid>,
    pub status: Option<String>,
    pub event_type: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SecretRotated {
    /// The new `whsec_…` secret, shown once.
    pub secret: String,
    /// Until then messages carry a signature with the previous secret too.
    pub previous_secret_expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Replayed {
    /// Messages queued again (failed ones) or for the first time.
    pub queued: u64,
}

/// What one worker pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassStats {
    pub fanned_out: u64,
    pub delivered: u64,
    pub failed_attempts: u64,
}

#[derive(FromQueryResult)]
struct N {
    n: i64,
}

fn check_event_types(types: &[String]) -> Result<Vec<String>> {
    if types.is_empty() {
        return Err(Error::validation(
            "event_types",
            "empty",
            "list at least one event type, or send null for every type",
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(types.len());
    for (i, t) in types.iter().enumerate() {
        if !kind::ALL.contains(&t.as_str()) {
            return Err(Error::validation(
                format!("event_types[{i}]"),
                "unknown_event_type",
                format!("unknown event type {t:?}; known: {}", kind::ALL.join(", ")),
            ));
        }
        if !out.contains(t) {
            out.push(t.clone());
        }
    }
    Ok(out)
}

fn types_json(types: Option<Vec<String>>) -> Option<serde_json::Value> {
    types.map(|t| serde_json::Value::from(t.into_iter().map(serde_json::Value::from).collect::<Vec<_>>()))
}

async fn endpoint(tx: &TenantTx, id: Uuid) -> Result<EndpointView> {
    EndpointRow::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1"),
        [id.into()],
    ))
    .one(&**tx)
    .await?
    .map(EndpointView::from)
    .ok_or_else(|| Error::not_found("webhook endpoint"))
}

async fn message(tx: &TenantTx, id: Uuid) -> Result<MessageView> {
    MessageView::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT {MESSAGE_COLUMNS} FROM webhook_messages m WHERE m.id = $1"),
        [id.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::not_found("webhook message"))
}

/// A message claimed for one attempt.
#[derive(FromQueryResult)]
struct Claimed {
    id: Uuid,
    endpoint_id: Uuid,
    event_id: Uuid,
    outbox_seq: Option<i64>,
    body: serde_json::Value,
    attempts: i32,
    url: String,
    secret: String,
    previous_secret: Option<String>,
}

/// The body in the order the specification shows it.
#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    kind: &'a serde_json::Value,
    timestamp: &'a serde_json::Value,
    data: &'a serde_json::Value,
}

struct Attempted {
    claimed: Claimed,
    outcome: taquilla_webhooks::Outcome,
}

impl App {
    fn webhook_policy(&self) -> taquilla_webhooks::UrlPolicy {
        self.config.webhooks.sender.policy
    }

    async fn checked_url(&self, raw: &str) -> Result<String> {
        self.webhook_policy()
            .check(raw)
            .await
            .map(|u| u.to_string())
            .map_err(|e| Error::validation("url", e.code(), e.to_string()))
    }

    pub async fn create_webhook_endpoint(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        input: EndpointInput,
    ) -> Result<EndpointWithSecret> {
        actor.require(Permission::ManageWebhooks)?;
        let url = self.checked_url(&input.url).await?;
        let types = input.event_types.as_deref().map(check_event_types).transpose()?;
        let secret = Secret::generate();
        let tx = self.store.tenant_tx(tenant_id).await?;
        let count = N::find_by_statement(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM webhook_endpoints".to_owned(),
        ))
        .one(&*tx)
        .await?
        .map_or(0, |n| n.n);
        if count >= MAX_ENDPOINTS {
            return Err(Error::conflict(
                "too_many_endpoints",
                format!("a tenant may register {MAX_ENDPOINTS} endpoints"),
            ));
        }
        let id = Uuid::now_v7();
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO webhook_endpoints (id, url, description, event_types, enabled, secret, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [
                id.into(),
                url.into(),
                input.description.map(String::from).unwrap_or_default().into(),
                types_json(types).into(),
                input.enabled.unwrap_or(true).into(),
                secret.expose().into(),
                actor.user_id.into(),
            ],
        ))
        .await?;
        let endpoint = endpoint(&tx, id).await?;
        tx.commit().await?;
        Ok(EndpointWithSecret { endpoint, secret: secret.expose() })
    }

    pub async fn list_webhook_endpoints(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        page: PageRequest,
    ) -> Result<Page<EndpointView>> {
        actor.require(Permission::ManageWebhooks)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let total = N::find_by_statement(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM webhook_endpoints".to_owned(),
        ))
        .one(&*tx)
        .await?
        .map_or(0, |n| n.n.max(0) as u64);
        let rows = EndpointRow::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at, id LIMIT $1 OFFSET $2"),
            [(page.per_page as i64).into(), (page.offset() as i64).into()],
        ))
        .all(&*tx)
        .await?;
        tx.commit().await?;
        Ok(Page::new(rows.into_iter().map(EndpointView::from).collect(), total, page))
    }

    pub async fn get_webhook_endpoint(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<EndpointView> {
        actor.require(Permission::ManageWebhooks)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let e = endpoint(&tx, id).await?;
        tx.commit().await?;
        Ok(e)
    }

    pub async fn update_webhook_endpoint(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        id: Uuid,
        patch: EndpointPatch,
    ) -> Result<EndpointView> {
        actor.require(Permission::ManageWebhooks)?;
        let url = match &patch.url {
            Some(u) => Some(self.checked_url(u).await?),
            None => None,
        };
        let types = match &patch.event_types {
            Some(Some(t)) => Some(types_json(Some(check_event_types(t)?))),
            Some(None) => Some(None),
            None => None,
        };
        let tx = self.store.tenant_tx(tenant_id).await?;
        let res = tx
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE webhook_endpoints SET \
                   url = coalesce($2, url), \
                   description = coalesce($3, description), \
                   event_types = CASE WHEN $4 THEN $5 ELSE event_types END, \
                   enabled = coalesce($6, enabled), \
                   disabled_reason = CASE WHEN $6 THEN NULL ELSE disabled_reason END, \
                   failing_since = CASE WHEN $6 THEN NULL ELSE failing_since END, \
                   updated_at = now() \
                 WHERE id = $1",
                [
                    id.into(),
                    url.into(),
                    patch.description.map(String::from).into(),
                    types.is_some().into(),
                    types.flatten().into(),
                    patch.enabled.into(),
                ],
            ))
            .await?;
        if res.rows_affected() == 0 {
            return Err(Error::not_found("webhook endpoint"));
        }
        let e = endpoint(&tx, id).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Deletes the endpoint with its messages and attempts.
    pub async fn delete_webhook_endpoint(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<()> {
        actor.require(Permission::ManageWebhooks)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let res = tx
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "DELETE FROM webhook_endpoints WHERE id = $1",
                [id.into()],
            ))
            .await?;
        if res.rows_affected() == 0 {
            return Err(Error::not_found("webhook endpoint"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// A new secret; the old one keeps signing for the overlap (24 h), so
    /// receivers can switch without losing a message.
    pub async fn rotate_webhook_secret(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<SecretRotated> {
        actor.require(Permission::ManageWebhooks)?;
        let secret = Secret::generate();
        let overlap = chrono::Duration::from_std(self.config.webhooks.rotation_overlap)
            .map_err(|e| Error::internal_msg(e.to_string()))?;
        let until = crate::now() + overlap;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let res = tx
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = $3, \
                   secret = $2, updated_at = now() WHERE id = $1",
                [id.into(), secret.expose().into(), until.into()],
            ))
            .await?;
        if res.rows_affected() == 0 {
            return Err(Error::not_found("webhook endpoint"));
        }
        tx.commit().await?;
        Ok(SecretRotated { secret: secret.expose(), previous_secret_expires_at: until })
    }

    pub async fn list_webhook_attempts(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        endpoint_id: Uuid,
        page: PageRequest,
    ) -> Result<Page<AttemptView>> {
        actor.require(Permission::ManageWebhooks)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        endpoint(&tx, endpoint_id).await?;
        let total = N::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM webhook_attempts WHERE endpoint_id = $1",
            [endpoint_id.into()],
        ))
        .one(&*tx)
        .await?
        .map_or(0, |n| n.n.max(0) as u64);
        let items = AttemptView::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id, message_id, endpoint_id, attempt, url, status_code, response_ms, response_body, error, \
                    succeeded, created_at \
             FROM webhook_attempts WHERE endpoint_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
            [endpoint_id.into(), (page.per_page as i64).into(), (page.offset() as i64).into()],
        ))
        .all(&*tx)
        .await?;
        tx.commit().await?;
        Ok(Page::new(items, total, page))
    }

    pub async fn list_webhook_messages(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        filter: MessageFilter,
        page: PageRequest,
    ) -> Result<Page<MessageView>> {
        actor.require(Permission::ManageWebhooks)?;
        if let Some(s) = &filter.status {
            if !["pending", "succeeded", "failed"].contains(&s.as_str()) {
                return Err(Error::validation("status", "invalid_status", "one of pending, succeeded, failed"));
            }
        }
        let tx = self.store.tenant_tx(tenant_id).await?;
        let cond = "($1::uuid IS NULL OR m.endpoint_id = $1) AND ($2::text IS NULL OR m.status = $2) \
                    AND ($3::text IS NULL OR m.event_type = $3)";
        let args = || -> [sea_orm::Value; 3] {
            [filter.endpoint_id.into(), filter.status.clone().into(), filter.event_type.clone().into()]
        };
        let total = N::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT count(*) AS n FROM webhook_messages m WHERE {cond}"),
            args(),
        ))
        .one(&*tx)
        .await?
        .map_or(0, |n| n.n.max(0) as u64);
        let mut values = args().to_vec();
        values.push((page.per_page as i64).into());
        values.push((page.offset() as i64).into());
        let items = MessageView::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {MESSAGE_COLUMNS} FROM webhook_messages m WHERE {cond} \
                 ORDER BY m.created_at DESC, m.id DESC LIMIT $4 OFFSET $5"
            ),
            values,
        ))
        .all(&*tx)
        .await?;
        tx.commit().await?;
        Ok(Page::new(items, total, page))
    }

    /// Sends a message once more, now (one more attempt; if it fails and the
    /// schedule is used up, it is failed again).
    pub async fn retry_webhook_message(&self, actor: &Actor, tenant_id: Uuid, id: Uuid) -> Result<MessageView> {
        actor.require(Permission::ManageWebhooks)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let m = message(&tx, id).await?;
        let ep = endpoint(&tx, m.endpoint_id).await?;
        if !ep.enabled {
            return Err(Error::conflict("endpoint_disabled", "enable the endpoint before retrying its messages"));
        }
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE webhook_messages SET status = 'pending', next_attempt_at = now(), delivered_at = NULL, \
               updated_at = now() WHERE id = $1",
            [id.into()],
        ))
        .await?;
        let m = message(&tx, id).await?;
        tx.commit().await?;
        Ok(m)
    }

    /// Queues every event since `since` that the endpoint subscribes to and
    /// did not get: never sent, or failed. Delivered ones are left alone.
    pub async fn replay_webhooks(
        &self,
        actor: &Actor,
        tenant_id: Uuid,
        endpoint_id: Uuid,
        since: DateTime<Utc>,
    ) -> Result<Replayed> {
        actor.require(Permission::ManageWebhooks)?;
        if since > Utc::now() {
            return Err(Error::validation("since", "in_future", "must not be in the future"));
        }
        let tx = self.store.tenant_tx(tenant_id).await?;
        let ep = endpoint(&tx, endpoint_id).await?;
        if !ep.enabled {
            return Err(Error::conflict("endpoint_disabled", "enable the endpoint before replaying to it"));
        }
        let res = tx
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                format!(
                    "INSERT INTO webhook_messages (id, endpoint_id, event_id, outbox_seq, event_type, body) \
                     SELECT gen_random_uuid(), e.id, o.id, o.seq, o.event_type, {BODY} \
                     FROM outbox o JOIN webhook_endpoints e ON e.id = $1 \
                     WHERE o.created_at >= $2 AND (e.event_types IS NULL OR jsonb_exists(e.event_types, o.event_type)) \
                     ORDER BY o.seq \
                     ON CONFLICT (endpoint_id, event_id) DO UPDATE \
                       SET status = 'pending', next_attempt_at = now(), updated_at = now() \
                       WHERE webhook_messages.status = 'failed'"
                ),
                [endpoint_id.into(), since.into()],
            ))
            .await?;
        tx.commit().await?;
        Ok(Replayed { queued: res.rows_affected() })
    }

    /// Queues a `webhook.test` ping to the endpoint, whatever it subscribes to.
    pub async fn send_test_webhook(&self, actor: &Actor, tenant_id: Uuid, endpoint_id: Uuid) -> Result<MessageView> {
        actor.require(Permission::ManageWebhooks)?;
        let tx = self.store.tenant_tx(tenant_id).await?;
        let ep = endpoint(&tx, endpoint_id).await?;
        if !ep.enabled {
            return Err(Error::conflict("endpoint_disabled", "enable the endpoint before testing it"));
        }
        let (id, event_id) = (Uuid::now_v7(), Uuid::now_v7());
        let now = crate::now();
        let body = serde_json::json!({
            "type": TEST_EVENT,
            "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "data": { "endpoint_id": endpoint_id, "message": "A test message from Taquilla." },
        });
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO webhook_messages (id, endpoint_id, event_id, event_type, body) VALUES ($1, $2, $3, $4, $5)",
            [id.into(), endpoint_id.into(), event_id.into(), TEST_EVENT.into(), body.into()],
        ))
        .await?;
        let m = message(&tx, id).await?;
        tx.commit().await?;
        Ok(m)
    }

    // ---- the worker -------------------------------------------------------

    /// Runs the webhook worker until the task is dropped.
    pub async fn run_webhook_worker(self) {
        let Some(sender) = self.webhook_sender.clone() else {
            tracing::error!("webhook sender unavailable: webhooks are not delivered");
            return;
        };
        let mut tick = tokio::time::interval(self.config.webhooks.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.webhook_pass(&sender).await {
                tracing::warn!(error = ?e, "webhook worker pass failed");
            }
        }
    }

    /// One pass over every tenant: new events become messages, due
    /// messages are sent.
    pub async fn webhook_pass(&self, sender: &taquilla_webhooks::Sender) -> Result<PassStats> {
        let mut stats = PassStats::default();
        for tenant_id in taquilla_store::repo::tenants::all_ids(self.store.db()).await? {
            stats.fanned_out += self.fan_out_webhooks(tenant_id).await?;
            loop {
                let (ok, failed) = self.deliver_due_webhooks(tenant_id, sender).await?;
                stats.delivered += ok;
                stats.failed_attempts += failed;
                if ok + failed < CLAIM_BATCH as u64 {
                    break;
                }
            }
        }
        Ok(stats)
    }

    /// One message per new outbox event and subscribed, enabled endpoint
    /// that existed when the event happened, and the consumer's position
    /// moved past the events, in one statement. Workers of one tenant take
    /// turns ([`outbox::lock`]); the unique (endpoint, event) key makes a
    /// second fan-out of the same event (a replay) a no-op.
    async fn fan_out_webhooks(&self, tenant_id: Uuid) -> Result<u64> {
        static FAN_OUT: LazyLock<String> = LazyLock::new(|| {
            let take =
                outbox::take_ctes("o", Consumer::Webhooks, "o.seq, o.id, o.event_type, o.payload, o.created_at", 1);
            format!(
                "WITH {take}, \
                      ins AS (INSERT INTO webhook_messages (id, endpoint_id, event_id, outbox_seq, event_type, body) \
                              SELECT gen_random_uuid(), e.id, o.id, o.seq, o.event_type, {BODY} \
                              FROM o JOIN webhook_endpoints e ON e.enabled AND o.created_at >= e.created_at \
                                AND (e.event_types IS NULL OR jsonb_exists(e.event_types, o.event_type)) \
                              ORDER BY o.tx_id, o.seq \
                              ON CONFLICT (endpoint_id, event_id) DO NOTHING RETURNING 1) \
                 SELECT count(*) AS n FROM ins"
            )
        });
        let tx = self.store.tenant_tx(tenant_id).await?;
        outbox::lock(&tx, Consumer::Webhooks).await?;
        let n = N::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            FAN_OUT.as_str(),
            [FANOUT_BATCH.into()],
        ))
        .one(&*tx)
        .await?
        .map_or(0, |n| n.n.max(0) as u64);
        tx.commit().await?;
        Ok(n)
    }

    /// Claims due messages with a lease, sends them, records the results.
    async fn deliver_due_webhooks(&self, tenant_id: Uuid, sender: &taquilla_webhooks::Sender) -> Result<(u64, u64)> {
        let cfg = &self.config.webhooks;
        // Long enough for the attempt to end (it times out first), short enough
        // that a killed worker's messages go out again soon.
        let lease = cfg.sender.timeout + Duration::from_secs(5);
        let tx = self.store.tenant_tx(tenant_id).await?;
        let claimed = Claimed::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "WITH c AS (SELECT m.id FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id \
                        WHERE m.status = 'pending' AND m.next_attempt_at <= now() AND e.enabled \
                        ORDER BY m.next_attempt_at, m.outbox_seq LIMIT $1 FOR UPDATE OF m SKIP LOCKED) \
             UPDATE webhook_messages m SET next_attempt_at = now() + make_interval(secs => $2), updated_at = now() \
             FROM c, webhook_endpoints e WHERE m.id = c.id AND e.id = m.endpoint_id \
             RETURNING m.id, m.endpoint_id, m.event_id, m.outbox_seq, m.body, m.attempts, e.url, e.secret, \
               CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END AS previous_secret",
            [CLAIM_BATCH.into(), lease.as_secs_f64().into()],
        ))
        .all(&*tx)
        .await?;
        tx.commit().await?;
        if claimed.is_empty() {
            return Ok((0, 0));
        }
        let results: Vec<Attempted> = futures_util::stream::iter(claimed)
            .map(|c| async move {
                let outcome = send_one(sender, &c).await;
                Attempted { claimed: c, outcome }
            })
            .buffer_unordered(CONCURRENT_SENDS)
            .collect()
            .await;
        self.record_attempts(tenant_id, results).await
    }

    async fn record_attempts(&self, tenant_id: Uuid, results: Vec<Attempted>) -> Result<(u64, u64)> {
        let cfg = &self.config.webhooks;
        let disable_after =
            chrono::Duration::from_std(cfg.disable_after).map_err(|e| Error::internal_msg(e.to_string()))?;
        let (mut ok, mut failed) = (0, 0);
        let tx = self.store.tenant_tx(tenant_id).await?;
        for Attempted { claimed: c, outcome: o } in results {
            let attempt = c.attempts + 1;
            let success = o.succeeded();
            tx.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO webhook_attempts (id, message_id, endpoint_id, attempt, url, status_code, response_ms, \
                   response_body, error, succeeded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                [
                    Uuid::now_v7().into(),
                    c.id.into(),
                    c.endpoint_id.into(),
                    attempt.into(),
                    c.url.clone().into(),
                    o.status.map(i32::from).into(),
                    i32::try_from(o.elapsed_ms).unwrap_or(i32::MAX).into(),
                    o.body.clone().into(),
                    o.error.clone().into(),
                    success.into(),
                ],
            ))
            .await?;
            if success {
                ok += 1;
                tx.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "UPDATE webhook_messages SET status = 'succeeded', attempts = $2, delivered_at = now(), \
                       last_status_code = $3, last_error = NULL, updated_at = now() WHERE id = $1",
                    [c.id.into(), attempt.into(), o.status.map(i32::from).into()],
                ))
                .await?;
                tx.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL",
                    [c.endpoint_id.into()],
                ))
                .await?;
                continue;
            }
            failed += 1;
            let next = cfg.schedule.delay_after(usize::try_from(attempt).unwrap_or(usize::MAX));
            tx.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE webhook_messages SET attempts = $2, last_status_code = $3, last_error = $4, updated_at = now(), \
                   status = CASE WHEN $5::float8 IS NULL THEN 'failed' ELSE 'pending' END, \
                   next_attempt_at = CASE WHEN $5::float8 IS NULL THEN next_attempt_at \
                                          ELSE now() + make_interval(secs => $5::float8) END \
                 WHERE id = $1",
                [
                    c.id.into(),
                    attempt.into(),
                    o.status.map(i32::from).into(),
                    o.error.clone().into(),
                    next.map(|d| d.as_secs_f64()).into(),
                ],
            ))
            .await?;
            self.note_endpoint_failure(&tx, c.endpoint_id, disable_after).await?;
        }
        tx.commit().await?;
        Ok((ok, failed))
    }

    /// Starts or extends the endpoint's failure streak; one failing without
    /// a success for `disable_after` is turned off and the tenant told
    /// (a `webhook.endpoint_disabled` event for its admins).
    async fn note_endpoint_failure(
        &self,
        tx: &TenantTx,
        endpoint_id: Uuid,
        disable_after: chrono::Duration,
    ) -> Result<()> {
        #[derive(FromQueryResult)]
        struct Disabled {
            url: String,
            failing_since: DateTime<Utc>,
        }
        let cutoff = crate::now() - disable_after;
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE webhook_endpoints SET failing_since = now() WHERE id = $1 AND failing_since IS NULL",
            [endpoint_id.into()],
        ))
        .await?;
        let disabled = Disabled::find_by_statement(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE webhook_endpoints SET enabled = false, updated_at = now(), \
               disabled_reason = 'failing since ' || to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC' \
             WHERE id = $1 AND enabled AND failing_since <= $2 \
             RETURNING url, failing_since",
            [endpoint_id.into(), cutoff.into()],
        ))
        .one(&**tx)
        .await?;
        if let Some(d) = disabled {
            tracing::warn!(%endpoint_id, url = %d.url, "webhook endpoint disabled after failing for too long");
            outbox::emit(
                tx,
                kind::WEBHOOK_ENDPOINT_DISABLED,
                endpoint_id,
                serde_json::json!({ "endpoint_id": endpoint_id, "url": d.url, "failing_since": d.failing_since }),
            )
            .await?;
        }
        Ok(())
    }
}

/// The message body from the outbox row, in SQL (the spec's envelope).
const BODY: &str = "jsonb_build_object('type', o.event_type, \
     'timestamp', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), 'data', o.payload)";

async fn send_one(sender: &taquilla_webhooks::Sender, c: &Claimed) -> taquilla_webhooks::Outcome {
    let failed = |error: String| taquilla_webhooks::Outcome {
        status: None,
        elapsed_ms: 0,
        body: String::new(),
        error: Some(error),
    };
    let null = serde_json::Value::Null;
    let body = match serde_json::to_vec(&Envelope {
        kind: c.body.get("type").unwrap_or(&null),
        timestamp: c.body.get("timestamp").unwrap_or(&null),
        data: c.body.get("data").unwrap_or(&null),
    }) {
        Ok(b) => b,
        Err(e) => return failed(format!("body: {e}")),
    };
    let mut secrets = Vec::with_capacity(2);
    for s in std::iter::once(&c.secret).chain(c.previous_secret.as_ref()) {
        match Secret::parse(s) {
            Ok(s) => secrets.push(s),
            Err(e) => return failed(format!("endpoint secret: {e}")),
        }
    }
    let msg_id = format!("msg_{}", c.event_id.simple());
    let timestamp = Utc::now().timestamp();
    let signature = match signature_header(&msg_id, timestamp, &body, &secrets) {
        Ok(s) => s,
        Err(e) => return failed(format!("signing: {e}")),
    };
    let signed = Signed { msg_id: &msg_id, timestamp, signature, sequence: c.outbox_seq.unwrap_or(0) };
    sender.send(&c.url, &signed, body).await
}

//! Outgoing webhooks as the Standard Webhooks specification defines them
//! (<https://www.standardwebhooks.com/>): `whsec_` secrets, `v1,` HMAC-SHA256
//! signatures from the spec's reference implementation, a sender that will
//! not reach private networks (SSRF), and the retry schedule.
//!
//! No database here: `taquilla-services` keeps endpoints, messages and
//! attempts and drives the worker; this crate only signs and sends.

pub mod schedule;
pub mod sender;
pub mod signing;
pub mod ssrf;

pub use schedule::RetrySchedule;
pub use sender::{Outcome, Sender, SenderConfig, Signed};
pub use signing::{signature_header, Secret};
pub use ssrf::{UrlPolicy, UrlRejection};

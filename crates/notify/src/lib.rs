//! Notifications leave the platform here: e-mail through lettre (SMTP, or
//! `.eml` files when no server is configured), SMS through a
//! Twilio-compatible HTTP API, from MiniJinja templates; and ticket QR
//! codes are drawn here. No database: `taquilla-services` decides who gets
//! what and records every attempt.

pub mod mail;
pub mod qr;
pub mod sms;
pub mod templates;

pub use mail::{Email, MailConfig, MailTransport, Mailer, Part};
pub use sms::{SmsConfig, SmsSender};

/// Why a message did not go out, and whether trying again may help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendFailure {
    pub message: String,
    /// The server refused this message for good (unknown mailbox, invalid
    /// number): retrying cannot help.
    pub permanent: bool,
}

impl SendFailure {
    pub fn transient(message: impl Into<String>) -> Self {
        Self { message: message.into(), permanent: false }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self { message: message.into(), permanent: true }
    }
}

/// Everything needed to send: the mail transport and, when configured, SMS.
#[derive(Debug, Clone, Default)]
pub struct NotifyConfig {
    pub mail: MailConfig,
    /// `None`: SMS is off.
    pub sms: Option<SmsConfig>,
}

/// The senders, built once from [`NotifyConfig`].
#[derive(Clone)]
pub struct Notifier {
    pub mailer: Mailer,
    pub sms: Option<SmsSender>,
}

impl Notifier {
    pub fn new(config: &NotifyConfig) -> Result<Self, String> {
        let mailer = Mailer::new(&config.mail)?;
        let sms = config.sms.clone().map(SmsSender::new).transpose()?;
        Ok(Self { mailer, sms })
    }
}

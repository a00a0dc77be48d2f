//! E-mail: one message built with lettre (plain text and HTML, inline
//! images by Content-ID, attachments) and sent over SMTP, or written as an
//! `.eml` file when no SMTP server is configured.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use crate::SendFailure;

/// Where mail goes.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `smtp://host:25`, `smtp://user:pass@host:587?tls=required` (STARTTLS),
    /// `smtps://user:pass@host:465` (TLS from the start). `None`: files.
    pub smtp_url: Option<SecretString>,
    /// Where `.eml` files go without an SMTP server.
    pub mail_dir: PathBuf,
    /// The envelope sender and `From` address; the display name is the tenant's.
    pub from: String,
    /// One SMTP command's time limit.
    pub timeout: Duration,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            mail_dir: PathBuf::from("var/mail"),
            from: "no-reply@taquilla.localhost".into(),
            timeout: Duration::from_secs(15),
        }
    }
}

/// A part carried by the message: an inline image or an attachment.
#[derive(Debug, Clone)]
pub struct Part {
    /// `Content-ID` (without angle brackets) of an inline part.
    pub content_id: Option<String>,
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// One message to one recipient.
#[derive(Debug, Clone)]
pub struct Email {
    /// `Message-ID` without angle brackets; the same on every retry, so a
    /// receiver can tell a repeated delivery.
    pub message_id: String,
    /// Display name of the sender (the tenant's name).
    pub from_name: String,
    pub to: String,
    pub to_name: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// Referenced from the HTML as `cid:<content_id>`.
    pub inline: Vec<Part>,
    pub attachments: Vec<Part>,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// Sends e-mail over SMTP, or writes it under the mail directory.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

/// How mail leaves this deployment (for `GET /notifications/channels`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailTransport {
    Smtp,
    File,
}

impl Mailer {
    /// Checks the settings; a bad `SMTP_URL` or sender is refused here, at
    /// start. Must run on a Tokio runtime (the SMTP connection pool does).
    pub fn new(config: &MailConfig) -> Result<Self, String> {
        let from: Mailbox = config.from.parse().map_err(|e| format!("sender address {:?}: {e}", config.from))?;
        let transport = match &config.smtp_url {
            Some(url) => {
                let url = url.expose_secret();
                if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                    return Err("SMTP_URL must start with smtp:// or smtps://".into());
                }
                let t = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("SMTP_URL: {e}"))?
                    .timeout(Some(config.timeout))
                    .build();
                Transport::Smtp(t)
            }
            None => Transport::Files(config.mail_dir.clone()),
        };
        Ok(Self { transport, from })
    }

    pub fn transport(&self) -> MailTransport {
        match self.transport {
            Transport::Smtp(_) => MailTransport::Smtp,
            Transport::Files(_) => MailTransport::File,
        }
    }

    /// The message as it goes on the wire.
    pub fn build(&self, mail: &Email) -> Result<Message, SendFailure> {
        let bad = |what: &str, e: &dyn std::fmt::Display| SendFailure::permanent(format!("{what}: {e}"));
        let to_address = mail.to.parse().map_err(|e| bad("recipient address", &e))?;
        let to = Mailbox::new(Some(mail.to_name.clone()).filter(|n| !n.is_empty()), to_address);
        let from = Mailbox::new(Some(mail.from_name.clone()).filter(|n| !n.is_empty()), self.from.email.clone());
        let body = match &mail.html {
            Some(html) => MultiPart::alternative_plain_html(mail.text.clone(), html.clone()),
            None => MultiPart::mixed().singlepart(SinglePart::plain(mail.text.clone())),
        };
        let part = |p: &Part| -> Result<SinglePart, SendFailure> {
            let ct = ContentType::parse(&p.content_type).map_err(|e| bad("content type", &e))?;
            let a = match &p.content_id {
                Some(cid) => Attachment::new_inline_with_name(cid.clone(), p.filename.clone()),
                None => Attachment::new(p.filename.clone()),
            };
            Ok(a.body(p.bytes.clone(), ct))
        };
        let mut top = if mail.inline.is_empty() {
            MultiPart::mixed().multipart(body)
        } else {
            let mut related = MultiPart::related().multipart(body);
            for p in &mail.inline {
                related = related.singlepart(part(p)?);
            }
            MultiPart::mixed().multipart(related)
        };
        for p in &mail.attachments {
            top = top.singlepart(part(p)?);
        }
        Message::builder()
            .message_id(Some(format!("<{}>", mail.message_id)))
            .from(from)
            .to(to)
            .subject(mail.subject.clone())
            .date_now()
            .multipart(top)
            .map_err(|e| bad("message", &e))
    }

    /// Sends (or files) one message. Returns what the server said, or the
    /// path written.
    pub async fn send(&self, mail: &Email) -> Result<String, SendFailure> {
        let message = self.build(mail)?;
        match &self.transport {
            Transport::Smtp(t) => match t.send(message).await {
                Ok(resp) => Ok(format!("{} {}", resp.code(), resp.message().collect::<Vec<_>>().join(" "))),
                // 5xx: the server will never take it (unknown mailbox…).
                Err(e) if e.is_permanent() => Err(SendFailure::permanent(format!("SMTP: {e}"))),
                Err(e) => Err(SendFailure::transient(format!("SMTP: {e}"))),
            },
            Transport::Files(dir) => {
                let raw = message.formatted();
                let name: String = mail
                    .message_id
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '@') { c } else { '_' })
                    .collect();
                let path = dir.join(format!("{name}.eml"));
                let tmp = dir.join(format!(".{name}.eml.tmp"));
                let write = async {
                    tokio::fs::create_dir_all(dir).await?;
                    // Whole files only: written aside, then renamed.
                    tokio::fs::write(&tmp, &raw).await?;
                    tokio::fs::rename(&tmp, &path).await
                };
                write.await.map_err(|e| SendFailure::transient(format!("writing {}: {e}", path.display())))?;
                Ok(path.display().to_string())
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn mail() -> Email {
        Email {
            message_id: "n1@taquilla".into(),
            from_name: "Rock Club".into(),
            to: "ana@example.com".into(),
            to_name: "Ana".into(),
            subject: "Your tickets".into(),
            text: "Hello".into(),
            html: Some("<p>Hello <img src=\"cid:qr1@taquilla\"></p>".into()),
            inline: vec![Part {
                content_id: Some("qr1@taquilla".into()),
                filename: "ticket-1.png".into(),
                content_type: "image/png".into(),
                bytes: b"\x89PNG fake".to_vec(),
            }],
            attachments: vec![Part {
                content_id: None,
                filename: "ticket-1.png".into(),
                content_type: "image/png".into(),
                bytes: b"\x89PNG fake".to_vec(),
            }],
        }
    }

    // The SMTP transport's connection pool lives on the Tokio runtime.
    #[tokio::test]
    async fn builds_related_inline_image_and_attachment() {
        let m = Mailer::new(&MailConfig::default()).unwrap();
        let raw = String::from_utf8(m.build(&mail()).unwrap().formatted()).unwrap();
        for needle in [
            "Message-ID: <n1@taquilla>",
            "From: \"Rock Club\" <no-reply@taquilla.localhost>",
            "multipart/mixed",
            "multipart/related",
            "multipart/alternative",
            "Content-ID: <qr1@taquilla>",
            "Content-Disposition: inline",
            "Content-Disposition: attachment; filename=\"ticket-1.png\"",
        ] {
            assert!(raw.contains(needle), "{needle} missing in\n{raw}");
        }
    }

    // The SMTP transport's connection pool lives on the Tokio runtime.
    #[tokio::test]
    async fn bad_settings_are_refused() {
        let mut c = MailConfig {
            smtp_url: Some(SecretString::from("http://mail.example.com".to_owned())),
            ..MailConfig::default()
        };
        assert!(Mailer::new(&c).is_err());
        c.smtp_url = Some(SecretString::from("smtp://mail.example.com:2525?tls=sometimes".to_owned()));
        assert!(Mailer::new(&c).is_err());
        c.smtp_url = Some(SecretString::from("smtps://u:p@mail.example.com".to_owned()));
        assert!(Mailer::new(&c).is_ok());
        c.smtp_url = Some(SecretString::from("smtp://u:p@mail.example.com:587?tls=required".to_owned()));
        assert!(Mailer::new(&c).is_ok());
        let c = MailConfig { from: "not an address".into(), ..MailConfig::default() };
        assert!(Mailer::new(&c).is_err());
    }

    // The SMTP transport's connection pool lives on the Tokio runtime.
    #[tokio::test]
    async fn an_invalid_recipient_is_a_permanent_failure() {
        let m = Mailer::new(&MailConfig::default()).unwrap();
        let e = m.build(&Email { to: "nope".into(), ..mail() }).err().unwrap();
        assert!(e.permanent);
    }
}

//! Message templates (MiniJinja). Every notification has four parts: the
//! e-mail's subject, plain-text and HTML bodies, and the SMS text. A tenant
//! may override any part of any template; what it does not override comes
//! from the defaults here. The HTML part is auto-escaped, the others are
//! plain text. Rendering is bounded (MiniJinja's fuel), so a tenant's
//! template cannot loop for ever.

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

/// The four parts of a template as source text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Source {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub sms: String,
}

/// The parts a tenant replaced (`None`: the default applies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub subject: Option<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub sms: Option<String>,
}

impl Source {
    /// This source with the tenant's replacements applied.
    pub fn with(&self, o: &Overrides) -> Source {
        let pick = |own: &Option<String>, default: &String| own.clone().unwrap_or_else(|| default.clone());
        Source {
            subject: pick(&o.subject, &self.subject),
            text: pick(&o.text, &self.text),
            html: pick(&o.html, &self.html),
            sms: pick(&o.sms, &self.sms),
        }
    }
}

/// A rendered notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line, at most 200 characters.
    pub subject: String,
    pub text: String,
    pub html: String,
    pub sms: String,
}

/// A template part that does not compile or render.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part}: {message}")]
pub struct TemplateError {
    /// `subject`, `text`, `html` or `sms`.
    pub part: &'static str,
    pub message: String,
}

/// Steps one rendering may take (MiniJinja fuel): plenty for a message
/// with hundreds of tickets, nothing like an endless loop.
const FUEL: u64 = 200_000;
/// Largest rendered part kept, in bytes.
const MAX_OUTPUT: usize = 256 * 1024;

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(FUEL));
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    // Only the part named `html` is HTML; `.html` makes MiniJinja escape it.
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    env
}

const PARTS: [&str; 4] = ["subject", "text", "html", "sms"];

fn file_name(part: &str) -> &'static str {
    match part {
        "html" => "html.html",
        "subject" => "subject.txt",
        "sms" => "sms.txt",
        _ => "text.txt",
    }
}

fn part_of<'a>(s: &'a Source, part: &str) -> &'a str {
    match part {
        "subject" => &s.subject,
        "html" => &s.html,
        "sms" => &s.sms,
        _ => &s.text,
    }
}

fn static_part(part: &str) -> &'static str {
    match part {
        "subject" => "subject",
        "html" => "html",
        "sms" => "sms",
        _ => "text",
    }
}

/// Renders every part of `source` with `context`.
pub fn render(source: &Source, context: &serde_json::Value) -> Result<Rendered, TemplateError> {
    let env = environment();
    let ctx = minijinja::Value::from_serialize(context);
    let mut out: [String; 4] = Default::default();
    for (i, part) in PARTS.iter().enumerate() {
        let err = |e: minijinja::Error| TemplateError { part: static_part(part), message: describe(&e) };
        let tpl = env.template_from_named_str(file_name(part), part_of(source, part)).map_err(err)?;
        let text = tpl.render(&ctx).map_err(err)?;
        if text.len() > MAX_OUTPUT {
            return Err(TemplateError {
                part: static_part(part),
                message: format!("renders to more than {MAX_OUTPUT} bytes"),
            });
        }
        out[i] = text;
    }
    let [subject, text, html, sms] = out;
    let subject: String = subject.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(200).collect();
    Ok(Rendered {
        subject,
        text: text.trim().to_owned(),
        html,
        sms: sms.split_whitespace().collect::<Vec<_>>().join(" "),
    })
}

/// Compiles every part and renders it with `sample`: what a tenant's
/// override must pass before it is stored.
pub fn check(source: &Source, sample: &serde_json::Value) -> Result<(), TemplateError> {
    let rendered = render(source, sample)?;
    if rendered.subject.is_empty() {
        return Err(TemplateError { part: "subject", message: "renders to an empty subject".into() });
    }
    if rendered.text.is_empty() {
        return Err(TemplateError { part: "text", message: "renders to an empty text".into() });
    }
    Ok(())
}

fn describe(e: &minijinja::Error) -> String {
    let mut m = e.to_string();
    if let Some(line) = e.line() {
        if !m.contains("line") {
            m.push_str(&format!(" (line {line})"));
        }
    }
    m
}

// ---- the defaults ----------------------------------------------------------

/// The names of the templates, one per kind of message.
pub const NAMES: &[&str] = &[
    ORDER_CONFIRMATION,
    REGISTRATION_CONFIRMED,
    REGISTRATION_WAITLISTED,
    REGISTRATION_PROMOTED,
    TICKET_TRANSFERRED,
    RESALE_SOLD,
    SESSION_CANCELLED,
    REFUND_ISSUED,
    ANNOUNCEMENT,
    WEBHOOK_ENDPOINT_DISABLED,
];

pub const ORDER_CONFIRMATION: &str = "order_confirmation";
pub const REGISTRATION_CONFIRMED: &str = "registration_confirmed";
pub const REGISTRATION_WAITLISTED: &str = "registration_waitlisted";
pub const REGISTRATION_PROMOTED: &str = "registration_promoted";
pub const TICKET_TRANSFERRED: &str = "ticket_transferred";
pub const RESALE_SOLD: &str = "resale_sold";
pub const SESSION_CANCELLED: &str = "session_cancelled";
pub const REFUND_ISSUED: &str = "refund_issued";
pub const ANNOUNCEMENT: &str = "announcement";
/// To the tenant's admins: a webhook endpoint was turned off after failing for days.
pub const WEBHOOK_ENDPOINT_DISABLED: &str = "webhook_endpoint_disabled";

/// The HTML around every default body: the tenant's name on its brand colour.
fn page(inner: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{{{{ subject }}}}</title></head>\n\
<body style=\"margin:0;padding:0;background:#f4f4f5;font-family:Helvetica,Arial,sans-serif;color:#18181b\">\n\
<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\"><tr><td align=\"center\" style=\"padding:24px\">\n\
<table role=\"presentation\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#ffffff;border-radius:8px;overflow:hidden\">\n\
<tr><td style=\"background:{{{{ tenant.brand_color }}}};color:#ffffff;padding:20px 24px;font-size:20px;font-weight:bold\">{{{{ tenant.name }}}}</td></tr>\n\
<tr><td style=\"padding:24px;font-size:15px;line-height:1.5\">\n\
<p>Hello {{{{ recipient.name }}}},</p>\n{inner}\n</td></tr>\n\
<tr><td style=\"padding:16px 24px;border-top:4px solid {{{{ tenant.accent_color }}}};font-size:12px;color:#71717a\">{{{{ tenant.name }}}} · sent with Taquilla</td></tr>\n\
</table></td></tr></table></body></html>\n"
    )
}

const SESSION_TEXT: &str = "{{ event.title }} — {{ session.title }}\n{{ session.starts_at }}{% if session.venue %} · {{ session.venue }}{% endif %}";
const SESSION_HTML: &str = "<p style=\"font-size:17px\"><strong>{{ event.title }}</strong> — {{ session.title }}<br>{{ session.starts_at }}{% if session.venue %} · {{ session.venue }}{% endif %}</p>";

fn source(subject: &str, text: &str, html_inner: &str, sms: &str) -> Source {
    Source {
        subject: subject.to_owned(),
        text: format!("Hello {{{{ recipient.name }}}},\n\n{text}\n\n— {{{{ tenant.name }}}}"),
        html: page(html_inner),
        sms: sms.to_owned(),
    }
}

/// The built-in template `name`.
pub fn default_source(name: &str) -> Option<Source> {
    Some(match name {
        ORDER_CONFIRMATION => source(
            "Your tickets for {{ event.title }}",
            &format!(
                "Thank you for your order with {{{{ tenant.name }}}}. Your tickets:\n\n{SESSION_TEXT}\n\n\
{{% for t in tickets %}}- {{{{ t.type }}}}{{% if t.seat %}}, seat {{{{ t.seat }}}}{{% endif %}} (ticket {{{{ t.id }}}})\n{{% endfor %}}\n\
Total: {{{{ order.total }}}}\nOrder: {{{{ order.id }}}}\n\n\
Each ticket's QR code is attached to this e-mail: show it at the door. Each one admits once."
            ),
            &format!(
                "<p>Thank you for your order. Your tickets:</p>\n{SESSION_HTML}\n\
{{% for t in tickets %}}<div style=\"margin:16px 0;padding:12px;border:1px solid #e4e4e7;border-radius:6px;text-align:center\">\
<img src=\"cid:{{{{ t.cid }}}}\" alt=\"QR code of ticket {{{{ t.id }}}}\" width=\"240\" height=\"240\" style=\"display:block;margin:0 auto\">\
<div><strong>{{{{ t.type }}}}</strong>{{% if t.seat %}} · seat {{{{ t.seat }}}}{{% endif %}}</div>\
<div style=\"font-size:12px;color:#71717a\">{{{{ t.id }}}}</div></div>\n{{% endfor %}}\
<p>Total: <strong>{{{{ order.total }}}}</strong><br><span style=\"font-size:12px;color:#71717a\">Order {{{{ order.id }}}}</span></p>\n\
<p>Show each QR code at the door; each one admits once. They are attached to this e-mail as well.</p>"
            ),
            "{{ tenant.name }}: your {{ tickets|length }} ticket(s) for {{ event.title }} ({{ session.starts_at }}) are confirmed. The QR codes are in your e-mail.",
        ),
        REGISTRATION_CONFIRMED => source(
            "You're registered: {{ event.title }}",
            &format!("Your place is confirmed:\n\n{SESSION_TEXT}"),
            &format!("<p>Your place is confirmed:</p>\n{SESSION_HTML}"),
            "{{ tenant.name }}: your place at {{ event.title }} ({{ session.starts_at }}) is confirmed.",
        ),
        REGISTRATION_WAITLISTED => source(
            "You're on the waitlist: {{ event.title }}",
            &format!(
                "The session is full, so you are on its waitlist{{% if registration.waitlist_position %}} (number {{{{ registration.waitlist_position }}}}){{% endif %}}. \
We will write again if a place frees up.\n\n{SESSION_TEXT}"
            ),
            &format!(
                "<p>The session is full, so you are on its waitlist{{% if registration.waitlist_position %}} (number <strong>{{{{ registration.waitlist_position }}}}</strong>){{% endif %}}. \
We will write again if a place frees up.</p>\n{SESSION_HTML}"
            ),
            "{{ tenant.name }}: {{ event.title }} is full; you are on the waitlist{% if registration.waitlist_position %} (number {{ registration.waitlist_position }}){% endif %}.",
        ),
        REGISTRATION_PROMOTED => source(
            "A place opened up: you're in for {{ event.title }}",
            &format!("Good news: a place opened up and your registration is now confirmed.\n\n{SESSION_TEXT}"),
            &format!("<p>Good news: a place opened up and your registration is now <strong>confirmed</strong>.</p>\n{SESSION_HTML}"),
            "{{ tenant.name }}: a place opened up; you're in for {{ event.title }} ({{ session.starts_at }}).",
        ),
        TICKET_TRANSFERRED => source(
            "Your ticket for {{ event.title }}",
            &format!(
                "You bought a ticket on the resale market. It is yours now:\n\n{SESSION_TEXT}\n\n\
{{% for t in tickets %}}- {{{{ t.type }}}}{{% if t.seat %}}, seat {{{{ t.seat }}}}{{% endif %}} (ticket {{{{ t.id }}}})\n{{% endfor %}}\n\
Its QR code is attached to this e-mail: show it at the door."
            ),
            &format!(
                "<p>You bought a ticket on the resale market. It is yours now:</p>\n{SESSION_HTML}\n\
{{% for t in tickets %}}<div style=\"margin:16px 0;text-align:center\"><img src=\"cid:{{{{ t.cid }}}}\" alt=\"QR code of ticket {{{{ t.id }}}}\" width=\"240\" height=\"240\">\
<div><strong>{{{{ t.type }}}}</strong>{{% if t.seat %}} · seat {{{{ t.seat }}}}{{% endif %}}</div></div>\n{{% endfor %}}\
<p>Show the QR code at the door.</p>"
            ),
            "{{ tenant.name }}: the resale ticket for {{ event.title }} is yours; its QR code is in your e-mail.",
        ),
        RESALE_SOLD => source(
            "Your ticket for {{ event.title }} was sold",
            &format!(
                "Your ticket listed for resale was sold for {{{{ resale.price }}}}. Its old QR code no longer admits.\n\n{SESSION_TEXT}"
            ),
            &format!(
                "<p>Your ticket listed for resale was sold for <strong>{{{{ resale.price }}}}</strong>. Its old QR code no longer admits.</p>\n{SESSION_HTML}"
            ),
            "{{ tenant.name }}: your resale ticket for {{ event.title }} was sold for {{ resale.price }}.",
        ),
        SESSION_CANCELLED => source(
            "Cancelled: {{ event.title }} — {{ session.title }}",
            &format!(
                "We are sorry: this session has been cancelled.\n\n{SESSION_TEXT}\n\n\
Your tickets and registrations for it are no longer valid. If you paid, your refund follows separately."
            ),
            &format!(
                "<p>We are sorry: this session has been <strong>cancelled</strong>.</p>\n{SESSION_HTML}\n\
<p>Your tickets and registrations for it are no longer valid. If you paid, your refund follows separately.</p>"
            ),
            "{{ tenant.name }}: {{ event.title }} ({{ session.starts_at }}) is cancelled. Details in your e-mail.",
        ),
        REFUND_ISSUED => source(
            "Refund of {{ refund.amount }} for {{ event.title }}",
            &format!(
                "We have refunded {{{{ refund.amount }}}} of your order {{{{ order.id }}}}.{{% if refund.tickets %}} \
{{{{ refund.tickets }}}} ticket(s) of it are no longer valid.{{% endif %}}\n\n{SESSION_TEXT}\n\n\
It can take a few days to appear on your statement."
            ),
            &format!(
                "<p>We have refunded <strong>{{{{ refund.amount }}}}</strong> of your order {{{{ order.id }}}}.{{% if refund.tickets %}} \
{{{{ refund.tickets }}}} ticket(s) of it are no longer valid.{{% endif %}}</p>\n{SESSION_HTML}\n\
<p>It can take a few days to appear on your statement.</p>"
            ),
            "{{ tenant.name }}: we refunded {{ refund.amount }} for {{ event.title }}.",
        ),
        ANNOUNCEMENT => source(
            "{{ announcement.subject }}",
            &format!("{{{{ announcement.body }}}}\n\n{SESSION_TEXT}"),
            &format!(
                "<p style=\"white-space:pre-line\">{{{{ announcement.body }}}}</p>\n{SESSION_HTML}"
            ),
            "{{ tenant.name }} – {{ event.title }}: {{ announcement.body }}",
        ),
        WEBHOOK_ENDPOINT_DISABLED => source(
            "Webhook endpoint disabled: {{ endpoint.url }}",
            "We turned off your webhook endpoint {{ endpoint.url }}: every delivery to it has failed since \
{{ endpoint.failing_since }}.\n\nEvents are no longer sent to it. Fix the receiver, turn the endpoint back on in \
the console (or PATCH it with enabled: true), and replay what it missed with POST …/replay?since=.",
            "<p>We turned off your webhook endpoint <code>{{ endpoint.url }}</code>: every delivery to it has failed since \
{{ endpoint.failing_since }}.</p>\n<p>Events are no longer sent to it. Fix the receiver, turn the endpoint back on, \
and replay what it missed with <code>POST …/replay?since=</code>.</p>",
            "{{ tenant.name }}: webhook endpoint {{ endpoint.url }} was disabled after failing since {{ endpoint.failing_since }}.",
        ),
        _ => return None,
    })
}

/// A context with every variable any template uses, for checking overrides.
pub fn sample_context() -> serde_json::Value {
    serde_json::json!({
        "subject": "Sample",
        "tenant": { "name": "Sample Venue", "brand_color": "#1f2937", "accent_color": "#2563eb" },
        "recipient": { "name": "Ana", "email": "ana@example.com" },
        "event": { "id": "00000000-0000-0000-0000-000000000000", "title": "Sample Concert", "venue": "Main Hall", "timezone": "Europe/Madrid" },
        "session": { "id": "00000000-0000-0000-0000-000000000000", "title": "Evening", "venue": "Stage A",
                     "starts_at": "Sat 1 Jun 2030, 12:00 (Europe/Madrid)", "ends_at": "Sat 1 Jun 2030, 15:00 (Europe/Madrid)" },
        "order": { "id": "00000000-0000-0000-0000-000000000000", "total": "25.00 EUR" },
        "tickets": [{ "id": "00000000-0000-0000-0000-000000000000", "type": "General", "seat": "A-1", "cid": "qr-0@taquilla" }],
        "registration": { "status": "waitlisted", "waitlist_position": 3 },
        "refund": { "amount": "25.00 EUR", "tickets": 1 },
        "resale": { "price": "30.00 EUR" },
        "announcement": { "subject": "Doors open late", "body": "Doors open 30 minutes late." },
        "endpoint": { "id": "00000000-0000-0000-0000-000000000000", "url": "https://crm.example.com/hooks",
                      "failing_since": "2030-06-01T12:00:00Z" },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_default_renders_with_the_sample() {
        for name in NAMES {
            let r = render(&default_source(name).unwrap(), &sample_context()).unwrap();
            assert!(!r.subject.is_empty() && !r.text.is_empty() && !r.sms.is_empty(), "{name}");
            assert!(r.html.contains("Sample Venue") && r.html.contains("#1f2937"), "{name}");
            check(&default_source(name).unwrap(), &sample_context()).unwrap();
        }
        assert!(default_source("nope").is_none());
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let mut ctx = sample_context();
        ctx["announcement"]["body"] = serde_json::json!("<b>Doors</b> & more");
        let r = render(&default_source(ANNOUNCEMENT).unwrap(), &ctx).unwrap();
        assert!(
            r.html.contains("&lt;b&gt;Doors&lt;&#x2f;b&gt; &amp; more") || r.html.contains("&lt;b&gt;Doors"),
            "{}",
            r.html
        );
        assert!(r.text.contains("<b>Doors</b> & more"));
    }

    #[test]
    fn overrides_replace_parts_and_bad_ones_are_refused() {
        let base = default_source(REFUND_ISSUED).unwrap();
        let o = Overrides { subject: Some("Money back: {{ refund.amount }}".into()), ..Overrides::default() };
        let r = render(&base.with(&o), &sample_context()).unwrap();
        assert_eq!(r.subject, "Money back: 25.00 EUR");
        assert!(r.text.contains("We have refunded"));
        let bad = Overrides { html: Some("{% for x in %}".into()), ..Overrides::default() };
        assert_eq!(check(&base.with(&bad), &sample_context()).err().map(|e| e.part), Some("html"));
        let endless = Overrides {
            text: Some("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}".into()),
            ..Overrides::default()
        };
        assert_eq!(check(&base.with(&endless), &sample_context()).err().map(|e| e.part), Some("text"));
        let empty = Overrides { subject: Some("{{ nothing }}".into()), ..Overrides::default() };
        assert_eq!(check(&base.with(&empty), &sample_context()).err().map(|e| e.part), Some("subject"));
    }
}

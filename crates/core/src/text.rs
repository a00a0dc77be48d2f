//! Parse-don't-validate newtypes. Request bodies deserialize straight into
//! these, so a value that exists is valid, and a bad one fails at the JSON
//! path where it appeared.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A trimmed string whose length in characters is within `MIN..=MAX`.
/// Stored as given (no HTML escaping here: output encoding is the
/// renderer's job), but control characters other than newline/tab are refused.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Text<const MIN: usize, const MAX: usize>(String);

impl<const MIN: usize, const MAX: usize> Text<MIN, MAX> {
    pub fn parse(s: impl Into<String>) -> std::result::Result<Self, String> {
        let s: String = s.into();
        let trimmed = s.trim();
        let n = trimmed.chars().count();
        if n < MIN {
            return Err(if MIN == 1 {
                "must not be empty".into()
            } else {
                format!("must be at least {MIN} characters")
            });
        }
        if n > MAX {
            return Err(format!("must be at most {MAX} characters"));
        }
        if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
            return Err("must not contain control characters".into());
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl<const MAX: usize> Text<0, MAX> {
    pub fn empty() -> Self {
        Self(String::new())
    }
}

impl<const MIN: usize, const MAX: usize> TryFrom<String> for Text<MIN, MAX> {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        Self::parse(s)
    }
}

impl<const MIN: usize, const MAX: usize> From<Text<MIN, MAX>> for String {
    fn from(t: Text<MIN, MAX>) -> String {
        t.0
    }
}

impl<const MIN: usize, const MAX: usize> fmt::Debug for Text<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<const MIN: usize, const MAX: usize> utoipa::PartialSchema for Text<MIN, MAX> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(MIN))
            .max_length(Some(MAX))
            .into()
    }
}
impl<const MIN: usize, const MAX: usize> utoipa::ToSchema for Text<MIN, MAX> {}

pub type Title = Text<1, 200>;
pub type Name = Text<1, 120>;
pub type LongText = Text<0, 10_000>;
pub type ShortText = Text<0, 200>;

macro_rules! string_newtype {
    ($(#[$m:meta])* $name:ident, $parse:expr, $schema:expr) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: impl Into<String>) -> std::result::Result<Self, String> {
                let f: fn(String) -> std::result::Result<String, String> = $parse;
                f(s.into()).map(Self)
            }
            pub fn as_str(&self) -> &str { &self.0 }
            pub fn into_inner(self) -> String { self.0 }
        }
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> std::result::Result<Self, String> { Self::parse(s) }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String { v.0 }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let f: fn() -> utoipa::openapi::ObjectBuilder = $schema;
                f().schema_type(utoipa::openapi::schema::Type::String).into()
            }
        }
        impl utoipa::ToSchema for $name {}
    };
}

string_newtype!(
    /// Lower-cased, syntactically valid e-mail address.
    EmailAddress,
    |s| {
        let s = s.trim().to_lowercase();
        if s.len() > 254 || !validator::ValidateEmail::validate_email(&s) {
            return Err("must be a valid e-mail address".into());
        }
        Ok(s)
    },
    || utoipa::openapi::ObjectBuilder::new().format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
        utoipa::openapi::KnownFormat::Email
    ))).max_length(Some(254))
);

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

string_newtype!(
    /// A tenant's URL name: 3–40 of `a-z0-9-`, starting with a letter, no
    /// trailing or double hyphen; usable as a subdomain.
    Slug,
    |s| {
        let ok = (3..=40).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && !s.ends_with('-')
            && !s.contains("--")
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err("must be 3-40 characters of a-z, 0-9 and '-', starting with a letter".into());
        }
        if RESERVED_SLUGS.contains(&s.as_str()) {
            return Err("is reserved".into());
        }
        Ok(s)
    },
    || utoipa::openapi::ObjectBuilder::new().pattern(Some("^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$")).min_length(Some(3)).max_length(Some(40))
);

impl fmt::Debug for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

const RESERVED_SLUGS: &[&str] = &["www", "api", "admin", "app", "static", "assets", "public", "mail"];

string_newtype!(
    /// An IANA time zone name such as `Europe/Madrid`.
    TimeZone,
    |s| {
        s.parse::<chrono_tz::Tz>().map_err(|_| "must be an IANA time zone such as Europe/Madrid".to_owned())?;
        Ok(s)
    },
    || utoipa::openapi::ObjectBuilder::new().examples(["Europe/Madrid"])
);

impl fmt::Debug for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

string_newtype!(
    /// A plain-text password as typed; never logged, never serialized back.
    Password,
    |s| {
        let n = s.chars().count();
        if n < 10 {
            return Err("must be at least 10 characters".into());
        }
        if n > 256 {
            return Err("must be at most 256 characters".into());
        }
        Ok(s)
    },
    || utoipa::openapi::ObjectBuilder::new().min_length(Some(10)).max_length(Some(256)).format(Some(
        utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Password)
    ))
);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

string_newtype!(
    /// An absolute http(s) URL of at most 2,000 characters.
    HttpUrl,
    |s| {
        let s = s.trim().to_owned();
        let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
        match rest {
            Some(r) if !r.is_empty() && s.len() <= 2000 && !s.chars().any(|c| c.is_whitespace() || c.is_control()) => Ok(s),
            _ => Err("must be an absolute http(s) URL".into()),
        }
    },
    || utoipa::openapi::ObjectBuilder::new().format(Some(utoipa::openapi::SchemaFormat::Custom("uri".into()))).max_length(Some(2000))
);

impl fmt::Debug for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

string_newtype!(
    /// An event category (`music`, `theatre`, `sports`…): 1–40 of `a-z0-9-`, lower-cased.
    Category,
    |s| {
        let s = s.trim().to_lowercase();
        if s.is_empty() || s.len() > 40 || !s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err("must be 1-40 characters of a-z, 0-9 and '-'".into());
        }
        Ok(s)
    },
    || utoipa::openapi::ObjectBuilder::new().pattern(Some("^[a-z0-9-]{1,40}$")).examples(["music"])
);

impl fmt::Debug for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

string_newtype!(
    /// A phone number in E.164 form: `+`, the country code and the number,
    /// 8 to 15 digits in all, the first not zero. Spaces, dots, dashes and
    /// parentheses people type between digits are dropped.
    PhoneNumber,
    |s| {
        let compact: String = s.trim().chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
        let digits = compact.strip_prefix('+').unwrap_or("");
        let ok = (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if !ok {
            return Err("must be a phone number in E.164 form, such as +34600123456".into());
        }
        Ok(compact)
    },
    || utoipa::openapi::ObjectBuilder::new().pattern(Some("^\\+[1-9][0-9]{7,14}$")).examples(["+34600123456"])
);

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_bounds_and_trim() {
        assert_eq!(Title::parse("  Rockfest ").ok().map(Title::into_inner), Some("Rockfest".into()));
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse("x".repeat(201)).is_err());
        assert!(Title::parse("é".repeat(200)).is_ok(), "counts characters, not bytes");
        assert!(Title::parse("bell\u{7}").is_err());
        assert!(LongText::parse("line\nline").is_ok());
    }

    #[test]
    fn text_is_stored_as_given() {
        let t = Title::parse("<script>alert(1)</script>").ok().map(Title::into_inner);
        assert_eq!(t.as_deref(), Some("<script>alert(1)</script>"));
    }

    #[test]
    fn emails() {
        assert_eq!(EmailAddress::parse("Ana@Example.COM").ok().map(|e| e.into_inner()), Some("ana@example.com".into()));
        assert!(EmailAddress::parse("not-an-email").is_err());
        assert!(EmailAddress::parse("a@").is_err());
    }

    #[test]
    fn slugs() {
        assert!(Slug::parse("rock-club").is_ok());
        for bad in ["ab", "1abc", "abc-", "a--b", "Abc", "a_b", "admin", &"a".repeat(41)] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timezones() {
        assert!(TimeZone::parse("Europe/Madrid").is_ok());
        assert!(TimeZone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn passwords_are_not_debug_printed() {
        let p = Password::parse("correct horse battery").ok();
        assert_eq!(format!("{p:?}"), "Some(Password(***))");
        assert!(Password::parse("short").is_err());
    }

    #[test]
    fn phone_numbers() {
        assert_eq!(
            PhoneNumber::parse("+34 600-12.34(56)").ok().map(PhoneNumber::into_inner),
            Some("+34600123456".into())
        );
        assert!(PhoneNumber::parse("+14155550100").is_ok());
        for bad in ["600123456", "+0600123456", "+1234567", "+1234567890123456", "+34 600 12a 456", "", "+"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls() {
        assert!(HttpUrl::parse("https://cdn.example.com/a.png").is_ok());
        assert!(HttpUrl::parse("javascript:alert(1)").is_err());
        assert!(HttpUrl::parse("https://").is_err());
    }
}

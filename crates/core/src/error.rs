//! The one error type. Every layer returns it; the HTTP and GraphQL skins map
//! `ErrorKind` to a status in one place each. `code` is the stable,
//! machine-readable identifier clients match on; `message` is for humans.

use std::borrow::Cow;
use std::fmt;
use std::panic::Location;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Syntactically bad request (malformed JSON, bad header).
    BadRequest,
    /// Well-formed but invalid input; names the field at fault.
    Validation,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    TooManyRequests,
    Unavailable,
    Internal,
}

impl ErrorKind {
    /// The HTTP status of this kind: the one mapping, used by the REST skin
    /// for the response status and by the GraphQL skin for
    /// `extensions.status` (and both audits).
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::Validation => 422,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::PayloadTooLarge => 413,
            ErrorKind::UnsupportedMediaType => 415,
            ErrorKind::TooManyRequests => 429,
            ErrorKind::Unavailable => 503,
            ErrorKind::Internal => 500,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON path of the offending input, e.g. `starts_at` or `seats[2].row`.
    pub field: String,
    pub code: String,
    pub message: String,
}

/// Boxed so `Result<T, Error>` stays one pointer wide on the happy path.
pub struct Error(Box<ErrorInner>);

pub struct ErrorInner {
    pub kind: ErrorKind,
    pub code: Cow<'static, str>,
    pub message: String,
    /// The first field at fault, when the error is about input.
    pub field: Option<String>,
    /// Every field at fault (validation may find several).
    pub errors: Vec<FieldError>,
    /// Extra machine-readable members for the problem document.
    pub extra: Option<serde_json::Value>,
    /// Internal cause; logged, never shown to clients.
    pub source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    pub location: &'static Location<'static>,
}

impl Error {
    #[track_caller]
    pub fn new(kind: ErrorKind, code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self(Box::new(ErrorInner {
            kind,
            code: code.into(),
            message: message.into(),
            field: None,
            errors: Vec::new(),
            extra: None,
            source: None,
            location: Location::caller(),
        }))
    }

    #[track_caller]
    pub fn validation(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        let field = field.into();
        let message = message.into();
        let mut e = Self::new(ErrorKind::Validation, "validation_failed", format!("{field}: {message}"));
        e.errors.push(FieldError { field: field.clone(), code: code.to_owned(), message });
        e.field = Some(field);
        e
    }

    /// Several field errors at once; `errors` must not be empty.
    #[track_caller]
    pub fn validation_many(errors: Vec<FieldError>) -> Self {
        let message = errors.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
        let mut e = Self::new(ErrorKind::Validation, "validation_failed", message);
        e.field = errors.first().map(|f| f.field.clone());
        e.errors = errors;
        e
    }

    #[track_caller]
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, code, message)
    }

    #[track_caller]
    pub fn unauthenticated(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, code, message)
    }

    #[track_caller]
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, "forbidden", message)
    }

    /// Used for missing resources *and* for other tenants' resources, so
    /// existence never leaks.
    #[track_caller]
    pub fn not_found(resource: &'static str) -> Self {
        Self::new(ErrorKind::NotFound, "not_found", format!("{resource} not found"))
    }

    #[track_caller]
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }

    #[track_caller]
    pub fn internal(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        let mut e = Self::new(ErrorKind::Internal, "internal", "internal server error");
        e.source = Some(Box::new(source));
        e
    }

    #[track_caller]
    pub fn internal_msg(message: impl Into<String>) -> Self {
        let message = message.into();
        let mut e = Self::new(ErrorKind::Internal, "internal", "internal server error");
        e.source = Some(message.into());
        e
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code.into();
        self
    }

    pub fn with_extra(mut self, extra: serde_json::Value) -> Self {
        self.extra = Some(extra);
        self
    }
}

impl std::ops::Deref for Error {
    type Target = ErrorInner;
    fn deref(&self) -> &ErrorInner {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorInner {
        &mut self.0
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}/{} at {}: {}", self.kind, self.code, self.location, self.message)?;
        if let Some(src) = &self.source {
            write!(f, " (caused by: {src})")?;
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// Any foreign error that reaches `?` unhandled is an internal error; the
/// call site is recorded so the log says where it happened.
impl<E: std::error::Error + Send + Sync + 'static> From<E> for Error {
    #[track_caller]
    fn from(e: E) -> Self {
        Error::internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_field() {
        let e = Error::validation("title", "too_long", "at most 200 characters");
        assert_eq!(e.kind, ErrorKind::Validation);
        assert_eq!(e.field.as_deref(), Some("title"));
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].code, "too_long");
    }

    #[test]
    fn foreign_errors_become_internal_with_location() {
        fn parse() -> Result<i32> {
            Ok("x".parse::<i32>()?)
        }
        let e = parse().err().map(|e| (e.kind, e.location.file().to_owned()));
        assert_eq!(e, Some((ErrorKind::Internal, file!().to_owned())));
    }
}

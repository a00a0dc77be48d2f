//! RFC 9457 problem documents: the one place where an error becomes HTTP.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use taquilla_core::{Error, ErrorKind, FieldError};
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";
pub const PROBLEM_TYPE_BASE: &str = "https://taquilla.dev/problems/";

/// The error wrapper handlers return; `?` converts any `taquilla_core::Error`.
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

pub fn status_of(kind: ErrorKind) -> StatusCode {
    StatusCode::from_u16(kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A problem document (RFC 9457) with Taquilla's extension members.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// URI identifying the problem type; ends with `code`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`.
    pub code: String,
    /// The first input field at fault, as a JSON path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Further members specific to the problem (e.g. `from`/`to` of a transition).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub extra: Option<serde_json::Value>,
}

impl Problem {
    pub fn from_error(e: &Error) -> Problem {
        let status = status_of(e.kind);
        // Only objects flatten into the document; anything else would be dropped.
        let extra = e.extra.clone().filter(|v| v.is_object());
        Problem {
            type_: format!("{PROBLEM_TYPE_BASE}{}", e.code),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: e.message.clone(),
            code: e.code.to_string(),
            field: e.field.clone(),
            errors: e.errors.clone(),
            extra,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status_of(self.0.kind)
    }

    fn error_response(&self) -> HttpResponse {
        if self.0.kind == ErrorKind::Internal {
            tracing::error!(error = ?self.0, "internal error");
        } else {
            tracing::debug!(error = ?self.0, "request rejected");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if self.0.kind == ErrorKind::Unauthenticated {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        res.body(serde_json::to_string(&Problem::from_error(&self.0)).unwrap_or_default())
    }
}

/// Converts a JSON deserialization failure into the field-naming error.
pub fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let path = e.path().to_string();
    let inner = e.into_inner();
    match inner.classify() {
        serde_json::error::Category::Data => data_error(&path, &inner.to_string(), true),
        _ => Error::bad_request("malformed_json", format!("malformed JSON: {inner}"))
            .with_extra(serde_json::json!({ "line": inner.line(), "column": inner.column() })),
    }
}

/// Converts a query-string failure into the field-naming error.
pub fn query_error(e: serde_path_to_error::Error<serde_urlencoded::de::Error>) -> Error {
    let path = e.path().to_string();
    data_error(&path, &e.into_inner().to_string(), false)
}

fn data_error(path: &str, message: &str, strip_position: bool) -> Error {
    // serde_json appends " at line L column C"; the path says more.
    let message = match message.rfind(" at line ") {
        Some(i) if strip_position => &message[..i],
        _ => message,
    };
    // Missing and unknown fields are reported at their parent: name the field itself.
    let named = ["missing field `", "unknown field `"].iter().find_map(|p| {
        message
            .strip_prefix(p)
            .and_then(|rest| rest.split('`').next())
            .map(|f| (p.starts_with("missing"), f.to_owned()))
    });
    let (code, field) = match named {
        Some((true, f)) => ("required", join(path, &f)),
        // serde_path_to_error already puts an unknown field in the path.
        Some((false, f)) => ("unknown_field", if path.ends_with(&f) { path.to_owned() } else { join(path, &f) }),
        None => ("invalid", if path == "." { "body".to_owned() } else { path.to_owned() }),
    };
    Error::validation(field, code, message.to_owned())
}

fn join(path: &str, field: &str) -> String {
    if path == "." || path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        title: taquilla_core::text::Title,
        admin: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        email: taquilla_core::text::EmailAddress,
    }

    fn parse(s: &str) -> Error {
        let de = &mut serde_json::Deserializer::from_str(s);
        match serde_path_to_error::deserialize::<_, Body>(de) {
            Ok(b) => panic!("parsed {b:?}"),
            Err(e) => json_error(e),
        }
    }

    #[test]
    fn names_nested_invalid_field() {
        let e = parse(r#"{"title":"x","admin":{"email":"nope"}}"#);
        assert_eq!((e.kind, e.field.as_deref()), (ErrorKind::Validation, Some("admin.email")));
    }

    #[test]
    fn names_missing_and_unknown_fields() {
        assert_eq!(parse(r#"{"admin":{"email":"a@b.co"}}"#).field.as_deref(), Some("title"));
        let e = parse(r#"{"title":"x","admin":{"email":"a@b.co","role":1}}"#);
        assert_eq!((e.field.as_deref(), e.errors[0].code.as_str()), (Some("admin.role"), "unknown_field"));
    }

    #[test]
    fn malformed_json_is_400_with_position() {
        let e = parse("{\"title\": \n  oops}");
        assert_eq!(e.kind, ErrorKind::BadRequest);
        assert_eq!(e.extra, Some(serde_json::json!({"line": 2, "column": 3})));
    }

    #[test]
    fn problem_document_shape() {
        let p = Problem::from_error(&Error::validation("title", "too_long", "at most 200"));
        let v = serde_json::to_value(&p).unwrap_or_default();
        assert_eq!(v["type"], "https://taquilla.dev/problems/validation_failed");
        assert_eq!(v["status"], 422);
        assert_eq!(v["field"], "title");
        assert_eq!(v["title"], "Unprocessable Entity");
    }
}

//! Script errors as values with stable codes: the API returns them to tenant
//! developers and the quote path maps them to `script_error`, so the codes
//! are part of the contract and must not change.

use std::fmt;

use rhai::{EvalAltResult, LexError, ParseError, ParseErrorType, Position};
use serde::{Deserialize, Serialize};

/// What went wrong, as a stable machine-readable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The source does not parse (syntax, undefined variable, disabled keyword such as `import`/`eval`).
    CompileError,
    /// The entry point (`fn price(ctx)` / `fn apply(ctx)`) is missing or has the wrong arity.
    MissingFunction,
    /// The script failed while running: `throw`, a missing function or property, a type error, overflow...
    RuntimeError,
    /// A sandbox limit was hit; `ScriptError::limit` says which.
    LimitExceeded,
    /// The wall-clock deadline passed.
    Timeout,
    /// The script returned something the contract does not allow.
    InvalidResult,
    /// The context handed to the script (e.g. a test case's JSON) does not fit the contract.
    InvalidContext,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CompileError => "compile_error",
            Self::MissingFunction => "missing_function",
            Self::RuntimeError => "runtime_error",
            Self::LimitExceeded => "limit_exceeded",
            Self::Timeout => "timeout",
            Self::InvalidResult => "invalid_result",
            Self::InvalidContext => "invalid_context",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which limit a `limit_exceeded` error hit (the names of `Limits`' fields, without `max_`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    Operations,
    CallLevels,
    ExprDepth,
    StringSize,
    ArraySize,
    MapSize,
    Variables,
    Functions,
    SourceBytes,
}

impl Limit {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operations => "operations",
            Self::CallLevels => "call_levels",
            Self::ExprDepth => "expr_depth",
            Self::StringSize => "string_size",
            Self::ArraySize => "array_size",
            Self::MapSize => "map_size",
            Self::Variables => "variables",
            Self::Functions => "functions",
            Self::SourceBytes => "source_bytes",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from compiling or running a script. Serialises as
/// `{"code": "...", "limit": "...", "message": "...", "line": 3, "column": 7}`
/// (`limit`, `line` and `column` only when known).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct ScriptError {
    pub code: ErrorCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Limit>,
    pub message: String,
    /// 1-based line in the script source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column in the script source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(limit) = self.limit {
            write!(f, " ({limit})")?;
        }
        write!(f, ": {}", self.message)?;
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, " at line {line}, column {column}"),
            (Some(line), None) => write!(f, " at line {line}"),
            _ => Ok(()),
        }
    }
}

impl ScriptError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, limit: None, message: message.into(), line: None, column: None }
    }

    pub fn limit(limit: Limit, message: impl Into<String>) -> Self {
        Self { limit: Some(limit), ..Self::new(ErrorCode::LimitExceeded, message) }
    }

    pub fn invalid_result(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidResult, message)
    }

    pub fn invalid_context(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidContext, message)
    }

    fn at(mut self, pos: Position) -> Self {
        self.line = pos.line();
        self.column = pos.position();
        self
    }

    /// The stable code as a string, e.g. `"limit_exceeded"`.
    pub fn code_str(&self) -> &'static str {
        self.code.as_str()
    }

    pub(crate) fn from_parse(err: &ParseError) -> Self {
        let kind = err.err_type();
        let message = kind.to_string();
        let base = match kind {
            ParseErrorType::ExprTooDeep => Self::limit(Limit::ExprDepth, message),
            ParseErrorType::TooManyFunctions => Self::limit(Limit::Functions, message),
            ParseErrorType::LiteralTooLarge(what, _) => Self::limit(limit_of_literal(what), message),
            ParseErrorType::BadInput(LexError::StringTooLong(_)) => Self::limit(Limit::StringSize, message),
            _ => Self::new(ErrorCode::CompileError, message),
        };
        base.at(err.position())
    }

    /// Maps a runtime error. `ErrorTerminated` can only come from the
    /// sandbox's own `on_progress` hook, which stops a run for time alone.
    pub(crate) fn from_eval(err: &EvalAltResult) -> Self {
        // Errors inside script functions arrive wrapped once per call level;
        // the innermost one names the real cause and carries its position.
        let inner = err.unwrap_inner();
        let pos = if inner.position().is_none() { err.position() } else { inner.position() };
        let message = strip_position(inner.to_string(), inner.position());
        let base = match inner {
            EvalAltResult::ErrorTooManyOperations(_) => Self::limit(Limit::Operations, message),
            EvalAltResult::ErrorStackOverflow(_) => Self::limit(Limit::CallLevels, message),
            EvalAltResult::ErrorTooManyVariables(_) => Self::limit(Limit::Variables, message),
            EvalAltResult::ErrorDataTooLarge(what, _) => Self::limit(limit_of_data(what), message),
            EvalAltResult::ErrorTerminated(..) => {
                Self::new(ErrorCode::Timeout, "the script ran past its wall-clock deadline")
            }
            EvalAltResult::ErrorParsing(kind, _) => match kind {
                ParseErrorType::ExprTooDeep => Self::limit(Limit::ExprDepth, message),
                _ => Self::new(ErrorCode::CompileError, message),
            },
            _ => Self::new(ErrorCode::RuntimeError, message),
        };
        base.at(pos)
    }
}

/// Rhai appends ` (line L, position C)` to its messages; the position lives in
/// its own fields here, so it is not repeated in the text.
fn strip_position(mut message: String, pos: Position) -> String {
    if !pos.is_none() {
        let suffix = format!(" ({pos})");
        if message.ends_with(&suffix) {
            message.truncate(message.len() - suffix.len());
        }
    }
    message
}

// Rhai names the oversized thing only in prose; these are the texts of rhai 1.x
// (eval/data_check.rs, parser.rs, packages/*). Anything unknown counts as a string.
fn limit_of_data(what: &str) -> Limit {
    let what = what.to_ascii_lowercase();
    if what.contains("array") || what.contains("blob") {
        Limit::ArraySize
    } else if what.contains("map") {
        Limit::MapSize
    } else {
        Limit::StringSize
    }
}

fn limit_of_literal(what: &str) -> Limit {
    limit_of_data(what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_with_stable_code_and_optional_fields() {
        let e = ScriptError::limit(Limit::CallLevels, "Stack overflow");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "limit_exceeded", "limit": "call_levels", "message": "Stack overflow"})
        );
        let e = ScriptError { line: Some(3), column: Some(9), ..ScriptError::new(ErrorCode::CompileError, "x") };
        assert_eq!(e.to_string(), "compile_error: x at line 3, column 9");
    }

    #[test]
    fn data_limits_are_told_apart() {
        assert_eq!(limit_of_data("Length of string"), Limit::StringSize);
        assert_eq!(limit_of_data("Size of array/BLOB"), Limit::ArraySize);
        assert_eq!(limit_of_data("Size of object map"), Limit::MapSize);
        assert_eq!(limit_of_literal("Number of properties in object map literal"), Limit::MapSize);
        assert_eq!(limit_of_literal("Size of array literal"), Limit::ArraySize);
        // The sandbox's own measure (sandbox.rs).
        assert_eq!(limit_of_data("Total length of the strings held by the script's variables"), Limit::StringSize);
        assert_eq!(limit_of_data("Total size of the arrays held by the script's variables"), Limit::ArraySize);
        assert_eq!(limit_of_data("Total size of the object maps held by the script's variables"), Limit::MapSize);
    }
}

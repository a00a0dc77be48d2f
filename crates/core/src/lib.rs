//! Taquilla's domain: the types every other crate speaks and the rules that
//! must live in exactly one place. No I/O here.

pub mod error;
pub mod money;
pub mod page;
pub mod roles;
pub mod settings;
pub mod status;
pub mod text;

pub use error::{Error, ErrorKind, FieldError, Result};
pub use roles::{Actor, Permission, Role, Scope};

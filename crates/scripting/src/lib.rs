//! Tenant scripting: sandboxed [Rhai](https://rhai.rs) pricing and coupon
//! rules (issue 8, DESIGN.md §5). Pure engine, no database or HTTP: the
//! services store scripts and call this crate.
//!
//! ```
//! use taquilla_scripting::{PricingContext, Sandbox, ScriptKind, Validation};
//!
//! let sandbox = Sandbox::default(); // once per process, share it
//! let script = sandbox.compile(ScriptKind::Pricing, "fn price(ctx) { ctx.ticket_type.base_price * 90 / 100 }")?;
//! let mut ctx = PricingContext::default();
//! ctx.ticket_type.base_price = 5000;
//! let outcome = sandbox.price(&script, &ctx, Validation::default())?;
//! assert_eq!(outcome.unit_price, 4500);
//! # Ok::<(), taquilla_scripting::ScriptError>(())
//! ```
//!
//! The contract (context fields, return shapes, limits) is documented for
//! tenant developers in `plugins/README.md`; the engine's choices in this
//! crate's README.

mod cache;
mod context;
mod error;
mod limits;
mod outcome;
mod sandbox;
mod testing;

pub use cache::AstCache;
pub use context::{
    BuyerFacts, CouponContext, CouponFacts, CouponKind, EventFacts, PricingContext, SessionFacts, TicketTypeFacts,
};
pub use error::{ErrorCode, Limit, ScriptError};
pub use limits::Limits;
pub use outcome::{CouponOutcome, PriceOutcome, Validation, MAX_LABEL_CHARS, MAX_REASON_CHARS};
pub use sandbox::{CompiledScript, Run, Sandbox, ScriptKind};
pub use testing::{TestCase, TestResult, ADHOC_NAME};

//! The sandboxed engine: one `Sandbox` per process (it is `Send + Sync`),
//! compiled scripts shared as `Arc<AST>`, one short-lived rhai `Engine` per
//! evaluation so that the deadline and the captured log belong to that
//! evaluation alone, whatever thread it runs on.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use rhai::packages::{Package, StandardPackage};
use rhai::{CallFnOptions, Dynamic, Engine, EvalAltResult, Map, Module, Position, Scope, Shared, AST};
use serde::{Deserialize, Serialize};

use crate::context::{CouponContext, PricingContext};
use crate::error::{ErrorCode, Limit, ScriptError};
use crate::limits::Limits;
use crate::outcome::{CouponOutcome, PriceOutcome, Validation};

/// What a script is for; decides the entry point `compile` requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptKind {
    /// Defines `fn price(ctx)`.
    Pricing,
    /// Defines `fn apply(ctx)`.
    Coupon,
}

impl ScriptKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pricing => "pricing",
            Self::Coupon => "coupon",
        }
    }

    /// The function the script must define, with exactly one parameter.
    pub fn entry_point(self) -> &'static str {
        match self {
            Self::Pricing => "price",
            Self::Coupon => "apply",
        }
    }
}

impl std::str::FromStr for ScriptKind {
    type Err = String;

    /// The inverse of [`ScriptKind::as_str`], for a database column.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pricing" => Ok(Self::Pricing),
            "coupon" => Ok(Self::Coupon),
            other => Err(format!("unknown script kind `{other}` (pricing or coupon)")),
        }
    }
}

/// A script that compiled and has its entry point. Cloning is an `Arc` bump.
#[derive(Clone)]
pub struct CompiledScript {
    kind: ScriptKind,
    ast: Arc<AST>,
}

impl CompiledScript {
    pub fn kind(&self) -> ScriptKind {
        self.kind
    }
}

impl fmt::Debug for CompiledScript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledScript").field("kind", &self.kind).finish_non_exhaustive()
    }
}

/// One evaluation: its result and what the script printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run<T> {
    pub result: Result<T, ScriptError>,
    /// `print` lines as printed, `debug` lines as `[debug line L] value`.
    pub log: Vec<String>,
}

/// How often (in operations) the progress hook reads the clock. Reading it on
/// every operation would cost about as much as the operation; every 8th keeps
/// the overshoot past the deadline to a handful of operations.
const CLOCK_EVERY_OPS: u64 = 8;

/// The token `on_progress` stops a run with; only ever seen as `ErrorTerminated`.
const DEADLINE_TOKEN: &str = "deadline";

/// How often (in variable reads) the sandbox measures the variables in scope
/// itself. rhai checks a value when a function returns it or a method is
/// called on it, but not when `m[key] = value` adds a property, and it never
/// counts map keys; without this a loop of such assignments grew one map by
/// tens of megabytes before the deadline. Every loop that grows data reads
/// variables, so the overshoot is at most this many additions.
const MEASURE_EVERY_READS: u64 = 32;

/// Nesting below this is not walked by the sandbox's own measure (rhai's
/// checks still count it): the walk must not risk the stack, and no pricing
/// rule nests data this deep.
const MEASURE_MAX_DEPTH: usize = 64;

/// The size limits applied to everything the script's variables hold
/// together (rhai applies them to one value at a time), so that many
/// variables cannot each hold the maximum.
#[derive(Clone, Copy)]
struct DataLimits {
    array: usize,
    map: usize,
    string: usize,
}

#[derive(Default)]
struct Sizes {
    array: usize,
    map: usize,
    string: usize,
}

impl DataLimits {
    fn exceeded(&self, s: &Sizes) -> Option<&'static str> {
        // Worded so that `ScriptError` maps each to its limit (see error.rs).
        if self.string > 0 && s.string > self.string {
            Some("Total length of the strings held by the script's variables")
        } else if self.array > 0 && s.array > self.array {
            Some("Total size of the arrays held by the script's variables")
        } else if self.map > 0 && s.map > self.map {
            Some("Total size of the object maps held by the script's variables")
        } else {
            None
        }
    }

    /// Adds `value`'s sizes (nested values and map keys included) to
    /// `sizes`, stopping at the first limit crossed.
    fn measure(&self, value: &Dynamic, sizes: &mut Sizes, depth: usize) -> Option<&'static str> {
        if depth > MEASURE_MAX_DEPTH {
            return None;
        }
        if let Ok(array) = value.as_array_ref() {
            sizes.array += array.len();
            for item in array.iter() {
                if let Some(hit) = self.measure(item, sizes, depth + 1) {
                    return Some(hit);
                }
            }
        } else if let Ok(map) = value.as_map_ref() {
            sizes.map += map.len();
            for (key, item) in map.iter() {
                sizes.string += key.len();
                if let Some(hit) = self.measure(item, sizes, depth + 1) {
                    return Some(hit);
                }
            }
        } else if let Ok(text) = value.as_immutable_string_ref() {
            sizes.string += text.len();
        } else if value.is_blob() {
            sizes.array += value.as_blob_ref().map(|b| b.len()).unwrap_or(0);
        }
        self.exceeded(sizes)
    }
}

#[derive(Default)]
struct Log {
    lines: Vec<String>,
    bytes: usize,
    dropped: usize,
}

struct LogSink {
    log: Mutex<Log>,
    max_lines: usize,
    max_bytes: usize,
}

impl LogSink {
    fn push(&self, mut line: String) {
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        let room = self.max_bytes.saturating_sub(log.bytes);
        if log.lines.len() >= self.max_lines || room == 0 {
            log.dropped += 1;
            return;
        }
        if line.len() > room {
            let mut cut = room;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            line.truncate(cut);
            line.push('…');
        }
        log.bytes += line.len();
        log.lines.push(line);
    }

    fn take(&self) -> Vec<String> {
        let mut log = std::mem::take(&mut *self.log.lock().unwrap_or_else(PoisonError::into_inner));
        if log.dropped > 0 {
            log.lines.push(format!(
                "… {} more line(s) dropped (log limit: {} lines, {} bytes)",
                log.dropped, self.max_lines, self.max_bytes
            ));
        }
        log.lines
    }
}

/// The sandboxed rhai engine. Build one with [`Sandbox::new`] and share it.
pub struct Sandbox {
    limits: Limits,
    /// Configured like the per-run engines, without hooks: parsing is where
    /// `import`, `eval`, undefined variables and depth limits are refused.
    compiler: Engine,
    standard: Shared<Module>,
    guards: Shared<Module>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox").field("limits", &self.limits).finish_non_exhaustive()
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

/// Functions of rhai's standard package that a tenant script must not reach,
/// replaced by ones that fail. The module is registered after the standard
/// package, and rhai searches later global modules first.
fn guards() -> Module {
    let mut m = Module::new();
    // `sleep` blocks the thread inside one operation, where neither the
    // operation limit nor the deadline can interrupt it.
    m.set_native_fn("sleep", |_: rhai::INT| -> Result<(), Box<EvalAltResult>> { Err(unavailable("sleep")) });
    m.set_native_fn("sleep", |_: rhai::FLOAT| -> Result<(), Box<EvalAltResult>> { Err(unavailable("sleep")) });
    m
}

fn unavailable(name: &str) -> Box<EvalAltResult> {
    EvalAltResult::ErrorFunctionNotFound(format!("{name} (not available to Taquilla scripts)"), Position::NONE).into()
}

impl Sandbox {
    pub fn new(limits: Limits) -> Self {
        let standard = StandardPackage::new().as_shared_module();
        let guards = Shared::new(guards());
        let mut compiler = Engine::new_raw();
        configure(&mut compiler, &limits, &standard, &guards);
        Self { limits, compiler, standard, guards }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Parses `source` and checks that it defines the entry point of `kind`
    /// with one parameter. Top-level statements are dropped: functions cannot
    /// see top-level variables anyway (there are no modules), and running them
    /// on every call would only spend the operation budget.
    pub fn compile(&self, kind: ScriptKind, source: &str) -> Result<CompiledScript, ScriptError> {
        if source.len() > self.limits.max_source_bytes {
            return Err(ScriptError::limit(
                Limit::SourceBytes,
                format!("the script is {} bytes, more than the {} allowed", source.len(), self.limits.max_source_bytes),
            ));
        }
        let mut ast = self.compiler.compile(source).map_err(|e| ScriptError::from_parse(&e))?;
        let entry = kind.entry_point();
        let arities: Vec<usize> =
            ast.iter_functions().filter(|f| f.name == entry && f.this_type.is_none()).map(|f| f.params.len()).collect();
        if !arities.contains(&1) {
            let found = if arities.is_empty() {
                "there is none".to_owned()
            } else {
                let list: Vec<String> = arities.iter().map(|n| format!("{entry} with {n} parameter(s)")).collect();
                format!("found {}", list.join(", "))
            };
            return Err(ScriptError::new(
                ErrorCode::MissingFunction,
                format!("a {} script must define `fn {entry}(ctx)` with one parameter; {found}", kind.as_str()),
            ));
        }
        ast.clear_statements();
        Ok(CompiledScript { kind, ast: Arc::new(ast) })
    }

    /// Evaluates a pricing script, keeping what it printed.
    pub fn run_price(
        &self,
        script: &CompiledScript,
        ctx: &PricingContext,
        validation: Validation,
    ) -> Run<PriceOutcome> {
        let map = match ctx.to_map() {
            Ok(map) => map,
            Err(e) => return Run { result: Err(e), log: Vec::new() },
        };
        let (result, log) = self.call(script, ScriptKind::Pricing, map);
        let result = result.and_then(|value| PriceOutcome::from_script(value, ctx.ticket_type.base_price, validation));
        Run { result, log }
    }

    /// Evaluates a pricing script: the unit price to charge, or why not.
    pub fn price(
        &self,
        script: &CompiledScript,
        ctx: &PricingContext,
        validation: Validation,
    ) -> Result<PriceOutcome, ScriptError> {
        self.run_price(script, ctx, validation).result
    }

    /// Evaluates a coupon script, keeping what it printed.
    pub fn run_coupon(&self, script: &CompiledScript, ctx: &CouponContext) -> Run<CouponOutcome> {
        let prepared = ctx.to_map().and_then(|map| Ok((map, ctx.line_total()?)));
        let (map, line_total) = match prepared {
            Ok(p) => p,
            Err(e) => return Run { result: Err(e), log: Vec::new() },
        };
        let (result, log) = self.call(script, ScriptKind::Coupon, map);
        let result = result.and_then(|value| CouponOutcome::from_script(value, line_total));
        Run { result, log }
    }

    /// Evaluates a coupon script: whether it applies and the discount.
    pub fn coupon(&self, script: &CompiledScript, ctx: &CouponContext) -> Result<CouponOutcome, ScriptError> {
        self.run_coupon(script, ctx).result
    }

    fn call(&self, script: &CompiledScript, kind: ScriptKind, ctx: Map) -> (Result<Dynamic, ScriptError>, Vec<String>) {
        if script.kind != kind {
            let err = ScriptError::new(
                ErrorCode::MissingFunction,
                format!("this is a {} script; it has no `{}(ctx)`", script.kind.as_str(), kind.entry_point()),
            );
            return (Err(err), Vec::new());
        }
        let sink = Arc::new(LogSink {
            log: Mutex::new(Log::default()),
            max_lines: self.limits.max_log_lines,
            max_bytes: self.limits.max_log_bytes,
        });
        let mut engine = Engine::new_raw();
        configure(&mut engine, &self.limits, &self.standard, &self.guards);

        let deadline = Instant::now() + self.limits.deadline;
        engine.on_progress(move |ops| {
            (ops % CLOCK_EVERY_OPS == 0 && Instant::now() >= deadline).then(|| Dynamic::from(DEADLINE_TOKEN))
        });
        let print_sink = Arc::clone(&sink);
        engine.on_print(move |text| print_sink.push(text.to_owned()));
        let debug_sink = Arc::clone(&sink);
        engine.on_debug(move |text, _source, pos| {
            debug_sink.push(match pos.line() {
                Some(line) => format!("[debug line {line}] {text}"),
                None => format!("[debug] {text}"),
            })
        });

        let data = DataLimits {
            array: self.limits.max_array_size,
            map: self.limits.max_map_size,
            string: self.limits.max_string_size,
        };
        let reads = AtomicU64::new(0);
        // rhai marks `on_var` deprecated only to flag it as a volatile API.
        #[allow(deprecated)]
        engine.on_var(move |_name, _index, context| {
            if reads.fetch_add(1, Ordering::Relaxed) % MEASURE_EVERY_READS == MEASURE_EVERY_READS - 1 {
                let mut sizes = Sizes::default();
                for (_, _, value) in context.scope().iter_raw() {
                    if let Some(what) = data.measure(value, &mut sizes, 0) {
                        return Err(EvalAltResult::ErrorDataTooLarge(what.to_owned(), Position::NONE).into());
                    }
                }
            }
            Ok(None)
        });

        let arg = Dynamic::from_map(ctx);
        let options = CallFnOptions::new().eval_ast(false);
        // rhai is meant not to panic on any script; should it, the quote
        // fails with an error instead of taking the request's thread down.
        // Nothing outlives the run but the immutable AST, so nothing is left
        // half-changed.
        let result = catch_unwind(AssertUnwindSafe(|| {
            engine.call_fn_with_options::<Dynamic>(options, &mut Scope::new(), &script.ast, kind.entry_point(), (arg,))
        }));
        let result = match result {
            Ok(result) => result.map_err(|e| ScriptError::from_eval(&e)),
            Err(_) => Err(ScriptError::new(ErrorCode::RuntimeError, "the script engine failed internally")),
        };
        drop(engine);
        (result, sink.take())
    }
}

fn configure(engine: &mut Engine, limits: &Limits, standard: &Shared<Module>, guards: &Shared<Module>) {
    engine
        .set_max_operations(limits.max_operations)
        .set_max_call_levels(limits.max_call_levels)
        .set_max_expr_depths(limits.max_expr_depth, limits.max_function_expr_depth)
        .set_max_string_size(limits.max_string_size)
        .set_max_array_size(limits.max_array_size)
        .set_max_map_size(limits.max_map_size)
        .set_max_variables(limits.max_variables)
        .set_max_functions(limits.max_functions);
    // Typos become compile errors instead of `()` at sale time.
    engine.set_strict_variables(true);
    engine.set_fail_on_invalid_map_property(true);
    // `eval` would compile source at run time, outside `compile`'s checks.
    engine.disable_symbol("eval");
    engine.register_global_module(standard.clone());
    engine.register_global_module(guards.clone());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_strings() {
        for kind in [ScriptKind::Pricing, ScriptKind::Coupon] {
            assert_eq!(kind.as_str().parse::<ScriptKind>(), Ok(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        assert!("Pricing".parse::<ScriptKind>().is_err());
    }
}

//! The sandbox's limits, all in one place so the lead can expose them as
//! configuration and tests can tighten them.

use std::time::Duration;

/// Every limit the sandbox enforces. `Limits::default()` is what production
/// uses; each field says what happens when a script crosses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Rhai operations per evaluation (roughly: expressions evaluated, loop
    /// iterations, function calls). 0 means unlimited, which only tests use:
    /// the deadline is then the only stop.
    pub max_operations: u64,
    /// Nested script function calls; stops runaway recursion long before the
    /// thread's stack is at risk.
    pub max_call_levels: usize,
    /// Nesting of expressions and statements at the top level, checked at compile time.
    pub max_expr_depth: usize,
    /// Nesting of expressions and statements inside functions, checked at compile time.
    pub max_function_expr_depth: usize,
    /// Bytes in one string (also caps string literals at compile time).
    pub max_string_size: usize,
    /// Elements in one array, nested arrays counted in.
    pub max_array_size: usize,
    /// Properties in one object map, nested maps counted in. The context map
    /// itself has to fit.
    pub max_map_size: usize,
    /// Variables alive at once.
    pub max_variables: usize,
    /// Functions a script may define.
    pub max_functions: usize,
    /// Bytes of source accepted by `compile`; parsing is linear but not free.
    pub max_source_bytes: usize,
    /// Wall-clock budget of one evaluation. Checked between operations, so a
    /// script of cheap operations hits `max_operations` first; this catches
    /// scripts whose single operations are expensive (sorting big arrays,
    /// string work near the size limit) on a busy machine.
    pub deadline: Duration,
    /// `print`/`debug` lines kept per evaluation; the rest is dropped and a
    /// marker line says so.
    pub max_log_lines: usize,
    /// Bytes of `print`/`debug` output kept per evaluation.
    pub max_log_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_operations: 100_000,
            max_call_levels: 32,
            max_expr_depth: 64,
            max_function_expr_depth: 32,
            max_string_size: 64 * 1024,
            max_array_size: 10_000,
            max_map_size: 1_000,
            max_variables: 256,
            max_functions: 64,
            max_source_bytes: 64 * 1024,
            deadline: Duration::from_millis(50),
            max_log_lines: 100,
            max_log_bytes: 16 * 1024,
        }
    }
}

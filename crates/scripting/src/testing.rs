//! A script's own test cases: what `POST /scripts/{id}/test` runs and what
//! activation requires to pass. Contexts and expectations are JSON because
//! that is how tenant developers write and store them.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::context::{CouponContext, PricingContext};
use crate::error::{ErrorCode, ScriptError};
use crate::outcome::Validation;
use crate::sandbox::{CompiledScript, Run, Sandbox, ScriptKind};

/// One case. `context` is a `PricingContext` or `CouponContext` as JSON
/// (omitted fields take their defaults). `expected` is, for pricing, an
/// integer unit price or `{"unit_price": int, "label": string|null}` (label
/// compared only when present); for coupons, any of `eligible`, `discount`,
/// `reason` (those present are compared); for either, `{"error": "<code>"}`
/// (optionally with `"limit"`) when the case expects the script to fail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestCase {
    pub name: String,
    pub context: Value,
    pub expected: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    pub name: String,
    pub passed: bool,
    /// The outcome as JSON, or `{"error": "<code>"}` when the run failed.
    pub actual: Value,
    /// `null` for the ad-hoc run, which passes when the script runs cleanly.
    pub expected: Value,
    /// Why the run failed, with line and column when rhai knows them; or why
    /// the case itself could not be used (`invalid_context`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ScriptError>,
    /// What the script printed (`print`, `debug`) during this case.
    pub log: Vec<String>,
}

/// The name of the result for the ad-hoc context.
pub const ADHOC_NAME: &str = "adhoc";

impl Sandbox {
    /// Runs every case, then the ad-hoc context if given (its result comes
    /// last, named [`ADHOC_NAME`]). Never stops early: each case has its own
    /// limits and deadline, and the engine is fresh for each.
    pub fn run_tests(
        &self,
        script: &CompiledScript,
        cases: &[TestCase],
        adhoc: Option<&Value>,
        validation: Validation,
    ) -> Vec<TestResult> {
        let mut results: Vec<TestResult> = cases
            .iter()
            .map(|case| {
                let run = self.run_json(script, &case.context, validation);
                judge(&case.name, script.kind(), run, &case.expected)
            })
            .collect();
        if let Some(context) = adhoc {
            let run = self.run_json(script, context, validation);
            let passed = run.result.is_ok();
            let (actual, error) = split(run.result);
            results.push(TestResult {
                name: ADHOC_NAME.to_owned(),
                passed,
                actual,
                expected: Value::Null,
                error,
                log: run.log,
            });
        }
        results
    }

    /// Runs the script on a JSON context; the outcome comes back as JSON.
    pub fn run_json(&self, script: &CompiledScript, context: &Value, validation: Validation) -> Run<Value> {
        fn bad_context(e: serde_json::Error) -> ScriptError {
            ScriptError::invalid_context(format!("the context does not fit the contract: {e}"))
        }
        fn to_json<T: Serialize>(run: Run<T>) -> Run<Value> {
            let result = run.result.and_then(|outcome| {
                serde_json::to_value(outcome).map_err(|e| ScriptError::invalid_result(e.to_string()))
            });
            Run { result, log: run.log }
        }
        match script.kind() {
            ScriptKind::Pricing => match PricingContext::deserialize(context) {
                Ok(ctx) => to_json(self.run_price(script, &ctx, validation)),
                Err(e) => Run { result: Err(bad_context(e)), log: Vec::new() },
            },
            ScriptKind::Coupon => match CouponContext::deserialize(context) {
                Ok(ctx) => to_json(self.run_coupon(script, &ctx)),
                Err(e) => Run { result: Err(bad_context(e)), log: Vec::new() },
            },
        }
    }
}

fn split(result: Result<Value, ScriptError>) -> (Value, Option<ScriptError>) {
    match result {
        Ok(value) => (value, None),
        Err(e) => (json!({ "error": e.code }), Some(e)),
    }
}

fn judge(name: &str, kind: ScriptKind, run: Run<Value>, expected: &Value) -> TestResult {
    let verdict = matches(kind, &run.result, expected);
    let (actual, error) = split(run.result);
    let (passed, error) = match verdict {
        Ok(passed) => (passed, error),
        Err(bad) => (false, Some(bad)),
    };
    TestResult { name: name.to_owned(), passed, actual, expected: expected.clone(), error, log: run.log }
}

/// Whether `result` meets `expected`; `Err` when `expected` itself is malformed.
fn matches(kind: ScriptKind, result: &Result<Value, ScriptError>, expected: &Value) -> Result<bool, ScriptError> {
    let bad = |why: &str| ScriptError::invalid_context(format!("`expected` {why}"));

    if let Some(obj) = expected.as_object().filter(|o| o.contains_key("error")) {
        if let Some(key) = obj.keys().find(|k| *k != "error" && *k != "limit") {
            return Err(bad(&format!("expects an error and may only add `limit`, not `{key}`")));
        }
        let code: ErrorCode =
            serde_json::from_value(obj["error"].clone()).map_err(|_| bad("has an unknown error code in `error`"))?;
        let limit = match obj.get("limit") {
            Some(l) => Some(serde_json::from_value(l.clone()).map_err(|_| bad("has an unknown `limit`"))?),
            None => None,
        };
        return Ok(match result {
            Err(e) => e.code == code && (limit.is_none() || e.limit == limit),
            Ok(_) => false,
        });
    }
    let Ok(actual) = result else { return Ok(false) };

    let allowed: &[&str] = match kind {
        ScriptKind::Pricing => &["unit_price", "label"],
        ScriptKind::Coupon => &["eligible", "discount", "reason"],
    };
    let expected_obj = match (kind, expected) {
        (ScriptKind::Pricing, Value::Number(n)) => {
            let price = n.as_i64().ok_or_else(|| bad("must be an integer unit price"))?;
            return Ok(actual.get("unit_price").and_then(Value::as_i64) == Some(price));
        }
        (_, Value::Object(obj)) if !obj.is_empty() => obj,
        (ScriptKind::Pricing, _) => {
            return Err(bad("must be an integer, {\"unit_price\": ..., \"label\": ...} or {\"error\": \"<code>\"}"))
        }
        (ScriptKind::Coupon, _) => {
            return Err(bad("must be an object with eligible, discount and/or reason, or {\"error\": \"<code>\"}"))
        }
    };
    if let Some(key) = expected_obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(bad(&format!("has an unknown key `{key}` (allowed: {})", allowed.join(", "))));
    }
    Ok(expected_obj.iter().all(|(key, want)| actual.get(key).unwrap_or(&Value::Null) == want))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(name: &str, context: Value, expected: Value) -> TestCase {
        TestCase { name: name.into(), context, expected }
    }

    #[test]
    fn pricing_cases_pass_fail_and_report() {
        let sandbox = Sandbox::default();
        let script = sandbox
            .compile(
                ScriptKind::Pricing,
                r#"fn price(ctx) {
                    print(`base ${ctx.ticket_type.base_price}`);
                    if ctx.quantity > 100 { throw "too many"; }
                    #{ unit_price: ctx.ticket_type.base_price - 100, label: "Promo" }
                }"#,
            )
            .unwrap();
        let ctx = json!({"ticket_type": {"base_price": 1000}});
        let cases = [
            case("int", ctx.clone(), json!(900)),
            case("map", ctx.clone(), json!({"unit_price": 900, "label": "Promo"})),
            case("wrong", ctx.clone(), json!(901)),
            case("wrong label", ctx.clone(), json!({"unit_price": 900, "label": null})),
            case("expects error", json!({"quantity": 101}), json!({"error": "runtime_error"})),
            case("bad expected", ctx.clone(), json!({"price": 900})),
            case("bad context", json!({"ticket_type": {"prize": 1}}), json!(900)),
        ];
        let results = sandbox.run_tests(&script, &cases, Some(&ctx), Validation::default());
        let passed: Vec<bool> = results.iter().map(|r| r.passed).collect();
        assert_eq!(passed, [true, true, false, false, true, false, false, true]);
        assert_eq!(results[0].log, ["base 1000"]);
        assert_eq!(results[0].actual, json!({"unit_price": 900, "label": "Promo"}));
        assert_eq!(results[4].actual, json!({"error": "runtime_error"}));
        assert_eq!(results[4].error.as_ref().map(|e| e.line), Some(Some(3)));
        assert_eq!(results[5].error.as_ref().map(|e| e.code), Some(ErrorCode::InvalidContext));
        assert!(results[6].error.as_ref().unwrap().message.contains("prize"));
        assert_eq!(results[7].name, ADHOC_NAME);
        assert_eq!(results[7].expected, Value::Null);
    }

    #[test]
    fn coupon_cases_compare_given_keys_only() {
        let sandbox = Sandbox::default();
        let script = sandbox
            .compile(
                ScriptKind::Coupon,
                "fn apply(ctx) { #{ eligible: true, discount: ctx.line.total / 10, reason: \"10 %\" } }",
            )
            .unwrap();
        let ctx = json!({"unit_price": 1000, "quantity": 2});
        let cases = [
            case("discount only", ctx.clone(), json!({"discount": 200})),
            case("all", ctx.clone(), json!({"eligible": true, "discount": 200, "reason": "10 %"})),
            case("wrong", ctx.clone(), json!({"eligible": false})),
            case("limit kind", ctx.clone(), json!({"error": "limit_exceeded", "limit": "operations"})),
        ];
        let results = sandbox.run_tests(&script, &cases, None, Validation::default());
        let passed: Vec<bool> = results.iter().map(|r| r.passed).collect();
        assert_eq!(passed, [true, true, false, false]);
    }
}

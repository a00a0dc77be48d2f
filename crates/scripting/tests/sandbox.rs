//! Hostile and broken scripts: each must stop within its limits, quickly,
//! with the right error code, and leave the sandbox usable for the next one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use taquilla_scripting::{
    CouponContext, ErrorCode, Limit, Limits, PricingContext, Sandbox, ScriptError, ScriptKind, Validation,
};

/// Generous: the limits themselves are milliseconds, but tests share two
/// cores with builds; what matters is "stops", not the exact time.
const QUICK: Duration = Duration::from_secs(3);

/// The default limits with a deadline far away: these tests assert which
/// limit stops a script, and on a loaded machine a debug build could reach
/// 50 ms before 100,000 operations. `QUICK` still catches a limit that fails
/// to stop anything; the deadline has tests of its own.
fn sandbox() -> Sandbox {
    Sandbox::new(Limits { deadline: Duration::from_secs(10), ..Limits::default() })
}

fn ctx() -> PricingContext {
    let mut ctx = PricingContext::default();
    ctx.ticket_type.name = "General".into();
    ctx.ticket_type.base_price = 5000;
    ctx.ticket_type.capacity = 100;
    ctx.ticket_type.sold = 40;
    ctx
}

/// Compiles `body` as a pricing script and runs it once, timing both.
fn run(sandbox: &Sandbox, source: &str) -> (Result<i64, ScriptError>, Duration) {
    let started = Instant::now();
    let result = sandbox
        .compile(ScriptKind::Pricing, source)
        .and_then(|script| sandbox.price(&script, &ctx(), Validation::default()))
        .map(|o| o.unit_price);
    (result, started.elapsed())
}

fn expect_err(sandbox: &Sandbox, source: &str) -> ScriptError {
    let (result, took) = run(sandbox, source);
    assert!(took < QUICK, "took {took:?} for {source}");
    match result {
        Err(e) => e,
        Ok(v) => panic!("expected an error, got {v} from {source}"),
    }
}

fn assert_limit(err: &ScriptError, limit: Limit) {
    assert_eq!((err.code, err.limit), (ErrorCode::LimitExceeded, Some(limit)), "{err}");
}

/// The sandbox still compiles and runs an ordinary script correctly.
fn assert_healthy(sandbox: &Sandbox) {
    let (result, _) = run(sandbox, "fn price(ctx) { ctx.ticket_type.base_price - ctx.ticket_type.available }");
    assert_eq!(result, Ok(4940));
}

#[test]
fn infinite_loops_stop_at_the_operation_limit() {
    let sandbox = sandbox();
    for source in [
        "fn price(ctx) { loop { } }",
        "fn price(ctx) { let i = 0; while true { i += 1; } i }",
        "fn price(ctx) { let x = 0; for i in 0..1000000000 { x += i; } x }",
        // Operations are counted inside closures and callbacks too.
        "fn price(ctx) { let f = |x| { loop {} }; f.call(1) }",
    ] {
        assert_limit(&expect_err(&sandbox, source), Limit::Operations);
        assert_healthy(&sandbox);
    }
}

#[test]
fn the_deadline_stops_a_loop_when_operations_are_unlimited() {
    let limits = Limits { max_operations: 0, deadline: Duration::from_millis(30), ..Limits::default() };
    let sandbox = Sandbox::new(limits);
    let started = Instant::now();
    let err = expect_err(&sandbox, "fn price(ctx) { loop { } }");
    assert_eq!(err.code, ErrorCode::Timeout, "{err}");
    assert!(started.elapsed() >= Duration::from_millis(30));
    assert_healthy(&sandbox);
}

#[test]
fn the_deadline_stops_expensive_operations_before_the_operation_limit() {
    // Each iteration is a few operations but copies ~60 KB: the default
    // limits allow 100k operations, far more than 50 ms of this.
    let sandbox = Sandbox::default();
    let err =
        expect_err(&sandbox, r#"fn price(ctx) { let s = ""; s.pad(60000, "x"); loop { let t = s.to_upper(); } }"#);
    assert_eq!(err.code, ErrorCode::Timeout, "{err}");
    assert_healthy(&sandbox);
}

#[test]
fn deep_recursion_stops_at_call_levels() {
    let sandbox = sandbox();
    let err = expect_err(&sandbox, "fn down(n) { down(n + 1) } fn price(ctx) { down(0) }");
    assert_limit(&err, Limit::CallLevels);
    // Mutual recursion through a closure counts the same.
    let err = expect_err(&sandbox, "fn a(f) { f.call(f) } fn price(ctx) { let f = |g| a(g); a(f) }");
    assert_limit(&err, Limit::CallLevels);
    assert_healthy(&sandbox);
}

#[test]
fn recursion_at_the_call_limit_with_deep_expressions_fits_a_small_stack() {
    // Every level nests expressions as deep as the compiler allows; at the
    // default call level limit this must not overflow a 2 MiB thread stack
    // (tokio's worker default), in a debug build too.
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let sandbox = sandbox();
            let source = |depth: usize| {
                let nested = format!("{}n{}", "(1 + ".repeat(depth), ")".repeat(depth));
                format!("fn down(n) {{ if n < 0 {{ return 0; }} down({nested}) }} fn price(ctx) {{ down(0) }}")
            };
            let deepest = (1..64).take_while(|d| sandbox.compile(ScriptKind::Pricing, &source(*d)).is_ok()).last();
            let deepest = deepest.expect("some nesting compiles");
            assert!(deepest >= 8, "only {deepest} levels of nesting compile");
            let err = expect_err(&sandbox, &source(deepest));
            assert_limit(&err, Limit::CallLevels);
        })
        .unwrap();
    handle.join().unwrap();
}

#[test]
fn a_hundred_megabyte_string_is_refused() {
    let sandbox = sandbox();
    for source in [
        // Doubling: stops at the first string over 64 KiB, not at 100 MB.
        "fn price(ctx) { let s = \"x\"; loop { s += s; } }",
        // One call asking for 100 MB: refused before allocating.
        "fn price(ctx) { let s = \"\"; s.pad(100000000, \"x\"); 1 }",
        "fn price(ctx) { let s = \"x\"; for i in 0..30 { s = s + s; } s.len() }",
        // Many small strings in one array count together.
        "fn price(ctx) { let a = []; let s = \"\"; s.pad(1000, \"x\"); for i in 0..200 { a.push(s); } a.len() }",
    ] {
        assert_limit(&expect_err(&sandbox, source), Limit::StringSize);
        assert_healthy(&sandbox);
    }
    // Constants doubling themselves: neither compiling (the optimiser folds
    // constants) nor running may build the 1 GB string.
    let consts: String = (1..=20).map(|i| format!("const A{i} = A{} + A{};\n", i - 1, i - 1)).collect();
    let head = format!("const A0 = \"{}\";\n{consts}", "x".repeat(1000));
    assert_limit(&expect_err(&sandbox, &format!("fn price(ctx) {{\n{head} A20.len() }}")), Limit::StringSize);
    let (result, took) = run(&sandbox, &format!("{head}fn price(ctx) {{ 1 }}"));
    assert_eq!((result, took < QUICK), (Ok(1), true));
    // A string literal over the limit does not even compile.
    let sandbox = Sandbox::new(Limits { max_source_bytes: 1024 * 1024, ..Limits::default() });
    let literal = format!("fn price(ctx) {{ let s = \"{}\"; 1 }}", "x".repeat(70 * 1024));
    assert_limit(&expect_err(&sandbox, &literal), Limit::StringSize);
}

#[test]
fn huge_arrays_and_maps_are_refused() {
    let sandbox = sandbox();
    for source in [
        "fn price(ctx) { let a = []; a.pad(100000000, 0); 1 }",
        "fn price(ctx) { let a = [1]; loop { a += a; } }",
        // Nested arrays are counted in total.
        "fn price(ctx) { let row = []; row.pad(1000, 0); let a = []; for i in 0..100 { a.push(row); } 1 }",
    ] {
        let err = expect_err(&sandbox, source);
        assert_eq!((err.code, err.limit), (ErrorCode::LimitExceeded, Some(Limit::ArraySize)), "{source}: {err}");
    }
    // rhai re-measures an array on every push, so pushing to the limit is
    // quadratic: in a debug build the deadline may come first. Either stops it.
    let err = expect_err(&Sandbox::default(), "fn price(ctx) { let a = []; loop { a.push(1); } }");
    assert!(err.limit == Some(Limit::ArraySize) || err.code == ErrorCode::Timeout, "{err}");
    let err = expect_err(&sandbox, "fn price(ctx) { let m = #{}; for i in 0..5000 { m[`k${i}`] = i; } 1 }");
    assert_limit(&err, Limit::MapSize);
    assert_healthy(&sandbox);
}

#[test]
fn maps_grown_by_assignment_are_measured_keys_included() {
    // rhai does not check a map when `m[key] = value` adds a property, nor
    // count keys at all; the sandbox measures the scope itself. Without that
    // each of these reached tens of megabytes before the deadline.
    let sandbox = sandbox();
    let big = "let s = \"\"; s.pad(60000, \"x\"); let i = 0;";
    for body in [
        "let m = #{}; loop { i += 1; m[`${i}${s}`] = 1; }",
        "let m = #{}; loop { i += 1; m[`${i}`] = s + i; }",
        "let a = [#{}]; loop { i += 1; a[0][`${i}`] = s + i; }",
        "let m = #{ inner: #{} }; loop { i += 1; m.inner[`${i}`] = s + i; }",
    ] {
        let err = expect_err(&sandbox, &format!("fn price(ctx) {{ {big} {body} }}"));
        assert_eq!(err.limit, Some(Limit::StringSize), "{body}: {err}");
    }
    let err = expect_err(&sandbox, "fn price(ctx) { let m = #{}; let i = 0; loop { i += 1; m[`${i}`] = i; } }");
    assert_limit(&err, Limit::MapSize);
    assert_healthy(&sandbox);
}

#[test]
fn the_size_limits_hold_for_all_variables_together() {
    // Each string is under 64 KiB; together they are not. (The measure runs
    // every 32 variable reads; anything that uses its data reads it.)
    let sandbox = sandbox();
    let lets: String = (0..8).map(|i| format!("let s{i} = \"\"; s{i}.pad(20000, \"{i}\");\n")).collect();
    let use_them = "let n = 0; for i in 0..40 { n += s0.len() + s7.len(); } n";
    let err = expect_err(&sandbox, &format!("fn price(ctx) {{\n{lets} {use_them} }}"));
    assert_limit(&err, Limit::StringSize);
    // Also across call levels: each level holds its own copy.
    let err = expect_err(
        &sandbox,
        "fn down(n, s) { if n == 0 { return s.len(); } let t = s; t.pad(s.len() + 5000, \"y\"); down(n - 1, t) }
         fn price(ctx) { down(30, \"\") }",
    );
    assert_limit(&err, Limit::StringSize);
    // An ordinary amount of data is fine.
    let (result, _) = run(&sandbox, "fn price(ctx) { let a = []; a.pad(100, \"abc\"); let m = #{ x: a }; m.x.len() }");
    assert_eq!(result, Ok(100));
    let (result, _) = run(&sandbox, "fn price(ctx) { if \"valid_until\" in ctx.ticket_type { 1 } else { 2 } }");
    assert_eq!(result, Ok(2));
}

#[test]
fn import_and_eval_do_not_compile() {
    let sandbox = sandbox();
    let err = expect_err(&sandbox, "import \"x\" as x; fn price(ctx) { 1 }");
    assert_eq!(err.code, ErrorCode::CompileError, "{err}");
    let err = expect_err(&sandbox, "fn price(ctx) { import \"/etc/passwd\" as p; 1 }");
    assert_eq!(err.code, ErrorCode::CompileError, "{err}");
    let err = expect_err(&sandbox, "fn price(ctx) { eval(\"40 + 2\") }");
    assert_eq!(err.code, ErrorCode::CompileError, "{err}");
    assert!(err.message.contains("eval"), "{err}");
    assert_healthy(&sandbox);
}

#[test]
fn eval_cannot_be_reached_indirectly() {
    let sandbox = sandbox();
    for source in [
        "fn price(ctx) { let f = Fn(\"ev\" + \"al\"); f.call(\"40 + 2\") }",
        "fn price(ctx) { call(Fn(\"ev\" + \"al\"), \"40 + 2\") }",
    ] {
        let err = expect_err(&sandbox, source);
        assert!(matches!(err.code, ErrorCode::RuntimeError | ErrorCode::CompileError), "{err}");
    }
    assert_healthy(&sandbox);
}

#[test]
fn there_is_no_file_network_process_environment_or_clock_access() {
    let sandbox = sandbox();
    for call in [
        "open_file(\"/etc/passwd\")",
        "read_file(\"/etc/passwd\")",
        "File::open(\"/etc/passwd\")",
        "env(\"HOME\")",
        "getenv(\"HOME\")",
        "system(\"ls\")",
        "exec(\"ls\")",
        "command(\"ls\")",
        "http_get(\"http://127.0.0.1/\")",
        "fetch(\"http://127.0.0.1/\")",
        "connect(\"127.0.0.1:5432\")",
        "timestamp()",
        "now()",
        "random()",
    ] {
        let source = format!("fn price(ctx) {{ {call}; 1 }}");
        let err = expect_err(&sandbox, &source);
        assert!(matches!(err.code, ErrorCode::RuntimeError | ErrorCode::CompileError), "{call}: {err}");
        if err.code == ErrorCode::RuntimeError {
            assert!(err.message.contains("Function not found"), "{call}: {err}");
        }
    }
    assert_healthy(&sandbox);
}

#[test]
fn sleep_is_refused_instead_of_blocking_the_thread() {
    // rhai's standard package has a sleep() that no limit can interrupt.
    let sandbox = sandbox();
    for source in ["fn price(ctx) { sleep(100000); 1 }", "fn price(ctx) { sleep(1.5); 1 }"] {
        let (result, took) = run(&sandbox, source);
        assert!(took < Duration::from_secs(1), "sleep ran: {took:?}");
        let err = result.unwrap_err();
        assert_eq!(err.code, ErrorCode::RuntimeError, "{err}");
        assert!(err.message.contains("sleep"), "{err}");
    }
    assert_healthy(&sandbox);
}

#[test]
fn print_and_debug_go_to_the_run_log() {
    let sandbox = sandbox();
    let script = sandbox
        .compile(
            ScriptKind::Pricing,
            "fn price(ctx) {\n  print(`sold ${ctx.ticket_type.sold}`);\n  debug(ctx.ticket_type.name);\n  1\n}",
        )
        .unwrap();
    let run = sandbox.run_price(&script, &ctx(), Validation::default());
    assert_eq!(run.result.map(|o| o.unit_price), Ok(1));
    assert_eq!(run.log, ["sold 40", "[debug line 3] \"General\""]);
    // A fresh log per run.
    let again = sandbox.run_price(&script, &ctx(), Validation::default());
    assert_eq!(again.log.len(), 2);
}

#[test]
fn the_log_is_bounded() {
    let sandbox = sandbox();
    let script =
        sandbox.compile(ScriptKind::Pricing, "fn price(ctx) { for i in 0..1000 { print(`line ${i}`); } 1 }").unwrap();
    let run = sandbox.run_price(&script, &ctx(), Validation::default());
    assert_eq!(run.log.len(), 101);
    assert!(run.log[100].contains("900 more line(s) dropped"), "{:?}", run.log.last());

    let big = sandbox
        .compile(ScriptKind::Pricing, "fn price(ctx) { let s = \"\"; s.pad(60000, \"y\"); print(s); print(s); 1 }")
        .unwrap();
    let run = sandbox.run_price(&big, &ctx(), Validation::default());
    let bytes: usize = run.log.iter().map(String::len).sum();
    assert!(bytes <= 16 * 1024 + 200, "{bytes} bytes kept");
}

#[test]
fn logs_stay_with_their_own_run_across_threads() {
    let sandbox = std::sync::Arc::new(sandbox());
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let sandbox = sandbox.clone();
            std::thread::spawn(move || {
                let source = format!("fn price(ctx) {{ for i in 0..20 {{ print(\"thread {t}\"); }} {t} }}");
                let script = sandbox.compile(ScriptKind::Pricing, &source).unwrap();
                for _ in 0..50 {
                    let run = sandbox.run_price(&script, &ctx(), Validation::default());
                    assert_eq!(run.result.map(|o| o.unit_price), Ok(t));
                    assert_eq!(run.log.len(), 20);
                    assert!(run.log.iter().all(|l| *l == format!("thread {t}")));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let sandbox = sandbox();
    let err = expect_err(&sandbox, "fn price(ctx) {\n    let x = ;\n    x\n}");
    assert_eq!(err.code, ErrorCode::CompileError);
    assert_eq!((err.line, err.column), (Some(2), Some(13)), "{err}");

    // Undefined variables are compile errors too (strict variables).
    let err = expect_err(&sandbox, "fn price(ctx) {\n  base_price * 2\n}");
    assert_eq!(err.code, ErrorCode::CompileError);
    assert_eq!(err.line, Some(2), "{err}");
    assert!(err.message.contains("base_price"), "{err}");
}

#[test]
fn runtime_errors_carry_line_and_column() {
    let sandbox = sandbox();
    let err = expect_err(&sandbox, "fn price(ctx) {\n  let q = 0;\n  ctx.ticket_type.base_price / q\n}");
    assert_eq!(err.code, ErrorCode::RuntimeError);
    assert_eq!(err.line, Some(3), "{err}");
    assert!(err.column.is_some(), "{err}");

    // A misspelt context field fails instead of reading as ().
    let err = expect_err(&sandbox, "fn price(ctx) {\n\n  ctx.ticket_type.bse_price\n}");
    assert_eq!((err.code, err.line), (ErrorCode::RuntimeError, Some(3)), "{err}");
    assert!(err.message.contains("bse_price"), "{err}");

    // In a helper, the position is the helper's line.
    let err = expect_err(&sandbox, "fn helper(x) {\n  throw `no price for ${x}`;\n}\nfn price(ctx) { helper(1) }");
    assert_eq!((err.code, err.line), (ErrorCode::RuntimeError, Some(2)), "{err}");
    assert!(err.message.contains("no price for 1"), "{err}");

    // Integer overflow is an error, not a wrap-around.
    let err = expect_err(&sandbox, "fn price(ctx) { 9223372036854775807 + ctx.quantity }");
    assert_eq!(err.code, ErrorCode::RuntimeError, "{err}");
    assert_healthy(&sandbox);
}

#[test]
fn compile_limits_and_entry_points() {
    let sandbox = sandbox();
    let deep = format!("fn price(ctx) {{ {}1{} }}", "(".repeat(200), ")".repeat(200));
    assert_limit(&expect_err(&sandbox, &deep), Limit::ExprDepth);

    let long = format!("fn price(ctx) {{ 1 }}{}", " ".repeat(70 * 1024));
    assert_limit(&expect_err(&sandbox, &long), Limit::SourceBytes);

    let many: String = (0..100).map(|i| format!("fn f{i}() {{ {i} }}\n")).collect();
    assert_limit(&expect_err(&sandbox, &format!("{many}fn price(ctx) {{ 1 }}")), Limit::Functions);

    for source in ["fn apply(ctx) { 1 }", "fn price() { 1 }", "fn price(a, b) { 1 }", "let price = 1;"] {
        let err = expect_err(&sandbox, source);
        assert_eq!(err.code, ErrorCode::MissingFunction, "{source}: {err}");
    }
    // The wrong kind at run time is refused too.
    let coupon = sandbox.compile(ScriptKind::Coupon, "fn apply(ctx) { 1 }").unwrap();
    let err = sandbox.price(&coupon, &ctx(), Validation::default()).unwrap_err();
    assert_eq!(err.code, ErrorCode::MissingFunction);
}

#[test]
fn changes_to_the_context_stay_in_the_run() {
    // rhai hands a function its own copy of each argument; the context map is
    // also rebuilt for every evaluation, so nothing a script does to it can
    // reach the caller or the next run.
    let sandbox = sandbox();
    let script = sandbox
        .compile(
            ScriptKind::Pricing,
            "fn price(ctx) { let before = ctx.ticket_type.base_price; ctx.ticket_type.base_price = 1; before }",
        )
        .unwrap();
    let c = ctx();
    for _ in 0..2 {
        assert_eq!(sandbox.price(&script, &c, Validation::default()).map(|o| o.unit_price), Ok(5000));
    }
    assert_eq!(c, ctx());
}

#[test]
fn top_level_statements_do_not_run() {
    let sandbox = sandbox();
    let script = sandbox.compile(ScriptKind::Pricing, "print(\"top\"); loop { }\nfn price(ctx) { 3 }").unwrap();
    let run = sandbox.run_price(&script, &ctx(), Validation::default());
    assert_eq!(run.result.map(|o| o.unit_price), Ok(3));
    assert!(run.log.is_empty());
}

#[test]
fn results_are_deterministic() {
    let source = r#"
        fn price(ctx) {
            let m = #{ zeta: 1, alpha: 2, mid: 3 };
            let keys = m.keys();
            let weight = 0;
            for (k, i) in keys { weight += k.len() * (i + 1); }
            let days = (ctx.event.starts_at_unix - ctx.now_unix) / 86400;
            ctx.ticket_type.base_price - days * 10 - weight
        }
    "#;
    let mut c = ctx();
    c.now = "2026-05-01T10:00:00Z".parse().unwrap();
    c.event.starts_at = "2026-06-01T20:00:00Z".parse().unwrap();
    let outcomes: Vec<i64> = (0..3)
        .flat_map(|_| {
            let sandbox = sandbox();
            let script = sandbox.compile(ScriptKind::Pricing, source).unwrap();
            (0..20).map(|_| sandbox.price(&script, &c, Validation::default()).unwrap().unit_price).collect::<Vec<_>>()
        })
        .collect();
    assert!(outcomes.iter().all(|o| *o == outcomes[0]), "{outcomes:?}");
    // alpha(5)*1 + mid(3)*2 + zeta(4)*3 = 23; 31 days.
    assert_eq!(outcomes[0], 5000 - 310 - 23);
}

#[test]
fn results_are_validated() {
    let sandbox = sandbox();
    for (body, needle) in [
        ("-1", "negative"),
        ("12.5", "float"),
        ("ctx.ticket_type.base_price * 0.8", "float"),
        ("ctx.ticket_type.base_price * 11", "above the cap"),
        ("\"5000\"", "must return an integer"),
        ("()", "must return an integer"),
        ("[5000]", "must return an integer"),
        ("#{ unitPrice: 5000 }", "unexpected key `unitPrice`"),
        ("#{ unit_price: 5000, label: 3 }", "label"),
    ] {
        let err = expect_err(&sandbox, &format!("fn price(ctx) {{ {body} }}"));
        assert_eq!(err.code, ErrorCode::InvalidResult, "{body}: {err}");
        assert!(err.message.contains(needle), "{body}: {err}");
    }
    // Rounding explicitly is the way to use floats.
    let (result, _) = run(&sandbox, "fn price(ctx) { (ctx.ticket_type.base_price * 0.85).round().to_int() }");
    assert_eq!(result, Ok(4250));

    let coupon = |body: &str| {
        let script = sandbox.compile(ScriptKind::Coupon, &format!("fn apply(ctx) {{ {body} }}")).unwrap();
        let c = CouponContext { quantity: 2, unit_price: Some(1000), ..CouponContext::default() };
        sandbox.coupon(&script, &c)
    };
    let ok = coupon("#{ eligible: true, discount: ctx.line.total, reason: \"all of it\" }").unwrap();
    assert_eq!(ok.discount, 2000);
    for body in [
        "#{ eligible: true, discount: ctx.line.total + 1, reason: \"\" }",
        "#{ eligible: true, discount: -5, reason: \"\" }",
        "#{ eligible: true, discount: 10.0, reason: \"\" }",
        "#{ eligible: false, discount: 10, reason: \"\" }",
        "#{ eligible: \"yes\", discount: 10, reason: \"\" }",
        "#{ eligible: true, discount: 10 }",
        "true",
    ] {
        let err = coupon(body).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidResult, "{body}: {err}");
    }
}

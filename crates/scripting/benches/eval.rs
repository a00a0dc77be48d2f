//! Per-evaluation cost of the example plugins, context building included,
//! beside a bare rhai call of a trivial function (the yardstick).
//! `bench/scripting.sh` runs this and writes the ratios to bench/RESULTS.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use rhai::packages::{Package, StandardPackage};
use rhai::{Engine, Scope};
use serde_json::Value;
use taquilla_scripting::{CouponContext, PricingContext, Sandbox, ScriptKind, Validation};

fn plugins() -> Vec<(String, ScriptKind, String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("rhai") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let tests: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{name}.tests.json"))).unwrap()).unwrap();
        let kind: ScriptKind = serde_json::from_value(tests["kind"].clone()).unwrap();
        // The first case is each plugin's main path.
        let context = tests["cases"][0]["context"].clone();
        found.push((name, kind, std::fs::read_to_string(&path).unwrap(), context));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

fn eval(c: &mut Criterion) {
    let mut group = c.benchmark_group("scripting");

    // The yardstick: rhai with its standard package and nothing else, one
    // precompiled function of one integer.
    let mut bare = Engine::new_raw();
    bare.register_global_module(StandardPackage::new().as_shared_module());
    let ast = bare.compile("fn price(x) { x * 2 }").unwrap();
    group.bench_function("bare_call", |b| {
        b.iter(|| bare.call_fn::<i64>(&mut Scope::new(), &ast, "price", (black_box(5000_i64),)).unwrap())
    });

    let sandbox = Sandbox::default();
    let validation = Validation::default();
    let mut ctx = PricingContext::default();
    ctx.ticket_type.name = "General".into();
    ctx.ticket_type.base_price = 5000;
    ctx.ticket_type.capacity = 500;

    // What the sandbox adds: the context map, a configured engine per run
    // with its hooks, and checking the result.
    group.bench_function("context_map", |b| b.iter(|| black_box(&ctx).to_map().unwrap()));
    let trivial = sandbox.compile(ScriptKind::Pricing, "fn price(ctx) { ctx.ticket_type.base_price }").unwrap();
    group.bench_function("sandbox_trivial", |b| {
        b.iter(|| sandbox.price(&trivial, black_box(&ctx), validation).unwrap())
    });

    for (name, kind, source, context) in plugins() {
        let script = sandbox.compile(kind, &source).unwrap();
        match kind {
            ScriptKind::Pricing => {
                let ctx: PricingContext = serde_json::from_value(context).unwrap();
                group.bench_function(format!("plugin_{name}"), |b| {
                    b.iter(|| sandbox.price(&script, black_box(&ctx), validation).unwrap())
                });
            }
            ScriptKind::Coupon => {
                let ctx: CouponContext = serde_json::from_value(context).unwrap();
                group.bench_function(format!("plugin_{name}"), |b| {
                    b.iter(|| sandbox.coupon(&script, black_box(&ctx)).unwrap())
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, eval);
criterion_main!(benches);

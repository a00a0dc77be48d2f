//! Every example in plugins/ compiles and passes its own test cases through
//! the same sandbox the services use.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use serde::Deserialize;
use taquilla_scripting::{Sandbox, ScriptKind, TestCase, Validation};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PluginTests {
    kind: ScriptKind,
    description: String,
    #[serde(default)]
    validation: Option<Validation>,
    cases: Vec<TestCase>,
}

fn plugins_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins")
}

fn files_ending(suffix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(plugins_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(suffix)))
        .collect();
    found.sort();
    found
}

#[test]
fn every_plugin_passes_its_own_cases() {
    let sandbox = Sandbox::default();
    let scripts = files_ending(".rhai");
    assert!(scripts.len() >= 5, "expected at least five plugins, found {}", scripts.len());

    let mut failures = Vec::new();
    for script_path in &scripts {
        let name = script_path.file_stem().unwrap().to_str().unwrap();
        let tests_path = script_path.with_file_name(format!("{name}.tests.json"));
        let tests: PluginTests = serde_json::from_str(
            &std::fs::read_to_string(&tests_path).unwrap_or_else(|e| panic!("{}: {e}", tests_path.display())),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", tests_path.display()));
        assert!(!tests.description.is_empty(), "{name}: describe the plugin");
        assert!(tests.cases.len() >= 3, "{name}: at least three cases");

        let source = std::fs::read_to_string(script_path).unwrap();
        let compiled = sandbox.compile(tests.kind, &source).unwrap_or_else(|e| panic!("{name}: {e}"));
        let results = sandbox.run_tests(&compiled, &tests.cases, None, tests.validation.unwrap_or_default());
        assert_eq!(results.len(), tests.cases.len());
        for r in results.iter().filter(|r| !r.passed) {
            failures.push(format!(
                "{name} / {}: expected {}, got {}{}",
                r.name,
                r.expected,
                r.actual,
                r.error.as_ref().map(|e| format!(" ({e})")).unwrap_or_default()
            ));
        }
    }
    assert!(failures.is_empty(), "failing plugin cases:\n{}", failures.join("\n"));
}

#[test]
fn every_test_file_has_its_script() {
    for tests_path in files_ending(".tests.json") {
        let file = tests_path.file_name().unwrap().to_str().unwrap();
        let script = tests_path.with_file_name(file.replace(".tests.json", ".rhai"));
        assert!(script.exists(), "{} has no {}", tests_path.display(), script.display());
    }
}

#[test]
fn a_broken_expectation_fails_the_suite() {
    // The harness above must be able to fail: flip one expectation.
    let sandbox = Sandbox::default();
    let source = std::fs::read_to_string(plugins_dir().join("group_discount.rhai")).unwrap();
    let compiled = sandbox.compile(ScriptKind::Pricing, &source).unwrap();
    let case = TestCase {
        name: "wrong on purpose".into(),
        context: serde_json::json!({"ticket_type": {"base_price": 3000}, "quantity": 5}),
        expected: serde_json::json!(3000),
    };
    let results = sandbox.run_tests(&compiled, &[case], None, Validation::default());
    assert!(!results[0].passed);
    assert_eq!(results[0].actual["unit_price"], 2700);
}

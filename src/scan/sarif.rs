//! SARIF 2.1.0 output of scan reports, for CI code-scanning uploads: one run,
//! one result per finding (rule = its category, level error for dangerous and
//! warning for unknown), located by byte offset in the file and by the
//! variable that holds it. Files that are safe contribute no results; each
//! file's verdict and completeness go into the run's artifact properties.

use serde_json::{Value, json};

use super::{Report, Severity};

/// The SARIF log for `files` (path as given, and its report).
pub fn log(files: &[(String, &Report)]) -> Value {
    let mut rules: Vec<&'static str> = Vec::new();
    let mut results = Vec::new();
    let mut artifacts = Vec::new();
    for (path, r) in files {
        artifacts.push(json!({
            "location": {"uri": path},
            "properties": {
                "verdict": r.verdict.as_str(),
                "completeness": r.completeness.as_str(),
            },
        }));
        for f in &r.findings {
            let rule = f.category.as_str();
            if !rules.contains(&rule) {
                rules.push(rule);
            }
            results.push(json!({
                "ruleId": rule,
                "level": match f.severity {
                    Severity::Dangerous => "error",
                    Severity::Unknown => "warning",
                    Severity::Safe => "note",
                },
                "message": {"text": format!("{}: {}", f.holder(), f.what)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": path},
                        "region": {"byteOffset": f.offset, "byteLength": 1},
                    },
                    "logicalLocations": [{"name": f.holder(), "kind": "variable"}],
                }],
                "occurrenceCount": f.count,
            }));
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "brine",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/brine",
                "rules": rules.iter().map(|r| json!({
                    "id": r,
                    "shortDescription": {"text": rule_text(r)},
                })).collect::<Vec<_>>(),
            }},
            "artifacts": artifacts,
            "results": results,
        }],
    })
}

fn rule_text(rule: &str) -> &'static str {
    match rule {
        "process" => "loading starts or signals a process",
        "code" => "loading evaluates, compiles or imports code",
        "file-write" => "loading creates, changes or deletes a file",
        "network" => "loading opens a network connection",
        "nested-load" => "loading unpickles another payload",
        "callback" => "loading registers a thread, timer or finalizer callback",
        "rebind" => "loading rebinds interpreter state (sys.modules, __main__, module attributes)",
        "unlisted" => "loading uses a name that is not on the allowlist",
        "constraint" => "an allowlisted callable gets arguments its constraint does not allow",
        "implicit-call" => "loading implicitly runs a method of a class defined in the file",
        "by-value-code" => "loading runs a function defined in the file",
        "computed" => "loading uses a global, attribute or callable computed at load",
        _ => "loading changes an object the file did not build",
    }
}

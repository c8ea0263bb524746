//! `brine diff` on pairs written by real dill (tests/fixtures/gen_diff.py):
//! each one-thing change is found, with the detail a person needs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use brine::diff::{Change, diff};
use brine::session::Session;
use serde_json::Value;

use super::brine;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff")
}

fn cases() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir()).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if let Some(case) = name.strip_suffix(".expected.json")
            && dir().join(format!("{case}--a.pkl")).exists()
        {
            let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            out.push((case.to_string(), v));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn set(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn names(d: &brine::diff::Diff, c: Change) -> BTreeSet<String> {
    d.names(c).into_iter().map(String::from).collect()
}

#[test]
fn every_case_of_the_matrix_is_found_with_its_detail() {
    let cases = cases();
    let want: BTreeSet<&str> = [
        "renamed",
        "number",
        "list_append",
        "array_element",
        "function_body",
        "class_attribute",
        "same_across_dill",
    ]
    .into();
    let have: BTreeSet<&str> = cases.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(have, want, "run tests/fixtures/gen_diff.py");
    for (case, exp) in &cases {
        let a = Session::open(&dir().join(format!("{case}--a.pkl"))).unwrap();
        let b = Session::open(&dir().join(format!("{case}--b.pkl"))).unwrap();
        let d = diff(&a, &b);
        assert_eq!(
            names(&d, Change::Added),
            set(&exp["added"]),
            "{case}: added"
        );
        assert_eq!(
            names(&d, Change::Removed),
            set(&exp["removed"]),
            "{case}: removed"
        );
        assert_eq!(
            names(&d, Change::Changed),
            set(&exp["changed"]),
            "{case}: changed"
        );
        assert_eq!(
            names(&d, Change::Unchanged),
            set(&exp["unchanged"]),
            "{case}: unchanged"
        );
        for (name, words) in exp["details"].as_object().unwrap() {
            let e = d.get(name).unwrap();
            let text: Vec<String> = e.details.iter().map(|x| x.to_string()).collect();
            let text = text.join("\n");
            for w in words.as_array().unwrap() {
                let w = w.as_str().unwrap();
                assert!(
                    text.contains(w),
                    "{case}: detail of {name} lacks {w:?}:\n{text}"
                );
            }
        }
        for (new, old) in exp["renamed"].as_object().unwrap() {
            let e = d.get(new).unwrap();
            assert_eq!(e.renamed_from.as_deref(), old.as_str(), "{case}");
        }
    }
}

#[test]
fn a_file_compared_with_itself_is_unchanged_for_every_fixture() {
    let mut n = 0;
    for (path, _) in super::fixtures::all().into_iter().step_by(7) {
        let a = Session::open(&path).unwrap();
        let b = Session::open(&path).unwrap();
        let d = diff(&a, &b);
        assert_eq!(
            d.count(Change::Unchanged),
            a.entries.len(),
            "{}",
            path.display()
        );
        n += 1;
    }
    assert!(n > 20);
}

#[test]
fn diff_json_lists_names_and_size_deltas_and_exits_1() {
    let a = dir().join("list_append--a.pkl");
    let b = dir().join("list_append--b.pkl");
    let out = brine(&["diff", a.to_str().unwrap(), b.to_str().unwrap(), "--json"]);
    // As diff(1): 1 when the files differ.
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["changed"], serde_json::json!(["items"]));
    let items = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "items")
        .unwrap();
    assert_eq!(items["bytes_delta"], 2);
    assert_eq!(items["details"][0]["path"], "[3]");
    assert_eq!(items["details"][0]["kind"], "added");
    assert_eq!(v["size_delta"], 2);
    let text = brine(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(text.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&text.stdout).contains("+ [3]: 4"));
}

#[test]
fn cycles_and_shared_references_hash_by_content() {
    // graphs fixtures hold self-referencing lists and dicts and shared objects.
    let mut n = 0;
    for (path, _) in super::fixtures::all() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("graphs--") {
            continue;
        }
        let a = Session::open(&path).unwrap();
        let d = diff(&a, &Session::open(&path).unwrap());
        assert_eq!(d.count(Change::Changed), 0, "{name}");
        n += 1;
    }
    assert!(n > 5);
    // The same graphs written by two Pythons of the same dill and protocol compare equal
    // wherever no code object is involved.
    let a = Session::open(&super::fixtures::dir().join("graphs--dill041-py312--p4.pkl")).unwrap();
    let b = Session::open(&super::fixtures::dir().join("graphs--dill041-py313--p4.pkl")).unwrap();
    let d = diff(&a, &b);
    assert!(
        d.count(Change::Unchanged) > 3,
        "{:?}",
        d.names(Change::Changed)
    );
}

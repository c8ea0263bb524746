//! Value views against Python's own answers: sessions written by real dill with
//! real numpy and pandas (tests/fixtures/views, from views_gen.sh), each next to
//! what Python said about every value (repr, shape, dtype, min/max/mean, columns,
//! first rows). brine reads them statically and must say the same.

use std::path::{Path, PathBuf};

use brine::session::Session;
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/views")
}

/// (pickle, expected) for every views fixture.
pub fn fixtures() -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir()).expect("views fixtures dir") {
        let p = e.expect("entry").path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if let Some(stem) = name.strip_suffix(".expected.json") {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            out.push((dir().join(format!("{stem}.pkl")), v));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        out.len() >= 5,
        "views fixtures missing: run tests/fixtures/views_gen.sh"
    );
    out
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) => s.parse().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

#[derive(Default)]
struct Tally {
    checked: usize,
    equal: usize,
    problems: Vec<String>,
}

impl Tally {
    fn check(&mut self, what: String, ok: bool, detail: impl FnOnce() -> String) {
        self.checked += 1;
        if ok {
            self.equal += 1;
        } else {
            self.problems.push(format!("{what}: {}", detail()));
        }
    }
}

#[test]
fn array_reprs_and_stats_equal_numpys() {
    let mut t = Tally::default();
    for (path, exp) in fixtures() {
        let s = Session::open(&path).unwrap();
        let d = s.describer();
        let tag = path.file_name().unwrap().to_string_lossy().to_string();
        for (name, truth) in exp["values"].as_object().unwrap() {
            let what = format!("{tag} {name}");
            let entry = s.entries.iter().find(|e| &e.name == name).unwrap();
            if truth["kind"] == "scalar" {
                let got = d.preview(entry.value.unwrap(), 80);
                // With the numpy version unknown, brine shows `float32(1.5)`: the value must be Python's str.
                let want = match d.numpy2 {
                    Some(_) => truth["repr"].as_str().unwrap().to_string(),
                    None => format!(
                        "{}({})",
                        entry.ty.trim_start_matches("numpy."),
                        truth["str"].as_str().unwrap()
                    ),
                };
                t.check(format!("{what} scalar"), got == want, || {
                    format!("{got} vs {}", truth["repr"])
                });
            }
            if truth["kind"] != "ndarray" {
                continue;
            }
            let a = match d.ndarray(entry.value.unwrap()) {
                Some(Ok(a)) => a,
                other => {
                    t.check(what, false, || format!("no array view: {other:?}"));
                    continue;
                }
            };
            let shape: Vec<u64> = truth["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            t.check(format!("{what} shape"), a.shape == shape, || {
                format!("{:?} vs {shape:?}", a.shape)
            });
            t.check(
                format!("{what} dtype"),
                a.dtype.name() == truth["dtype"],
                || format!("{} vs {}", a.dtype.name(), truth["dtype"]),
            );
            let repr = d.ndarray_repr(&a, &s.program.source);
            let want = truth["repr"].as_str().unwrap();
            t.check(format!("{what} repr"), repr.as_deref() == Ok(want), || {
                format!(
                    "\n{}\n-- python:\n{want}",
                    repr.clone().unwrap_or_else(|e| e)
                )
            });
            if truth.get("min").is_some() {
                let st = brine::session::ndarray::stats::stats(&a, &s.program.source)
                    .expect("numeric")
                    .expect("readable");
                let (min, max) = match (st.int_min, st.int_max) {
                    (Some(a), Some(b)) => (a as f64, b as f64),
                    _ => (st.min.unwrap_or(f64::NAN), st.max.unwrap_or(f64::NAN)),
                };
                let ok = same(min, num(&truth["min"]))
                    && same(max, num(&truth["max"]))
                    && same(st.mean, num(&truth["mean"]))
                    && st.nan_count == truth["nan_count"].as_u64().unwrap();
                t.check(format!("{what} stats"), ok, || {
                    format!(
                        "{st:?} vs {} {} {} {}",
                        truth["min"], truth["max"], truth["mean"], truth["nan_count"]
                    )
                });
            }
        }
    }
    eprintln!(
        "array views equal to Python's: {} of {}",
        t.equal, t.checked
    );
    assert!(t.checked > 100, "too few checks: {}", t.checked);
    assert!(
        t.problems.is_empty(),
        "{} differ:\n{}",
        t.problems.len(),
        t.problems.join("\n")
    );
}

/// A protocol-2 pickle `{'a': ndarray}` whose BUILD state claims `shape` over `data` bytes.
fn crafted_array(shape: &[u64], code: &str, data: &[u8]) -> Vec<u8> {
    let mut b = vec![0x80, 2, b'}'];
    let uni = |b: &mut Vec<u8>, s: &str| {
        b.push(b'X');
        b.extend((s.len() as u32).to_le_bytes());
        b.extend(s.as_bytes());
    };
    uni(&mut b, "a");
    b.extend(b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R(K\x01(");
    for &n in shape {
        b.extend([0x8a, 8]);
        b.extend(n.to_le_bytes());
    }
    b.extend(b"tcnumpy\ndtype\n");
    uni(&mut b, code);
    b.extend(b"\x89\x88\x87R(K\x03");
    uni(&mut b, "<");
    b.extend(b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89");
    b.push(b'B');
    b.extend((data.len() as u32).to_le_bytes());
    b.extend(data);
    b.extend(b"tbs.");
    b
}

#[test]
fn lying_array_shapes_get_one_line_and_no_allocation() {
    for (shape, code, data, want) in [
        (
            vec![1_000_000_000_000u64],
            "f8",
            vec![0u8; 8],
            "needs 8000000000000 bytes, the file holds 8",
        ),
        (vec![u64::MAX / 2, 4], "f8", vec![0u8; 8], "overflows"),
        (
            vec![3],
            "f8",
            vec![0u8; 7],
            "needs 24 bytes, the file holds 7",
        ),
        (vec![2], "q9", vec![0u8; 16], "not a simple dtype"),
    ] {
        let s = Session::from_bytes(crafted_array(&shape, code, &data));
        let d = s.describer();
        let e = s.entries.iter().find(|e| e.name == "a").expect("entry a");
        let v = e.value.unwrap();
        match d.ndarray(v) {
            Some(Err(msg)) => {
                assert!(msg.contains(want), "{msg}");
                assert!(!msg.contains('\n'));
            }
            other => panic!("{shape:?} {code}: {other:?}"),
        }
        let facts = d.facts(v);
        assert!(facts.problem.is_some_and(|p| p.contains(want)));
    }
    // The honest one of the same shape reads.
    let s = Session::from_bytes(crafted_array(
        &[2],
        "f8",
        &[0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40],
    ));
    let d = s.describer();
    let v = s
        .entries
        .iter()
        .find(|e| e.name == "a")
        .unwrap()
        .value
        .unwrap();
    let a = d.ndarray(v).unwrap().unwrap();
    assert_eq!(
        d.ndarray_repr(&a, &s.program.source).unwrap(),
        "array([1., 2.])"
    );
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn pandas_views_equal_pandas() {
    use brine::session::pandas::TableKind;
    let mut t = Tally::default();
    for (path, exp) in fixtures() {
        let s = Session::open(&path).unwrap();
        let d = s.describer();
        let tag = path.file_name().unwrap().to_string_lossy().to_string();
        for (name, truth) in exp["values"].as_object().unwrap() {
            let kind = truth["kind"].as_str().unwrap();
            if matches!(kind, "ndarray" | "scalar" | "plain" | "function" | "rng") {
                continue;
            }
            let what = format!("{tag} {name}");
            let entry = s.entries.iter().find(|e| &e.name == name).unwrap();
            let table = match d.pandas(entry.value.unwrap()) {
                Some(Ok(tb)) => tb,
                other => {
                    t.check(what, false, || format!("no table view: {other:?}"));
                    continue;
                }
            };
            let head = table.head(&d, 5);
            match kind {
                "DataFrame" => {
                    assert_eq!(table.kind, TableKind::DataFrame);
                    let shape = vec![table.rows, table.columns.len() as u64];
                    let want: Vec<u64> = truth["shape"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_u64().unwrap())
                        .collect();
                    t.check(format!("{what} shape"), shape == want, || {
                        format!("{shape:?} vs {want:?}")
                    });
                    let cols: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
                    t.check(
                        format!("{what} columns"),
                        cols == strs(&truth["columns"]),
                        || format!("{cols:?}"),
                    );
                    let dts: Vec<String> = table.columns.iter().map(|c| c.dtype.clone()).collect();
                    t.check(
                        format!("{what} dtypes"),
                        dts == strs(&truth["dtypes"]),
                        || format!("{dts:?} vs {:?}", strs(&truth["dtypes"])),
                    );
                    t.check(
                        format!("{what} index type"),
                        table.index_class == truth["index_type"],
                        || format!("{} vs {}", table.index_class, truth["index_type"]),
                    );
                    let labels: Vec<String> = head.iter().map(|r| r[0].clone()).collect();
                    t.check(
                        format!("{what} index head"),
                        labels == strs(&truth["index_head"]),
                        || format!("{labels:?} vs {:?}", strs(&truth["index_head"])),
                    );
                    let rows: Vec<Vec<String>> = head.iter().map(|r| r[1..].to_vec()).collect();
                    let want: Vec<Vec<String>> =
                        truth["head"].as_array().unwrap().iter().map(strs).collect();
                    t.check(format!("{what} head"), rows == want, || {
                        format!("{rows:?}\n vs {want:?}")
                    });
                }
                "Series" => {
                    t.check(
                        format!("{what} len"),
                        table.rows == truth["len"].as_u64().unwrap(),
                        || table.rows.to_string(),
                    );
                    t.check(
                        format!("{what} name"),
                        table.name.as_deref() == truth["name"].as_str(),
                        || format!("{:?}", table.name),
                    );
                    t.check(
                        format!("{what} dtype"),
                        table.columns[0].dtype == truth["dtype"],
                        || table.columns[0].dtype.clone(),
                    );
                    t.check(
                        format!("{what} index type"),
                        table.index_class == truth["index_type"],
                        || table.index_class.clone(),
                    );
                    let vals: Vec<String> = head.iter().map(|r| r[1].clone()).collect();
                    t.check(format!("{what} head"), vals == strs(&truth["head"]), || {
                        format!("{vals:?}")
                    });
                }
                _ => {
                    t.check(format!("{what} class"), table.index_class == kind, || {
                        table.index_class.clone()
                    });
                    t.check(
                        format!("{what} len"),
                        table.rows == truth["len"].as_u64().unwrap(),
                        || table.rows.to_string(),
                    );
                    t.check(
                        format!("{what} name"),
                        table.name.as_deref() == truth["name"].as_str(),
                        || format!("{:?}", table.name),
                    );
                    t.check(
                        format!("{what} dtype"),
                        table.columns[0].dtype == truth["dtype"],
                        || table.columns[0].dtype.clone(),
                    );
                    let vals: Vec<String> = (0..table.rows.min(5))
                        .map(|r| table.cell(&d, 0, r))
                        .collect();
                    t.check(format!("{what} head"), vals == strs(&truth["head"]), || {
                        format!("{vals:?}")
                    });
                }
            }
        }
    }
    eprintln!(
        "pandas views equal to Python's: {} of {}",
        t.equal, t.checked
    );
    assert!(t.checked > 100, "too few checks: {}", t.checked);
    assert!(
        t.problems.is_empty(),
        "{} differ:\n{}",
        t.problems.len(),
        t.problems.join("\n")
    );
}

/// Real pandas pickles with one fact rewritten (views_hostile.py): the 1e12-row DataFrame in 1 KB.
#[test]
fn lying_dataframes_get_one_line_through_the_cli() {
    for (file, want) in [
        (
            "hostile-rows.pkl",
            "column 'v' holds 3 values, the index says 1000000000000",
        ),
        (
            "hostile-block.pkl",
            "needs 8000000000000 bytes, the file holds 24",
        ),
    ] {
        let path = dir().join(file);
        assert!(std::fs::metadata(&path).unwrap().len() < 2048);
        let s = Session::open(&path).unwrap();
        let d = s.describer();
        let v = s.entries[0].value.unwrap();
        match d.pandas(v) {
            Some(Err(e)) => assert!(e.contains(want), "{file}: {e}"),
            other => panic!("{file}: {other:?}"),
        }
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_brine"))
            .args(["tree", path.to_str().unwrap(), "df", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(v["problem"].as_str().unwrap().contains(want), "{v}");
    }
}

/// numpy's random generators show their bit generator as their repr does
/// (`Generator(PCG64)`, `RandomState(MT19937)`), in numpy 1.x and 2.x layouts.
#[test]
fn random_generators_show_their_bit_generator() {
    let mut checked = 0;
    for (path, exp) in fixtures() {
        let s = Session::open(&path).unwrap();
        let d = s.describer();
        for (name, truth) in exp["values"].as_object().unwrap() {
            if truth["kind"] != "rng" {
                continue;
            }
            let e = s.entries.iter().find(|e| &e.name == name).unwrap();
            let got = d.preview(e.value.unwrap(), 80);
            assert_eq!(got, truth["repr"].as_str().unwrap(), "{path:?} {name}");
            checked += 1;
        }
    }
    assert!(checked >= 9, "only {checked} generators checked");
}

/// Crafted pandas extension types (views_hostile.py): a Categorical code past its
/// categories is one `?` cell, never another category's value or a panic; categories
/// that hold themselves (a memo cycle) give one line instead of endless recursion.
#[test]
fn lying_categoricals_get_a_question_mark_or_one_line() {
    let s = Session::open(&dir().join("hostile-catcode.pkl")).unwrap();
    let d = s.describer();
    let t = d.pandas(s.entries[0].value.unwrap()).unwrap().unwrap();
    let cells: Vec<String> = (0..t.rows).map(|r| t.cell(&d, 0, r)).collect();
    assert_eq!(cells, ["lo", "? code 7 of 2 categories", "lo"]);

    let path = dir().join("hostile-catself.pkl");
    let s = Session::open(&path).unwrap();
    let d = s.describer();
    match d.pandas(s.entries[0].value.unwrap()) {
        Some(Err(e)) => assert!(e.contains("nested in themselves"), "{e}"),
        other => panic!("{other:?}"),
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_brine"))
        .args(["tree", path.to_str().unwrap(), "idx"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("problem") && text.contains("nested in themselves"),
        "{text}"
    );
}

/// Signatures with the stored defaults as reprs, keyword-only ones included, equal `inspect.signature`.
#[test]
fn function_signatures_equal_inspect_signature() {
    let mut t = Tally::default();
    for (path, exp) in fixtures() {
        let s = Session::open(&path).unwrap();
        let d = s.describer();
        let tag = path.file_name().unwrap().to_string_lossy().to_string();
        for (name, truth) in exp["values"].as_object().unwrap() {
            if truth["kind"] != "function" {
                continue;
            }
            let e = s.entries.iter().find(|e| &e.name == name).unwrap();
            let got = d.facts(e.value.unwrap()).signature;
            t.check(
                format!("{tag} {name}"),
                got.as_deref() == truth["signature"].as_str(),
                || format!("{got:?} vs {}", truth["signature"]),
            );
        }
    }
    eprintln!("signatures equal to Python's: {} of {}", t.equal, t.checked);
    assert!(t.checked >= 10);
    assert!(t.problems.is_empty(), "{}", t.problems.join("\n"));
}

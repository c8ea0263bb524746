//! The safety scan against the labelled corpus (`tests/fixtures/scan/`), the
//! real dill fixtures, the wild sessions, hand-made gadgets, and the CLI.
//! No pickle is ever loaded: the corpus holds real payloads.

use std::path::{Path, PathBuf};
use std::process::Command;

use brine::scan::{Place, Severity, scan};
use brine::session::Session;
use serde_json::Value;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scan")
}

fn json_file(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("readable json")).expect("json")
}

fn verdict(path: &Path) -> (Severity, brine::scan::Report) {
    let s = Session::open(path).expect("readable file");
    let r = scan(&s);
    (r.verdict, r)
}

#[derive(Default, Debug, Clone, Copy, PartialEq)]
struct Confusion {
    tp: u32,
    fn_: u32,
    fp: u32,
    tn: u32,
}

impl Confusion {
    fn add(&mut self, dangerous: bool, flagged: bool) {
        match (dangerous, flagged) {
            (true, true) => self.tp += 1,
            (true, false) => self.fn_ += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
        }
    }
    fn row(&self, name: &str) -> String {
        let recall = f64::from(self.tp) / f64::from(self.tp + self.fn_).max(1.0);
        let fpr = f64::from(self.fp) / f64::from(self.fp + self.tn).max(1.0);
        let precision = f64::from(self.tp) / f64::from(self.tp + self.fp).max(1.0);
        format!(
            "| {name} | {} | {} | {} | {} | {recall:.3} | {fpr:.3} | {precision:.3} |",
            self.tp, self.fn_, self.fp, self.tn
        )
    }
}

#[test]
fn old_corpus_no_payload_is_safe_and_no_lookalike_is_dangerous() {
    // The first corpus (`scan_gen/gen_scan.py`): payloads written opcode by opcode, not
    // run; labels say what each one would reach. Ground-truthed cases are in `hostile/`.
    let labels = json_file(&corpus_dir().join("labels.json"));
    let baseline = json_file(&corpus_dir().join("baseline.json"));
    let labels = labels.as_array().expect("labels is a list");
    assert_eq!(labels.len(), 76, "the corpus changed size");
    let mut brine = Confusion::default();
    let mut counts = [0u32; 3];
    let mut problems = Vec::new();
    for l in labels {
        let file = l["file"].as_str().expect("file");
        let dangerous = l["label"] == "dangerous";
        let expected = l["expected_verdict"].as_str().expect("expected_verdict");
        let (v, r) = verdict(&corpus_dir().join(file));
        brine.add(dangerous, v != Severity::Safe);
        if dangerous {
            counts[v as usize] += 1;
        }
        if dangerous && v == Severity::Safe {
            problems.push(format!("{file}: a payload judged safe"));
        }
        if !dangerous && v == Severity::Dangerous {
            problems.push(format!("{file}: benign judged dangerous: {:?}", r.findings));
        }
        if !dangerous && expected == "safe" && v != Severity::Safe {
            problems.push(format!("{file}: plain data judged {v}: {:?}", r.findings));
        }
        // The payload is attributed to the variable that holds it.
        if let Some(var) = l["variable"].as_str()
            && dangerous
            && r.verdict_of(var) == Severity::Safe
        {
            problems.push(format!(
                "{file}: variable {var} is safe; findings: {:?}",
                r.findings
            ));
        }
    }
    println!("| tool / rule | TP | FN | FP | TN | recall | FPR | precision |");
    println!("|---|---|---|---|---|---|---|---|");
    println!("{}", brine.row("brine scan (verdict != safe)"));
    let tools = baseline["confusion"]
        .as_object()
        .expect("baseline confusion");
    for (name, c) in tools {
        let n = |k: &str| c[k].as_u64().expect("a count") as u32;
        let theirs = Confusion {
            tp: n("TP"),
            fn_: n("FN"),
            fp: n("FP"),
            tn: n("TN"),
        };
        println!("{}", theirs.row(name));
    }
    println!("payloads: {} unknown, {} dangerous", counts[1], counts[2]);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(brine.fn_, 0);
}

#[test]
fn no_real_dill_fixture_is_dangerous() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sessions");
    let mut counts = [0usize; 3];
    let mut dangerous = Vec::new();
    for e in std::fs::read_dir(&dir).expect("fixtures dir") {
        let p = e.expect("entry").path();
        if p.extension().is_none_or(|x| x != "pkl") {
            continue;
        }
        let (v, r) = verdict(&p);
        counts[v as usize] += 1;
        if v == Severity::Dangerous {
            dangerous.push(format!("{}: {:?}", p.display(), r.findings));
        }
    }
    println!(
        "fixtures/sessions: {} files: {} safe, {} unknown, {} dangerous",
        counts.iter().sum::<usize>(),
        counts[0],
        counts[1],
        counts[2]
    );
    assert!(counts.iter().sum::<usize>() > 300, "fixtures missing");
    assert!(dangerous.is_empty(), "{}", dangerous.join("\n"));
}

#[test]
fn no_wild_session_is_dangerous() {
    let dir = Path::new("/work/shared/wild-sessions");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return; // third-party files, present only on the team's machines
    };
    let mut counts = [0usize; 3];
    let mut dangerous = Vec::new();
    for e in entries {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "md") {
            continue;
        }
        let (v, r) = verdict(&p);
        counts[v as usize] += 1;
        if v == Severity::Dangerous {
            dangerous.push(format!("{}: {:?}", p.display(), r.findings));
        }
    }
    println!(
        "wild-sessions: {} safe, {} unknown, {} dangerous",
        counts[0], counts[1], counts[2]
    );
    assert!(dangerous.is_empty(), "{}", dangerous.join("\n"));
}

#[test]
fn findings_name_the_variable_and_the_call() {
    let (v, r) = verdict(&corpus_dir().join("mal_sess_os_system_cache_size.pkl"));
    assert_eq!(v, Severity::Dangerous);
    let f = r
        .findings
        .iter()
        .find(|f| f.severity == Severity::Dangerous)
        .expect("a dangerous finding");
    assert_eq!(f.variable.as_deref(), Some("cache_size"));
    assert_eq!(f.what, "calls posix.system('echo brine-test')");
    assert!(f.offset > 0);
    assert_eq!(r.verdict_of("cache_size"), Severity::Dangerous);
    assert_eq!(
        r.by_variable().get("cache_size"),
        Some(&Severity::Dangerous)
    );
    assert!(r.complete);
}

#[test]
fn a_truncated_file_is_scanned_as_far_as_it_goes() {
    let path = corpus_dir().join("mal_sess_os_system_cache_size.pkl");
    let bytes = std::fs::read(&path).expect("corpus file");
    let (_, whole) = verdict(&path);
    let at = whole
        .findings
        .iter()
        .find(|f| f.severity == Severity::Dangerous)
        .expect("dangerous")
        .offset as usize;
    // Cut right after the REDUCE that calls posix.system.
    let s = Session::from_bytes(bytes[..at + 1].to_vec());
    let r = scan(&s);
    assert!(!r.complete);
    assert_eq!(r.verdict, Severity::Dangerous);
    let f = r
        .findings
        .iter()
        .find(|f| f.severity == Severity::Dangerous)
        .expect("dangerous");
    assert_eq!(f.variable.as_deref(), Some("cache_size"));
    assert_eq!(f.place, Place::Variable);
    // Cut before it: nothing dangerous has been read yet.
    let s = Session::from_bytes(bytes[..at - 20].to_vec());
    assert_ne!(scan(&s).verdict, Severity::Dangerous);
}

/// A tiny protocol-2 pickle assembler for gadgets the corpus does not hold.
fn string(s: &str) -> Vec<u8> {
    let mut out = vec![b'X'];
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    out
}

fn global(m: &str, n: &str) -> Vec<u8> {
    format!("c{m}\n{n}\n").into_bytes()
}

fn assemble(parts: &[&[u8]]) -> Session {
    let mut b = vec![0x80, 2];
    for p in parts {
        b.extend_from_slice(p);
    }
    b.push(b'.');
    Session::from_bytes(b)
}

#[test]
fn ext_codes_follow_add_extension_in_the_same_file() {
    const TUPLE1: &[u8] = &[0x85];
    const TUPLE3: &[u8] = &[0x87];
    let register = |m: &str, n: &str| -> Vec<u8> {
        let mut v = global("copyreg", "add_extension");
        v.extend(string(m));
        v.extend(string(n));
        v.extend_from_slice(&[b'K', 240]); // BININT1 240
        v.extend_from_slice(TUPLE3);
        v.extend_from_slice(b"R0"); // REDUCE, POP
        v
    };
    let call = [&[0x82u8, 240][..], &string("echo hi"), TUPLE1, b"R"].concat();
    let s = assemble(&[&register("os", "system"), &call]);
    let r = scan(&s);
    assert_eq!(r.verdict, Severity::Dangerous);
    assert!(
        r.findings
            .iter()
            .any(|f| f.what.starts_with("calls os.system(")),
        "{:?}",
        r.findings
    );
    // Mapped to something harmless, the EXT call resolves to it (changing the registry is
    // still a finding of its own).
    let s = assemble(&[&register("collections", "OrderedDict"), &call]);
    let r = scan(&s);
    assert!(
        r.findings.iter().all(|f| !f.what.contains("os.system")),
        "{:?}",
        r.findings
    );
    assert!(
        r.log
            .iter()
            .flat_map(|v| &v.calls)
            .any(|c| c.text.starts_with("collections.OrderedDict(")),
        "{:?}",
        r.log
    );
    // Unmapped, it cannot be known: unknown, never safe.
    let s = assemble(&[&call]);
    assert_eq!(scan(&s).verdict, Severity::Unknown);
    // Registered only after the EXT op ran, it does not map it.
    let s = assemble(&[&call, &register("os", "system")]);
    let r = scan(&s);
    assert!(
        r.findings.iter().any(|f| f.what.contains("does not map")),
        "{:?}",
        r.findings
    );
}

#[test]
fn a_dangerous_callable_handed_to_map_is_dangerous() {
    let list = [
        &global("os", "system")[..],
        &[b']'][..], // EMPTY_LIST
        &[0x86],     // TUPLE2
    ]
    .concat();
    let m = [&global("builtins", "map")[..], &list, b"R"].concat();
    let r = scan(&assemble(&[&m]));
    assert_eq!(r.verdict, Severity::Dangerous, "{:?}", r.findings);
    // The same reference stored as data is not proven safe, but calls nothing.
    let data = [&[b']'][..], &global("os", "system"), b"a"].concat(); // EMPTY_LIST … APPEND
    let r = scan(&assemble(&[&data]));
    assert_eq!(r.verdict, Severity::Unknown, "{:?}", r.findings);
}

#[test]
fn a_methodcaller_on_an_unknown_object_is_judged_by_its_method_name() {
    let caller = |name: &str| {
        [
            &global("operator", "methodcaller")[..],
            &string(name),
            &string("x"),
            &[0x86], // TUPLE2
            b"R",
            &global("builtins", "object"),
            b")R",   // EMPTY_TUPLE REDUCE: object()
            &[0x85], // TUPLE1
            b"R",
        ]
        .concat()
    };
    assert_eq!(
        scan(&assemble(&[&caller("system")])).verdict,
        Severity::Dangerous
    );
    assert_eq!(
        scan(&assemble(&[&caller("lower")])).verdict,
        Severity::Unknown
    );
}

fn brine() -> Command {
    Command::new(env!("CARGO_BIN_EXE_brine"))
}

#[test]
fn cli_sarif_and_the_unknown_exit_code() {
    let mal = corpus_dir().join("mal_sess_os_system_cache_size.pkl");
    let out = brine()
        .args(["scan", "--format", "sarif"])
        .arg(&mal)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().expect("results");
    let r = results
        .iter()
        .find(|r| r["level"] == "error")
        .expect("an error result");
    assert_eq!(r["ruleId"], "process");
    assert!(
        r["locations"][0]["physicalLocation"]["region"]["byteOffset"]
            .as_u64()
            .is_some()
    );
    assert_eq!(
        r["locations"][0]["logicalLocations"][0]["name"],
        "cache_size"
    );
    // Not proven safe, nothing dangerous: exit 4.
    let unknown = corpus_dir().join("ben_sess_modules_by_import_module.pkl");
    let out = brine().arg("scan").arg(&unknown).output().expect("runs");
    assert_eq!(out.status.code(), Some(4));
    // inspect warns in one line on stderr for a file that is not safe, and not for one that is.
    let out = brine().arg("inspect").arg(&mal).output().expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.lines()
            .filter(|l| l.contains("scan: dangerous"))
            .count(),
        1,
        "{err}"
    );
    let ben = corpus_dir().join("ben_sess_basic.pkl");
    let out = brine().arg("inspect").arg(&ben).output().expect("runs");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("scan:"));
}

#[test]
fn cli_exit_codes_and_json() {
    let mal = corpus_dir().join("mal_sess_os_system_cache_size.pkl");
    let ben = corpus_dir().join("ben_sess_basic.pkl");
    let out = brine().arg("scan").arg(&ben).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let out = brine()
        .args(["scan", "--json"])
        .arg(&ben)
        .arg(&mal)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["verdict"], "dangerous");
    assert_eq!(v["files"][0]["verdict"], "safe");
    let f = v["files"][1]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["severity"] == "dangerous")
        .expect("a dangerous finding");
    assert_eq!(v["files"][1]["completeness"], "complete");
    // The per-variable call log names the resolved callable with its literal argument.
    let log = v["files"][1]["call_log"]
        .as_array()
        .expect("call_log")
        .iter()
        .find(|l| l["variable"] == "cache_size")
        .expect("cache_size's calls");
    assert!(
        log["calls"]
            .as_array()
            .expect("calls")
            .iter()
            .any(|c| c["call"] == "posix.system('echo brine-test')" && c["severity"] == "dangerous"),
        "{log}"
    );
    assert_eq!(f["variable"], "cache_size");
    assert_eq!(f["severity"], "dangerous");
    assert_eq!(f["category"], "process");
    assert!(f["offset"].as_u64().is_some_and(|o| o > 0));
    let text = brine().arg("scan").arg(&mal).output().expect("runs");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("cache_size"), "{text}");
    assert!(text.contains("posix.system('echo brine-test')"), "{text}");
    let out = brine()
        .args(["scan", "/nonexistent/brine-scan.pkl"])
        .arg(&ben)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn every_cut_of_every_corpus_file_scans_without_panicking() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "pkl"))
        .collect();
    files.sort();
    let mut dangerous_prefixes = 0;
    for f in &files {
        let bytes = std::fs::read(f).expect("corpus file");
        for cut in (0..bytes.len()).step_by(11) {
            let r = scan(&Session::from_bytes(bytes[..cut].to_vec()));
            assert!(!r.complete || cut == bytes.len());
            dangerous_prefixes += usize::from(r.verdict == Severity::Dangerous);
        }
    }
    assert!(dangerous_prefixes > 0);
}

/// The hostile corpus (`scan_gen/gen_hostile.py`): each file was loaded by real dill 0.4.1 in a
/// throw-away directory and `runs_code` records whether its payload's marker file appeared.
/// Nothing is loaded here.
#[test]
fn hostile_corpus_no_file_that_runs_code_is_safe() {
    let truth = json_file(&corpus_dir().join("ground_truth.json"));
    let truth = truth.as_array().expect("ground truth is a list");
    assert!(truth.len() >= 100, "the hostile corpus is missing");
    let mut ran = [0u32; 3];
    let mut quiet = [0u32; 3];
    let mut problems = Vec::new();
    for t in truth {
        let file = t["file"].as_str().expect("file");
        let (v, r) = verdict(&corpus_dir().join(file));
        if t["runs_code"] == true {
            ran[v as usize] += 1;
            if v == Severity::Safe {
                problems.push(format!("{file}: runs code when loaded, judged safe"));
            }
        } else {
            quiet[v as usize] += 1;
            if t["control"] == true && v == Severity::Dangerous {
                problems.push(format!(
                    "{file}: a control judged dangerous: {:?}",
                    r.findings
                ));
            }
        }
    }
    println!(
        "hostile corpus: {} files run code: {} safe, {} unknown, {} dangerous; {} do not: {} safe, {} unknown, {} dangerous",
        ran.iter().sum::<u32>(),
        ran[0],
        ran[1],
        ran[2],
        quiet.iter().sum::<u32>(),
        quiet[0],
        quiet[1],
        quiet[2]
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        ran.iter().sum::<u32>() >= 40,
        "too few cases ran code: {ran:?}"
    );
    // The data-science control session stays safe.
    let (v, r) = verdict(&corpus_dir().join("hostile/ctl_session_datascience.pkl"));
    assert_eq!(v, Severity::Safe, "{:?}", r.findings);
}

/// Hooks the unpickler calls implicitly, each named in the finding.
#[test]
fn implicit_hooks_of_by_value_classes_are_named() {
    for (file, hook) in [
        ("setstate_p4", "__setstate__"),
        ("newobj_new_p4", "__new__"),
        ("dict_key_hash_p4", "__hash__"),
        ("setitem_subclass_p4", "__setitem__"),
        ("extend_subclass_p4", "Extend."),
        ("slots_setattr_p4", "__setattr__"),
        ("init_subclass_p4", "__init_subclass__"),
        ("set_name_p4", "__set_name__"),
        ("metaclass_init_p4", "__init__"),
        ("reconstructor_init_p2", "__init__"),
        ("del_dropped_p4", "__del__"),
    ] {
        let (v, r) = verdict(&corpus_dir().join(format!("hostile/{file}.pkl")));
        assert_ne!(v, Severity::Safe, "{file}");
        assert!(
            r.findings.iter().any(|f| f.what.contains(hook)),
            "{file}: no finding names {hook}: {:?}",
            r.findings
        );
    }
}

/// Names resolve as the unpickler resolves them: dotted walks, fix_imports under the
/// protocol in force at the op, memo-held and computed operands.
#[test]
fn names_resolve_as_the_unpickler_does() {
    for (file, needle) in [
        ("dotted_pathlib_os_system_p4", "pathlib.os.system"),
        ("dotted_path_write_text_p4", "pathlib.Path.write_text"),
        ("compat_commands_getoutput_p2", "subprocess.getoutput"),
        ("compat_protocol_switch_4_to_2", "subprocess.getoutput"),
        ("memo_held_operands_p4", "os.system"),
        ("computed_rot13_p4", "os.system"),
    ] {
        let (v, r) = verdict(&corpus_dir().join(format!("hostile/{file}.pkl")));
        assert_eq!(v, Severity::Dangerous, "{file}: {:?}", r.findings);
        assert!(
            r.findings.iter().any(|f| f.what.contains(needle)),
            "{file}: {needle} not named: {:?}",
            r.findings
        );
    }
    // A string lowered at load is not evaluated: unknown, not a guess.
    let (v, _) = verdict(&corpus_dir().join("hostile/computed_lower_p4.pkl"));
    assert_eq!(v, Severity::Unknown);
}

/// Restore runs only a proven-safe file without `--trust`; unknown and dangerous ones are refused
/// with the findings and what the flagged names call.
#[test]
fn restore_needs_trust_for_anything_not_proven_safe() {
    let python = std::env::var("BRINE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    for (file, verdict) in [
        ("ben_sess_modules_by_import_module.pkl", "unknown"),
        ("mal_sess_os_system_cache_size.pkl", "dangerous"),
    ] {
        let path = corpus_dir().join(file);
        let out = brine()
            .args(["restore", "--print", "--python", &python])
            .arg(&path)
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{file}: {err}");
        assert!(
            out.stdout.is_empty(),
            "{file}: printed the snippet without trust"
        );
        assert!(err.contains(&format!("scan: {verdict}")), "{file}: {err}");
        assert!(err.contains("not restoring"), "{file}: {err}");
        let out = brine()
            .args(["restore", "--print", "--trust", "--python", &python])
            .arg(&path)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{file}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("load_module"));
    }
    // What loading the dangerous name calls is shown before anything runs.
    let out = brine()
        .args(["restore", "--print", "--python", &python])
        .arg(corpus_dir().join("mal_sess_os_system_cache_size.pkl"))
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cache_size calls:") && err.contains("posix.system('echo brine-test')"),
        "{err}"
    );
    // A proven-safe file restores on a plain request.
    let out = brine()
        .args(["restore", "--print", "--python", &python])
        .arg(corpus_dir().join("ben_sess_basic.pkl"))
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

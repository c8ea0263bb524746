//! Filter and extract on every fixture: the output re-parses to exactly the
//! planned namespace (no Python needed). Real dill loads them in `compat`.

use std::collections::HashSet;

use brine::session::{Format, Session};

use super::fixtures;

/// Complete dill module dumps.
fn sessions() -> Vec<(String, Session)> {
    fixtures::all()
        .into_iter()
        .filter(|(_, exp)| exp["complete"].as_bool().unwrap_or(true))
        .map(|(p, _)| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                Session::open(&p).unwrap(),
            )
        })
        .filter(|(_, s)| s.format == Format::DillModule && s.complete())
        .collect()
}

fn user_names(s: &Session) -> Vec<String> {
    s.entries
        .iter()
        .map(|e| e.name.clone())
        .filter(|n| !n.starts_with("__"))
        .collect()
}

#[test]
fn dropping_each_name_alone_gives_exactly_the_rest() {
    let mut edits = 0;
    let mut failures = Vec::new();
    for (file, s) in sessions() {
        for name in user_names(&s) {
            edits += 1;
            match s.dump_without(&[name.as_str()]) {
                Ok(e) => {
                    let out = Session::from_bytes(e.to_vec().unwrap());
                    let got: Vec<&str> = out.entries.iter().map(|x| x.name.as_str()).collect();
                    let want: Vec<&str> = s
                        .entries
                        .iter()
                        .map(|x| x.name.as_str())
                        .filter(|n| *n != name)
                        .collect();
                    if got != want {
                        failures.push(format!("{file} -{name}: got {got:?}"));
                    }
                }
                Err(err) => failures.push(format!("{file} -{name}: {err}")),
            }
        }
    }
    println!("single drops: {edits} edits, {} failures", failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn extract_keeps_only_the_named_entries_and_the_module_frame() {
    let mut failures = Vec::new();
    for (file, s) in sessions() {
        let names = user_names(&s);
        let keep: Vec<&str> = names.iter().step_by(3).map(String::as_str).collect();
        match s.dump_only(&keep) {
            Ok(e) => {
                let out = Session::from_bytes(e.to_vec().unwrap());
                let got: HashSet<&str> = out
                    .entries
                    .iter()
                    .map(|x| x.name.as_str())
                    .filter(|n| !n.starts_with("__"))
                    .collect();
                let want: HashSet<&str> = keep.iter().copied().collect();
                if got != want {
                    failures.push(format!("{file}: kept {got:?}, wanted {want:?}"));
                }
            }
            Err(err) => failures.push(format!("{file}: {err}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, ..Default::default() })]

    /// For random subsets of names of random fixtures, the re-parsed output is the input minus the subset.
    #[test]
    fn random_subsets_drop_exactly_those_names(pick in 0usize..10_000, mask in proptest::prelude::any::<u64>()) {
        let all = sessions_cached();
        let (file, s) = &all[pick % all.len()];
        let names: Vec<&str> = s.entries.iter().map(|e| e.name.as_str()).collect();
        let drop: Vec<&str> = names.iter().enumerate().filter(|(i, _)| mask >> (i % 64) & 1 == 1).map(|(_, n)| *n).collect();
        let unique: HashSet<&str> = drop.iter().copied().collect();
        let e = s.dump_without(&drop).unwrap_or_else(|err| panic!("{file}: {err}"));
        let out = Session::from_bytes(e.to_vec().unwrap());
        let got: Vec<&str> = out.entries.iter().map(|x| x.name.as_str()).collect();
        let want: Vec<&str> = names.iter().copied().filter(|n| !unique.contains(n)).collect();
        proptest::prop_assert_eq!(got, want, "{}", file);
    }
}

fn sessions_cached() -> &'static Vec<(String, Session)> {
    static CELL: std::sync::OnceLock<Vec<(String, Session)>> = std::sync::OnceLock::new();
    CELL.get_or_init(sessions)
}

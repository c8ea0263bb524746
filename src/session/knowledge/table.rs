//! The generated table of what the standard library's and numpy/pandas' public
//! names are (`table.tsv`, written by tools/gen_knowledge.py from real CPython
//! 3.7–3.13 and the pinned numpy/pandas). Looked up by module and name; an
//! answer that differs between interpreters or library versions is resolved
//! from what the file reveals, else returned as the honest alternatives. The
//! table is data compiled in: nothing is imported or run to consult it.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{Known, Returns};

static TABLE: &str = include_str!("table.tsv");

/// What the file tells about the interpreter and libraries that wrote it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ctx {
    /// Python 3 minor versions the file allows (empty: any).
    pub pythons: Vec<u32>,
    /// `Some(true)` for numpy ≥ 2, `Some(false)` for numpy 1.x.
    pub numpy2: Option<bool>,
}

/// (module, name) → the answers part of its line.
fn index() -> &'static HashMap<(&'static str, &'static str), &'static str> {
    static INDEX: OnceLock<HashMap<(&'static str, &'static str), &'static str>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut map = HashMap::new();
        let mut module = "";
        for line in TABLE.lines() {
            if line.starts_with('#') {
                continue;
            }
            if let Some(m) = line.strip_prefix('@') {
                module = m;
            } else if let Some((name, answers)) = line.split_once('\t') {
                map.insert((module, name), answers);
            }
        }
        map
    })
}

/// One answer: the raw `C…`/`F…`/`O…` text and the runs (`py/np`) that gave it (empty: all).
fn answers(raw: &'static str) -> Vec<(&'static str, Vec<(u32, u32)>)> {
    raw.split('\t')
        .map(|a| match a.split_once('@') {
            Some((w, runs)) => (
                w,
                runs.split(',')
                    .filter_map(|r| {
                        let (py, np) = r.split_once('/')?;
                        Some((py.parse().ok()?, np.parse().ok()?))
                    })
                    .collect(),
            ),
            None => (a, Vec::new()),
        })
        .collect()
}

fn known(w: &'static str) -> Option<Known> {
    Some(match w {
        "C" => Known::Class {
            meta: "builtins.type",
        },
        "F" => Known::Func {
            ty: "builtins.function",
            returns: Returns::Unknown,
        },
        "B" => Known::Func {
            ty: "builtins.builtin_function_or_method",
            returns: Returns::Unknown,
        },
        _ => {
            let (kind, ty) = w.split_at_checked(1)?;
            match kind {
                "C" => Known::Class { meta: ty },
                "F" => Known::Func {
                    ty,
                    returns: Returns::Unknown,
                },
                "O" => Known::Object { ty },
                _ => return None,
            }
        }
    })
}

/// The type an answer gives to the name's value (`type(obj)`).
fn type_text(w: &'static str) -> String {
    match known(w) {
        Some(Known::Class { meta }) => meta.to_string(),
        Some(Known::Func { ty, .. }) | Some(Known::Object { ty }) => ty.to_string(),
        _ => w.to_string(),
    }
}

/// What `module.name` is, given what the file reveals.
pub fn lookup(module: &str, name: &str, ctx: &Ctx) -> Option<Known> {
    let raw = *index().get(&(module, name))?;
    let all = answers(raw);
    if all.len() == 1 {
        return known(all[0].0);
    }
    let fits = |runs: &[(u32, u32)]| {
        runs.iter().any(|&(py, np)| {
            (ctx.pythons.is_empty() || ctx.pythons.contains(&py))
                && ctx.numpy2.is_none_or(|two| (np >= 2) == two)
        })
    };
    let left: Vec<&(&'static str, Vec<(u32, u32)>)> =
        all.iter().filter(|(_, runs)| fits(runs)).collect();
    match left.as_slice() {
        [one] => known(one.0),
        // Nothing the file allows was seen, or several answers fit: say them all.
        _ => {
            let shown = if left.is_empty() {
                all.iter().collect()
            } else {
                left
            };
            let classes = shown.iter().all(|(w, _)| w.starts_with('C'));
            Some(Known::Either {
                text: either(&shown),
                classes,
            })
        }
    }
}

/// The alternatives, each with the versions that give it, interned for `Known`'s `&'static str`.
fn either(shown: &[&(&'static str, Vec<(u32, u32)>)]) -> &'static str {
    let text = shown
        .iter()
        .map(|(w, runs)| format!("{} ({})", type_text(w), versions(runs)))
        .collect::<Vec<_>>()
        .join(" or ");
    intern(text)
}

/// `Python 3.7–3.10` or `numpy 1` (whichever tells the runs apart; both when needed).
fn versions(runs: &[(u32, u32)]) -> String {
    let lo = runs.iter().map(|r| r.0).min().unwrap_or(0);
    let hi = runs.iter().map(|r| r.0).max().unwrap_or(0);
    let mut nps: Vec<u32> = runs.iter().map(|r| r.1).collect();
    nps.sort_unstable();
    nps.dedup();
    let py = if lo == hi {
        format!("Python 3.{lo}")
    } else {
        format!("Python 3.{lo}–3.{hi}")
    };
    match nps.as_slice() {
        [np] if *np > 0 => format!("{py}, numpy {np}"),
        _ => py,
    }
}

fn intern(text: String) -> &'static str {
    static SEEN: OnceLock<std::sync::Mutex<std::collections::HashSet<&'static str>>> =
        OnceLock::new();
    let set = SEEN.get_or_init(Default::default);
    let mut set = match set.lock() {
        Ok(s) => s,
        Err(p) => p.into_inner(),
    };
    if let Some(s) = set.get(text.as_str()) {
        return s;
    }
    let s: &'static str = Box::leak(text.into_boxed_str());
    set.insert(s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_knows_what_the_issue_got_wrong() {
        let any = Ctx::default();
        assert_eq!(
            lookup("functools", "partial", &any),
            Some(Known::Class {
                meta: "builtins.type"
            })
        );
        assert_eq!(
            lookup("itertools", "chain", &any),
            Some(Known::Class {
                meta: "builtins.type"
            })
        );
        assert_eq!(
            lookup("math", "pi", &any),
            Some(Known::Object {
                ty: "builtins.float"
            })
        );
        assert_eq!(
            lookup("_collections_abc", "Mapping", &any),
            Some(Known::Class {
                meta: "abc.ABCMeta"
            })
        );
        assert_eq!(lookup("mylib", "thing", &any), None);
    }

    #[test]
    fn version_dependent_answers_follow_the_file_or_stay_alternatives() {
        let py310 = Ctx {
            pythons: vec![10],
            numpy2: None,
        };
        let py312 = Ctx {
            pythons: vec![12],
            numpy2: None,
        };
        assert_eq!(
            lookup("enum", "Enum", &py310),
            Some(Known::Class {
                meta: "enum.EnumMeta"
            })
        );
        assert_eq!(
            lookup("enum", "Enum", &py312),
            Some(Known::Class {
                meta: "enum.EnumType"
            })
        );
        let Some(Known::Either {
            text,
            classes: true,
        }) = lookup("enum", "Enum", &Ctx::default())
        else {
            panic!("expected alternatives");
        };
        assert!(
            text.contains("enum.EnumMeta (Python 3.7–3.10") && text.contains("enum.EnumType"),
            "{text}"
        );
        // numpy 2 implies Python ≥ 3.9, where typing.List is a _SpecialGenericAlias.
        let np2 = Ctx {
            pythons: vec![],
            numpy2: Some(true),
        };
        assert_eq!(
            lookup("typing", "List", &np2),
            Some(Known::Object {
                ty: "typing._SpecialGenericAlias"
            })
        );
    }
}

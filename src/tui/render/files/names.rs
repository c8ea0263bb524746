//! The distinguishing part of checkpoint names: a prefix every file shares
//! (`checkpoint_`) is said once in the title, and a name still too long loses
//! its middle, not its end, so `…_v2.pkl` and `…_v3.pkl` stay apart.

/// The prefix shared by every name, cut back to a word boundary (`_`, `-`,
/// `.`, `/`), when dropping it leaves each name at least three characters.
pub fn common_prefix(names: &[String]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    if names.len() < 2 {
        return String::new();
    }
    let mut len = first.len();
    for n in &names[1..] {
        len = len.min(
            first
                .char_indices()
                .zip(n.chars())
                .find(|((_, a), b)| a != b)
                .map(|((i, _), _)| i)
                .unwrap_or(first.len().min(n.len())),
        );
    }
    let shared = &first[..len];
    let Some(cut) = shared.rfind(['_', '-', '.', '/']) else {
        return String::new();
    };
    let prefix = &first[..=cut];
    if names.iter().any(|n| n[prefix.len()..].chars().count() < 3) {
        return String::new();
    }
    prefix.to_string()
}

/// The suffix shared by every name (`.pkl`), from a word boundary on, when
/// dropping it leaves each name at least three characters.
pub fn common_suffix(names: &[String]) -> String {
    let reversed: Vec<String> = names.iter().map(|n| n.chars().rev().collect()).collect();
    let Some(first) = reversed.first() else {
        return String::new();
    };
    if names.len() < 2 {
        return String::new();
    }
    let len = reversed[1..]
        .iter()
        .map(|n| {
            first
                .char_indices()
                .zip(n.chars())
                .find(|((_, a), b)| a != b)
                .map(|((i, _), _)| i)
                .unwrap_or(first.len().min(n.len()))
        })
        .min()
        .unwrap_or(0);
    let shared = &first[..len];
    let Some(cut) = shared.rfind(['_', '-', '.']) else {
        return String::new();
    };
    let suffix: String = first[..=cut].chars().rev().collect();
    if names
        .iter()
        .any(|n| n[..n.len() - suffix.len()].chars().count() < 3)
    {
        return String::new();
    }
    suffix
}

/// Where each name stops sharing its beginning with any other name: the
/// byte offset to show it from when it does not fit whole (`…22_repos.pkl`
/// rather than `guilhe…repos.pkl` three times). Snapped back to a word
/// boundary when one is near, so a word is not cut in two.
pub fn distinct_starts(names: &[String]) -> Vec<usize> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let shared = names
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, m)| {
                    n.char_indices()
                        .zip(m.chars())
                        .find(|((_, a), b)| a != b)
                        .map(|((k, _), _)| k)
                        .unwrap_or(n.len().min(m.len()))
                })
                .max()
                .unwrap_or(0);
            // Keep the last few characters of a name that is all shared (`x.pkl` vs `x.pkl__v2`).
            let shared = if shared >= n.len() {
                n.char_indices().rev().nth(11).map_or(0, |(k, _)| k)
            } else {
                shared
            };
            let head = &n[..shared];
            match head.rfind(['_', '-', '.', '/', ' ']) {
                Some(b) if head[b..].chars().count() <= 9 => b + 1,
                _ => head.char_indices().rev().nth(1).map_or(0, |(k, _)| k),
            }
        })
        .collect()
}

/// `name` in at most `width` characters: whole, or its start and end around `…`.
pub fn elide_middle(name: &str, width: usize) -> String {
    let n = name.chars().count();
    if n <= width {
        return name.to_string();
    }
    if width < 2 {
        return "…".chars().take(width).collect();
    }
    // The end tells versions and steps apart: give it the larger half.
    let tail = (width - 1).div_ceil(2) + usize::from(width > 12);
    let tail = tail.min(width - 1);
    let head = width - 1 - tail;
    let start: String = name.chars().take(head).collect();
    let end: String = name.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn drops_the_shared_word_not_half_a_word() {
        let names = v(&["checkpoint_notebook.pkl", "checkpoint_training.pkl"]);
        assert_eq!(common_prefix(&names), "checkpoint_");
        let names = v(&["run_alpha.pkl", "run_also.pkl"]);
        assert_eq!(common_prefix(&names), "run_");
        assert_eq!(common_prefix(&v(&["a.pkl", "b.pkl"])), "");
        assert_eq!(common_prefix(&v(&["only_one.pkl"])), "");
        let names = v(&["a_step_400.pkl", "a_step_800.pkl", "helpers.pkl"]);
        assert_eq!(common_suffix(&names), ".pkl");
        assert_eq!(common_suffix(&v(&["x.pkl", "y.pkl"])), "");
    }

    #[test]
    fn starts_where_names_differ() {
        let names = v(&[
            "guilhermecastros__sm__backup 22_repos.pkl",
            "guilhermecastros__sm__backup 29_repos.pkl",
            "guilhermecastros__sm__globalsave.pkl",
            "alone.pkl",
        ]);
        let starts = distinct_starts(&names);
        assert_eq!(&names[0][starts[0]..], "22_repos.pkl");
        assert_eq!(&names[2][starts[2]..], "globalsave.pkl");
        assert_eq!(starts[3], 0);
    }

    #[test]
    fn elision_keeps_both_ends() {
        let s = elide_middle("experiment_2026_11_23_resnet_step_004000.pkl", 20);
        assert_eq!(s.chars().count(), 20);
        assert!(s.starts_with("experim") && s.ends_with("004000.pkl"), "{s}");
        assert_eq!(elide_middle("short.pkl", 20), "short.pkl");
    }
}

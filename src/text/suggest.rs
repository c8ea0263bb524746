//! "Did you mean …?": the closest of a few known words to a mistyped one.
//! Pure string work; callers decide what the words are.

/// The known word closest to `typed`, when it is close enough to be a typo.
///
/// Close means a small edit distance for the length (one edit for short words,
/// two from five characters, three from nine), or `typed` being a prefix of
/// exactly one word, or the same letters case-insensitively.
pub fn closest<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let t = typed.to_lowercase();
    let n = t.chars().count();
    if n == 0 {
        return None;
    }
    let allowed = match n {
        0..=2 => 0,
        3..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &str)> = None;
    let mut prefixed: Vec<&str> = Vec::new();
    for k in known {
        let kl = k.to_lowercase();
        if kl == t {
            return Some(k);
        }
        if n >= 3 && kl.starts_with(&t) {
            prefixed.push(k);
        }
        let d = distance(&t, &kl);
        if d <= allowed && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
        .or_else(|| (prefixed.len() == 1).then(|| prefixed[0]))
}

/// Levenshtein distance with adjacent swaps (`inspetc`) counted as one edit.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Names can be long; beyond this a suggestion would not help anyway.
    if a.len().abs_diff(b.len()) > 3 || a.len() > 200 || b.len() > 200 {
        return usize::MAX;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// `; did you mean 'sales'?`, or nothing.
pub fn did_you_mean<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    closest(typed, known)
        .map(|k| format!("; did you mean '{}'?", super::escape(k)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn finds_typos_and_not_strangers() {
        let cmds = ["inspect", "tree", "filter", "diff", "scan"];
        assert_eq!(closest("inspekt", cmds), Some("inspect"));
        assert_eq!(closest("inpsect", cmds), Some("inspect"));
        assert_eq!(closest("filtre", cmds), Some("filter"));
        assert_eq!(closest("zebra", cmds), None);
        assert_eq!(closest("sale", ["sales", "model"]), Some("sales"));
        assert_eq!(closest("x", ["y"]), None);
    }
}

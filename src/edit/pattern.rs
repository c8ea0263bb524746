//! Name patterns: a plain word matches as a substring (dill's own
//! `exclude_patterns=['_temp', 'debug_']`), `*?[` make a glob on the whole
//! name, and `re:` starts a regular expression.

/// One compiled pattern.
#[derive(Debug, Clone)]
pub enum Pattern {
    Substring(String),
    Glob(globset::GlobMatcher),
    Regex(regex::Regex),
}

/// The IPython noise `--preset ipython` drops.
pub const IPYTHON: &[&str] = &[
    "In",
    "Out",
    "_",
    "__",
    "___",
    "_i",
    "_ii",
    "_iii",
    "re:^_i\\d+$",
    "re:^_\\d+$",
    "_oh",
    "_dh",
    "_ih",
    "exit",
    "quit",
    "get_ipython",
];

impl Pattern {
    pub fn parse(text: &str) -> Result<Pattern, String> {
        if let Some(re) = text.strip_prefix("re:") {
            return regex::Regex::new(re)
                .map(Pattern::Regex)
                .map_err(|e| format!("bad regex {re:?}: {e}"));
        }
        if text.contains(['*', '?', '[']) {
            return globset::GlobBuilder::new(text)
                .literal_separator(false)
                .build()
                .map(|g| Pattern::Glob(g.compile_matcher()))
                .map_err(|e| format!("bad glob {text:?}: {e}"));
        }
        if text.is_empty() {
            return Err("empty pattern".into());
        }
        Ok(Pattern::Substring(text.to_string()))
    }

    pub fn matches(&self, name: &str) -> bool {
        match self {
            Pattern::Substring(s) => name.contains(s.as_str()),
            Pattern::Glob(g) => g.is_match(name),
            Pattern::Regex(r) => r.is_match(name),
        }
    }
}

/// A preset's patterns, where names must match exactly (not as substrings).
pub fn preset(name: &str) -> Option<Vec<Pattern>> {
    match name {
        "ipython" => Some(
            IPYTHON
                .iter()
                .map(|p| {
                    let exact = if p.starts_with("re:") {
                        p.to_string()
                    } else {
                        format!("re:^{}$", regex::escape(p))
                    };
                    Pattern::parse(&exact).expect("preset patterns are valid")
                })
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_globs_and_regexes() {
        let sub = Pattern::parse("_temp").unwrap();
        assert!(sub.matches("x_temp_y") && !sub.matches("temp"));
        let glob = Pattern::parse("debug_*").unwrap();
        assert!(glob.matches("debug_flag") && !glob.matches("my_debug_flag"));
        let re = Pattern::parse("re:^_i\\d+$").unwrap();
        assert!(re.matches("_i12") && !re.matches("_i"));
    }

    #[test]
    fn ipython_preset_matches_whole_names() {
        let p = preset("ipython").unwrap();
        let hit = |n: &str| p.iter().any(|x| x.matches(n));
        for n in [
            "In",
            "Out",
            "_",
            "__",
            "___",
            "_i",
            "_i3",
            "_3",
            "_oh",
            "exit",
            "get_ipython",
        ] {
            assert!(hit(n), "{n}");
        }
        for n in ["Input", "result", "_temp", "x"] {
            assert!(!hit(n), "{n}");
        }
    }
}

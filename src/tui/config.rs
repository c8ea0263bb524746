//! The TUI's settings: `config/default.toml` compiled in, with the user's file
//! (BRINE_CONFIG, else `<config dir>/brine/config.toml`) laid over it key by key.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use ratatui::style::Color;
use serde::Deserialize;

/// The defaults, shipped with the binary.
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub watch: Watch,
    pub restore: Restore,
    pub backup: Backup,
    pub ui: Ui,
    pub keys: BTreeMap<String, Vec<String>>,
    pub theme: Themes,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Watch {
    pub dirs: Vec<String>,
    pub recursive: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Restore {
    pub python: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Backup {
    pub keep: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Ui {
    pub theme: String,
    pub sort: String,
    pub hide_dunders: bool,
    pub hide_ipython: bool,
    pub mouse: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Themes {
    pub dark: ThemeSpec,
    pub light: ThemeSpec,
}

/// Colour names as written in the file.
#[derive(Debug, Clone, Deserialize)]
pub struct ThemeSpec {
    pub text: String,
    pub dim: String,
    pub accent: String,
    pub border: String,
    pub border_focus: String,
    pub selected_bg: String,
    pub selected_fg: String,
    pub marked: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub size: String,
    pub ok: String,
    pub warn: String,
    pub error: String,
    pub added: String,
    pub removed: String,
    pub changed: String,
}

/// Parsed colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub text: Color,
    pub dim: Color,
    pub accent: Color,
    pub border: Color,
    pub border_focus: Color,
    pub selected_bg: Color,
    pub selected_fg: Color,
    pub marked: Color,
    pub ty: Color,
    pub size: Color,
    pub ok: Color,
    pub warn: Color,
    pub error: Color,
    pub added: Color,
    pub removed: Color,
    pub changed: Color,
}

impl ThemeSpec {
    fn parse(&self) -> Result<Theme, String> {
        let c = |s: &str| Color::from_str(s).map_err(|_| format!("unknown colour {s:?}"));
        Ok(Theme {
            text: c(&self.text)?,
            dim: c(&self.dim)?,
            accent: c(&self.accent)?,
            border: c(&self.border)?,
            border_focus: c(&self.border_focus)?,
            selected_bg: c(&self.selected_bg)?,
            selected_fg: c(&self.selected_fg)?,
            marked: c(&self.marked)?,
            ty: c(&self.ty)?,
            size: c(&self.size)?,
            ok: c(&self.ok)?,
            warn: c(&self.warn)?,
            error: c(&self.error)?,
            added: c(&self.added)?,
            removed: c(&self.removed)?,
            changed: c(&self.changed)?,
        })
    }
}

impl Config {
    /// The shipped defaults alone.
    pub fn defaults() -> Config {
        Config::from_layers(None).expect("config/default.toml is valid")
    }

    /// Defaults with `user` (TOML text) laid over them.
    pub fn from_layers(user: Option<&str>) -> Result<Config, String> {
        let mut base: toml::Table = DEFAULT_TOML
            .parse()
            .map_err(|e| format!("default config: {e}"))?;
        if let Some(text) = user {
            let over: toml::Table = text.parse().map_err(|e| format!("{e}"))?;
            merge(&mut base, over);
        }
        toml::Value::Table(base)
            .try_into()
            .map_err(|e: toml::de::Error| e.to_string())
    }

    /// Where the user's file is looked for.
    pub fn user_path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("BRINE_CONFIG") {
            return Some(PathBuf::from(p));
        }
        directories::ProjectDirs::from("", "", "brine").map(|d| d.config_dir().join("config.toml"))
    }

    /// Loads the user's config; a missing file is the defaults, a bad one is
    /// the defaults plus the reason, for the status line.
    pub fn load() -> (Config, Option<String>) {
        let Some(path) = Config::user_path() else {
            return (Config::defaults(), None);
        };
        let Ok(text) = std::fs::read_to_string(&path) else {
            return (Config::defaults(), None);
        };
        match Config::from_layers(Some(&text)) {
            Ok(c) => match c.theme() {
                Ok(_) => (c, None),
                Err(e) => (
                    Config::defaults(),
                    Some(format!("{}: {e}; using defaults", path.display())),
                ),
            },
            Err(e) => (
                Config::defaults(),
                Some(format!("{}: {e}; using defaults", path.display())),
            ),
        }
    }

    /// The colours of the chosen theme.
    pub fn theme(&self) -> Result<Theme, String> {
        match self.ui.theme.as_str() {
            "light" => self.theme.light.parse(),
            _ => self.theme.dark.parse(),
        }
    }

    /// The configured watch dirs, `~` expanded; empty when none are set.
    pub fn watch_dirs(&self) -> Vec<PathBuf> {
        let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
        self.watch
            .dirs
            .iter()
            .map(|d| match (d.strip_prefix("~/"), &home) {
                (Some(rest), Some(h)) => h.join(rest),
                _ => PathBuf::from(d),
            })
            .collect()
    }

    /// The command restore runs, split into words.
    pub fn python(&self) -> Vec<String> {
        let words: Vec<String> = self
            .restore
            .python
            .split_whitespace()
            .map(String::from)
            .collect();
        if words.is_empty() {
            vec!["python3".into()]
        } else {
            words
        }
    }
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_both_themes_are_valid() {
        let c = Config::defaults();
        assert_eq!(c.python(), ["python3"]);
        assert!(c.theme.dark.parse().is_ok());
        assert!(c.theme.light.parse().is_ok());
    }

    #[test]
    fn user_file_overrides_only_what_it_sets() {
        let c = Config::from_layers(Some(
            "[restore]\npython = \"ipython --no-banner\"\n[keys]\nquit = [\"x\"]\n",
        ))
        .unwrap();
        assert_eq!(c.python(), ["ipython", "--no-banner"]);
        assert_eq!(c.keys["quit"], ["x"]);
        assert_eq!(c.keys["help"], ["?", "f1"]);
        assert_eq!(c.ui.theme, "dark");
    }
}

//! Keys and mouse to actions. The only place that knows which key does what.

use std::collections::BTreeMap;

use crossterm::event::{
    Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind,
};

use super::action::{Action, BINDABLE};

/// What the keyboard is for right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing into a field (search, pattern, file name).
    Text,
    /// Reading an overlay (help, diff, env): scroll and close.
    View,
    /// A yes/no question.
    Confirm,
}

/// A key as written in the config: a code plus ctrl/alt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    code: KeyCode,
    ctrl: bool,
    alt: bool,
}

/// Bindings from the config.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(Key, Action)>,
    /// The keys of each bindable action, as written, for help and hints.
    pub names: BTreeMap<String, Vec<String>>,
}

impl Keymap {
    /// Builds the map; unknown keys or actions come back as messages.
    pub fn new(keys: &BTreeMap<String, Vec<String>>) -> (Keymap, Vec<String>) {
        let mut bindings = Vec::new();
        let mut errors = Vec::new();
        for (name, specs) in keys {
            let Some(&(_, action, _)) = BINDABLE.iter().find(|(n, _, _)| n == name) else {
                errors.push(format!("unknown action {name:?} in [keys]"));
                continue;
            };
            for s in specs {
                match parse_key(s) {
                    Some(k) => bindings.push((k, action)),
                    None => errors.push(format!("unknown key {s:?} for {name}")),
                }
            }
        }
        let map = Keymap {
            bindings,
            names: keys.clone(),
        };
        (map, errors)
    }

    /// The shortest key bound to `name`, for hints (`?`, `f`).
    pub fn hint(&self, name: &str) -> String {
        self.names
            .get(name)
            .and_then(|v| v.iter().min_by_key(|k| k.chars().count()))
            .cloned()
            .unwrap_or_else(|| "-".into())
    }

    /// The action a terminal event asks for in this mode.
    pub fn action(&self, mode: Mode, ev: &TermEvent) -> Option<Action> {
        match ev {
            TermEvent::Key(k) if k.kind != KeyEventKind::Release => self.key(mode, k),
            TermEvent::Mouse(m) => {
                let (col, row) = (m.column, m.row);
                match m.kind {
                    MouseEventKind::Down(crossterm::event::MouseButton::Left) => {
                        Some(Action::Click { col, row })
                    }
                    MouseEventKind::ScrollDown => Some(Action::Scroll {
                        col,
                        row,
                        down: true,
                    }),
                    MouseEventKind::ScrollUp => Some(Action::Scroll {
                        col,
                        row,
                        down: false,
                    }),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn key(&self, mode: Mode, k: &KeyEvent) -> Option<Action> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && k.code == KeyCode::Char('c') {
            return Some(Action::Quit);
        }
        match mode {
            Mode::Normal => self.bound(k).or(match k.code {
                KeyCode::Esc => Some(Action::Cancel),
                KeyCode::Char(c) if !ctrl => Some(Action::Unbound(c)),
                _ => None,
            }),
            Mode::Text => match k.code {
                KeyCode::Esc => Some(Action::Cancel),
                KeyCode::Enter => Some(Action::Confirm),
                KeyCode::Backspace => Some(Action::Backspace),
                KeyCode::Tab | KeyCode::BackTab => Some(Action::Toggle),
                KeyCode::Char('d') if ctrl => Some(Action::ToggleDeps),
                KeyCode::Up => Some(Action::Up),
                KeyCode::Down => Some(Action::Down),
                KeyCode::PageUp => Some(Action::PageUp),
                KeyCode::PageDown => Some(Action::PageDown),
                KeyCode::Char(c) if !ctrl => Some(Action::Input(c)),
                _ => None,
            },
            Mode::View | Mode::Confirm => {
                let confirm = mode == Mode::Confirm;
                match k.code {
                    KeyCode::Esc => Some(Action::Cancel),
                    KeyCode::Enter | KeyCode::Char('y') if confirm => Some(Action::Confirm),
                    KeyCode::Char('n') if confirm => Some(Action::Cancel),
                    KeyCode::Char('d') if confirm => Some(Action::ToggleDeps),
                    // Tab switches a dialog's option, or what an env or diff view shows.
                    KeyCode::Tab | KeyCode::BackTab => Some(Action::Toggle),
                    _ => match self.bound(k) {
                        Some(Action::Quit | Action::Help) => Some(Action::Cancel),
                        Some(
                            a @ (Action::Up
                            | Action::Down
                            | Action::PageUp
                            | Action::PageDown
                            | Action::Top
                            | Action::Bottom),
                        ) => Some(a),
                        _ if k.code == KeyCode::Enter => Some(Action::Cancel),
                        _ => None,
                    },
                }
            }
        }
    }

    fn bound(&self, k: &KeyEvent) -> Option<Action> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        let alt = k.modifiers.contains(KeyModifiers::ALT);
        // Shifted letters arrive as their capital, so SHIFT itself is not compared.
        let code = k.code;
        self.bindings
            .iter()
            .find(|(key, _)| key.code == code && key.ctrl == ctrl && key.alt == alt)
            .map(|&(_, a)| a)
    }
}

fn parse_key(spec: &str) -> Option<Key> {
    let mut ctrl = false;
    let mut alt = false;
    let mut rest = spec;
    loop {
        if let Some(r) = rest.strip_prefix("ctrl-") {
            ctrl = true;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("alt-") {
            alt = true;
            rest = r;
        } else {
            break;
        }
    }
    let code = match rest.to_ascii_lowercase().as_str() {
        "shift-tab" | "backtab" => KeyCode::BackTab,
        "tab" => KeyCode::Tab,
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "delete" | "del" => KeyCode::Delete,
        f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
            KeyCode::F(f[1..].parse().ok()?)
        }
        _ => {
            let mut chars = rest.chars();
            let c = chars.next()?;
            if chars.next().is_some() {
                return None;
            }
            KeyCode::Char(c)
        }
    };
    Some(Key { code, ctrl, alt })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::config::Config;

    fn press(code: KeyCode, m: KeyModifiers) -> TermEvent {
        TermEvent::Key(KeyEvent::new(code, m))
    }

    #[test]
    fn default_bindings_cover_the_conventions() {
        let (km, errors) = Keymap::new(&Config::defaults().keys);
        assert!(errors.is_empty(), "{errors:?}");
        let n = |c, m| km.action(Mode::Normal, &press(c, m));
        assert_eq!(
            n(KeyCode::Char('q'), KeyModifiers::NONE),
            Some(Action::Quit)
        );
        assert_eq!(
            n(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Action::Quit)
        );
        assert_eq!(n(KeyCode::F(1), KeyModifiers::NONE), Some(Action::Help));
        assert_eq!(
            n(KeyCode::BackTab, KeyModifiers::SHIFT),
            Some(Action::PrevPane)
        );
        assert_eq!(
            n(KeyCode::Char('G'), KeyModifiers::SHIFT),
            Some(Action::Bottom)
        );
        assert_eq!(
            n(KeyCode::Char('l'), KeyModifiers::NONE),
            Some(Action::Expand)
        );
        assert_eq!(
            n(KeyCode::Char(' '), KeyModifiers::NONE),
            Some(Action::Mark)
        );
    }

    #[test]
    fn text_mode_types_letters_instead_of_acting() {
        let (km, _) = Keymap::new(&Config::defaults().keys);
        let t = |c| km.action(Mode::Text, &press(c, KeyModifiers::NONE));
        assert_eq!(t(KeyCode::Char('q')), Some(Action::Input('q')));
        assert_eq!(t(KeyCode::Esc), Some(Action::Cancel));
        assert_eq!(t(KeyCode::Enter), Some(Action::Confirm));
    }

    #[test]
    fn bad_keys_are_reported_not_fatal() {
        let mut keys = BTreeMap::new();
        keys.insert(
            "quit".to_string(),
            vec!["ctrl-".to_string(), "x".to_string()],
        );
        keys.insert("fly".to_string(), vec!["z".to_string()]);
        let (km, errors) = Keymap::new(&keys);
        assert_eq!(errors.len(), 2);
        assert_eq!(
            km.action(Mode::Normal, &press(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
    }
}

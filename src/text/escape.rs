//! Escaping for text that reaches a terminal: names, paths, values and
//! messages that come from a file brine did not write. Control characters
//! (C0, DEL, C1), bidi controls and invisible characters become visible
//! `\x1b` / `\u202e` escapes, and look-alike letters in a name that mixes
//! them with Latin ones are marked the same way. Nothing here changes what
//! JSON output or a written file holds; it is for human eyes only.

use std::borrow::Cow;
use std::path::Path;

/// Bidi controls: they reorder what follows them on the line.
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Characters that print nothing (or a blank) and so hide in a name.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{034f}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{17b4}'
            | '\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200d}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206a}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}'
            | '\u{e0100}'..='\u{e01ef}'
    )
}

/// Letters of scripts that hold look-alikes of Latin letters (Greek, Cyrillic,
/// Armenian, Cherokee, fullwidth and mathematical forms, modifier letters).
pub fn is_confusable(c: char) -> bool {
    matches!(
        c,
        '\u{0370}'..='\u{03ff}'
            | '\u{0400}'..='\u{052f}'
            | '\u{0530}'..='\u{058f}'
            | '\u{13a0}'..='\u{13ff}'
            | '\u{1d00}'..='\u{1dbf}'
            | '\u{2100}'..='\u{214f}'
            | '\u{ff01}'..='\u{ff5e}'
            | '\u{1d400}'..='\u{1d7ff}'
            | '\u{0131}'
            | '\u{0269}'
            | '\u{01c0}'
            | '\u{02bc}'
    )
}

/// True when `c` would act on the terminal instead of printing.
fn is_control(c: char) -> bool {
    c.is_control() || is_bidi(c)
}

fn push_escape(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

fn escape_where(s: &str, hit: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&hit) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hit(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Any text for a terminal: control, bidi and invisible characters escaped
/// (newlines too, so one value stays on one line).
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| is_control(c) || is_invisible(c))
}

/// A name for a terminal: [`escape`], and look-alike letters marked as escapes
/// when the name also holds ASCII letters (`d\u0430ta` for a Cyrillic `а`).
/// A name written wholly in one non-Latin script reads as it is.
pub fn name(s: &str) -> Cow<'_, str> {
    let mixed = s.chars().any(|c| c.is_ascii_alphabetic()) && s.chars().any(is_confusable);
    escape_where(s, |c| {
        is_control(c) || is_invisible(c) || (mixed && is_confusable(c))
    })
}

/// True when [`name`] shows `s` differently from its plain characters.
pub fn is_marked(s: &str) -> bool {
    matches!(name(s), Cow::Owned(_))
}

/// A path for a terminal: escaped, with bytes that are not UTF-8 as `\xNN`.
pub fn path(p: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let bytes = p.as_os_str().as_bytes();
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        out.push_str(&escape(chunk.valid()));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// At most `max` characters: longer text keeps its start and ends in `…`.
pub fn clip(s: &str, max: usize) -> Cow<'_, str> {
    let Some((cut, _)) = s.char_indices().nth(max) else {
        return Cow::Borrowed(s);
    };
    let keep = s[..cut]
        .char_indices()
        .nth(max.saturating_sub(1))
        .map_or(cut, |(i, _)| i);
    Cow::Owned(format!("{}…", &s[..keep]))
}

/// Text with invisible characters removed and look-alikes folded to the Latin
/// letter they imitate, for telling a user "this name looks like `data`".
pub fn skeleton(s: &str) -> String {
    s.chars()
        .filter(|c| !is_invisible(*c) && !is_bidi(*c))
        .map(fold)
        .collect()
}

fn fold(c: char) -> char {
    match c {
        'а' => 'a',
        'в' => 'b',
        'е' | 'ё' => 'e',
        'һ' => 'h',
        'і' | 'ι' | 'ı' => 'i',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'п' | 'η' => 'n',
        'о' | 'ο' | 'σ' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'г' => 'r',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'и' | 'υ' => 'u',
        'ν' => 'v',
        'ԝ' | 'ω' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'γ' => 'y',
        'А' | 'Α' => 'A',
        'В' | 'Β' => 'B',
        'С' | 'Ϲ' => 'C',
        'Е' | 'Ε' => 'E',
        'Н' | 'Η' => 'H',
        'І' | 'Ι' | 'Ӏ' => 'I',
        'Ј' => 'J',
        'К' | 'Κ' => 'K',
        'М' | 'Μ' => 'M',
        'Ν' => 'N',
        'О' | 'Ο' => 'O',
        'Р' | 'Ρ' => 'P',
        'Ѕ' => 'S',
        'Т' | 'Τ' => 'T',
        'Х' | 'Χ' => 'X',
        'У' | 'Υ' => 'Y',
        'Ζ' => 'Z',
        c if ('\u{ff01}'..='\u{ff5e}').contains(&c) => {
            char::from_u32(c as u32 - 0xfee0).unwrap_or(c)
        }
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_11_controls_become_visible() {
        assert_eq!(escape("a\x1b]52;c;aGk=\x07b"), "a\\x1b]52;c;aGk=\\x07b");
        assert_eq!(escape("x\u{9b}2J\x7f"), "x\\x9b2J\\x7f");
        assert_eq!(escape("ab\u{202e}cd\u{2066}"), "ab\\u202ecd\\u2066");
        assert_eq!(escape("one\ntwo\r"), "one\\ntwo\\r");
        assert_eq!(escape("zero\u{200b}width"), "zero\\u200bwidth");
        assert!(matches!(escape("plain ünïcödé 名前"), Cow::Borrowed(_)));
    }

    #[test]
    fn issue_11_look_alikes_are_marked_only_in_mixed_names() {
        assert_eq!(name("dаta"), "d\\u0430ta");
        assert_eq!(name("Ιn"), "\\u0399n");
        assert_eq!(name("данные"), "данные");
        assert_eq!(name("data"), "data");
        assert!(is_marked("dаta") && !is_marked("data"));
        assert_eq!(skeleton("d\u{200d}аta"), "data");
        assert_eq!(skeleton("Ιn"), "In");
    }

    #[test]
    fn issue_11_clip_keeps_the_start() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abcd", 4), "abcd");
        assert_eq!(clip("ääääää", 3), "ää…");
        assert_eq!(clip(&"x".repeat(1_000_000), 10).chars().count(), 10);
    }

    #[test]
    fn issue_11_paths_show_bad_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let p = Path::new(std::ffi::OsStr::from_bytes(b"/tmp/a\xffb\x1b[2J"));
        assert_eq!(path(p), "/tmp/a\\xffb\\x1b[2J");
    }
}

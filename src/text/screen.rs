//! The last guard before a terminal: a writer that lets newlines through and
//! turns every other control character into a visible escape, so a value that
//! a caller forgot to escape still cannot move the cursor, set the title or
//! write the clipboard. Fields are escaped where they are formatted
//! ([`super::escape`]); this only catches what slipped past. JSON never goes
//! through it.

use std::io::{self, Write};

use super::escape;

/// A writer that escapes control characters other than `\n`.
pub struct Screen<W: Write> {
    inner: W,
    /// The start of a UTF-8 character cut by the end of the last write.
    carry: Vec<u8>,
}

impl<W: Write> Screen<W> {
    pub fn new(inner: W) -> Screen<W> {
        Screen {
            inner,
            carry: Vec::new(),
        }
    }

    fn emit(&mut self, bytes: &[u8], last: bool) -> io::Result<()> {
        let mut out = String::with_capacity(bytes.len());
        let mut chunks = bytes.utf8_chunks().peekable();
        while let Some(chunk) = chunks.next() {
            for line in chunk.valid().split_inclusive('\n') {
                match line.strip_suffix('\n') {
                    Some(l) => {
                        out.push_str(&escape::escape(l));
                        out.push('\n');
                    }
                    None => out.push_str(&escape::escape(line)),
                }
            }
            let bad = chunk.invalid();
            // An incomplete character at the very end waits for the next write.
            if !last && chunks.peek().is_none() && !bad.is_empty() && bad.len() < 4 {
                let lead = bad[0];
                let need = if lead >= 0xf0 {
                    4
                } else if lead >= 0xe0 {
                    3
                } else {
                    2
                };
                if lead >= 0xc0 && bad.len() < need {
                    self.carry.extend_from_slice(bad);
                    continue;
                }
            }
            for b in bad {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
        self.inner.write_all(out.as_bytes())
    }
}

impl<W: Write> Write for Screen<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut bytes = std::mem::take(&mut self.carry);
        bytes.extend_from_slice(buf);
        self.emit(&bytes, false)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let rest = std::mem::take(&mut self.carry);
        if !rest.is_empty() {
            self.emit(&rest, true)?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for Screen<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Standard output for human text.
pub fn stdout() -> Screen<io::StdoutLock<'static>> {
    Screen::new(io::stdout().lock())
}

/// One line of human text on standard error, escaped whole (it stays one line).
pub fn eprint_line(line: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{}", escape::escape(line));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_11_screen_escapes_what_slipped_past() {
        let mut s = Screen::new(Vec::new());
        write!(s, "name\x1b]0;owned\x07\nsafe \u{9b}2J ok\n").unwrap();
        // A character split across two writes is not mistaken for bad bytes.
        s.write_all(&"é".as_bytes()[..1]).unwrap();
        s.write_all(&"é".as_bytes()[1..]).unwrap();
        s.flush().unwrap();
        let out = String::from_utf8(std::mem::take(&mut s.inner)).unwrap();
        assert_eq!(out, "name\\x1b]0;owned\\x07\nsafe \\x9b2J ok\né");
    }
}

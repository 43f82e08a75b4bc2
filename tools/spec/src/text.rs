//! Untrusted text in messages: names from wheels, RECORD rows, entry points,
//! trees and fragments (used by ofiuco-install and ofiuco-archive).
//!
//! A wheel decides its entry names, so a message that prints one must not let
//! it drive the terminal (`ESC[2J` clears it) or fill the log (a 4 MiB name).
//! [`shown`] escapes control and bidirectional-formatting characters the way
//! `char::escape_debug` does (`\u{1b}`, `\n`) and cuts values after
//! [`MAX_SHOWN_CHARS`] characters with a marker giving the full length.
//! Everything else, including non-ASCII letters, is printed as it is.

use std::fmt::{self, Write as _};

/// Characters of a value shown before it is cut.
pub const MAX_SHOWN_CHARS: usize = 200;

/// `value` as a message shows it: see the module documentation.
pub fn shown(value: &str) -> Shown<'_> {
    Shown(value, MAX_SHOWN_CHARS)
}

/// A whole message from elsewhere that quotes untrusted text (e.g. a wheel
/// filename error): escaped like [`shown`], cut only after ten times as many
/// characters, so that its explanation survives.
pub fn shown_message(value: &str) -> Shown<'_> {
    Shown(value, 10 * MAX_SHOWN_CHARS)
}

/// [`shown`] of a path, converted lossily to UTF-8 first.
pub fn shown_path(path: &std::path::Path) -> String {
    shown(&path.to_string_lossy()).to_string()
}

/// See [`shown`].
#[derive(Clone, Copy, Debug)]
pub struct Shown<'a>(&'a str, usize);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (count, c) in self.0.chars().enumerate() {
            if count == self.1 {
                return write!(f, "…({} bytes in all)", self.0.len());
            }
            if needs_escape(c) {
                for e in c.escape_debug() {
                    f.write_char(e)?;
                }
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// Control characters (C0, DEL, C1) and the invisible formatting characters
/// that reorder or hide text (bidi embeddings/overrides/isolates, zero-width
/// characters, the BOM).
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_and_bidi_characters() {
        assert_eq!(shown("a/b.py").to_string(), "a/b.py");
        assert_eq!(shown("é/ü.py").to_string(), "é/ü.py");
        assert_eq!(shown("\u{1b}[2Jx").to_string(), "\\u{1b}[2Jx");
        assert_eq!(shown("a\nb\tc\r").to_string(), "a\\nb\\tc\\r");
        assert_eq!(shown("x\u{202e}yp.exe").to_string(), "x\\u{202e}yp.exe");
        assert_eq!(shown("\u{7f}\u{85}").to_string(), "\\u{7f}\\u{85}");
    }

    #[test]
    fn cuts_long_values() {
        let long = "é".repeat(4 << 20);
        let text = shown(&long).to_string();
        assert_eq!(
            text,
            format!("{}…({} bytes in all)", "é".repeat(MAX_SHOWN_CHARS), 8 << 20)
        );
        let exact = "x".repeat(MAX_SHOWN_CHARS);
        assert_eq!(shown(&exact).to_string(), exact);
    }
}

//! Untrusted text in messages: the one implementation for the whole workspace
//! (the lock readers, the hub, the installer and the archives).
//!
//! Names, versions, file names, markers and URLs come from lock files,
//! package indexes and wheels (entry names, RECORD rows, entry points): a
//! message prints them through [`quoted`] (between backticks) or [`shown`]
//! (without), so that a control character cannot act on the terminal (an
//! `ESC[2J` clears it) or start a line that looks like another message, and a
//! 4 MiB name does not make a 4 MiB message.
//!
//! Characters that are not printable are escaped like [`char::escape_debug`]
//! (`\n`, `\u{1b}`, `\u{202e}`; a backslash is doubled, so an escape is never
//! ambiguous); quotes and printable non-ASCII letters are kept. A value is cut
//! after [`MAX_SHOWN_CHARS`] characters, with a marker saying how many bytes
//! were left out: `aaaa…[4194104 more bytes]`.

use std::fmt::{self, Write as _};

/// Characters of a value shown before it is cut.
pub const MAX_SHOWN_CHARS: usize = 200;

/// `value` between backticks, escaped and cut: `` `six` ``,
/// `` `a\u{1b}[2J` ``, `` `aaaa…[4194104 more bytes]` ``.
pub fn quoted(value: &str) -> Shown<'_> {
    Shown {
        text: value,
        max_chars: MAX_SHOWN_CHARS,
        backticks: true,
        message: false,
    }
}

/// `value` escaped and cut, without quotes: see the module documentation.
pub fn shown(value: &str) -> Shown<'_> {
    Shown {
        text: value,
        max_chars: MAX_SHOWN_CHARS,
        backticks: false,
        message: false,
    }
}

/// A whole message from elsewhere that quotes untrusted text (e.g. a wheel
/// filename error): escaped like [`shown`], cut only after ten times as many
/// characters, so that its explanation survives. Its backslashes are kept as
/// they are: the values it quotes went through [`shown`] already, and doubling
/// their escapes again would garble them (control characters are still escaped).
pub fn shown_message(value: &str) -> Shown<'_> {
    Shown {
        text: value,
        max_chars: 10 * MAX_SHOWN_CHARS,
        backticks: false,
        message: true,
    }
}

/// [`shown`] of a path, converted lossily to UTF-8 first.
pub fn shown_path(path: &std::path::Path) -> String {
    shown(&path.to_string_lossy()).to_string()
}

/// See [`quoted`] and [`shown`].
#[derive(Clone, Copy, Debug)]
pub struct Shown<'a> {
    text: &'a str,
    max_chars: usize,
    backticks: bool,
    /// A whole message ([`shown_message`]): backslashes are not doubled.
    message: bool,
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.backticks {
            f.write_char('`')?;
        }
        for (count, (i, c)) in self.text.char_indices().enumerate() {
            if count == self.max_chars {
                write!(f, "…[{} more bytes]", self.text.len() - i)?;
                break;
            }
            match c {
                '"' | '\'' => f.write_char(c)?,
                '\\' if self.message => f.write_char(c)?,
                c => write!(f, "{}", c.escape_debug())?,
            }
        }
        if self.backticks {
            f.write_char('`')?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_kept() {
        assert_eq!(quoted("six").to_string(), "`six`");
        assert_eq!(shown("a/b.py").to_string(), "a/b.py");
        assert_eq!(shown("é/ü.py").to_string(), "é/ü.py");
        assert_eq!(
            shown(r#"python_version >= "3.8" or 'x'"#).to_string(),
            r#"python_version >= "3.8" or 'x'"#
        );
    }

    #[test]
    fn control_and_invisible_characters_are_escaped() {
        assert_eq!(quoted("a\x1b[2J\nb").to_string(), r"`a\u{1b}[2J\nb`");
        assert_eq!(shown("a\nb\tc\r").to_string(), "a\\nb\\tc\\r");
        // A backslash is doubled: `\u{1b}` in a name is not an escaped ESC.
        assert_eq!(quoted(r"a\u{1b}").to_string(), r"`a\\u{1b}`");
        // Bidirectional overrides, zero-width and other format characters.
        assert_eq!(shown("x\u{202e}yp.exe").to_string(), "x\\u{202e}yp.exe");
        assert_eq!(
            shown("a\u{200b}b\u{feff}").to_string(),
            "a\\u{200b}b\\u{feff}"
        );
        assert_eq!(shown("\u{7f}\u{85}").to_string(), "\\u{7f}\\u{85}");
    }

    #[test]
    fn messages_keep_the_escapes_of_the_values_they_quote() {
        let message = format!("entry `{}` is bad\x1b", shown("a\\b\x1b"));
        assert_eq!(
            shown_message(&message).to_string(),
            r"entry `a\\b\u{1b}` is bad\u{1b}"
        );
    }

    #[test]
    fn long_values_are_cut() {
        let long = "é".repeat(4 << 20);
        assert_eq!(
            quoted(&long).to_string(),
            format!(
                "`{}…[{} more bytes]`",
                "é".repeat(MAX_SHOWN_CHARS),
                long.len() - 2 * MAX_SHOWN_CHARS
            )
        );
        let exact = "x".repeat(MAX_SHOWN_CHARS);
        assert_eq!(shown(&exact).to_string(), exact);
        assert_eq!(quoted(&exact).to_string(), format!("`{exact}`"));
        let message = "m".repeat(10 * MAX_SHOWN_CHARS + 5);
        assert!(shown_message(&message)
            .to_string()
            .ends_with("…[5 more bytes]"));
    }
}

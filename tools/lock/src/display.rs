//! Printing untrusted text in messages.
//!
//! Names, versions, file names, markers and URLs come from lock files, wheels
//! and package indexes: a message prints them through [`quoted`] (or
//! [`escaped`], without the quotes), so that a control character cannot act
//! on the terminal (an `ESC[2J` clears it) or start a line that looks like
//! another message, and a 4 MiB name does not make a 4 MiB message.

use std::fmt;

/// The characters of untrusted text a message prints, at most.
pub const MAX_CHARS: usize = 200;

/// `text` between backticks, with [`escaped`]'s escaping and truncation:
/// `` `six` ``, `` `a\u{1b}[2J` ``, `` `aaaa…[4194104 more bytes]` ``.
pub fn quoted(text: &str) -> Quoted<'_> {
    Quoted {
        text,
        backticks: true,
    }
}

/// `text` with control and other non-printable characters escaped like
/// [`char::escape_debug`] (`\n`, `\u{1b}`, `\\`; quotes are kept as they
/// are) and cut after [`MAX_CHARS`] characters, with a marker saying how much
/// was left out.
pub fn escaped(text: &str) -> Quoted<'_> {
    Quoted {
        text,
        backticks: false,
    }
}

/// See [`quoted`] and [`escaped`].
#[derive(Clone, Copy, Debug)]
pub struct Quoted<'a> {
    text: &'a str,
    backticks: bool,
}

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        if self.backticks {
            f.write_char('`')?;
        }
        for (shown, (i, c)) in self.text.char_indices().enumerate() {
            if shown == MAX_CHARS {
                write!(f, "…[{} more bytes]", self.text.len() - i)?;
                break;
            }
            match c {
                '"' | '\'' => f.write_char(c)?,
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
    use super::{escaped, quoted, MAX_CHARS};

    #[test]
    fn plain_text_is_kept() {
        assert_eq!(quoted("six").to_string(), "`six`");
        assert_eq!(
            escaped(r#"python_version >= "3.8""#).to_string(),
            r#"python_version >= "3.8""#
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(quoted("a\x1b[2J\nb").to_string(), r"`a\u{1b}[2J\nb`");
        assert_eq!(quoted("a\\b\r\t").to_string(), r"`a\\b\r\t`");
        // Bidirectional overrides and other format characters, too.
        assert_eq!(quoted("a\u{202e}b").to_string(), r"`a\u{202e}b`");
        assert_eq!(quoted("\u{7f}").to_string(), r"`\u{7f}`");
    }

    #[test]
    fn long_text_is_cut() {
        let long = "é".repeat(4 << 20);
        let shown = quoted(&long).to_string();
        assert_eq!(
            shown,
            format!(
                "`{}…[{} more bytes]`",
                "é".repeat(MAX_CHARS),
                long.len() - 2 * MAX_CHARS
            )
        );
        let exact = "a".repeat(MAX_CHARS);
        assert_eq!(quoted(&exact).to_string(), format!("`{exact}`"));
    }
}

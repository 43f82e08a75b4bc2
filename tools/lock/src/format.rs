//! Which lock format a file is: from its name (`poetry.lock`, `uv.lock`,
//! `pylock.toml`, `pylock.<name>.toml`) and from its content; a name and a
//! content that disagree are an error, not a guess.

use std::fmt;
use std::path::Path;

use crate::error::LockError;
use crate::Lock;

/// The lock formats ofiuco reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockFormat {
    /// poetry.lock, lock-version 1.1, 2.0 and 2.1 (with the `pyproject.toml` beside it).
    Poetry,
    /// uv.lock, version 1 (revisions 1 to 5).
    Uv,
    /// pylock.toml (PEP 751), lock-version 1.0.
    Pylock,
}

impl LockFormat {
    /// What a user calls it, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            LockFormat::Poetry => "poetry.lock",
            LockFormat::Uv => "uv.lock",
            LockFormat::Pylock => "pylock.toml (PEP 751)",
        }
    }
}

impl fmt::Display for LockFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The format the file's name says, if it says one.
pub fn named_format(path: &Path) -> Option<LockFormat> {
    let name = path.file_name()?.to_str()?;
    match name {
        "poetry.lock" => Some(LockFormat::Poetry),
        "uv.lock" => Some(LockFormat::Uv),
        // PEP 751: `pylock.toml` or `pylock.<name>.toml`.
        _ if name == "pylock.toml"
            || name
                .strip_prefix("pylock.")
                .and_then(|rest| rest.strip_suffix(".toml"))
                .is_some_and(|middle| !middle.is_empty() && !middle.contains('.')) =>
        {
            Some(LockFormat::Pylock)
        }
        _ => None,
    }
}

/// The format the content says, with what says so. A scan of the table
/// headers and of the keys before the first one (no TOML parse: the readers
/// parse once, and a broken file still tells its format).
pub fn content_format(text: &str) -> Option<(LockFormat, &'static str)> {
    let (mut top_version, mut top_lock_version) = (false, false);
    let (mut package, mut packages, mut metadata) = (false, false, false);
    let mut in_header = true;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_header = false;
            // The header without white space, compared as it goes (no copy per table).
            let header = || line.chars().filter(|c| !c.is_whitespace());
            let is = |name: &str| header().take(name.len()).eq(name.chars());
            package |= is("[[package]]");
            packages |= is("[[packages]]");
            metadata |= is("[metadata]");
            continue;
        }
        if in_header {
            let key = line.split('=').next().unwrap_or_default().trim();
            top_version |= key == "version";
            top_lock_version |= key == "lock-version";
        }
    }
    if top_lock_version || packages {
        Some((
            LockFormat::Pylock,
            "it has a top-level `lock-version` or `[[packages]]` tables",
        ))
    } else if top_version {
        Some((LockFormat::Uv, "it has a top-level `version`"))
    } else if metadata || package {
        Some((
            LockFormat::Poetry,
            "it has `[[package]]` tables and a `[metadata]` table",
        ))
    } else {
        None
    }
}

/// The format of the lock at `path` with text `text`: the name's and the
/// content's, which must agree when both say one.
pub fn detect_format(path: &Path, text: &str) -> Result<LockFormat, LockError> {
    match (named_format(path), content_format(text)) {
        (Some(named), Some((content, evidence))) if named != content => {
            Err(LockError::FormatMismatch {
                path: path.to_path_buf(),
                named: named.describe(),
                content: content.describe(),
                evidence,
            })
        }
        (Some(named), _) => Ok(named),
        (None, Some((content, _))) => Ok(content),
        (None, None) => Err(LockError::UnknownFormat {
            path: path.to_path_buf(),
            why: "neither its name (`poetry.lock`, `uv.lock`, `pylock.toml`, `pylock.<name>.toml`) nor its content (`[[package]]` and `[metadata]`; a top-level `version`; a top-level `lock-version` and `[[packages]]`) says which format it is".to_string(),
        }),
    }
}

/// Read a lock of any format ofiuco reads; a poetry.lock with the
/// `pyproject.toml` beside it.
pub fn read_lock(path: &Path) -> Result<Lock, LockError> {
    let text = std::fs::read_to_string(path).map_err(|source| LockError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    match detect_format(path, &text)? {
        LockFormat::Poetry => crate::read_poetry_lock(path),
        LockFormat::Uv => crate::parse_uv_lock(&text, path),
        LockFormat::Pylock => crate::parse_pylock(&text, path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let named = |n: &str| named_format(Path::new(n));
        assert_eq!(named("a/poetry.lock"), Some(LockFormat::Poetry));
        assert_eq!(named("uv.lock"), Some(LockFormat::Uv));
        assert_eq!(named("x/pylock.toml"), Some(LockFormat::Pylock));
        assert_eq!(named("pylock.dev.toml"), Some(LockFormat::Pylock));
        assert_eq!(named("pylock..toml"), None);
        assert_eq!(named("pylock.a.b.toml"), None);
        assert_eq!(named("requirements.txt"), None);
        assert_eq!(named("poetry-2.0.lock"), None);
    }

    #[test]
    fn contents() {
        let format = |t: &str| content_format(t).map(|(f, _)| f);
        assert_eq!(
            format("[[package]]\nname = \"a\"\n[metadata]\nlock-version = \"2.0\"\n"),
            Some(LockFormat::Poetry)
        );
        assert_eq!(
            format("version = 1\nrevision = 3\n[[package]]\nname = \"a\"\n"),
            Some(LockFormat::Uv)
        );
        assert_eq!(
            format("lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n"),
            Some(LockFormat::Pylock)
        );
        assert_eq!(format("[tool.x]\n"), None);
    }

    #[test]
    fn mismatch_names_both() {
        let err = detect_format(Path::new("uv.lock"), "[[package]]\n[metadata]\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("named like a uv.lock, but its content is a poetry.lock"),
            "{text}"
        );
        let err = detect_format(Path::new("lock.txt"), "").unwrap_err();
        assert!(matches!(err, LockError::UnknownFormat { .. }));
    }
}

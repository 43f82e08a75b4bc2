//! Errors of the lock readers. Every variant names the input file, the package
//! when there is one, and says what to do next.

use std::path::{Path, PathBuf};

use ofiuco_spec::NameProblem;

/// Lock versions of poetry.lock this crate reads.
pub const SUPPORTED_POETRY_LOCK_VERSIONS: &[&str] = &["1.1", "2.0", "2.1"];

/// An error reading a lock file or the `pyproject.toml` beside it.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("failed to read `{path}`: {source}\n  hint: check that the file exists and is readable", path = .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("`{path}:{line}:{column}`: invalid TOML: {message}\n  hint: fix the file by hand, or regenerate it (`poetry lock`)", path = .path.display())]
    Toml {
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        message: String,
    },

    #[error("`{path}` has {found}, which ofiuco cannot read (supported: {supported})\n  hint: regenerate the lock with a Poetry release that writes one of the supported versions, or upgrade ofiuco", path = .path.display(), found = found_version(.found.as_deref()), supported = SUPPORTED_POETRY_LOCK_VERSIONS.join(", "))]
    UnsupportedLockVersion {
        path: PathBuf,
        /// The `metadata.lock-version` seen, `None` when missing.
        found: Option<String>,
    },

    #[error("`{path}`: file `{file}` of package `{package}` {version} has {what}, but ofiuco needs a sha256 hash for every file\n  hint: re-run `poetry lock` so that every file gets a `sha256:` hash", path = .path.display(), what = hash_problem(.found.as_deref()))]
    MissingHash {
        path: PathBuf,
        package: String,
        version: String,
        file: String,
        /// The hash entry seen (another algorithm or a malformed value), `None` when absent.
        found: Option<String>,
    },

    #[error("`{path}`: package `{package}` {version} comes from a package index but the lock lists no files for it\n  hint: re-run `poetry lock` (with a Poetry release that records files), or check that the index serves files for this version", path = .path.display())]
    NoFiles {
        path: PathBuf,
        package: String,
        version: String,
    },

    #[error("`{path}`: invalid marker `{marker}`{context}: {message}\n  hint: fix the marker in `pyproject.toml` and re-run `poetry lock`", path = .path.display(), context = context(.package.as_deref()))]
    InvalidMarker {
        path: PathBuf,
        /// The package (and dependency) the marker belongs to, if any.
        package: Option<String>,
        marker: String,
        message: String,
    },

    #[error("`{path}`: invalid requirement `{requirement}`{context}: {message}\n  hint: write it as a PEP 508 requirement such as `name[extra]>=1.0; python_version < \"3.11\"`", path = .path.display(), context = context(.package.as_deref()))]
    InvalidRequirement {
        path: PathBuf,
        /// The package or group the requirement belongs to, if any.
        package: Option<String>,
        requirement: String,
        message: String,
    },

    #[error("`{path}`: invalid package name `{name}` (in {context}): {problem}\n  hint: a package name (PEP 508) has only ASCII letters, digits, `-`, `_` and `.`, and starts and ends with a letter or digit; fix the name and re-run `poetry lock`", path = .path.display())]
    InvalidName {
        path: PathBuf,
        /// The name as written.
        name: String,
        /// Where it is written, e.g. ``package `x` 1.0, dependency `y` ``.
        context: String,
        problem: NameProblem,
    },

    #[error("`{path}`: package `{package}` {version}: {message}\n  hint: re-run `poetry lock`; if the problem persists, report it together with the lock file", path = .path.display())]
    InvalidPackage {
        path: PathBuf,
        package: String,
        version: String,
        message: String,
    },
}

fn found_version(found: Option<&str>) -> String {
    match found {
        Some(v) => format!("lock-version `{v}`"),
        None => "no `metadata.lock-version`".to_string(),
    }
}

fn hash_problem(found: Option<&str>) -> String {
    match found {
        Some(h) => format!("hash `{h}`"),
        None => "no hash".to_string(),
    }
}

fn context(package: Option<&str>) -> String {
    match package {
        Some(p) => format!(" (in {p})"),
        None => String::new(),
    }
}

impl LockError {
    /// Build a [`LockError::Toml`] from a toml error, computing the 1-based
    /// line and column from its span.
    pub(crate) fn from_toml(path: &Path, text: &str, err: &toml::de::Error) -> Self {
        let offset = err.span().map(|s| s.start).unwrap_or(0).min(text.len());
        let (line, column) = line_column(text, offset);
        LockError::Toml {
            path: path.to_path_buf(),
            line,
            column,
            message: err.message().trim_end().to_string(),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset;
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::line_column;

    #[test]
    fn line_column_is_one_based() {
        assert_eq!(line_column("abc", 0), (1, 1));
        assert_eq!(line_column("a\nbc", 3), (2, 2));
        assert_eq!(line_column("é\nx", 3), (2, 1));
        assert_eq!(line_column("éx", 2), (1, 2));
    }
}

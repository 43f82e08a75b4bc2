//! Errors of the lock readers. Every variant names the input file, the package
//! when there is one, and says what to do next.

use std::path::{Path, PathBuf};

use crate::validate::FileNameProblem;
use ofiuco_spec::text::{quoted, shown};

/// Lock versions of poetry.lock this crate reads.
pub const SUPPORTED_POETRY_LOCK_VERSIONS: &[&str] = &["1.1", "2.0", "2.1"];

/// An error reading a lock file or the `pyproject.toml` beside it.
///
/// Text from the files (names, versions, markers) is printed with
/// [`quoted`]/[`shown`]: control characters escaped, long values cut.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("failed to read `{path}`: {source}\n  hint: check that the file exists and is readable", path = .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("`{path}:{line}:{column}`: invalid TOML: {message}\n  hint: fix the file by hand, or regenerate it ({relock})", path = .path.display(), relock = relock(.path), message = shown(.message))]
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

    #[error("`{path}`: file {file} of package {package} {version} has {what}, but ofiuco needs a sha256 hash for every file\n  hint: re-run {relock} so that every file gets a `sha256:` hash", path = .path.display(), relock = relock(.path), file = quoted(.file), package = quoted(.package), version = shown(.version), what = hash_problem(.found.as_deref()))]
    MissingHash {
        path: PathBuf,
        package: String,
        version: String,
        file: String,
        /// The hash entry seen (another algorithm or a malformed value), `None` when absent.
        found: Option<String>,
    },

    #[error("`{path}`: package {package} {version} comes from a package index but the lock lists no files for it\n  hint: re-run {relock} (with {release} that records files), or check that the index serves files for this version", path = .path.display(), relock = relock(.path), release = release(.path), package = quoted(.package), version = shown(.version))]
    NoFiles {
        path: PathBuf,
        package: String,
        version: String,
    },

    #[error("`{path}`: invalid marker {marker}{context}: {message}\n  hint: fix the marker in `pyproject.toml` and re-run {relock}", path = .path.display(), relock = relock(.path), marker = quoted(.marker), context = context(.package.as_deref()), message = shown(.message))]
    InvalidMarker {
        path: PathBuf,
        /// The package (and dependency) the marker belongs to, if any, already
        /// printable (see [`quoted`]).
        package: Option<String>,
        marker: String,
        message: String,
    },

    #[error("`{path}`: invalid requirement {requirement}{context}: {message}\n  hint: write it as a PEP 508 requirement such as `name[extra]>=1.0; python_version < \"3.11\"`", path = .path.display(), requirement = quoted(.requirement), context = context(.package.as_deref()), message = shown(.message))]
    InvalidRequirement {
        path: PathBuf,
        /// The package or group the requirement belongs to, if any, already
        /// printable (see [`quoted`]).
        package: Option<String>,
        requirement: String,
        message: String,
    },

    #[error("`{path}`: package {package} {version}: {message}\n  hint: re-run {relock}; if the problem persists, report it together with the lock file", path = .path.display(), relock = relock(.path), package = quoted(.package), version = shown(.version))]
    InvalidPackage {
        path: PathBuf,
        package: String,
        version: String,
        /// What is wrong, already printable (lock text in it is [`quoted`]).
        message: String,
    },

    /// A lock feature ofiuco cannot map (boxed: keeps `LockError` small).
    #[error("{0}")]
    Unsupported(Box<Unsupported>),

    #[error("`{path}:{line}`: package {package} {version}: {message}\n  hint: re-run {relock}; if the problem persists, report it together with the lock file", path = .path.display(), relock = relock(.path), package = quoted(.package), version = shown(.version))]
    InvalidEntry {
        path: PathBuf,
        /// 1-based line of the entry's name.
        line: usize,
        package: String,
        version: String,
        /// What is wrong, already printable (lock text in it is [`quoted`]).
        message: String,
    },

    #[error("`{path}:{line}`: file name {file} of package {package} {version} is not a wheel or sdist name: {reason}\n  hint: a wheel is `{{name}}-{{version}}(-{{build}})?-{{python}}-{{abi}}-{{platform}}.whl` and an sdist `{{name}}-{{version}}.tar.gz` (or `.zip`), each part of letters, digits, `_` and `.` (the version also `+` and `!`); re-run {relock}, and check where the lock came from", path = .path.display(), relock = relock(.path), file = quoted(.file), package = quoted(.package), version = shown(.version))]
    InvalidFileName {
        path: PathBuf,
        /// 1-based line of the file name.
        line: usize,
        package: String,
        version: String,
        file: String,
        reason: FileNameProblem,
    },

    #[error("`{path}:{line}`: package {package} has version {version}, which is not a PEP 440 version: {message}\n  hint: re-run {relock}, and check where the lock came from", path = .path.display(), relock = relock(.path), package = quoted(.package), version = quoted(.version), message = shown(.message))]
    InvalidVersion {
        path: PathBuf,
        /// 1-based line of the version.
        line: usize,
        package: String,
        version: String,
        message: String,
    },

    #[error("`{path}:{line}`: {what} {name} is not a valid name: {reason}\n  hint: a PEP 508 name is letters and digits, with `-`, `_` or `.` only between them (`typing_extensions`, `zope.interface`)", path = .path.display(), name = quoted(.name))]
    InvalidName {
        path: PathBuf,
        /// 1-based line of the name.
        line: usize,
        /// What carries the name (`package`, `dependency of package `a` 1.0`),
        /// already printable (see [`quoted`]).
        what: String,
        name: String,
        reason: &'static str,
    },

    #[error("`{path}:{line}`: `python-versions` {constraint}{context} is not a version constraint ofiuco can read\n  hint: write it like `>=3.10,<4`, `^3.10` or `~3.11` (alternatives with `||`), or re-run {relock}", path = .path.display(), relock = relock(.path), constraint = quoted(.constraint), context = context(.package.as_deref()))]
    InvalidPythonVersions {
        path: PathBuf,
        /// 1-based line of the constraint.
        line: usize,
        /// The package it belongs to, `None` for `metadata.python-versions`;
        /// already printable (see [`quoted`]).
        package: Option<String>,
        constraint: String,
    },

    #[error("`{path}:{line}`: {from} depends on {dependency}{via}, which the lock does not contain\n  hint: {hint}", path = .path.display(), hint = missing_hint(.path), dependency = quoted(.dependency), via = via(.extra.as_deref()))]
    MissingDependency {
        path: PathBuf,
        /// 1-based line of the dependency (or of the extra's requirement).
        line: usize,
        /// What depends on it (``package `a` 1.0``, ``group `dev` ``), already
        /// printable (see [`quoted`]).
        from: String,
        /// The missing name (normalized).
        dependency: String,
        /// When the dependency comes from an extra that something requests:
        /// the extra, already printable (`` `requests[socks]` ``).
        extra: Option<String>,
    },

    #[error("`{path}` is a {format} of version {found}, which ofiuco cannot read (supported: {supported})\n  hint: {hint}", path = .path.display(), found = quoted(.found))]
    UnsupportedFormatVersion {
        path: PathBuf,
        /// `uv.lock`, `pylock.toml (PEP 751)`.
        format: &'static str,
        /// The version seen, as written (`<none>` when missing).
        found: String,
        supported: &'static str,
        hint: &'static str,
    },

    #[error("`{path}` is named like a {named}, but its content is a {content} ({evidence})\n  hint: rename the file to what it is (`poetry.lock`, `uv.lock`, `pylock.toml`), or point the `lock` attribute at the right file", path = .path.display())]
    FormatMismatch {
        path: PathBuf,
        named: &'static str,
        content: &'static str,
        /// What in the content says so.
        evidence: &'static str,
    },

    #[error("`{path}` is not a lock file ofiuco can read: {why}\n  hint: ofiuco reads poetry.lock (lock-version 1.1, 2.0, 2.1), uv.lock (version 1) and pylock.toml (PEP 751, lock-version 1.0)", path = .path.display())]
    UnknownFormat { path: PathBuf, why: String },

    #[error("`{path}`: dependency group {group} includes itself: {cycle}\n  hint: PEP 735 forbids include cycles: remove one of the `include-group` entries", path = .path.display(), group = quoted(.group), cycle = cycle_text(.cycle))]
    DependencyGroupCycle {
        path: PathBuf,
        group: String,
        /// The groups of the cycle, from `group` back to it.
        cycle: Vec<String>,
    },

    #[error("`{path}`: `{key}` holds {what}, which Poetry's `content-hash` cannot hash (Poetry's `json.dumps` refuses it too)\n  hint: write the value as a string in `pyproject.toml`", path = .path.display(), key = shown(.key), what = shown(.what))]
    UnhashableValue {
        path: PathBuf,
        /// The TOML key holding the value.
        key: String,
        what: String,
    },

    #[error("`{path}:{line}`: dependency group {group} includes {included}, which is not a dependency group\n  hint: PEP 735: `include-group` must name a group of `[dependency-groups]` (names compare PEP 503 normalized)", path = .path.display(), group = quoted(.group), included = quoted(.included))]
    UnknownDependencyGroup {
        path: PathBuf,
        /// 1-based line of the including group.
        line: usize,
        group: String,
        included: String,
    },
}

/// The command that rewrites the lock at `path`, for hints.
pub(crate) fn relock(path: &Path) -> &'static str {
    match crate::format::named_format(path) {
        Some(crate::LockFormat::Uv) => "`uv lock`",
        Some(crate::LockFormat::Pylock) => {
            "the tool that wrote it (`uv export --format pylock.toml`, `pdm export`, `pip lock`)"
        }
        _ => "`poetry lock`",
    }
}

fn release(path: &Path) -> &'static str {
    match crate::format::named_format(path) {
        Some(crate::LockFormat::Uv) => "a uv release",
        Some(crate::LockFormat::Pylock) => "a release",
        _ => "a Poetry release",
    }
}

fn missing_hint(path: &Path) -> &'static str {
    match crate::format::named_format(path) {
        Some(crate::LockFormat::Uv) => "uv.lock records every dependency edge of a universal resolution: re-run `uv lock`",
        Some(crate::LockFormat::Pylock) => "a pylock.toml's `dependencies` must name packages of the same file: re-create the lock",
        _ => "a dependency may be missing from the lock only when its marker cannot hold for the lock's `python-versions` (poetry leaves such dependencies out); re-run `poetry lock` to lock it",
    }
}

fn found_version(found: Option<&str>) -> String {
    match found {
        Some(v) => format!("lock-version {}", quoted(v)),
        None => "no `metadata.lock-version`".to_string(),
    }
}

fn hash_problem(found: Option<&str>) -> String {
    match found {
        Some(h) => format!("hash {}", quoted(h)),
        None => "no hash".to_string(),
    }
}

fn context(package: Option<&str>) -> String {
    match package {
        Some(p) => format!(" (in {p})"),
        None => String::new(),
    }
}

/// `a -> b -> a`, with the middle of a long cycle left out.
fn cycle_text(cycle: &[String]) -> String {
    const SHOWN: usize = 8;
    let quote = |g: &String| quoted(g).to_string();
    if cycle.len() <= SHOWN + 1 {
        return cycle.iter().map(quote).collect::<Vec<_>>().join(" -> ");
    }
    let head: Vec<String> = cycle[..SHOWN].iter().map(quote).collect();
    format!(
        "{} -> … ({} more) -> {}",
        head.join(" -> "),
        cycle.len() - SHOWN - 1,
        quote(&cycle[cycle.len() - 1])
    )
}

fn via(extra: Option<&str>) -> String {
    match extra {
        Some(extra) => format!(" (through {extra})"),
        None => String::new(),
    }
}

impl LockError {
    /// Build a [`LockError::Toml`] from a toml error, computing the 1-based
    /// line and column from its span.
    pub(crate) fn from_toml(path: &Path, text: &str, err: &toml::de::Error) -> Self {
        let offset = err.span().map_or(0, |s| s.start).min(text.len());
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
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
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

/// What [`LockError::Unsupported`] says: the entry, what ofiuco cannot map, what to do.
#[derive(Debug)]
pub struct Unsupported {
    pub path: PathBuf,
    /// 1-based line of the entry.
    pub line: usize,
    pub package: String,
    pub version: String,
    /// What ofiuco cannot map, already printable (lock text in it is [`quoted`]).
    pub message: String,
    /// What to do instead.
    pub hint: String,
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}:{}`: package {} {}: {}\n  hint: {}",
            self.path.display(),
            self.line,
            quoted(&self.package),
            shown(&self.version),
            self.message,
            self.hint
        )
    }
}

//! Lock file readers and the normalized lock model of ofiuco.
//!
//! [`read_lock`] reads any lock ofiuco knows, its format detected from the
//! file's name and content ([`detect_format`]): [`read_poetry_lock`] a
//! poetry.lock (lock-version 1.1, 2.0 and 2.1) and the `pyproject.toml` beside
//! it, [`parse_uv_lock`] a uv.lock (version 1), [`parse_pylock`] a
//! pylock.toml (PEP 751), each into the same [`Lock`]. TOML is read with `serde` +
//! `toml`, requirements and markers with `pep508_rs`, versions with `pep440_rs`.

mod check;
mod constraint;
mod error;
mod format;
mod fresh;
mod fresh_uv;
mod model;
mod pieces;
mod poetry;
mod pylock;
mod pyproject;
mod raw;
mod uv;
mod validate;

pub use constraint::{allowed_among, constraint_allows, Allowed};
pub use error::{LockError, SUPPORTED_POETRY_LOCK_VERSIONS};
pub use format::{content_format, detect_format, named_format, read_lock, LockFormat};
pub use fresh::{check_poetry, check_uv, poetry_content_hash, Freshness};
pub use model::{
    marker_string, Dependency, DistFile, Index, Lock, Package, PackageMarkers, Project,
    ProjectDependency, Source,
};
pub use poetry::{parse_poetry_lock, read_poetry_lock};
pub use pylock::parse_pylock;
pub use pyproject::MAIN_GROUP;
pub use uv::parse_uv_lock;
pub use validate::FileNameProblem;

/// PEP 503 name normalization (runs of `-`, `_` and `.` become one `-`,
/// letters are lowercased) of a name as written in a lock, surrounding
/// whitespace ignored. One implementation serves the whole workspace:
/// [`ofiuco_spec::normalize_name`].
pub fn normalize_name(s: &str) -> String {
    ofiuco_spec::normalize_name(s.trim())
}

#[cfg(test)]
mod tests {
    use super::normalize_name;

    #[test]
    fn pep503() {
        assert_eq!(normalize_name("Typing_Extensions"), "typing-extensions");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_name("a-_.b"), "a-b");
        assert_eq!(normalize_name("PyYAML"), "pyyaml");
    }
}

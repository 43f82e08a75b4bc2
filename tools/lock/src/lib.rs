//! Lock file readers and the normalized lock model of ofiuco.
//!
//! [`read_poetry_lock`] reads a poetry.lock (lock-version 1.1, 2.0 and 2.1) and
//! the `pyproject.toml` beside it into a [`Lock`]. TOML is read with `serde` +
//! `toml`, requirements and markers with `pep508_rs`, versions with `pep440_rs`.

mod check;
mod constraint;
mod error;
mod model;
mod poetry;
mod pyproject;
mod raw;
mod validate;

pub use constraint::{allowed_among, constraint_allows, Allowed};
pub use error::{LockError, SUPPORTED_POETRY_LOCK_VERSIONS};
pub use model::{
    marker_string, Dependency, DistFile, Index, Lock, Package, PackageMarkers, Project,
    ProjectDependency, Source,
};
pub use poetry::{parse_poetry_lock, read_poetry_lock};
pub use pyproject::MAIN_GROUP;
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

//! The crates of a Rust extension's `Cargo.lock`, for vendoring by checksum.
//!
//! A build of a maturin or setuptools-rust sdist runs with no network, so
//! every crate it compiles comes from a directory prepared at fetch time:
//! each crates.io crate of the lock downloaded by Bazel with the lock's
//! `checksum` (the sha256 of the `.crate` file) as its sha256. Local crates
//! (no `source`: the sdist's own workspace members) need nothing; a crate
//! from git or another registry cannot be pinned that way and is an error.
//! Lock versions 1 (checksums in `[metadata]`) to 4 are read.
//!
//! Names, versions and checksums become file names and URLs: each is checked
//! to be what crates.io allows, so no text of the lock reaches a path or a
//! command unchecked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The hint of every error about a Cargo.lock.
pub const HINT: &str = "ofiuco builds Rust extensions offline from the crates.io crates their Cargo.lock pins by checksum; supply a wheel with `poetry.build(package = ..., wheel = ...)` for this package";

/// The registries that mean crates.io.
const CRATES_IO: [&str; 2] = [
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];

/// One crates.io crate to vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, PartialOrd, Ord)]
pub struct Crate {
    pub name: String,
    pub version: String,
    /// sha256 of `<name>-<version>.crate`, lowercase hex.
    pub checksum: String,
}

#[derive(Deserialize)]
struct RawLock {
    #[serde(default)]
    package: Vec<RawPackage>,
    #[serde(default)]
    metadata: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn valid_version(version: &str) -> bool {
    !version.is_empty()
        && version.len() <= 64
        && version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'+')
}

fn valid_checksum(checksum: &str) -> bool {
    checksum.len() == 64
        && checksum
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The crates.io crates of a Cargo.lock, sorted, each once. Errors are
/// messages naming the crate (without the file's name).
pub fn registry_crates(text: &str) -> Result<Vec<Crate>, String> {
    let raw: RawLock = toml::from_str(text).map_err(|e| format!("not a Cargo.lock: {e}"))?;
    let mut crates = Vec::new();
    for p in raw.package {
        let Some(source) = p.source else {
            continue; // a member of the sdist's own workspace
        };
        let shown = format!("{} {}", p.name, p.version);
        if !valid_name(&p.name) || !valid_version(&p.version) {
            return Err(format!(
                "crate `{}` has a name or version that crates.io does not allow",
                ofiuco_spec::text::shown(&shown)
            ));
        }
        if !CRATES_IO.contains(&source.as_str()) {
            let kind = if source.starts_with("git+") {
                "a git repository"
            } else {
                "a registry other than crates.io"
            };
            return Err(format!(
                "crate `{shown}` comes from {kind} (`{}`), which has no checksum to pin it by",
                ofiuco_spec::text::shown(&source)
            ));
        }
        // Lock version 1: `"checksum <name> <version> (<source>)" = "<sha256>"`.
        let checksum = p.checksum.or_else(|| {
            raw.metadata
                .get(&format!("checksum {} {} ({source})", p.name, p.version))
                .cloned()
        });
        let Some(checksum) = checksum else {
            return Err(format!("crate `{shown}` has no checksum"));
        };
        if !valid_checksum(&checksum) {
            return Err(format!(
                "crate `{shown}` has a checksum that is not a sha256 (64 lowercase hex digits)"
            ));
        }
        crates.push(Crate {
            name: p.name,
            version: p.version,
            checksum,
        });
    }
    crates.sort();
    crates.dedup();
    Ok(crates)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "5f94df478c0f4dfd50c52953a81affe41685097aae1d3844ca50d80702837509";

    fn lock(packages: &str) -> String {
        format!("version = 4\n\n{packages}")
    }

    #[test]
    fn registry_crates_skip_local_ones_and_sort() {
        let text = lock(&format!(
            r#"
[[package]]
name = "rpds-py"
version = "0.22.3"
dependencies = ["pyo3"]

[[package]]
name = "pyo3"
version = "0.23.3"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "{SHA}"

[[package]]
name = "archery"
version = "1.2.1"
source = "sparse+https://index.crates.io/"
checksum = "{SHA}"
"#
        ));
        let crates = registry_crates(&text).unwrap();
        let names: Vec<_> = crates
            .iter()
            .map(|c| format!("{}-{}", c.name, c.version))
            .collect();
        assert_eq!(names, ["archery-1.2.1", "pyo3-0.23.3"]);
    }

    #[test]
    fn lock_version_1_checksums_come_from_metadata() {
        let text = format!(
            r#"
[[package]]
name = "libc"
version = "0.2.80"
source = "registry+https://github.com/rust-lang/crates.io-index"

[metadata]
"checksum libc 0.2.80 (registry+https://github.com/rust-lang/crates.io-index)" = "{SHA}"
"#
        );
        let crates = registry_crates(&text).unwrap();
        assert_eq!(crates[0].checksum, SHA);
    }

    #[test]
    fn unpinnable_or_hostile_crates_are_errors() {
        let cases = [
            (
                r#"name = "x"
version = "1.0.0"
source = "git+https://github.com/a/x?rev=1#abc""#,
                "comes from a git repository",
            ),
            (
                r#"name = "x"
version = "1.0.0"
source = "registry+https://example.com/index""#,
                "a registry other than crates.io",
            ),
            (
                r#"name = "x"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index""#,
                "has no checksum",
            ),
            (
                r#"name = "../../etc"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "00""#,
                "does not allow",
            ),
            (
                r#"name = "x"
version = "1.0.0/../../y"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "00""#,
                "does not allow",
            ),
            (
                r#"name = "x"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "ABC""#,
                "not a sha256",
            ),
        ];
        for (package, want) in cases {
            let err = registry_crates(&lock(&format!("[[package]]\n{package}\n"))).unwrap_err();
            assert!(err.contains(want), "{package}: {err}");
        }
        assert!(registry_crates("[[package]\n")
            .unwrap_err()
            .starts_with("not a Cargo.lock"));
    }
}

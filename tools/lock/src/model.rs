//! The normalized lock model: what every lock reader produces and what the hub
//! renderer consumes.
//!
//! Names are normalized with [`crate::normalize_name`] (PEP 503) everywhere
//! except [`Package::display_name`]. Entries keep the lock's order; the same
//! name may appear several times (different versions or sources).

use std::collections::BTreeMap;
use std::path::PathBuf;

use pep508_rs::MarkerTree;
use serde::{Serialize, Serializer};

/// A parsed lock file.
#[derive(Clone, Debug, Serialize)]
pub struct Lock {
    /// The lock file this model was read from (as given by the caller).
    pub path: PathBuf,
    /// poetry.lock's `metadata.lock-version` (`1.1`, `2.0`, `2.1`); for
    /// uv.lock `uv 1, revision 3`; for pylock.toml `pylock 1.0`.
    pub lock_version: String,
    /// `metadata.python-versions` (poetry syntax) or `requires-python` (PEP 440):
    /// the project's Python constraint.
    pub python_versions: Option<String>,
    /// `[[package]]` entries in lock order.
    pub packages: Vec<Package>,
    /// The project from the `pyproject.toml` beside the lock (poetry.lock),
    /// from the lock's root package (uv.lock), or from the lock's groups
    /// (pylock.toml), when there is one.
    pub project: Option<Project>,
    /// `false` when the lock records no dependency edges (a pylock.toml
    /// without `dependencies`): then every public name stands for the whole
    /// lock (every package whose marker holds for the target), so that no
    /// package comes without its runtime dependencies.
    pub edges_recorded: bool,
}

/// One `[[package]]` entry.
#[derive(Clone, Debug, Serialize)]
pub struct Package {
    /// PEP 503 normalized name.
    pub name: String,
    /// The name as spelled in the lock.
    pub display_name: String,
    /// The version as in the lock (may be a local version such as `2.0.1+cu118`).
    pub version: String,
    /// Where the distribution files come from.
    pub source: Source,
    /// Wheels and sdists, in lock order. Empty only for non-registry sources.
    pub files: Vec<DistFile>,
    /// `[package.dependencies]`; a list-valued dependency gives one entry per item.
    pub dependencies: Vec<Dependency>,
    /// Extra name (normalized) -> normalized names of the dependencies it enables.
    pub extras: BTreeMap<String, Vec<String>>,
    /// Package-level markers (lock 2.1).
    pub markers: PackageMarkers,
    /// Lock 2.1 `groups`, or the 1.1/2.0 `category` (`main`, `dev`). Empty when the
    /// lock records neither (2.0 written by Poetry >= 1.5).
    pub groups: Vec<String>,
    /// Poetry's `optional` flag: only installed through an extra.
    pub optional: bool,
    /// `python-versions` of the package (poetry constraint syntax), `*` kept as is.
    pub python_versions: Option<String>,
}

/// Where a package's files come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Source {
    /// A package index; `index: None` is PyPI.
    Registry { index: Option<Index> },
    /// A git repository.
    Git {
        url: String,
        /// The requested branch, tag, revision or `HEAD`.
        reference: Option<String>,
        /// The commit the reference resolved to.
        resolved_reference: Option<String>,
        subdirectory: Option<String>,
    },
    /// A direct URL to a wheel or sdist.
    Url { url: String },
    /// A local source tree (relative paths are relative to the lock's directory).
    Directory { path: String, develop: bool },
    /// A local wheel or sdist file.
    File { path: String },
}

/// A non-PyPI package index (poetry `legacy` source).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Index {
    /// Poetry's `reference`: the source name from `pyproject.toml`.
    pub name: String,
    /// The index URL (PEP 503 simple API root).
    pub url: String,
}

/// One distribution file with its pinned hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DistFile {
    pub filename: String,
    /// Lowercase hex sha256.
    pub sha256: String,
    /// Where to download it, when the lock records it (uv.lock, pylock.toml):
    /// then no index is asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One dependency edge of a locked package.
#[derive(Clone, Debug, Serialize)]
pub struct Dependency {
    /// PEP 503 normalized name.
    pub name: String,
    /// The poetry constraint as written; `*` becomes `None`.
    pub constraint: Option<String>,
    /// `markers`, AND-combined with markers derived from `python` and `platform`.
    #[serde(serialize_with = "ser_opt_marker")]
    pub marker: Option<MarkerTree>,
    pub optional: bool,
    /// Requested extras (normalized).
    pub extras: Vec<String>,
    /// The value of the dependency table's `url`, `git`, `path` or `source` key
    /// (first present, in that order).
    pub source_hint: Option<String>,
    /// The index into [`Lock::packages`] of the entry this edge resolves to,
    /// when the lock says exactly which (uv.lock names the version and source
    /// of a name locked more than once); `None`: resolve by name and constraint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<usize>,
}

/// Package-level markers (lock 2.1).
#[derive(Clone, Debug, Default)]
pub enum PackageMarkers {
    /// No `markers` key.
    #[default]
    None,
    /// `markers = "..."`: applies whatever group pulls the package in.
    All(MarkerTree),
    /// `markers = {main = "...", dev = "..."}`: per dependency group.
    ByGroup(BTreeMap<String, MarkerTree>),
}

/// The project as described by `pyproject.toml`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Project {
    /// `project.name` or `tool.poetry.name`.
    pub name: Option<String>,
    /// Group name -> direct dependencies; `main` holds the runtime dependencies
    /// (including optional ones that extras enable).
    pub dependencies: BTreeMap<String, Vec<ProjectDependency>>,
    /// PEP 735 `include-group`s: group -> the groups it includes (keys of
    /// [`Project::dependencies`]), in order. A group's dependencies are its
    /// own and, transitively, those of the groups it includes (never a
    /// cycle: the reader refuses one).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub includes: BTreeMap<String, Vec<String>>,
    /// Extra name (normalized) -> normalized dependency names.
    pub extras: BTreeMap<String, Vec<String>>,
}

/// A direct dependency of the project.
#[derive(Clone, Debug, Serialize)]
pub struct ProjectDependency {
    /// PEP 503 normalized name.
    pub name: String,
    /// Requested extras (normalized).
    pub extras: Vec<String>,
    #[serde(serialize_with = "ser_opt_marker")]
    pub marker: Option<MarkerTree>,
    pub optional: bool,
    /// Version constraint as written (PEP 440 specifiers or poetry syntax), if any.
    pub constraint: Option<String>,
    /// The index into [`Lock::packages`] of the entry it names, when the lock
    /// lists the group entry by entry (pylock.toml).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<usize>,
}

/// The marker's PEP 508 string form; `None` for a marker that is always true.
pub fn marker_string(marker: &MarkerTree) -> Option<String> {
    marker.try_to_string()
}

#[allow(
    clippy::ref_option,
    reason = "serde's `serialize_with` passes the field as `&Option<_>`"
)]
fn ser_opt_marker<S: Serializer>(marker: &Option<MarkerTree>, s: S) -> Result<S::Ok, S::Error> {
    match marker.as_ref().and_then(marker_string) {
        Some(text) => s.serialize_some(&text),
        None => s.serialize_none(),
    }
}

impl Serialize for PackageMarkers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PackageMarkers::None => s.serialize_none(),
            PackageMarkers::All(m) => s.serialize_some(&marker_string(m)),
            PackageMarkers::ByGroup(map) => {
                let texts: BTreeMap<&str, Option<String>> = map
                    .iter()
                    .map(|(group, m)| (group.as_str(), marker_string(m)))
                    .collect();
                s.serialize_some(&texts)
            }
        }
    }
}

//! Serde mirrors of poetry.lock and of the poetry parts of pyproject.toml,
//! converted into the model by `poetry.rs` and `pyproject.rs`. Text that
//! errors name by line is [`Spanned`] (not inside `untagged` enums, where
//! serde cannot keep spans).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
pub(crate) struct RawLock {
    #[serde(default)]
    pub package: Vec<RawPackage>,
    pub metadata: Option<RawMetadata>,
}

/// Just enough to tell the lock version when the full schema does not match.
#[derive(Deserialize)]
pub(crate) struct RawLockVersionOnly {
    pub metadata: Option<RawMetadataVersionOnly>,
}

#[derive(Deserialize)]
pub(crate) struct RawMetadataVersionOnly {
    #[serde(rename = "lock-version")]
    pub lock_version: Option<toml::Value>,
}

#[derive(Deserialize)]
pub(crate) struct RawMetadata {
    #[serde(rename = "lock-version")]
    pub lock_version: Option<toml::Value>,
    #[serde(rename = "python-versions")]
    pub python_versions: Option<Spanned<String>>,
    /// Lock 1.1: files per package name (names not necessarily normalized).
    #[serde(default)]
    pub files: BTreeMap<String, Vec<RawFile>>,
}

#[derive(Deserialize)]
pub(crate) struct RawPackage {
    pub name: Spanned<String>,
    pub version: Spanned<String>,
    #[serde(default)]
    pub optional: bool,
    #[serde(rename = "python-versions")]
    pub python_versions: Option<Spanned<String>>,
    pub category: Option<String>,
    pub groups: Option<Vec<String>>,
    pub markers: Option<RawMarkers>,
    pub files: Option<Vec<RawFile>>,
    #[serde(default)]
    pub develop: bool,
    #[serde(default)]
    pub dependencies: BTreeMap<Spanned<String>, RawDep>,
    #[serde(default)]
    pub extras: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    pub source: Option<RawSource>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum RawMarkers {
    All(String),
    ByGroup(BTreeMap<String, String>),
}

#[derive(Deserialize)]
pub(crate) struct RawFile {
    pub file: Spanned<String>,
    pub hash: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RawSource {
    #[serde(rename = "type")]
    pub kind: String,
    pub url: Option<String>,
    pub reference: Option<String>,
    pub resolved_reference: Option<String>,
    pub subdirectory: Option<String>,
}

/// A poetry dependency specification: in poetry.lock `[package.dependencies]`
/// and in pyproject's `[tool.poetry.*dependencies]`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum RawDep {
    Constraint(String),
    Table(RawDepTable),
    List(Vec<RawDepTable>),
}

impl RawDep {
    /// The items of the specification: one for a string or table, several for a list.
    pub fn items(&self) -> Vec<DepItem<'_>> {
        match self {
            RawDep::Constraint(c) => vec![DepItem::Constraint(c)],
            RawDep::Table(t) => vec![DepItem::Table(t)],
            RawDep::List(list) => list.iter().map(DepItem::Table).collect(),
        }
    }
}

pub(crate) enum DepItem<'a> {
    Constraint(&'a str),
    Table(&'a RawDepTable),
}

#[derive(Deserialize)]
pub(crate) struct RawDepTable {
    pub version: Option<String>,
    pub markers: Option<String>,
    pub python: Option<String>,
    pub platform: Option<String>,
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub extras: Vec<String>,
    pub url: Option<String>,
    pub git: Option<String>,
    pub path: Option<String>,
    pub source: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RawPyproject {
    pub project: Option<RawProject>,
    #[serde(rename = "dependency-groups")]
    pub dependency_groups: Option<BTreeMap<Spanned<String>, Vec<RawGroupItem>>>,
    pub tool: Option<RawTool>,
}

#[derive(Deserialize)]
pub(crate) struct RawProject {
    pub name: Option<String>,
    #[serde(default)]
    pub dependencies: Vec<Spanned<String>>,
    #[serde(rename = "optional-dependencies", default)]
    pub optional_dependencies: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
}

/// A PEP 735 dependency group item.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum RawGroupItem {
    Requirement(String),
    Include {
        #[serde(rename = "include-group")]
        include_group: String,
    },
}

#[derive(Deserialize)]
pub(crate) struct RawTool {
    pub poetry: Option<RawPoetry>,
}

#[derive(Deserialize)]
pub(crate) struct RawPoetry {
    pub name: Option<String>,
    #[serde(default)]
    pub dependencies: BTreeMap<Spanned<String>, RawDep>,
    #[serde(rename = "dev-dependencies", default)]
    pub dev_dependencies: BTreeMap<Spanned<String>, RawDep>,
    #[serde(default)]
    pub group: BTreeMap<Spanned<String>, RawPoetryGroup>,
    #[serde(default)]
    pub extras: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
pub(crate) struct RawPoetryGroup {
    #[serde(default)]
    pub dependencies: BTreeMap<Spanned<String>, RawDep>,
}

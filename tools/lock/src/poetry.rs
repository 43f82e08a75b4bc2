//! poetry.lock (lock-version 1.1, 2.0, 2.1) -> [`Lock`].

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::str::FromStr;

use pep508_rs::{MarkerTree, Requirement};

use crate::constraint::python_marker;
use crate::error::{LockError, SUPPORTED_POETRY_LOCK_VERSIONS};
use crate::model::{Dependency, DistFile, Index, Lock, Package, PackageMarkers, Project, Source};
use crate::raw::{
    DepItem, RawDepTable, RawFile, RawLock, RawLockVersionOnly, RawMarkers, RawPackage, RawSource,
};
use crate::{normalize_name, package_name, pyproject, PackageName};

/// Read a poetry.lock, and the `pyproject.toml` beside it when there is one.
pub fn read_poetry_lock(path: &Path) -> Result<Lock, LockError> {
    let text = read(path)?;
    let pyproject_path = path.with_file_name("pyproject.toml");
    let pyproject_text = if pyproject_path.is_file() {
        Some(read(&pyproject_path)?)
    } else {
        None
    };
    parse_poetry_lock(
        &text,
        path,
        pyproject_text
            .as_deref()
            .map(|t| (t, pyproject_path.as_path())),
    )
}

fn read(path: &Path) -> Result<String, LockError> {
    std::fs::read_to_string(path).map_err(|source| LockError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Parse poetry.lock text. `path_for_messages` is recorded in [`Lock::path`] and
/// named in errors; `pyproject` is the text and path of the project's
/// `pyproject.toml`, if any.
pub fn parse_poetry_lock(
    text: &str,
    path_for_messages: &Path,
    pyproject: Option<(&str, &Path)>,
) -> Result<Lock, LockError> {
    let path = path_for_messages;
    let raw: RawLock = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(err) => {
            // A lock of another version may not match our schema: report the
            // version rather than the schema mismatch.
            if let Ok(only) = toml::from_str::<RawLockVersionOnly>(text) {
                let found = only.metadata.and_then(|m| m.lock_version);
                check_version(path, found.as_ref())?;
            }
            return Err(LockError::from_toml(path, text, &err));
        }
    };
    let metadata = raw.metadata.as_ref();
    let lock_version = check_version(path, metadata.and_then(|m| m.lock_version.as_ref()))?;

    // Lock 1.1 keeps files in `[metadata.files]`, keyed by (unnormalized) name.
    let mut metadata_files: HashMap<String, Vec<&RawFile>> = HashMap::new();
    if let Some(metadata) = metadata {
        for (name, files) in &metadata.files {
            metadata_files
                .entry(normalize_name(name))
                .or_default()
                .extend(files.iter());
        }
    }
    let mut name_counts: HashMap<String, usize> = HashMap::new();
    for package in &raw.package {
        *name_counts
            .entry(normalize_name(&package.name))
            .or_default() += 1;
    }

    let mut markers = MarkerCache::new(path);
    let mut packages = Vec::with_capacity(raw.package.len());
    for package in &raw.package {
        let name = package_name(path, &package.name, || {
            format!("the `[[package]]` entry of version {}", package.version)
        })?;
        let shared_files = metadata_files.get(name.as_str()).map(|files| {
            if name_counts[name.as_str()] > 1 {
                files_for_version(files, &package.version)
            } else {
                files.clone()
            }
        });
        packages.push(convert_package(
            path,
            package,
            name,
            shared_files,
            &mut markers,
        )?);
    }

    let project: Option<Project> = match pyproject {
        Some((text, pyproject_path)) => Some(pyproject::parse_pyproject(text, pyproject_path)?),
        None => None,
    };

    Ok(Lock {
        path: path.to_path_buf(),
        lock_version,
        python_versions: metadata.and_then(|m| m.python_versions.clone()),
        packages,
        project,
    })
}

fn check_version(path: &Path, found: Option<&toml::Value>) -> Result<String, LockError> {
    let found = found.map(|v| match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    match found {
        Some(v) if SUPPORTED_POETRY_LOCK_VERSIONS.contains(&v.as_str()) => Ok(v),
        found => Err(LockError::UnsupportedLockVersion {
            path: path.to_path_buf(),
            found,
        }),
    }
}

/// Lock 1.1 merges the files of every locked version of a name; keep those
/// whose name carries this version (all of them if none does).
fn files_for_version<'a>(files: &[&'a RawFile], version: &str) -> Vec<&'a RawFile> {
    let dash = format!("-{version}-");
    let dot = format!("-{version}.");
    let matching: Vec<&RawFile> = files
        .iter()
        .copied()
        .filter(|f| f.file.contains(&dash) || f.file.contains(&dot))
        .collect();
    if matching.is_empty() {
        files.to_vec()
    } else {
        matching
    }
}

fn convert_package(
    path: &Path,
    raw: &RawPackage,
    name: PackageName,
    shared_files: Option<Vec<&RawFile>>,
    markers: &mut MarkerCache,
) -> Result<Package, LockError> {
    let invalid = |message: String| LockError::InvalidPackage {
        path: path.to_path_buf(),
        package: raw.name.clone(),
        version: raw.version.clone(),
        message,
    };
    let source = convert_source(raw.source.as_ref(), raw.develop).map_err(invalid)?;

    let raw_files: Vec<&RawFile> = match &raw.files {
        Some(files) => files.iter().collect(),
        None => shared_files.unwrap_or_default(),
    };
    let mut files = Vec::with_capacity(raw_files.len());
    for file in raw_files {
        let sha256 =
            file.hash
                .as_deref()
                .and_then(sha256_hex)
                .ok_or_else(|| LockError::MissingHash {
                    path: path.to_path_buf(),
                    package: raw.name.clone(),
                    version: raw.version.clone(),
                    file: file.file.clone(),
                    found: file.hash.clone(),
                })?;
        files.push(DistFile {
            filename: file.file.clone(),
            sha256,
        });
    }
    if files.is_empty() && matches!(source, Source::Registry { .. }) {
        return Err(LockError::NoFiles {
            path: path.to_path_buf(),
            package: raw.name.clone(),
            version: raw.version.clone(),
        });
    }

    let mut dependencies = Vec::new();
    for (dep_name, spec) in &raw.dependencies {
        let context = || {
            format!(
                "package `{}` {}, dependency `{dep_name}`",
                raw.name, raw.version
            )
        };
        for item in spec.items() {
            dependencies.push(convert_dependency(
                dep_name, &item, path, markers, &context,
            )?);
        }
    }

    // toml does not keep table order: sort by normalized name (list items keep
    // their order) so that the output does not depend on the lock's spelling.
    dependencies.sort_by(|a, b| a.name.cmp(&b.name));

    let extras = convert_extras(path, raw)?;
    let context = || format!("package `{}` {}", raw.name, raw.version);
    let package_markers = match &raw.markers {
        None => PackageMarkers::None,
        Some(RawMarkers::All(text)) => PackageMarkers::All(markers.parse(text, &context)?),
        Some(RawMarkers::ByGroup(map)) => {
            let mut by_group = BTreeMap::new();
            for (group, text) in map {
                by_group.insert(group.clone(), markers.parse(text, &context)?);
            }
            PackageMarkers::ByGroup(by_group)
        }
    };

    let groups = match (&raw.groups, &raw.category) {
        (Some(groups), _) => groups.clone(),
        (None, Some(category)) => vec![category.clone()],
        (None, None) => Vec::new(),
    };

    Ok(Package {
        name,
        display_name: raw.name.clone(),
        version: raw.version.clone(),
        source,
        files,
        dependencies,
        extras,
        markers: package_markers,
        groups,
        optional: raw.optional,
        python_versions: raw.python_versions.clone(),
    })
}

/// `[package.extras]`: normalized extra name -> the names it enables, each once.
fn convert_extras(
    path: &Path,
    raw: &RawPackage,
) -> Result<BTreeMap<String, Vec<PackageName>>, LockError> {
    let mut extras = BTreeMap::new();
    for (extra, requirements) in &raw.extras {
        let mut names: Vec<PackageName> = Vec::with_capacity(requirements.len());
        for requirement in requirements {
            let name = requirement_name(requirement).or_else(|text| {
                package_name(path, text, || {
                    format!("package `{}` {}, extra `{extra}`", raw.name, raw.version)
                })
            })?;
            if !names.contains(&name) {
                names.push(name);
            }
        }
        extras.insert(normalize_name(extra), names);
    }
    Ok(extras)
}

fn convert_source(raw: Option<&RawSource>, develop: bool) -> Result<Source, String> {
    let Some(raw) = raw else {
        return Ok(Source::Registry { index: None });
    };
    let url = || {
        raw.url
            .clone()
            .ok_or_else(|| format!("`[package.source]` of type `{}` has no `url`", raw.kind))
    };
    Ok(match raw.kind.as_str() {
        "legacy" => Source::Registry {
            index: Some(Index {
                name: raw.reference.clone().unwrap_or_default(),
                url: url()?,
            }),
        },
        "git" => Source::Git {
            url: url()?,
            reference: raw.reference.clone(),
            resolved_reference: raw.resolved_reference.clone(),
            subdirectory: raw.subdirectory.clone(),
        },
        "url" => Source::Url { url: url()? },
        "directory" => Source::Directory {
            path: url()?,
            develop,
        },
        "file" => Source::File { path: url()? },
        other => {
            return Err(format!(
                "unknown `[package.source]` type `{other}` (expected legacy, git, url, directory or file)"
            ))
        }
    })
}

/// `sha256:<64 hex>` -> lowercase hex; anything else -> `None`.
fn sha256_hex(hash: &str) -> Option<String> {
    let hex = hash.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

/// `path` is the file the dependency is read from, named in errors.
pub(crate) fn convert_dependency(
    name: &str,
    item: &DepItem<'_>,
    path: &Path,
    markers: &mut MarkerCache,
    context: &dyn Fn() -> String,
) -> Result<Dependency, LockError> {
    let not_any = |c: &str| (c.trim() != "*").then(|| c.to_string());
    let name = package_name(path, name, context)?;
    Ok(match item {
        DepItem::Constraint(c) => Dependency {
            name,
            constraint: not_any(c),
            marker: None,
            optional: false,
            extras: Vec::new(),
            source_hint: None,
        },
        DepItem::Table(table) => Dependency {
            name,
            constraint: table.version.as_deref().and_then(not_any),
            marker: markers.table_marker(table, context)?,
            optional: table.optional,
            extras: table.extras.iter().map(|e| normalize_name(e)).collect(),
            source_hint: table
                .url
                .as_ref()
                .or(table.git.as_ref())
                .or(table.path.as_ref())
                .or(table.source.as_ref())
                .cloned(),
        },
    })
}

/// The name of a requirement as written in `[package.extras]` (`awscrt (==0.19.19)`,
/// `coverage[toml] (>=5.0.2)`, or PEP 508 with a marker). Text that is not
/// PEP 508 (poetry's `^1.2`) yields `Err` with its leading name, to validate.
fn requirement_name(text: &str) -> Result<PackageName, &str> {
    let parsed = Requirement::<pep508_rs::VerbatimUrl>::from_str(text).ok();
    match parsed.and_then(|req| PackageName::new(req.name.as_ref()).ok()) {
        Some(name) => Ok(name),
        None => {
            let end = text.find([' ', '(', '[', ';']).unwrap_or(text.len());
            Err(&text[..end])
        }
    }
}

/// Parses markers once per distinct text (locks repeat the same markers a lot)
/// and names the file and package in errors.
pub(crate) struct MarkerCache<'p> {
    path: &'p Path,
    cache: HashMap<String, MarkerTree>,
}

impl<'p> MarkerCache<'p> {
    pub(crate) fn new(path: &'p Path) -> Self {
        Self {
            path,
            cache: HashMap::new(),
        }
    }

    pub(crate) fn parse(
        &mut self,
        text: &str,
        context: &dyn Fn() -> String,
    ) -> Result<MarkerTree, LockError> {
        if let Some(marker) = self.cache.get(text) {
            return Ok(marker.clone());
        }
        let marker = MarkerTree::from_str(text).map_err(|e| LockError::InvalidMarker {
            path: self.path.to_path_buf(),
            package: Some(context()),
            marker: text.to_string(),
            message: e.message.to_string(),
        })?;
        self.cache.insert(text.to_string(), marker.clone());
        Ok(marker)
    }

    /// `markers` AND `python` (as a python_version marker) AND `platform`
    /// (as `sys_platform == ...`); `None` when the result is always true.
    pub(crate) fn table_marker(
        &mut self,
        table: &RawDepTable,
        context: &dyn Fn() -> String,
    ) -> Result<Option<MarkerTree>, LockError> {
        let mut marker = MarkerTree::TRUE;
        if let Some(text) = &table.markers {
            marker.and(self.parse(text, context)?);
        }
        if let Some(python) = &table.python {
            let python_tree =
                python_marker(python).map_err(|message| LockError::InvalidMarker {
                    path: self.path.to_path_buf(),
                    package: Some(context()),
                    marker: format!("python = \"{python}\""),
                    message,
                })?;
            if let Some(tree) = python_tree {
                marker.and(tree);
            }
        }
        if let Some(platform) = &table.platform {
            let text = format!("sys_platform == '{}'", platform.trim());
            marker.and(self.parse(&text, context)?);
        }
        Ok((!marker.is_true()).then_some(marker))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extras_requirement_names() {
        let cases = [
            ("awscrt (==0.19.19)", "awscrt"),
            ("coverage[toml] (>=5.0.2)", "coverage"),
            ("pytest (>=6,!=8.1.*)", "pytest"),
            ("jaraco.packaging (>=9.3)", "jaraco-packaging"),
            ("awscrt (==0.19.19) ; extra == \"crt\"", "awscrt"),
            ("PySocks (>=1.5.6,!=1.5.7)", "pysocks"),
            ("typing_extensions", "typing-extensions"),
            // Not PEP 508 (poetry's caret); falls back to the leading name.
            ("Foo_Bar (^1.2)", "foo-bar"),
        ];
        for (text, name) in cases {
            let got = requirement_name(text).or_else(PackageName::new);
            assert_eq!(got.unwrap(), name, "{text}");
        }
        assert_eq!(requirement_name("foo bar"), Err("foo"));
    }

    #[test]
    fn lock_1_1_shared_files_are_split_by_version() {
        let file = |f: &str| RawFile {
            file: f.to_string(),
            hash: None,
        };
        let files = [
            file("urllib3-1.26.20-py2.py3-none-any.whl"),
            file("urllib3-1.26.20.tar.gz"),
            file("urllib3-2.2.3-py3-none-any.whl"),
        ];
        let refs: Vec<&RawFile> = files.iter().collect();
        let names = |v: &str| -> Vec<String> {
            files_for_version(&refs, v)
                .iter()
                .map(|f| f.file.clone())
                .collect()
        };
        assert_eq!(
            names("1.26.20"),
            [
                "urllib3-1.26.20-py2.py3-none-any.whl",
                "urllib3-1.26.20.tar.gz"
            ]
        );
        assert_eq!(names("2.2.3"), ["urllib3-2.2.3-py3-none-any.whl"]);
        assert_eq!(names("9.9").len(), 3);
    }

    #[test]
    fn sha256_values() {
        let hex = "AB".repeat(32);
        assert_eq!(sha256_hex(&format!("sha256:{hex}")), Some("ab".repeat(32)));
        assert_eq!(sha256_hex("md5:00"), None);
        assert_eq!(sha256_hex("sha256:abc"), None);
        assert_eq!(sha256_hex(&hex), None);
    }
}

//! pylock.toml (PEP 751, `lock-version = "1.0"`) -> [`Lock`].
//!
//! A pylock.toml is an installer's list: every package whose `marker` holds
//! is installed. Its markers may test the PEP 751 variables `extras` and
//! `dependency_groups` (`'dev' in dependency_groups`), which the reader
//! evaluates itself (`pep508_rs` does not know them): they become
//! `extra == 'x-<extra>'` and `extra == 'g-<group>'` terms, simplified away
//! for each selection.
//!
//! * `group.main` is the default selection (`default-groups`, no extras);
//!   `group.<g>` the selection of dependency group `g` alone. A group lists
//!   its packages one by one ([`ProjectDependency::package`]).
//! * Dependency edges: PEP 751 `dependencies` are optional. When every
//!   package records them, they are the edges. Otherwise the file does not
//!   say what a package needs at runtime, so [`Lock::edges_recorded`] is
//!   false and every public name stands for the whole lock (each package
//!   where its marker holds with every extra and group selected): a user
//!   never gets a package without its dependencies, at the price of
//!   getting the others too.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use pep508_rs::MarkerTree;
use serde::Deserialize;
use toml::Spanned;

use crate::error::LockError;
use crate::model::{
    Dependency, DistFile, Index, Lock, Package, PackageMarkers, Project, ProjectDependency, Source,
};
use crate::poetry::{MarkerCache, TextFile};
use crate::pyproject::MAIN_GROUP;
use crate::uv::last_segment;
use crate::{normalize_name, validate};
use ofiuco_spec::text::quoted;

const PYPI: &str = "https://pypi.org/simple";

#[derive(Deserialize)]
struct RawPylock {
    #[serde(rename = "lock-version")]
    lock_version: Option<toml::Value>,
    #[serde(rename = "requires-python")]
    requires_python: Option<Spanned<String>>,
    #[serde(default)]
    extras: Vec<Spanned<String>>,
    #[serde(rename = "dependency-groups", default)]
    dependency_groups: Vec<Spanned<String>>,
    #[serde(rename = "default-groups", default)]
    default_groups: Vec<Spanned<String>>,
    #[serde(default)]
    packages: Vec<RawPackage>,
}

#[derive(Deserialize)]
struct RawVersionOnly {
    #[serde(rename = "lock-version")]
    lock_version: Option<toml::Value>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: Spanned<String>,
    version: Option<Spanned<String>>,
    marker: Option<String>,
    #[serde(rename = "requires-python")]
    requires_python: Option<Spanned<String>>,
    dependencies: Option<Vec<RawDep>>,
    index: Option<String>,
    vcs: Option<RawVcs>,
    directory: Option<RawDirectory>,
    archive: Option<RawFile>,
    sdist: Option<RawFile>,
    wheels: Option<Vec<RawFile>>,
}

#[derive(Deserialize)]
struct RawDep {
    name: Spanned<String>,
    version: Option<String>,
}

#[derive(Deserialize)]
struct RawVcs {
    #[serde(rename = "type")]
    kind: String,
    url: Option<String>,
    path: Option<String>,
    #[serde(rename = "requested-revision")]
    requested_revision: Option<String>,
    #[serde(rename = "commit-id")]
    commit_id: Option<String>,
    subdirectory: Option<String>,
}

#[derive(Deserialize)]
struct RawDirectory {
    path: String,
    #[serde(default)]
    editable: bool,
}

#[derive(Deserialize)]
struct RawFile {
    name: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    #[serde(default)]
    hashes: BTreeMap<String, String>,
}

/// Parse pylock.toml text; `path` is recorded in [`Lock::path`] and named in errors.
pub fn parse_pylock(text: &str, path: &Path) -> Result<Lock, LockError> {
    let raw: RawPylock = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(err) => {
            if let Ok(only) = toml::from_str::<RawVersionOnly>(text) {
                check_version(path, only.lock_version.as_ref())?;
            }
            return Err(LockError::from_toml(path, text, &err));
        }
    };
    let lock_version = check_version(path, raw.lock_version.as_ref())?;
    let file = TextFile::new(path, text);
    if let Some(range) = &raw.requires_python {
        file.python_versions(range, None)?;
    }
    for name in raw
        .extras
        .iter()
        .chain(&raw.dependency_groups)
        .chain(&raw.default_groups)
    {
        file.name(name, &|| "extra or dependency group".to_string())?;
    }
    let mut markers = MarkerCache::new(path);
    let mut reader = Reader {
        file: &file,
        raw: &raw.packages,
        markers: &mut markers,
    };
    // Names and versions first: later messages print them.
    for p in &raw.packages {
        reader.check_name_version(p)?;
    }
    // Each package's marker with the PEP 751 variables as extras.
    let mut package_markers = Vec::with_capacity(raw.packages.len());
    for (i, p) in raw.packages.iter().enumerate() {
        package_markers.push(reader.marker(i, p)?);
    }
    let edges_recorded =
        !raw.packages.is_empty() && raw.packages.iter().all(|p| p.dependencies.is_some());
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in raw.packages.iter().enumerate() {
        by_name
            .entry(normalize_name(p.name.get_ref()))
            .or_default()
            .push(i);
    }
    // Where a package applies with everything selected.
    let everything: Vec<Option<MarkerTree>> = package_markers
        .iter()
        .map(|m| m.as_ref().map(|m| m.clone().simplify_extras_with(|_| true)))
        .collect();

    // The project itself (`directory = { path = "." }`, as `uv export`
    // writes it) is the [`Project`], not a package: the user builds it.
    let is_project = |p: &RawPackage| {
        p.directory
            .as_ref()
            .is_some_and(|d| matches!(d.path.trim_end_matches('/'), "" | "."))
    };
    let mut model_index = Vec::with_capacity(raw.packages.len());
    let mut next = 0;
    for p in &raw.packages {
        model_index.push((!is_project(p)).then(|| {
            next += 1;
            next - 1
        }));
    }
    let mut project = Project::default();
    let mut packages = Vec::with_capacity(raw.packages.len());
    for (i, p) in raw.packages.iter().enumerate() {
        if model_index[i].is_none() {
            project.name.get_or_insert_with(|| p.name.get_ref().clone());
            continue;
        }
        let mut package = reader.package(i, p)?;
        package.markers = match &everything[i] {
            Some(m) if !m.is_true() => PackageMarkers::All(m.clone()),
            _ => PackageMarkers::None,
        };
        if edges_recorded {
            for dep in p.dependencies.iter().flatten() {
                let target = reader.resolve(i, dep, &by_name)?;
                let Some(model_target) = model_index[target] else {
                    continue; // the project itself
                };
                package.dependencies.push(Dependency {
                    name: normalize_name(dep.name.get_ref()),
                    constraint: dep.version.as_ref().map(|v| format!("=={v}")),
                    // The edge holds where its target does.
                    marker: everything[target].clone().filter(|m| !m.is_true()),
                    optional: false,
                    extras: Vec::new(),
                    source_hint: None,
                    package: Some(model_target),
                });
            }
        }
        packages.push(package);
    }

    // The groups: the default selection, and each dependency group alone.
    let default_groups: Vec<String> = raw
        .default_groups
        .iter()
        .map(|g| group_extra(g.get_ref()))
        .collect();
    let mut selections: Vec<(String, Vec<String>)> = vec![(MAIN_GROUP.to_string(), default_groups)];
    for group in &raw.dependency_groups {
        selections.push((group.get_ref().clone(), vec![group_extra(group.get_ref())]));
    }
    for (group, selected) in selections {
        let mut deps = Vec::new();
        for (i, marker) in package_markers.iter().enumerate() {
            let Some(index) = model_index[i] else {
                continue;
            };
            let marker = match marker {
                Some(m) => {
                    // Extras and groups not selected stay `extra == ...`
                    // terms, false where the hub evaluates without extras.
                    let m = m
                        .clone()
                        .simplify_extras_with(|e| selected.iter().any(|s| s == e.as_ref()));
                    if m.is_false() {
                        continue;
                    }
                    (!m.is_true()).then_some(m)
                }
                None => None,
            };
            deps.push(ProjectDependency {
                name: packages[index].name.clone(),
                extras: Vec::new(),
                marker,
                optional: false,
                constraint: None,
                package: Some(index),
            });
        }
        project.dependencies.entry(group).or_default().extend(deps);
    }
    for extra in &raw.extras {
        project
            .extras
            .insert(normalize_name(extra.get_ref()), Vec::new());
    }

    Ok(Lock {
        path: path.to_path_buf(),
        lock_version,
        python_versions: raw.requires_python.map(Spanned::into_inner),
        packages,
        project: Some(project),
        edges_recorded,
    })
}

fn check_version(path: &Path, found: Option<&toml::Value>) -> Result<String, LockError> {
    match found {
        // PEP 751: a reader must refuse a major version it does not know,
        // and may read a newer minor version.
        Some(toml::Value::String(v)) if v == "1" || v.starts_with("1.") && v[2..].bytes().all(|b| b.is_ascii_digit()) && v.len() > 2 => {
            Ok(format!("pylock {v}"))
        }
        found => Err(LockError::UnsupportedFormatVersion {
            path: path.to_path_buf(),
            format: "pylock.toml",
            found: found.map_or("<none>".to_string(), ToString::to_string),
            supported: "lock-version 1.x",
            hint: "re-create the lock with a tool that writes PEP 751 lock-version 1.0 (`uv export --format pylock.toml`, `pdm export -f pylock`, `pip lock`), or upgrade ofiuco",
        }),
    }
}

/// The extra that stands for dependency group `g` in rewritten markers.
fn group_extra(group: &str) -> String {
    format!("g-{}", normalize_name(group))
}

/// `'x' in extras` -> `extra == 'x-x'`, `'g' not in dependency_groups` ->
/// `extra != 'g-g'`; other text as it is. `None`: a PEP 751 variable used
/// in a way this does not rewrite (the caller refuses the marker).
fn rewrite_marker(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(['"', '\'']) {
        let quote = rest.as_bytes()[start] as char;
        let after = &rest[start + 1..];
        let end = after.find(quote)?;
        let value = &after[..end];
        let tail = &after[end + 1..];
        let trimmed = tail.trim_start();
        let (negated, tail2) = match trimmed.strip_prefix("not") {
            Some(t) if t.starts_with(char::is_whitespace) => (true, t.trim_start()),
            _ => (false, trimmed),
        };
        let rewritten = tail2
            .strip_prefix("in")
            .filter(|t| t.starts_with(char::is_whitespace))
            .and_then(|t| {
                let t = t.trim_start();
                let (prefix, t) = if let Some(t) = t.strip_prefix("extras") {
                    ("x-", t)
                } else if let Some(t) = t.strip_prefix("dependency_groups") {
                    ("g-", t)
                } else {
                    return None;
                };
                (!t.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
                    .then_some((prefix, t))
            });
        out.push_str(&rest[..start]);
        if let Some((prefix, t)) = rewritten {
            if validate::name_problem(value).is_some() {
                return None;
            }
            let op = if negated { "!=" } else { "==" };
            out.push_str(&format!("extra {op} '{prefix}{}'", normalize_name(value)));
            rest = t;
        } else {
            out.push_str(&rest[start..=(start + 1 + end)]);
            rest = tail;
        }
    }
    out.push_str(rest);
    Some(out)
}

struct Reader<'a, 'm> {
    file: &'a TextFile<'a>,
    raw: &'a [RawPackage],
    markers: &'a mut MarkerCache<'m>,
}

impl Reader<'_, '_> {
    fn path(&self) -> &Path {
        self.file.path
    }

    fn version(&self, i: usize) -> String {
        self.raw[i]
            .version
            .as_ref()
            .map_or_else(|| "0".to_string(), |v| v.get_ref().clone())
    }

    fn describe(&self, i: usize) -> String {
        let p = &self.raw[i];
        match &p.version {
            Some(v) => format!("package `{}` {}", p.name.get_ref(), v.get_ref()),
            None => format!("package `{}`", p.name.get_ref()),
        }
    }

    fn invalid(&self, i: usize, message: String) -> LockError {
        LockError::InvalidEntry {
            path: self.path().to_path_buf(),
            line: self.file.line(&self.raw[i].name),
            package: self.raw[i].name.get_ref().clone(),
            version: self.version(i),
            message,
        }
    }

    fn check_name_version(&self, p: &RawPackage) -> Result<(), LockError> {
        self.file.name(&p.name, &|| "package".to_string())?;
        if let Some(version) = &p.version {
            if let Some(message) = validate::version_problem(version.get_ref()) {
                return Err(LockError::InvalidVersion {
                    path: self.path().to_path_buf(),
                    line: self.file.line(version),
                    package: p.name.get_ref().clone(),
                    version: version.get_ref().clone(),
                    message,
                });
            }
        }
        Ok(())
    }

    fn marker(&mut self, i: usize, p: &RawPackage) -> Result<Option<MarkerTree>, LockError> {
        let Some(text) = &p.marker else {
            return Ok(None);
        };
        let context = || self.describe(i);
        let Some(rewritten) = rewrite_marker(text) else {
            return Err(LockError::InvalidMarker {
                path: self.path().to_path_buf(),
                package: Some(context()),
                marker: text.clone(),
                message: "a quoted value is not closed, or an `extras`/`dependency_groups` test names no valid extra or group".to_string(),
            });
        };
        let describe = self.describe(i);
        let marker = self.markers.parse(&rewritten, &|| describe.clone())?;
        Ok(Some(marker))
    }

    fn resolve(
        &self,
        from: usize,
        dep: &RawDep,
        by_name: &HashMap<String, Vec<usize>>,
    ) -> Result<usize, LockError> {
        self.file.name(&dep.name, &|| {
            format!("a dependency of {}", self.describe(from))
        })?;
        let name = normalize_name(dep.name.get_ref());
        let candidates: Vec<usize> = by_name
            .get(&name)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&c| {
                dep.version.as_ref().is_none_or(|v| {
                    self.raw[c]
                        .version
                        .as_ref()
                        .is_some_and(|pv| pv.get_ref() == v)
                })
            })
            .collect();
        match candidates[..] {
            [c] => Ok(c),
            [] => Err(LockError::MissingDependency {
                path: self.path().to_path_buf(),
                line: self.file.line(&dep.name),
                from: self.describe(from),
                dependency: name,
                extra: None,
            }),
            _ => Err(self.invalid(
                from,
                format!(
                    "its dependency {} matches {} packages: give its `version`",
                    quoted(dep.name.get_ref()),
                    candidates.len()
                ),
            )),
        }
    }

    fn package(&mut self, i: usize, p: &RawPackage) -> Result<Package, LockError> {
        if let Some(range) = &p.requires_python {
            self.file.python_versions(range, Some(self.describe(i)))?;
        }
        let (source, files) = self.source(i, p)?;
        Ok(Package {
            name: normalize_name(p.name.get_ref()),
            display_name: p.name.get_ref().clone(),
            version: self.version(i),
            source,
            files,
            dependencies: Vec::new(),
            extras: BTreeMap::new(),
            markers: PackageMarkers::None,
            groups: Vec::new(),
            optional: false,
            python_versions: p.requires_python.as_ref().map(|r| r.get_ref().clone()),
        })
    }

    fn no_control(&self, i: usize, text: &str) -> Result<(), LockError> {
        if text.chars().any(char::is_control) {
            return Err(self.invalid(
                i,
                format!("a source field has a control character: {}", quoted(text)),
            ));
        }
        Ok(())
    }

    fn source(&self, i: usize, p: &RawPackage) -> Result<(Source, Vec<DistFile>), LockError> {
        let kinds = [
            p.vcs.is_some(),
            p.directory.is_some(),
            p.archive.is_some(),
            p.sdist.is_some() || p.wheels.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            return Err(self.invalid(
                i,
                "it needs exactly one source: `vcs`, `directory`, `archive`, or `sdist`/`wheels` (PEP 751)".to_string(),
            ));
        }
        if let Some(vcs) = &p.vcs {
            for text in [
                &vcs.url,
                &vcs.path,
                &vcs.requested_revision,
                &vcs.commit_id,
                &vcs.subdirectory,
            ]
            .into_iter()
            .flatten()
            {
                self.no_control(i, text)?;
            }
            if vcs.kind != "git" {
                return Err(self.invalid(
                    i,
                    format!(
                        "its `vcs` is of type {}; ofiuco knows git only",
                        quoted(&vcs.kind)
                    ),
                ));
            }
            let Some(url) = vcs.url.clone().or_else(|| vcs.path.clone()) else {
                return Err(self.invalid(i, "its `vcs` has neither `url` nor `path`".to_string()));
            };
            return Ok((
                Source::Git {
                    url,
                    reference: vcs.requested_revision.clone(),
                    resolved_reference: vcs.commit_id.clone(),
                    subdirectory: vcs.subdirectory.clone(),
                },
                Vec::new(),
            ));
        }
        if let Some(directory) = &p.directory {
            self.no_control(i, &directory.path)?;
            return Ok((
                Source::Directory {
                    path: directory.path.clone(),
                    develop: directory.editable,
                },
                Vec::new(),
            ));
        }
        if let Some(archive) = &p.archive {
            // An archive without a sha256 (pip records what the server gave:
            // `sha1` for a GitHub raw file) keeps its package, with no
            // file: the hub refuses to build it, with that reason, only
            // when a target needs it.
            let files = if archive.hashes.contains_key("sha256") {
                vec![self.file(i, archive)?]
            } else {
                Vec::new()
            };
            let source = match (&archive.url, &archive.path) {
                (Some(url), _) => Source::Url {
                    url: url.get_ref().clone(),
                },
                (None, Some(path)) => Source::File {
                    path: path.get_ref().clone(),
                },
                (None, None) => {
                    return Err(
                        self.invalid(i, "its `archive` has neither `url` nor `path`".to_string())
                    )
                }
            };
            return Ok((source, files));
        }
        let mut files = Vec::new();
        for f in p.sdist.iter().chain(p.wheels.iter().flatten()) {
            files.push(self.file(i, f)?);
        }
        if files.is_empty() {
            return Err(LockError::NoFiles {
                path: self.path().to_path_buf(),
                package: p.name.get_ref().clone(),
                version: self.version(i),
            });
        }
        if let Some(index) = &p.index {
            self.no_control(i, index)?;
        }
        let index = p
            .index
            .as_ref()
            .filter(|u| u.trim_end_matches('/') != PYPI)
            .map(|url| Index {
                name: url.clone(),
                url: url.clone(),
            });
        Ok((Source::Registry { index }, files))
    }

    fn file(&self, i: usize, f: &RawFile) -> Result<DistFile, LockError> {
        for location in [&f.url, &f.path].into_iter().flatten() {
            self.no_control(i, location.get_ref())?;
        }
        let location = f.url.as_ref().or(f.path.as_ref());
        let (filename, line) = match (&f.name, location) {
            (Some(name), _) => (name.get_ref().clone(), self.file.line(name)),
            (None, Some(location)) => (last_segment(location.get_ref()), self.file.line(location)),
            (None, None) => {
                return Err(self.invalid(i, "a file has neither `url` nor `path`".to_string()))
            }
        };
        let raw = &self.raw[i];
        if let Some(reason) = validate::file_name_problem(&filename) {
            return Err(LockError::InvalidFileName {
                path: self.path().to_path_buf(),
                line,
                package: raw.name.get_ref().clone(),
                version: self.version(i),
                file: filename,
                reason,
            });
        }
        let hash = f.hashes.get("sha256");
        let sha256 = hash
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|h| h.to_ascii_lowercase())
            .ok_or_else(|| LockError::MissingHash {
                path: self.path().to_path_buf(),
                package: raw.name.get_ref().clone(),
                version: self.version(i),
                file: filename.clone(),
                found: match hash {
                    Some(h) => Some(format!("sha256:{h}")),
                    None => f.hashes.keys().next().map(|k| format!("{k}:…")),
                },
            })?;
        Ok(DistFile {
            filename,
            sha256,
            url: f.url.as_ref().map(|u| u.get_ref().clone()),
        })
    }
}

/// For tests: whether an extra name is valid as `pep508_rs` reads it.
#[cfg(test)]
fn extra_ok(name: &str) -> bool {
    use std::str::FromStr;
    pep508_rs::ExtraName::from_str(name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_pep751_variables() {
        assert_eq!(
            rewrite_marker("\"default\" in dependency_groups and python_version < \"3.11\"")
                .unwrap(),
            "extra == 'g-default' and python_version < \"3.11\""
        );
        assert_eq!(
            rewrite_marker("'cb7' not in extras or sys_platform == 'win32'").unwrap(),
            "extra != 'x-cb7' or sys_platform == 'win32'"
        );
        assert_eq!(
            rewrite_marker("os_name == 'in extras'").unwrap(),
            "os_name == 'in extras'"
        );
        assert_eq!(
            rewrite_marker("'a' in extras_x").unwrap(),
            "'a' in extras_x"
        );
        assert!(rewrite_marker("'a b' in extras").is_none());
        assert!(rewrite_marker("'open").is_none());
        assert!(extra_ok("g-default") && extra_ok("x-cb7"));
    }

    #[test]
    fn versions() {
        let path = Path::new("pylock.toml");
        let v = |s: &str| Some(toml::Value::String(s.to_string()));
        assert_eq!(
            check_version(path, v("1.0").as_ref()).unwrap(),
            "pylock 1.0"
        );
        assert!(check_version(path, v("1.1").as_ref()).is_ok());
        assert!(check_version(path, v("2.0").as_ref()).is_err());
        assert!(check_version(path, v("1.x").as_ref()).is_err());
        assert!(check_version(path, None).is_err());
    }
}

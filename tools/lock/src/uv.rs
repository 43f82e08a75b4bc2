//! uv.lock (`version = 1`, `revision` 1 to 5) -> [`Lock`].
//!
//! uv.lock is a universal resolution: every package entry is keyed by
//! (name, version, source), and every dependency edge names the entry it
//! resolves to (with `version` and `source` when the name is locked more
//! than once, in `resolution-markers` forks). So the reader resolves each
//! edge itself ([`Dependency::package`]) and the hub never guesses.
//!
//! The workspace root (`source = { editable = "." }` or `{ virtual = "." }`)
//! is the project, not a package: its `dependencies`, `optional-dependencies`
//! and `dev-dependencies` (PEP 735 groups and the legacy `dev-dependencies`,
//! which uv records alike) become [`Project`] groups, like the pyproject.toml
//! beside a poetry.lock. Other workspace members and path dependencies are
//! [`Source::Directory`] (or, for a file, [`Source::File`]) packages, which
//! the hub builds from source.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use pep508_rs::MarkerTree;
use serde::Deserialize;
use toml::Spanned;

use crate::error::{LockError, Unsupported};
use crate::model::{
    Dependency, DistFile, Index, Lock, Package, PackageMarkers, Project, ProjectDependency, Source,
};
use crate::poetry::{sha256_hex, MarkerCache, TextFile};
use crate::pyproject::MAIN_GROUP;
use crate::{normalize_name, validate};
use ofiuco_spec::text::quoted;

/// `version` of uv.lock this reader reads, and the highest `revision`.
const UV_LOCK_VERSION: i64 = 1;
/// uv 0.13.9 writes revision 5; revisions 4 and 5 changed nothing this reader reads.
const UV_LOCK_MAX_REVISION: i64 = 5;
const PYPI: &str = "https://pypi.org/simple";

#[derive(Deserialize)]
struct RawUvLock {
    version: Option<toml::Value>,
    revision: Option<toml::Value>,
    #[serde(rename = "requires-python")]
    requires_python: Option<Spanned<String>>,
    #[serde(default)]
    package: Vec<RawPackage>,
    manifest: Option<RawManifest>,
    /// `[tool.uv] conflicts`: sets of extras/groups that are never selected together.
    #[serde(default)]
    conflicts: Vec<toml::Value>,
}

#[derive(Deserialize)]
struct RawVersionOnly {
    version: Option<toml::Value>,
    revision: Option<toml::Value>,
}

#[derive(Deserialize)]
struct RawManifest {
    #[serde(default)]
    members: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: Spanned<String>,
    version: Option<Spanned<String>>,
    source: Option<BTreeMap<String, String>>,
    #[serde(rename = "resolution-markers", default)]
    resolution_markers: Vec<String>,
    #[serde(default)]
    dependencies: Vec<RawDep>,
    #[serde(rename = "optional-dependencies", default)]
    optional_dependencies: BTreeMap<Spanned<String>, Vec<RawDep>>,
    #[serde(rename = "dev-dependencies", default)]
    dev_dependencies: BTreeMap<Spanned<String>, Vec<RawDep>>,
    sdist: Option<RawFile>,
    #[serde(default)]
    wheels: Vec<RawFile>,
}

#[derive(Deserialize)]
struct RawDep {
    name: Spanned<String>,
    version: Option<String>,
    source: Option<BTreeMap<String, String>>,
    marker: Option<String>,
    #[serde(default)]
    extra: Vec<String>,
}

#[derive(Deserialize)]
struct RawFile {
    url: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    filename: Option<Spanned<String>>,
    hash: Option<String>,
}

/// Parse uv.lock text; `path` is recorded in [`Lock::path`] and named in errors.
pub fn parse_uv_lock(text: &str, path: &Path) -> Result<Lock, LockError> {
    let raw: RawUvLock = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(err) => {
            if let Ok(only) = toml::from_str::<RawVersionOnly>(text) {
                check_version(path, only.version.as_ref(), only.revision.as_ref())?;
            }
            return Err(LockError::from_toml(path, text, &err));
        }
    };
    let lock_version = check_version(path, raw.version.as_ref(), raw.revision.as_ref())?;
    let file = TextFile::new(path, text);
    if let Some(range) = &raw.requires_python {
        file.python_versions(range, None)?;
    }
    let reader = Reader::new(&file, &raw.package)?;
    if !raw.conflicts.is_empty() {
        reader.check_conflicts(&raw.conflicts)?;
    }
    let mut markers = MarkerCache::new(path);

    let mut packages = Vec::with_capacity(raw.package.len());
    for (i, p) in raw.package.iter().enumerate() {
        if Some(i) != reader.root {
            packages.push(reader.package(i, p, &mut markers)?);
        }
    }
    let project = match reader.root {
        Some(root) => Some(reader.project(root, &mut markers)?),
        None => reader.members_project(raw.manifest.as_ref())?,
    };
    Ok(Lock {
        path: path.to_path_buf(),
        lock_version,
        python_versions: raw.requires_python.map(Spanned::into_inner),
        packages,
        project,
        edges_recorded: true,
    })
}

fn check_version(
    path: &Path,
    version: Option<&toml::Value>,
    revision: Option<&toml::Value>,
) -> Result<String, LockError> {
    let version_ok = matches!(version, Some(toml::Value::Integer(v)) if *v == UV_LOCK_VERSION);
    let revision_ok = match revision {
        None => true,
        Some(toml::Value::Integer(r)) => (0..=UV_LOCK_MAX_REVISION).contains(r),
        Some(_) => false,
    };
    if version_ok && revision_ok {
        let revision = match revision {
            Some(toml::Value::Integer(r)) => *r,
            _ => 0,
        };
        return Ok(format!("uv {UV_LOCK_VERSION}, revision {revision}"));
    }
    let show = |v: Option<&toml::Value>| v.map_or("<none>".to_string(), ToString::to_string);
    Err(LockError::UnsupportedFormatVersion {
        path: path.to_path_buf(),
        format: "uv.lock",
        found: format!("{} (revision {})", show(version), show(revision)),
        supported: "version 1, revisions 1 to 5",
        hint: "re-lock with a uv release that writes `version = 1` (`uv lock`), or upgrade ofiuco",
    })
}

/// A marker naming one of uv's conflict items: `'extra-<n>-…'` or `'group-<n>-…'`.
fn has_conflict_marker(marker: &str) -> bool {
    ["'extra-", "'group-", "\"extra-", "\"group-"]
        .iter()
        .any(|prefix| {
            marker.match_indices(prefix).any(|(at, _)| {
                marker[at + prefix.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit())
            })
        })
}

/// The root: the workspace member at `.`.
fn is_root(source: Option<&BTreeMap<String, String>>) -> bool {
    source.is_some_and(|s| {
        s.get("editable")
            .or_else(|| s.get("virtual"))
            .map(String::as_str)
            == Some(".")
    })
}

/// What every conversion step needs: the file, the packages by name, the root.
struct Reader<'a> {
    file: &'a TextFile<'a>,
    raw: &'a [RawPackage],
    /// Normalized name -> indices into `raw`.
    by_name: HashMap<String, Vec<usize>>,
    root: Option<usize>,
    /// Index into `raw` -> index into [`Lock::packages`] (`None` for the root).
    model_index: Vec<Option<usize>>,
}

/// A dependency entry resolved to its locked package.
enum Target {
    Package(usize),
    /// The project itself (the root's extras request its own extras).
    Root,
}

impl<'a> Reader<'a> {
    /// Checks every name and version first, so that later messages may print them.
    fn new(file: &'a TextFile<'a>, raw: &'a [RawPackage]) -> Result<Self, LockError> {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::with_capacity(raw.len());
        let mut root = None;
        for (i, p) in raw.iter().enumerate() {
            file.name(&p.name, &|| "package".to_string())?;
            if let Some(version) = &p.version {
                if let Some(message) = validate::version_problem(version.get_ref()) {
                    return Err(LockError::InvalidVersion {
                        path: file.path.to_path_buf(),
                        line: file.line(version),
                        package: p.name.get_ref().clone(),
                        version: version.get_ref().clone(),
                        message,
                    });
                }
            }
            if root.is_none() && is_root(p.source.as_ref()) {
                root = Some(i);
            }
            by_name
                .entry(normalize_name(p.name.get_ref()))
                .or_default()
                .push(i);
        }
        let mut next = 0;
        let model_index = (0..raw.len())
            .map(|i| {
                (Some(i) != root).then(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect();
        Ok(Self {
            file,
            raw,
            by_name,
            root,
            model_index,
        })
    }

    fn path(&self) -> &Path {
        self.file.path
    }

    /// `package `a` 1.0`, for messages (name and version are valid).
    fn describe(&self, i: usize) -> String {
        let p = &self.raw[i];
        match &p.version {
            Some(v) => format!("package `{}` {}", p.name.get_ref(), v.get_ref()),
            None => format!("package `{}`", p.name.get_ref()),
        }
    }

    fn version(&self, i: usize) -> String {
        self.raw[i]
            .version
            .as_ref()
            .map_or_else(|| "0".to_string(), |v| v.get_ref().clone())
    }

    /// A lock with `conflicts` (uv's conflicting extras and groups) reads
    /// only while no fork depends on them: one entry per name, and no
    /// conflict marker (`extra == 'extra-<n>-<package>-<extra>'`, `'group-…'`)
    /// outside the project's own edges. uv's conflict forks differ by the
    /// extras and groups a user selects, not by the target environment that
    /// picks a hub's version of a name, so a forked name would silently get
    /// the default selection's version in `group.<g>`.
    fn check_conflicts(&self, conflicts: &[toml::Value]) -> Result<(), LockError> {
        let sets: Vec<String> = conflicts
            .iter()
            .filter_map(toml::Value::as_array)
            .map(|set| {
                let items: Vec<String> = set
                    .iter()
                    .filter_map(toml::Value::as_table)
                    .map(|item| {
                        let kind = if item.contains_key("group") {
                            "group"
                        } else {
                            "extra"
                        };
                        let name = item.get(kind).and_then(toml::Value::as_str).unwrap_or("?");
                        format!("{kind} {}", quoted(name))
                    })
                    .collect();
                format!("[{}]", items.join(", "))
            })
            .collect();
        let unsupported = |i: usize, message: String| {
            LockError::Unsupported(Box::new(Unsupported {
            path: self.path().to_path_buf(),
            line: self.file.line(&self.raw[i].name),
            package: self.raw[i].name.get_ref().clone(),
            version: self.version(i),
            message,
            hint: "ofiuco reads a uv.lock with `conflicts` only while no package is forked by them: lock each conflicting extra or group in a project of its own (its own uv.lock and hub), or remove the `[tool.uv] conflicts` entry that forks it".to_string(),
        }))
        };
        let mut names: Vec<(&String, &Vec<usize>)> = self.by_name.iter().collect();
        names.sort();
        for (_, entries) in names {
            let entries: Vec<usize> = entries
                .iter()
                .copied()
                .filter(|i| Some(*i) != self.root)
                .collect();
            if entries.len() > 1 {
                let versions: Vec<String> = entries.iter().map(|i| self.version(*i)).collect();
                return Err(unsupported(
                    entries[0],
                    format!(
                        "it is locked at versions {} for the conflicting extras or groups {} of `[tool.uv] conflicts`, which ofiuco cannot map to one version per target",
                        versions.join(", "),
                        sets.join(", ")
                    ),
                ));
            }
        }
        for (i, p) in self.raw.iter().enumerate() {
            if Some(i) == self.root {
                continue;
            }
            let edges = p
                .dependencies
                .iter()
                .chain(p.optional_dependencies.values().flatten())
                .filter_map(|d| d.marker.as_deref());
            if let Some(marker) = p
                .resolution_markers
                .iter()
                .map(String::as_str)
                .chain(edges)
                .find(|m| has_conflict_marker(m))
            {
                return Err(unsupported(
                    i,
                    format!(
                        "its entry depends on the conflicting extras or groups {} of `[tool.uv] conflicts` (marker {}), which ofiuco cannot map to one version per target",
                        sets.join(", "),
                        quoted(marker)
                    ),
                ));
            }
        }
        Ok(())
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

    /// The entry a dependency names: by name, then `version` and `source`
    /// when given; exactly one must match.
    fn resolve(&self, from: usize, dep: &RawDep) -> Result<Target, LockError> {
        self.file.name(&dep.name, &|| {
            format!("a dependency of {}", self.describe(from))
        })?;
        let name = normalize_name(dep.name.get_ref());
        let candidates: Vec<usize> = self
            .by_name
            .get(&name)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&c| {
                let p = &self.raw[c];
                dep.version
                    .as_ref()
                    .is_none_or(|v| p.version.as_ref().is_some_and(|pv| pv.get_ref() == v))
                    && dep
                        .source
                        .as_ref()
                        .is_none_or(|s| p.source.as_ref() == Some(s))
            })
            .collect();
        match candidates[..] {
            [c] if Some(c) == self.root => Ok(Target::Root),
            [c] => Ok(Target::Package(c)),
            [] => Err(LockError::MissingDependency {
                path: self.path().to_path_buf(),
                line: self.file.line(&dep.name),
                from: self.describe(from),
                dependency: match &dep.version {
                    Some(v) => format!("{name} {v}"),
                    None => name,
                },
                extra: None,
            }),
            _ => Err(self.invalid(
                from,
                format!(
                    "its dependency {} matches {} locked entries (uv.lock names the version and source of a name locked more than once)",
                    quoted(&dep.dependency_text()),
                    candidates.len()
                ),
            )),
        }
    }

    fn marker(
        &self,
        from: usize,
        dep: &RawDep,
        markers: &mut MarkerCache,
    ) -> Result<Option<MarkerTree>, LockError> {
        let Some(text) = &dep.marker else {
            return Ok(None);
        };
        let context = || {
            format!(
                "{}, dependency `{}`",
                self.describe(from),
                dep.name.get_ref()
            )
        };
        let marker = markers.parse(text, &context)?;
        Ok((!marker.is_true()).then_some(marker))
    }

    fn extras(&self, from: usize, dep: &RawDep) -> Result<Vec<String>, LockError> {
        dep.extra
            .iter()
            .map(|extra| match validate::name_problem(extra) {
                None => Ok(normalize_name(extra)),
                Some(reason) => Err(LockError::InvalidRequirement {
                    path: self.path().to_path_buf(),
                    package: Some(self.describe(from)),
                    requirement: format!("{}[{extra}]", dep.name.get_ref()),
                    message: format!("the extra is not a valid name: {reason}"),
                }),
            })
            .collect()
    }

    fn package(
        &self,
        i: usize,
        raw: &RawPackage,
        markers: &mut MarkerCache,
    ) -> Result<Package, LockError> {
        let source = self.source(i, raw)?;
        let files = self.files(i, raw, &source)?;
        let mut dependencies = Vec::with_capacity(raw.dependencies.len());
        for dep in &raw.dependencies {
            if let Some(d) = self.dependency(i, dep, None, markers)? {
                dependencies.push(d);
            }
        }
        let mut extras = BTreeMap::new();
        for (extra, deps) in &raw.optional_dependencies {
            self.file
                .name(extra, &|| format!("an extra of {}", self.describe(i)))?;
            let extra_name = normalize_name(extra.get_ref());
            let mut names: Vec<String> = Vec::with_capacity(deps.len());
            for dep in deps {
                if let Some(d) = self.dependency(i, dep, Some(&extra_name), markers)? {
                    if !names.contains(&d.name) {
                        names.push(d.name.clone());
                    }
                    dependencies.push(d);
                }
            }
            extras.insert(extra_name, names);
        }
        let package_markers = if raw.resolution_markers.is_empty() {
            PackageMarkers::None
        } else {
            let context = || self.describe(i);
            let mut any = MarkerTree::FALSE;
            for text in &raw.resolution_markers {
                any.or(markers.parse(text, &context)?);
            }
            PackageMarkers::All(any)
        };
        Ok(Package {
            name: normalize_name(raw.name.get_ref()),
            display_name: raw.name.get_ref().clone(),
            version: self.version(i),
            source,
            files,
            dependencies,
            extras,
            markers: package_markers,
            groups: Vec::new(),
            optional: false,
            python_versions: None,
        })
    }

    /// One edge of package `from`; `extra`: it belongs to that extra (then
    /// it is optional and its marker requires the extra). `None` for an
    /// edge to the project itself, which the hub does not build.
    fn dependency(
        &self,
        from: usize,
        dep: &RawDep,
        extra: Option<&str>,
        markers: &mut MarkerCache,
    ) -> Result<Option<Dependency>, LockError> {
        let Target::Package(target) = self.resolve(from, dep)? else {
            return Ok(None);
        };
        let mut marker = self.marker(from, dep, markers)?;
        if let Some(extra) = extra {
            let context = || self.describe(from);
            let mut m = markers.parse(&format!("extra == '{extra}'"), &context)?;
            if let Some(own) = marker {
                m.and(own);
            }
            marker = Some(m);
        }
        Ok(Some(Dependency {
            name: normalize_name(dep.name.get_ref()),
            constraint: dep.version.as_ref().map(|v| format!("=={v}")),
            marker,
            optional: extra.is_some(),
            extras: self.extras(from, dep)?,
            source_hint: None,
            package: self.model_index[target],
        }))
    }

    fn source(&self, i: usize, raw: &RawPackage) -> Result<Source, LockError> {
        let Some(source) = &raw.source else {
            return Err(self.invalid(i, "it has no `source`".to_string()));
        };
        if let Some(text) = source.values().find(|v| v.chars().any(char::is_control)) {
            return Err(self.invalid(
                i,
                format!("its `source` has a control character: {}", quoted(text)),
            ));
        }
        let get = |key: &str| source.get(key).cloned();
        let source = if let Some(url) = get("registry") {
            Source::Registry {
                index: (url.trim_end_matches('/') != PYPI).then(|| Index {
                    name: url.clone(),
                    url,
                }),
            }
        } else if let Some(git) = get("git") {
            git_source(&git)
        } else if let Some(url) = get("url") {
            Source::Url { url }
        } else if let Some(path) = get("path") {
            Source::File { path }
        } else if let Some(path) = get("editable") {
            Source::Directory {
                path,
                develop: true,
            }
        } else if let Some(path) = get("directory").or_else(|| get("virtual")) {
            Source::Directory {
                path,
                develop: false,
            }
        } else {
            let keys: Vec<&str> = source.keys().map(String::as_str).collect();
            return Err(self.invalid(
                i,
                format!(
                    "its `source` has none of `registry`, `git`, `url`, `path`, `directory`, `editable`, `virtual` (it has {})",
                    quoted(&keys.join(", "))
                ),
            ));
        };
        Ok(source)
    }

    fn files(
        &self,
        i: usize,
        raw: &RawPackage,
        source: &Source,
    ) -> Result<Vec<DistFile>, LockError> {
        let mut files = Vec::with_capacity(raw.wheels.len() + 1);
        for f in raw.sdist.iter().chain(&raw.wheels) {
            files.push(self.file(i, f, source)?);
        }
        if files.is_empty() && matches!(source, Source::Registry { .. }) {
            return Err(LockError::NoFiles {
                path: self.path().to_path_buf(),
                package: raw.name.get_ref().clone(),
                version: self.version(i),
            });
        }
        Ok(files)
    }

    /// One sdist or wheel: its name is `filename`, or the last segment of
    /// its `url` or `path` (or of the package's `url`/`path` source, for an
    /// sdist that records only its hash).
    fn file(&self, i: usize, f: &RawFile, source: &Source) -> Result<DistFile, LockError> {
        let raw = &self.raw[i];
        let location = f.url.as_ref().or(f.path.as_ref());
        if let Some(text) = location.filter(|l| l.get_ref().chars().any(char::is_control)) {
            return Err(self.invalid(
                i,
                format!(
                    "a file location has a control character: {}",
                    quoted(text.get_ref())
                ),
            ));
        }
        let from_source = match source {
            Source::Url { url } => Some(url.as_str()),
            Source::File { path } => Some(path.as_str()),
            _ => None,
        };
        let (filename, line) = match (&f.filename, location) {
            (Some(name), _) => (name.get_ref().clone(), self.file.line(name)),
            (None, Some(location)) => (last_segment(location.get_ref()), self.file.line(location)),
            (None, None) => match from_source {
                Some(location) => (last_segment(location), self.file.line(&raw.name)),
                None => {
                    return Err(
                        self.invalid(i, "a file has no `url`, `path` or `filename`".to_string())
                    )
                }
            },
        };
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
        if let (None, Some(local), Source::Registry { index: Some(index) }) =
            (&f.hash, &f.path, source)
        {
            // uv hashes no file of a local flat index (`format = "flat"`, `find-links` directories).
            return Err(LockError::Unsupported(Box::new(Unsupported {
                path: self.path().to_path_buf(),
                line: self.file.line(local),
                package: raw.name.get_ref().clone(),
                version: self.version(i),
                message: format!(
                    "its file {} comes from the local flat index {} (a directory), whose files uv locks without a hash, so ofiuco cannot pin it",
                    quoted(local.get_ref()),
                    quoted(&index.url)
                ),
                hint: "serve the directory as an index (a find-links page or a simple index over https, which uv locks with URLs and hashes), or name the file as a path source (`[tool.uv.sources] <name> = { path = \"wheels/<file>.whl\" }`, which uv hashes)".to_string(),
            })));
        }
        let sha256 =
            f.hash
                .as_deref()
                .and_then(sha256_hex)
                .ok_or_else(|| LockError::MissingHash {
                    path: self.path().to_path_buf(),
                    package: raw.name.get_ref().clone(),
                    version: self.version(i),
                    file: filename.clone(),
                    found: f.hash.clone(),
                })?;
        let url = match (&f.url, source) {
            (Some(url), _) => Some(url.get_ref().clone()),
            (None, Source::Url { url }) if f.path.is_none() => Some(url.clone()),
            _ => None,
        };
        Ok(DistFile {
            filename,
            sha256,
            url,
        })
    }

    /// The root's groups: `main` (its dependencies, and its extras'
    /// dependencies as optional ones), and each `dev-dependencies` group.
    fn project(&self, root: usize, markers: &mut MarkerCache) -> Result<Project, LockError> {
        let raw = &self.raw[root];
        let mut project = Project {
            name: Some(raw.name.get_ref().clone()),
            ..Project::default()
        };
        let mut main = Vec::new();
        self.project_deps(root, &raw.dependencies, false, markers, &mut main, 0)?;
        for (extra, deps) in &raw.optional_dependencies {
            self.file
                .name(extra, &|| "an extra of the project".to_string())?;
            let mut group = Vec::new();
            self.project_deps(root, deps, true, markers, &mut group, 0)?;
            let mut names: Vec<String> = Vec::new();
            for d in &group {
                if !names.contains(&d.name) {
                    names.push(d.name.clone());
                }
            }
            project
                .extras
                .insert(normalize_name(extra.get_ref()), names);
            main.extend(group);
        }
        project.dependencies.insert(MAIN_GROUP.to_string(), main);
        for (group, deps) in &raw.dev_dependencies {
            self.file.name(group, &|| "dependency group".to_string())?;
            let mut list = Vec::new();
            self.project_deps(root, deps, false, markers, &mut list, 0)?;
            project
                .dependencies
                .entry(group.get_ref().clone())
                .or_default()
                .extend(list);
        }
        Ok(project)
    }

    /// The root's dependency entries as project dependencies; an entry
    /// naming the project itself (`{ name = "me", extra = ["a"] }`) stands
    /// for those extras' dependencies.
    fn project_deps(
        &self,
        root: usize,
        deps: &[RawDep],
        optional: bool,
        markers: &mut MarkerCache,
        out: &mut Vec<ProjectDependency>,
        depth: usize,
    ) -> Result<(), LockError> {
        for dep in deps {
            let marker = self.marker(root, dep, markers)?;
            let extras = self.extras(root, dep)?;
            match self.resolve(root, dep)? {
                Target::Package(_) => out.push(ProjectDependency {
                    name: normalize_name(dep.name.get_ref()),
                    extras,
                    marker,
                    optional,
                    constraint: dep.version.as_ref().map(|v| format!("=={v}")),
                    package: None,
                }),
                // Extras of the project that include others: uv stops at
                // cycles; so does this (bounded by the number of extras).
                Target::Root if depth <= self.raw[root].optional_dependencies.len() => {
                    for (extra, included) in &self.raw[root].optional_dependencies {
                        if extras.contains(&normalize_name(extra.get_ref())) {
                            let mut expanded = Vec::new();
                            self.project_deps(
                                root,
                                included,
                                optional,
                                markers,
                                &mut expanded,
                                depth + 1,
                            )?;
                            for mut d in expanded {
                                if let Some(m) = &marker {
                                    let mut both = m.clone();
                                    if let Some(own) = d.marker.take() {
                                        both.and(own);
                                    }
                                    d.marker = Some(both);
                                }
                                out.push(d);
                            }
                        }
                    }
                }
                Target::Root => {}
            }
        }
        Ok(())
    }

    /// No root package (a virtual workspace root without `[project]`): the
    /// project's `main` group is the workspace members (what `uv sync` installs).
    fn members_project(
        &self,
        manifest: Option<&RawManifest>,
    ) -> Result<Option<Project>, LockError> {
        let Some(manifest) = manifest.filter(|m| !m.members.is_empty()) else {
            return Ok(None);
        };
        let mut main = Vec::with_capacity(manifest.members.len());
        for member in &manifest.members {
            self.file.name(member, &|| "workspace member".to_string())?;
            main.push(ProjectDependency {
                name: normalize_name(member.get_ref()),
                extras: Vec::new(),
                marker: None,
                optional: false,
                constraint: None,
                package: None,
            });
        }
        Ok(Some(Project {
            name: None,
            dependencies: BTreeMap::from([(MAIN_GROUP.to_string(), main)]),
            ..Project::default()
        }))
    }
}

impl RawDep {
    fn dependency_text(&self) -> String {
        match &self.version {
            Some(v) => format!("{} {v}", self.name.get_ref()),
            None => self.name.get_ref().clone(),
        }
    }
}

/// `https://host/repo.git?subdirectory=x&branch=b#<commit>` -> [`Source::Git`].
fn git_source(text: &str) -> Source {
    let (rest, commit) = match text.split_once('#') {
        Some((rest, commit)) => (rest, Some(commit.to_string())),
        None => (text, None),
    };
    let (url, query) = match rest.split_once('?') {
        Some((url, query)) => (url, query),
        None => (rest, ""),
    };
    let (mut reference, mut subdirectory) = (None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(value);
        match key {
            "subdirectory" => subdirectory = Some(value),
            "rev" | "tag" | "branch" => reference = Some(value),
            _ => {}
        }
    }
    Source::Git {
        url: url.to_string(),
        reference,
        resolved_reference: commit,
        subdirectory,
    }
}

/// The last path segment of a URL or path, percent-decoded (a local
/// version's `+` is `%2B` in index URLs), query and fragment removed.
pub(crate) fn last_segment(location: &str) -> String {
    let location = location.split(['?', '#']).next().unwrap_or_default();
    let segment = location.rsplit(['/', '\\']).next().unwrap_or_default();
    percent_decode(segment)
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_urls() {
        let source = git_source("https://github.com/a/b.git?subdirectory=pkg&branch=main#0123abc");
        assert_eq!(
            source,
            Source::Git {
                url: "https://github.com/a/b.git".to_string(),
                reference: Some("main".to_string()),
                resolved_reference: Some("0123abc".to_string()),
                subdirectory: Some("pkg".to_string()),
            }
        );
        let Source::Git {
            reference,
            resolved_reference,
            ..
        } = git_source("https://x/y#c")
        else {
            panic!()
        };
        assert_eq!(
            (reference, resolved_reference.as_deref()),
            (None, Some("c"))
        );
    }

    #[test]
    fn file_names_from_urls() {
        assert_eq!(
            last_segment("https://download.pytorch.org/whl/cpu/torch-2.8.0%2Bcpu-cp311-cp311-manylinux_2_28_aarch64.whl#sha256=00"),
            "torch-2.8.0+cpu-cp311-cp311-manylinux_2_28_aarch64.whl"
        );
        assert_eq!(
            last_segment("../wheels/a-1.0-py3-none-any.whl"),
            "a-1.0-py3-none-any.whl"
        );
        assert_eq!(last_segment("a-1.0.tar.gz?x=1"), "a-1.0.tar.gz");
    }

    #[test]
    fn versions() {
        let path = Path::new("uv.lock");
        let int = |i| Some(toml::Value::Integer(i));
        assert_eq!(
            check_version(path, int(1).as_ref(), int(3).as_ref()).unwrap(),
            "uv 1, revision 3"
        );
        assert_eq!(
            check_version(path, int(1).as_ref(), None).unwrap(),
            "uv 1, revision 0"
        );
        let err = check_version(path, int(2).as_ref(), None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("uv.lock of version `2 (revision <none>)`"),
            "{err}"
        );
        assert!(check_version(path, int(1).as_ref(), int(6).as_ref()).is_err());
        assert!(check_version(path, None, None).is_err());
    }
}

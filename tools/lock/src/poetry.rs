//! poetry.lock (lock-version 1.1, 2.0, 2.1) -> [`Lock`].

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::str::FromStr;

use pep508_rs::{MarkerTree, Requirement};
use toml::Spanned;

use crate::constraint::python_marker;
use crate::error::{LockError, SUPPORTED_POETRY_LOCK_VERSIONS};
use crate::model::{Dependency, DistFile, Index, Lock, Package, PackageMarkers, Source};
use crate::raw::{
    DepItem, RawDepTable, RawFile, RawLock, RawLockVersionOnly, RawMarkers, RawPackage, RawSource,
};
use crate::{check, normalize_name, pyproject, validate};
use ofiuco_spec::text::quoted;

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
    let raw: RawLock = match crate::pieces::raw_lock(text) {
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
    let file = TextFile::new(path, text);
    let metadata = raw.metadata.as_ref();
    let lock_version = check_version(path, metadata.and_then(|m| m.lock_version.as_ref()))?;
    let python_versions = metadata.and_then(|m| m.python_versions.as_ref());
    if let Some(constraint) = python_versions {
        file.python_versions(constraint, None)?;
    }

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
            .entry(normalize_name(package.name.get_ref()))
            .or_default() += 1;
    }

    let mut markers = MarkerCache::new(path);
    let mut packages = Vec::with_capacity(raw.package.len());
    let mut refs = Vec::with_capacity(raw.package.len());
    for package in &raw.package {
        let name = normalize_name(package.name.get_ref());
        let shared_files = metadata_files.get(&name).map(|files| {
            if name_counts[&name] > 1 {
                files_for_version(files, package.version.get_ref())
            } else {
                files.clone()
            }
        });
        let (package, package_refs) =
            convert_package(&file, package, name, shared_files, &mut markers)?;
        packages.push(package);
        refs.push(package_refs);
    }

    let (project, project_lines) = match pyproject {
        Some((text, pyproject_path)) => {
            let (project, lines) = pyproject::parse_pyproject(text, pyproject_path)?;
            (Some(project), Some(lines))
        }
        None => (None, None),
    };

    let lock = Lock {
        path: path.to_path_buf(),
        lock_version,
        python_versions: python_versions.map(|c| c.get_ref().clone()),
        packages,
        project,
        edges_recorded: true,
    };
    check::references(
        &lock,
        &refs,
        project_lines.as_ref(),
        pyproject.map(|(_, path)| path),
    )?;
    Ok(lock)
}

/// A file's path and where its lines start, to name lines in errors.
pub(crate) struct TextFile<'a> {
    pub(crate) path: &'a Path,
    /// The byte offset of every `\n`.
    newlines: Vec<usize>,
    /// The `python-versions` constraints already found valid (packages share a few).
    valid_python: std::cell::RefCell<std::collections::HashSet<String>>,
}

impl<'a> TextFile<'a> {
    pub(crate) fn new(path: &'a Path, text: &str) -> Self {
        // Every line's end, found with SIMD (a 2 MB lock has 50,000 lines).
        let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).collect();
        Self {
            path,
            newlines,
            valid_python: std::cell::RefCell::default(),
        }
    }

    /// The 1-based line of a value (a binary search: lines of many values
    /// are asked for).
    pub(crate) fn line<T>(&self, spanned: &Spanned<T>) -> usize {
        self.newlines.partition_point(|&i| i < spanned.span().start) + 1
    }

    /// A PEP 508 name, or [`LockError::InvalidName`].
    pub(crate) fn name(
        &self,
        name: &Spanned<String>,
        what: &dyn Fn() -> String,
    ) -> Result<(), LockError> {
        match validate::name_problem(name.get_ref()) {
            None => Ok(()),
            Some(reason) => Err(LockError::InvalidName {
                path: self.path.to_path_buf(),
                line: self.line(name),
                what: what(),
                name: name.get_ref().clone(),
                reason,
            }),
        }
    }

    /// A `python-versions` that [`python_marker`] reads, or
    /// [`LockError::InvalidPythonVersions`].
    pub(crate) fn python_versions(
        &self,
        constraint: &Spanned<String>,
        package: Option<String>,
    ) -> Result<(), LockError> {
        let text = constraint.get_ref();
        if self.valid_python.borrow().contains(text) {
            return Ok(());
        }
        if python_marker(text).is_ok() {
            self.valid_python.borrow_mut().insert(text.clone());
            return Ok(());
        }
        Err(LockError::InvalidPythonVersions {
            path: self.path.to_path_buf(),
            line: self.line(constraint),
            package,
            constraint: constraint.get_ref().clone(),
        })
    }
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
        .filter(|f| f.file.get_ref().contains(&dash) || f.file.get_ref().contains(&dot))
        .collect();
    if matching.is_empty() {
        files.to_vec()
    } else {
        matching
    }
}

fn convert_package(
    file: &TextFile<'_>,
    raw: &RawPackage,
    name: String,
    shared_files: Option<Vec<&RawFile>>,
    markers: &mut MarkerCache,
) -> Result<(Package, PackageRefs), LockError> {
    let path = file.path;
    file.name(&raw.name, &|| "package".to_string())?;
    if let Some(message) = validate::version_problem(raw.version.get_ref()) {
        return Err(LockError::InvalidVersion {
            path: path.to_path_buf(),
            line: file.line(&raw.version),
            package: raw.name.get_ref().clone(),
            version: raw.version.get_ref().clone(),
            message,
        });
    }
    // Printable from here on: name and version are valid.
    let (raw_name, raw_version) = (raw.name.get_ref(), raw.version.get_ref());
    let this = || format!("package `{raw_name}` {raw_version}");
    if let Some(constraint) = &raw.python_versions {
        file.python_versions(constraint, Some(this()))?;
    }
    let invalid = |message: String| LockError::InvalidPackage {
        path: path.to_path_buf(),
        package: raw_name.clone(),
        version: raw_version.clone(),
        message,
    };
    let source = convert_source(raw.source.as_ref(), raw.develop).map_err(invalid)?;

    let raw_files: Vec<&RawFile> = match &raw.files {
        Some(files) => files.iter().collect(),
        None => shared_files.unwrap_or_default(),
    };
    let mut files = Vec::with_capacity(raw_files.len());
    for raw_file in raw_files {
        if let Some(reason) = validate::file_name_problem(raw_file.file.get_ref()) {
            return Err(LockError::InvalidFileName {
                path: path.to_path_buf(),
                line: file.line(&raw_file.file),
                package: raw_name.clone(),
                version: raw_version.clone(),
                file: raw_file.file.get_ref().clone(),
                reason,
            });
        }
        let sha256 = raw_file
            .hash
            .as_deref()
            .and_then(sha256_hex)
            .ok_or_else(|| LockError::MissingHash {
                path: path.to_path_buf(),
                package: raw_name.clone(),
                version: raw_version.clone(),
                file: raw_file.file.get_ref().clone(),
                found: raw_file.hash.clone(),
            })?;
        files.push(DistFile {
            filename: raw_file.file.get_ref().clone(),
            sha256,
            url: None,
        });
    }
    if files.is_empty() && matches!(source, Source::Registry { .. }) {
        return Err(LockError::NoFiles {
            path: path.to_path_buf(),
            package: raw_name.clone(),
            version: raw_version.clone(),
        });
    }

    let mut dependencies = Vec::new();
    for (dep_name, spec) in &raw.dependencies {
        file.name(dep_name, &|| format!("a dependency of {}", this()))?;
        let line = file.line(dep_name);
        let context = || format!("{}, dependency `{}`", this(), dep_name.get_ref());
        for item in spec.items() {
            let dep = convert_dependency(dep_name.get_ref(), &item, markers, &context)?;
            dependencies.push((dep, line));
        }
    }

    // toml does not keep table order: sort by normalized name (list items keep
    // their order) so that the output does not depend on the lock's spelling.
    dependencies.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    let (dependencies, dependency_lines) = dependencies.into_iter().unzip();

    let mut extras = BTreeMap::new();
    let mut extra_requirements = BTreeMap::new();
    for (extra, requirements) in &raw.extras {
        file.name(extra, &|| format!("an extra of {}", this()))?;
        let mut names: Vec<String> = Vec::with_capacity(requirements.len());
        let mut parsed = Vec::with_capacity(requirements.len());
        for text in requirements {
            let context = || format!("{}, extra `{}`", this(), extra.get_ref());
            let (name, marker) = extra_requirement(text.get_ref(), file, markers, &context)?;
            if !names.contains(&name) {
                names.push(name.clone());
            }
            parsed.push(ExtraRequirement {
                name,
                marker,
                line: file.line(text),
            });
        }
        extras.insert(normalize_name(extra.get_ref()), names);
        extra_requirements.insert(normalize_name(extra.get_ref()), parsed);
    }

    let context = || this();
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

    let package = Package {
        name,
        display_name: raw_name.clone(),
        version: raw_version.clone(),
        source,
        files,
        dependencies,
        extras,
        markers: package_markers,
        groups,
        optional: raw.optional,
        python_versions: raw.python_versions.as_ref().map(|c| c.get_ref().clone()),
    };
    let refs = PackageRefs {
        dependency_lines,
        extras: extra_requirements,
    };
    Ok((package, refs))
}

/// What [`check::references`] needs of a package beyond the model: lines,
/// and the markers of its extras' requirements.
pub(crate) struct PackageRefs {
    /// The line of each of [`Package::dependencies`].
    pub(crate) dependency_lines: Vec<usize>,
    /// Extra (normalized) -> its requirements.
    pub(crate) extras: BTreeMap<String, Vec<ExtraRequirement>>,
}

/// One requirement of a `[package.extras]` entry.
pub(crate) struct ExtraRequirement {
    /// Normalized name.
    pub(crate) name: String,
    pub(crate) marker: Option<MarkerTree>,
    pub(crate) line: usize,
}

fn convert_source(raw: Option<&RawSource>, develop: bool) -> Result<Source, String> {
    let Some(raw) = raw else {
        return Ok(Source::Registry { index: None });
    };
    // URLs, paths and references end up in messages and repository attributes.
    let fields = [
        &raw.url,
        &raw.reference,
        &raw.resolved_reference,
        &raw.subdirectory,
    ];
    if let Some(text) = fields
        .into_iter()
        .flatten()
        .find(|text| text.chars().any(char::is_control))
    {
        return Err(format!(
            "`[package.source]` has a control character: {}",
            quoted(text)
        ));
    }
    let url = || {
        raw.url.clone().ok_or_else(|| {
            format!(
                "`[package.source]` of type {} has no `url`",
                quoted(&raw.kind)
            )
        })
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
                "unknown `[package.source]` type {} (expected legacy, git, url, directory or file)",
                quoted(other)
            ))
        }
    })
}

/// `sha256:<64 hex>` -> lowercase hex; anything else -> `None`.
pub(crate) fn sha256_hex(hash: &str) -> Option<String> {
    let hex = hash.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

/// A dependency of a package or of the project; the caller has checked
/// that `name` is a PEP 508 name.
pub(crate) fn convert_dependency(
    name: &str,
    item: &DepItem<'_>,
    markers: &mut MarkerCache,
    context: &dyn Fn() -> String,
) -> Result<Dependency, LockError> {
    let not_any = |c: &str| (c.trim() != "*").then(|| c.to_string());
    Ok(match item {
        DepItem::Constraint(c) => Dependency {
            name: normalize_name(name),
            constraint: not_any(c),
            marker: None,
            optional: false,
            extras: Vec::new(),
            source_hint: None,
            package: None,
        },
        DepItem::Table(table) => {
            let path = markers.path;
            for extra in &table.extras {
                if let Some(reason) = validate::name_problem(extra) {
                    return Err(LockError::InvalidRequirement {
                        path: path.to_path_buf(),
                        package: Some(context()),
                        requirement: format!("{name}[{extra}]"),
                        message: format!("the extra is not a valid name: {reason}"),
                    });
                }
            }
            Dependency {
                name: normalize_name(name),
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
                package: None,
            }
        }
    })
}

/// The name and marker of a requirement as written in `[package.extras]`
/// (`awscrt (==0.19.19)`, `coverage[toml] (>=5.0.2)`, PEP 508 with a marker,
/// or with a poetry constraint such as `Foo (^1.2)`).
fn extra_requirement(
    text: &str,
    file: &TextFile<'_>,
    markers: &mut MarkerCache,
    context: &dyn Fn() -> String,
) -> Result<(String, Option<MarkerTree>), LockError> {
    let invalid = |message: String| LockError::InvalidRequirement {
        path: file.path.to_path_buf(),
        package: Some(context()),
        requirement: text.to_string(),
        message,
    };
    if let Some(problem) = validate::requirement_problem(text) {
        return Err(invalid(problem));
    }
    if let Ok(req) = Requirement::<pep508_rs::VerbatimUrl>::from_str(text) {
        let marker = (!req.marker.is_true()).then_some(req.marker);
        return Ok((req.name.to_string(), marker));
    }
    // Not PEP 508 (poetry's caret): the leading name, and the marker if any.
    let (head, marker) = match text.split_once(';') {
        Some((head, marker)) => (head, Some(marker)),
        None => (text, None),
    };
    let head = head.trim_start();
    let name = &head[..head.find([' ', '(', '[']).unwrap_or(head.len())];
    if let Some(reason) = validate::name_problem(name) {
        return Err(invalid(format!("the name is not valid: {reason}")));
    }
    let marker = match marker {
        Some(marker) => Some(markers.parse(marker.trim(), context)?),
        None => None,
    };
    Ok((normalize_name(name), marker.filter(|m| !m.is_true())))
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
        let invalid = |message: String| LockError::InvalidMarker {
            path: self.path.to_path_buf(),
            package: Some(context()),
            marker: text.to_string(),
            message,
        };
        if let Some(problem) = validate::marker_problem(text) {
            return Err(invalid(problem));
        }
        let marker = MarkerTree::from_str(text).map_err(|e| invalid(e.message.to_string()))?;
        self.cache.insert(text.to_string(), marker.clone());
        Ok(marker)
    }

    /// `markers` AND `python` (as a `python_version` marker) AND `platform`
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
            let platform = platform.trim();
            if platform.contains(['\'', '"', '\\']) {
                return Err(LockError::InvalidMarker {
                    path: self.path.to_path_buf(),
                    package: Some(context()),
                    marker: format!("platform = \"{platform}\""),
                    message: "a platform has no quotes or backslashes".to_string(),
                });
            }
            let text = format!("sys_platform == '{platform}'");
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
        let path = Path::new("poetry.lock");
        let file = TextFile::new(path, "");
        let mut markers = MarkerCache::new(path);
        let mut requirement_name = |text: &str| {
            extra_requirement(text, &file, &mut markers, &String::new)
                .unwrap()
                .0
        };
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
            ("Foo_Bar (^1.2) ; python_version < '3.8'", "foo-bar"),
        ];
        for (text, name) in cases {
            assert_eq!(requirement_name(text), name, "{text}");
        }
    }

    #[test]
    fn lock_1_1_shared_files_are_split_by_version() {
        let file = |f: &str| RawFile {
            file: Spanned::new(0..0, f.to_string()),
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
                .map(|f| f.file.get_ref().clone())
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

//! The wheel side of the package targets: which file each environment
//! installs, and the file repositories those choices refer to. Independent of
//! the dependency graph, so it is computed beside it.

use std::collections::{BTreeMap, HashMap, HashSet};

use ofiuco_lock::{DistFile, Package, Source};
use ofiuco_spec::text::quoted;
use ofiuco_spec::{PackageName, WheelFilename};
use serde::Serialize;

use crate::envs::format_indices;
use crate::wheels::FastHash;
use crate::{BuildMode, BuildPolicy, EnvSet, FileRepo, Group, SourceRepo};

const PYPI_SIMPLE: &str = "https://pypi.org/simple";

/// The wheel fields of one package target.
#[derive(Debug, Default)]
pub(crate) struct WheelPart {
    pub(crate) unsupported: Option<String>,
    pub(crate) wheel_single: Option<String>,
    pub(crate) wheel_groups: Vec<Group>,
    pub(crate) available: Vec<String>,
    /// `never` when the policy forbids building (for the error message).
    pub(crate) build_mode: Option<&'static str>,
    /// The build-from-sdist target, when the package may be built.
    pub(crate) build: Option<SdistBuild>,
}

/// The `ofiuco_sdist_build` target of one package: `<target>.build`.
#[derive(Debug, Serialize)]
pub(crate) struct SdistBuild {
    pub(crate) name: String,
    /// `@<sdist repo>//:file`, for a build from an sdist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sdist: Option<String>,
    /// `@<source repo>//:tree`, for a build from a source tree (a git
    /// checkout, a local directory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tree: Option<String>,
    /// The package's directory inside `tree`'s repository (git's `subdirectory`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tree_root: Option<String>,
    /// Where the tree comes from, for messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) origin: Option<String>,
    /// `@<sdist or source repo>//:build_requires`.
    pub(crate) requires: String,
    /// The built wheel must have compiled extensions.
    pub(crate) native: bool,
}

/// The sdist of a package: the first file that is no wheel. `names` holds
/// each file's parsed wheel name ([`crate::wheels::Choice::names`]).
fn sdist_file<'p>(p: &'p Package, names: &[Option<WheelFilename>]) -> Option<&'p DistFile> {
    p.files.iter().zip(names).find_map(|(f, name)| {
        (name.is_none() && (f.filename.ends_with(".tar.gz") || f.filename.ends_with(".zip")))
            .then_some(f)
    })
}

/// Whether the lock has a binary (not pure-Python) wheel of the package.
fn has_binary_wheel(names: &[Option<WheelFilename>]) -> bool {
    names
        .iter()
        .flatten()
        .any(|w| w.platform_tags.iter().any(|t| t != "any"))
}

/// The wheel fields of package targets, built in lock order (file repository
/// names depend on the order files are first referred to).
pub(crate) struct WheelSide<'a> {
    files: Files<'a>,
    parts: Vec<WheelPart>,
    indices: HashMap<EnvSet, String, FastHash>,
    env_count: usize,
    fit: &'a crate::fit::FitTable,
    policy: &'a BTreeMap<PackageName, BuildPolicy>,
    default_mode: BuildMode,
}

impl<'a> WheelSide<'a> {
    pub(crate) fn new(
        hub_name: &'a str,
        (policy, default_mode): (&'a BTreeMap<PackageName, BuildPolicy>, BuildMode),
        env_count: usize,
        packages: usize,
        fit: &'a crate::fit::FitTable,
    ) -> Self {
        WheelSide {
            files: Files {
                hub_name,
                labels: HashMap::default(),
                repos: HashSet::default(),
                files: Vec::new(),
                positions: HashMap::default(),
                sources: Vec::new(),
            },
            parts: Vec::with_capacity(packages),
            indices: HashMap::default(),
            env_count,
            fit,
            policy,
            default_mode,
        }
    }

    /// Adds the next `packages`, with their [`crate::wheels::choose_all`] answers.
    pub(crate) fn extend(
        &mut self,
        packages: &'a [Package],
        targets: &[String],
        choices: Vec<crate::wheels::Choice>,
    ) {
        for ((p, target), choice) in packages.iter().zip(targets).zip(choices) {
            let part = self.part(p, target, choice);
            self.parts.push(part);
        }
    }

    /// Per package, its [`WheelPart`]; and the file repositories, in the
    /// order they were first referred to.
    pub(crate) fn finish(self) -> (Vec<WheelPart>, Vec<FileRepo>, Vec<SourceRepo>) {
        (self.parts, self.files.files, self.files.sources)
    }

    /// A package built from a source tree (git, local directory) for every
    /// target; unsupported when its policy forbids building.
    fn tree_build(
        &mut self,
        p: &'a Package,
        target: &str,
        policy: &BuildPolicy,
        tree: Tree,
        make: impl FnOnce(String) -> SourceRepo,
    ) -> WheelPart {
        let Tree {
            origin,
            suffix,
            root: tree_root,
        } = tree;
        let mut part = WheelPart::default();
        if policy.mode == BuildMode::Never {
            part.unsupported = Some(format!(
                "it comes from {origin}, which ofiuco builds from source, and building it is turned off (`poetry.build(mode = \"never\")`) (hint: allow the build, or supply a wheel with `poetry.build(package = {}, wheel = ...)`)",
                quoted(&p.display_name)
            ));
            return part;
        }
        let repo = self
            .files
            .unique_repo(&format!("{}-{}.{suffix}", p.name, p.version));
        let source = make(repo.clone());
        self.files.sources.push(source);
        let build = SdistBuild {
            name: format!("{target}.build"),
            sdist: None,
            tree: Some(format!("@{repo}//:tree")),
            tree_root,
            origin: Some(origin),
            requires: format!("@{repo}//:build_requires"),
            native: policy.native.unwrap_or(false),
        };
        part.wheel_single = Some(format!(":{}", build.name));
        part.build = Some(build);
        part
    }

    fn part(&mut self, p: &'a Package, target: &str, choice: crate::wheels::Choice) -> WheelPart {
        let crate::wheels::Choice { by_wheel, names } = choice;
        let mut part = WheelPart::default();
        let policy = self
            .policy
            .get(p.name.as_str())
            .cloned()
            .unwrap_or_else(|| BuildPolicy {
                mode: self.default_mode,
                ..BuildPolicy::default()
            });
        let fit = self.fit;
        let available = || {
            p.files
                .iter()
                .zip(&names)
                .map(|(f, name)| fit.describe_parsed(&f.filename, name.as_ref()))
                .collect()
        };
        if let Some(wheel) = &policy.wheel {
            part.wheel_single = Some(wheel.clone());
            return part;
        }
        match &p.source {
            Source::Git {
                url,
                reference,
                resolved_reference,
                subdirectory,
            } => {
                let Some(commit) = resolved_reference.as_deref().filter(|c| is_commit(c)) else {
                    let rev = resolved_reference
                        .as_deref()
                        .or(reference.as_deref())
                        .unwrap_or("HEAD");
                    part.unsupported = Some(format!(
                        "it comes from the git repository {} at {}, and the lock records no full commit hash to pin it to (hint: re-lock, so that the lock records the commit the reference resolved to)",
                        quoted(url),
                        quoted(rev)
                    ));
                    return part;
                };
                let origin = format!("the git repository {} at commit {commit}", quoted(url));
                let (url, commit) = (url.clone(), commit.to_string());
                let (reference, subdirectory) = (reference.clone(), subdirectory.clone());
                let (package, version) = (p.name.clone(), p.version.clone());
                let root = subdirectory.clone().filter(|s| !s.is_empty() && s != ".");
                let tree = Tree {
                    origin,
                    suffix: "git",
                    root,
                };
                return self.tree_build(p, target, &policy, tree, move |repo| SourceRepo::Git {
                    repo,
                    package,
                    version,
                    url,
                    commit,
                    reference,
                    subdirectory,
                });
            }
            Source::Url { url } if p.files.is_empty() => {
                part.unsupported = Some(format!(
                    "the lock records no sha256 hash for its archive {url}, and ofiuco pins every download by sha256 (hint: re-lock so that the archive gets a sha256 hash, or depend on a released wheel)"
                ));
            }
            Source::File { path } if p.files.is_empty() => {
                part.unsupported = Some(format!(
                    "the lock records no sha256 hash for its local file {}, and ofiuco pins every file by sha256 (hint: re-lock so that the file gets a sha256 hash)",
                    quoted(path)
                ));
            }
            Source::Directory { path, develop } => {
                let origin = format!("the local directory {}", quoted(path));
                let (package, version) = (p.name.clone(), p.version.clone());
                let (path, editable) = (path.clone(), *develop);
                let tree = Tree {
                    origin,
                    suffix: "src",
                    root: None,
                };
                return self.tree_build(p, target, &policy, tree, move |repo| {
                    SourceRepo::Directory {
                        repo,
                        package,
                        version,
                        path,
                        editable,
                    }
                });
            }
            _ => {
                let by_wheel = if policy.mode == BuildMode::Always {
                    Vec::new()
                } else {
                    by_wheel
                };
                let mut groups: Vec<(String, EnvSet)> = by_wheel
                    .into_iter()
                    .map(|(w, envs)| (self.files.label(p, &p.files[w]), envs))
                    .collect();
                let covered = groups
                    .iter()
                    .fold(EnvSet::empty(self.env_count), |acc, (_, e)| acc | e);
                let rest = !&covered;
                match sdist_file(p, &names) {
                    Some(sdist) if policy.mode != BuildMode::Never && !rest.is_empty() => {
                        let repo = self.files.sdist_repo(p, sdist);
                        let build = SdistBuild {
                            name: format!("{target}.build"),
                            sdist: Some(format!("@{repo}//:file")),
                            tree: None,
                            tree_root: None,
                            origin: None,
                            requires: format!("@{repo}//:build_requires"),
                            native: policy.native.unwrap_or_else(|| has_binary_wheel(&names)),
                        };
                        groups.push((format!(":{}", build.name), rest));
                        part.build = Some(build);
                    }
                    _ if policy.mode == BuildMode::Never => part.build_mode = Some("never"),
                    _ => {}
                }
                if groups.len() == 1 && groups[0].1 == EnvSet::full(self.env_count) {
                    part.wheel_single = Some(groups.remove(0).0);
                } else {
                    part.available = available();
                    part.wheel_groups = groups
                        .into_iter()
                        .map(|(value, set)| {
                            let envs = self
                                .indices
                                .entry(set)
                                .or_insert_with_key(format_indices)
                                .clone();
                            Group { value, envs }
                        })
                        .collect();
                }
            }
        }
        part
    }
}

/// Names the file repositories: `<hub>__<sanitized file name>`, with `_2`,
/// `_3`, ... for distinct files (by name and hash) that sanitize alike.
struct Files<'a> {
    hub_name: &'a str,
    /// (file name, sha256) -> label.
    labels: HashMap<(&'a str, &'a str), String, FastHash>,
    /// The repository names in `files`.
    repos: HashSet<String, FastHash>,
    #[allow(clippy::struct_field_names, reason = "the `files` of files.json")]
    files: Vec<FileRepo>,
    /// label -> index into `files`.
    positions: HashMap<String, usize, FastHash>,
    /// The source-tree repositories, in the order they were made.
    sources: Vec<SourceRepo>,
}

/// Where a source tree comes from, for [`WheelSide::tree_build`].
struct Tree {
    /// For messages: "the git repository `…` at commit …".
    origin: String,
    /// The repository name's suffix: `git` or `src`.
    suffix: &'static str,
    /// The project's directory inside the tree (git's `subdirectory`).
    root: Option<String>,
}

/// A full git commit hash: 40 (SHA-1) or 64 (SHA-256) hex digits.
fn is_commit(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

impl<'a> Files<'a> {
    /// The repository of an sdist to build (see [`FileRepo::sdist`]).
    fn sdist_repo(&mut self, p: &'a Package, file: &'a DistFile) -> String {
        let label = self.label(p, file);
        let repo = label
            .strip_prefix('@')
            .and_then(|l| l.strip_suffix("//:file"))
            .unwrap_or_default()
            .to_string();
        if let Some(&i) = self.positions.get(&label) {
            self.files[i].sdist = true;
        }
        repo
    }

    /// `<hub>__<sanitized name>`, with `_2`, `_3`, ... when taken; recorded as taken.
    fn unique_repo(&mut self, name: &str) -> String {
        let mut base = String::with_capacity(self.hub_name.len() + 2 + name.len());
        base.push_str(self.hub_name);
        base.push_str("__");
        sanitize_repo_name(name, &mut base);
        let mut repo = base.clone();
        let mut n = 2;
        while self.repos.contains(&repo) {
            repo = format!("{base}_{n}");
            n += 1;
        }
        self.repos.insert(repo.clone());
        repo
    }

    fn label(&mut self, p: &'a Package, file: &'a DistFile) -> String {
        let key = (file.filename.as_str(), file.sha256.as_str());
        if let Some(label) = self.labels.get(&key) {
            return label.clone();
        }
        let repo = self.unique_repo(&file.filename);
        let path = match &p.source {
            Source::File { path } if file.url.is_none() => Some(path.clone()),
            _ => None,
        };
        let (indexes, urls) = match &p.source {
            _ if path.is_some() => (Vec::new(), Vec::new()),
            // The lock records the file's URL (uv.lock, pylock.toml): no index lookup.
            _ if file.url.is_some() => (Vec::new(), file.url.iter().cloned().collect()),
            Source::Registry { index: Some(index) } => (vec![index.url.clone()], Vec::new()),
            Source::Url { url } => (Vec::new(), vec![url.clone()]),
            _ => (vec![PYPI_SIMPLE.to_string()], Vec::new()),
        };
        let label = format!("@{repo}//:file");
        self.files.push(FileRepo {
            repo,
            filename: file.filename.clone(),
            sha256: file.sha256.clone(),
            package: p.name.clone(),
            version: p.version.clone(),
            indexes,
            urls,
            path,
            sdist: false,
        });
        self.positions.insert(label.clone(), self.files.len() - 1);
        self.labels.insert(key, label.clone());
        label
    }
}

/// Appends a repository name made from a file name: letters, digits, `-`,
/// `_` and `.`; anything else becomes `_`.
fn sanitize_repo_name(filename: &str, out: &mut String) {
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if filename.chars().all(valid) {
        out.push_str(filename);
    } else {
        out.extend(filename.chars().map(|c| if valid(c) { c } else { '_' }));
    }
}

#[cfg(test)]
mod tests {
    use super::{is_commit, sanitize_repo_name};
    use crate::{render, BuildMode, BuildPolicy, HubOptions, SourceRepo};
    use std::path::Path;

    const LOCK: &str = r#"
[[package]]
name = "tool"
version = "1.0"
optional = false
python-versions = "*"
files = []
[package.source]
type = "git"
url = "https://example.com/tool.git"
reference = "main"
resolved_reference = "0123456789abcdef0123456789abcdef01234567"
subdirectory = "py"

[[package]]
name = "branchonly"
version = "2.0"
optional = false
python-versions = "*"
files = []
[package.source]
type = "git"
url = "https://example.com/b.git"
reference = "main"
resolved_reference = "main"

[[package]]
name = "mylib"
version = "0.1"
optional = false
python-versions = "*"
files = []
develop = true
[package.source]
type = "directory"
url = "libs/mylib"

[[package]]
name = "local-sdist"
version = "3.0"
optional = false
python-versions = "*"
files = [{file = "local_sdist-3.0.tar.gz", hash = "sha256:ff70335d468e7eb6ec65b95b99d3a2836546063f63acc5171de367e834932a81"}]
[package.source]
type = "file"
url = "dist/local_sdist-3.0.tar.gz"

[metadata]
lock-version = "2.1"
python-versions = ">=3.11"
content-hash = "x"
"#;

    fn hub(build: &[(&str, BuildPolicy)]) -> crate::HubFiles {
        let lock = ofiuco_lock::parse_poetry_lock(LOCK, Path::new("poetry.lock"), None).unwrap();
        let opts = HubOptions {
            hub_name: "h".to_string(),
            build: build
                .iter()
                .map(|(n, p)| (n.parse().unwrap(), p.clone()))
                .collect(),
            ..Default::default()
        };
        render(&lock, &opts).unwrap()
    }

    #[test]
    fn git_directory_and_file_sources_are_built() {
        let hub = hub(&[]);
        assert_eq!(
            hub.sources,
            vec![
                SourceRepo::Directory {
                    repo: "h__mylib-0.1.src".to_string(),
                    package: "mylib".to_string(),
                    version: "0.1".to_string(),
                    path: "libs/mylib".to_string(),
                    editable: true,
                },
                SourceRepo::Git {
                    repo: "h__tool-1.0.git".to_string(),
                    package: "tool".to_string(),
                    version: "1.0".to_string(),
                    url: "https://example.com/tool.git".to_string(),
                    commit: "0123456789abcdef0123456789abcdef01234567".to_string(),
                    reference: Some("main".to_string()),
                    subdirectory: Some("py".to_string()),
                },
            ]
        );
        assert!(hub
            .build
            .contains("    tree = \"@h__tool-1.0.git//:tree\",\n    tree_root = \"py\",\n"));
        assert!(hub.build.contains("    wheel = \":mylib__0.1.build\",\n"));
        // A local sdist: copied from its path (no index), and built.
        let file = hub
            .files
            .iter()
            .find(|f| f.package == "local-sdist")
            .unwrap();
        assert_eq!(file.path.as_deref(), Some("dist/local_sdist-3.0.tar.gz"));
        assert!(file.indexes.is_empty() && file.urls.is_empty() && file.sdist);
        // A git source without a full commit cannot be pinned.
        assert!(hub.build.contains("unsupported = \"it comes from the git repository `https://example.com/b.git` at `main`, and the lock records no full commit hash"));
    }

    #[test]
    fn policies_apply_to_source_trees() {
        let never = BuildPolicy {
            mode: BuildMode::Never,
            ..BuildPolicy::default()
        };
        let wheel = BuildPolicy {
            wheel: Some("@@//:tool.whl".to_string()),
            ..BuildPolicy::default()
        };
        let hub = hub(&[("mylib", never), ("tool", wheel)]);
        assert!(hub.sources.is_empty(), "{:?}", hub.sources);
        assert!(hub.build.contains("    wheel = \"@@//:tool.whl\",\n"));
        assert!(hub
            .build
            .contains("building it is turned off (`poetry.build(mode = \\\"never\\\")`)"));
    }

    #[test]
    fn commits() {
        assert!(is_commit("0123456789abcdef0123456789abcdef01234567"));
        assert!(is_commit(&"a".repeat(64)));
        assert!(!is_commit("0123456"));
        assert!(!is_commit("main"));
    }

    #[test]
    fn sanitizes() {
        let mut out = String::new();
        sanitize_repo_name("a+b-1.0-py3-none-any.whl", &mut out);
        assert_eq!(out, "a_b-1.0-py3-none-any.whl");
        sanitize_repo_name("é", &mut out);
        assert_eq!(out, "a_b-1.0-py3-none-any.whl_");
    }
}

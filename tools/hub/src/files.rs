//! The wheel side of the package targets: which file each environment
//! installs, and the file repositories those choices refer to. Independent of
//! the dependency graph, so it is computed beside it.

use std::collections::{BTreeMap, HashMap, HashSet};

use ofiuco_lock::{DistFile, Package, Source};
use ofiuco_spec::{PackageName, WheelFilename};
use serde::Serialize;

use crate::envs::format_indices;
use crate::wheels::FastHash;
use crate::{BuildMode, BuildPolicy, EnvSet, FileRepo, Group};

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
    /// `@<sdist repo>//:file`.
    pub(crate) sdist: String,
    /// `@<sdist repo>//:build_requires`.
    pub(crate) requires: String,
    /// The built wheel must have compiled extensions.
    pub(crate) native: bool,
}

/// The sdist of a package: the first file that is no wheel.
fn sdist_file(p: &Package) -> Option<&DistFile> {
    p.files.iter().find(|f| {
        (f.filename.ends_with(".tar.gz") || f.filename.ends_with(".zip"))
            && f.filename.parse::<WheelFilename>().is_err()
    })
}

/// Whether the lock has a binary (not pure-Python) wheel of the package.
fn has_binary_wheel(p: &Package) -> bool {
    p.files.iter().any(|f| {
        f.filename
            .parse::<WheelFilename>()
            .is_ok_and(|w| w.platform_tags.iter().any(|t| t != "any"))
    })
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
    pub(crate) fn finish(self) -> (Vec<WheelPart>, Vec<FileRepo>) {
        (self.parts, self.files.files)
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
        match &p.source {
            Source::Git {
                url,
                reference,
                resolved_reference,
                ..
            } => {
                let rev = resolved_reference
                    .as_deref()
                    .or(reference.as_deref())
                    .unwrap_or("HEAD");
                part.unsupported = Some(format!(
                    "it comes from the git repository {url} at {rev}; building packages from source is not supported yet (hint: depend on a released wheel instead)"
                ));
                part.available = available();
            }
            Source::Url { url } if p.files.is_empty() => {
                part.unsupported = Some(format!(
                    "the lock records no sha256 hash for its archive {url}, and ofiuco pins every download by sha256 (hint: re-lock so that the archive gets a sha256 hash, or depend on a released wheel)"
                ));
            }
            Source::Directory { path, .. } | Source::File { path }
                if !p.files.iter().any(|f| f.filename.ends_with(".whl")) =>
            {
                part.unsupported = Some(format!(
                    "it comes from the local path {path}; building packages from source is not supported yet"
                ));
                part.available = available();
            }
            _ if policy.wheel.is_some() => {
                part.wheel_single = policy.wheel.clone();
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
                match sdist_file(p) {
                    Some(sdist) if policy.mode != BuildMode::Never && !rest.is_empty() => {
                        let repo = self.files.sdist_repo(p, sdist);
                        let build = SdistBuild {
                            name: format!("{target}.build"),
                            sdist: format!("@{repo}//:file"),
                            requires: format!("@{repo}//:build_requires"),
                            native: policy.native.unwrap_or_else(|| has_binary_wheel(p)),
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
    files: Vec<FileRepo>,
    /// label -> index into `files`.
    positions: HashMap<String, usize, FastHash>,
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

    fn label(&mut self, p: &'a Package, file: &'a DistFile) -> String {
        let key = (file.filename.as_str(), file.sha256.as_str());
        if let Some(label) = self.labels.get(&key) {
            return label.clone();
        }
        let mut base = String::with_capacity(self.hub_name.len() + 2 + file.filename.len());
        base.push_str(self.hub_name);
        base.push_str("__");
        sanitize_repo_name(&file.filename, &mut base);
        let mut repo = base.clone();
        let mut n = 2;
        while self.repos.contains(&repo) {
            repo = format!("{base}_{n}");
            n += 1;
        }
        let (indexes, urls) = match &p.source {
            // The lock records the file's URL (uv.lock, pylock.toml): no index lookup.
            _ if file.url.is_some() => (Vec::new(), file.url.iter().cloned().collect()),
            Source::Registry { index: Some(index) } => (vec![index.url.clone()], Vec::new()),
            Source::Url { url } => (Vec::new(), vec![url.clone()]),
            _ => (vec![PYPI_SIMPLE.to_string()], Vec::new()),
        };
        let label = format!("@{repo}//:file");
        self.repos.insert(repo.clone());
        self.files.push(FileRepo {
            repo,
            filename: file.filename.clone(),
            sha256: file.sha256.clone(),
            package: p.name.clone(),
            version: p.version.clone(),
            indexes,
            urls,
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
    use super::sanitize_repo_name;

    #[test]
    fn sanitizes() {
        let mut out = String::new();
        sanitize_repo_name("a+b-1.0-py3-none-any.whl", &mut out);
        assert_eq!(out, "a_b-1.0-py3-none-any.whl");
        sanitize_repo_name("é", &mut out);
        assert_eq!(out, "a_b-1.0-py3-none-any.whl_");
    }
}

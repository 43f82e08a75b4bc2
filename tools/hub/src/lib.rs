//! Renders the hub repository of a lock file: `BUILD.bazel` (one `package` per
//! locked version, public names, extras, groups) and the list of
//! distribution-file repositories to declare. Everything that does not depend
//! on the lock (the environment table, its `config_setting`s, `pick()`) lives
//! once in the ofiuco module (`python/private/envs_table.bzl`, rendered by
//! [`render_env_table`]).
//!
//! Everything that depends on the target is decided here, once per target
//! environment of [`ofiuco_spec::standard_envs`]: which wheel fits (PyPA tag
//! priority) and which dependency edges apply (PEP 508 markers). Bazel then
//! only `select()`s among precomputed answers, so it fetches nothing that the
//! configuration does not need.

mod build_file;
mod env_table;
mod envs;
mod envset;
mod files;
mod fit;
mod graph;
mod starlark;
mod wheels;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::str::FromStr;

#[cfg(test)]
use minijinja::Environment;
use ofiuco_lock::{Dependency, Lock, Package, PackageMarkers};
use ofiuco_spec::TargetEnv;
use serde::Serialize;

pub use env_table::render_env_table;
pub use envs::{EnvSet, EnvTable};
pub use starlark::string_literal;

/// What the caller chooses about the hub.
#[derive(Debug, Clone, Default)]
pub struct HubOptions {
    /// The hub's apparent repository name (`poetry`); file repositories are `<hub>__<file>`.
    pub hub_name: String,
    /// Per package (normalized name): whether and how to build it from its sdist.
    pub build: BTreeMap<ofiuco_spec::PackageName, BuildPolicy>,
    /// The build mode of packages `build` does not name.
    pub build_default: BuildMode,
}

/// When a package is built from its sdist (`poetry.build` tags of the extension).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuildMode {
    /// Build where no locked wheel fits the target.
    #[default]
    Auto,
    /// Always build, even where a wheel fits.
    Always,
    /// Never build: where no wheel fits, analysis fails.
    Never,
}

impl BuildMode {
    /// The name users write (`mode = "auto"`).
    pub fn as_str(self) -> &'static str {
        match self {
            BuildMode::Auto => "auto",
            BuildMode::Always => "always",
            BuildMode::Never => "never",
        }
    }
}

/// One package's build policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildPolicy {
    #[serde(default)]
    pub mode: BuildMode,
    /// A user-supplied wheel (a Bazel label) used for every target instead of the lock's files.
    #[serde(default)]
    pub wheel: Option<String>,
    /// Whether a built wheel must be native (have compiled extensions); by
    /// default, when the lock has a binary wheel of it for some platform.
    #[serde(default)]
    pub native: Option<bool>,
}

/// The rendered hub.
#[derive(Debug)]
pub struct HubFiles {
    /// `BUILD.bazel` at the hub's root, the hub's only file.
    pub build: String,
    /// The distribution-file repositories the hub refers to.
    pub files: Vec<FileRepo>,
    /// The source-tree repositories (git checkouts, local directories) of
    /// packages built from source.
    pub sources: Vec<SourceRepo>,
}

/// One source tree to build a package from: a git checkout pinned to the
/// locked commit, or a local directory of the workspace.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceRepo {
    /// `git_source_repo`: `url` checked out at `commit`.
    Git {
        repo: String,
        package: String,
        version: String,
        url: String,
        /// The full commit hash the lock resolved the reference to.
        commit: String,
        /// The reference as requested (branch, tag), for messages.
        #[serde(skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        /// The package's directory inside the repository.
        #[serde(skip_serializing_if = "Option::is_none")]
        subdirectory: Option<String>,
    },
    /// `local_source_repo`: a directory, relative to the lock's directory.
    Directory {
        repo: String,
        package: String,
        version: String,
        path: String,
        /// An editable install in the lock (installed normally by ofiuco).
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        editable: bool,
    },
}

impl SourceRepo {
    /// The repository name.
    pub fn repo(&self) -> &str {
        match self {
            SourceRepo::Git { repo, .. } | SourceRepo::Directory { repo, .. } => repo,
        }
    }
}

/// One lazily fetched distribution-file repository.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileRepo {
    pub repo: String,
    pub filename: String,
    pub sha256: String,
    pub package: String,
    pub version: String,
    pub indexes: Vec<String>,
    pub urls: Vec<String>,
    /// A local file (poetry's `file` source, uv's `path`), relative to the
    /// lock's directory: copied from there and checked against `sha256`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// An sdist that may be built: its repository also reads the sdist's
    /// `[build-system]` (`:build_requires`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sdist: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// Only from the template oracle of the tests (minijinja is a dev-dependency).
    #[error("cannot render the hub's {file}: {source}")]
    Template {
        file: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A value chosen per environment: rendered as `{value: [env indices]}` for `pick()`.
#[derive(Debug, Serialize)]
struct Group {
    value: String,
    /// The environment indices as Starlark code (`list(range(0, 20)) + [41]`).
    #[serde(serialize_with = "starlark::code")]
    envs: String,
}

#[derive(Debug, Default, Serialize)]
struct Deps {
    always: Vec<String>,
    conditional: Vec<Group>,
}

#[derive(Debug, Serialize)]
struct PackageView {
    target: String,
    display_name: String,
    version: String,
    unsupported: Option<String>,
    wheel_single: Option<String>,
    wheel_groups: Vec<Group>,
    available: Vec<String>,
    build_mode: Option<&'static str>,
    build: Option<files::SdistBuild>,
    deps: Deps,
    comments: Vec<String>,
}

#[derive(Debug, Serialize)]
struct AliasView {
    /// `hub_target` for a public name, `alias` for its other spellings (a
    /// rule name: written as code).
    #[serde(serialize_with = "starlark::code")]
    rule: &'static str,
    name: String,
    actual: Option<String>,
    groups: Vec<Group>,
    default: String,
}

#[derive(Debug, Serialize)]
struct LibraryView {
    name: String,
    deps: Deps,
}

/// Renders the hub of `lock`.
pub fn render(lock: &Lock, opts: &HubOptions) -> Result<HubFiles, HubError> {
    let table = EnvTable::new();
    Renderer::new(lock, opts, &table).render()
}

/// [`render`], with BUILD.bazel rendered from `templates/BUILD.bazel.j2`
/// by minijinja (for tests that the writer writes what the template says).
#[cfg(test)]
fn render_with_template(lock: &Lock, opts: &HubOptions) -> Result<HubFiles, HubError> {
    let table = EnvTable::new();
    let mut renderer = Renderer::new(lock, opts, &table);
    renderer.with_template = true;
    renderer.render()
}

struct Renderer<'a> {
    lock: &'a Lock,
    opts: &'a HubOptions,
    table: &'a EnvTable,
    /// Name -> indices into `lock.packages`, highest version first.
    by_name: BTreeMap<String, Vec<usize>>,
    /// Package index -> its target name: `<name>__<version>`, with `__2`,
    /// `__3`… for further entries of the same name and version (e.g. one
    /// `url` wheel per Python version).
    targets: Vec<String>,
    /// Render BUILD.bazel with the template (tests), not the writer.
    #[cfg(test)]
    with_template: bool,
    /// The project's extras, normalized.
    project_extras: HashSet<String>,
    /// The environments whose Python the lock's `python-versions` allows.
    in_range: EnvSet,
}

/// The environments of `table` whose Python `lock`'s `python-versions`
/// allows; the range is checked once per Python version.
fn lock_range(lock: &Lock, table: &EnvTable) -> EnvSet {
    let Some(range) = lock.python_versions.as_deref() else {
        return table.all();
    };
    let mut allowed: Vec<((u8, u8), bool)> = Vec::new();
    let mut set = table.none();
    for (i, env) in table.envs().iter().enumerate() {
        let yes = if let Some(&(_, yes)) = allowed.iter().find(|(python, _)| *python == env.python)
        {
            yes
        } else {
            let full = ofiuco_spec::python_full_version(env.python);
            let yes = ofiuco_lock::constraint_allows(range, &full);
            allowed.push((env.python, yes));
            yes
        };
        if yes {
            set.insert(i);
        }
    }
    set
}

impl<'a> Renderer<'a> {
    fn new(lock: &'a Lock, opts: &'a HubOptions, table: &'a EnvTable) -> Self {
        let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, p) in lock.packages.iter().enumerate() {
            by_name.entry(p.name.clone()).or_default().push(i);
        }
        for versions in by_name.values_mut() {
            versions.sort_by(|a, b| {
                let va = lock.packages[*a]
                    .version
                    .parse::<pep440_version::Version>()
                    .ok();
                let vb = lock.packages[*b]
                    .version
                    .parse::<pep440_version::Version>()
                    .ok();
                vb.cmp(&va)
            });
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        let targets = lock
            .packages
            .iter()
            .map(|p| {
                let base = target_name(p);
                let n = seen.entry(base.clone()).or_default();
                *n += 1;
                if *n == 1 {
                    base
                } else {
                    format!("{base}__{n}")
                }
            })
            .collect();
        Self {
            lock,
            opts,
            table,
            by_name,
            targets,
            #[cfg(test)]
            with_template: false,
            project_extras: lock
                .project
                .iter()
                .flat_map(|p| p.extras.keys())
                .filter_map(|e| pep508_rs::ExtraName::from_str(e).ok())
                .map(|e| e.to_string())
                .collect(),
            in_range: lock_range(lock, table),
        }
    }

    #[cfg_attr(
        not(test),
        allow(
            clippy::unnecessary_wraps,
            reason = "only the template (tests) can fail"
        )
    )]
    fn render(self) -> Result<HubFiles, HubError> {
        let (packages, envs, hub_name) = (
            self.lock.packages.as_slice(),
            self.table.envs(),
            self.opts.hub_name.as_str(),
        );
        // The wheel side (the bulk of the work) runs beside the dependency
        // side: a worker takes the first packages (about three quarters of
        // the files), the main thread the rest once its own part is done.
        let split = split_point(packages);
        let (head, tail) = packages.split_at(split);
        let fit = fit::FitTable::new(envs);
        let fit = &fit;
        let (head_targets, tail_targets) = self.targets.split_at(split);
        let opts = &self.opts;
        let head_side = move || {
            let mut side = files::WheelSide::new(
                hub_name,
                (&opts.build, opts.build_default),
                envs.len(),
                packages.len(),
                fit,
            );
            side.extend(head, head_targets, wheels::choose_all(head, envs));
            side
        };
        let (parts, side) = std::thread::scope(|scope| {
            // Without a worker (a process limit, no memory for its stack)
            // this thread does its part too.
            let worker = std::thread::Builder::new().spawn_scoped(scope, head_side);
            let parts = self.wheel_independent_parts();
            let tail_choices = wheels::choose_all(tail, envs);
            let mut side = match worker {
                Ok(worker) => worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(_) => head_side(),
            };
            side.extend(tail, tail_targets, tail_choices);
            (parts, side)
        });
        let (wheel_parts, mut files, mut sources) = side.finish();
        let Parts {
            package_deps,
            aliases,
            libraries,
        } = parts;
        let packages: Vec<PackageView> = self
            .lock
            .packages
            .iter()
            .zip(wheel_parts)
            .zip(package_deps)
            .zip(&self.targets)
            .map(|(((p, wheel), (deps, comments)), target)| PackageView {
                build: wheel.build,
                build_mode: wheel.build_mode,
                target: target.clone(),
                display_name: p.display_name.clone(),
                version: p.version.clone(),
                unsupported: wheel.unsupported,
                wheel_single: wheel.wheel_single,
                wheel_groups: wheel.wheel_groups,
                available: wheel.available,
                deps,
                comments,
            })
            .collect();
        let context = BuildContext {
            lock_path: self.lock.path.display().to_string(),
            lock_version: &self.lock.lock_version,
            lock_name: self.lock_name(),
            python_range: self.lock.python_versions.clone().unwrap_or_default(),
            outside_lock: self.in_lock_range() != self.table.all(),
        };
        #[cfg(test)]
        if self.with_template {
            let build =
                context.render_part(&template_environment(), &packages, &aliases, &libraries)?;
            files.sort_by(|a, b| a.repo.cmp(&b.repo));
            sources.sort_by(|a, b| a.repo().cmp(b.repo()));
            return Ok(HubFiles {
                build,
                files,
                sources,
            });
        }
        let build = build_file::write(&context, &packages, &aliases, &libraries);
        files.sort_by(|a, b| a.repo.cmp(&b.repo));
        sources.sort_by(|a, b| a.repo().cmp(b.repo()));
        Ok(HubFiles {
            build,
            files,
            sources,
        })
    }

    /// What does not depend on the wheel choice: each package's dependencies
    /// and comments, aliases, extras and groups.
    fn wheel_independent_parts(&self) -> Parts {
        let edges = self.resolve_edges();
        let graph = graph::Graph::new(&self.by_name, &edges);
        let package_deps = (0..self.lock.packages.len())
            .map(|i| self.package_deps(i, &edges, &graph))
            .collect();
        let (mut aliases, whole_lock) = self.aliases(&edges, &graph);
        let mut libraries = self.extras(&edges, &graph);
        libraries.extend(self.groups(&graph));
        libraries.extend(whole_lock);
        libraries.extend(graph.cycles().iter().map(|(name, members)| {
            LibraryView {
                name: name.clone(),
                deps: Deps {
                    always: members
                        .iter()
                        .map(|m| format!(":{}", self.targets[*m]))
                        .collect(),
                    conditional: Vec::new(),
                },
            }
        }));
        aliases.sort_by(|a, b| a.name.cmp(&b.name));
        Parts {
            package_deps,
            aliases,
            libraries,
        }
    }

    /// `poetry.lock of @poetry`, for messages.
    fn lock_name(&self) -> String {
        let file = self
            .lock
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("{file} of @{}", self.opts.hub_name)
    }

    /// The environments whose Python the lock's `python-versions` allows
    /// (computed once, in [`Renderer::new`]).
    fn in_lock_range(&self) -> EnvSet {
        self.in_range.clone()
    }

    /// For every package, its dependency edges resolved to package indices.
    /// For a name locked more than once, each distinct constraint is matched
    /// once, against the name's versions in order (see
    /// [`ofiuco_lock::allowed_among`]).
    fn resolve_edges(&self) -> Vec<Vec<Edge>> {
        // Name -> its versions ascending, with their package indices.
        let mut sorted: HashMap<&str, (Vec<pep440_version::Version>, Vec<usize>)> = HashMap::new();
        let mut memo: HashMap<(&str, &str), Target> = HashMap::new();
        let mut resolve = |d: &'a Dependency, candidates: &[usize]| -> Target {
            if let Some(exact) = d.package {
                // The lock names the entry (uv.lock).
                return Target::One(exact);
            }
            let constraint = match (candidates, d.constraint.as_deref()) {
                ([only], _) => return Target::One(*only),
                (_, None) => return Target::Several,
                (_, Some(constraint)) => constraint,
            };
            *memo.entry((&d.name, constraint)).or_insert_with(|| {
                let (versions, indices) = sorted.entry(&d.name).or_insert_with(|| {
                    let mut pairs: Vec<(pep440_version::Version, usize)> = candidates
                        .iter()
                        .filter_map(|&c| Some((self.lock.packages[c].version.parse().ok()?, c)))
                        .collect();
                    pairs.sort_by(|a, b| a.0.cmp(&b.0));
                    pairs.into_iter().unzip()
                });
                // None fits: the alias decides, as when several do.
                match ofiuco_lock::allowed_among(constraint, versions) {
                    ofiuco_lock::Allowed::One(i) => Target::One(indices[i]),
                    ofiuco_lock::Allowed::None | ofiuco_lock::Allowed::Several => Target::Several,
                }
            })
        };
        self.lock
            .packages
            .iter()
            .map(|p| {
                p.dependencies
                    .iter()
                    .filter_map(|d| {
                        let candidates = self.by_name.get(&d.name)?;
                        Some(Edge {
                            dep: d.clone(),
                            target: resolve(d, candidates),
                            envs: self.table.eval(d.marker.as_ref(), None),
                        })
                    })
                    .collect()
            })
            .collect()
    }

    /// A package's dependency labels and comments.
    fn package_deps(
        &self,
        i: usize,
        edges: &[Vec<Edge>],
        graph: &graph::Graph,
    ) -> (Deps, Vec<String>) {
        let mut per_label: BTreeMap<String, EnvSet> = BTreeMap::new();
        for edge in &edges[i] {
            if edge.dep.optional || edge.envs.is_empty() {
                continue;
            }
            for label in self.edge_labels(i, edge, graph) {
                *per_label.entry(label).or_insert_with(|| self.table.none()) |= &edge.envs;
            }
        }
        (self.deps_view(per_label), graph.dropped_comments(i))
    }

    /// The labels an edge of package `from` points to: the version target(s)
    /// (or its cycle group), plus `name[extra]` for requested extras.
    fn edge_labels(&self, from: usize, edge: &Edge, graph: &graph::Graph) -> Vec<String> {
        let mut labels = Vec::new();
        if let Target::One(t) = edge.target {
            match graph.group_of(t) {
                Some(g) if graph.group_of(from) == Some(g) => {}
                Some(g) => labels.push(format!(":{g}")),
                None => labels.push(format!(":{}", self.targets[t])),
            }
        } else {
            labels.push(format!(":{}", edge.dep.name));
        }
        for extra in &edge.dep.extras {
            if self.extra_exists(&edge.dep.name, extra) {
                labels.push(format!(":{}[{}]", edge.dep.name, extra));
            }
        }
        labels
    }

    fn extra_exists(&self, name: &str, extra: &str) -> bool {
        self.by_name
            .get(name)
            .and_then(|v| v.first())
            .is_some_and(|i| self.lock.packages[*i].extras.contains_key(extra))
    }

    fn deps_view(&self, per_label: BTreeMap<String, EnvSet>) -> Deps {
        let mut deps = Deps::default();
        for (label, envs) in per_label {
            if envs == self.table.all() {
                deps.always.push(label);
            } else {
                deps.conditional.push(Group {
                    value: label,
                    envs: self.table.indices(&envs),
                });
            }
        }
        deps
    }

    /// `:name` for every locked name (a `hub_target` that picks, per
    /// environment, the version for it, nothing where markers exclude it,
    /// or the error of a Python outside the lock's range), and the other
    /// spellings of the name as aliases of it.
    ///
    /// When the lock records no dependency edges ([`Lock::edges_recorded`]
    /// is false), a public name stands for `:_lock`: every package, each
    /// where the alias logic would pick it, so that no package comes
    /// without its runtime dependencies. That library is the second result.
    fn aliases(
        &self,
        edges: &[Vec<Edge>],
        graph: &graph::Graph,
    ) -> (Vec<AliasView>, Option<LibraryView>) {
        let closure = !self.lock.edges_recorded;
        let mut whole: BTreeMap<String, EnvSet> = BTreeMap::new();
        let (incoming, has_incoming) = self.incoming(edges);
        let in_range = self.in_lock_range();
        let coverage = self.coverage();
        let mut taken: BTreeSet<String> = self.by_name.keys().map(ToString::to_string).collect();
        let mut aliases = Vec::new();
        for (name, versions) in &self.by_name {
            let label_of = |i: usize| match graph.group_of(i) {
                Some(g) => format!(":{g}"),
                None => format!(":{}", self.targets[i]),
            };
            let mut chosen: Vec<(String, EnvSet)> = Vec::new();
            let mut choose = |label: String, envs: EnvSet| {
                if envs.is_empty() {
                    return;
                }
                match chosen.iter_mut().find(|(c, _)| *c == label) {
                    Some((_, set)) => *set |= envs,
                    None => chosen.push((label, envs)),
                }
            };
            let mut remaining = in_range.clone();
            if let [v] = versions[..] {
                let envs = self.applies(v, &incoming, &has_incoming) & &remaining;
                remaining &= !&envs;
                choose(label_of(v), envs);
            } else {
                // Highest version first: each environment takes the first
                // version that applies there and has a file for it.
                for &v in versions {
                    let envs =
                        self.applies(v, &incoming, &has_incoming) & &remaining & &coverage[&v];
                    remaining &= !&envs;
                    choose(label_of(v), envs);
                }
                // No entry has a file: the first that applies (its error names the target).
                for &v in versions {
                    let envs = self.applies(v, &incoming, &has_incoming) & &remaining;
                    remaining &= !&envs;
                    choose(label_of(v), envs);
                }
            }
            choose(":_not_needed".to_string(), remaining);
            choose(":_outside_lock".to_string(), !&in_range);
            if closure {
                chosen = self.through_whole_lock(chosen, &mut whole);
            }
            let default = if closure {
                WHOLE_LOCK.to_string()
            } else {
                label_of(versions[0])
            };
            let public = match &chosen[..] {
                [(label, envs)] if *envs == self.table.all() => AliasView {
                    rule: "hub_target",
                    name: name.clone(),
                    actual: Some(label.clone()),
                    groups: Vec::new(),
                    default: String::new(),
                },
                _ => AliasView {
                    rule: "hub_target",
                    name: name.clone(),
                    actual: None,
                    groups: chosen
                        .into_iter()
                        .map(|(value, envs)| Group {
                            value,
                            envs: self.table.indices(&envs),
                        })
                        .collect(),
                    default,
                },
            };
            aliases.push(public);
            for v in versions {
                let display = &self.lock.packages[*v].display_name;
                for variant in [
                    display.clone(),
                    display.to_lowercase(),
                    ofiuco_spec::dist_info_name(name),
                    display.replace(['-', '.'], "_"),
                ] {
                    if taken.insert(variant.clone()) {
                        aliases.push(AliasView {
                            rule: "alias",
                            name: variant,
                            actual: Some(format!(":{name}")),
                            groups: Vec::new(),
                            default: String::new(),
                        });
                    }
                }
            }
        }
        let whole_lock = closure.then(|| {
            if in_range != self.table.all() {
                whole.insert(":_outside_lock".to_string(), !&in_range);
            }
            LibraryView {
                name: WHOLE_LOCK[1..].to_string(),
                deps: self.deps_view(whole),
            }
        });
        (aliases, whole_lock)
    }

    /// A name's choices with its versions' labels replaced by
    /// [`WHOLE_LOCK`]; the versions go into `whole` (where they were chosen).
    fn through_whole_lock(
        &self,
        chosen: Vec<(String, EnvSet)>,
        whole: &mut BTreeMap<String, EnvSet>,
    ) -> Vec<(String, EnvSet)> {
        let mut out: Vec<(String, EnvSet)> = Vec::new();
        for (label, envs) in chosen {
            let label = if label.starts_with(":_") {
                label
            } else {
                *whole.entry(label).or_insert_with(|| self.table.none()) |= &envs;
                WHOLE_LOCK.to_string()
            };
            match out.iter_mut().find(|(l, _)| *l == label) {
                Some((_, set)) => *set |= envs,
                None => out.push((label, envs)),
            }
        }
        out
    }

    /// Per package: where the single-target edges into it hold (from other
    /// packages and from the project's own dependencies), and whether any does.
    fn incoming(&self, edges: &[Vec<Edge>]) -> (Vec<EnvSet>, Vec<bool>) {
        let mut incoming: Vec<EnvSet> = vec![self.table.none(); self.lock.packages.len()];
        let mut has_incoming = vec![false; self.lock.packages.len()];
        let mut add = |target: usize, envs: &EnvSet| {
            incoming[target] |= envs;
            has_incoming[target] = true;
        };
        for edge in edges.iter().flatten() {
            if let Target::One(t) = edge.target {
                add(t, &edge.envs);
            }
        }
        let project_deps = self
            .lock
            .project
            .iter()
            .flat_map(|p| p.dependencies.values().flatten());
        for d in project_deps {
            if let Some([t]) = self.by_name.get(&d.name).map(Vec::as_slice) {
                add(*t, &self.table.eval(d.marker.as_ref(), None));
            }
        }
        (incoming, has_incoming)
    }

    /// Where entry `v` of a name applies: its package markers (holding with
    /// no extra or with any one of the project's extras selected: naming a
    /// package asks for it), else where the edges that resolve to it hold,
    /// else everywhere.
    fn applies(&self, v: usize, incoming: &[EnvSet], has_incoming: &[bool]) -> EnvSet {
        let eval = |m: &pep508_rs::MarkerTree| {
            self.table
                .eval_any_extra(m, |e| self.project_extras.contains(e))
        };
        match &self.lock.packages[v].markers {
            PackageMarkers::All(m) => eval(m),
            PackageMarkers::ByGroup(map) => {
                map.values().fold(self.table.none(), |acc, m| acc | eval(m))
            }
            PackageMarkers::None if has_incoming[v] => incoming[v].clone(),
            PackageMarkers::None => self.table.all(),
        }
    }

    /// Per entry of a name locked more than once: where it has a wheel (all
    /// of them ranked at once, over one [`ofiuco_spec::Ranker`]).
    fn coverage(&self) -> HashMap<usize, EnvSet> {
        let several: Vec<usize> = self
            .by_name
            .values()
            .filter(|versions| versions.len() > 1)
            .flatten()
            .copied()
            .collect();
        let packages = several.iter().map(|&v| &self.lock.packages[v]);
        let choices = wheels::choose_all(packages, self.table.envs());
        several
            .into_iter()
            .zip(choices)
            .map(|(v, choice)| {
                let envs = choice
                    .by_wheel
                    .into_iter()
                    .fold(self.table.none(), |acc, (_, envs)| acc | envs);
                (v, envs)
            })
            .collect()
    }

    /// `name[extra]`: the package plus the dependencies the extra enables.
    /// Those are edges of the package's highest version, resolved once by
    /// [`Self::resolve_edges`] like all others; only where they hold
    /// differs (their markers evaluated with the extra selected).
    fn extras(&self, edges: &[Vec<Edge>], graph: &graph::Graph) -> Vec<LibraryView> {
        let mut out = Vec::new();
        for (name, versions) in &self.by_name {
            let i = versions[0];
            let p = &self.lock.packages[i];
            if p.extras.is_empty() {
                continue;
            }
            // Dependency name -> its edges, so that each extra looks up the
            // names it lists instead of scanning every edge.
            let mut edges_named: HashMap<&str, Vec<&Edge>> = HashMap::new();
            for edge in &edges[i] {
                edges_named.entry(&edge.dep.name).or_default().push(edge);
            }
            for (extra, names) in &p.extras {
                let mut per_label: BTreeMap<String, EnvSet> = BTreeMap::new();
                per_label.insert(format!(":{name}"), self.table.all());
                let listed: BTreeSet<&str> = names.iter().map(String::as_str).collect();
                let listed_edges = listed.iter().filter_map(|n| edges_named.get(n)).flatten();
                for edge in listed_edges {
                    let envs = self.table.eval(edge.dep.marker.as_ref(), Some(extra));
                    if envs.is_empty() {
                        continue;
                    }
                    for label in self.edge_labels(usize::MAX, edge, graph) {
                        *per_label.entry(label).or_insert_with(|| self.table.none()) |= &envs;
                    }
                }
                out.push(LibraryView {
                    name: format!("{name}[{extra}]"),
                    deps: self.deps_view(per_label),
                });
            }
        }
        out
    }

    /// `group.<name>`: the pyproject's dependency groups. A dependency
    /// missing from the lock is one whose marker cannot hold (the reader
    /// refuses the others).
    fn groups(&self, _graph: &graph::Graph) -> Vec<LibraryView> {
        let Some(project) = &self.lock.project else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (group, deps) in &project.dependencies {
            let mut per_label: BTreeMap<String, EnvSet> = BTreeMap::new();
            for d in deps {
                if d.optional || !self.by_name.contains_key(&d.name) {
                    continue;
                }
                let envs = self.table.eval(d.marker.as_ref(), None);
                if envs.is_empty() {
                    continue;
                }
                // Without recorded edges a group is its own closure: the
                // lock lists its packages one by one (pylock.toml).
                let label = match d.package {
                    Some(i) if !self.lock.edges_recorded => format!(":{}", self.targets[i]),
                    _ => format!(":{}", d.name),
                };
                *per_label.entry(label).or_insert_with(|| self.table.none()) |= &envs;
                for extra in &d.extras {
                    if self.extra_exists(&d.name, extra) {
                        *per_label
                            .entry(format!(":{}[{}]", d.name, extra))
                            .or_insert_with(|| self.table.none()) |= &envs;
                    }
                }
            }
            let in_range = self.in_lock_range();
            if !self.lock.edges_recorded && in_range != self.table.all() {
                per_label.insert(":_outside_lock".to_string(), !&in_range);
            }
            // PEP 735 `include-group`: the included group's target.
            for included in project.includes.get(group).into_iter().flatten() {
                *per_label
                    .entry(format!(":group.{included}"))
                    .or_insert_with(|| self.table.none()) |= self.table.all();
            }
            out.push(LibraryView {
                name: format!("group.{group}"),
                deps: self.deps_view(per_label),
            });
        }
        out
    }
}

/// What BUILD.bazel is rendered from, but the targets.
struct BuildContext<'a> {
    lock_path: String,
    lock_version: &'a str,
    lock_name: String,
    python_range: String,
    outside_lock: bool,
}

#[cfg(test)]
impl BuildContext<'_> {
    /// BUILD.bazel rendered from the template by minijinja (the writer's oracle).
    fn render_part(
        &self,
        env: &Environment<'_>,
        packages: &[PackageView],
        aliases: &[AliasView],
        libraries: &[LibraryView],
    ) -> Result<String, HubError> {
        let ctx = minijinja::context! {
            lock_path => self.lock_path,
            lock_version => self.lock_version,
            packages => packages,
            aliases => aliases,
            libraries => libraries,
            lock_name => self.lock_name,
            python_range => self.python_range,
            outside_lock => self.outside_lock,
        };
        // Named, so that every value in it is written as a Starlark literal.
        env.template_from_named_str(
            starlark::BUILD_TEMPLATE,
            include_str!("../templates/BUILD.bazel.j2"),
        )
        .and_then(|template| template.render(&ctx))
        .map_err(|source| HubError::Template {
            file: "BUILD.bazel",
            source: Box::new(source),
        })
    }
}

/// What [`Renderer::wheel_independent_parts`] computes.
struct Parts {
    /// Per package: its `deps` and comments.
    package_deps: Vec<(Deps, Vec<String>)>,
    aliases: Vec<AliasView>,
    libraries: Vec<LibraryView>,
}

/// A dependency edge resolved against the lock.
#[derive(Debug, Clone)]
struct Edge {
    dep: Dependency,
    /// The locked version it points to, or several (then the name's alias decides).
    target: Target,
    /// Where its marker holds (extras not selected).
    envs: EnvSet,
}

/// What a public name stands for when the lock records no dependency edges.
const WHOLE_LOCK: &str = ":_lock";

/// Where a dependency edge points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// One locked version: the package index.
    One(usize),
    /// Any version of the dependency's name.
    Several,
}

/// The target of one locked version: `<name>__<version>`.
fn target_name(p: &Package) -> String {
    format!("{}__{}", p.name, p.version)
}

/// Where the worker's packages end: after about three quarters of the files
/// (the main thread first resolves the dependency side).
fn split_point(packages: &[Package]) -> usize {
    let total: usize = packages.iter().map(|p| p.files.len()).sum();
    let mut seen = 0;
    for (i, p) in packages.iter().enumerate() {
        if seen * 4 >= total * 3 {
            return i;
        }
        seen += p.files.len();
    }
    packages.len()
}

/// The template environment: see [`starlark`].
#[cfg(test)]
fn template_environment() -> Environment<'static> {
    starlark::environment()
}

/// Re-export so the graph module and tests can name environment values.
pub fn describe_env(env: &TargetEnv) -> String {
    env.to_string()
}

mod pep440_version {
    pub use pep440_rs::Version;
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    /// The two-thread BUILD.bazel equals the one-piece one.
    #[test]
    fn writer_writes_what_the_template_renders() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut locks: Vec<PathBuf> = ["poetry-1.1", "poetry-2.0", "poetry-2.1"]
            .iter()
            .map(|name| root.join(format!("../lock/tests/fixtures/{name}.lock")))
            .collect();
        locks.push(root.join("../../tests/hub/poetry.lock"));
        locks.retain(|path| path.is_file());
        // Every lock of the corpus.
        let mut dirs = vec![root.join("../../tests/corpus")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let (path, name) = (entry.path(), entry.file_name());
                let name = name.to_string_lossy();
                if path.is_dir() {
                    dirs.push(path);
                } else if name == "poetry.lock" || name == "uv.lock" || name.starts_with("pylock") {
                    locks.push(path);
                }
            }
        }
        assert!(locks.len() > 20, "{locks:?}");
        for path in locks {
            let Ok(lock) = ofiuco_lock::read_lock(&path) else {
                continue;
            };
            let opts = HubOptions {
                hub_name: "poetry".to_string(),
                ..Default::default()
            };
            let written = render(&lock, &opts).unwrap();
            let rendered = render_with_template(&lock, &opts).unwrap();
            assert!(written.build == rendered.build, "{}", path.display());
            assert_eq!(written.files, rendered.files);
        }
    }
}

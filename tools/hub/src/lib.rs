//! Renders the hub repository of a lock file: `BUILD.bazel` (one `package` per
//! locked version, aliases, extras, groups), `defs.bzl` (the environment table
//! and `pick()`), `_env/BUILD.bazel` (one `config_setting` per target
//! environment) and the list of distribution-file repositories to declare.
//!
//! Everything that depends on the target is decided here, once per target
//! environment of [`ofiuco_wheel::standard_envs`]: which wheel fits (PyPA tag
//! priority) and which dependency edges apply (PEP 508 markers). Bazel then
//! only `select()`s among precomputed answers, so it fetches nothing that the
//! configuration does not need.

mod envs;
mod files;
mod graph;
mod starlark;
mod wheels;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use minijinja::Environment;
use ofiuco_lock::{Dependency, Lock, Package, PackageMarkers};
use ofiuco_wheel::TargetEnv;
use serde::Serialize;

pub use envs::{EnvSet, EnvTable};
pub use starlark::string_literal;

/// What the caller chooses about the hub.
#[derive(Debug, Clone)]
pub struct HubOptions {
    /// The hub's apparent repository name (`poetry`); file repositories are `<hub>__<file>`.
    pub hub_name: String,
    /// The `3.X` version that the `auto` Python version setting stands for.
    pub host_python: String,
}

/// The rendered hub.
#[derive(Debug)]
pub struct HubFiles {
    /// `BUILD.bazel` at the hub's root.
    pub build: String,
    /// `defs.bzl` at the hub's root.
    pub defs: String,
    /// `_env/BUILD.bazel`.
    pub env_build: String,
    /// The distribution-file repositories the hub refers to.
    pub files: Vec<FileRepo>,
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
}

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("invalid host Python version {}: expected `3.X`, e.g. `3.12`", ofiuco_lock::quoted(.0))]
    HostPython(String),
    #[error("cannot render the hub's {file}: {source}")]
    Template {
        file: &'static str,
        #[source]
        source: minijinja::Error,
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
    deps: Deps,
    comments: Vec<String>,
}

#[derive(Debug, Serialize)]
struct AliasView {
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
    let host = parse_python(&opts.host_python)?;
    let table = EnvTable::new(host);
    Renderer::new(lock, opts, &table).render()
}

/// [`render`], with BUILD.bazel rendered in one piece (for tests of the split).
#[cfg(test)]
fn render_unsplit(lock: &Lock, opts: &HubOptions) -> Result<HubFiles, HubError> {
    let host = parse_python(&opts.host_python)?;
    let table = EnvTable::new(host);
    let mut renderer = Renderer::new(lock, opts, &table);
    renderer.split_build = false;
    renderer.render()
}

fn parse_python(value: &str) -> Result<(u8, u8), HubError> {
    let bad = || HubError::HostPython(value.to_string());
    let (major, minor) = value.split_once('.').ok_or_else(bad)?;
    Ok((
        major.parse().map_err(|_| bad())?,
        minor.parse().map_err(|_| bad())?,
    ))
}

struct Renderer<'a> {
    lock: &'a Lock,
    opts: &'a HubOptions,
    table: &'a EnvTable,
    /// Normalized name -> indices into `lock.packages`, highest version first.
    by_name: BTreeMap<String, Vec<usize>>,
    /// Package index -> its target name: `<name>__<version>`, with `__2`,
    /// `__3`… for further entries of the same name and version (e.g. one
    /// `url` wheel per Python version).
    targets: Vec<String>,
    /// Render BUILD.bazel in two halves on two threads.
    split_build: bool,
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
            split_build: true,
        }
    }

    fn render(self) -> Result<HubFiles, HubError> {
        let env = template_environment();
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
        let (parts, side) = std::thread::scope(|scope| {
            let worker = scope.spawn(move || {
                let mut side = files::WheelSide::new(hub_name, envs.len(), packages.len());
                side.extend(head, wheels::choose_all(head, envs));
                side
            });
            let parts = self.wheel_independent_parts(&env);
            let tail_choices = wheels::choose_all(tail, envs);
            let mut side = worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            side.extend(tail, tail_choices);
            (parts, side)
        });
        let (wheel_parts, mut files) = side.finish();
        let Parts {
            package_deps,
            aliases,
            libraries,
            defs,
            env_build,
        } = parts?;
        let packages: Vec<PackageView> = self
            .lock
            .packages
            .iter()
            .zip(wheel_parts)
            .zip(package_deps)
            .zip(&self.targets)
            .map(|(((p, wheel), (deps, comments)), target)| PackageView {
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
        let build = BuildContext {
            lock_path: self.lock.path.display().to_string(),
            lock_version: &self.lock.lock_version,
            host_python: &self.opts.host_python,
            envs: self.table.views(),
        }
        .render(&env, &packages, &aliases, &libraries, self.split_build)?;
        files.sort_by(|a, b| a.repo.cmp(&b.repo));
        Ok(HubFiles {
            build,
            defs,
            env_build,
            files,
        })
    }

    /// What does not depend on the wheel choice: each package's dependencies
    /// and comments, aliases, extras and groups, `defs.bzl` and `_env/BUILD.bazel`.
    fn wheel_independent_parts(&self, env: &Environment<'_>) -> Result<Parts, HubError> {
        let edges = self.resolve_edges();
        let graph = graph::Graph::new(self.lock.packages.len(), &edges);
        let package_deps = (0..self.lock.packages.len())
            .map(|i| self.package_deps(i, &edges, &graph))
            .collect();
        let mut aliases = self.aliases(&edges, &graph);
        let mut libraries = self.extras(&graph);
        libraries.extend(self.groups(&graph));
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
        // Everything of the BUILD.bazel context but the targets.
        let ctx = minijinja::context! {
            lock_path => self.lock.path.display().to_string(),
            lock_version => self.lock.lock_version,
            host_python => self.opts.host_python,
            envs => self.table.views(),
        };
        let render = |file: &'static str, text: &str| {
            env.render_str(text, &ctx)
                .map_err(|source| HubError::Template { file, source })
        };
        let defs = render("defs.bzl", include_str!("../templates/defs.bzl.j2"))?;
        let env_build = render(
            "_env/BUILD.bazel",
            include_str!("../templates/env_BUILD.bazel.j2"),
        )?;
        Ok(Parts {
            package_deps,
            aliases,
            libraries,
            defs,
            env_build,
        })
    }

    /// For every package, its dependency edges resolved to package indices.
    fn resolve_edges(&self) -> Vec<Vec<Edge>> {
        self.lock
            .packages
            .iter()
            .map(|p| {
                p.dependencies
                    .iter()
                    .filter_map(|d| {
                        let candidates = self.by_name.get(&d.name)?;
                        let targets: Vec<usize> = if candidates.len() == 1 {
                            candidates.clone()
                        } else {
                            let fitting: Vec<usize> = candidates
                                .iter()
                                .copied()
                                .filter(|c| {
                                    d.constraint.as_deref().is_none_or(|constraint| {
                                        ofiuco_lock::constraint_allows(
                                            constraint,
                                            &self.lock.packages[*c].version,
                                        )
                                    })
                                })
                                .collect();
                            if fitting.is_empty() {
                                candidates.clone()
                            } else {
                                fitting
                            }
                        };
                        Some(Edge {
                            dep: d.clone(),
                            targets,
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
            if edge.dep.optional || edge.envs == 0 {
                continue;
            }
            for label in self.edge_labels(i, edge, graph) {
                *per_label.entry(label).or_default() |= edge.envs;
            }
        }
        (self.deps_view(per_label), graph.dropped_comments(i))
    }

    /// The labels an edge of package `from` points to: the version target(s)
    /// (or its cycle group), plus `name[extra]` for requested extras.
    fn edge_labels(&self, from: usize, edge: &Edge, graph: &graph::Graph) -> Vec<String> {
        let mut labels = Vec::new();
        if edge.targets.len() == 1 {
            let t = edge.targets[0];
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
                    envs: self.table.indices(envs),
                });
            }
        }
        deps
    }

    /// `:name` for every locked name, spelling variants, and per-environment
    /// version choice where a name is locked at several versions.
    fn aliases(&self, edges: &[Vec<Edge>], graph: &graph::Graph) -> Vec<AliasView> {
        let mut incoming: Vec<EnvSet> = vec![0; self.lock.packages.len()];
        let mut has_incoming = vec![false; self.lock.packages.len()];
        for edge in edges.iter().flatten() {
            if edge.targets.len() == 1 {
                incoming[edge.targets[0]] |= edge.envs;
                has_incoming[edge.targets[0]] = true;
            }
        }
        let mut taken: BTreeSet<String> = self.by_name.keys().cloned().collect();
        let mut aliases = Vec::new();
        for (name, versions) in &self.by_name {
            let label_of = |i: usize| match graph.group_of(i) {
                Some(g) => format!(":{g}"),
                None => format!(":{}", self.targets[i]),
            };
            if versions.len() == 1 {
                aliases.push(AliasView {
                    name: name.clone(),
                    actual: Some(label_of(versions[0])),
                    groups: Vec::new(),
                    default: String::new(),
                });
            } else {
                // Highest version first: each environment takes the first version that applies there.
                let mut remaining = self.table.all();
                let mut chosen: Vec<(usize, EnvSet)> = Vec::new();
                let mut choose =
                    |v: usize, envs: EnvSet| match chosen.iter_mut().find(|(c, _)| *c == v) {
                        Some((_, set)) => *set |= envs,
                        None => chosen.push((v, envs)),
                    };
                for &v in versions {
                    let applies = self.applies(v, &incoming, &has_incoming);
                    // Among the entries that apply, prefer one with a file for the environment.
                    let covered = self.coverage(v);
                    let envs = applies & remaining & covered;
                    remaining &= !envs;
                    if envs != 0 {
                        choose(v, envs);
                    }
                }
                // Environments no entry has a file for: the first that applies (its error names the target).
                for &v in versions {
                    let envs = self.applies(v, &incoming, &has_incoming) & remaining;
                    remaining &= !envs;
                    if envs != 0 {
                        choose(v, envs);
                    }
                }
                let groups = chosen
                    .into_iter()
                    .map(|(v, envs)| Group {
                        value: label_of(v),
                        envs: self.table.indices(envs),
                    })
                    .collect();
                aliases.push(AliasView {
                    name: name.clone(),
                    actual: None,
                    groups,
                    default: label_of(versions[0]),
                });
            }
            for v in versions {
                let display = &self.lock.packages[*v].display_name;
                for variant in [
                    display.clone(),
                    display.to_lowercase(),
                    name.replace('-', "_"),
                    display.replace(['-', '.'], "_"),
                ] {
                    if taken.insert(variant.clone()) {
                        aliases.push(AliasView {
                            name: variant,
                            actual: Some(format!(":{name}")),
                            groups: Vec::new(),
                            default: String::new(),
                        });
                    }
                }
            }
        }
        aliases
    }

    /// Where entry `v` of a name applies: its package markers, else where the
    /// edges that resolve to it hold, else everywhere.
    fn applies(&self, v: usize, incoming: &[EnvSet], has_incoming: &[bool]) -> EnvSet {
        match &self.lock.packages[v].markers {
            PackageMarkers::All(m) => self.table.eval(Some(m), None),
            PackageMarkers::ByGroup(map) => map
                .values()
                .fold(0, |acc, m| acc | self.table.eval(Some(m), None)),
            PackageMarkers::None if has_incoming[v] => incoming[v],
            PackageMarkers::None => self.table.all(),
        }
    }

    /// Where entry `v` has a wheel (only computed for names locked more than once).
    fn coverage(&self, v: usize) -> EnvSet {
        let p = std::slice::from_ref(&self.lock.packages[v]);
        wheels::choose_all(p, self.table.envs())
            .into_iter()
            .flatten()
            .fold(0, |acc, (_, envs)| acc | envs)
    }

    /// `name[extra]`: the package plus the dependencies the extra enables.
    fn extras(&self, graph: &graph::Graph) -> Vec<LibraryView> {
        let mut out = Vec::new();
        for (name, versions) in &self.by_name {
            let i = versions[0];
            let p = &self.lock.packages[i];
            for (extra, names) in &p.extras {
                let mut per_label: BTreeMap<String, EnvSet> = BTreeMap::new();
                per_label.insert(format!(":{name}"), self.table.all());
                for d in &p.dependencies {
                    if !names.contains(&d.name) {
                        continue;
                    }
                    let envs = self.table.eval(d.marker.as_ref(), Some(extra));
                    if envs == 0 {
                        continue;
                    }
                    let Some(targets) = self.by_name.get(&d.name) else {
                        continue;
                    };
                    let targets = if targets.len() == 1 {
                        targets.clone()
                    } else {
                        Vec::new()
                    };
                    let edge = Edge {
                        dep: d.clone(),
                        targets,
                        envs,
                    };
                    for label in self.edge_labels(usize::MAX, &edge, graph) {
                        *per_label.entry(label).or_default() |= envs;
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
                if envs == 0 {
                    continue;
                }
                *per_label.entry(format!(":{}", d.name)).or_default() |= envs;
                for extra in &d.extras {
                    if self.extra_exists(&d.name, extra) {
                        *per_label
                            .entry(format!(":{}[{}]", d.name, extra))
                            .or_default() |= envs;
                    }
                }
            }
            // PEP 735 `include-group`: the included group's target.
            for included in project.includes.get(group).into_iter().flatten() {
                *per_label.entry(format!(":group.{included}")).or_default() |= self.table.all();
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
    host_python: &'a str,
    envs: Vec<envs::EnvView>,
}

impl BuildContext<'_> {
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
            host_python => self.host_python,
            envs => self.envs,
        };
        // Named, so that every value in it is written as a Starlark literal.
        env.template_from_named_str(
            starlark::BUILD_TEMPLATE,
            include_str!("../templates/BUILD.bazel.j2"),
        )
        .and_then(|template| template.render(&ctx))
        .map_err(|source| HubError::Template {
            file: "BUILD.bazel",
            source,
        })
    }

    /// BUILD.bazel, rendered in two halves on two threads. The template is a
    /// header followed by one loop each over packages, aliases and libraries,
    /// so the whole is the first half's packages rendered alone, followed by
    /// the rest rendered without its header (the text rendered from no
    /// targets at all). Where that does not hold, it renders in one piece.
    fn render(
        &self,
        env: &Environment<'_>,
        packages: &[PackageView],
        aliases: &[AliasView],
        libraries: &[LibraryView],
        split: bool,
    ) -> Result<String, HubError> {
        if !split {
            return self.render_part(env, packages, aliases, libraries);
        }
        let (first, second) = packages.split_at(packages.len() / 2);
        let (head, tail, header) = std::thread::scope(|scope| {
            let head = scope.spawn(|| self.render_part(env, first, &[], &[]));
            let tail = self.render_part(env, second, aliases, libraries);
            let header = self.render_part(env, &[], &[], &[]);
            let head = head
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (head, tail, header)
        });
        let (mut head, tail, header) = (head?, tail?, header?);
        match tail.strip_prefix(header.as_str()) {
            Some(rest) if head.starts_with(header.as_str()) => {
                head.push_str(rest);
                Ok(head)
            }
            _ => self.render_part(env, packages, aliases, libraries),
        }
    }
}

/// What [`Renderer::wheel_independent_parts`] computes.
struct Parts {
    /// Per package: its `deps` and comments.
    package_deps: Vec<(Deps, Vec<String>)>,
    aliases: Vec<AliasView>,
    libraries: Vec<LibraryView>,
    defs: String,
    env_build: String,
}

/// A dependency edge resolved against the lock.
#[derive(Debug, Clone)]
struct Edge {
    dep: Dependency,
    /// The locked versions it may point to (one, or several: then the alias decides).
    targets: Vec<usize>,
    /// Where its marker holds (extras not selected).
    envs: EnvSet,
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
    fn split_build_renders_like_one_piece() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut locks: Vec<PathBuf> = ["poetry-1.1", "poetry-2.0", "poetry-2.1"]
            .iter()
            .map(|name| root.join(format!("../lock/tests/fixtures/{name}.lock")))
            .collect();
        let big = root.join("../../../shared/corpus/dlt-hub__dlt/@b1cff8cc66/poetry.lock");
        if big.is_file() {
            locks.push(big);
        }
        for path in locks {
            let lock = ofiuco_lock::read_poetry_lock(&path).unwrap();
            for host_python in ["3.12", "3.9"] {
                let opts = HubOptions {
                    hub_name: "poetry".to_string(),
                    host_python: host_python.to_string(),
                };
                let split = render(&lock, &opts).unwrap();
                let whole = render_unsplit(&lock, &opts).unwrap();
                assert!(split.build == whole.build, "{}", path.display());
                assert_eq!(split.files, whole.files);
            }
        }
    }
}

//! pyproject.toml -> [`Project`]: PEP 621 `[project]`, PEP 735
//! `[dependency-groups]`, and poetry's `[tool.poetry]` dependency tables.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::str::FromStr;

use pep508_rs::{Requirement, VerbatimUrl, VersionOrUrl};
use toml::Spanned;

use crate::error::LockError;
use crate::model::{Project, ProjectDependency};
use crate::normalize_name;
use crate::poetry::{convert_dependency, MarkerCache, TextFile};
use crate::raw::{RawDep, RawGroupItem, RawPyproject};
use crate::validate;

/// The group of runtime dependencies.
pub const MAIN_GROUP: &str = "main";

/// Where the dependencies of a [`Project`] are written: group -> the line of
/// each of its dependencies (parallel to [`Project::dependencies`]).
pub(crate) type ProjectLines = BTreeMap<String, Vec<usize>>;

pub(crate) fn parse_pyproject(
    text: &str,
    path: &Path,
) -> Result<(Project, ProjectLines), LockError> {
    let raw: RawPyproject =
        toml::from_str(text).map_err(|e| LockError::from_toml(path, text, &e))?;
    let file = TextFile::new(path, text);
    let mut out = Out::default();
    let poetry = raw.tool.as_ref().and_then(|t| t.poetry.as_ref());
    out.project.name = raw
        .project
        .as_ref()
        .and_then(|p| p.name.clone())
        .or_else(|| poetry.and_then(|p| p.name.clone()));

    // PEP 621.
    if let Some(pep621) = &raw.project {
        for text in &pep621.dependencies {
            let dep = pep508(text.get_ref(), path, "`project.dependencies`", false)?;
            out.push(MAIN_GROUP, dep, file.line(text));
        }
        for (extra, requirements) in &pep621.optional_dependencies {
            file.name(extra, &|| "the extra".to_string())?;
            let mut names = Vec::new();
            for text in requirements {
                let context = format!("`project.optional-dependencies.{}`", extra.get_ref());
                let dep = pep508(text.get_ref(), path, &context, true)?;
                names.push(dep.name.clone());
                out.push(MAIN_GROUP, dep, file.line(text));
            }
            out.project
                .extras
                .insert(normalize_name(extra.get_ref()), names);
        }
    }

    // PEP 735.
    if let Some(groups) = &raw.dependency_groups {
        dependency_groups(groups, &file, &mut out)?;
    }

    // Poetry. With PEP 621 present, `tool.poetry.dependencies` only enriches
    // what `project.dependencies` already lists, so names already seen in a
    // group are not added again.
    if let Some(poetry) = poetry {
        let mut markers = MarkerCache::new(path);
        let mut tables = vec![(MAIN_GROUP.to_string(), &poetry.dependencies)];
        tables.push(("dev".to_string(), &poetry.dev_dependencies));
        for (group, table) in &poetry.group {
            tables.push((group.get_ref().clone(), &table.dependencies));
        }
        for (group, table) in tables {
            let prefix = if group == MAIN_GROUP {
                "`tool.poetry.dependencies`".to_string()
            } else {
                format!("group {}", crate::quoted(&group))
            };
            let known: BTreeSet<String> = out
                .project
                .dependencies
                .get(&group)
                .map(|deps| deps.iter().map(|d| d.name.clone()).collect())
                .unwrap_or_default();
            let mut deps = Vec::new();
            for (name, spec) in table {
                if name.get_ref() == "python" {
                    continue;
                }
                file.name(name, &|| format!("a dependency of {prefix}"))?;
                if known.contains(&normalize_name(name.get_ref())) {
                    continue;
                }
                let line = file.line(name);
                for dep in poetry_dependency(name.get_ref(), spec, &mut markers, &prefix)? {
                    deps.push((dep, line));
                }
            }
            // toml does not keep table order: sort by normalized name.
            deps.sort_by(|a, b| a.0.name.cmp(&b.0.name));
            for (dep, line) in deps {
                out.push(&group, dep, line);
            }
        }
        for (extra, names) in &poetry.extras {
            file.name(extra, &|| "the extra".to_string())?;
            let mut normalized = Vec::with_capacity(names.len());
            for name in names {
                file.name(name, &|| {
                    format!("a package of extra {}", crate::quoted(extra.get_ref()))
                })?;
                normalized.push(normalize_name(name.get_ref()));
            }
            out.project
                .extras
                .entry(normalize_name(extra.get_ref()))
                .or_insert(normalized);
        }
    }

    Ok((out.project, out.lines))
}

/// The project being read, with the line of each dependency.
#[derive(Default)]
struct Out {
    project: Project,
    lines: ProjectLines,
}

impl Out {
    fn push(&mut self, group: &str, dep: ProjectDependency, line: usize) {
        self.project
            .dependencies
            .entry(group.to_string())
            .or_default()
            .push(dep);
        self.lines.entry(group.to_string()).or_default().push(line);
    }
}

fn pep508(
    text: &str,
    path: &Path,
    context: &str,
    optional: bool,
) -> Result<ProjectDependency, LockError> {
    let invalid = |message: String| LockError::InvalidRequirement {
        path: path.to_path_buf(),
        package: Some(context.to_string()),
        requirement: text.to_string(),
        message,
    };
    if let Some(problem) = validate::requirement_problem(text) {
        return Err(invalid(problem));
    }
    let req =
        Requirement::<VerbatimUrl>::from_str(text).map_err(|e| invalid(e.message.to_string()))?;
    let constraint = match &req.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specs)) if !specs.is_empty() => Some(specs.to_string()),
        _ => None,
    };
    Ok(ProjectDependency {
        name: req.name.to_string(),
        extras: req.extras.iter().map(ToString::to_string).collect(),
        marker: (!req.marker.is_true()).then_some(req.marker),
        optional,
        constraint,
        package: None,
    })
}

/// PEP 735 `[dependency-groups]`: each group's own requirements go into the
/// project; its `include-group`s into [`Project::includes`], checked to name
/// groups and to form no cycle (both errors in PEP 735). Linear in the table.
fn dependency_groups(
    groups: &BTreeMap<Spanned<String>, Vec<RawGroupItem>>,
    file: &TextFile<'_>,
    out: &mut Out,
) -> Result<(), LockError> {
    // Normalized name -> the group's key as written (the first, if several
    // spellings normalize alike).
    let mut by_name: HashMap<String, &Spanned<String>> = HashMap::with_capacity(groups.len());
    for group in groups.keys() {
        file.name(group, &|| "dependency group".to_string())?;
        by_name
            .entry(normalize_name(group.get_ref()))
            .or_insert(group);
    }
    let mut includes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (group, items) in groups {
        let context = format!("`dependency-groups.{}`", group.get_ref());
        let line = file.line(group);
        for item in items {
            match item {
                RawGroupItem::Requirement(text) => {
                    let dep = pep508(text, file.path, &context, false)?;
                    out.push(group.get_ref(), dep, line);
                }
                RawGroupItem::Include { include_group } => {
                    let Some(included) = by_name.get(&normalize_name(include_group)) else {
                        return Err(LockError::UnknownDependencyGroup {
                            path: file.path.to_path_buf(),
                            line,
                            group: group.get_ref().clone(),
                            included: include_group.clone(),
                        });
                    };
                    let list = includes.entry(group.get_ref().clone()).or_default();
                    if !list.contains(included.get_ref()) {
                        list.push(included.get_ref().clone());
                    }
                }
            }
        }
        // A group with only includes still is a group.
        out.project
            .dependencies
            .entry(group.get_ref().clone())
            .or_default();
        out.lines.entry(group.get_ref().clone()).or_default();
    }
    check_acyclic(&includes, file.path)?;
    out.project.includes = includes;
    Ok(())
}

/// Fails on an include cycle, naming its groups. Iterative depth-first
/// search: each group and include is visited once.
fn check_acyclic(includes: &BTreeMap<String, Vec<String>>, path: &Path) -> Result<(), LockError> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Open,
        Done,
    }
    let mut state: HashMap<&str, State> = HashMap::with_capacity(includes.len());
    for root in includes.keys() {
        if state.contains_key(root.as_str()) {
            continue;
        }
        // (group, index of its next include); the stack is the current path.
        let mut stack: Vec<(&str, usize)> = vec![(root, 0)];
        state.insert(root, State::Open);
        while let Some(&(group, next)) = stack.last() {
            let children = includes.get(group).map(Vec::as_slice).unwrap_or_default();
            let Some(child) = children.get(next) else {
                state.insert(group, State::Done);
                stack.pop();
                continue;
            };
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            match state.get(child.as_str()) {
                Some(State::Done) => {}
                Some(State::Open) => {
                    let start = stack
                        .iter()
                        .position(|(g, _)| *g == child.as_str())
                        .unwrap_or_default();
                    let mut cycle: Vec<String> =
                        stack[start..].iter().map(|(g, _)| g.to_string()).collect();
                    cycle.push(child.clone());
                    return Err(LockError::DependencyGroupCycle {
                        path: path.to_path_buf(),
                        group: child.clone(),
                        cycle,
                    });
                }
                None => {
                    state.insert(child, State::Open);
                    stack.push((child, 0));
                }
            }
        }
    }
    Ok(())
}

fn poetry_dependency(
    name: &str,
    spec: &RawDep,
    markers: &mut MarkerCache,
    prefix: &str,
) -> Result<Vec<ProjectDependency>, LockError> {
    let context = || format!("{prefix}, dependency `{name}`");
    spec.items()
        .iter()
        .map(|item| {
            let dep = convert_dependency(name, item, markers, &context)?;
            Ok(ProjectDependency {
                name: dep.name,
                extras: dep.extras,
                marker: dep.marker,
                optional: dep.optional,
                constraint: dep.constraint,
                package: None,
            })
        })
        .collect()
}

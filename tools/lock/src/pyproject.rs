//! pyproject.toml -> [`Project`]: PEP 621 `[project]`, PEP 735
//! `[dependency-groups]`, and poetry's `[tool.poetry]` dependency tables.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use pep508_rs::{Requirement, VerbatimUrl, VersionOrUrl};

use crate::error::LockError;
use crate::model::{Project, ProjectDependency};
use crate::poetry::{convert_dependency, MarkerCache};
use crate::raw::{RawDep, RawGroupItem, RawPyproject};
use crate::{normalize_name, package_name, PackageName};

/// The group of runtime dependencies.
pub const MAIN_GROUP: &str = "main";

pub(crate) fn parse_pyproject(text: &str, path: &Path) -> Result<Project, LockError> {
    let raw: RawPyproject =
        toml::from_str(text).map_err(|e| LockError::from_toml(path, text, &e))?;
    let mut project = Project::default();
    let poetry = raw.tool.as_ref().and_then(|t| t.poetry.as_ref());
    project.name = raw
        .project
        .as_ref()
        .and_then(|p| p.name.clone())
        .or_else(|| poetry.and_then(|p| p.name.clone()));

    // PEP 621.
    if let Some(pep621) = &raw.project {
        for text in &pep621.dependencies {
            let dep = pep508(text, path, "`project.dependencies`", false)?;
            push(&mut project, MAIN_GROUP, dep);
        }
        for (extra, requirements) in &pep621.optional_dependencies {
            let mut names = Vec::new();
            for text in requirements {
                let context = format!("`project.optional-dependencies.{extra}`");
                let dep = pep508(text, path, &context, true)?;
                names.push(dep.name.clone());
                push(&mut project, MAIN_GROUP, dep);
            }
            project.extras.insert(normalize_name(extra), names);
        }
    }

    // PEP 735.
    if let Some(groups) = &raw.dependency_groups {
        for group in groups.keys() {
            let mut seen = BTreeSet::new();
            for dep in dependency_group(groups, group, path, &mut seen)? {
                push(&mut project, group, dep);
            }
        }
    }

    // Poetry. With PEP 621 present, `tool.poetry.dependencies` only enriches
    // what `project.dependencies` already lists, so names already seen in a
    // group are not added again.
    if let Some(poetry) = poetry {
        let mut markers = MarkerCache::new(path);
        let mut tables = vec![(MAIN_GROUP.to_string(), &poetry.dependencies)];
        tables.push(("dev".to_string(), &poetry.dev_dependencies));
        for (group, table) in &poetry.group {
            tables.push((group.clone(), &table.dependencies));
        }
        for (group, table) in tables {
            let prefix = if group == MAIN_GROUP {
                "`tool.poetry.dependencies`".to_string()
            } else {
                format!("group `{group}`")
            };
            let known: BTreeSet<PackageName> = project
                .dependencies
                .get(&group)
                .map(|deps| deps.iter().map(|d| d.name.clone()).collect())
                .unwrap_or_default();
            let mut deps = Vec::new();
            for (name, spec) in table {
                if name == "python" || known.contains(normalize_name(name).as_str()) {
                    continue;
                }
                deps.extend(poetry_dependency(name, spec, path, &mut markers, &prefix)?);
            }
            // toml does not keep table order: sort by normalized name.
            deps.sort_by(|a, b| a.name.cmp(&b.name));
            for dep in deps {
                push(&mut project, &group, dep);
            }
        }
        for (extra, names) in &poetry.extras {
            let names = names
                .iter()
                .map(|n| package_name(path, n, || format!("`tool.poetry.extras.{extra}`")))
                .collect::<Result<_, _>>()?;
            project.extras.entry(normalize_name(extra)).or_insert(names);
        }
    }

    Ok(project)
}

fn push(project: &mut Project, group: &str, dep: ProjectDependency) {
    project
        .dependencies
        .entry(group.to_string())
        .or_default()
        .push(dep);
}

fn pep508(
    text: &str,
    path: &Path,
    context: &str,
    optional: bool,
) -> Result<ProjectDependency, LockError> {
    let req =
        Requirement::<VerbatimUrl>::from_str(text).map_err(|e| LockError::InvalidRequirement {
            path: path.to_path_buf(),
            package: Some(context.to_string()),
            requirement: text.to_string(),
            message: e.message.to_string(),
        })?;
    let constraint = match &req.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specs)) if !specs.is_empty() => Some(specs.to_string()),
        _ => None,
    };
    Ok(ProjectDependency {
        name: package_name(path, req.name.as_ref(), || context.to_string())?,
        extras: req.extras.iter().map(ToString::to_string).collect(),
        marker: (!req.marker.is_true()).then_some(req.marker),
        optional,
        constraint,
    })
}

fn dependency_group(
    groups: &BTreeMap<String, Vec<RawGroupItem>>,
    group: &str,
    path: &Path,
    seen: &mut BTreeSet<String>,
) -> Result<Vec<ProjectDependency>, LockError> {
    let mut deps = Vec::new();
    if !seen.insert(normalize_name(group)) {
        return Ok(deps); // include cycle: already expanded
    }
    let Some(items) = groups
        .iter()
        .find(|(name, _)| normalize_name(name) == normalize_name(group))
        .map(|(_, items)| items)
    else {
        return Ok(deps);
    };
    for item in items {
        match item {
            RawGroupItem::Requirement(text) => {
                let context = format!("`dependency-groups.{group}`");
                deps.push(pep508(text, path, &context, false)?);
            }
            RawGroupItem::Include { include_group } => {
                deps.extend(dependency_group(groups, include_group, path, seen)?);
            }
        }
    }
    Ok(deps)
}

fn poetry_dependency(
    name: &str,
    spec: &RawDep,
    path: &Path,
    markers: &mut MarkerCache,
    prefix: &str,
) -> Result<Vec<ProjectDependency>, LockError> {
    let context = || format!("{prefix}, dependency `{name}`");
    spec.items()
        .iter()
        .map(|item| {
            let dep = convert_dependency(name, item, path, markers, &context)?;
            Ok(ProjectDependency {
                name: dep.name,
                extras: dep.extras,
                marker: dep.marker,
                optional: dep.optional,
                constraint: dep.constraint,
            })
        })
        .collect()
}

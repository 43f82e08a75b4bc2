//! References between the entries of a lock: a dependency that can apply
//! names a locked package.
//!
//! Poetry leaves out of the lock the dependencies whose marker cannot hold
//! for the project's `python-versions` (`typed-ast; python_version < "3.8"`
//! in a `>=3.8` project), and the requirements of extras that nothing
//! requests. So a name missing from the lock is an error only when it is
//! needed: a dependency of a locked package, a requirement of an extra that
//! a dependency requests, or a dependency of the project; and only when its
//! marker can hold together with the lock's `python-versions` (and the
//! package's own `python-versions` and markers).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use pep508_rs::MarkerTree;

use crate::constraint::python_marker;
use crate::error::LockError;
use crate::model::{Lock, PackageMarkers};
use crate::poetry::PackageRefs;
use crate::pyproject::{ProjectLines, MAIN_GROUP};
use ofiuco_spec::text::quoted;

pub(crate) fn references(
    lock: &Lock,
    refs: &[PackageRefs],
    project_lines: Option<&ProjectLines>,
    pyproject: Option<&Path>,
) -> Result<(), LockError> {
    let mut locked: HashMap<&str, Vec<usize>> = HashMap::with_capacity(lock.packages.len());
    for (i, p) in lock.packages.iter().enumerate() {
        locked.entry(p.name.as_str()).or_default().push(i);
    }
    let universe = python_scope(lock.python_versions.as_deref());
    // Packages share a few `python-versions`: each is turned into a marker once.
    let mut python_scopes: HashMap<&str, MarkerTree> = HashMap::new();
    // Where each package applies: the lock's Python, its own, its markers.
    let scopes: Vec<MarkerTree> = lock
        .packages
        .iter()
        .map(|p| {
            let mut scope = universe.clone();
            if let Some(constraint) = p.python_versions.as_deref() {
                let python = python_scopes
                    .entry(constraint)
                    .or_insert_with(|| python_scope(Some(constraint)));
                scope.and(python.clone());
            }
            match &p.markers {
                PackageMarkers::None => {}
                PackageMarkers::All(m) => scope.and(m.clone()),
                PackageMarkers::ByGroup(map) => {
                    let mut any = MarkerTree::FALSE;
                    for m in map.values() {
                        any.or(m.clone());
                    }
                    scope.and(any);
                }
            }
            scope
        })
        .collect();
    let can_hold = |scope: &MarkerTree, marker: Option<&MarkerTree>| {
        let mut m = scope.clone();
        if let Some(marker) = marker {
            m.and(marker.clone());
        }
        !m.is_false()
    };
    let this = |i: usize| {
        let p = &lock.packages[i];
        format!("package `{}` {}", p.display_name, p.version)
    };
    let missing = |path: &Path, line: usize, from: String, name: &str, extra: Option<String>| {
        LockError::MissingDependency {
            path: path.to_path_buf(),
            line,
            from,
            dependency: name.to_string(),
            extra,
        }
    };

    // Requested extras: (package index, extra) -> who requests it.
    let mut requested: Vec<(usize, String, String)> = Vec::new();
    let mut seen: HashSet<(usize, String)> = HashSet::new();
    let mut request =
        |name: &str, constraint: Option<&str>, extras: &[String], by: &dyn Fn() -> String| {
            for &t in locked.get(name).map(Vec::as_slice).unwrap_or_default() {
                let version = &lock.packages[t].version;
                if constraint.is_some_and(|c| !crate::constraint_allows(c, version)) {
                    continue;
                }
                for extra in extras {
                    if seen.insert((t, extra.clone())) {
                        requested.push((t, extra.clone(), by()));
                    }
                }
            }
        };

    for (i, (p, r)) in lock.packages.iter().zip(refs).enumerate() {
        for (d, &line) in p.dependencies.iter().zip(&r.dependency_lines) {
            if !can_hold(&scopes[i], d.marker.as_ref()) {
                continue;
            }
            if !locked.contains_key(d.name.as_str()) {
                return Err(missing(&lock.path, line, this(i), &d.name, None));
            }
            if !d.extras.is_empty() {
                request(&d.name, d.constraint.as_deref(), &d.extras, &|| this(i));
            }
        }
    }
    if let (Some(project), Some(lines), Some(pyproject)) = (&lock.project, project_lines, pyproject)
    {
        for (group, deps) in &project.dependencies {
            let from = || match group.as_str() {
                MAIN_GROUP => "the project".to_string(),
                group => format!("dependency group {}", quoted(group)),
            };
            let lines = lines.get(group).map(Vec::as_slice).unwrap_or_default();
            for (d, &line) in deps.iter().zip(lines) {
                if !can_hold(&universe, d.marker.as_ref()) {
                    continue;
                }
                if !locked.contains_key(d.name.as_str()) {
                    return Err(missing(pyproject, line, from(), &d.name, None));
                }
                if !d.extras.is_empty() {
                    request(&d.name, d.constraint.as_deref(), &d.extras, &from);
                }
            }
        }
    }

    for (t, extra, by) in requested {
        let Some(requirements) = refs[t].extras.get(&extra) else {
            continue; // an extra the package does not declare (pip warns)
        };
        for req in requirements {
            if locked.contains_key(req.name.as_str()) || !can_hold(&scopes[t], req.marker.as_ref())
            {
                continue;
            }
            let p = &lock.packages[t];
            let via = format!("`{}[{extra}]`, which {by} requests", p.display_name);
            return Err(missing(&lock.path, req.line, this(t), &req.name, Some(via)));
        }
    }
    Ok(())
}

/// A `python-versions` constraint as a marker (`TRUE` for none, `*`, or one
/// that the reader has not refused but that has no marker form).
fn python_scope(constraint: Option<&str>) -> MarkerTree {
    constraint
        .and_then(|c| python_marker(c).ok().flatten())
        .unwrap_or(MarkerTree::TRUE)
}

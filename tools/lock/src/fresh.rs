//! Is a lock still the lock of its `pyproject.toml`? (`ofiuco check-lock`,
//! the hub's `:lock_test`.)
//!
//! * **poetry.lock**: [`poetry_content_hash`] recomputes `[metadata]
//!   content-hash` exactly as Poetry 2.x does (`Locker._get_content_hash`:
//!   sha256 of `json.dumps(relevant, sort_keys=True)`), including Poetry's
//!   rule that a lock written by Poetry < 2.3.0 is compared without
//!   `[dependency-groups]`.
//! * **uv.lock**: the requirements uv recorded for the project (its
//!   `[package.metadata] requires-dist`, `provides-extras` and
//!   `requires-dev`, and the top-level `requires-python`) are compared with
//!   `pyproject.toml`'s `[project]`, `[dependency-groups]` and
//!   `[tool.uv] dev-dependencies`: names, extras, version specifiers and
//!   markers (markers compared by meaning, so uv's rewriting of
//!   `python_version` is no difference). As `uv lock --check` does
//!   (`Lock::satisfies`), requirements with a `[tool.uv.sources]` entry
//!   compare as uv lowered them (the source's index URL, git reference,
//!   URL or path), `[tool.uv]` constraints and overrides against the lock's
//!   `[manifest]`, and every registry a package came from must still be one
//!   of `[[tool.uv.index]]` (see [`crate::fresh_uv`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::str::FromStr;

use pep440_rs::VersionSpecifiers;
use pep508_rs::{MarkerTree, Requirement, VerbatimUrl, VersionOrUrl};
use sha2::{Digest, Sha256};
use toml::{Table, Value};

use crate::error::LockError;
use crate::fresh_uv::{self, Lowered, UvSources};
use crate::validate;
use ofiuco_spec::text::quoted;

/// Whether a lock matches its pyproject.toml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    /// What changed, one line each, already printable.
    Stale(Vec<String>),
}

/// Checks the poetry.lock `lock_text` at `lock_path` against `pyproject_text`.
pub fn check_poetry(
    lock_path: &Path,
    lock_text: &str,
    pyproject_path: &Path,
    pyproject_text: &str,
) -> Result<Freshness, LockError> {
    let lock = parse_table(lock_path, lock_text)?;
    let pyproject = parse_table(pyproject_path, pyproject_text)?;
    let recorded = lock
        .get("metadata")
        .and_then(Value::as_table)
        .and_then(|m| m.get("content-hash"))
        .and_then(Value::as_str);
    let Some(recorded) = recorded else {
        return Ok(Freshness::Stale(vec![format!(
            "`{}` records no `[metadata] content-hash`",
            lock_path.display()
        )]));
    };
    let now = poetry_content_hash(pyproject_path, &pyproject, true)?;
    if now == recorded {
        return Ok(Freshness::Fresh);
    }
    // Poetry::Locker::is_fresh: before Poetry 2.3.0 the hash did not cover [dependency-groups].
    if written_before_poetry_2_3(lock_text)
        && poetry_content_hash(pyproject_path, &pyproject, false)? == recorded
    {
        return Ok(Freshness::Fresh);
    }
    Ok(Freshness::Stale(vec![format!(
        "its `[metadata] content-hash` is {}, but the relevant content of `{}` hashes to {now}",
        quoted(recorded),
        pyproject_path.display()
    )]))
}

/// The `Poetry x.y.z` of the lock's first line is older than 2.3.0.
fn written_before_poetry_2_3(lock_text: &str) -> bool {
    let first = lock_text.lines().next().unwrap_or("");
    let Some(rest) = first.split("Poetry ").nth(1) else {
        return false;
    };
    let version = rest.split(' ').next().unwrap_or("");
    match pep440_rs::Version::from_str(version) {
        Ok(v) => v < pep440_rs::Version::from_str("2.3.0").expect("a valid version"),
        Err(_) => false,
    }
}

const POETRY_LEGACY_KEYS: [&str; 4] = ["dependencies", "source", "extras", "dev-dependencies"];
const POETRY_KEYS: [&str; 5] = [
    "dependencies",
    "source",
    "extras",
    "dev-dependencies",
    "group",
];
const PROJECT_KEYS: [&str; 3] = ["requires-python", "dependencies", "optional-dependencies"];

/// Poetry 2.x's `content-hash` of a pyproject.toml (`Locker._get_content_hash`).
pub fn poetry_content_hash(
    path: &Path,
    pyproject: &Table,
    with_dependency_groups: bool,
) -> Result<String, LockError> {
    let empty = Table::new();
    let table = |t: &Table, key: &str| -> Table {
        t.get(key)
            .and_then(Value::as_table)
            .cloned()
            .unwrap_or_default()
    };
    let project = table(pyproject, "project");
    let groups = if with_dependency_groups {
        table(pyproject, "dependency-groups")
    } else {
        empty.clone()
    };
    let tool_poetry = pyproject
        .get("tool")
        .and_then(Value::as_table)
        .map(|t| table(t, "poetry"))
        .unwrap_or(empty);

    let mut relevant_project = BTreeMap::new();
    for key in PROJECT_KEYS {
        if let Some(v) = project.get(key) {
            relevant_project.insert(key, Some(v));
        }
    }
    let mut relevant_poetry = BTreeMap::new();
    for key in POETRY_KEYS {
        let data = tool_poetry.get(key);
        if data.is_none()
            && (!POETRY_LEGACY_KEYS.contains(&key)
                || !relevant_project.is_empty()
                || !groups.is_empty())
        {
            continue;
        }
        relevant_poetry.insert(key, data);
    }
    let mut out = String::new();
    let json = |out: &mut String, map: &BTreeMap<&str, Option<&Value>>| -> Result<(), LockError> {
        out.push('{');
        for (i, (k, v)) in map.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            py_json_str(out, k);
            out.push_str(": ");
            match v {
                Some(v) => py_json(path, out, k, v)?,
                None => out.push_str("null"),
            }
        }
        out.push('}');
        Ok(())
    };
    if relevant_project.is_empty() && groups.is_empty() {
        // Poetry's backwards compatibility: [tool.poetry]'s content at top level.
        json(&mut out, &relevant_poetry)?;
    } else {
        // Sorted keys: "dependency-groups" < "project" < "tool".
        out.push('{');
        let mut first = true;
        let mut sep = |out: &mut String| {
            if !first {
                out.push_str(", ");
            }
            first = false;
        };
        if !groups.is_empty() {
            sep(&mut out);
            out.push_str("\"dependency-groups\": ");
            py_json(
                path,
                &mut out,
                "dependency-groups",
                &Value::Table(groups.clone()),
            )?;
        }
        if !relevant_project.is_empty() {
            sep(&mut out);
            out.push_str("\"project\": ");
            json(&mut out, &relevant_project)?;
        }
        sep(&mut out);
        out.push_str("\"tool\": {\"poetry\": ");
        json(&mut out, &relevant_poetry)?;
        out.push_str("}}");
    }
    let digest = Sha256::digest(out.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    Ok(hex)
}

/// Python's `json.dumps(value, sort_keys=True)` (separators `, ` and `: `,
/// `ensure_ascii`) of a TOML value as `tomllib` reads it.
fn py_json(path: &Path, out: &mut String, key: &str, value: &Value) -> Result<(), LockError> {
    match value {
        Value::String(s) => py_json_str(out, s),
        Value::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Float(f) => {
            // Python's float repr, for the values it prints without an exponent.
            if !f.is_finite() || (*f != 0.0 && !(1e-4..1e16).contains(&f.abs())) {
                return Err(LockError::UnhashableValue {
                    path: path.to_path_buf(),
                    key: key.to_string(),
                    what: format!("the float {f}"),
                });
            }
            if f.fract() == 0.0 {
                let _ = write!(out, "{f:.1}");
            } else {
                let _ = write!(out, "{f}");
            }
        }
        Value::Datetime(d) => {
            // Poetry's json.dumps cannot hash a date either (TypeError).
            return Err(LockError::UnhashableValue {
                path: path.to_path_buf(),
                key: key.to_string(),
                what: format!("the date/time {d}"),
            });
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                py_json(path, out, key, item)?;
            }
            out.push(']');
        }
        Value::Table(t) => {
            // Python sorts str keys by code point; UTF-8 byte order is the same.
            let mut keys: Vec<&String> = t.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                py_json_str(out, k);
                out.push_str(": ");
                py_json(path, out, k, &t[k])?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// A JSON string as Python's `json.dumps` writes it with `ensure_ascii=True`:
/// everything outside printable ASCII (0x20..=0x7e) as `\uXXXX` (UTF-16).
fn py_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

fn parse_table(path: &Path, text: &str) -> Result<Table, LockError> {
    text.parse::<Table>()
        .map_err(|e| LockError::from_toml(path, text, &e))
}

/// One requirement as compared: its printable form is the key.
type Req = String;

/// Checks the uv.lock `lock_text` at `lock_path` against `pyproject_text`.
pub fn check_uv(
    lock_path: &Path,
    lock_text: &str,
    pyproject_path: &Path,
    pyproject_text: &str,
) -> Result<Freshness, LockError> {
    let lock = parse_table(lock_path, lock_text)?;
    let pyproject = parse_table(pyproject_path, pyproject_text)?;
    let mut changes = Vec::new();
    let tool_uv = pyproject
        .get("tool")
        .and_then(|t| t.get("uv"))
        .and_then(Value::as_table);
    let sources = UvSources::new(tool_uv);
    let ctx = Ctx {
        path: pyproject_path,
        text: pyproject_text,
        sources: &sources,
    };

    let project = pyproject.get("project").and_then(Value::as_table);
    if let Some(want) = project
        .and_then(|p| p.get("requires-python"))
        .and_then(Value::as_str)
    {
        let got = lock.get("requires-python").and_then(Value::as_str);
        if got.is_none_or(|g| !same_specifiers(g, want)) {
            changes.push(format!(
                "`requires-python` is {} in pyproject.toml, but the lock was made for {}",
                quoted(want),
                got.map_or("none".to_string(), |g| quoted(g).to_string())
            ));
        }
    }

    // The root package's recorded metadata ([manifest] for a workspace without [project]).
    let root = project
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .map(crate::normalize_name);
    let metadata = match &root {
        Some(name) => lock
            .get("package")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_table)
            .find(|p| {
                p.get("name")
                    .and_then(Value::as_str)
                    .map(crate::normalize_name)
                    == Some(name.clone())
                    && p.get("source")
                        .and_then(Value::as_table)
                        .is_some_and(|s| s.contains_key("editable") || s.contains_key("virtual"))
            })
            .map(|p| {
                p.get("metadata")
                    .and_then(Value::as_table)
                    .cloned()
                    .unwrap_or_default()
            }),
        None => lock.get("manifest").and_then(Value::as_table).map(|m| {
            let mut t = Table::new();
            if let Some(g) = m.get("dependency-groups") {
                t.insert("requires-dev".to_string(), g.clone());
            }
            t
        }),
    };
    let Some(metadata) = metadata else {
        changes.push(format!(
            "the project {} is not in the lock",
            root.as_deref()
                .map_or("(unnamed)".to_string(), |r| quoted(r).to_string())
        ));
        return Ok(Freshness::Stale(changes));
    };

    if let Some(project) = project {
        // requires-dist: [project] dependencies and optional-dependencies.
        let mut want = BTreeSet::new();
        for text in strings(project.get("dependencies")) {
            want.extend(ctx.requirements(text, None, None)?);
        }
        let extras = project
            .get("optional-dependencies")
            .and_then(Value::as_table);
        let mut extra_names = BTreeSet::new();
        for (extra, reqs) in extras.into_iter().flatten() {
            let extra = crate::normalize_name(extra);
            for text in strings(Some(reqs)) {
                want.extend(ctx.requirements(text, Some(&extra), None)?);
            }
            extra_names.insert(extra);
        }
        let got = recorded(&ctx, metadata.get("requires-dist"))?;
        diff(
            &mut changes,
            "`[project] dependencies` and `optional-dependencies`",
            &want,
            &got,
        );
        if let Some(provided) = metadata.get("provides-extras") {
            let provided: BTreeSet<String> =
                strings(Some(provided)).map(crate::normalize_name).collect();
            if provided != extra_names {
                changes.push(format!(
                    "the extras are {} in pyproject.toml, but {} in the lock",
                    list(&extra_names),
                    list(&provided)
                ));
            }
        }
    }

    // Dependency groups: [dependency-groups] (include-group expanded) and [tool.uv] dev-dependencies.
    let mut want_groups: BTreeMap<String, BTreeSet<Req>> = BTreeMap::new();
    let groups = pyproject.get("dependency-groups").and_then(Value::as_table);
    for name in groups.into_iter().flatten().map(|(k, _)| k) {
        let mut reqs = BTreeSet::new();
        let group = crate::normalize_name(name);
        ctx.expand_group(
            groups.expect("present"),
            name,
            &group,
            &mut reqs,
            &mut Vec::new(),
        )?;
        want_groups
            .entry(crate::normalize_name(name))
            .or_default()
            .extend(reqs);
    }
    for text in strings(tool_uv.and_then(|t| t.get("dev-dependencies"))) {
        want_groups
            .entry("dev".to_string())
            .or_default()
            .extend(ctx.requirements(text, None, Some("dev"))?);
    }
    let mut got_groups: BTreeMap<String, BTreeSet<Req>> = BTreeMap::new();
    for (name, reqs) in metadata
        .get("requires-dev")
        .and_then(Value::as_table)
        .into_iter()
        .flatten()
    {
        got_groups.insert(crate::normalize_name(name), recorded(&ctx, Some(reqs))?);
    }
    for name in want_groups
        .keys()
        .chain(got_groups.keys())
        .collect::<BTreeSet<_>>()
    {
        let empty = BTreeSet::new();
        let want = want_groups.get(name).unwrap_or(&empty);
        let got = got_groups.get(name).unwrap_or(&empty);
        diff(
            &mut changes,
            &format!("dependency group `{name}`"),
            want,
            got,
        );
    }

    // [tool.uv] constraint-, override- and build-constraint-dependencies: the lock's [manifest].
    let manifest = lock.get("manifest").and_then(Value::as_table);
    for (setting, field) in [
        ("constraint-dependencies", "constraints"),
        ("override-dependencies", "overrides"),
        ("build-constraint-dependencies", "build-constraints"),
    ] {
        let mut want = BTreeSet::new();
        for text in strings(tool_uv.and_then(|t| t.get(setting))) {
            want.extend(ctx.requirements(text, None, None)?);
        }
        let got = recorded(&ctx, manifest.and_then(|m| m.get(field)))?;
        diff(&mut changes, &format!("`[tool.uv] {setting}`"), &want, &got);
    }
    // Every registry a locked package came from is still one of the project's indexes.
    changes.extend(fresh_uv::index_changes(tool_uv, &lock));
    Ok(if changes.is_empty() {
        Freshness::Fresh
    } else {
        Freshness::Stale(changes)
    })
}

struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
    sources: &'a UvSources,
}

impl Ctx<'_> {
    /// A PEP 508 requirement of pyproject.toml as uv records it, in extra
    /// `extra` or dependency group `group`: lowered through
    /// `[tool.uv.sources]`, so one requirement may be several entries.
    fn requirements(
        &self,
        text: &str,
        extra: Option<&str>,
        group: Option<&str>,
    ) -> Result<Vec<Req>, LockError> {
        let invalid = |message: String| LockError::InvalidRequirement {
            path: self.path.to_path_buf(),
            package: None,
            requirement: text.to_string(),
            message,
        };
        if let Some(problem) = validate::requirement_problem(text) {
            return Err(invalid(problem));
        }
        let req = Requirement::<VerbatimUrl>::from_str(text)
            .map_err(|e| invalid(e.message.to_string()))?;
        let mut marker = req.marker.clone();
        if let Some(extra) = extra {
            marker.and(self.marker(&format!("extra == '{extra}'"))?);
        }
        let name = crate::normalize_name(req.name.as_ref());
        let extras: Vec<String> = req.extras.iter().map(ToString::to_string).collect();
        let specifier = match &req.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(s)) => s.to_string(),
            Some(VersionOrUrl::Url(u)) => {
                let source = fresh_uv::direct_url(u.raw().as_str());
                return Ok(vec![key(&name, extras, "", &marker, Some(&source))]);
            }
            None => String::new(),
        };
        let entries = match self.sources.applicable(&name, extra, group) {
            Some(entries) if !entries.is_empty() => entries,
            _ => return Ok(vec![key(&name, extras, &specifier, &marker, None)]),
        };
        // uv's LoweredRequirement: one entry per source, and the default index where none holds.
        let mut out = Vec::new();
        let mut covered = MarkerTree::FALSE;
        for entry in entries {
            let mut here = match entry.get("marker").and_then(Value::as_str) {
                Some(text) => self.marker(text)?,
                None => MarkerTree::TRUE,
            };
            covered.or(here.clone());
            here.and(marker.clone());
            if here.is_false() {
                continue;
            }
            out.push(match self.sources.lower(entry) {
                Lowered::Registry(index) => {
                    let index = index.map(|u| format!("index {u}"));
                    key(&name, extras.clone(), &specifier, &here, index.as_deref())
                }
                Lowered::Other(source) => key(&name, extras.clone(), "", &here, Some(&source)),
            });
        }
        let mut remaining = covered.negate();
        remaining.and(marker);
        if !remaining.is_false() {
            out.push(key(&name, extras, &specifier, &remaining, None));
        }
        Ok(out)
    }

    fn marker(&self, text: &str) -> Result<MarkerTree, LockError> {
        let invalid = |message: String| LockError::InvalidMarker {
            path: self.path.to_path_buf(),
            package: None,
            marker: text.to_string(),
            message,
        };
        if let Some(problem) = validate::marker_problem(text) {
            return Err(invalid(problem));
        }
        MarkerTree::from_str(text).map_err(|e| invalid(e.message.to_string()))
    }

    fn expand_group(
        &self,
        groups: &Table,
        name: &str,
        group: &str,
        out: &mut BTreeSet<Req>,
        stack: &mut Vec<String>,
    ) -> Result<(), LockError> {
        let normalized = crate::normalize_name(name);
        if stack.contains(&normalized) {
            let mut cycle = stack.clone();
            cycle.push(normalized);
            return Err(LockError::DependencyGroupCycle {
                path: self.path.to_path_buf(),
                group: cycle[0].clone(),
                cycle,
            });
        }
        let Some((_, items)) = groups
            .iter()
            .find(|(k, _)| crate::normalize_name(k) == normalized)
        else {
            return Err(LockError::UnknownDependencyGroup {
                path: self.path.to_path_buf(),
                line: self
                    .text
                    .lines()
                    .position(|l| l.contains("include-group") && l.contains(name))
                    .map_or(1, |i| i + 1),
                group: stack.last().cloned().unwrap_or_default(),
                included: name.to_string(),
            });
        };
        stack.push(normalized);
        for item in items.as_array().into_iter().flatten() {
            match item {
                Value::String(text) => {
                    out.extend(self.requirements(text, None, Some(group))?);
                }
                Value::Table(t) => {
                    if let Some(include) = t.get("include-group").and_then(Value::as_str) {
                        self.expand_group(groups, include, group, out, stack)?;
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        Ok(())
    }
}

/// The requirements uv recorded (`{ name, specifier, marker, extras, index | git | url | path | ... }`).
fn recorded(ctx: &Ctx, value: Option<&Value>) -> Result<BTreeSet<Req>, LockError> {
    let mut out = BTreeSet::new();
    for entry in value.and_then(Value::as_array).into_iter().flatten() {
        let Some(t) = entry.as_table() else { continue };
        let name = crate::normalize_name(t.get("name").and_then(Value::as_str).unwrap_or(""));
        let extras = strings(t.get("extras")).map(str::to_string).collect();
        let specifier = t.get("specifier").and_then(Value::as_str).unwrap_or("");
        let marker = match t.get("marker").and_then(Value::as_str) {
            Some(text) => ctx.marker(text)?,
            None => MarkerTree::TRUE,
        };
        out.insert(match ctx.sources.recorded(&name, t) {
            Lowered::Registry(index) => {
                let index = index.map(|u| format!("index {u}"));
                key(&name, extras, specifier, &marker, index.as_deref())
            }
            Lowered::Other(source) => key(&name, extras, "", &marker, Some(&source)),
        });
    }
    Ok(out)
}

/// The printable comparison key: `name[extras]specifier @ source ; marker`.
fn key(
    name: &str,
    mut extras: Vec<String>,
    specifier: &str,
    marker: &MarkerTree,
    source: Option<&str>,
) -> Req {
    let mut out = crate::normalize_name(name);
    for e in &mut extras {
        *e = crate::normalize_name(e);
    }
    extras.sort();
    extras.dedup();
    if !extras.is_empty() {
        let _ = write!(out, "[{}]", extras.join(","));
    }
    let specifier = canonical_specifiers(specifier);
    if !specifier.is_empty() {
        let _ = write!(out, "{specifier}");
    }
    if let Some(source) = source {
        let _ = write!(out, " @ {source}");
    }
    if let Some(m) = marker.try_to_string() {
        let _ = write!(out, " ; {m}");
    }
    out
}

fn strings(value: Option<&Value>) -> impl Iterator<Item = &str> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// Version specifiers sorted, printed by `pep440_rs` (`>=2.0,<3` and `<3, >=2.0` agree).
fn canonical_specifiers(text: &str) -> String {
    match VersionSpecifiers::from_str(text) {
        Ok(specs) => {
            let mut parts: Vec<String> = specs.iter().map(ToString::to_string).collect();
            parts.sort();
            parts.join(",")
        }
        Err(_) => text.split_whitespace().collect(),
    }
}

fn same_specifiers(a: &str, b: &str) -> bool {
    canonical_specifiers(a) == canonical_specifiers(b)
}

fn list(names: &BTreeSet<String>) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn diff(changes: &mut Vec<String>, what: &str, want: &BTreeSet<Req>, got: &BTreeSet<Req>) {
    for added in want.difference(got) {
        changes.push(format!(
            "{what}: {} is in pyproject.toml but not in the lock",
            quoted(added)
        ));
    }
    for removed in got.difference(want) {
        changes.push(format!(
            "{what}: {} is in the lock but no longer in pyproject.toml",
            quoted(removed)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dumps(toml_text: &str) -> String {
        let t: Table = toml_text.parse().unwrap();
        let mut out = String::new();
        py_json(Path::new("p"), &mut out, "v", &t["v"]).unwrap();
        out
    }

    /// Python: `json.dumps({"b": [1, 2.5, 3.0, True], "a": "\u00e9\U0001f600\x7f\"\\\n"}, sort_keys=True)`.
    #[test]
    fn python_json_dumps() {
        assert_eq!(
            dumps("v = { b = [1, 2.5, 3.0, true], a = \"\u{e9}\u{1f600}\\u007f\\\"\\\\\\n\" }"),
            r#"{"a": "\u00e9\ud83d\ude00\u007f\"\\\n", "b": [1, 2.5, 3.0, true]}"#
        );
        assert_eq!(dumps("v = {}"), "{}");
        assert_eq!(dumps("v = []"), "[]");
    }

    #[test]
    fn dates_are_refused_like_poetry() {
        let t: Table = "v = 1979-05-27".parse().unwrap();
        let err = py_json(
            Path::new("pyproject.toml"),
            &mut String::new(),
            "v",
            &t["v"],
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("`v` holds the date/time 1979-05-27"),
            "{err}"
        );
    }
}

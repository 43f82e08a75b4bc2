//! The parts of a uv project beyond its requirements that `uv lock --check`
//! compares (uv's `Lock::satisfies`), for [`crate::check_uv`]:
//!
//! * **`[tool.uv.sources]`**: uv records a requirement with a source as it
//!   lowered it (`uv-distribution`'s `LoweredRequirement`): one entry per
//!   source (its marker and the requirement's joined), plus the requirement
//!   from the default index where no source's marker holds; a source with
//!   `extra`/`group` applies only there. [`SourceDesc`] is the comparable
//!   form of a source on both sides: `index` (the named index's URL), `git`
//!   (URL, `subdirectory`, `branch`/`tag`/`rev`, `lfs`), `url`, `path`
//!   (editable or not, where pyproject.toml says) and `workspace`.
//! * **Indexes**: every registry a locked package came from must still be
//!   one of the project's indexes (uv's `MissingRemoteIndex` and
//!   `MissingLocalIndex`): `[[tool.uv.index]]` (flat ones too), `index-url`,
//!   `extra-index-url`, `find-links`, and PyPI unless a default index
//!   replaces it. Checked only when pyproject.toml names an index: indexes
//!   from `uv.toml` or the environment (`UV_INDEX_URL`, `UV_DEFAULT_INDEX`)
//!   are not seen by a check that reads pyproject.toml only.

use std::collections::{BTreeMap, BTreeSet};

use percent_encoding::percent_decode_str;
use toml::{Table, Value};

use ofiuco_spec::text::quoted;

/// A project's `[tool.uv.sources]` and `[[tool.uv.index]]`, as lowering needs them.
#[derive(Default)]
pub(crate) struct UvSources {
    /// Normalized package name -> its source entries (a table, or each of a list).
    by_name: BTreeMap<String, Vec<Table>>,
    /// `[[tool.uv.index]]` name -> URL (normalized).
    indexes: BTreeMap<String, String>,
}

/// Which kind of source a comparison key names (only registry requirements keep their specifier).
pub(crate) enum Lowered {
    /// From an index: the default (`None`) or a named one (its URL).
    Registry(Option<String>),
    /// Anything else, printable.
    Other(String),
}

impl UvSources {
    pub(crate) fn new(tool_uv: Option<&Table>) -> Self {
        let mut out = UvSources::default();
        let Some(tool_uv) = tool_uv else { return out };
        for (name, value) in tool_uv
            .get("sources")
            .and_then(Value::as_table)
            .into_iter()
            .flatten()
        {
            let entries: Vec<Table> = match value {
                Value::Table(t) => vec![t.clone()],
                Value::Array(items) => items.iter().filter_map(Value::as_table).cloned().collect(),
                _ => Vec::new(),
            };
            out.by_name.insert(crate::normalize_name(name), entries);
        }
        for index in tool_uv
            .get("index")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_table)
        {
            if let (Some(name), Some(url)) = (
                index.get("name").and_then(Value::as_str),
                index.get("url").and_then(Value::as_str),
            ) {
                out.indexes.insert(name.to_string(), index_location(url));
            }
        }
        out
    }

    /// The source entries of `name` that apply in `extra` / `group` (None: no `[tool.uv.sources]` entry).
    pub(crate) fn applicable(
        &self,
        name: &str,
        extra: Option<&str>,
        group: Option<&str>,
    ) -> Option<Vec<&Table>> {
        let entries = self.by_name.get(name)?;
        let scoped = |t: &Table, key: &str, here: Option<&str>| match t
            .get(key)
            .and_then(Value::as_str)
        {
            Some(target) => here.map(crate::normalize_name) == Some(crate::normalize_name(target)),
            None => true,
        };
        Some(
            entries
                .iter()
                .filter(|t| scoped(t, "extra", extra) && scoped(t, "group", group))
                .collect(),
        )
    }

    /// Whether any source of `name` says `editable` (then the lock's kind is compared too).
    fn editable_said(&self, name: &str) -> bool {
        self.by_name
            .get(name)
            .is_some_and(|e| e.iter().any(|t| t.contains_key("editable")))
    }

    fn is_workspace(&self, name: &str) -> bool {
        self.by_name.get(name).is_some_and(|e| {
            e.iter()
                .any(|t| t.get("workspace").and_then(Value::as_bool) == Some(true))
        })
    }

    /// A pyproject.toml source entry of `name` as uv records it.
    pub(crate) fn lower(&self, entry: &Table) -> Lowered {
        let str_of = |key: &str| entry.get(key).and_then(Value::as_str);
        if let Some(index) = str_of("index") {
            return Lowered::Registry(Some(match self.indexes.get(index) {
                Some(url) => url.clone(),
                None => format!(
                    "(the index named {}, which `[[tool.uv.index]]` lacks)",
                    quoted(index)
                ),
            }));
        }
        if let Some(git) = str_of("git") {
            let mut params = BTreeSet::new();
            for key in ["subdirectory", "branch", "tag", "rev"] {
                if let Some(v) = str_of(key) {
                    params.insert((key.to_string(), v.to_string()));
                }
            }
            if entry.get("lfs").and_then(Value::as_bool) == Some(true) {
                params.insert(("lfs".to_string(), "true".to_string()));
            }
            let (base, mut from_url) = git_parts(git);
            from_url.extend(params);
            return Lowered::Other(git_desc(&base, &from_url));
        }
        if let Some(url) = str_of("url") {
            return Lowered::Other(url_desc(url, str_of("subdirectory")));
        }
        if let Some(path) = str_of("path") {
            let editable = match entry.get("editable").and_then(Value::as_bool) {
                Some(true) => " (editable)",
                Some(false) => " (not editable)",
                None => "",
            };
            return Lowered::Other(format!("path {}{editable}", normalize_path(path)));
        }
        if entry.get("workspace").and_then(Value::as_bool) == Some(true) {
            return Lowered::Other("a workspace member".to_string());
        }
        Lowered::Other(format!(
            "an unknown `[tool.uv.sources]` entry with keys {}",
            entry.keys().cloned().collect::<Vec<_>>().join(", ")
        ))
    }

    /// A `requires-dist` entry of the lock (`{ name, index | git | url | path | ... }`) as compared.
    pub(crate) fn recorded(&self, name: &str, entry: &Table) -> Lowered {
        let str_of = |key: &str| entry.get(key).and_then(Value::as_str);
        if let Some(index) = str_of("index") {
            let location = index_location(index);
            // uv records a local index (`url = "./wheels"`) as an absolute `file://` URL
            // of the machine that locked: it is the declared one when it ends in it.
            let declared = self.indexes.values().find(|declared| {
                !declared.contains("://")
                    && !declared.starts_with('/')
                    && location.starts_with('/')
                    && location.ends_with(&format!("/{declared}"))
            });
            return Lowered::Registry(Some(declared.cloned().unwrap_or(location)));
        }
        if let Some(git) = str_of("git") {
            let (base, params) = git_parts(git);
            return Lowered::Other(git_desc(&base, &params));
        }
        if let Some(url) = str_of("url") {
            return Lowered::Other(url_desc(url, str_of("subdirectory")));
        }
        for kind in ["editable", "directory", "path", "virtual"] {
            let Some(path) = str_of(kind) else { continue };
            if self.is_workspace(name) {
                return Lowered::Other("a workspace member".to_string());
            }
            let editable = if !self.editable_said(name) {
                ""
            } else if kind == "editable" {
                " (editable)"
            } else {
                " (not editable)"
            };
            return Lowered::Other(format!("path {}{editable}", normalize_path(path)));
        }
        Lowered::Registry(None)
    }
}

/// A PEP 508 direct URL (`name @ url`) as uv records it: `git+` URLs as `git`, others as `url`.
pub(crate) fn direct_url(raw: &str) -> String {
    if let Some(git) = raw.strip_prefix("git+") {
        let (base, params) = git_parts(git);
        git_desc(&base, &params)
    } else {
        let (url, fragment) = raw.split_once('#').unwrap_or((raw, ""));
        let subdirectory = fragment
            .split('&')
            .find_map(|p| p.strip_prefix("subdirectory="));
        url_desc(url, subdirectory)
    }
}

fn url_desc(url: &str, subdirectory: Option<&str>) -> String {
    let mut out = format!(
        "url {}",
        without_credentials(url.split('#').next().unwrap_or(url))
    );
    if let Some(s) = subdirectory {
        out.push_str(&format!(" subdirectory={}", normalize_path(s)));
    }
    out
}

/// A git URL's base (no credentials, query, fragment or `@rev`) and its parameters.
fn git_parts(url: &str) -> (String, BTreeSet<(String, String)>) {
    let url = url.strip_prefix("git+").unwrap_or(url);
    let (rest, fragment) = url.split_once('#').unwrap_or((url, ""));
    let (base, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut params = BTreeSet::new();
    for pair in query.split('&').chain(fragment.split('&')) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        // The fragment's commit (`#<sha>`) is the resolution, not an input.
        if matches!(k, "subdirectory" | "branch" | "tag" | "rev" | "lfs") {
            params.insert((k.to_string(), decode(v)));
        }
    }
    let mut base = without_credentials(base);
    // PEP 508's `git+https://host/repo@rev`: the `@` after the authority.
    if let Some((scheme, after)) = base.split_once("://") {
        if let Some((authority, path)) = after.split_once('/') {
            if let Some((repo, rev)) = path.rsplit_once('@') {
                params.insert(("rev".to_string(), decode(rev)));
                base = format!("{scheme}://{authority}/{repo}");
            }
        }
    }
    (base, params)
}

fn git_desc(base: &str, params: &BTreeSet<(String, String)>) -> String {
    let mut out = format!("git {base}");
    for (k, v) in params {
        out.push_str(&format!(" {k}={v}"));
    }
    out
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

fn without_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest
                .split_once('/')
                .map_or((rest, None), |(a, p)| (a, Some(p)));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            match path {
                Some(p) => format!("{scheme}://{host}/{p}"),
                None => format!("{scheme}://{host}"),
            }
        }
        None => url.to_string(),
    }
}

/// An index location as compared: a URL without credentials or trailing `/`,
/// or a local path (flat indexes), normalized.
pub(crate) fn index_location(text: &str) -> String {
    if text.contains("://") && !text.starts_with("file://") {
        without_credentials(text).trim_end_matches('/').to_string()
    } else {
        normalize_path(text.strip_prefix("file://").unwrap_or(text))
    }
}

/// `./a/b/../c/` is `a/c`, as uv's portable paths are written.
pub(crate) fn normalize_path(text: &str) -> String {
    let text = text.replace('\\', "/");
    let absolute = text.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    }
}

/// uv's `MissingRemoteIndex` / `MissingLocalIndex`: locked packages from a
/// registry that pyproject.toml's indexes no longer include.
pub(crate) fn index_changes(tool_uv: Option<&Table>, lock: &Table) -> Vec<String> {
    let Some(tool_uv) = tool_uv else {
        return Vec::new();
    };
    let strings = |key: &str| -> Vec<String> {
        match tool_uv.get(key) {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    };
    let indexes: Vec<&Table> = tool_uv
        .get("index")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_table)
        .collect();
    let index_url = strings("index-url");
    let named: Vec<String> = indexes
        .iter()
        .filter_map(|t| t.get("url").and_then(Value::as_str))
        .map(str::to_string)
        .chain(index_url.iter().cloned())
        .chain(strings("extra-index-url"))
        .chain(strings("find-links"))
        .collect();
    if named.is_empty() {
        // The indexes come from uv.toml or the environment, which this check does not see.
        return Vec::new();
    }
    let mut allowed: BTreeSet<String> = named.iter().map(|u| index_location(u)).collect();
    let replaces_pypi = !index_url.is_empty()
        || tool_uv.get("no-index").and_then(Value::as_bool) == Some(true)
        || indexes
            .iter()
            .any(|t| t.get("default").and_then(Value::as_bool) == Some(true));
    if !replaces_pypi {
        allowed.insert("https://pypi.org/simple".to_string());
    }
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for package in lock
        .get("package")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_table)
    {
        let Some(registry) = package
            .get("source")
            .and_then(|s| s.get("registry"))
            .and_then(Value::as_str)
        else {
            continue;
        };
        let location = index_location(registry);
        if !allowed.contains(&location) {
            let name = package.get("name").and_then(Value::as_str).unwrap_or("?");
            let version = package
                .get("version")
                .and_then(Value::as_str)
                .unwrap_or("?");
            missing
                .entry(registry.to_string())
                .or_default()
                .push(format!("`{name}` {version}"));
        }
    }
    let now = allowed
        .iter()
        .map(|u| quoted(u).to_string())
        .collect::<Vec<_>>()
        .join(", ");
    missing
        .into_iter()
        .map(|(registry, packages)| {
            let shown = if packages.len() > 3 {
                format!("{} and {} more", packages[..3].join(", "), packages.len() - 3)
            } else {
                packages.join(", ")
            };
            format!(
                "{shown} came from the index {}, which pyproject.toml no longer names (its indexes now: {now})",
                quoted(&registry)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_urls_compare_by_base_and_reference() {
        let (base, params) = git_parts("https://u:p@github.com/a/b.git?branch=x%2Fy#0123abcd");
        assert_eq!(base, "https://github.com/a/b.git");
        assert_eq!(
            git_desc(&base, &params),
            "git https://github.com/a/b.git branch=x/y"
        );
        assert_eq!(
            direct_url("git+https://github.com/a/b.git@v1.0#subdirectory=pkg"),
            "git https://github.com/a/b.git rev=v1.0 subdirectory=pkg"
        );
    }

    #[test]
    fn paths_and_index_locations() {
        assert_eq!(normalize_path("./a/b/../c/"), "a/c");
        assert_eq!(normalize_path("../x"), "../x");
        assert_eq!(normalize_path("."), ".");
        assert_eq!(
            index_location("https://u:p@example.org/simple/"),
            "https://example.org/simple"
        );
        assert_eq!(index_location("./wheels/"), "wheels");
    }
}

//! Every poetry.lock of the lock-file corpus (`tests/corpus` at the workspace
//! root) renders, and the rendered hub holds together:
//! * `BUILD.bazel` has one `ofiuco_package(` per locked package;
//! * the `@<hub>__...//:file` labels of `BUILD.bazel` are exactly the
//!   repositories of `files.json`;
//! * no target name appears twice;
//! * every `//_env:` key that `defs.bzl` refers to is a target of `_env/BUILD.bazel`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use ofiuco_hub::{render, HubFiles, HubOptions};
use ofiuco_testsupport::corpus_poetry_locks;

const HUB: &str = "poetry";

/// (corpus lock directory, target) pairs defined more than once. Empty: a
/// (name, version) locked several times (one `url` wheel per CPython in
/// huggingface__text-generation-inference/server@d61f14f271) gets `__2`, `__3`…
/// targets. The test fails when the list is out of date.
const KNOWN_DUPLICATE_TARGETS: &[(&str, &str)] = &[];
const HOST_PYTHON: &str = "3.12";

/// The string literal that starts at `text[0]` (a `"`), unescaped enough for names and labels.
fn string_literal(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('"')?;
    rest.find('"').map(|end| &rest[..end])
}

/// The values of `name = "..."` at rule level (4 spaces of indentation).
fn target_names(build: &str) -> Vec<&str> {
    build
        .lines()
        .filter_map(|line| string_literal(line.strip_prefix("    name = ")?))
        .collect()
}

/// The repositories of the `@<hub>__...//:file` labels in `build`.
fn file_repos(build: &str) -> BTreeSet<&str> {
    let prefix = format!("\"@{HUB}__");
    let mut repos = BTreeSet::new();
    let mut rest = build;
    while let Some(start) = rest.find(&prefix) {
        let label = string_literal(&rest[start..]).expect("a closed string literal");
        let repo = label
            .strip_prefix('@')
            .and_then(|l| l.strip_suffix("//:file"))
            .unwrap_or_else(|| panic!("not a file label: {label}"));
        repos.insert(repo);
        rest = &rest[start + label.len() + 2..];
    }
    repos
}

/// `defs.bzl`'s `ENVS`: (key, python version).
fn env_table(defs: &str) -> Vec<(&str, &str)> {
    let start = defs.find("\nENVS = [\n").expect("defs.bzl has ENVS") + 1;
    let end = start + defs[start..].find("\n]\n").expect("ENVS is closed");
    defs[start..end]
        .lines()
        .skip(1)
        .map(|line| {
            let entry = line.trim().trim_end_matches(',');
            let inner = entry
                .strip_prefix('(')
                .and_then(|e| e.strip_suffix(')'))
                .unwrap_or_else(|| panic!("ENVS entry: {line}"));
            let (key, python) = inner.split_once(", ").expect("(key, python)");
            (
                string_literal(key).expect("key literal"),
                string_literal(python).expect("python literal"),
            )
        })
        .collect()
}

/// The suffixes `defs.bzl` appends to an environment key: `"//_env:" + key + "<suffix>"`.
fn key_suffixes(defs: &str) -> BTreeSet<&str> {
    let mut suffixes = BTreeSet::new();
    let marker = "\"//_env:\" + key + ";
    let mut rest = defs;
    while let Some(start) = rest.find(marker) {
        rest = &rest[start + marker.len()..];
        suffixes.insert(string_literal(rest).expect("a suffix literal"));
    }
    suffixes
}

fn host_python(defs: &str) -> &str {
    let line = defs
        .lines()
        .find_map(|l| l.strip_prefix("HOST_PYTHON = "))
        .expect("defs.bzl has HOST_PYTHON");
    string_literal(line).expect("HOST_PYTHON literal")
}

fn check(path: &Path, lock: &ofiuco_lock::Lock, hub: &HubFiles) -> Vec<String> {
    let mut problems = Vec::new();
    let at = path.display();

    let packages = hub.build.matches("\nofiuco_package(\n").count();
    if packages != lock.packages.len() {
        problems.push(format!(
            "{at}: {packages} ofiuco_package targets for {} locked packages",
            lock.packages.len()
        ));
    }

    let labelled = file_repos(&hub.build);
    let listed: BTreeSet<&str> = hub.files.iter().map(|f| f.repo.as_str()).collect();
    if listed.len() != hub.files.len() {
        problems.push(format!("{at}: files.json lists a repository twice"));
    }
    for repo in labelled.difference(&listed) {
        problems.push(format!(
            "{at}: BUILD.bazel refers to @{repo} but files.json does not list it"
        ));
    }
    for repo in listed.difference(&labelled) {
        problems.push(format!(
            "{at}: files.json lists {repo} but BUILD.bazel does not refer to it"
        ));
    }

    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for name in target_names(&hub.build) {
        *seen.entry(name).or_default() += 1;
    }
    let known: BTreeSet<&str> = KNOWN_DUPLICATE_TARGETS
        .iter()
        .filter(|(dir, _)| path.parent().is_some_and(|p| p.ends_with(dir)))
        .map(|(_, name)| *name)
        .collect();
    for (name, count) in seen.iter().filter(|(_, c)| **c > 1) {
        if !known.contains(name) {
            problems.push(format!("{at}: target `{name}` is defined {count} times"));
        }
    }
    for name in known {
        if seen.get(name).is_none_or(|c| *c < 2) {
            problems.push(format!(
                "{at}: target `{name}` is no longer defined twice: remove it from KNOWN_DUPLICATE_TARGETS"
            ));
        }
    }

    let env_targets: BTreeSet<&str> = target_names(&hub.env_build).into_iter().collect();
    let envs = env_table(&hub.defs);
    if envs.is_empty() {
        problems.push(format!("{at}: defs.bzl has no environments"));
    }
    let host = host_python(&hub.defs);
    if !key_suffixes(&hub.defs).contains("__auto") {
        problems.push(format!(
            "{at}: found no `\"//_env:\" + key + \"__auto\"` in defs.bzl: update key_suffixes()"
        ));
    }
    for (key, python) in &envs {
        let mut keys = vec![key.to_string()];
        for suffix in key_suffixes(&hub.defs) {
            // `__auto` keys exist only for the host Python's environments.
            if suffix != "__auto" || python == &host {
                keys.push(format!("{key}{suffix}"));
            }
        }
        for key in keys {
            if !env_targets.contains(key.as_str()) {
                problems.push(format!(
                    "{at}: defs.bzl refers to //_env:{key}, which _env/BUILD.bazel does not define"
                ));
            }
        }
    }
    problems
}

#[test]
fn corpus_renders_and_holds_together() {
    let locks = corpus_poetry_locks();
    let mut problems = Vec::new();
    for path in &locks {
        let lock = ofiuco_lock::read_poetry_lock(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let hub = render(
            &lock,
            &HubOptions {
                hub_name: HUB.to_string(),
                host_python: HOST_PYTHON.to_string(),
            },
        )
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        problems.extend(check(path, &lock, &hub));
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) in the rendered corpus:\n{}",
        problems.len(),
        problems.join("\n")
    );
    eprintln!("{} corpus locks render and hold together", locks.len());
}

/// The checks themselves catch what they are meant to catch.
#[test]
fn checks_catch_broken_hubs() {
    let build = "\nofiuco_package(\n    name = \"a__1\",\n    wheel = \"@poetry__a.whl//:file\",\n)\n\nalias(\n    name = \"a__1\",\n)\n";
    assert_eq!(target_names(build), ["a__1", "a__1"]);
    assert_eq!(file_repos(build), BTreeSet::from(["poetry__a.whl"]));
    let defs = "HOST_PYTHON = \"3.12\"\n\nENVS = [\n    (\"cp312_x\", \"3.12\"),\n    (\"cp313_x\", \"3.13\"),\n]\n\n    keys = [\"//_env:\" + key]\n        keys.append(\"//_env:\" + key + \"__auto\")\n";
    assert_eq!(env_table(defs), [("cp312_x", "3.12"), ("cp313_x", "3.13")]);
    assert_eq!(key_suffixes(defs), BTreeSet::from(["__auto"]));
    assert_eq!(host_python(defs), "3.12");
}

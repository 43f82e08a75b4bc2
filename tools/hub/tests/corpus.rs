//! Every lock (poetry.lock, uv.lock, pylock.toml) of the lock-file corpus (`tests/corpus` at the workspace
//! root) renders, and the rendered hub holds together:
//! * `BUILD.bazel` has one `ofiuco_package(` per locked package;
//! * the `@<hub>__...//:file` labels of `BUILD.bazel` are exactly the
//!   repositories of `files.json`;
//! * no target name appears twice;
//! * every environment index of a `pick()` is an index of ofiuco's environment table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use ofiuco_hub::{render, HubFiles, HubOptions};
use ofiuco_testsupport::corpus_all_locks;

const HUB: &str = "poetry";

/// (corpus lock directory, target) pairs defined more than once. Empty: a
/// (name, version) locked several times (one `url` wheel per CPython in
/// huggingface__text-generation-inference/server@d61f14f271) gets `__2`, `__3`…
/// targets. The test fails when the list is out of date.
const KNOWN_DUPLICATE_TARGETS: &[(&str, &str)] = &[];

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

/// The repositories of the `@<hub>__...//:file` (and an sdist's or a source tree's
/// `//:build_requires`, a source tree's `//:tree`) labels in `build`.
fn file_repos(build: &str) -> BTreeSet<&str> {
    let prefix = format!("\"@{HUB}__");
    let mut repos = BTreeSet::new();
    let mut rest = build;
    while let Some(start) = rest.find(&prefix) {
        let label = string_literal(&rest[start..]).expect("a closed string literal");
        let repo = label
            .strip_prefix('@')
            .and_then(|l| {
                l.strip_suffix("//:file")
                    .or_else(|| l.strip_suffix("//:build_requires"))
                    .or_else(|| l.strip_suffix("//:tree"))
            })
            .unwrap_or_else(|| panic!("not a file label: {label}"));
        repos.insert(repo);
        rest = &rest[start + label.len() + 2..];
    }
    repos
}

/// The environment indices a hub's `pick()` groups name: `[3, 7]` and `list(range(0, 21))`.
fn env_indices(build: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for line in build.lines() {
        let Some((_, value)) = line.trim().split_once("\": ") else {
            continue;
        };
        for part in value.trim_end_matches(',').split(" + ") {
            if let Some(range) = part
                .strip_prefix("list(range(")
                .and_then(|r| r.strip_suffix("))"))
            {
                let (a, b) = range.split_once(", ").expect("range(a, b)");
                out.extend(a.parse::<usize>().unwrap()..b.parse::<usize>().unwrap());
            } else if let Some(list) = part.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                out.extend(list.split(", ").filter_map(|i| i.parse::<usize>().ok()));
            }
        }
    }
    out
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
    let listed: BTreeSet<&str> = hub
        .files
        .iter()
        .map(|f| f.repo.as_str())
        .chain(hub.sources.iter().map(ofiuco_hub::SourceRepo::repo))
        .collect();
    if listed.len() != hub.files.len() + hub.sources.len() {
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

    let envs = ofiuco_hub::EnvTable::new().envs().len();
    if let Some(bad) = env_indices(&hub.build).into_iter().find(|i| *i >= envs) {
        problems.push(format!(
            "{at}: a pick() names environment {bad}, but the table has {envs}"
        ));
    }
    problems
}

#[test]
fn corpus_renders_and_holds_together() {
    let locks = corpus_all_locks();
    let mut problems = Vec::new();
    for path in &locks {
        let lock =
            ofiuco_lock::read_lock(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let hub = render(
            &lock,
            &HubOptions {
                hub_name: HUB.to_string(),
                ..Default::default()
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
    let picks = "    wheel = pick({\n        \"@x//:file\": list(range(0, 3)) + [7, 9],\n    }),\n";
    assert_eq!(env_indices(picks), [0, 1, 2, 7, 9]);
}

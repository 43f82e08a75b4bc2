//! Every pylock.toml of the lock-file corpus (`tests/corpus`) parses, with the
//! package counts of its INDEX.md and spot checks of the features it lists.

use std::collections::BTreeMap;

use ofiuco_lock::{read_lock, Lock, PackageMarkers, Source};
use ofiuco_testsupport::{corpus_pylocks, corpus_relative};

/// Lock path relative to the corpus -> `[[packages]]` entries (INDEX.md).
const EXPECTED: &[(&str, usize)] = &[
    ("0b01001001__spectree/pylock.legacy.toml", 68),
    ("0b01001001__spectree/pylock.toml", 71),
    ("Buried-In-Code__Perdoo/pylock.toml", 84),
    // The project's own `directory = { path = "." }` entry is the project.
    ("Comfy-Org__comfy-cli/pylock.toml", 48 - 1),
    ("Evernight__lazy-beancount/pylock.toml", 113),
];

fn load_all() -> BTreeMap<String, Lock> {
    corpus_pylocks()
        .into_iter()
        .map(|path| {
            let rel = corpus_relative(&path);
            let lock = read_lock(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
            (rel, lock)
        })
        .collect()
}

#[test]
fn corpus_parses_with_index_counts() {
    let locks = load_all();
    let found: Vec<&str> = locks.keys().map(String::as_str).collect();
    let expected: Vec<&str> = EXPECTED.iter().map(|(rel, _)| *rel).collect();
    assert_eq!(
        found, expected,
        "the corpus's pylock.tomls changed: update EXPECTED"
    );
    for (rel, count) in EXPECTED {
        let lock = &locks[*rel];
        assert_eq!(lock.packages.len(), *count, "{rel}");
        assert_eq!(lock.lock_version, "pylock 1.0", "{rel}");
        // None of them records PEP 751 `dependencies`: names stand for the whole lock.
        assert!(!lock.edges_recorded, "{rel}");
        let main = &lock.project.as_ref().unwrap().dependencies["main"];
        assert!(main.iter().all(|d| d.package.is_some()), "{rel}");
        for p in &lock.packages {
            if matches!(p.source, Source::Registry { .. }) {
                assert!(p.files.iter().all(|f| f.url.is_some()), "{rel}: {}", p.name);
            }
        }
    }
}

#[test]
fn sources_and_pep751_markers() {
    let locks = load_all();
    // pip: 17 git entries, one archive, entries without a version.
    let pip = &locks["Evernight__lazy-beancount/pylock.toml"];
    let git = pip
        .packages
        .iter()
        .filter(|p| matches!(p.source, Source::Git { .. }))
        .count();
    assert_eq!(git, 17);
    let archive: Vec<_> = pip
        .packages
        .iter()
        .filter(|p| matches!(p.source, Source::Url { .. }))
        .collect();
    assert_eq!(archive.len(), 1);
    // Its only hash is sha1: no file (the hub refuses to build it, with why).
    assert!(archive[0].files.is_empty());
    // uv export: the project itself is an editable directory without a version.
    let comfy = &locks["Comfy-Org__comfy-cli/pylock.toml"];
    // It is the project, not a package (the user builds it).
    assert!(comfy.packages.iter().all(|p| p.name != "comfy-cli"));
    assert_eq!(
        comfy.project.as_ref().unwrap().name.as_deref(),
        Some("comfy-cli")
    );
    let importers = pip
        .packages
        .iter()
        .find(|p| p.name == "beancount-importers")
        .unwrap();
    assert_eq!(importers.version, "0", "an entry without a version");
    // pdm: groups default, dev, tests; markers on groups and extras.
    let pdm = &locks["Buried-In-Code__Perdoo/pylock.toml"];
    let project = pdm.project.as_ref().unwrap();
    let groups: Vec<&str> = project.dependencies.keys().map(String::as_str).collect();
    assert_eq!(groups, ["default", "dev", "main", "tests"]);
    let names = |g: &str| -> Vec<&str> {
        project.dependencies[g]
            .iter()
            .map(|d| d.name.as_str())
            .collect()
    };
    assert!(names("tests").contains(&"pytest"), "{:?}", names("tests"));
    // Whatever the group, the whole-lock marker is the one with all selected.
    let pytest = pdm.packages.iter().find(|p| p.name == "pytest").unwrap();
    assert!(
        matches!(pytest.markers, PackageMarkers::None),
        "selected: always"
    );
}

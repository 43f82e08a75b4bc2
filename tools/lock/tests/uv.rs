//! Every uv.lock of the lock-file corpus (`tests/corpus`) parses, with the
//! package counts of its INDEX.md (the root project is the [`Project`], not a
//! package) and spot checks of the features it lists.

use std::collections::BTreeMap;

use ofiuco_lock::{read_lock, Lock, PackageMarkers, Project, Source};
use ofiuco_testsupport::{corpus_relative, corpus_uv_locks};

/// Lock path relative to the corpus -> `[[package]]` entries (INDEX.md).
const EXPECTED: &[(&str, usize)] = &[
    ("0b01001001__spectree/uv.lock", 80),
    ("Comfy-Org__comfy-cli/uv.lock", 74),
    ("dlt-hub__dlt/@58d66fceef/uv.lock", 500),
    (
        "huggingface__text-generation-inference/integration-tests@db931fcf42/uv.lock",
        46,
    ),
    (
        "huggingface__text-generation-inference/server@db931fcf42/uv.lock",
        136,
    ),
    ("m-bain__whisperX/uv.lock", 135),
];

fn load_all() -> BTreeMap<String, Lock> {
    corpus_uv_locks()
        .into_iter()
        .map(|path| {
            let rel = corpus_relative(&path);
            let lock = read_lock(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
            (rel, lock)
        })
        .collect()
}

fn project(lock: &Lock) -> &Project {
    lock.project.as_ref().expect("a root project")
}

#[test]
fn corpus_parses_with_index_counts() {
    let locks = load_all();
    let found: Vec<&str> = locks.keys().map(String::as_str).collect();
    let expected: Vec<&str> = EXPECTED.iter().map(|(rel, _)| *rel).collect();
    assert_eq!(
        found, expected,
        "the corpus's uv.locks changed: update EXPECTED"
    );
    for (rel, count) in EXPECTED {
        let lock = &locks[*rel];
        // The root (editable or virtual ".") is the project.
        assert_eq!(lock.packages.len() + 1, *count, "{rel}");
        assert!(lock.edges_recorded);
        assert!(lock.lock_version.starts_with("uv 1, revision "), "{rel}");
        // Every edge names its entry, and the entry has the edge's name.
        for p in &lock.packages {
            for d in &p.dependencies {
                let target = d
                    .package
                    .unwrap_or_else(|| panic!("{rel}: {} -> {}", p.name, d.name));
                assert_eq!(lock.packages[target].name, d.name, "{rel}");
            }
            // Registry packages carry the URL of every file: no index lookup.
            if matches!(p.source, Source::Registry { .. }) {
                assert!(
                    !p.files.is_empty() && p.files.iter().all(|f| f.url.is_some()),
                    "{rel}: {}",
                    p.name
                );
            }
        }
    }
}

#[test]
fn root_project_groups_and_extras() {
    let locks = load_all();
    // comfy-cli: `source = { editable = "." }` with extras dev and preview.
    let comfy = project(&locks["Comfy-Org__comfy-cli/uv.lock"]);
    assert_eq!(comfy.name.as_deref(), Some("comfy-cli"));
    let main: Vec<&str> = comfy.dependencies["main"]
        .iter()
        .filter(|d| !d.optional)
        .map(|d| d.name.as_str())
        .collect();
    assert!(main.contains(&"typer") && main.contains(&"uv"), "{main:?}");
    assert_eq!(comfy.extras["preview"], ["term-image"]);
    assert_eq!(
        locks["Comfy-Org__comfy-cli/uv.lock"]
            .python_versions
            .as_deref(),
        Some(">=3.10")
    );
    // spectree: dependency groups docs and dev (dev-dependencies in the lock).
    let spectree = project(&locks["0b01001001__spectree/uv.lock"]);
    assert!(
        spectree.dependencies.contains_key("dev"),
        "{:?}",
        spectree.dependencies.keys()
    );
    assert!(spectree.dependencies.contains_key("docs"));
    // TGI integration tests: a virtual root.
    let tgi = &locks["huggingface__text-generation-inference/integration-tests@db931fcf42/uv.lock"];
    assert!(!project(tgi).dependencies["main"].is_empty());
    assert!(tgi
        .packages
        .iter()
        .all(|p| !matches!(p.source, Source::Directory { .. })));
}

#[test]
fn forks_name_their_versions() {
    let locks = load_all();
    let lock = &locks["0b01001001__spectree/uv.lock"];
    let sphinx: Vec<_> = lock
        .packages
        .iter()
        .filter(|p| p.name == "sphinx")
        .collect();
    assert!(sphinx.len() >= 2, "sphinx is forked");
    assert!(sphinx
        .iter()
        .all(|p| matches!(p.markers, PackageMarkers::All(_))));
    // whisperX: torch from the cpu and the cu128 index, local versions.
    let whisper = &locks["m-bain__whisperX/uv.lock"];
    let torch: Vec<_> = whisper
        .packages
        .iter()
        .filter(|p| p.name == "torch")
        .collect();
    assert!(
        torch.iter().any(|p| p.version.ends_with("+cpu")),
        "{:?}",
        torch.iter().map(|p| &p.version).collect::<Vec<_>>()
    );
    assert!(torch.iter().any(
        |p| matches!(&p.source, Source::Registry { index: Some(i) } if i.url.contains("pytorch"))
    ));
    let cpu_wheel = torch
        .iter()
        .flat_map(|p| &p.files)
        .find(|f| f.filename.contains("+cpu"))
        .expect("a +cpu wheel");
    assert!(
        cpu_wheel.url.as_deref().is_some_and(|u| u.contains("%2B")),
        "the URL keeps its encoding"
    );
    // dlt: a git source with branch and commit.
    let dlt = &locks["dlt-hub__dlt/@58d66fceef/uv.lock"];
    let git = dlt
        .packages
        .iter()
        .find(|p| p.name == "flake8-encodings")
        .unwrap();
    assert_eq!(
        git.source,
        Source::Git {
            url: "https://github.com/dlt-hub/flake8-encodings.git".to_string(),
            reference: Some("disable_jedi_support".to_string()),
            resolved_reference: Some("ab20ac162de68c4a0956adc93dc14928a9f7dcb9".to_string()),
            subdirectory: None,
        }
    );
}

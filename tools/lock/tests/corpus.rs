//! Every poetry.lock of the lock-file corpus (`tests/corpus` at the workspace
//! root) parses, with the package counts of its INDEX.md and spot checks of
//! the features it lists.

use std::collections::BTreeMap;

use ofiuco_lock::{marker_string, read_poetry_lock, Lock, Package, PackageMarkers, Source};
use ofiuco_testsupport::{corpus_poetry_locks, corpus_relative};

/// Lock path relative to the corpus -> package count from INDEX.md.
const EXPECTED: &[(&str, usize)] = &[
    (
        "aws-powertools__powertools-lambda-python/layer/poetry.lock",
        28,
    ),
    (
        "huggingface__text-generation-inference/load_tests@db931fcf42/poetry.lock",
        19,
    ),
    ("dlt-hub__dlt/@99de9b897a/poetry.lock", 72),
    (
        "huggingface__text-generation-inference/server@4a7dd4085a/poetry.lock",
        71,
    ),
    (
        "huggingface__text-generation-inference/server@6ec5288ab7/poetry.lock",
        81,
    ),
    ("python-poetry__poetry/poetry.lock", 78),
    (
        "huggingface__text-generation-inference/server@d61f14f271/poetry.lock",
        134,
    ),
    ("aws-powertools__powertools-lambda-python/poetry.lock", 178),
    ("airbytehq__airbyte-python-cdk/poetry.lock", 223),
    ("OpenInterpreter__open-interpreter/poetry.lock", 411),
    ("dlt-hub__dlt/@b1cff8cc66/poetry.lock", 441),
];

fn load_all() -> BTreeMap<String, Lock> {
    let mut locks = BTreeMap::new();
    for path in corpus_poetry_locks() {
        let rel = corpus_relative(&path);
        let lock = read_poetry_lock(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        locks.insert(rel, lock);
    }
    locks
}

fn get<'a>(locks: &'a BTreeMap<String, Lock>, rel: &str) -> &'a Lock {
    locks
        .get(rel)
        .unwrap_or_else(|| panic!("corpus lock {rel} not found"))
}

fn packages<'a>(lock: &'a Lock, name: &str) -> Vec<&'a Package> {
    lock.packages.iter().filter(|p| p.name == name).collect()
}

#[test]
fn corpus() {
    let locks = load_all();
    counts(&locks);
    pytorch_index(&locks);
    name_locked_twice(&locks);
    git_and_group_markers(&locks);
    lock_1_1(&locks);
    url_sources(&locks);
    extra_markers(&locks);
    git_branch(&locks);
}

/// Every poetry.lock parses, and the counts match INDEX.md.
fn counts(locks: &BTreeMap<String, Lock>) {
    let found: Vec<&str> = locks.keys().map(String::as_str).collect();
    let mut expected: Vec<&str> = EXPECTED.iter().map(|(p, _)| *p).collect();
    expected.sort_unstable();
    assert_eq!(found, expected, "poetry.lock files in the corpus");
    for (rel, count) in EXPECTED {
        let lock = get(locks, rel);
        assert_eq!(lock.packages.len(), *count, "{rel}: package count");
        assert!(
            lock.project.is_some(),
            "{rel}: pyproject.toml beside the lock"
        );
        for p in &lock.packages {
            if matches!(p.source, Source::Registry { .. }) {
                assert!(!p.files.is_empty(), "{rel}: {} has files", p.name);
            }
            for f in &p.files {
                assert_eq!(f.sha256.len(), 64);
            }
        }
    }
}

/// torch 2.0.1+cu118 from the PyTorch index.
fn pytorch_index(locks: &BTreeMap<String, Lock>) {
    let tgi = get(
        locks,
        "huggingface__text-generation-inference/server@6ec5288ab7/poetry.lock",
    );
    assert_eq!(tgi.lock_version, "2.0");
    let torch = packages(tgi, "torch");
    assert_eq!(torch.len(), 1);
    assert_eq!(torch[0].version, "2.0.1+cu118");
    let Source::Registry { index: Some(index) } = &torch[0].source else {
        panic!("torch source: {:?}", torch[0].source);
    };
    assert_eq!(index.name, "pytorch-gpu-src");
    assert_eq!(index.url, "https://download.pytorch.org/whl/cu118");
}

/// urllib3 locked twice (1.x and 2.x), with botocore's list-valued dependency.
fn name_locked_twice(locks: &BTreeMap<String, Lock>) {
    let powertools = get(
        locks,
        "aws-powertools__powertools-lambda-python/poetry.lock",
    );
    let urllib3: Vec<&str> = packages(powertools, "urllib3")
        .iter()
        .map(|p| p.version.as_str())
        .collect();
    assert_eq!(urllib3.len(), 2, "{urllib3:?}");
    assert!(urllib3.iter().any(|v| v.starts_with("1.")));
    assert!(urllib3.iter().any(|v| v.starts_with("2.")));
    let botocore = packages(powertools, "botocore")[0];
    let edges: Vec<_> = botocore
        .dependencies
        .iter()
        .filter(|d| d.name == "urllib3")
        .collect();
    assert_eq!(edges.len(), 2);
    assert!(edges.iter().all(|d| d.marker.is_some()));
    for version in &urllib3 {
        let allowed = edges
            .iter()
            .filter(|d| ofiuco_lock::constraint_allows(d.constraint.as_deref().unwrap(), version))
            .count();
        assert!(allowed >= 1, "urllib3 {version} reachable from botocore");
    }
}

/// Git source with `resolved_reference`, and per-group markers (lock 2.1).
fn git_and_group_markers(locks: &BTreeMap<String, Lock>) {
    let poetry = get(locks, "python-poetry__poetry/poetry.lock");
    assert_eq!(poetry.lock_version, "2.1");
    let core = packages(poetry, "poetry-core")[0];
    assert_eq!(
        core.source,
        Source::Git {
            url: "https://github.com/python-poetry/poetry-core.git".into(),
            reference: Some("HEAD".into()),
            resolved_reference: Some("e3998b0e111dc03e4aa721fd054c48e5c7de6fc5".into()),
            subdirectory: None,
        }
    );
    assert!(core.files.is_empty());
    let by_group: Vec<&Package> = poetry
        .packages
        .iter()
        .filter(|p| matches!(p.markers, PackageMarkers::ByGroup(_)))
        .collect();
    assert!(!by_group.is_empty());
    for p in &by_group {
        let PackageMarkers::ByGroup(map) = &p.markers else {
            unreachable!()
        };
        assert!(map.len() >= 2, "{}: {map:?}", p.name);
        for group in map.keys() {
            assert!(p.groups.contains(group), "{}: {group}", p.name);
        }
    }
    let project = poetry.project.as_ref().unwrap();
    assert_eq!(project.name.as_deref(), Some("poetry"));
    assert!(project.dependencies["main"]
        .iter()
        .any(|d| d.name == "poetry-core"));
    assert!(project.dependencies.contains_key("test"));
}

/// Lock 1.1: directory source outside the repository, category.
fn lock_1_1(locks: &BTreeMap<String, Lock>) {
    let dlt_old = get(locks, "dlt-hub__dlt/@99de9b897a/poetry.lock");
    assert_eq!(dlt_old.lock_version, "1.1");
    let autopoiesis = packages(dlt_old, "autopoiesis")[0];
    assert_eq!(
        autopoiesis.source,
        Source::Directory {
            path: "../rasa_data_ingestion".into(),
            develop: false
        }
    );
    assert_eq!(autopoiesis.groups, ["main"]);
    assert!(dlt_old.packages.iter().any(|p| p.groups == ["dev"]));
    assert!(dlt_old
        .project
        .as_ref()
        .unwrap()
        .dependencies
        .contains_key("dev"));
}

/// URL sources: the same name and version locked once per wheel.
fn url_sources(locks: &BTreeMap<String, Lock>) {
    let tgi_url = get(
        locks,
        "huggingface__text-generation-inference/server@d61f14f271/poetry.lock",
    );
    let kernels = packages(tgi_url, "attention-kernels");
    assert_eq!(kernels.len(), 4);
    for k in &kernels {
        let Source::Url { url } = &k.source else {
            panic!("{:?}", k.source)
        };
        assert!(url.ends_with(&k.files[0].filename), "{url}");
    }
    let url_count = tgi_url
        .packages
        .iter()
        .filter(|p| matches!(p.source, Source::Url { .. }))
        .count();
    assert_eq!(url_count, 12);
    let tgi_project = tgi_url.project.as_ref().unwrap();
    let ak: Vec<_> = tgi_project.dependencies["main"]
        .iter()
        .filter(|d| d.name == "attention-kernels")
        .collect();
    assert_eq!(ak.len(), 4);
    assert!(ak.iter().all(|d| d.optional && d.marker.is_some()));
    assert_eq!(tgi_project.extras["attention"], ["attention-kernels"]);
}

/// `extra == ...` in package markers (lock 2.1).
fn extra_markers(locks: &BTreeMap<String, Lock>) {
    let airbyte = get(locks, "airbytehq__airbyte-python-cdk/poetry.lock");
    assert_eq!(airbyte.lock_version, "2.1");
    assert!(airbyte
        .packages
        .iter()
        .all(|p| !matches!(p.markers, PackageMarkers::None)));
    let with_extra = airbyte
        .packages
        .iter()
        .filter(|p| match &p.markers {
            PackageMarkers::All(m) => marker_string(m).is_some_and(|s| s.contains("extra ==")),
            PackageMarkers::ByGroup(map) => map
                .values()
                .any(|m| marker_string(m).is_some_and(|s| s.contains("extra =="))),
            PackageMarkers::None => false,
        })
        .count();
    assert!(with_extra > 10, "{with_extra}");
    assert_eq!(packages(airbyte, "numpy").len(), 2);
}

/// Git dependency on a branch.
fn git_branch(locks: &BTreeMap<String, Lock>) {
    let dlt = get(locks, "dlt-hub__dlt/@b1cff8cc66/poetry.lock");
    assert!(dlt.packages.iter().any(|p| matches!(
        &p.source,
        Source::Git { reference: Some(r), resolved_reference: Some(_), .. } if r == "disable_jedi_support"
    )));
    let dlt_project = dlt.project.as_ref().unwrap();
    assert_eq!(dlt_project.extras.len(), 28);
}

//! Golden tests: the hub rendered from each small lock fixture of the lock
//! crate (`tools/lock/tests/fixtures/<name>.lock`, with `<name>.pyproject.toml`
//! beside it as `pyproject.toml` when present) is pinned file by file under
//! `tests/golden/<name>/`; so are the hubs of the uv.lock and pylock.toml
//! fixtures (`tests/golden/uv.lock/`, `tests/golden/pylock.toml/`,
//! `tests/golden/pylock.edges.toml/`). Run with `UPDATE_GOLDEN=1` to rewrite them.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use ofiuco_hub::{render, HubFiles, HubOptions};

fn lock_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../lock/tests/fixtures")
}

/// Reads fixture `name` with `read_poetry_lock`, from a scratch directory where
/// the lock is `poetry.lock` and its pyproject (if any) `pyproject.toml`.
fn read_fixture(name: &str) -> ofiuco_lock::Lock {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let src = lock_fixtures();
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("hub-golden-{}-{call}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    fs::copy(src.join(format!("{name}.lock")), dir.join("poetry.lock")).unwrap();
    let pyproject = src.join(format!("{name}.pyproject.toml"));
    if pyproject.is_file() {
        fs::copy(&pyproject, dir.join("pyproject.toml")).unwrap();
    }
    let mut lock = ofiuco_lock::read_poetry_lock(&dir.join("poetry.lock"))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    fs::remove_dir_all(&dir).unwrap();
    // The header of BUILD.bazel names the lock: keep it machine-independent.
    lock.path = PathBuf::from(format!("tools/lock/tests/fixtures/{name}.lock"));
    lock
}

/// A uv.lock or pylock.toml fixture, read through [`ofiuco_lock::read_lock`]
/// (format detection included).
fn read_other(file: &str) -> ofiuco_lock::Lock {
    let mut lock = ofiuco_lock::read_lock(&lock_fixtures().join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    lock.path = PathBuf::from(format!("tools/lock/tests/fixtures/{file}"));
    lock
}

fn render_fixture(name: &str) -> HubFiles {
    let lock = if name.starts_with("poetry-") {
        read_fixture(name)
    } else {
        read_other(name)
    };
    render(
        &lock,
        &HubOptions {
            hub_name: "poetry".to_string(),
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `files.json` exactly as `ofiuco lock` writes it.
fn files_json(hub: &HubFiles) -> String {
    let mut json = serde_json::json!({ "files": hub.files });
    if !hub.sources.is_empty() {
        json["sources"] = serde_json::json!(hub.sources);
    }
    serde_json::to_string_pretty(&json).unwrap()
}

fn check(name: &str) {
    let hub = render_fixture(name);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    let outputs = [
        ("BUILD.bazel", hub.build.clone()),
        ("files.json", files_json(&hub)),
    ];
    let update = std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1");
    let mut stale = Vec::new();
    for (file, actual) in &outputs {
        let path = dir.join(file);
        if update {
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, actual).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}\n  hint: run `UPDATE_GOLDEN=1 cargo test -p ofiuco-hub --test golden` to create it",
                path.display()
            )
        });
        if &expected != actual {
            let line = expected
                .lines()
                .zip(actual.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
            stale.push(format!(
                "{file} differs from line {}:\n  expected: {:?}\n  actual:   {:?}",
                line + 1,
                expected.lines().nth(line).unwrap_or("<end of file>"),
                actual.lines().nth(line).unwrap_or("<end of file>"),
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "{name}: the rendered hub differs from tests/golden/{name}:\n{}\n  hint: if the change is intended, run `UPDATE_GOLDEN=1 cargo test -p ofiuco-hub --test golden`",
        stale.join("\n")
    );
}

#[test]
fn poetry_1_1() {
    check("poetry-1.1");
}

#[test]
fn poetry_2_0() {
    check("poetry-2.0");
}

#[test]
fn poetry_2_1() {
    check("poetry-2.1");
}

#[test]
fn uv_lock() {
    check("uv.lock");
}

#[test]
fn pylock_without_dependencies() {
    check("pylock.toml");
}

#[test]
fn pylock_with_dependencies() {
    check("pylock.edges.toml");
}

/// Rendering twice gives the same bytes (no hash-order or thread-order leaks).
#[test]
fn deterministic() {
    let a = render_fixture("poetry-2.1");
    let b = render_fixture("poetry-2.1");
    assert_eq!(a.build, b.build);
    assert_eq!(a.files, b.files);
}

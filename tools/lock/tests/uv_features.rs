//! uv.locks that real uv 0.13.9 wrote for the features ofiuco maps or
//! refuses (`tests/fixtures/uv-features/*`, each with its pyproject.toml):
//! `[tool.uv] conflicts` with and without forks, a local flat index
//! (`format = "flat"`), and a path source of a wheel.

use std::path::{Path, PathBuf};

use ofiuco_lock::{check_uv, read_lock, Freshness, Source};

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/uv-features")
        .join(name)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fresh(name: &str, pyproject: &str) -> Freshness {
    let lock = dir(name).join("uv.lock");
    check_uv(
        &lock,
        &read(&lock),
        &dir(name).join("pyproject.toml"),
        pyproject,
    )
    .unwrap()
}

/// Conflicting extras (`idna` 3.7 / 3.10) and groups (`six` 1.16.0 / 1.17.0)
/// fork names by the user's selection, not by the environment: refused,
/// naming the package, its versions and the conflict sets.
#[test]
fn forking_conflicts_are_refused() {
    let err = read_lock(&dir("conflicts").join("uv.lock"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("uv.lock:50`: package `idna` 3.7: it is locked at versions 3.7, 3.10 for the conflicting extras or groups [extra `new`, extra `old`], [group `lint-new`, group `lint-old`] of `[tool.uv] conflicts`"),
        "{err}"
    );
    assert!(
        err.contains(
            "hint: ofiuco reads a uv.lock with `conflicts` only while no package is forked by them"
        ),
        "{err}"
    );
    // The lock is still fresh: `:lock_test` and `:lock` keep working.
    let text = read(&dir("conflicts").join("pyproject.toml"));
    assert_eq!(fresh("conflicts", &text), Freshness::Fresh);
}

/// Conflicts that fork nothing (one `idna` for both extras): read as usual.
#[test]
fn conflicts_without_forks_are_read() {
    let lock = read_lock(&dir("conflicts-nofork").join("uv.lock")).unwrap();
    let names: Vec<(&str, &str)> = lock
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    assert_eq!(names, [("idna", "3.10"), ("six", "1.17.0")]);
    let project = lock.project.unwrap();
    assert_eq!(project.extras["a"], ["idna"]);
    assert_eq!(project.extras["b"], ["idna"]);
}

/// A local flat index: uv locks its files without a hash, so they cannot be
/// pinned; refused naming the file, the index and what to do instead.
#[test]
fn local_flat_index_is_refused() {
    let err = read_lock(&dir("flat-index").join("uv.lock"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("uv.lock:25`: package `idna` 3.10: its file `idna-3.10-py3-none-any.whl` comes from the local flat index `wheels` (a directory), whose files uv locks without a hash"),
        "{err}"
    );
    assert!(err.contains("or name the file as a path source"), "{err}");
}

/// What the refusal suggests: a path source of the wheel, which uv hashes.
#[test]
fn path_wheel_is_read() {
    let lock = read_lock(&dir("path-wheel").join("uv.lock")).unwrap();
    let idna = &lock.packages[0];
    assert_eq!(
        idna.source,
        Source::File {
            path: "wheels/idna-3.10-py3-none-any.whl".to_string()
        }
    );
    assert_eq!(
        idna.files[0].sha256,
        "946d195a0d259cbba61165e88e65941f16e9b36ea6ddb97f00452bae8b1287d3"
    );
}

/// The flat index's lock is fresh (uv records the index as an absolute
/// `file://` URL of the machine that locked); another directory is stale.
#[test]
fn flat_index_freshness() {
    let text = read(&dir("flat-index").join("pyproject.toml"));
    assert_eq!(fresh("flat-index", &text), Freshness::Fresh);
    let moved = text.replace("url = \"./wheels\"", "url = \"./vendor\"");
    let Freshness::Stale(changes) = fresh("flat-index", &moved) else {
        panic!("expected stale")
    };
    assert!(
        changes
            .iter()
            .any(|c| c.contains("`idna @ index vendor` is in pyproject.toml but not in the lock")),
        "{changes:#?}"
    );
    assert!(
        changes.iter().any(|c| c.contains("`idna` 3.10, `six` 1.17.0 came from the index `wheels`, which pyproject.toml no longer names")),
        "{changes:#?}"
    );
}

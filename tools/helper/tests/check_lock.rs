//! `ofiuco check-lock` run as a process (the hub's `:lock_test`): a fresh
//! lock passes, an edited pyproject.toml fails naming the change and the
//! command to run, a pylock.toml is refused.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lock/tests/fixtures")
        .join(name)
}

fn check(dir: &Path, lock: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ofiuco"))
        .arg("check-lock")
        .arg(dir.join(lock))
        .args(extra)
        .output()
        .expect("run ofiuco")
}

/// A project directory with the uv fixture as `uv.lock` and `pyproject`.
fn uv_project(pyproject: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(fixture("uv.lock"), dir.path().join("uv.lock")).unwrap();
    fs::write(dir.path().join("pyproject.toml"), pyproject).unwrap();
    dir
}

#[test]
fn fresh_uv_lock_passes() {
    let dir = uv_project(&fs::read_to_string(fixture("uv.pyproject.toml")).unwrap());
    let out = check(dir.path(), "uv.lock", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("is up to date with"));
}

#[test]
fn stale_uv_lock_names_the_change_and_the_command() {
    let pyproject = fs::read_to_string(fixture("uv.pyproject.toml"))
        .unwrap()
        .replace("\"idna\"]", "\"idna>=3.20\"]");
    let dir = uv_project(&pyproject);
    let out = check(dir.path(), "uv.lock", &["--relock", "bazel run @uv//:lock"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr)
        .unwrap()
        .replace(&dir.path().display().to_string(), "[TMP]");
    assert_eq!(
        err,
        "error: `[TMP]/uv.lock` is out of date: `[TMP]/pyproject.toml` changed since it was locked\n  \
         - `[project] dependencies` and `optional-dependencies`: `idna>=3.20 ; extra == 'cli'` is in pyproject.toml but not in the lock\n  \
         - `[project] dependencies` and `optional-dependencies`: `idna ; extra == 'cli'` is in the lock but no longer in pyproject.toml\n  \
         hint: run `bazel run @uv//:lock` and commit the new lock\n"
    );
}

#[test]
fn stale_poetry_lock_shows_both_hashes() {
    let dir = tempfile::tempdir().unwrap();
    // A real Poetry 2.4.1 lock with the pyproject.toml of its commit.
    let corpus =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/python-poetry__poetry");
    fs::copy(corpus.join("poetry.lock"), dir.path().join("poetry.lock")).unwrap();
    let pyproject = fs::read_to_string(corpus.join("pyproject.toml")).unwrap();
    fs::write(dir.path().join("pyproject.toml"), &pyproject).unwrap();
    let fresh = check(dir.path(), "poetry.lock", &[]);
    assert!(
        fresh.status.success(),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );

    let edited = pyproject.replacen("dependencies = [", "dependencies = [\n    \"six\",", 1);
    assert_ne!(edited, pyproject);
    fs::write(dir.path().join("pyproject.toml"), edited).unwrap();
    let out = check(dir.path(), "poetry.lock", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("its `[metadata] content-hash` is `"), "{err}");
    assert!(
        err.contains("hint: run `poetry lock` and commit the new lock"),
        "{err}"
    );
}

#[test]
fn pylock_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(fixture("pylock.toml"), dir.path().join("pylock.toml")).unwrap();
    fs::write(dir.path().join("pyproject.toml"), "").unwrap();
    let out = check(dir.path(), "pylock.toml", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("is a pylock.toml, whose freshness ofiuco cannot check"));
}

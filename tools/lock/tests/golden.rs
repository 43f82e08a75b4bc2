//! Golden tests: each `fixtures/<name>.lock` (with `fixtures/<name>.pyproject.toml`
//! when present) parses into the model pinned in `fixtures/<name>.expected.json`;
//! likewise `fixtures/uv.lock` (written by uv 0.13.9 from `uv.pyproject.toml`),
//! `fixtures/pylock.toml` (`uv export` of the same project) and
//! `fixtures/pylock.edges.toml` (a pylock.toml with PEP 751 `dependencies`).
//! Run with `UPDATE_GOLDEN=1` to rewrite the expected files.

use std::path::{Path, PathBuf};
use std::process::Command;

use ofiuco_lock::{parse_poetry_lock, parse_pylock, parse_uv_lock, Lock};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Runs the test `test` in a process of its own (the test binary, filtered to
/// it) unless this already is that process. `pep508_rs` interns markers
/// process-wide and keeps the first spelling of equal versions (`"4"` and
/// `"4.0"`), so goldens parsed side by side on the harness's threads would see
/// each other's spellings now and then; `ofiuco lock` reads one lock per
/// process, and so does each golden.
fn isolated(test: &str, run: impl FnOnce()) {
    if std::env::var_os("OFIUCO_GOLDEN_CHILD").is_some() {
        run();
        return;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(exe)
        .args([test, "--exact", "--test-threads=1", "--nocapture"])
        .env("OFIUCO_GOLDEN_CHILD", "1")
        .output()
        .expect("run the golden test in its own process");
    assert!(
        out.status.success(),
        "{test} failed in its own process:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // A filter that matched nothing would pass silently.
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 passed"),
        "{test}: the child process ran no test"
    );
}

fn check(name: &str, lock_version: &str) {
    let dir = fixtures();
    let lock_text = std::fs::read_to_string(dir.join(format!("{name}.lock"))).unwrap();
    let pyproject_path = dir.join(format!("{name}.pyproject.toml"));
    let pyproject_text = std::fs::read_to_string(&pyproject_path).ok();
    // Paths relative to the crate keep the expected JSON machine-independent.
    let lock_path = PathBuf::from(format!("tests/fixtures/{name}.lock"));
    let pyproject_rel = PathBuf::from(format!("tests/fixtures/{name}.pyproject.toml"));
    let lock = parse_poetry_lock(
        &lock_text,
        &lock_path,
        pyproject_text
            .as_deref()
            .map(|t| (t, pyproject_rel.as_path())),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(lock.lock_version, lock_version);
    compare(name, &lock);
}

/// A uv.lock or pylock.toml fixture, read by the reader of its format.
fn check_file(file: &str, lock_version: &str) {
    let text = std::fs::read_to_string(fixtures().join(file)).unwrap();
    let path = PathBuf::from(format!("tests/fixtures/{file}"));
    let lock = match file {
        "uv.lock" => parse_uv_lock(&text, &path),
        _ => parse_pylock(&text, &path),
    }
    .unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(lock.lock_version, lock_version);
    compare(file, &lock);
}

fn compare(name: &str, lock: &Lock) {
    let dir = fixtures();
    let actual = serde_json::to_string_pretty(lock).unwrap() + "\n";
    let expected_path = dir.join(format!("{name}.expected.json"));
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::write(&expected_path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}\n  hint: run `UPDATE_GOLDEN=1 cargo test -p ofiuco-lock --test golden` to create it",
            expected_path.display()
        )
    });
    if actual != expected {
        let first_diff = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .map_or_else(
                || actual.lines().count().min(expected.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "{name}: the parsed model differs from {} (first difference at line {first_diff})\n  hint: review, then run `UPDATE_GOLDEN=1 cargo test -p ofiuco-lock --test golden`\n--- actual ---\n{actual}",
            expected_path.display()
        );
    }
}

#[test]
fn lock_1_1() {
    isolated("lock_1_1", || check("poetry-1.1", "1.1"));
}

#[test]
fn lock_2_0() {
    isolated("lock_2_0", || check("poetry-2.0", "2.0"));
}

#[test]
fn lock_2_1_group_markers() {
    isolated("lock_2_1_group_markers", || check("poetry-2.1", "2.1"));
}

#[test]
fn uv_lock() {
    isolated("uv_lock", || check_file("uv.lock", "uv 1, revision 5"));
}

#[test]
fn pylock_from_uv_export() {
    isolated("pylock_from_uv_export", || {
        check_file("pylock.toml", "pylock 1.0");
    });
}

#[test]
fn pylock_with_dependencies() {
    isolated("pylock_with_dependencies", || {
        check_file("pylock.edges.toml", "pylock 1.0");
    });
}

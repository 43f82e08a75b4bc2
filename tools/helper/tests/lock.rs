//! `ofiuco lock` run as a process: a fixture lock becomes a hub directory; bad
//! input is refused with a message that says where and why, and leaves no files.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lock/tests/fixtures")
        .join(name)
}

fn ofiuco_lock(lock: &Path, output: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ofiuco"))
        .arg("lock")
        .arg(lock)
        .arg("--output")
        .arg(output)
        .args(extra)
        .output()
        .expect("run ofiuco")
}

/// Stderr of a refused run, with the temporary directory written as `[TMP]`.
fn refusal(output: &Output, tmp: &Path) -> String {
    assert_eq!(
        output.status.code(),
        Some(1),
        "expected a refusal; stdout: {}; stderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stderr.clone())
        .unwrap()
        .replace(&tmp.display().to_string(), "[TMP]")
}

/// Writes `text` as `tmp/<name>` and runs `ofiuco lock` on it into `tmp/out`;
/// checks that nothing was written and returns the message.
fn refuse(name: &str, text: &str, extra: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let lock = tmp.path().join(name);
    fs::write(&lock, text).unwrap();
    let out = tmp.path().join("out");
    let output = ofiuco_lock(&lock, &out, extra);
    let message = refusal(&output, tmp.path());
    assert_no_files(&out);
    message
}

fn assert_no_files(dir: &Path) {
    if dir.exists() {
        let entries: Vec<_> = walk(dir);
        assert!(entries.is_empty(), "a refused lock wrote {entries:?}");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn writes_the_hub() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("hub");
    let output = ofiuco_lock(&fixture("poetry-2.1.lock"), &out, &["--hub-name", "pypi"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut written: Vec<String> = walk(&out)
        .iter()
        .map(|p| {
            p.strip_prefix(&out)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    written.sort();
    assert_eq!(written, ["BUILD.bazel", "files.json"]);
    let files: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("files.json")).unwrap()).unwrap();
    let files = files["files"]
        .as_array()
        .expect("files.json has a files list");
    assert!(!files.is_empty());
    let build = fs::read_to_string(out.join("BUILD.bazel")).unwrap();
    for file in files {
        let repo = file["repo"].as_str().expect("a repo name");
        assert!(repo.starts_with("pypi__"), "{repo}");
        assert!(file["sha256"].as_str().is_some_and(|h| h.len() == 64));
        assert!(
            build.contains(&format!("\"@{repo}//:file\"")),
            "BUILD.bazel does not refer to {repo}"
        );
    }
    assert!(build.contains("ofiuco_package("));
    assert!(build.contains("hub_target("));
}

#[test]
fn malformed_toml() {
    let message = refuse(
        "poetry.lock",
        "[[package]]\nname = \"six\"\nversion == \"1.16.0\"\n",
        &[],
    );
    insta::assert_snapshot!(message, @r"
    error: `[TMP]/poetry.lock:3:10`: invalid TOML: extra `=`, expected nothing
      hint: fix the file by hand, or regenerate it (`poetry lock`)
    ");
}

#[test]
fn unknown_lock_version() {
    let message = refuse(
        "poetry.lock",
        "[metadata]\nlock-version = \"3.0\"\ncontent-hash = \"0\"\n",
        &[],
    );
    insta::assert_snapshot!(message, @r"
    error: `[TMP]/poetry.lock` has lock-version `3.0`, which ofiuco cannot read (supported: 1.1, 2.0, 2.1)
      hint: regenerate the lock with a Poetry release that writes one of the supported versions, or upgrade ofiuco
    ");
}

#[test]
fn uv_lock_is_not_supported_yet() {
    let message = refuse("uv.lock", "version = 1\n", &[]);
    insta::assert_snapshot!(message, @r"
    error: [TMP]/uv.lock is a uv lock file, which ofiuco cannot read yet
    hint: ofiuco reads poetry.lock today; uv.lock and pylock.toml support is planned
    ");
}

#[test]
fn bad_hub_name() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let output = ofiuco_lock(&fixture("poetry-2.1.lock"), &out, &["--hub-name", "9pypi"]);
    let message = refusal(&output, tmp.path());
    assert_no_files(&out);
    insta::assert_snapshot!(message, @"error: invalid hub name `9pypi`: a repository name starts with a letter and has only letters, digits, `_`, `-` and `.`");
}

#[test]
fn refused_lock_leaves_an_existing_output_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    fs::create_dir_all(&out).unwrap();
    let lock = tmp.path().join("poetry.lock");
    fs::write(&lock, "[metadata]\nlock-version = \"0.9\"\n").unwrap();
    let output = ofiuco_lock(&lock, &out, &[]);
    refusal(&output, tmp.path());
    assert_no_files(&out);
}

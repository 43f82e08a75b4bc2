//! Error messages are part of the interface: each names the file, the package
//! when there is one, and what to do.

use std::path::Path;

use ofiuco_lock::{parse_poetry_lock, LockError};

const HASH_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn parse(text: &str) -> LockError {
    parse_poetry_lock(text, Path::new("project/poetry.lock"), None).unwrap_err()
}

fn lock_2_0(package: &str) -> String {
    format!("{package}\n[metadata]\nlock-version = \"2.0\"\npython-versions = \"^3.10\"\ncontent-hash = \"0\"\n")
}

#[test]
fn malformed_toml_has_line_and_column() {
    let err = parse("[[package]]\nname = \"six\"\nversion == \"1.16.0\"\n");
    let LockError::Toml { line, column, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((*line, *column), (3, 10));
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock:3:10`: invalid TOML: extra `=`, expected nothing
      hint: fix the file by hand, or regenerate it (`poetry lock`)
    ");
}

#[test]
fn schema_mismatch_is_a_toml_error_with_position() {
    let err = parse(&lock_2_0(
        "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\noptional = \"no\"\nfiles = []\n",
    ));
    insta::assert_snapshot!(err, @r#"
    `project/poetry.lock:4:12`: invalid TOML: invalid type: string "no", expected a boolean
      hint: fix the file by hand, or regenerate it (`poetry lock`)
    "#);
}

#[test]
fn unknown_lock_version() {
    let err = parse("[metadata]\nlock-version = \"3.0\"\n");
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock` has lock-version `3.0`, which ofiuco cannot read (supported: 1.1, 2.0, 2.1)
      hint: regenerate the lock with a Poetry release that writes one of the supported versions, or upgrade ofiuco
    ");
}

#[test]
fn unknown_lock_version_wins_over_schema_mismatch() {
    // A future format may not match today's schema; the version is what to report.
    let err = parse("package = \"new\"\n[metadata]\nlock-version = \"3.0\"\n");
    assert!(
        matches!(err, LockError::UnsupportedLockVersion { .. }),
        "{err:?}"
    );
}

#[test]
fn missing_lock_version() {
    let err = parse("[[package]]\nname = \"six\"\nversion = \"1.16.0\"\n");
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock` has no `metadata.lock-version`, which ofiuco cannot read (supported: 1.1, 2.0, 2.1)
      hint: regenerate the lock with a Poetry release that writes one of the supported versions, or upgrade ofiuco
    ");
}

#[test]
fn missing_hash() {
    let err = parse(&lock_2_0(
        "[[package]]\nname = \"Six\"\nversion = \"1.16.0\"\nfiles = [{file = \"six-1.16.0.tar.gz\"}]\n",
    ));
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock`: file `six-1.16.0.tar.gz` of package `Six` 1.16.0 has no hash, but ofiuco needs a sha256 hash for every file
      hint: re-run `poetry lock` so that every file gets a `sha256:` hash
    ");
}

#[test]
fn other_hash_algorithm() {
    let err = parse(&lock_2_0(
        "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nfiles = [{file = \"six-1.16.0.tar.gz\", hash = \"md5:0123\"}]\n",
    ));
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock`: file `six-1.16.0.tar.gz` of package `six` 1.16.0 has hash `md5:0123`, but ofiuco needs a sha256 hash for every file
      hint: re-run `poetry lock` so that every file gets a `sha256:` hash
    ");
}

#[test]
fn missing_hash_in_lock_1_1_metadata_files() {
    let text = format!(
        "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\ncategory = \"main\"\n\n[metadata]\nlock-version = \"1.1\"\n\n[metadata.files]\nsix = [\n  {{file = \"six-1.16.0-py2.py3-none-any.whl\", hash = \"sha256:{HASH_A}\"}},\n  {{file = \"six-1.16.0.tar.gz\", hash = \"\"}},\n]\n"
    );
    let err = parse(&text);
    assert!(
        matches!(&err, LockError::MissingHash { package, file, .. } if package == "six" && file == "six-1.16.0.tar.gz"),
        "{err:?}"
    );
}

#[test]
fn registry_package_without_files() {
    let err = parse(&lock_2_0(
        "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nfiles = []\n",
    ));
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock`: package `six` 1.16.0 comes from a package index but the lock lists no files for it
      hint: re-run `poetry lock` (with a Poetry release that records files), or check that the index serves files for this version
    ");
}

#[test]
fn git_package_without_files_is_fine() {
    let text = lock_2_0(
        "[[package]]\nname = \"tool\"\nversion = \"1.0\"\nfiles = []\n[package.source]\ntype = \"git\"\nurl = \"https://example.com/tool.git\"\nreference = \"main\"\nresolved_reference = \"abc\"\n",
    );
    let lock = parse_poetry_lock(&text, Path::new("poetry.lock"), None).unwrap();
    assert_eq!(lock.packages.len(), 1);
}

#[test]
fn invalid_marker() {
    let err = parse(&lock_2_0(&format!(
        "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nfiles = [{{file = \"six-1.16.0.tar.gz\", hash = \"sha256:{HASH_A}\"}}]\n[package.dependencies]\nfoo = {{version = \"*\", markers = \"python_version >>> '3'\"}}\n"
    )));
    insta::assert_snapshot!(err, @r#"
    `project/poetry.lock`: invalid marker `python_version >>> '3'` (in package `six` 1.16.0, dependency `foo`): Expected a valid marker operator (such as `>=` or `not in`), found `>>>`
      hint: fix the marker in `pyproject.toml` and re-run `poetry lock`
    "#);
}

#[test]
fn unknown_source_type() {
    let err = parse(&lock_2_0(
        "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nfiles = []\n[package.source]\ntype = \"svn\"\nurl = \"svn://x\"\n",
    ));
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock`: package `six` 1.16.0: unknown `[package.source]` type `svn` (expected legacy, git, url, directory or file)
      hint: re-run `poetry lock`; if the problem persists, report it together with the lock file
    ");
}

#[test]
fn malformed_pyproject_names_pyproject() {
    let lock = lock_2_0(&format!(
        "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nfiles = [{{file = \"six-1.16.0.tar.gz\", hash = \"sha256:{HASH_A}\"}}]\n"
    ));
    let err = parse_poetry_lock(
        &lock,
        Path::new("project/poetry.lock"),
        Some((
            "[project]\ndependencies = [\"six >=\"]\n",
            Path::new("project/pyproject.toml"),
        )),
    )
    .unwrap_err();
    insta::assert_snapshot!(err, @r#"
    `project/pyproject.toml`: invalid requirement `six >=` (in `project.dependencies`): Unexpected end of version specifier, expected version
      hint: write it as a PEP 508 requirement such as `name[extra]>=1.0; python_version < "3.11"`
    "#);
}

#[test]
fn missing_file_is_io_error() {
    let err = ofiuco_lock::read_poetry_lock(Path::new("/nonexistent/poetry.lock")).unwrap_err();
    insta::assert_snapshot!(err, @r"
    failed to read `/nonexistent/poetry.lock`: No such file or directory (os error 2)
      hint: check that the file exists and is readable
    ");
}

#[test]
fn invalid_package_name() {
    let err = parse(&lock_2_0(&format!(
        "[[package]]\nname = \"../six\"\nversion = \"1.16.0\"\nfiles = [{{file = \"six-1.16.0.tar.gz\", hash = \"sha256:{HASH_A}\"}}]\n"
    )));
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock`: invalid package name `../six` (in the `[[package]]` entry of version 1.16.0): the character '/' is not allowed (only ASCII letters, digits, `-`, `_` and `.` are)
      hint: a package name (PEP 508) has only ASCII letters, digits, `-`, `_` and `.`, and starts and ends with a letter or digit; fix the name and re-run `poetry lock`
    ");
}

#[test]
fn invalid_dependency_and_extra_names() {
    let package = format!(
        "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nfiles = [{{file = \"six-1.16.0.tar.gz\", hash = \"sha256:{HASH_A}\"}}]\n"
    );
    let err = parse(&lock_2_0(&format!(
        "{package}[package.dependencies]\n\"foo-\" = \"*\"\n"
    )));
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock`: invalid package name `foo-` (in package `six` 1.16.0, dependency `foo-`): a name must start and end with a letter or digit
      hint: a package name (PEP 508) has only ASCII letters, digits, `-`, `_` and `.`, and starts and ends with a letter or digit; fix the name and re-run `poetry lock`
    ");
    let err = parse(&lock_2_0(&format!(
        "{package}[package.extras]\nsocks = [\"(^1.2)\"]\n"
    )));
    assert!(
        matches!(&err, LockError::InvalidName { name, context, .. } if name.is_empty() && context == "package `six` 1.16.0, extra `socks`"),
        "{err:?}"
    );
}

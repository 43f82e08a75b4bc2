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

// Hostile input (issue 7): every refusal names the file, the package and the
// line, and prints lock text escaped and cut.

fn lock_2_1(packages: &str) -> String {
    format!("{packages}\n[metadata]\nlock-version = \"2.1\"\npython-versions = \">=3.10,<4.0\"\ncontent-hash = \"0\"\n")
}

fn package(name: &str, version: &str, file: &str, rest: &str) -> String {
    format!(
        "[[package]]\nname = {}\nversion = {}\nfiles = [{{file = {}, hash = \"sha256:{HASH_A}\"}}]\n{rest}\n",
        toml_string(name),
        toml_string(version),
        toml_string(file)
    )
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn parse_with(lock: &str, pyproject: &str) -> Result<ofiuco_lock::Lock, LockError> {
    parse_poetry_lock(
        lock,
        Path::new("project/poetry.lock"),
        Some((pyproject, Path::new("project/pyproject.toml"))),
    )
}

#[test]
fn wheel_name_with_a_starlark_payload_in_its_build_tag() {
    // 225 bytes, and still `py3-none-any` to a lax wheel-name parser.
    let file = "a-1.0-1\"])\ngenrule(name = \"x\", outs = [\"x\"], cmd = \"id > $@\")\nexports_files([\"-py3-none-any.whl";
    let err = parse(&lock_2_1(&package("a", "1.0", file, "")));
    insta::assert_snapshot!(err, @r#"
    `project/poetry.lock:4`: file name `a-1.0-1"])\ngenrule(name = "x", outs = ["x"], cmd = "id > $@")\nexports_files(["-py3-none-any.whl` of package `a` 1.0 is not a wheel or sdist name: a part is empty or has characters other than letters, digits, `_` and `.` (and `+`, `!` in the version)
      hint: a wheel is `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl` and an sdist `{name}-{version}.tar.gz` (or `.zip`), each part of letters, digits, `_` and `.` (the version also `+` and `!`); re-run `poetry lock`, and check where the lock came from
    "#);
    for file in [
        "a-1.0-1(-py3-none-any.whl",
        "a-1.0-1;-py3-none-any.whl",
        "a-1.0-1]-py3-none-any.whl",
        "a-1.0-1/../../x-py3-none-any.whl",
        "../a-1.0.tar.gz",
        "a-1.0.exe",
    ] {
        let err = parse(&lock_2_1(&package("a", "1.0", file, "")));
        assert!(
            matches!(&err, LockError::InvalidFileName { line: 4, .. }),
            "{file}: {err}"
        );
    }
}

#[test]
fn lock_1_1_metadata_file_names_are_checked_too() {
    let text = format!(
        "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\n\n[metadata]\nlock-version = \"1.1\"\npython-versions = \"*\"\n\n[metadata.files]\nsix = [\n  {{file = \"six-1.16.0-py2.py3-none-any.whl\", hash = \"sha256:{HASH_A}\"}},\n  {{file = \"six-1.16.0-x\\\"-py3-none-any.whl\", hash = \"sha256:{HASH_A}\"}},\n]\n"
    );
    let err = parse(&text);
    assert!(
        matches!(&err, LockError::InvalidFileName { line: 12, .. }),
        "{err}"
    );
}

#[test]
fn version_that_is_not_pep_440() {
    let err = parse(&lock_2_1(&package(
        "a",
        "1.0\nx",
        "a-1.0-py3-none-any.whl",
        "",
    )));
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock:3`: package `a` has version `1.0\nx`, which is not a PEP 440 version: it has characters other than letters, digits, `.`, `+`, `!`, `-` and `_`
      hint: re-run `poetry lock`, and check where the lock came from
    ");
}

#[test]
fn versions_with_white_space() {
    // pep440_rs accepts surrounding white space; a version in a target name must not have any.
    for version in ["1.0\n", " 1.0", "1.0 "] {
        let err = parse(&lock_2_1(&package(
            "a",
            version,
            "a-1.0-py3-none-any.whl",
            "",
        )));
        assert!(
            matches!(&err, LockError::InvalidVersion { line: 3, .. }),
            "{version:?}: {err}"
        );
    }
    let err = parse(&lock_2_1(&package(
        "a",
        "1.0.x",
        "a-1.0-py3-none-any.whl",
        "",
    )));
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock:3`: package `a` has version `1.0.x`, which is not a PEP 440 version: after parsing `1.0`, found `.x`, which is not part of a valid version
      hint: re-run `poetry lock`, and check where the lock came from
    ");
}

#[test]
fn names_that_are_not_pep_508() {
    for name in ["..", "a b", "", "a/../b", "-a"] {
        let err = parse(&lock_2_1(&package(
            name,
            "1.0",
            "a-1.0-py3-none-any.whl",
            "",
        )));
        assert!(
            matches!(&err, LockError::InvalidName { line: 2, .. }),
            "{name:?}: {err}"
        );
    }
    let err = parse(&lock_2_1(&package(
        "a",
        "1.0",
        "a-1.0-py3-none-any.whl",
        "[package.dependencies]\n\"..\" = \"*\"\n",
    )));
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock:6`: a dependency of package `a` 1.0 `..` is not a valid name: it starts or ends with `-`, `_` or `.`
      hint: a PEP 508 name is letters and digits, with `-`, `_` or `.` only between them (`typing_extensions`, `zope.interface`)
    ");
    let err = parse(&lock_2_1(&package(
        "a",
        "1.0",
        "a-1.0-py3-none-any.whl",
        "[package.extras]\n\"x y\" = []\n",
    )));
    assert!(
        matches!(&err, LockError::InvalidName { line: 6, .. }),
        "{err}"
    );
}

#[test]
fn pyproject_names_that_are_not_pep_508() {
    let lock = lock_2_1(&package("a", "1.0", "a-1.0-py3-none-any.whl", ""));
    let err = parse_with(&lock, "[tool.poetry.dependencies]\n\"a b\" = \"*\"\n").unwrap_err();
    insta::assert_snapshot!(err, @r"
    `project/pyproject.toml:2`: a dependency of `tool.poetry.dependencies` `a b` is not a valid name: it has characters other than ASCII letters, digits, `-`, `_` and `.`
      hint: a PEP 508 name is letters and digits, with `-`, `_` or `.` only between them (`typing_extensions`, `zope.interface`)
    ");
    let err = parse_with(&lock, "[dependency-groups]\n\"..\" = []\n").unwrap_err();
    assert!(
        matches!(&err, LockError::InvalidName { line: 2, .. }),
        "{err}"
    );
}

/// `pep508_rs` 0.9 panics on these (exit 101, no file, no line).
#[test]
fn requirements_that_pep508_rs_panics_on() {
    for requirement in ["b.. (>=1)", "b../c", "a[x.]", "a[x, y_ ] (>=1)"] {
        let extras = format!("[package.extras]\nx = [{}]\n", toml_string(requirement));
        let err = parse(&lock_2_1(&package(
            "a",
            "1.0",
            "a-1.0-py3-none-any.whl",
            &extras,
        )));
        assert!(
            matches!(&err, LockError::InvalidRequirement { .. }),
            "{requirement}: {err}"
        );
        let lock = lock_2_1(&package("a", "1.0", "a-1.0-py3-none-any.whl", ""));
        let pyproject = format!("[project]\ndependencies = [{}]\n", toml_string(requirement));
        let err = parse_with(&lock, &pyproject).unwrap_err();
        assert!(
            matches!(&err, LockError::InvalidRequirement { .. }),
            "{requirement}: {err}"
        );
        let pyproject = format!(
            "[dependency-groups]\ndev = [{}]\n",
            toml_string(requirement)
        );
        let err = parse_with(&lock, &pyproject).unwrap_err();
        assert!(
            matches!(&err, LockError::InvalidRequirement { .. }),
            "{requirement}: {err}"
        );
    }
    let extras = "[package.extras]\nx = [\"b.. (>=1)\"]\n";
    let err = parse(&lock_2_1(&package(
        "a",
        "1.0",
        "a-1.0-py3-none-any.whl",
        extras,
    )));
    insta::assert_snapshot!(err, @r#"
    `project/poetry.lock`: invalid requirement `b.. (>=1)` (in package `a` 1.0, extra `x`): the name ends with `-`, `_` or `.`
      hint: write it as a PEP 508 requirement such as `name[extra]>=1.0; python_version < "3.11"`
    "#);
}

/// Deep parentheses overflow `pep508_rs`'s recursive parser (an abort, not
/// even a panic); 20-digit numbers overflow its version arithmetic.
#[test]
fn markers_that_overflow_pep508_rs() {
    let deep = format!(
        "{}python_version > '3'{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let huge = "python_version > '3.18446744073709551615'".to_string();
    let long = vec!["os_name == 'a'"; 1000].join(" or ");
    for marker in [deep, huge, long] {
        let deps = format!(
            "[package.dependencies]\nb = {{version = \"*\", markers = {}}}\n",
            toml_string(&marker)
        );
        let err = parse(&lock_2_1(&package(
            "a",
            "1.0",
            "a-1.0-py3-none-any.whl",
            &deps,
        )));
        assert!(matches!(&err, LockError::InvalidMarker { .. }), "{err}");
        let lock = lock_2_1(&package("a", "1.0", "a-1.0-py3-none-any.whl", ""));
        let pyproject = format!(
            "[project]\ndependencies = [{}]\n",
            toml_string(&format!("a ; {marker}"))
        );
        let err = parse_with(&lock, &pyproject).unwrap_err();
        assert!(
            matches!(&err, LockError::InvalidRequirement { .. }),
            "{err}"
        );
    }
    // A poetry caret on the largest number has no upper bound.
    let deps =
        "[package.dependencies]\nb = {version = \"*\", python = \"^18446744073709551615\"}\n";
    let err = parse(&lock_2_1(&package(
        "a",
        "1.0",
        "a-1.0-py3-none-any.whl",
        deps,
    )));
    assert!(matches!(&err, LockError::InvalidMarker { .. }), "{err}");
}

#[test]
fn platform_cannot_inject_marker_text() {
    let deps =
        "[package.dependencies]\nb = {version = \"*\", platform = \"linux' or 'a' == 'a\"}\n";
    let err = parse(&lock_2_1(&package(
        "a",
        "1.0",
        "a-1.0-py3-none-any.whl",
        deps,
    )));
    assert!(matches!(&err, LockError::InvalidMarker { .. }), "{err}");
}

#[test]
fn unreadable_python_versions() {
    let err = parse("[metadata]\nlock-version = \"2.1\"\npython-versions = \"3.x or so\"\n");
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock:3`: `python-versions` `3.x or so` is not a version constraint ofiuco can read
      hint: write it like `>=3.10,<4`, `^3.10` or `~3.11` (alternatives with `||`), or re-run `poetry lock`
    ");
    let text = lock_2_1(&package("a", "1.0", "a-1.0-py3-none-any.whl", "")).replacen(
        "version = \"1.0\"\n",
        "version = \"1.0\"\npython-versions = \">=3.\"\n",
        1,
    );
    let err = parse(&text);
    assert!(
        matches!(
            &err,
            LockError::InvalidPythonVersions {
                line: 4,
                package: Some(_),
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn dependency_missing_from_the_lock() {
    let deps = "[package.dependencies]\nb = \">=1\"\n";
    let err = parse(&lock_2_1(&package(
        "a",
        "1.0",
        "a-1.0-py3-none-any.whl",
        deps,
    )));
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock:6`: package `a` 1.0 depends on `b`, which the lock does not contain
      hint: a dependency may be missing from the lock only when its marker cannot hold for the lock's `python-versions` (poetry leaves such dependencies out); re-run `poetry lock` to lock it
    ");
    // An optional dependency that an extra enables, too.
    let deps = "[package.dependencies]\nb = {version = \">=1\", optional = true, markers = \"extra == 'x'\"}\n";
    let err = parse(&lock_2_1(&package(
        "a",
        "1.0",
        "a-1.0-py3-none-any.whl",
        deps,
    )));
    assert!(
        matches!(&err, LockError::MissingDependency { line: 6, .. }),
        "{err}"
    );
}

#[test]
fn dependency_that_cannot_apply_may_be_missing() {
    // The lock is for Python >=3.10: poetry leaves these out.
    let deps = "[package.dependencies]\nb = {version = \">=1\", markers = \"python_version < '3.8'\"}\nc = {version = \"*\", python = \"<3.9\"}\nd = {version = \"*\", markers = \"python_version < '3.10' and extra == 'x'\"}\n";
    let lock = lock_2_1(&package("a", "1.0", "a-1.0-py3-none-any.whl", deps));
    let lock = parse_poetry_lock(&lock, Path::new("poetry.lock"), None).unwrap();
    assert_eq!(lock.packages[0].dependencies.len(), 3);
    // Nor where the package itself cannot be installed.
    let deps = "python-versions = \">=3.12\"\n[package.dependencies]\nb = {version = \">=1\", markers = \"python_version < '3.11'\"}\n";
    let text = lock_2_1(&package("a", "1.0", "a-1.0-py3-none-any.whl", deps));
    parse_poetry_lock(&text, Path::new("poetry.lock"), None).unwrap();
    // The project's dependencies follow the same rule.
    let lock = lock_2_1(&package("a", "1.0", "a-1.0-py3-none-any.whl", ""));
    parse_with(
        &lock,
        "[tool.poetry.dependencies]\ntyped-ast = {version = \"^1.5\", python = \"<3.8\"}\n",
    )
    .unwrap();
    let err = parse_with(&lock, "[tool.poetry.dependencies]\npython = \"^3.10\"\ntyped-ast = {version = \"^1.5\", python = \"<3.11\"}\n").unwrap_err();
    insta::assert_snapshot!(err, @r"
    `project/pyproject.toml:3`: the project depends on `typed-ast`, which the lock does not contain
      hint: a dependency may be missing from the lock only when its marker cannot hold for the lock's `python-versions` (poetry leaves such dependencies out); re-run `poetry lock` to lock it
    ");
}

#[test]
fn requested_extra_names_a_package_missing_from_the_lock() {
    let a = package(
        "a",
        "1.0",
        "a-1.0-py3-none-any.whl",
        "[package.dependencies]\nb = {version = \">=1\", extras = [\"socks\"]}\n",
    );
    let b = |extras: &str| package("b", "1.0", "b-1.0-py3-none-any.whl", extras);
    let err = parse(&lock_2_1(&format!(
        "{a}{}",
        b("[package.extras]\nsocks = [\"PySocks (>=1.5.6,!=1.5.7)\"]\nother = [\"chardet\"]\n")
    )));
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock:13`: package `b` 1.0 depends on `pysocks` (through `b[socks]`, which package `a` 1.0 requests), which the lock does not contain
      hint: a dependency may be missing from the lock only when its marker cannot hold for the lock's `python-versions` (poetry leaves such dependencies out); re-run `poetry lock` to lock it
    ");
    // Extras nobody requests may name anything; so may requirements that cannot apply.
    parse_poetry_lock(
        &lock_2_1(&format!(
            "{a}{}",
            b("[package.extras]\nsocks = [\"win-inet-pton ; python_version < '3'\"]\nother = [\"chardet\"]\n")
        )),
        Path::new("poetry.lock"),
        None,
    )
    .unwrap();
    // The project requests extras too.
    let lock = lock_2_1(&b("[package.extras]\nsocks = [\"PySocks\"]\n"));
    let err = parse_with(&lock, "[project]\ndependencies = [\"b[socks]\"]\n").unwrap_err();
    assert!(
        matches!(
            &err,
            LockError::MissingDependency {
                line: 6,
                extra: Some(_),
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn include_group_cycle_and_unknown_group() {
    let lock = lock_2_1(&package("a", "1.0", "a-1.0-py3-none-any.whl", ""));
    let err = parse_with(
        &lock,
        "[dependency-groups]\ndev = [{include-group = \"test\"}]\ntest = [\"a\", {include-group = \"Lint\"}]\nlint = [{include-group = \"dev\"}]\n",
    )
    .unwrap_err();
    insta::assert_snapshot!(err, @r"
    `project/pyproject.toml`: dependency group `dev` includes itself: `dev` -> `test` -> `lint` -> `dev`
      hint: PEP 735 forbids include cycles: remove one of the `include-group` entries
    ");
    let err = parse_with(
        &lock,
        "[dependency-groups]\ndev = [\"a\"]\ntest = [{include-group = \"tset\"}]\n",
    )
    .unwrap_err();
    insta::assert_snapshot!(err, @r"
    `project/pyproject.toml:3`: dependency group `test` includes `tset`, which is not a dependency group
      hint: PEP 735: `include-group` must name a group of `[dependency-groups]` (names compare PEP 503 normalized)
    ");
}

#[test]
fn untrusted_text_is_escaped_and_cut_in_messages() {
    // A name that would clear the terminal.
    let err = parse(&lock_2_1(&package(
        "a\x1b[2J",
        "1.0",
        "a-1.0-py3-none-any.whl",
        "",
    )));
    insta::assert_snapshot!(err.to_string().lines().next().unwrap(), @r"`project/poetry.lock:2`: package `a\u{1b}[2J` is not a valid name: it has characters other than ASCII letters, digits, `-`, `_` and `.`");
    // A long name (the issue's was 4 MiB) makes a short message.
    let name = "a".repeat(64 << 10) + " ";
    let err = parse(&lock_2_1(&package(
        &name,
        "1.0",
        "a-1.0-py3-none-any.whl",
        "",
    )));
    let message = err.to_string();
    assert!(message.len() < 1000, "{} bytes", message.len());
    assert!(message.contains("…[65337 more bytes]`"), "{message}");
    // And a long version.
    let version = "1".repeat(64 << 10) + "x";
    let err = parse(&lock_2_1(&package(
        "a",
        &version,
        "a-1.0-py3-none-any.whl",
        "",
    )));
    assert!(
        err.to_string().len() < 1500,
        "{} bytes",
        err.to_string().len()
    );
}

#[test]
fn environment_variables_are_not_expanded_into_messages() {
    // pep508_rs expands `${VAR}` in URLs and printed the value in its error.
    let lock = lock_2_1(&package("a", "1.0", "a-1.0-py3-none-any.whl", ""));
    let err = parse_with(&lock, "[project]\ndependencies = [\"a @ ${HOME}/x\"]\n").unwrap_err();
    insta::assert_snapshot!(err, @r#"
    `project/pyproject.toml`: invalid requirement `a @ ${HOME}/x` (in `project.dependencies`): environment variables (`${...}`) are not expanded
      hint: write it as a PEP 508 requirement such as `name[extra]>=1.0; python_version < "3.11"`
    "#);
}

/// Found by the fuzzer (docs/fuzzing.md): `pep508_rs` 0.9 counts characters
/// where it then slices bytes, after a marker expression.
#[test]
fn non_ascii_after_a_marker_expression() {
    let deps = "[package.dependencies]\nb = {version = \"*\", markers = \"python_version < \\\"3.10\\\"\u{202e}\"}\n";
    let err = parse(&lock_2_1(&package(
        "a",
        "1.0",
        "a-1.0-py3-none-any.whl",
        deps,
    )));
    insta::assert_snapshot!(err, @r#"
    `project/poetry.lock`: invalid marker `python_version < "3.10"\u{202e}` (in package `a` 1.0, dependency `b`): a non-ASCII character outside a quoted value
      hint: fix the marker in `pyproject.toml` and re-run `poetry lock`
    "#);
    let lock = lock_2_1(&package("a", "1.0", "a-1.0-py3-none-any.whl", ""));
    let err = parse_with(
        &lock,
        "[project]\ndependencies = [\"a ; os_name == 'x' é\"]\n",
    )
    .unwrap_err();
    assert!(
        matches!(&err, LockError::InvalidRequirement { .. }),
        "{err}"
    );
}

#[test]
fn control_characters_in_a_source() {
    let err = parse(&lock_2_0(
        "[[package]]\nname = \"six\"\nversion = \"1.16.0\"\nfiles = []\n[package.source]\ntype = \"git\"\nurl = \"https://example.com/x\\u001b[2J.git\"\n",
    ));
    insta::assert_snapshot!(err, @r"
    `project/poetry.lock`: package `six` 1.16.0: `[package.source]` has a control character: `https://example.com/x\u{1b}[2J.git`
      hint: re-run `poetry lock`; if the problem persists, report it together with the lock file
    ");
}

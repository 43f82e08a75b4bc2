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

/// tests/sources' poetry.lock (written by real Poetry): its git, directory
/// and file sources become `sources` of files.json and source-tree builds.
#[test]
fn writes_the_sources_to_build_from() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("hub");
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/sources/poetry.lock");
    let output = ofiuco_lock(&lock, &out, &["--hub-name", "sources"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("files.json")).unwrap()).unwrap();
    assert_eq!(
        json["sources"],
        serde_json::json!([
            {
                "kind": "directory",
                "repo": "sources__cxxpkg-0.1.0.src",
                "package": "cxxpkg",
                "version": "0.1.0",
                "path": "cxxpkg",
            },
            {
                "kind": "git",
                "repo": "sources__iniconfig-2.1.0.git",
                "package": "iniconfig",
                "version": "2.1.0",
                "url": "git://127.0.0.1:39418/iniconfig.git",
                "commit": "dccc1ed810b23f477789b46216b0dc23a859ca9e",
                "reference": "main",
                "subdirectory": "python",
            },
            {
                "kind": "directory",
                "repo": "sources__localpkg-0.3.0.src",
                "package": "localpkg",
                "version": "0.3.0",
                "path": "localpkg",
                "editable": true,
            },
            {
                "kind": "git",
                "repo": "sources__subpkg-0.1.git",
                "package": "subpkg",
                "version": "0.1",
                "url": "git://127.0.0.1:39418/subpkg.git",
                "commit": "39fcce6458364d89d46414dccef8824d3ae1edd1",
                "reference": "main",
            },
        ])
    );
    let six = &json["files"][0];
    assert_eq!(six["path"], "dist/six-1.17.0.tar.gz");
    assert_eq!(six["sdist"], true);
    let build = fs::read_to_string(out.join("BUILD.bazel")).unwrap();
    assert!(build.contains(
        "    tree = \"@sources__iniconfig-2.1.0.git//:tree\",\n    tree_root = \"python\",\n"
    ));
    assert!(build.contains("    sdist = \"@sources__six-1.17.0.tar.gz//:file\",\n"));
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

/// `ofiuco lock` writes a hub for the uv.lock and pylock.toml fixtures, with
/// the lock's file URLs (no index lookup).
#[test]
fn writes_hubs_of_uv_lock_and_pylock() {
    for name in ["uv.lock", "pylock.toml", "pylock.edges.toml"] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("hub");
        let output = ofiuco_lock(&fixture(name), &out, &[]);
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let files: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out.join("files.json")).unwrap()).unwrap();
        let files = files["files"].as_array().unwrap();
        assert!(!files.is_empty(), "{name}");
        for file in files {
            let urls = file["urls"].as_array().unwrap();
            assert_eq!(urls.len(), 1, "{name}: {file}");
            assert!(urls[0]
                .as_str()
                .unwrap()
                .starts_with("https://files.pythonhosted.org/"));
            assert_eq!(file["indexes"].as_array().unwrap().len(), 0, "{name}");
        }
        let build = fs::read_to_string(out.join("BUILD.bazel")).unwrap();
        assert!(build.contains("name = \"group.main\""), "{name}");
        // Only a pylock.toml without `dependencies` stands for the whole lock.
        assert_eq!(
            build.contains("name = \"_lock\""),
            name == "pylock.toml",
            "{name}"
        );
    }
}

#[test]
fn unknown_uv_lock_and_pylock_versions() {
    let message = refuse("uv.lock", "version = 2\nrevision = 1\n", &[]);
    insta::assert_snapshot!(message, @r#"
    error: `[TMP]/uv.lock` is a uv.lock of version `2 (revision 1)`, which ofiuco cannot read (supported: version 1, revisions 1 to 5)
      hint: re-lock with a uv release that writes `version = 1` (`uv lock`), or upgrade ofiuco
    "#);
    let message = refuse(
        "pylock.toml",
        "lock-version = \"2.0\"\ncreated-by = \"x\"\n",
        &[],
    );
    insta::assert_snapshot!(message, @r#"
    error: `[TMP]/pylock.toml` is a pylock.toml of version `"2.0"`, which ofiuco cannot read (supported: lock-version 1.x)
      hint: re-create the lock with a tool that writes PEP 751 lock-version 1.0 (`uv export --format pylock.toml`, `pdm export -f pylock`, `pip lock`), or upgrade ofiuco
    "#);
}

#[test]
fn name_and_content_must_agree() {
    let message = refuse(
        "uv.lock",
        "[[package]]\nname = \"six\"\nversion = \"1.0\"\n\n[metadata]\nlock-version = \"2.0\"\n",
        &[],
    );
    insta::assert_snapshot!(message, @r#"
    error: `[TMP]/uv.lock` is named like a uv.lock, but its content is a poetry.lock (it has `[[package]]` tables and a `[metadata]` table)
      hint: rename the file to what it is (`poetry.lock`, `uv.lock`, `pylock.toml`), or point the `lock` attribute at the right file
    "#);
    let message = refuse("requirements.lock", "a = 1\n", &[]);
    insta::assert_snapshot!(message, @r#"
    error: `[TMP]/requirements.lock` is not a lock file ofiuco can read: neither its name (`poetry.lock`, `uv.lock`, `pylock.toml`, `pylock.<name>.toml`) nor its content (`[[package]]` and `[metadata]`; a top-level `version`; a top-level `lock-version` and `[[packages]]`) says which format it is
      hint: ofiuco reads poetry.lock (lock-version 1.1, 2.0, 2.1), uv.lock (version 1) and pylock.toml (PEP 751, lock-version 1.0)
    "#);
}

/// A uv.lock entry with one registry wheel; `name`, `version`, `file` and
/// `extra` (more keys) are spliced in as they are.
fn uv_lock_with(name: &str, version: &str, file: &str, extra: &str) -> String {
    format!(
        "version = 1\nrevision = 3\nrequires-python = \">=3.10\"\n\n[[package]]\nname = {name}\nversion = {version}\nsource = {{ registry = \"https://pypi.org/simple\" }}\n{extra}wheels = [\n    {{ url = {file}, hash = \"sha256:{hash}\" }},\n]\n",
        hash = "a".repeat(64)
    )
}

#[test]
fn hostile_uv_lock_entries_are_refused_with_file_package_and_line() {
    let whl = "\"https://files.pythonhosted.org/a/six-1.0-py3-none-any.whl\"";
    let cases = [
        uv_lock_with("\"six\\\"])\"", "\"1.0\"", whl, ""),
        uv_lock_with("\"six\"", "\"1.0\\\"\\n\"", whl, ""),
        uv_lock_with(
            "\"six\"",
            "\"1.0\"",
            "\"https://x/six-1.0-1\\\"])\\ngenrule(name=\\\"x\\\"-py3-none-any.whl\"",
            "",
        ),
        uv_lock_with(
            "\"six\"",
            "\"1.0\"",
            whl,
            "dependencies = [{ name = \"missing\" }]\n",
        ),
        uv_lock_with(
            "\"six\"",
            "\"1.0\"",
            whl,
            "dependencies = [{ name = \"six\", marker = \"python_version < '3.10'\\u202e\" }]\n",
        ),
        uv_lock_with(
            "\"six\"",
            "\"1.0\"",
            whl,
            "source = { registry = \"https://pypi.org/simple\\u001b[2J\" }\n",
        )
        .replacen(
            "source = { registry = \"https://pypi.org/simple\" }\n",
            "",
            1,
        ),
        uv_lock_with("\"six\"", "\"1.0\"", whl, "").replace("sha256:", "md5:"),
    ];
    let messages: Vec<String> = cases
        .iter()
        .map(|text| refuse("uv.lock", text, &[]))
        .collect();
    insta::assert_snapshot!(messages.join("\n"), @r#"
    error: `[TMP]/uv.lock:6`: package `six"])` is not a valid name: it has characters other than ASCII letters, digits, `-`, `_` and `.`
      hint: a PEP 508 name is letters and digits, with `-`, `_` or `.` only between them (`typing_extensions`, `zope.interface`)

    error: `[TMP]/uv.lock:7`: package `six` has version `1.0"\n`, which is not a PEP 440 version: it has characters other than letters, digits, `.`, `+`, `!`, `-` and `_`
      hint: re-run `uv lock`, and check where the lock came from

    error: `[TMP]/uv.lock:6`: package `six` 1.0: a file location has a control character: `https://x/six-1.0-1"])\ngenrule(name="x"-py3-none-any.whl`
      hint: re-run `uv lock`; if the problem persists, report it together with the lock file

    error: `[TMP]/uv.lock:9`: package `six` 1.0 depends on `missing`, which the lock does not contain
      hint: uv.lock records every dependency edge of a universal resolution: re-run `uv lock`

    error: `[TMP]/uv.lock`: invalid marker `python_version < '3.10'\u{202e}` (in package `six` 1.0, dependency `six`): a non-ASCII character outside a quoted value
      hint: fix the marker in `pyproject.toml` and re-run `uv lock`

    error: `[TMP]/uv.lock:6`: package `six` 1.0: its `source` has a control character: `https://pypi.org/simple\u{1b}[2J`
      hint: re-run `uv lock`; if the problem persists, report it together with the lock file

    error: `[TMP]/uv.lock`: file `six-1.0-py3-none-any.whl` of package `six` 1.0 has hash `md5:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`, but ofiuco needs a sha256 hash for every file
      hint: re-run `uv lock` so that every file gets a `sha256:` hash
    "#);
}

#[test]
fn hostile_pylock_entries_are_refused_with_file_package_and_line() {
    let head = "lock-version = \"1.0\"\ncreated-by = \"x\"\n\n[[packages]]\n";
    let wheel = |file: &str| {
        format!(
            "wheels = [{{ url = \"https://x/{file}\", hashes = {{ sha256 = \"{}\" }} }}]\n",
            "b".repeat(64)
        )
    };
    let cases = [
        format!("{head}name = \"a b\"\nversion = \"1.0\"\n{}", wheel("a-1.0-py3-none-any.whl")),
        format!("{head}name = \"a\"\nversion = \"1.0\"\n{}", wheel("a-1.0-py3-none-any.whl\\n")),
        format!("{head}name = \"a\"\nversion = \"1.0\"\nmarker = \"'x y' in extras\"\n{}", wheel("a-1.0-py3-none-any.whl")),
        format!("{head}name = \"a\"\nversion = \"1.0\"\ndependencies = [{{ name = \"b\" }}]\n{}", wheel("a-1.0-py3-none-any.whl")),
        format!("{head}name = \"a\"\nversion = \"1.0\"\nwheels = [{{ url = \"https://x/a-1.0-py3-none-any.whl\", hashes = {{ md5 = \"00\" }} }}]\n"),
        format!("{head}name = \"a\"\nversion = \"1.0\"\ndirectory = {{ path = \"x\" }}\n{}", wheel("a-1.0-py3-none-any.whl")),
    ];
    let messages: Vec<String> = cases
        .iter()
        .map(|text| refuse("pylock.toml", text, &[]))
        .collect();
    insta::assert_snapshot!(messages.join("\n"), @r#"
    error: `[TMP]/pylock.toml:5`: package `a b` is not a valid name: it has characters other than ASCII letters, digits, `-`, `_` and `.`
      hint: a PEP 508 name is letters and digits, with `-`, `_` or `.` only between them (`typing_extensions`, `zope.interface`)

    error: `[TMP]/pylock.toml:5`: package `a` 1.0: a source field has a control character: `https://x/a-1.0-py3-none-any.whl\n`
      hint: re-run the tool that wrote it (`uv export --format pylock.toml`, `pdm export`, `pip lock`); if the problem persists, report it together with the lock file

    error: `[TMP]/pylock.toml`: invalid marker `'x y' in extras` (in package `a` 1.0): a quoted value is not closed, or an `extras`/`dependency_groups` test names no valid extra or group
      hint: fix the marker in `pyproject.toml` and re-run the tool that wrote it (`uv export --format pylock.toml`, `pdm export`, `pip lock`)

    error: `[TMP]/pylock.toml:7`: package `a` 1.0 depends on `b`, which the lock does not contain
      hint: a pylock.toml's `dependencies` must name packages of the same file: re-create the lock

    error: `[TMP]/pylock.toml`: file `a-1.0-py3-none-any.whl` of package `a` 1.0 has hash `md5:…`, but ofiuco needs a sha256 hash for every file
      hint: re-run the tool that wrote it (`uv export --format pylock.toml`, `pdm export`, `pip lock`) so that every file gets a `sha256:` hash

    error: `[TMP]/pylock.toml:5`: package `a` 1.0: it needs exactly one source: `vcs`, `directory`, `archive`, or `sdist`/`wheels` (PEP 751)
      hint: re-run the tool that wrote it (`uv export --format pylock.toml`, `pdm export`, `pip lock`); if the problem persists, report it together with the lock file
    "#);
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

// Hostile input (issue 7): no panic (exit 101) and no abort, ever; a refusal
// is exit status 1 with the file and what is wrong, printed safely.

const HASH: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A lock-version 2.1 lock of package `a` 1.0 with `rest` appended to its entry.
fn lock_with(name: &str, file: &str, rest: &str) -> String {
    format!(
        "[[package]]\nname = {}\nversion = \"1.0\"\nfiles = [{{file = {}, hash = \"sha256:{HASH}\"}}]\n{rest}\n[metadata]\nlock-version = \"2.1\"\npython-versions = \">=3.10\"\ncontent-hash = \"0\"\n",
        toml_string(name),
        toml_string(file)
    )
}

/// Runs `ofiuco lock` on `lock` with `pyproject` beside it; the refusal message.
fn refuse_with_pyproject(lock: &str, pyproject: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("pyproject.toml"), pyproject).unwrap();
    fs::write(tmp.path().join("poetry.lock"), lock).unwrap();
    let out = tmp.path().join("out");
    let output = ofiuco_lock(&tmp.path().join("poetry.lock"), &out, &[]);
    let message = refusal(&output, tmp.path());
    assert_no_files(&out);
    message
}

#[test]
fn requirements_that_panicked_pep508_rs_are_refused() {
    for requirement in ["b.. (>=1)", "b../c", "a[x.]"] {
        let extras = format!("[package.extras]\nx = [{}]\n", toml_string(requirement));
        let message = refuse(
            "poetry.lock",
            &lock_with("a", "a-1.0-py3-none-any.whl", &extras),
            &[],
        );
        assert!(
            message.starts_with("error: `[TMP]/poetry.lock`: invalid requirement"),
            "{requirement}: {message}"
        );
        let lock = lock_with("a", "a-1.0-py3-none-any.whl", "");
        let pyproject = format!("[project]\ndependencies = [{}]\n", toml_string(requirement));
        let message = refuse_with_pyproject(&lock, &pyproject);
        assert!(
            message.starts_with("error: `[TMP]/pyproject.toml`: invalid requirement"),
            "{requirement}: {message}"
        );
    }
    let extras = "[package.extras]\nx = [\"b.. (>=1)\"]\n";
    let message = refuse(
        "poetry.lock",
        &lock_with("a", "a-1.0-py3-none-any.whl", extras),
        &[],
    );
    insta::assert_snapshot!(message, @r#"
    error: `[TMP]/poetry.lock`: invalid requirement `b.. (>=1)` (in package `a` 1.0, extra `x`): the name ends with `-`, `_` or `.`
      hint: write it as a PEP 508 requirement such as `name[extra]>=1.0; python_version < "3.11"`
    "#);
}

#[test]
fn markers_that_overflowed_the_stack_are_refused() {
    let marker = format!(
        "{}python_version > '3'{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let deps = format!(
        "[package.dependencies]\nb = {{version = \"*\", markers = {}}}\n",
        toml_string(&marker)
    );
    let message = refuse(
        "poetry.lock",
        &lock_with("a", "a-1.0-py3-none-any.whl", &deps),
        &[],
    );
    assert!(
        message.contains("parentheses nest deeper than 32 levels"),
        "{message}"
    );
    assert!(message.len() < 1000, "{} bytes", message.len());
}

/// Found by the fuzzer: a panic in `pep508_rs`'s cursor (exit 101).
#[test]
fn non_ascii_after_a_marker_is_refused() {
    let deps = "[package.dependencies]\nb = {version = \"*\", markers = \"python_version < \\\"3.10\\\"\u{202e}\"}\n";
    let message = refuse(
        "poetry.lock",
        &lock_with("a", "a-1.0-py3-none-any.whl", deps),
        &[],
    );
    assert!(
        message.contains("a non-ASCII character outside a quoted value"),
        "{message}"
    );
}

#[test]
fn file_name_with_a_starlark_payload_is_refused() {
    let file = "a-1.0-1\"])\ngenrule(name = \"x\", outs = [\"x\"], cmd = \"id > $@\")\nexports_files([\"-py3-none-any.whl";
    let message = refuse("poetry.lock", &lock_with("a", file, ""), &[]);
    assert!(
        message.starts_with("error: `[TMP]/poetry.lock:4`: file name `a-1.0-1\"])\\ngenrule("),
        "{message}"
    );
}

#[test]
fn terminal_control_characters_are_escaped() {
    let message = refuse(
        "poetry.lock",
        &lock_with("a\x1b[2J\x07", "a-1.0-py3-none-any.whl", ""),
        &[],
    );
    assert!(
        !message.contains('\x1b') && !message.contains('\x07'),
        "{message:?}"
    );
    insta::assert_snapshot!(message.lines().next().unwrap(), @r"error: `[TMP]/poetry.lock:2`: package `a\u{1b}[2J\u{7}` is not a valid name: it has characters other than ASCII letters, digits, `-`, `_` and `.`");
}

#[test]
fn dangling_dependency_and_include_cycle_are_refused() {
    let deps = "[package.dependencies]\nb = \">=1\"\n";
    let message = refuse(
        "poetry.lock",
        &lock_with("a", "a-1.0-py3-none-any.whl", deps),
        &[],
    );
    insta::assert_snapshot!(message, @r"
    error: `[TMP]/poetry.lock:6`: package `a` 1.0 depends on `b`, which the lock does not contain
      hint: a dependency may be missing from the lock only when its marker cannot hold for the lock's `python-versions` (poetry leaves such dependencies out); re-run `poetry lock` to lock it
    ");
    let lock = lock_with("a", "a-1.0-py3-none-any.whl", "");
    let message = refuse_with_pyproject(
        &lock,
        "[dependency-groups]\ndev = [{include-group = \"dev\"}]\n",
    );
    insta::assert_snapshot!(message, @r"
    error: `[TMP]/pyproject.toml`: dependency group `dev` includes itself: `dev` -> `dev`
      hint: PEP 735 forbids include cycles: remove one of the `include-group` entries
    ");
}

#[test]
fn unreadable_python_versions_is_refused() {
    let lock = lock_with("a", "a-1.0-py3-none-any.whl", "").replace(
        "python-versions = \">=3.10\"",
        "python-versions = \"three\"",
    );
    let message = refuse("poetry.lock", &lock, &[]);
    insta::assert_snapshot!(message, @r"
    error: `[TMP]/poetry.lock:8`: `python-versions` `three` is not a version constraint ofiuco can read
      hint: write it like `>=3.10,<4`, `^3.10` or `~3.11` (alternatives with `||`), or re-run `poetry lock`
    ");
}

// Nothing half-written (issue 7): the hub is written into a directory beside
// --output and renamed into place, so a failure leaves nothing behind.

/// Every path under `dir`, directories included, relative to it.
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            out.push(path.strip_prefix(dir).unwrap().display().to_string());
            if path.is_dir() && !path.is_symlink() {
                stack.push(path);
            }
        }
    }
    out.sort();
    out
}

#[cfg(unix)]
#[test]
fn a_write_that_fails_midway_leaves_no_partial_hub() {
    // A file size limit of 1 KiB (SIGXFSZ ignored, so that write(2) fails with
    // EFBIG as on a full disk): files.json or BUILD.bazel cannot be written.
    let tmp = tempfile::tempdir().unwrap();
    fs::copy(fixture("poetry-2.1.lock"), tmp.path().join("poetry.lock")).unwrap();
    let out = tmp.path().join("hub");
    let output = Command::new("bash")
        .arg("-c")
        .arg(r#"trap "" XFSZ; ulimit -f 1; exec "$0" "$@""#)
        .arg(env!("CARGO_BIN_EXE_ofiuco"))
        .arg("lock")
        .arg(tmp.path().join("poetry.lock"))
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    let message = refusal(&output, tmp.path());
    assert!(
        message.starts_with("error: cannot write [TMP]/hub/"),
        "{message}"
    );
    assert!(message.contains("File too large"), "{message}");
    assert_eq!(listing(tmp.path()), ["poetry.lock"]);
}

#[test]
fn a_file_in_the_way_is_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("hub");
    fs::write(&out, "mine").unwrap();
    let output = ofiuco_lock(&fixture("poetry-2.1.lock"), &out, &[]);
    insta::assert_snapshot!(refusal(&output, tmp.path()), @r"
    error: cannot write the hub to [TMP]/hub: it exists and is not a directory
    hint: remove it or choose another --output
    ");
    assert_eq!(fs::read_to_string(&out).unwrap(), "mine");
    assert_eq!(listing(tmp.path()), ["hub"]);

    // A file where the output's parent directory must go.
    let output = ofiuco_lock(&fixture("poetry-2.1.lock"), &out.join("sub"), &[]);
    let message = refusal(&output, tmp.path());
    assert!(
        message.starts_with("error: cannot create [TMP]/hub"),
        "{message}"
    );
    assert_eq!(listing(tmp.path()), ["hub"]);
}

#[test]
fn an_earlier_hub_is_replaced_as_a_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("hub");
    fs::create_dir_all(out.join("stale")).unwrap();
    fs::write(out.join("BUILD.bazel"), "old").unwrap();
    fs::write(out.join("stale/file"), "old").unwrap();
    let output = ofiuco_lock(&fixture("poetry-2.1.lock"), &out, &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        listing(tmp.path()),
        ["hub", "hub/BUILD.bazel", "hub/files.json"]
    );
    assert!(fs::read_to_string(out.join("BUILD.bazel"))
        .unwrap()
        .contains("hub_target("));
}

/// uv.locks real uv wrote with forking `conflicts` and with a local flat
/// index: refused with the lock's line, the package and what to do; no files.
#[test]
fn uv_conflict_forks_and_local_flat_indexes_are_refused() {
    for (name, want) in [
        (
            "conflicts",
            "uv.lock:50`: package `idna` 3.7: it is locked at versions 3.7, 3.10 for the conflicting extras or groups",
        ),
        (
            "flat-index",
            "uv.lock:25`: package `idna` 3.10: its file `idna-3.10-py3-none-any.whl` comes from the local flat index `wheels`",
        ),
    ] {
        let text = fs::read_to_string(fixture(&format!("uv-features/{name}/uv.lock"))).unwrap();
        let message = refuse("uv.lock", &text, &[]);
        assert!(message.contains(want), "{message}");
        assert!(message.contains("\n  hint: "), "{message}");
        assert_eq!(message.lines().count(), 2, "{message}");
    }
}

/// The 441-package corpus lock (964 KB): `ofiuco lock` reads its TOML in
/// pieces on several threads (tools/lock/src/pieces.rs).
fn large_lock() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus/dlt-hub__dlt/@b1cff8cc66/poetry.lock")
}

/// Without threads (every spawn fails when each stack would be 256 TiB),
/// the same hub: the pieces and the wheel side are done by the main thread.
#[test]
fn writes_the_same_hub_when_no_thread_can_be_started() {
    let tmp = tempfile::tempdir().unwrap();
    let (threads, alone) = (tmp.path().join("threads"), tmp.path().join("alone"));
    let output = ofiuco_lock(&large_lock(), &threads, &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = Command::new(env!("CARGO_BIN_EXE_ofiuco"))
        .env("RUST_MIN_STACK", "281474976710656")
        .arg("lock")
        .arg(large_lock())
        .arg("--output")
        .arg(&alone)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for file in ["BUILD.bazel", "files.json"] {
        let (a, b) = (fs::read(threads.join(file)), fs::read(alone.join(file)));
        assert!(a.is_ok(), "{file}: {a:?}");
        assert!(a.ok() == b.ok(), "{file} differs without threads");
    }
}

/// A bad name in the last package of a large lock (read in pieces) is
/// reported at its line of the whole file.
#[test]
fn an_error_in_a_late_piece_names_the_line_of_the_whole_file() {
    let text = fs::read_to_string(large_lock()).unwrap();
    let at = text.rfind("name = \"zstandard\"").unwrap();
    let line = text[..at].matches('\n').count() + 1;
    assert!(line > 11_000, "{line}");
    let bad = format!(
        "{}name = \"zstandard!\"{}",
        &text[..at],
        &text[at + "name = \"zstandard\"".len()..]
    );
    let message = refuse("poetry.lock", &bad, &[]);
    assert!(
        message.contains(&format!("poetry.lock:{line}")),
        "line {line}: {message}"
    );
    assert!(message.contains("zstandard!"), "{message}");
}

//! Hostile input (issue 7): text from a lock is written into BUILD.bazel
//! only as Starlark literals, and the hub stays linear in the lock's size.

use std::path::Path;

use ofiuco_hub::{render, HubOptions};
use ofiuco_lock::{parse_poetry_lock, Lock};

fn opts() -> HubOptions {
    HubOptions {
        hub_name: "poetry".to_string(),
        ..Default::default()
    }
}

/// The statements a hub's BUILD.bazel may have at top level.
const STATEMENTS: &[&str] = &[
    "load(",
    "package(",
    "ofiuco_package(",
    "hub_target(",
    "alias(",
    "not_needed(",
    "outside_lock(",
    "py_library(",
];

/// Checks BUILD text the way Bazel's lexer would see it: every string
/// literal closes on its line, every comment is the fixed header or one
/// string literal, and every top-level statement is one the hub writes.
fn assert_data_only(build: &str) {
    for (n, line) in build.lines().enumerate() {
        let n = n + 1;
        let code = line.trim_start();
        if let Some(comment) = code.strip_prefix('#') {
            let comment = comment.trim_start();
            // Comments with values: the header line, and cycle comments.
            if line.starts_with("    #") {
                assert!(
                    closes(comment) == Some(comment.len()),
                    "line {n}: a comment that is not one string literal: {line:?}"
                );
            }
            continue;
        }
        let mut rest = code;
        while let Some(start) = rest.find('"') {
            let len = closes(&rest[start..])
                .unwrap_or_else(|| panic!("line {n}: a string literal does not close: {line:?}"));
            rest = &rest[start + len..];
        }
        if !line.is_empty() && !line.starts_with([' ', ')', ']', '}']) {
            assert!(
                STATEMENTS.iter().any(|s| line.starts_with(s)),
                "line {n}: an unexpected statement: {line:?}"
            );
        }
    }
}

/// The length of the string literal at the start of `text`, if it closes.
fn closes(text: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    if chars.next()?.1 != '"' {
        return None;
    }
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next()?;
            }
            '"' => return Some(i + 1),
            '\n' => return None,
            _ => {}
        }
    }
    None
}

/// A lock of packages `a` and `b` that depend on each other.
fn cycle_lock() -> Lock {
    let hash = "a".repeat(64);
    let text = format!(
        "[[package]]\nname = \"a\"\nversion = \"1.0\"\nfiles = [{{file = \"a-1.0-py3-none-any.whl\", hash = \"sha256:{hash}\"}}]\n[package.dependencies]\nb = \"*\"\n\n[[package]]\nname = \"b\"\nversion = \"2.0\"\nfiles = [{{file = \"b-2.0-py3-none-any.whl\", hash = \"sha256:{hash}\"}}]\n[package.dependencies]\na = \"*\"\n\n[metadata]\nlock-version = \"2.0\"\npython-versions = \">=3.10\"\ncontent-hash = \"0\"\n"
    );
    parse_poetry_lock(&text, Path::new("poetry.lock"), None).unwrap()
}

/// The lock reader refuses such values; the hub encodes them anyway.
#[test]
fn lock_text_is_written_as_literals_comments_too() {
    let payload = "1\"])\ngenrule(name = \"x\", outs = [\"x\"], cmd = \"id\")\n#";
    let mut lock = cycle_lock();
    lock.path = Path::new("dir\nname\"/poetry.lock").to_path_buf();
    for p in &mut lock.packages {
        p.version = format!("{}{payload}", p.version);
        p.display_name = format!("{}{payload}\x1b[2J", p.display_name);
        p.files[0].filename = format!("{payload}.whl");
    }
    let hub = render(&lock, &opts()).unwrap();
    assert_data_only(&hub.build);
    assert!(hub.build.contains("_cycle.1"), "{}", hub.build);
    assert!(hub.build.contains(r"\033[2J"), "{}", hub.build);
}

#[test]
fn cycle_comments_name_the_group() {
    let hub = render(&cycle_lock(), &opts()).unwrap();
    assert_data_only(&hub.build);
    let comments: Vec<&str> = hub
        .build
        .lines()
        .filter(|l| l.starts_with("    #"))
        .collect();
    assert_eq!(
        comments,
        [r#"    # "In a dependency cycle of 2 packages, the deps of :_cycle.1: its edges inside the cycle go through :_cycle.1.""#;
            2]
    );
}

/// One dependency cycle of 4,000 packages made a 172 MB BUILD.bazel (each
/// member's comment listed every member): now each member names the group.
#[test]
fn large_cycle_is_linear() {
    const N: usize = 4000;
    // One package read from text, copied N times (TOML parsing alone would
    // take longer than rendering in a debug build).
    let text = "[[package]]\nname = \"p0\"\nversion = \"1.0\"\nfiles = []\n[package.source]\ntype = \"git\"\nurl = \"https://example.com/p.git\"\nresolved_reference = \"0\"\n[package.dependencies]\np0 = \"*\"\n\n[metadata]\nlock-version = \"2.0\"\npython-versions = \">=3.10\"\ncontent-hash = \"0\"\n";
    let mut lock = parse_poetry_lock(text, Path::new("poetry.lock"), None).unwrap();
    let template = lock.packages.remove(0);
    for i in 0..N {
        let mut p = template.clone();
        p.name = format!("p{i}");
        p.display_name = p.name.clone();
        p.dependencies[0].name = format!("p{}", (i + 1) % N);
        lock.packages.push(p);
    }
    let hub = render(&lock, &opts()).unwrap();
    let members = hub.build.matches("\n        \":p").count();
    assert_eq!(members, N, "the group lists every member once");
    assert_eq!(hub.build.matches("_cycle.1").count(), N * 2 + 1 + N);
    assert!(
        hub.build.len() < N * 1000,
        "{} bytes for {N} packages",
        hub.build.len()
    );
}

/// A generated lock of 7,501 packages where the work was quadratic:
/// - `a` locked at 2,500 versions, and 2,500 packages `c<i>` each pinning one
///   of them with its own constraint (every constraint was checked against
///   every version: 6.25 million constraint parses);
/// - `x` with 2,500 extras over 2,500 dependencies (every extra scanned every
///   dependency);
/// - 2,500 project extras and 2,500 packages `m<i>` whose markers test one
///   extra each (every package marker was evaluated once per project extra,
///   189 environments each time: 6.25 million evaluations).
///
/// Each is now about linear: the test takes seconds in a debug build, and
/// checks the structure of the output.
#[test]
fn large_lock_with_many_versions_extras_and_markers_is_linear() {
    use std::str::FromStr;
    const N: usize = 2500;
    let text = "[[package]]\nname = \"p\"\nversion = \"1.0\"\nfiles = []\nmarkers = \"extra == \\\"e0\\\"\"\n[package.source]\ntype = \"git\"\nurl = \"https://example.com/p.git\"\nresolved_reference = \"0\"\n[package.dependencies]\np = \"*\"\n\n[metadata]\nlock-version = \"2.1\"\npython-versions = \">=3.10\"\ncontent-hash = \"0\"\n";
    let pyproject = "[project]\nname = \"big\"\n[project.optional-dependencies]\ne0 = [\"p\"]\n";
    let mut lock = parse_poetry_lock(
        text,
        Path::new("poetry.lock"),
        Some((pyproject, Path::new("pyproject.toml"))),
    )
    .unwrap();
    let template = lock.packages.remove(0);
    let dep = template.dependencies[0].clone();
    let package = |name: String, version: String| {
        let mut p = template.clone();
        p.display_name = name.clone();
        p.name = name;
        p.version = version;
        p.dependencies.clear();
        p.markers = ofiuco_lock::PackageMarkers::None;
        p
    };
    let project = lock.project.as_mut().unwrap();
    project.extras.clear();
    let mut x = package("x".into(), "1.0".into());
    for i in 0..N {
        lock.packages.push(package("a".into(), format!("1.{i}")));
        let mut c = package(format!("c{i}"), "1.0".into());
        c.dependencies.push(ofiuco_lock::Dependency {
            name: "a".into(),
            constraint: Some(format!("=={}", format_args!("1.{i}"))),
            ..dep.clone()
        });
        lock.packages.push(c);
        let mut m = package(format!("m{i}"), "1.0".into());
        m.markers = ofiuco_lock::PackageMarkers::All(
            pep508_rs::MarkerTree::from_str(&format!("extra == \"e{i}\"")).unwrap(),
        );
        lock.packages.push(m);
        project
            .extras
            .insert(format!("e{i}"), vec![format!("m{i}")]);
        x.dependencies.push(ofiuco_lock::Dependency {
            name: format!("c{i}"),
            optional: true,
            ..dep.clone()
        });
        x.extras.insert(format!("x{i}"), vec![format!("c{i}")]);
    }
    lock.packages.push(x);

    let hub = render(&lock, &opts()).unwrap();
    let build = &hub.build;
    // Each c<i> depends on its own version of `a`, not on the alias.
    for i in [0, 1, N / 2, N - 1] {
        let start = build
            .find(&format!("name = \"c{i}__1.0\""))
            .expect("a target per c<i>");
        let end = start + build[start..].find("\n)\n").unwrap();
        assert!(
            build[start..end].contains(&format!("\":a__1.{i}\"")),
            "{}",
            &build[start..end]
        );
    }
    // `x[x<i>]` is x plus c<i>, for every extra.
    assert_eq!(build.matches("name = \"x[x").count(), N);
    let start = build.find("name = \"x[x7]\"").unwrap();
    let end = start + build[start..].find("\n)\n").unwrap();
    assert!(
        build[start..end].contains("\":c7__1.0\""),
        "{}",
        &build[start..end]
    );
    // Every m<i> applies (its extra is a project extra): none is `_not_needed`
    // everywhere, so each public name is the package itself.
    for i in [0, N - 1] {
        let start = build.find(&format!("name = \"m{i}\"")).unwrap();
        let end = start + build[start..].find("\n)\n").unwrap();
        assert!(
            build[start..end].contains(&format!("actual = \":m{i}__1.0\"")),
            "{}",
            &build[start..end]
        );
    }
    assert!(build.len() < 3 * N * 1000, "{} bytes", build.len());
}

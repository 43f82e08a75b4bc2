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
    assert!(hub.build.contains(r#"\033[2J"#), "{}", hub.build);
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

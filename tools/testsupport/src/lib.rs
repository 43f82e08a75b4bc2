//! Test support shared by the integration tests of ofiuco's crates (a
//! dev-dependency only): where the lock-file corpus is, and its lock files.
//!
//! The corpus is part of the repository (`tests/corpus` at the workspace
//! root, see its README.md), so the tests need nothing beside the checkout.

use std::fs;
use std::path::{Path, PathBuf};

/// The lock-file corpus, `tests/corpus` at the workspace root.
///
/// Panics when it is missing: it is checked in, so a missing corpus is a
/// broken checkout, not something to skip.
pub fn corpus_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus");
    match dir.canonicalize() {
        Ok(dir) if dir.join("INDEX.md").is_file() => dir,
        _ => panic!(
            "the lock-file corpus is missing: expected tests/corpus/INDEX.md at the workspace root ({})\n  hint: it is part of the repository; restore it with `git checkout -- tests/corpus`",
            dir.display()
        ),
    }
}

/// Every file called `name` under `dir`, recursively, in sorted path order.
pub fn find_files(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(dir, name, &mut out);
    out
}

fn walk(dir: &Path, name: &str, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            e.unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, name, out);
        } else if path.file_name().is_some_and(|n| n == name) {
            out.push(path);
        }
    }
}

/// Every `poetry.lock` of the corpus, in sorted path order; panics when there is none.
pub fn corpus_poetry_locks() -> Vec<PathBuf> {
    let dir = corpus_dir();
    let locks = find_files(&dir, "poetry.lock");
    assert!(!locks.is_empty(), "no poetry.lock under {}", dir.display());
    locks
}

/// Every `uv.lock` of the corpus, in sorted path order; panics when there is none.
pub fn corpus_uv_locks() -> Vec<PathBuf> {
    let dir = corpus_dir();
    let locks = find_files(&dir, "uv.lock");
    assert!(!locks.is_empty(), "no uv.lock under {}", dir.display());
    locks
}

/// Every pylock.toml of the corpus (`pylock.toml` and `pylock.<name>.toml`,
/// PEP 751), in sorted path order; panics when there is none.
pub fn corpus_pylocks() -> Vec<PathBuf> {
    let dir = corpus_dir();
    let mut locks = Vec::new();
    walk_matching(&dir, &|name| is_pylock_name(name), &mut locks);
    assert!(!locks.is_empty(), "no pylock.toml under {}", dir.display());
    locks
}

/// Every lock of the corpus, of every format, in sorted path order.
pub fn corpus_all_locks() -> Vec<PathBuf> {
    let mut locks = corpus_poetry_locks();
    locks.extend(corpus_uv_locks());
    locks.extend(corpus_pylocks());
    locks.sort();
    locks
}

fn is_pylock_name(name: &str) -> bool {
    name == "pylock.toml"
        || name
            .strip_prefix("pylock.")
            .and_then(|rest| rest.strip_suffix(".toml"))
            .is_some_and(|middle| !middle.is_empty() && !middle.contains('.'))
}

fn walk_matching(dir: &Path, matches: &dyn Fn(&str) -> bool, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            e.unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk_matching(&path, matches, out);
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(matches)
        {
            out.push(path);
        }
    }
}

/// `path` relative to the corpus, with `/` separators: the keys of the tests' tables.
pub fn corpus_relative(path: &Path) -> String {
    path.strip_prefix(corpus_dir())
        .unwrap_or_else(|_| panic!("{} is not in the corpus", path.display()))
        .to_string_lossy()
        .replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_corpus_and_its_locks() {
        let locks = corpus_poetry_locks();
        assert!(locks.iter().all(|p| p.starts_with(corpus_dir())));
        let mut sorted = locks.clone();
        sorted.sort();
        assert_eq!(locks, sorted);
        assert!(locks
            .iter()
            .any(|p| corpus_relative(p) == "python-poetry__poetry/poetry.lock"));
    }
}

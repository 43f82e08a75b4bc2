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

//! `ofiuco venv`: merge installed package trees into one tree (`py_venv`).
//!
//! Everything below each tree (site-packages/, bin/, include/, data/) is
//! copied (not linked: links across Bazel output trees aren't reliable) to
//! the same relative path in the output. The same path in two trees is fine
//! when the files are identical (the first tree keeps it); different files
//! are an error naming both packages, found before anything is written. The
//! tree is built in a temporary directory beside the output and renamed
//! into place.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::io_err;
use crate::fragment::{run_ordered, same_content};
use crate::tree::{parent_dir, set_mode, walk_files, TreeFile};
use crate::{normalized_mode, ArchiveError};

/// What [`merge_venv`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VenvReport {
    pub files: u64,
    pub bytes: u64,
    /// Paths provided, identically, by more than one package.
    pub duplicate_files: u64,
}

/// Merges `trees` (package name, installed tree) into `output`, which must
/// not exist or be an empty directory. `threads` copy in parallel (0: the
/// available parallelism).
pub fn merge_venv(
    trees: &[(String, PathBuf)],
    output: &Path,
    threads: usize,
) -> Result<VenvReport, ArchiveError> {
    let mut merged: BTreeMap<String, (TreeFile, usize)> = BTreeMap::new();
    let mut report = VenvReport::default();
    for (index, (package, tree)) in trees.iter().enumerate() {
        for file in walk_files(tree)? {
            match merged.get(&file.rel) {
                None => {
                    merged.insert(file.rel.clone(), (file, index));
                }
                Some((first, first_index)) => {
                    if !same_content(first, &file)? {
                        return Err(ArchiveError::VenvConflict {
                            path: file.rel.clone(),
                            first: trees[*first_index].0.clone(),
                            second: package.clone(),
                        });
                    }
                    report.duplicate_files += 1;
                }
            }
        }
    }

    if output.exists() {
        let mut entries = fs::read_dir(output).map_err(io_err("read directory", output))?;
        if entries.next().is_some() {
            return Err(ArchiveError::OutputNotEmpty {
                path: output.to_path_buf(),
            });
        }
    }
    let parent = parent_dir(output);
    let tmp = tempfile::Builder::new()
        .prefix(".ofiuco-venv")
        .tempdir_in(parent)
        .map_err(io_err("create a temporary directory in", parent))?;

    let files: Vec<&TreeFile> = merged.values().map(|(f, _)| f).collect();
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| Path::new(&f.rel).parent().map(|p| tmp.path().join(p)))
        .collect();
    dirs.dedup();
    for dir in &dirs {
        fs::create_dir_all(dir).map_err(io_err("create directory", dir))?;
    }
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .clamp(1, files.len().max(1));
    run_ordered(
        files.len(),
        threads,
        |i| copy_file(files[i], &tmp.path().join(&files[i].rel)),
        &mut |_, ()| Ok(()),
    )?;
    report.files = files.len() as u64;
    report.bytes = files.iter().map(|f| f.size).sum();

    if output.exists() {
        fs::remove_dir(output).map_err(io_err("replace", output))?;
    }
    // Temporary directories are created 0700.
    set_mode(tmp.path(), 0o755)?;
    let tmp = tmp.keep();
    fs::rename(&tmp, output).map_err(|e| {
        let _ = fs::remove_dir_all(&tmp);
        io_err("write", output)(e)
    })?;
    Ok(report)
}

fn copy_file(file: &TreeFile, dest: &Path) -> Result<(), ArchiveError> {
    fs::copy(&file.abs, dest).map_err(io_err("copy", &file.abs))?;
    set_mode(dest, normalized_mode(file.executable))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::tree::test_tree as tree;

    #[test]
    fn merges_trees() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tree(
            &tmp.path().join("a"),
            &[
                ("site-packages/a.py", "a"),
                ("site-packages/nv/__init__.py", ""),
                ("bin/a", "#!"),
            ],
        );
        let b = tree(
            &tmp.path().join("b"),
            &[
                ("site-packages/b.py", "b"),
                ("site-packages/nv/__init__.py", ""),
            ],
        );
        let out = tmp.path().join("venv");
        fs::create_dir(&out).unwrap();
        let report = merge_venv(&[("a".into(), a), ("b".into(), b)], &out, 2).unwrap();
        assert_eq!(
            report,
            VenvReport {
                files: 4,
                bytes: 4,
                duplicate_files: 1
            }
        );
        assert_eq!(
            fs::read_to_string(out.join("site-packages/b.py")).unwrap(),
            "b"
        );
        assert!(out.join("bin/a").is_file());
    }

    #[test]
    fn conflict_writes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tree(&tmp.path().join("a"), &[("site-packages/x.py", "1")]);
        let b = tree(&tmp.path().join("b"), &[("site-packages/x.py", "2")]);
        let out = tmp.path().join("venv");
        let err = merge_venv(&[("a".into(), a), ("b".into(), b)], &out, 2).unwrap_err();
        insta::assert_snapshot!(err, @r"
        conflicting files at `site-packages/x.py` in the venv: package `a` and package `b` provide different content
        hint: nothing was written; drop one of the packages from the venv
        ");
        assert!(!out.exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 2);
    }
}

//! Walking installed trees and writing outputs atomically.

use std::collections::HashSet;
use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::error::io_err;
use crate::{fixed_time, normalized_mode, ArchiveError};

/// A regular file found below a tree root.
#[derive(Debug, Clone)]
pub(crate) struct TreeFile {
    /// Path relative to the root, `/`-separated.
    pub rel: String,
    pub abs: PathBuf,
    pub size: u64,
    pub executable: bool,
}

/// Lists the regular files below `root`, sorted by relative path. Symbolic
/// links are followed (Bazel's sandbox presents inputs as symlinks); a
/// directory reached twice (a link cycle) is walked once.
pub(crate) fn walk_files(root: &Path) -> Result<Vec<TreeFile>, ArchiveError> {
    let mut out = Vec::new();
    let mut seen_dirs = HashSet::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel_dir)) = stack.pop() {
        let meta = fs::metadata(&dir).map_err(io_err("read", &dir))?;
        if !seen_dirs.insert(dir_identity(&dir, &meta)) {
            continue;
        }
        for entry in fs::read_dir(&dir).map_err(io_err("read directory", &dir))? {
            let entry = entry.map_err(io_err("read directory", &dir))?;
            let abs = entry.path();
            let name = entry
                .file_name()
                .into_string()
                .map_err(|_| ArchiveError::NonUtf8Path { path: abs.clone() })?;
            let rel = if rel_dir.is_empty() {
                name
            } else {
                format!("{rel_dir}/{name}")
            };
            // `metadata` follows symlinks; a dangling link is an error.
            let meta = fs::metadata(&abs).map_err(io_err("read", &abs))?;
            if meta.is_dir() {
                stack.push((abs, rel));
            } else if meta.is_file() {
                out.push(TreeFile {
                    rel,
                    size: meta.len(),
                    executable: is_executable(&meta),
                    abs,
                });
            }
            // Sockets, fifos and devices have no place in a package: skipped.
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

#[cfg(unix)]
fn dir_identity(_dir: &Path, meta: &fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn dir_identity(dir: &Path, _meta: &fs::Metadata) -> PathBuf {
    fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

#[cfg(unix)]
pub(crate) fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
pub(crate) fn is_executable(_meta: &fs::Metadata) -> bool {
    false
}

/// Compresses one file into a single-entry in-memory zip (so that workers can
/// compress in parallel and the writer can `raw_copy` the result in order).
/// Deflate at `level`; when that doesn't save a byte the entry is stored.
pub(crate) fn compress_entry(
    name: &str,
    data: &[u8],
    executable: bool,
    level: i64,
) -> Result<Vec<u8>, zip::result::ZipError> {
    let base = SimpleFileOptions::default()
        .last_modified_time(fixed_time())
        .unix_permissions(normalized_mode(executable))
        .large_file(data.len() as u64 >= u32::MAX as u64);
    let write = |options: SimpleFileOptions| -> Result<Vec<u8>, zip::result::ZipError> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::with_capacity(data.len() / 2 + 128)));
        zip.start_file(name, options)?;
        zip.write_all(data)?;
        Ok(zip.finish()?.into_inner())
    };
    if level > 0 && !data.is_empty() {
        let deflated = write(
            base.compression_method(CompressionMethod::Deflated)
                .compression_level(Some(level)),
        )?;
        if deflated.len() < stored_len_estimate(name, data.len()) {
            return Ok(deflated);
        }
    }
    write(base.compression_method(CompressionMethod::Stored))
}

/// The size of a single-entry zip that stores `len` bytes under `name`
/// (local header 30 + name, central header 46 + name, end record 22).
fn stored_len_estimate(name: &str, len: usize) -> usize {
    30 + 46 + 22 + 2 * name.len() + len
}

/// Writes `output` through a temporary file in the same directory, renamed
/// into place only when `write` succeeds.
pub(crate) fn write_atomically<T>(
    output: &Path,
    write: impl FnOnce(&mut fs::File) -> Result<T, ArchiveError>,
) -> Result<T, ArchiveError> {
    let dir = parent_dir(output);
    let mut tmp = tempfile::Builder::new()
        .prefix(".ofiuco-tmp")
        .tempfile_in(dir)
        .map_err(io_err("create a temporary file in", dir))?;
    let value = write(tmp.as_file_mut())?;
    tmp.as_file_mut().flush().map_err(io_err("write", output))?;
    // Temporary files are created 0600; outputs are ordinary files.
    set_mode(tmp.path(), 0o644)?;
    tmp.persist(output)
        .map_err(|e| io_err("write", output)(e.error))?;
    Ok(value)
}

#[cfg(unix)]
pub(crate) fn set_mode(path: &Path, mode: u32) -> Result<(), ArchiveError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io_err("write", path))
}

#[cfg(not(unix))]
pub(crate) fn set_mode(_path: &Path, _mode: u32) -> Result<(), ArchiveError> {
    Ok(())
}

pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Checks that `path` is a safe relative archive path: no empty, `.` or
/// `..` components, not absolute, no backslashes.
pub(crate) fn check_archive_path(path: &str) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("the path is empty");
    }
    if path.starts_with('/') {
        return Err("the path is absolute");
    }
    if path.contains('\\') {
        return Err("the path contains a backslash");
    }
    if path.ends_with('/') {
        return Err("the path names a directory");
    }
    for part in path.split('/') {
        match part {
            "" => return Err("the path has an empty component"),
            "." | ".." => return Err("the path has a `.` or `..` component"),
            _ => {}
        }
    }
    Ok(())
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, ArchiveError> {
    fs::read(path).map_err(io_err("read", path))
}

/// Test fixture: writes `files` (path, content) below `dir` and returns `dir`.
#[cfg(test)]
pub(crate) fn test_tree(dir: &Path, files: &[(&str, &str)]) -> std::path::PathBuf {
    for (path, content) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_paths() {
        assert_eq!(check_archive_path("a/b.py"), Ok(()));
        assert!(check_archive_path("../a").is_err());
        assert!(check_archive_path("/a").is_err());
        assert!(check_archive_path("a//b").is_err());
        assert!(check_archive_path("a/./b").is_err());
        assert!(check_archive_path("a\\b").is_err());
        assert!(check_archive_path("").is_err());
    }

    #[test]
    fn incompressible_data_is_stored() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        let zip = compress_entry("x.bin", &noise, false, 6).unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
        assert_eq!(
            archive.by_index(0).unwrap().compression(),
            CompressionMethod::Stored
        );

        let text = "hello world\n".repeat(100);
        let zip = compress_entry("x.txt", text.as_bytes(), true, 6).unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
        let file = archive.by_index(0).unwrap();
        assert_eq!(file.compression(), CompressionMethod::Deflated);
        assert_eq!(file.unix_mode().unwrap() & 0o777, 0o755);
    }
}

//! `ofiuco layer`: deterministic OCI image layers (gzip-compressed tar).
//!
//! A layer holds the `site-packages` contents of installed package trees
//! (written by `ofiuco install`) below one directory of the image, and/or
//! application files at given paths. The bytes depend only on the paths,
//! contents and executable bits of the inputs:
//!
//! * entries sorted by path, every parent directory listed before its
//!   contents;
//! * mtime 0, uid/gid 0, no user or group names, mode 0755 for directories
//!   and executables, 0644 for other files (the zip rule of
//!   [`crate::normalized_mode`]);
//! * gzip with mtime 0, no file name, OS byte 255 ("unknown"), zlib-rs level 6.
//!
//! The descriptor written beside it (`LayerDescriptor`) carries the layer's
//! digest and size (of the gzip bytes) and its `diff_id` (the sha256 of the
//! uncompressed tar), which an image config needs: the image step copies the
//! layer without decompressing it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use flate2::{Compression, GzBuilder};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::elf::ElfCheck;
use crate::error::io_err;
use crate::exclude::Excludes;
use crate::fragment::{check_elf_data, MAX_ELF_BYTES};
use crate::text::{shown, shown_path};
use crate::tree::{check_archive_path, file_directory_conflict, walk_files, write_atomically};
use crate::{normalized_mode, ArchiveError};

/// The media type of every layer `ofiuco layer` writes.
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// gzip level of layers: zlib's default, like fragments.
pub const LAYER_LEVEL: u32 = 6;

/// An installed package tree whose `site-packages` goes into the layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerTree {
    /// The package name, for messages and the descriptor.
    pub package: String,
    /// The tree written by `ofiuco install`.
    pub dir: PathBuf,
}

impl FromStr for LayerTree {
    type Err = String;
    /// Parses `NAME=DIR`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once('=') {
            Some((name, dir)) if !name.is_empty() && !dir.is_empty() => Ok(LayerTree {
                package: name.to_string(),
                dir: PathBuf::from(dir),
            }),
            _ => Err(format!("expected NAME=DIR, got `{}`", shown(s))),
        }
    }
}

/// What goes into one layer.
#[derive(Debug, Clone)]
pub struct LayerOptions {
    /// Package trees; their `site-packages` contents go below `site_packages`.
    pub trees: Vec<LayerTree>,
    /// The directory of the image that receives the packages, relative to `/`
    /// (e.g. `opt/python`).
    pub site_packages: String,
    /// Application files: `archive_path` is the path in the image, relative to `/`.
    pub files: Vec<crate::AppFile>,
    /// Directories whose files go below `app_root` at their relative paths
    /// (the application's compiled bytecode).
    pub app_trees: Vec<PathBuf>,
    /// The directory of the image the application files are below (for
    /// `exclude` globs relative to it), relative to `/`.
    pub app_root: String,
    /// Globs of paths to leave out: matched against the path in the image
    /// (without the leading `/`) and against the path below `site_packages`
    /// or `app_root`.
    pub excludes: Excludes,
    /// CPU and glibc checks of every ELF file of the packages.
    pub check: ElfCheck,
}

/// The layer's identity, written as JSON beside the tarball.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerDescriptor {
    #[serde(rename = "mediaType")]
    pub media_type: String,
    /// `sha256:…` of the gzip bytes.
    pub digest: String,
    /// Size of the gzip bytes.
    pub size: u64,
    /// `sha256:…` of the uncompressed tar.
    pub diff_id: String,
    /// Regular files in the layer.
    pub files: u64,
    /// The sum of their sizes.
    pub unpacked_bytes: u64,
    /// The packages in the layer, as given (each once).
    pub packages: Vec<String>,
    /// Files excluded by the `exclude` globs.
    pub excluded_files: u64,
}

/// One regular file of the layer.
struct Entry {
    source: PathBuf,
    size: u64,
    executable: bool,
    /// Index into the owners' descriptions.
    owner: usize,
    /// The package it belongs to (for ELF checks), or `None` for application files.
    package: Option<usize>,
    /// The path below its root, for messages.
    rel: String,
}

/// Writes the layer to `output` (through a temporary file: an error leaves
/// nothing behind) and returns its descriptor.
pub fn write_layer(opts: &LayerOptions, output: &Path) -> Result<LayerDescriptor, ArchiveError> {
    let site_packages = clean_dir(&opts.site_packages, "--site-packages")?;
    let app_root = clean_dir(&opts.app_root, "--app-root")?;
    let mut owners: Vec<String> = Vec::new();
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    let mut excluded = 0u64;
    for (index, tree) in opts.trees.iter().enumerate() {
        let root = tree.dir.join("site-packages");
        if !root.is_dir() {
            return Err(ArchiveError::MissingPrefix {
                tree: tree.dir.clone(),
                prefix: "site-packages".into(),
            });
        }
        owners.push(format!("package `{}`", shown(&tree.package)));
        excluded += add_tree(
            &mut entries,
            &owners,
            opts,
            &root,
            &site_packages,
            Some(index),
        )?;
    }
    for app in &opts.files {
        let owner = format!("`{}`", shown_path(&app.source));
        check_archive_path(&app.archive_path).map_err(|reason| {
            ArchiveError::InvalidArchivePath {
                path: app.archive_path.clone(),
                owner: owner.clone(),
                reason,
            }
        })?;
        let rel = app
            .archive_path
            .strip_prefix(&app_root)
            .and_then(|r| r.strip_prefix('/'))
            .unwrap_or(&app.archive_path)
            .to_string();
        if opts.excludes.is_excluded(&app.archive_path, Some(&rel)) {
            excluded += 1;
            continue;
        }
        let meta = std::fs::metadata(&app.source).map_err(io_err("read", &app.source))?;
        owners.push(owner);
        add(
            &mut entries,
            &owners,
            app.archive_path.clone(),
            Entry {
                source: app.source.clone(),
                size: meta.len(),
                executable: crate::tree::is_executable(&meta),
                owner: owners.len() - 1,
                package: None,
                rel,
            },
        )?;
    }
    for dir in &opts.app_trees {
        owners.push(format!("application files of `{}`", shown_path(dir)));
        excluded += add_tree(&mut entries, &owners, opts, dir, &app_root, None)?;
    }
    if let Some((file, inside)) = file_directory_conflict(entries.keys().map(String::as_str)) {
        return Err(ArchiveError::FileDirectoryConflict {
            file: file.to_string(),
            file_owner: owners[entries[file].owner].clone(),
            inside: inside.to_string(),
            inside_owner: owners[entries[inside].owner].clone(),
        });
    }
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    for path in entries.keys() {
        add_parents(&mut dirs, path);
    }
    // Directories sort before the files below them (`a/` < `a/b`), and the
    // listing is the merge of both in path order.
    let mut order: Vec<(String, Option<&Entry>)> = dirs
        .into_iter()
        .map(|d| (d, None))
        .chain(entries.iter().map(|(p, e)| (p.clone(), Some(e))))
        .collect();
    order.sort_by(|a, b| a.0.cmp(&b.0));

    // Per tree, its package's name (for ELF messages); the descriptor lists
    // each package once (a package's bytecode comes as a second tree).
    let packages: Vec<String> = opts.trees.iter().map(|t| t.package.clone()).collect();
    let mut listed: Vec<String> = Vec::with_capacity(packages.len());
    for name in &packages {
        if !listed.contains(name) {
            listed.push(name.clone());
        }
    }
    let (digest, size, diff_id, files, unpacked) = write_atomically(output, |out| {
        let compressed = HashingWriter::new(BufWriter::new(out));
        let gz = GzBuilder::new()
            .mtime(0)
            .operating_system(255)
            .write(compressed, Compression::new(LAYER_LEVEL));
        let mut tar = tar::Builder::new(HashingWriter::new(gz));
        tar.mode(tar::HeaderMode::Deterministic);
        let mut files = 0u64;
        let mut unpacked = 0u64;
        for (path, entry) in &order {
            match entry {
                None => append_dir(&mut tar, path).map_err(io_err("write", output))?,
                Some(entry) => {
                    let package = entry.package.map(|i| packages[i].as_str());
                    append_file(&mut tar, path, entry, package, &opts.check, output)?;
                    files += 1;
                    unpacked += entry.size;
                }
            }
        }
        let uncompressed = tar.into_inner().map_err(io_err("write", output))?;
        let (gz, diff_id) = uncompressed.finish();
        let compressed = gz.finish().map_err(io_err("write", output))?;
        let (mut buffered, digest) = compressed.finish();
        buffered.flush().map_err(io_err("write", output))?;
        Ok((digest.0, digest.1, diff_id.0, files, unpacked))
    })?;
    Ok(LayerDescriptor {
        media_type: LAYER_MEDIA_TYPE.into(),
        digest: format!("sha256:{digest}"),
        size,
        diff_id: format!("sha256:{diff_id}"),
        files,
        unpacked_bytes: unpacked,
        packages: listed,
        excluded_files: excluded,
    })
}

/// `opt/python` from `/opt/python/` (empty for `/`); other forms are refused.
fn clean_dir(dir: &str, flag: &'static str) -> Result<String, ArchiveError> {
    let trimmed = dir.trim_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    check_archive_path(trimmed).map_err(|reason| ArchiveError::InvalidArchivePath {
        path: dir.to_string(),
        owner: flag.to_string(),
        reason,
    })?;
    Ok(trimmed.to_string())
}

fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}

/// Adds every file below `dir` at `prefix/<its path>`, owned by the last of
/// `owners` (and by `package`); returns how many the excludes dropped.
fn add_tree(
    entries: &mut BTreeMap<String, Entry>,
    owners: &[String],
    opts: &LayerOptions,
    dir: &Path,
    prefix: &str,
    package: Option<usize>,
) -> Result<u64, ArchiveError> {
    let mut excluded = 0;
    for file in walk_files(dir)? {
        let path = join(prefix, &file.rel);
        if opts.excludes.is_excluded(&path, Some(&file.rel)) {
            excluded += 1;
            continue;
        }
        add(
            entries,
            owners,
            path,
            Entry {
                source: file.abs,
                size: file.size,
                executable: file.executable,
                owner: owners.len() - 1,
                package,
                rel: file.rel,
            },
        )?;
    }
    Ok(excluded)
}

fn add(
    entries: &mut BTreeMap<String, Entry>,
    owners: &[String],
    path: String,
    entry: Entry,
) -> Result<(), ArchiveError> {
    if let Some(first) = entries.get(&path) {
        if same_file(&first.source, &entry.source)? {
            return Ok(());
        }
        return Err(ArchiveError::ArchiveConflict {
            path,
            first: owners[first.owner].clone(),
            second: owners[entry.owner].clone(),
        });
    }
    entries.insert(path, entry);
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> Result<bool, ArchiveError> {
    let x = std::fs::read(a).map_err(io_err("read", a))?;
    let y = std::fs::read(b).map_err(io_err("read", b))?;
    Ok(x == y)
}

/// Adds every parent directory of `path` (`a/`, `a/b/` for `a/b/c`).
fn add_parents(dirs: &mut BTreeSet<String>, path: &str) {
    for (end, _) in path.match_indices('/') {
        dirs.insert(path[..=end].to_string());
    }
}

fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header
}

fn append_dir<W: Write>(tar: &mut tar::Builder<W>, path: &str) -> io::Result<()> {
    let mut header = header(tar::EntryType::Directory, 0o755, 0);
    tar.append_data(&mut header, path, io::empty())
}

fn append_file<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    entry: &Entry,
    package: Option<&str>,
    check: &ElfCheck,
    output: &Path,
) -> Result<(), ArchiveError> {
    let mut header = header(
        tar::EntryType::Regular,
        normalized_mode(entry.executable),
        entry.size,
    );
    let mut file = File::open(&entry.source).map_err(io_err("read", &entry.source))?;
    let mut magic = [0u8; 4];
    let n = read_up_to(&mut file, &mut magic).map_err(io_err("read", &entry.source))?;
    let changed = || ArchiveError::FileChanged {
        path: entry.source.clone(),
    };
    if let (Some(package), true) = (package, check.is_enabled() && magic[..n] == *b"\x7fELF") {
        if entry.size > MAX_ELF_BYTES {
            return Err(ArchiveError::ElfTooLarge {
                package: package.to_string(),
                path: entry.rel.clone(),
                size: entry.size,
                limit: MAX_ELF_BYTES,
            });
        }
        let mut data = magic[..n].to_vec();
        file.read_to_end(&mut data)
            .map_err(io_err("read", &entry.source))?;
        if data.len() as u64 != entry.size {
            return Err(changed());
        }
        check_elf_data(package, &entry.rel, &data, check)?;
        return tar
            .append_data(&mut header, path, data.as_slice())
            .map_err(io_err("write", output));
    }
    let mut counted = CountingReader {
        inner: (&magic[..n]).chain(&mut file).take(entry.size),
        count: 0,
    };
    tar.append_data(&mut header, path, &mut counted)
        .map_err(io_err("write", output))?;
    // `append_data` pads to the header's size but does not check it: a file
    // that shrank or grew while it was read is an error.
    let mut extra = [0u8; 1];
    if counted.count != entry.size
        || file
            .read(&mut extra)
            .map_err(io_err("read", &entry.source))?
            != 0
    {
        return Err(changed());
    }
    Ok(())
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

struct CountingReader<R: Read> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// A writer that hashes (sha256) and counts what passes through it.
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    /// The inner writer, the hex digest and the number of bytes written.
    pub fn finish(self) -> (W, (String, u64)) {
        let digest = hex(&self.hasher.finalize());
        (self.inner, (digest, self.size))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::test_tree;
    use crate::AppFile;
    use flate2::read::GzDecoder;

    fn options(trees: Vec<LayerTree>, files: Vec<AppFile>) -> LayerOptions {
        LayerOptions {
            trees,
            site_packages: "/opt/python".into(),
            files,
            app_root: "/var/task".into(),
            app_trees: vec![],
            excludes: Excludes::new::<&str>(&[]).unwrap(),
            check: ElfCheck::default(),
        }
    }

    /// (path, mode, uid, gid, mtime, content) of every entry.
    fn listing(path: &Path) -> Vec<(String, u32, u64, u64, u64, Vec<u8>)> {
        let mut archive = tar::Archive::new(GzDecoder::new(File::open(path).unwrap()));
        archive
            .entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let h = e.header().clone();
                let mut data = Vec::new();
                e.read_to_end(&mut data).unwrap();
                (
                    e.path().unwrap().display().to_string(),
                    h.mode().unwrap(),
                    h.uid().unwrap(),
                    h.gid().unwrap(),
                    h.mtime().unwrap(),
                    data,
                )
            })
            .collect()
    }

    #[test]
    fn sorted_normalized_and_digests_match() {
        let tmp = tempfile::tempdir().unwrap();
        let tree = test_tree(
            &tmp.path().join("numpy"),
            &[
                ("site-packages/numpy/__init__.py", "x = 1\n"),
                ("site-packages/numpy/core/_m.so", "not elf"),
                ("bin/f2py", "#!python\n"),
            ],
        );
        let app = tmp.path().join("main.py");
        std::fs::write(&app, "print('hi')\n").unwrap();
        let out = tmp.path().join("layer.tar.gz");
        let opts = options(
            vec![LayerTree {
                package: "numpy".into(),
                dir: tree,
            }],
            vec![AppFile {
                archive_path: "var/task/app/main.py".into(),
                source: app,
            }],
        );
        let d = write_layer(&opts, &out).unwrap();
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(d.size, bytes.len() as u64);
        assert_eq!(d.digest, format!("sha256:{}", hex(&Sha256::digest(&bytes))));
        let mut tar_bytes = Vec::new();
        GzDecoder::new(bytes.as_slice())
            .read_to_end(&mut tar_bytes)
            .unwrap();
        assert_eq!(
            d.diff_id,
            format!("sha256:{}", hex(&Sha256::digest(&tar_bytes)))
        );
        let entries = listing(&out);
        let paths: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            paths,
            [
                "opt/",
                "opt/python/",
                "opt/python/numpy/",
                "opt/python/numpy/__init__.py",
                "opt/python/numpy/core/",
                "opt/python/numpy/core/_m.so",
                "var/",
                "var/task/",
                "var/task/app/",
                "var/task/app/main.py",
            ]
        );
        for (path, mode, uid, gid, mtime, _) in &entries {
            let want = if path.ends_with('/') { 0o755 } else { 0o644 };
            assert_eq!((*mode, *uid, *gid, *mtime), (want, 0, 0, 0), "{path}");
        }
        assert_eq!(entries[3].5, b"x = 1\n");
        assert_eq!((d.files, d.unpacked_bytes), (3, 6 + 7 + 12));
        // The gzip header: no mtime, no name, OS unknown.
        assert_eq!(&bytes[..4], &[0x1f, 0x8b, 8, 0]);
        assert_eq!(&bytes[4..8], &[0, 0, 0, 0]);
        assert_eq!(bytes[9], 255);
    }

    #[cfg(unix)]
    #[test]
    fn same_bytes_whatever_the_mtimes_and_modes() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let a = test_tree(&tmp.path().join("a"), &[("site-packages/p/m.py", "m")]);
        let out1 = tmp.path().join("1.tar.gz");
        let opts = options(
            vec![LayerTree {
                package: "p".into(),
                dir: a.clone(),
            }],
            vec![],
        );
        let d1 = write_layer(&opts, &out1).unwrap();
        let file = a.join("site-packages/p/m.py");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let f = File::options().write(true).open(&file).unwrap();
        f.set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(12345))
            .unwrap();
        let out2 = tmp.path().join("2.tar.gz");
        let d2 = write_layer(&opts, &out2).unwrap();
        assert_eq!(d1, d2);
        assert_eq!(std::fs::read(&out1).unwrap(), std::fs::read(&out2).unwrap());
        // An executable stays executable, normalized to 0755.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o700)).unwrap();
        write_layer(&opts, &out2).unwrap();
        assert_eq!(listing(&out2).last().unwrap().1, 0o755);
    }

    #[test]
    fn long_paths_and_excludes() {
        let tmp = tempfile::tempdir().unwrap();
        let long = format!("site-packages/p/{}/m.py", "d".repeat(150));
        let tree = test_tree(
            &tmp.path().join("t"),
            &[
                (&long, "m"),
                ("site-packages/p/__pycache__/m.pyc", "c"),
                ("site-packages/p/tests/t.py", "t"),
            ],
        );
        let mut opts = options(
            vec![LayerTree {
                package: "p".into(),
                dir: tree,
            }],
            vec![],
        );
        opts.excludes = Excludes::new(&["**/__pycache__/**", "p/tests/**"]).unwrap();
        let out = tmp.path().join("l.tar.gz");
        let d = write_layer(&opts, &out).unwrap();
        assert_eq!((d.files, d.excluded_files), (1, 2));
        let last = listing(&out).pop().unwrap().0;
        assert_eq!(last, format!("opt/python/p/{}/m.py", "d".repeat(150)));
    }

    #[test]
    fn conflicts_and_bad_paths_name_the_inputs_and_write_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let a = test_tree(&tmp.path().join("a"), &[("site-packages/x/m.py", "a")]);
        let b = test_tree(&tmp.path().join("b"), &[("site-packages/x/m.py", "b")]);
        let same = test_tree(&tmp.path().join("c"), &[("site-packages/x/m.py", "a")]);
        let tree = |p: &str, d: &PathBuf| LayerTree {
            package: p.into(),
            dir: d.clone(),
        };
        let out = tmp.path().join("l.tar.gz");
        // Identical content from two packages is one entry.
        write_layer(
            &options(vec![tree("a", &a), tree("c", &same)], vec![]),
            &out,
        )
        .unwrap();
        std::fs::remove_file(&out).unwrap();
        let err = write_layer(&options(vec![tree("a", &a), tree("b", &b)], vec![]), &out)
            .unwrap_err()
            .to_string();
        insta::assert_snapshot!(err, @r"
        conflicting files at `opt/python/x/m.py` in the archive: package `a` and package `b` provide different content
        hint: exclude one of them with an `exclude` glob, or drop one of the packages
        ");
        assert!(!out.exists());
        let err = write_layer(
            &options(
                vec![],
                vec![AppFile {
                    archive_path: "../etc/passwd".into(),
                    source: a.join("site-packages/x/m.py"),
                }],
            ),
            &out,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("invalid archive path `../etc/passwd` for `")
                && err.ends_with("the path has a `.` or `..` component"),
            "{err}"
        );
        let err = write_layer(
            &options(vec![tree("nope", &tmp.path().join("none"))], vec![]),
            &out,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("has no `site-packages` directory"), "{err}");
        assert!(!out.exists());
    }

    #[test]
    fn elf_files_are_checked_against_the_target() {
        let tmp = tempfile::tempdir().unwrap();
        let so = include_bytes!("../testdata/libneeds_glibc_2_34.x86_64.so");
        let dir = tmp.path().join("t/site-packages/p");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("lib.so"), so).unwrap();
        let mut opts = options(
            vec![LayerTree {
                package: "p".into(),
                dir: tmp.path().join("t"),
            }],
            vec![],
        );
        let out = tmp.path().join("l.tar.gz");
        opts.check.cpu = Some(crate::Cpu::Aarch64);
        let err = write_layer(&opts, &out).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "`p/lib.so` in package `p` is an ELF file for x86_64, but the target CPU is aarch64"
            ),
            "{err}"
        );
        assert!(!out.exists());
        opts.check.cpu = Some(crate::Cpu::X86_64);
        write_layer(&opts, &out).unwrap();
    }

    /// Bytecode comes as a second tree of a package (listed once in the
    /// descriptor) and as an application tree below `app_root`; a pyc-only
    /// `**.py` exclude drops the sources of both.
    #[test]
    fn bytecode_trees_join_their_package_and_the_application() {
        let tmp = tempfile::tempdir().unwrap();
        let tree = test_tree(
            &tmp.path().join("pkg"),
            &[("site-packages/pkg/__init__.py", "x = 1\n")],
        );
        let pyc = test_tree(
            &tmp.path().join("pkg.pyc"),
            &[("site-packages/pkg/__init__.pyc", "pyc")],
        );
        let app_pyc = test_tree(&tmp.path().join("app.pyc"), &[("app/main.pyc", "app pyc")]);
        let app = tmp.path().join("main.py");
        std::fs::write(&app, "print('hi')\n").unwrap();
        let out = tmp.path().join("layer.tar.gz");
        let mut opts = options(
            vec![
                LayerTree {
                    package: "pkg".into(),
                    dir: tree,
                },
                LayerTree {
                    package: "pkg".into(),
                    dir: pyc,
                },
            ],
            vec![AppFile {
                archive_path: "var/task/app/main.py".into(),
                source: app,
            }],
        );
        opts.app_trees = vec![app_pyc.clone()];
        opts.excludes = Excludes::new(&["**.py"]).unwrap();
        let d = write_layer(&opts, &out).unwrap();
        assert_eq!(d.packages, vec!["pkg".to_string()]);
        assert_eq!(d.excluded_files, 2);
        let files: Vec<(String, Vec<u8>)> = listing(&out)
            .into_iter()
            .filter(|e| !e.0.ends_with('/'))
            .map(|e| (e.0, e.5))
            .collect();
        assert_eq!(
            files,
            vec![
                ("opt/python/pkg/__init__.pyc".to_string(), b"pyc".to_vec()),
                ("var/task/app/main.pyc".to_string(), b"app pyc".to_vec()),
            ]
        );
        // An application pyc at the path of an application file of other
        // content is a conflict naming both.
        std::fs::write(app_pyc.join("app/main.py"), "other\n").unwrap();
        opts.excludes = Excludes::new::<&str>(&[]).unwrap();
        let err = write_layer(&opts, &out).unwrap_err().to_string();
        assert!(err.contains("var/task/app/main.py"), "{err}");
        assert!(err.contains("application files of"), "{err}");
    }
}

//! `sdist-info`: what a source distribution (or source directory) needs to
//! be built: its PEP 517 backend and PEP 518 build requirements, its name and
//! version, and where its `Cargo.lock` is (a hint for Rust builds).
//!
//! Archives are read as streams and never extracted: `.tar.gz` through
//! flate2 and the tar crate, `.zip` through the zip crate (the format is
//! recognized by its magic bytes). Every entry's path is checked (no absolute
//! paths, `..`, links leaving the tree, devices), all entries must lie in one
//! top-level directory (`name-version/`, as sdists have), `pyproject.toml`
//! and `PKG-INFO` are read up to [`MAX_PYPROJECT_BYTES`] and
//! [`MAX_PKG_INFO_BYTES`], and a `.tar.gz` that inflates past
//! [`MAX_TAR_BYTES`], or by more than [`MAX_RATIO`] times once past
//! [`BOMB_MIN_BYTES`], is refused.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::str::FromStr;

use ofiuco_spec::text::{shown, shown_message, shown_path};
use ofiuco_spec::PackageName;
use pep508_rs::{Requirement, VerbatimUrl};
use serde::Serialize;

/// pyproject.toml is refused past this size.
pub const MAX_PYPROJECT_BYTES: u64 = 1 << 20;
/// PKG-INFO is read up to this size; its headers must end before it.
pub const MAX_PKG_INFO_BYTES: u64 = 1 << 20;
/// A .tar.gz is refused when its tar stream is larger than this.
pub const MAX_TAR_BYTES: u64 = 4 << 30;
/// ... or, past [`BOMB_MIN_BYTES`], larger than this many times the .tar.gz.
pub const MAX_RATIO: u64 = 200;
/// See [`MAX_RATIO`].
pub const BOMB_MIN_BYTES: u64 = 64 << 20;

/// A `Cargo.lock` is refused past this size.
pub const MAX_CARGO_LOCK_BYTES: u64 = 4 << 20;
/// At most this many entries of a source directory are looked at for C++ files.
const MAX_DIR_ENTRIES: usize = 20_000;
/// At most this many `Cargo.lock` files of an archive are kept for reading.
const MAX_CARGO_LOCKS: usize = 16;

/// PEP 517's fallback when pyproject.toml or its `build-backend` is absent.
pub const LEGACY_BACKEND: &str = "setuptools.build_meta:__legacy__";
/// PEP 518's fallback `requires` when pyproject.toml or `[build-system]` is absent.
pub const LEGACY_REQUIRES: &str = "setuptools>=40.8.0";

/// What `sdist-info` writes, as JSON (keys in this order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SdistInfo {
    /// From PKG-INFO, else a static `[project] name`.
    pub name: Option<String>,
    /// From PKG-INFO, else a static `[project] version`.
    pub version: Option<String>,
    pub backend: String,
    pub backend_path: Vec<String>,
    /// PEP 508 requirement strings, as written.
    pub requires: Vec<String>,
    /// The `Cargo.lock` of the Rust crate the build compiles, relative to
    /// the source root.
    pub cargo_lock: Option<String>,
    /// The `Cargo.toml` that lock belongs to (or the top-level one), relative
    /// to the source root.
    pub cargo_manifest: Option<String>,
    /// The archive's top-level directory (`crcmod-1.7`); `null` for a directory.
    pub root: Option<String>,
    /// The source has C++ files (`.cpp`, `.cc`, `.cxx`, `.c++`), or its build
    /// requires pybind11 or nanobind: its build gets a compiler cache with the
    /// C++ runtime already built. Only a hint: C++ that it misses still
    /// compiles, building that runtime in the action.
    pub cxx: bool,
    /// The crates.io crates of `cargo_lock`, each with its checksum: what a
    /// build vendors (empty without a lock).
    pub cargo_crates: Vec<crate::cargo::Crate>,
}

/// Why a source cannot be described.
#[derive(Debug, thiserror::Error)]
pub enum SdistError {
    #[error("cannot read `{path}`: {source}", path = shown_path(.path))]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write `{path}`: {source}", path = shown_path(.path))]
    Write { path: PathBuf, source: io::Error },
    #[error(
        "sdist `{sdist}`: {message}\n\
         hint: {hint}",
        message = shown_message(.message)
    )]
    Invalid {
        sdist: String,
        message: String,
        hint: &'static str,
    },
}

const HINT_ARCHIVE: &str =
    "the file is not a usable sdist; check the lock's hash and the package's files on its index";
const HINT_UNSAFE: &str =
    "the archive could write outside its directory when unpacked; nothing was read from it";
const HINT_PYPROJECT: &str =
    "fix `pyproject.toml` (PEP 517/518 `[build-system]`), or use another version of the package";

/// Where the source is.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// An sdist archive: `.tar.gz` or `.zip`.
    Archive(&'a Path),
    /// An unpacked source tree.
    Dir(&'a Path),
}

/// The build system of a pyproject.toml, and the paths it names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildSystem {
    pub backend: String,
    pub backend_path: Vec<String>,
    pub requires: Vec<String>,
    /// `[project] name` and `version`, when static.
    pub project_name: Option<String>,
    pub project_version: Option<String>,
    /// Cargo manifests named by `[tool.maturin] manifest-path` and
    /// `[tool.setuptools-rust]`, relative to the root, in that order.
    pub cargo_manifests: Vec<String>,
    /// `requires` names a C++ binding library (pybind11, nanobind).
    pub requires_cxx_bindings: bool,
}

impl BuildSystem {
    /// PEP 517/518's fallback for a tree without pyproject.toml.
    pub fn legacy() -> Self {
        BuildSystem {
            backend: LEGACY_BACKEND.into(),
            requires: vec![LEGACY_REQUIRES.into()],
            ..BuildSystem::default()
        }
    }
}

/// Reads the build system of a source.
pub fn sdist_info(source: Source<'_>) -> Result<SdistInfo, SdistError> {
    let (label, tree) = match source {
        Source::Archive(path) => (shown_path(path), scan_archive(path)?),
        Source::Dir(path) => (shown_path(path), scan_dir(path)?),
    };
    let invalid = |message: String, hint| SdistError::Invalid {
        sdist: label.clone(),
        message,
        hint,
    };
    let build = match &tree.pyproject {
        Some(bytes) => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| invalid("`pyproject.toml` is not UTF-8".into(), HINT_PYPROJECT))?;
            parse_pyproject(text).map_err(|m| invalid(m, HINT_PYPROJECT))?
        }
        None => BuildSystem::legacy(),
    };
    let (mut name, mut version) = (None, None);
    if let Some(bytes) = &tree.pkg_info {
        let (n, v) = parse_pkg_info(bytes).map_err(|m| {
            invalid(
                format!("`PKG-INFO`: {m}"),
                "the sdist's metadata is broken; use another version of the package",
            )
        })?;
        (name, version) = (n, v);
    }
    name = name.or(build.project_name.clone());
    version = version.or(build.project_version.clone());

    // Cargo: the referenced manifests, then the top-level one.
    let mut manifests = build.cargo_manifests.clone();
    if build.backend.starts_with("maturin") && manifests.is_empty() {
        manifests.push("Cargo.toml".into());
    }
    manifests.push("Cargo.toml".into());
    let mut cargo_manifest = None;
    let mut cargo_lock = None;
    for manifest in &manifests {
        if !tree.is_file(manifest) {
            continue;
        }
        cargo_manifest.get_or_insert_with(|| manifest.clone());
        if let Some(lock) = lock_for(manifest, &tree) {
            cargo_manifest = Some(manifest.clone());
            cargo_lock = Some(lock);
            break;
        }
    }
    if cargo_lock.is_none() && tree.is_file("Cargo.lock") {
        cargo_lock = Some("Cargo.lock".into());
    }
    let cargo_crates = match &cargo_lock {
        Some(rel) => {
            let bytes = tree.cargo_lock(rel, &label)?;
            let text = std::str::from_utf8(&bytes).map_err(|_| {
                invalid(format!("`{}` is not UTF-8", shown(rel)), crate::cargo::HINT)
            })?;
            crate::cargo::registry_crates(text)
                .map_err(|m| invalid(format!("`{}`: {m}", shown(rel)), crate::cargo::HINT))?
        }
        None => Vec::new(),
    };
    let cxx = tree.cxx || build.requires_cxx_bindings;
    Ok(SdistInfo {
        name,
        version,
        cxx,
        backend: build.backend,
        backend_path: build.backend_path,
        requires: build.requires,
        cargo_lock,
        cargo_manifest,
        root: tree.root,
        cargo_crates,
    })
}

/// File names that only C++ compilers take.
fn is_cxx_source(rel: &str) -> bool {
    let Some((_, ext)) = rel.rsplit_once('.') else {
        return false;
    };
    ["cpp", "cc", "cxx", "c++"]
        .iter()
        .any(|e| ext.eq_ignore_ascii_case(e))
}

/// Whether a source directory holds a C++ file (or a link named like one),
/// looking at up to `MAX_DIR_ENTRIES` entries, skipping hidden directories
/// (`.git`, `.venv`...) and not following links to directories.
fn dir_has_cxx(dir: &Path) -> bool {
    let mut pending = vec![dir.to_path_buf()];
    let mut seen = 0usize;
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_DIR_ENTRIES {
                return false;
            }
            let name = entry.file_name();
            let name = name.to_string_lossy();
            match entry.file_type() {
                Ok(t) if t.is_dir() && !name.starts_with('.') => pending.push(entry.path()),
                // Files, or links to them: local directories are fetched as links.
                Ok(t) if !t.is_dir() && is_cxx_source(&name) => return true,
                _ => {}
            }
        }
    }
    false
}

/// The `Cargo.lock` beside `manifest` or in a directory above it (a
/// workspace's lock is at its root), up to the source root.
fn lock_for(manifest: &str, tree: &Tree) -> Option<String> {
    let mut dir = manifest.rsplit_once('/').map(|(d, _)| d.to_string());
    loop {
        let candidate = match &dir {
            Some(d) => format!("{d}/Cargo.lock"),
            None => "Cargo.lock".to_string(),
        };
        if tree.is_file(&candidate) {
            return Some(candidate);
        }
        dir = match dir {
            Some(d) => d.rsplit_once('/').map(|(p, _)| p.to_string()),
            None => return None,
        };
    }
}

/// What was read from a source: the two files, and which Cargo files exist.
struct Tree {
    root: Option<String>,
    pyproject: Option<Vec<u8>>,
    pkg_info: Option<Vec<u8>>,
    /// Archives: the paths (below the root) of every `Cargo.toml` and `Cargo.lock`.
    cargo_files: BTreeSet<String>,
    /// Archives: the bytes of (the first [`MAX_CARGO_LOCKS`]) `Cargo.lock` files.
    cargo_locks: BTreeMap<String, Vec<u8>>,
    /// Directories: the tree itself.
    dir: Option<PathBuf>,
    /// A C++ source file was seen.
    cxx: bool,
}

impl Tree {
    /// The bytes of the `Cargo.lock` at `rel` (which [`Tree::is_file`] found).
    fn cargo_lock(&self, rel: &str, label: &str) -> Result<Vec<u8>, SdistError> {
        let too_many = || SdistError::Invalid {
            sdist: label.to_string(),
            message: format!(
                "`{}` cannot be read: the archive has more than {MAX_CARGO_LOCKS} Cargo.lock files",
                shown(rel)
            ),
            hint: crate::cargo::HINT,
        };
        let Some(dir) = &self.dir else {
            return self.cargo_locks.get(rel).cloned().ok_or_else(too_many);
        };
        let path = dir.join(rel);
        let size = std::fs::metadata(&path)
            .map_err(|source| SdistError::Read {
                path: path.clone(),
                source,
            })?
            .len();
        if size > MAX_CARGO_LOCK_BYTES {
            return Err(too_large(label, rel, size, MAX_CARGO_LOCK_BYTES));
        }
        std::fs::read(&path).map_err(|source| SdistError::Read { path, source })
    }

    fn is_file(&self, rel: &str) -> bool {
        match &self.dir {
            Some(dir) => dir.join(rel).is_file(),
            None => self.cargo_files.contains(rel),
        }
    }
}

fn is_cargo_file(rel: &str) -> bool {
    let base = rel.rsplit('/').next().unwrap_or(rel);
    base == "Cargo.toml" || base == "Cargo.lock"
}

fn scan_dir(dir: &Path) -> Result<Tree, SdistError> {
    let read = |name: &str, limit: u64| -> Result<Option<Vec<u8>>, SdistError> {
        let path = dir.join(name);
        let err = |source| SdistError::Read {
            path: path.clone(),
            source,
        };
        match std::fs::metadata(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(err(e)),
            Ok(meta) if !meta.is_file() => return Ok(None),
            Ok(meta) if meta.len() > limit && name == "pyproject.toml" => {
                return Err(too_large(&shown_path(dir), name, meta.len(), limit))
            }
            Ok(_) => {}
        }
        let mut bytes = Vec::new();
        File::open(&path)
            .and_then(|f| f.take(limit).read_to_end(&mut bytes))
            .map_err(err)?;
        Ok(Some(bytes))
    };
    if !dir.is_dir() {
        return Err(SdistError::Read {
            path: dir.to_path_buf(),
            source: io::Error::new(io::ErrorKind::NotFound, "not a directory"),
        });
    }
    Ok(Tree {
        root: None,
        pyproject: read("pyproject.toml", MAX_PYPROJECT_BYTES)?,
        pkg_info: read("PKG-INFO", MAX_PKG_INFO_BYTES)?,
        cargo_files: BTreeSet::new(),
        cargo_locks: BTreeMap::new(),
        dir: Some(dir.to_path_buf()),
        cxx: dir_has_cxx(dir),
    })
}

fn too_large(sdist: &str, name: &str, size: u64, limit: u64) -> SdistError {
    SdistError::Invalid {
        sdist: sdist.to_string(),
        message: format!("`{name}` is {size} bytes, more than the {limit} bytes allowed"),
        hint: HINT_PYPROJECT,
    }
}

/// Collects a tree from archive entries, checking each one.
struct Scanner {
    label: String,
    root: Option<String>,
    pyproject: Option<Vec<u8>>,
    pkg_info: Option<Vec<u8>>,
    cargo_files: BTreeSet<String>,
    cargo_locks: BTreeMap<String, Vec<u8>>,
    /// The path of the `Cargo.lock` that `entry` just asked to read.
    pending_cargo_lock: Option<String>,
    cxx: bool,
}

/// What an archive entry is.
enum Kind {
    File,
    Dir,
    /// A symbolic link with its target.
    Symlink(String),
    /// A hard link to another entry.
    Hardlink(String),
    Other(&'static str),
}

impl Scanner {
    fn new(label: String) -> Self {
        Scanner {
            label,
            root: None,
            pyproject: None,
            pkg_info: None,
            cargo_files: BTreeSet::new(),
            cargo_locks: BTreeMap::new(),
            pending_cargo_lock: None,
            cxx: false,
        }
    }

    fn invalid(&self, message: String, hint: &'static str) -> SdistError {
        SdistError::Invalid {
            sdist: self.label.clone(),
            message,
            hint,
        }
    }

    /// Checks one entry; returns its path below the root if it is a file
    /// the scan wants to read (pyproject.toml, PKG-INFO).
    fn entry(&mut self, name: &str, kind: &Kind) -> Result<Option<&'static str>, SdistError> {
        let trimmed = name.trim_start_matches("./");
        if trimmed.is_empty() {
            return Ok(None);
        }
        if let Some(reason) = unsafe_archive_path(trimmed) {
            return Err(self.invalid(format!("entry `{}` {reason}", shown(name)), HINT_UNSAFE));
        }
        let trimmed = trimmed.trim_end_matches('/');
        let (top, rest) = match trimmed.split_once('/') {
            Some((top, rest)) => (top, Some(rest)),
            None => (trimmed, None),
        };
        match &self.root {
            None => self.root = Some(top.to_string()),
            Some(root) if root != top => {
                return Err(self.invalid(
                    format!(
                        "entries lie in more than one top-level directory (`{}` and `{}`); an sdist has one, `name-version/`",
                        shown(root),
                        shown(top)
                    ),
                    HINT_ARCHIVE,
                ))
            }
            Some(_) => {}
        }
        match (kind, rest) {
            (Kind::Dir, _) => return Ok(None),
            (_, None) => {
                return Err(self.invalid(
                    format!(
                    "`{}` is not inside a top-level directory; an sdist has one, `name-version/`",
                    shown(name)
                ),
                    HINT_ARCHIVE,
                ))
            }
            _ => {}
        }
        let rel = rest.unwrap_or_default();
        match &kind {
            Kind::Other(what) => {
                return Err(self.invalid(
                    format!(
                        "entry `{}` is a {what}; sdists hold files, directories and links",
                        shown(name)
                    ),
                    HINT_UNSAFE,
                ))
            }
            Kind::Symlink(target) => {
                let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
                let escapes = target.starts_with('/')
                    || target.contains('\\')
                    || normalize_within(&format!("{dir}/{target}")).is_none();
                if escapes {
                    return Err(self.invalid(
                        format!(
                            "entry `{}` is a link to `{}`, outside the sdist's directory",
                            shown(name),
                            shown(target)
                        ),
                        HINT_UNSAFE,
                    ));
                }
            }
            Kind::Hardlink(target) => {
                if unsafe_archive_path(target.trim_start_matches("./")).is_some() {
                    return Err(self.invalid(
                        format!(
                            "entry `{}` is a hard link to `{}`",
                            shown(name),
                            shown(target)
                        ),
                        HINT_UNSAFE,
                    ));
                }
            }
            Kind::File | Kind::Dir => {}
        }
        let is_file = matches!(kind, Kind::File);
        self.cxx |= is_file && is_cxx_source(rel);
        if is_cargo_file(rel) && is_file {
            self.cargo_files.insert(rel.to_string());
            if rel.rsplit('/').next() == Some("Cargo.lock")
                && self.cargo_locks.len() < MAX_CARGO_LOCKS
            {
                self.pending_cargo_lock = Some(rel.to_string());
                return Ok(Some("Cargo.lock"));
            }
        }
        let wanted = match rel {
            "pyproject.toml" => "pyproject.toml",
            "PKG-INFO" => "PKG-INFO",
            _ => return Ok(None),
        };
        if !is_file {
            return Err(self.invalid(
                format!("`{}` is a link; it must be a regular file", shown(name)),
                HINT_ARCHIVE,
            ));
        }
        let already = match wanted {
            "pyproject.toml" => self.pyproject.is_some(),
            _ => self.pkg_info.is_some(),
        };
        if already {
            return Err(self.invalid(
                format!("`{}` is in the archive twice", shown(name)),
                HINT_ARCHIVE,
            ));
        }
        Ok(Some(wanted))
    }

    /// Reads a wanted file: pyproject.toml must fit its limit, PKG-INFO is cut.
    fn read(
        &mut self,
        wanted: &'static str,
        size: u64,
        reader: impl Read,
    ) -> Result<(), SdistError> {
        if wanted == "Cargo.lock" {
            let rel = self.pending_cargo_lock.take().unwrap_or_default();
            if size > MAX_CARGO_LOCK_BYTES {
                return Err(too_large(&self.label, &rel, size, MAX_CARGO_LOCK_BYTES));
            }
            let mut bytes = Vec::new();
            reader
                .take(MAX_CARGO_LOCK_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| self.invalid(format!("`{rel}` cannot be read: {e}"), HINT_ARCHIVE))?;
            if bytes.len() as u64 > MAX_CARGO_LOCK_BYTES {
                return Err(too_large(
                    &self.label,
                    &rel,
                    bytes.len() as u64,
                    MAX_CARGO_LOCK_BYTES,
                ));
            }
            self.cargo_locks.insert(rel, bytes);
            return Ok(());
        }
        let limit = if wanted == "pyproject.toml" {
            MAX_PYPROJECT_BYTES
        } else {
            MAX_PKG_INFO_BYTES
        };
        if wanted == "pyproject.toml" && size > limit {
            return Err(too_large(&self.label, wanted, size, limit));
        }
        let mut bytes = Vec::new();
        reader
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.invalid(format!("`{wanted}` cannot be read: {e}"), HINT_ARCHIVE))?;
        if bytes.len() as u64 > limit {
            if wanted == "pyproject.toml" {
                return Err(too_large(&self.label, wanted, bytes.len() as u64, limit));
            }
            bytes.truncate(limit as usize);
        }
        match wanted {
            "pyproject.toml" => self.pyproject = Some(bytes),
            _ => self.pkg_info = Some(bytes),
        }
        Ok(())
    }

    fn finish(self) -> Result<Tree, SdistError> {
        if self.root.is_none() {
            return Err(self.invalid("the archive is empty".into(), HINT_ARCHIVE));
        }
        Ok(Tree {
            root: self.root,
            pyproject: self.pyproject,
            pkg_info: self.pkg_info,
            cargo_files: self.cargo_files,
            cargo_locks: self.cargo_locks,
            dir: None,
            cxx: self.cxx,
        })
    }
}

/// Why an archive path is unsafe: absolute, a drive letter, `..` (split at
/// `/` and `\`), NUL.
fn unsafe_archive_path(name: &str) -> Option<&'static str> {
    if name.starts_with('/') || name.starts_with('\\') {
        return Some("is an absolute path");
    }
    if name.as_bytes().get(1) == Some(&b':') {
        return Some("starts with a drive letter");
    }
    if name.contains('\0') {
        return Some("has a NUL in its name");
    }
    if name.split(['/', '\\']).any(|c| c == "..") {
        return Some("has a `..` component (path traversal)");
    }
    None
}

/// `a/b/../c` → `a/c`; `None` when it climbs above the root.
fn normalize_within(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

fn scan_archive(path: &Path) -> Result<Tree, SdistError> {
    let label = shown_path(path);
    let read_err = |source| SdistError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(read_err)?;
    let size = file.metadata().map_err(read_err)?.len();
    let mut magic = [0u8; 4];
    let got = file.read(&mut magic).map_err(read_err)?;
    file.seek(SeekFrom::Start(0)).map_err(read_err)?;
    let scanner = Scanner::new(label.clone());
    if got >= 2 && magic[..2] == [0x1f, 0x8b] {
        scan_tar_gz(scanner, file, size)
    } else if got == 4 && &magic == b"PK\x03\x04" {
        scan_zip(scanner, file)
    } else {
        Err(SdistError::Invalid {
            sdist: label,
            message: "it is neither a gzip-compressed tar (`.tar.gz`) nor a zip archive".into(),
            hint: HINT_ARCHIVE,
        })
    }
}

/// Counts the bytes inflated, failing past the limits.
struct Limited<R> {
    inner: R,
    read: u64,
    compressed: u64,
    tripped: Rc<Cell<Option<u64>>>,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        let bomb = self.read > BOMB_MIN_BYTES && self.read / self.compressed.max(1) > MAX_RATIO;
        if self.read > MAX_TAR_BYTES || bomb {
            self.tripped.set(Some(self.read));
            return Err(io::Error::other("size limit"));
        }
        Ok(n)
    }
}

fn scan_tar_gz(mut scanner: Scanner, file: File, size: u64) -> Result<Tree, SdistError> {
    use tar::EntryType as T;
    let tripped = Rc::new(Cell::new(None));
    let reader = Limited {
        inner: flate2::read::MultiGzDecoder::new(BufReader::new(file)),
        read: 0,
        compressed: size,
        tripped: tripped.clone(),
    };
    let mut archive = tar::Archive::new(reader);
    let wrap = |scanner: &Scanner, e: io::Error| {
        match tripped.get() {
        Some(read) => scanner.invalid(
            format!(
                "it inflates to more than {read} bytes from {size} (limits: {MAX_TAR_BYTES} bytes, or {MAX_RATIO} times the archive past {BOMB_MIN_BYTES} bytes)"
            ),
            "this looks like a decompression bomb; nothing was unpacked",
        ),
        None => scanner.invalid(format!("it is not a readable .tar.gz: {e}"), HINT_ARCHIVE),
    }
    };
    let entries = archive.entries().map_err(|e| wrap(&scanner, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| wrap(&scanner, e))?;
        let header = entry.header();
        let name_bytes = entry.path_bytes().into_owned();
        let name = match std::str::from_utf8(&name_bytes) {
            Ok(n) => n.to_string(),
            Err(_) => {
                return Err(scanner.invalid(
                    format!(
                        "entry `{}` has a name that is not UTF-8",
                        shown(&String::from_utf8_lossy(&name_bytes))
                    ),
                    HINT_ARCHIVE,
                ))
            }
        };
        let link = || {
            entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        };
        let kind = match header.entry_type() {
            T::Regular | T::Continuous | T::GNUSparse => Kind::File,
            T::Directory => Kind::Dir,
            T::Symlink => Kind::Symlink(link()),
            T::Link => Kind::Hardlink(link()),
            T::XGlobalHeader | T::XHeader | T::GNULongName | T::GNULongLink => continue,
            T::Char => Kind::Other("character device"),
            T::Block => Kind::Other("block device"),
            T::Fifo => Kind::Other("named pipe"),
            _ => Kind::Other("special entry"),
        };
        let size = entry.size();
        if let Some(wanted) = scanner.entry(&name, &kind)? {
            scanner.read(wanted, size, entry)?;
        }
    }
    scanner.finish()
}

fn scan_zip(mut scanner: Scanner, file: File) -> Result<Tree, SdistError> {
    let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
        scanner.invalid(
            format!("it is not a readable zip archive: {e}"),
            HINT_ARCHIVE,
        )
    })?;
    for index in 0..archive.len() {
        let (name, kind, size) = {
            let file = archive.by_index_raw(index).map_err(|e| {
                scanner.invalid(format!("entry {index} cannot be read: {e}"), HINT_ARCHIVE)
            })?;
            let name = match std::str::from_utf8(file.name_raw()) {
                Ok(n) => n.to_string(),
                Err(_) => {
                    return Err(scanner.invalid(
                        format!(
                            "entry `{}` has a name that is not UTF-8",
                            shown(&String::from_utf8_lossy(file.name_raw()))
                        ),
                        HINT_ARCHIVE,
                    ))
                }
            };
            let mode = file.unix_mode().unwrap_or(0);
            let kind = if file.is_dir() {
                Kind::Dir
            } else if mode & 0o170000 == 0o120000 {
                Kind::Other("symbolic link (not supported in zip sdists)")
            } else {
                Kind::File
            };
            (name, kind, file.size())
        };
        if let Some(wanted) = scanner.entry(&name, &kind)? {
            let reader = archive.by_index(index).map_err(|e| {
                scanner.invalid(format!("`{wanted}` cannot be read: {e}"), HINT_ARCHIVE)
            })?;
            scanner.read(wanted, size, reader)?;
        }
    }
    scanner.finish()
}

/// Reads `[build-system]` (and the names of Cargo manifests) from
/// pyproject.toml text. Errors are messages without the sdist's name.
pub fn parse_pyproject(text: &str) -> Result<BuildSystem, String> {
    let table: toml::Table = toml::from_str(text)
        .map_err(|e| format!("`pyproject.toml` is not valid TOML: {}", e.message()))?;
    let mut build = BuildSystem::legacy();
    if let Some(system) = table.get("build-system") {
        let system = system
            .as_table()
            .ok_or("`[build-system]` of `pyproject.toml` is not a table")?;
        let requires = system.get("requires").ok_or(
            "`[build-system]` of `pyproject.toml` has no `requires` (PEP 518 makes it mandatory)",
        )?;
        build.requires = string_list(requires, "build-system.requires")?;
        for requirement in &build.requires {
            // pep508_rs 0.9 panics on some names and extras (`a-[x]`,
            // `a[y_]`, found by fuzzing): refused first, like the lock readers do.
            if let Some(problem) = ofiuco_spec::pep508_guard::requirement_problem(requirement) {
                return Err(format!(
                    "`build-system.requires` has the invalid requirement `{}`: {problem}",
                    shown(requirement)
                ));
            }
            let parsed = Requirement::<VerbatimUrl>::from_str(requirement).map_err(|e| {
                format!(
                    "`build-system.requires` has the invalid requirement `{}`: {}",
                    shown(requirement),
                    e.message
                )
            })?;
            build.requires_cxx_bindings |= matches!(parsed.name.as_ref(), "pybind11" | "nanobind");
        }
        if let Some(backend) = system.get("build-backend") {
            let backend = backend
                .as_str()
                .ok_or("`build-system.build-backend` of `pyproject.toml` is not a string")?;
            if !is_object_reference(backend) {
                return Err(format!(
                    "`build-system.build-backend` is `{}`, not a PEP 517 object reference such as `setuptools.build_meta` or `module:object`",
                    shown(backend)
                ));
            }
            build.backend = backend.to_string();
        }
        if let Some(paths) = system.get("backend-path") {
            build.backend_path = string_list(paths, "build-system.backend-path")?;
            for path in &build.backend_path {
                inside_tree(path, "build-system.backend-path")?;
            }
        }
    }
    if let Some(project) = table.get("project").and_then(|p| p.as_table()) {
        let dynamic: Vec<&str> = project
            .get("dynamic")
            .and_then(|d| d.as_array())
            .map(|d| d.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        if let Some(name) = project.get("name").and_then(|n| n.as_str()) {
            PackageName::new(name).map_err(|e| format!("`project.name`: {e}"))?;
            build.project_name = Some(name.to_string());
        }
        if let Some(version) = project.get("version").and_then(|v| v.as_str()) {
            if !dynamic.contains(&"version") {
                pep440_rs::Version::from_str(version).map_err(|e| {
                    format!(
                        "`project.version` is `{}`, not a PEP 440 version: {e}",
                        shown(version)
                    )
                })?;
                build.project_version = Some(version.to_string());
            }
        }
    }
    let tool = table.get("tool").and_then(|t| t.as_table());
    if let Some(maturin) = tool
        .and_then(|t| t.get("maturin"))
        .and_then(|m| m.as_table())
    {
        match maturin.get("manifest-path") {
            Some(path) => {
                let path = path
                    .as_str()
                    .ok_or("`tool.maturin.manifest-path` is not a string")?;
                build
                    .cargo_manifests
                    .push(inside_tree(path, "tool.maturin.manifest-path")?);
            }
            None => build.cargo_manifests.push("Cargo.toml".into()),
        }
    }
    if let Some(rust) = tool
        .and_then(|t| t.get("setuptools-rust"))
        .and_then(|m| m.as_table())
    {
        for key in ["ext-modules", "bins"] {
            for module in rust
                .get(key)
                .and_then(|m| m.as_array())
                .into_iter()
                .flatten()
            {
                let path = module
                    .get("path")
                    .and_then(|p| p.as_str())
                    .unwrap_or("Cargo.toml");
                let field = format!("tool.setuptools-rust.{key}");
                build.cargo_manifests.push(inside_tree(path, &field)?);
            }
        }
    }
    Ok(build)
}

fn string_list(value: &toml::Value, field: &str) -> Result<Vec<String>, String> {
    let items = value
        .as_array()
        .ok_or_else(|| format!("`{field}` of `pyproject.toml` is not a list of strings"))?;
    items
        .iter()
        .map(|item| {
            item.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("`{field}` of `pyproject.toml` is not a list of strings"))
        })
        .collect()
}

/// A path of pyproject.toml, relative and inside the tree, normalized.
fn inside_tree(path: &str, field: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "`{field}` is `{}`, which is not a relative path inside the source tree",
            shown(path)
        )
    };
    if path.starts_with('/') || path.contains('\\') || path.as_bytes().get(1) == Some(&b':') {
        return Err(bad());
    }
    normalize_within(path).ok_or_else(bad)
}

/// PEP 517: `module.path` or `module.path:object.path`, Python identifiers.
fn is_object_reference(value: &str) -> bool {
    let dotted = |s: &str| {
        !s.is_empty()
            && s.split('.').all(|part| {
                let mut chars = part.chars();
                chars
                    .next()
                    .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
                    && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
            })
    };
    match value.split_once(':') {
        Some((module, object)) => dotted(module) && dotted(object),
        None => dotted(value),
    }
}

/// `Name` and `Version` of PKG-INFO's headers (the lines before the first
/// empty one), validated.
pub fn parse_pkg_info(bytes: &[u8]) -> Result<(Option<String>, Option<String>), String> {
    let text = String::from_utf8_lossy(bytes);
    let mut name = None;
    let mut version = None;
    let mut ended = false;
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            ended = true;
            break;
        }
        if let Some((key, value)) = line.split_once(':') {
            match key.to_ascii_lowercase().as_str() {
                "name" if name.is_none() => name = Some(value.trim().to_string()),
                "version" if version.is_none() => version = Some(value.trim().to_string()),
                _ => {}
            }
        }
    }
    if !ended && bytes.len() as u64 >= MAX_PKG_INFO_BYTES {
        return Err(format!(
            "its headers do not end within {MAX_PKG_INFO_BYTES} bytes"
        ));
    }
    if let Some(n) = &name {
        PackageName::new(n).map_err(|e| format!("`Name: {}`: {e}", shown(n)))?;
    }
    if let Some(v) = &version {
        pep440_rs::Version::from_str(v)
            .map_err(|e| format!("`Version: {}` is not a PEP 440 version: {e}", shown(v)))?;
    }
    Ok((name, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cxx_sources_and_requirements() {
        for name in ["a.cpp", "src/b.cc", "c.CXX", "d.c++"] {
            assert!(is_cxx_source(name), "{name}");
        }
        for name in ["a.c", "b.h", "c.hpp", "cpp", "d.pyx", "e.cc/f"] {
            assert!(!is_cxx_source(name), "{name}");
        }
        let req = |r: &str| {
            parse_pyproject(&format!("[build-system]\nrequires = [{r}]\n"))
                .unwrap()
                .requires_cxx_bindings
        };
        assert!(req(r#""setuptools", "pybind11[global]>=2.6""#));
        assert!(req(r#""nanobind >=2""#));
        assert!(!req(r#""setuptools", "pybind11-stubgen", "Cython""#));
    }

    #[test]
    fn archive_with_a_cxx_file() {
        let mut scan = Scanner::new("p-1.tar.gz".into());
        scan.entry("p-1/src/a.c", &Kind::File).unwrap();
        scan.entry("p-1/src/b.cpp/", &Kind::Dir).unwrap();
        assert!(!scan.cxx);
        scan.entry("p-1/src/ext.cpp", &Kind::File).unwrap();
        assert!(scan.finish().unwrap().cxx);
    }

    #[test]
    fn legacy_when_no_build_system() {
        let build = parse_pyproject("[tool.black]\nline-length = 100\n").unwrap();
        assert_eq!(build, BuildSystem::legacy());
        assert_eq!(build.backend, "setuptools.build_meta:__legacy__");
        assert_eq!(build.requires, ["setuptools>=40.8.0"]);
    }

    #[test]
    fn build_system() {
        let build = parse_pyproject(
            "[build-system]\nrequires = [\"setuptools >= 43\", \"Cython >= 0.28\"]\nbuild-backend = \"setuptools.build_meta\"\nbackend-path = [\"_build\", \"./x/../y\"]\n",
        )
        .unwrap();
        assert_eq!(build.backend, "setuptools.build_meta");
        assert_eq!(build.requires, ["setuptools >= 43", "Cython >= 0.28"]);
        assert_eq!(build.backend_path, ["_build", "./x/../y"]);
        // No build-backend: the legacy one (PEP 517).
        let build =
            parse_pyproject("[build-system]\nrequires = [\"setuptools\", \"wheel\"]\n").unwrap();
        assert_eq!(build.backend, LEGACY_BACKEND);
    }

    #[test]
    fn bad_build_systems() {
        let err = |text: &str| parse_pyproject(text).unwrap_err();
        insta::assert_snapshot!(err("[build-system]\nbuild-backend = \"x\"\n"), @"`[build-system]` of `pyproject.toml` has no `requires` (PEP 518 makes it mandatory)");
        insta::assert_snapshot!(err("[build-system]\nrequires = \"setuptools\"\n"), @"`build-system.requires` of `pyproject.toml` is not a list of strings");
        insta::assert_snapshot!(err("[build-system]\nrequires = [\"setuptools >=\"]\n"), @"`build-system.requires` has the invalid requirement `setuptools >=`: Unexpected end of version specifier, expected version");
        // pep508_rs 0.9 panics on these (found by fuzzing): refused first.
        insta::assert_snapshot!(err("[build-system]\nrequires = [\"Typing_Extensions[x, y_ ]\"]\n"), @"`build-system.requires` has the invalid requirement `Typing_Extensions[x, y_ ]`: an extra ends with `-`, `_` or `.`");
        insta::assert_snapshot!(err("[build-system]\nrequires = [\"a-[x] ; os_name == 'a'\"]\n"), @"`build-system.requires` has the invalid requirement `a-[x] ; os_name == 'a'`: the name ends with `-`, `_` or `.`");
        insta::assert_snapshot!(err("[build-system]\nrequires = []\nbuild-backend = \"os; import os\"\n"), @"`build-system.build-backend` is `os; import os`, not a PEP 517 object reference such as `setuptools.build_meta` or `module:object`");
        insta::assert_snapshot!(err("[build-system]\nrequires = []\nbackend-path = [\"../..\"]\n"), @"`build-system.backend-path` is `../..`, which is not a relative path inside the source tree");
        insta::assert_snapshot!(err("[build-system]\nrequires = []\nbackend-path = [\"/etc\"]\n"), @"`build-system.backend-path` is `/etc`, which is not a relative path inside the source tree");
        assert!(err("[build-system\n").starts_with("`pyproject.toml` is not valid TOML"));
    }

    #[test]
    fn cargo_manifests() {
        let build = parse_pyproject("[build-system]\nrequires = [\"maturin>=1,<2\"]\nbuild-backend = \"maturin\"\n[tool.maturin]\nmanifest-path = \"rust/Cargo.toml\"\n").unwrap();
        assert_eq!(build.cargo_manifests, ["rust/Cargo.toml"]);
        let build = parse_pyproject("[build-system]\nrequires = [\"setuptools\", \"setuptools-rust\"]\n[[tool.setuptools-rust.ext-modules]]\ntarget = \"x._x\"\npath = \"ext/Cargo.toml\"\n").unwrap();
        assert_eq!(build.cargo_manifests, ["ext/Cargo.toml"]);
        assert!(
            parse_pyproject("[tool.maturin]\nmanifest-path = \"../other/Cargo.toml\"\n").is_err()
        );
    }

    #[test]
    fn object_references() {
        assert!(is_object_reference("setuptools.build_meta:__legacy__"));
        assert!(is_object_reference("maturin"));
        assert!(is_object_reference("backend:obj.attr"));
        assert!(!is_object_reference("a..b"));
        assert!(!is_object_reference("a:b:c"));
        assert!(!is_object_reference("1abc"));
        assert!(!is_object_reference(""));
    }

    #[test]
    fn pkg_info() {
        let (name, version) = parse_pkg_info(
            b"Metadata-Version: 1.1\nName: crcmod\nVersion: 1.7\n\nbody\nName: other\n",
        )
        .unwrap();
        assert_eq!(
            (name.as_deref(), version.as_deref()),
            (Some("crcmod"), Some("1.7"))
        );
        insta::assert_snapshot!(parse_pkg_info(b"Name: x\nVersion: one\n").unwrap_err(), @"`Version: one` is not a PEP 440 version: expected version to start with a number, but no leading ASCII digits were found");
        assert!(parse_pkg_info(b"Name: ../x\n").is_err());
    }

    #[test]
    fn archive_paths() {
        assert_eq!(unsafe_archive_path("a-1.0/setup.py"), None);
        assert!(unsafe_archive_path("/etc/passwd").is_some());
        assert!(unsafe_archive_path("a-1.0/../../x").is_some());
        assert!(unsafe_archive_path("a-1.0\\..\\x").is_some());
        assert!(unsafe_archive_path("C:/x").is_some());
    }
}

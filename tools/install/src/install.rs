//! Installing one wheel into a tree, like `pip install --no-deps --target`, but
//! strict (RECORD verified, unsafe archives refused) and deterministic.
//!
//! Layout of the output directory:
//!
//! | wheel content                         | installed to                 |
//! |---------------------------------------|------------------------------|
//! | root, `.data/purelib`, `.data/platlib` | `site-packages/`             |
//! | `.data/scripts`, entry points         | `bin/`                       |
//! | `.data/headers`                       | `include/<normalized name>/` |
//! | `.data/data`                          | `data/`                      |
//!
//! The wheel is read in place (never whole), unpacked into a temporary
//! directory next to the output directory and moved into place by one rename
//! only when everything succeeded. What it refuses and why:
//! `docs/archives.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use pep440_rs::Version;
use sha2::{Digest, Sha256};
use zip::result::ZipError;
use zip::ZipArchive;

use ofiuco_spec::{dist_info_name, normalize_name, PackageName, WheelFilename, WheelFilenameError};

use crate::reader::SharedFile;
use crate::text::{shown, shown_message, shown_path};

/// Default of [`InstallOptions::max_unpacked_bytes`]: 8 GiB.
pub const DEFAULT_MAX_UNPACKED_BYTES: u64 = 8 << 30;
/// Default of [`InstallOptions::max_compression_ratio`].
pub const DEFAULT_MAX_COMPRESSION_RATIO: u64 = 100;
/// Default of [`InstallOptions::bomb_min_size`]: 64 MiB. Smaller files are not
/// checked: auditwheel-repaired libraries padded by patchelf routinely expand
/// a few MiB more than 200 times (e.g. pillow's `libXau`), and the total stays
/// bounded by [`InstallOptions::max_unpacked_bytes`].
pub const DEFAULT_BOMB_MIN_SIZE: u64 = 64 << 20;
/// Read/hash/write chunk per worker thread.
const CHUNK: usize = 1 << 20;
/// The most bytes read from `RECORD`: 16 MiB (the largest RECORD among the
/// wheels on PyPI we know of, tensorflow's, is about 2 MiB).
pub const MAX_RECORD_BYTES: u64 = 16 << 20;
/// The most bytes read from `WHEEL` and `entry_points.txt`: 1 MiB.
pub const MAX_METADATA_BYTES: u64 = 1 << 20;
/// Automatic thread count: the cost of creating one file, in bytes of content.
const ENTRY_COST: u64 = 16 << 10;
/// Automatic thread count: one more thread per this much work (bytes of
/// content plus [`ENTRY_COST`] per file) besides the largest file.
const WORK_PER_THREAD: u64 = 4 << 20;
/// Automatic thread count: at most this many.
const MAX_THREADS: usize = 8;
/// The shebang of launchers and of `#!python` scripts: relocatable, found on `PATH`.
const SHEBANG: &[u8] = b"#!/usr/bin/env python3\n";

#[derive(Clone, Debug)]
pub struct InstallOptions {
    /// Refuse wheels whose files add up to more bytes than this.
    pub max_unpacked_bytes: u64,
    /// Refuse wheels with a file of at least `bomb_min_size` bytes that expands
    /// more than this many times (a compression bomb).
    pub max_compression_ratio: u64,
    /// See `max_compression_ratio`.
    pub bomb_min_size: u64,
    /// Worker threads; 0 picks a number by the amount of work: 1 for small
    /// wheels, up to the available parallelism (at most 8) for big ones.
    pub threads: usize,
}

impl Default for InstallOptions {
    fn default() -> Self {
        InstallOptions {
            max_unpacked_bytes: DEFAULT_MAX_UNPACKED_BYTES,
            max_compression_ratio: DEFAULT_MAX_COMPRESSION_RATIO,
            bomb_min_size: DEFAULT_BOMB_MIN_SIZE,
            threads: 0,
        }
    }
}

/// What [`install`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstallReport {
    /// Files written, including launchers, `INSTALLER` and `RECORD`.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// Why a wheel was not installed. Each message names the wheel (by file name)
/// and the offending entry; nothing is left in or next to the output directory.
///
/// Fields hold the input as it was; messages show untrusted text through
/// [`crate::text::shown`] (control characters escaped, long values cut).
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// Shown escaped: the filename is quoted in the message, not as a source.
    #[error("{}", shown_message(&.0.to_string()))]
    Filename(WheelFilenameError),
    #[error(
        "cannot install `{wheel}` into `{out_dir}`: the directory is not empty\n\
         hint: install each wheel into a new or empty directory",
        wheel = shown(.wheel), out_dir = shown_path(.out_dir)
    )]
    OutputNotEmpty { wheel: String, out_dir: PathBuf },
    #[error("cannot install `{wheel}`: failed to {action} `{path}`", wheel = shown(.wheel), path = shown_path(.path))]
    Io {
        wheel: String,
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "cannot open `{wheel}` as a zip archive\n\
         hint: the file is damaged or not a wheel; download it again",
        wheel = shown(.wheel)
    )]
    NotAZip {
        wheel: String,
        #[source]
        source: ZipError,
    },
    #[error(
        "cannot read `{entry}` from `{wheel}`\n\
         hint: the file is damaged; download it again",
        wheel = shown(.wheel), entry = shown(.entry)
    )]
    ReadEntry {
        wheel: String,
        entry: String,
        #[source]
        source: ZipError,
    },
    #[error(
        "wheel `{wheel}` is unsafe: entry `{entry}` {reason}\n\
         hint: nothing was installed; the wheel is malformed or malicious, report it to the package's maintainers",
        wheel = shown(.wheel), entry = shown(.entry)
    )]
    UnsafePath {
        wheel: String,
        entry: String,
        reason: &'static str,
    },
    #[error(
        "wheel `{wheel}` is unsafe: RECORD row `{entry}` {reason}\n\
         hint: nothing was installed; the wheel is malformed or malicious, report it to the package's maintainers",
        wheel = shown(.wheel), entry = shown(.entry)
    )]
    UnsafeRecordPath {
        wheel: String,
        entry: String,
        reason: &'static str,
    },
    #[error(
        "wheel `{wheel}` is invalid: entry `{entry}` occurs more than once\n\
         hint: nothing was installed; the wheel is malformed, report it to the package's maintainers",
        wheel = shown(.wheel), entry = shown(.entry)
    )]
    DuplicateEntry { wheel: String, entry: String },
    #[error(
        "wheel `{wheel}` unpacks to {size} bytes, more than the limit of {limit} bytes\n\
         hint: if the wheel is trustworthy, raise the limit with `--max-unpacked-bytes`",
        wheel = shown(.wheel)
    )]
    TooLarge {
        wheel: String,
        size: u64,
        limit: u64,
    },
    #[error(
        "wheel `{wheel}` looks like a compression bomb: entry `{entry}` expands {compressed} bytes \
         to {size} bytes, more than {limit} times\n\
         hint: if the wheel is trustworthy, raise the limit with `--max-compression-ratio`",
        wheel = shown(.wheel), entry = shown(.entry)
    )]
    CompressionBomb {
        wheel: String,
        entry: String,
        size: u64,
        compressed: u64,
        limit: u64,
    },
    #[error(
        "wheel `{wheel}` is corrupt: entry `{entry}` does not unpack to the {declared} bytes its zip header declares\n\
         hint: the file is damaged; download it again",
        wheel = shown(.wheel), entry = shown(.entry)
    )]
    ArchiveSizeMismatch {
        wheel: String,
        entry: String,
        declared: u64,
    },
    #[error(
        "wheel `{wheel}` is invalid: `{entry}` declares {size} bytes, more than the {limit} bytes ofiuco reads for it\n\
         hint: nothing was installed; the wheel is malformed or malicious, report it to the package's maintainers",
        wheel = shown(.wheel), entry = shown(.entry)
    )]
    MetadataTooLarge {
        wheel: String,
        entry: String,
        size: u64,
        limit: u64,
    },
    #[error(
        "wheel `{wheel}` is invalid: {reason}\n\
         hint: nothing was installed; the wheel is malformed, report it to the package's maintainers",
        wheel = shown(.wheel)
    )]
    Invalid {
        wheel: String,
        /// Written by this crate, with untrusted parts already shown safely.
        reason: String,
    },
    #[error(
        "wheel `{wheel}` has `Wheel-Version: {version}`, but only version 1.x is supported\n\
         hint: use a wheel built for Wheel-Version 1.0 (the current standard)",
        wheel = shown(.wheel), version = shown(.version)
    )]
    UnsupportedWheelVersion { wheel: String, version: String },
    #[error(
        "wheel `{wheel}` is invalid: `{entry}` is not listed in RECORD\n\
         hint: nothing was installed; the wheel was modified after it was built, download or rebuild it",
        wheel = shown(.wheel), entry = shown(.entry)
    )]
    NotInRecord { wheel: String, entry: String },
    #[error(
        "wheel `{wheel}` is invalid: RECORD lists `{entry}`, which is not in the archive\n\
         hint: nothing was installed; the wheel was modified after it was built, download or rebuild it",
        wheel = shown(.wheel), entry = shown(.entry)
    )]
    MissingFromArchive { wheel: String, entry: String },
    #[error(
        "wheel `{wheel}` is invalid: RECORD entry for `{entry}` {reason}\n\
         hint: nothing was installed; the wheel is malformed, report it to the package's maintainers",
        wheel = shown(.wheel), entry = shown(.entry)
    )]
    RecordEntry {
        wheel: String,
        entry: String,
        /// Written by this crate, with untrusted parts already shown safely.
        reason: String,
    },
    #[error(
        "wheel `{wheel}` is corrupt: `{entry}` has hash `{actual}`, but RECORD says `{expected}`\n\
         hint: nothing was installed; the wheel was modified after it was built, download or rebuild it",
        wheel = shown(.wheel), entry = shown(.entry)
    )]
    HashMismatch {
        wheel: String,
        entry: String,
        expected: String,
        actual: String,
    },
    #[error(
        "wheel `{wheel}` is corrupt: `{entry}` has {actual} bytes, but RECORD says {expected}\n\
         hint: nothing was installed; the wheel was modified after it was built, download or rebuild it",
        wheel = shown(.wheel), entry = shown(.entry)
    )]
    SizeMismatch {
        wheel: String,
        entry: String,
        expected: u64,
        actual: u64,
    },
    #[error(
        "wheel `{wheel}` is invalid: `{entry}` is in the unknown data directory `{scheme}`\n\
         hint: a wheel's `.data` directory may only contain `purelib`, `platlib`, `scripts`, `headers` and `data`",
        wheel = shown(.wheel), entry = shown(.entry), scheme = shown(.scheme)
    )]
    UnknownDataDir {
        wheel: String,
        entry: String,
        scheme: String,
    },
    #[error(
        "wheel `{wheel}` is invalid: `{entry}` and `{other}` would both be installed as `{dest}`\n\
         hint: nothing was installed; the wheel is malformed, report it to the package's maintainers",
        wheel = shown(.wheel), entry = shown(.entry), other = shown(.other), dest = shown(.dest)
    )]
    DestinationConflict {
        wheel: String,
        /// An archive entry, or `entry point NAME` for a launcher.
        entry: String,
        other: String,
        dest: String,
    },
    #[error(
        "wheel `{wheel}` is invalid: its entry point `{name}` and `{entry}` would both be installed as `{dest}`\n\
         hint: nothing was installed; the wheel is malformed, report it to the package's maintainers",
        wheel = shown(.wheel), name = shown(.name), entry = shown(.entry), dest = shown(.dest)
    )]
    LauncherConflict {
        wheel: String,
        /// The entry point's name.
        name: String,
        entry: String,
        dest: String,
    },
    #[error(
        "wheel `{wheel}` is invalid: `{entry}` and `{other}` would be installed as `{dest}` and `{other_dest}`, \
         which differ only in case: one path on a case-insensitive file system (macOS, Windows)\n\
         hint: nothing was installed; the wheel would install differently on such hosts, report it to the package's maintainers",
        wheel = shown(.wheel), entry = shown(&.paths[0]), dest = shown(&.paths[1]), other = shown(&.paths[2]), other_dest = shown(&.paths[3])
    )]
    CaseConflict {
        wheel: String,
        /// An entry, its destination, the other entry, its destination.
        paths: Box<[String; 4]>,
    },
    #[error(
        "wheel `{wheel}` is invalid: `{file}` would be installed as the file `{dest}`, \
         but `{inside}` would be installed inside it\n\
         hint: nothing was installed; the wheel is malformed, report it to the package's maintainers",
        wheel = shown(.wheel), file = shown(.file), dest = shown(.dest), inside = shown(.inside)
    )]
    FileDirectoryConflict {
        wheel: String,
        /// The entry installed as a file at `dest`.
        file: String,
        dest: String,
        /// An entry installed below `dest`.
        inside: String,
    },
    #[error(
        "wheel `{wheel}` has an invalid entry point `{name} = {value}`: {reason}\n\
         hint: nothing was installed; the wheel is malformed, report it to the package's maintainers",
        wheel = shown(.wheel), name = shown(.name), value = shown(.value)
    )]
    EntryPoint {
        wheel: String,
        name: String,
        value: String,
        reason: &'static str,
    },
    #[error(
        "internal error while installing `{wheel}`: a worker thread panicked\n\
         hint: nothing was installed; this is a bug in ofiuco, please report it",
        wheel = shown(.wheel)
    )]
    WorkerPanicked { wheel: String },
}

impl From<WheelFilenameError> for InstallError {
    fn from(error: WheelFilenameError) -> Self {
        InstallError::Filename(error)
    }
}

/// Installs `wheel` into `out_dir` (which must not exist or be empty) and
/// returns what was written. See the module documentation for the layout.
pub fn install(
    wheel: &Path,
    out_dir: &Path,
    opts: &InstallOptions,
) -> Result<InstallReport, InstallError> {
    let (cx, filename, name) = identify(wheel)?;
    check_output_dir(&cx, out_dir)?;
    let (archive, plan) = open_and_plan(&cx, wheel, &filename, &name, opts)?;

    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| cx.io("create directory", &parent, e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".ofiuco-install-");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o755));
    let staging = builder
        .tempdir_in(&parent)
        .map_err(|e| cx.io("create a temporary directory in", &parent, e))?;
    let root = staging.path();
    let modes = Modes::probe(&cx, root)?;

    create_dirs(&cx, root, &plan, modes)?;
    let mut rows: BTreeMap<String, (String, u64)> = BTreeMap::new();
    for installed in extract(&cx, &archive, &plan, root, opts.threads, modes)? {
        rows.insert(installed.dest, (installed.hash, installed.size));
    }
    for (dest, content, mode) in plan.generated_with_record(&mut rows) {
        let path = root.join(&dest);
        write_file(&path, &content, mode, modes).map_err(|e| cx.io("write", &path, e))?;
    }

    let report = InstallReport {
        files: rows.len(),
        bytes: rows.values().map(|(_, size)| size).sum::<u64>(),
    };
    commit(&cx, staging, out_dir)?;
    Ok(report)
}

/// A wheel whose central directory, `WHEEL`, `RECORD` and entry points were
/// read and checked as [`install`] checks them (unsafe paths, links,
/// duplicates, conflicts, bombs, sizes, RECORD rows), its files' content not
/// yet: what `ofiuco fragment --wheel` packs without unpacking the wheel.
/// Each file's content is checked against RECORD by [`CheckedWheel::verify`].
pub struct CheckedWheel {
    cx: Cx,
    archive: Archive,
    plan: Plan,
}

/// One file of a [`CheckedWheel`] and where [`install`] puts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WheelFile {
    /// The entry's index in the archive.
    pub index: usize,
    /// Its normalized path in the archive.
    pub name: String,
    /// Its destination below the install root (`site-packages/...`, `bin/...`).
    pub dest: String,
    /// Its uncompressed size.
    pub size: u64,
    /// Installed with mode 0755.
    pub executable: bool,
    /// Installed with other content than the archive's (`#!python` scripts).
    pub rewritten: bool,
    /// Its RECORD hash (`sha256=...`), `None` for RECORD signatures.
    pub record_hash: Option<String>,
}

/// Where a file's data lies in the wheel, as its central directory says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawEntry {
    /// Zip compression method: 0 stored, 8 deflated (others are refused when read).
    pub method: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub size: u64,
    /// Offset of the compressed data in the wheel file.
    pub data_start: u64,
}

impl CheckedWheel {
    /// Reads and checks `wheel`; nothing is written.
    pub fn open(wheel: &Path, opts: &InstallOptions) -> Result<CheckedWheel, InstallError> {
        let (cx, filename, name) = identify(wheel)?;
        let (archive, plan) = open_and_plan(&cx, wheel, &filename, &name, opts)?;
        Ok(CheckedWheel { cx, archive, plan })
    }

    /// The wheel's file name, for messages.
    pub fn wheel_name(&self) -> &str {
        &self.cx.wheel
    }

    /// The files to install (launchers, `INSTALLER` and `RECORD` aside), in
    /// no particular order.
    pub fn files(&self) -> Vec<WheelFile> {
        self.plan
            .entries
            .iter()
            .map(|e| WheelFile {
                index: e.index,
                name: e.name.clone(),
                dest: e.dest.clone(),
                size: e.size,
                executable: e.executable,
                rewritten: e.script,
                record_hash: e.expected.as_ref().map(|(h, _)| hash_string(h)),
            })
            .collect()
    }

    /// Where the data of the file with archive index `index` lies.
    pub fn raw(&self, index: usize) -> Result<RawEntry, InstallError> {
        let mut archive = self.archive.clone();
        let name = archive.name_for_index(index).unwrap_or("?").to_string();
        let file = archive
            .by_index_raw(index)
            .map_err(|e| self.cx.read_entry(&name, e))?;
        let method = match file.compression() {
            zip::CompressionMethod::Stored => 0,
            zip::CompressionMethod::Deflated => 8,
            _ => {
                return Err(self.cx.read_entry(
                    &name,
                    ZipError::UnsupportedArchive("compression method not supported"),
                ))
            }
        };
        Ok(RawEntry {
            method,
            crc32: file.crc32(),
            compressed_size: file.compressed_size(),
            size: file.size(),
            data_start: file.data_start(),
        })
    }

    /// Checks the content of `file`, read from `content` (its uncompressed
    /// bytes; `None` reads it from the wheel), against its size and RECORD
    /// hash, writing what would be installed to `out`. Returns the hash
    /// (`sha256=...`) and size of what was written.
    pub fn verify(
        &self,
        file: &WheelFile,
        content: Option<&mut dyn Read>,
        out: &mut dyn Write,
    ) -> Result<(String, u64), StreamError> {
        let entry = self
            .plan
            .entries
            .iter()
            .find(|e| e.index == file.index)
            .ok_or_else(|| StreamError::Install(self.cx.invalid("internal error: no such file")))?;
        let mut buf = vec![0u8; CHUNK];
        let result = if let Some(reader) = content {
            stream_entry(&self.cx, reader, entry, out, &mut buf)
        } else {
            let mut archive = self.archive.clone();
            let mut reader = archive
                .by_index(entry.index)
                .map_err(|e| StreamError::Install(self.cx.read_entry(&entry.name, e)))?;
            stream_entry(&self.cx, &mut reader, entry, out, &mut buf)
        };
        result.map(|installed| (installed.hash, installed.size))
    }

    /// The files [`install`] writes besides the archive's: launchers,
    /// `INSTALLER` and `RECORD`, as (destination, content, mode). `rows` are
    /// (destination, hash, size) of every file of [`CheckedWheel::files`], as
    /// installed.
    pub fn generated(
        &self,
        rows: impl IntoIterator<Item = (String, String, u64)>,
    ) -> Vec<(String, Vec<u8>, u32)> {
        let mut rows: BTreeMap<String, (String, u64)> = rows
            .into_iter()
            .map(|(dest, hash, size)| (dest, (hash, size)))
            .collect();
        self.plan.generated_with_record(&mut rows)
    }

    /// An error reading `entry` of this wheel, for checks made by the caller.
    pub fn read_error(&self, entry: &str, error: io::Error) -> InstallError {
        self.cx.read_entry(entry, ZipError::Io(error))
    }
}

/// The wheel's file name, checked, and its distribution name.
fn identify(wheel: &Path) -> Result<(Cx, WheelFilename, PackageName), InstallError> {
    let wheel_name = wheel.file_name().map_or_else(
        || wheel.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let filename = WheelFilename::from_str(&wheel_name)?;
    let cx = Cx { wheel: wheel_name };
    let name = PackageName::new(&filename.name).map_err(|e| {
        cx.invalid(format!(
            "its distribution name `{}` is not a valid package name: {}",
            shown(&filename.name),
            e.problem
        ))
    })?;

    Ok((cx, filename, name))
}

/// Opens the wheel (read in place, never whole: every worker reads the file
/// through its own position and buffer, so memory does not grow with the
/// wheel) and plans its installation.
fn open_and_plan(
    cx: &Cx,
    wheel: &Path,
    filename: &WheelFilename,
    name: &PackageName,
    opts: &InstallOptions,
) -> Result<(Archive, Plan), InstallError> {
    let file = File::open(wheel).map_err(|e| cx.io("open", wheel, e))?;
    let raw = SharedFile::new(file).map_err(|e| cx.io("read", wheel, e))?;
    let mut archive = ZipArchive::new(raw.clone()).map_err(|source| InstallError::NotAZip {
        wheel: cx.wheel.clone(),
        source,
    })?;
    let plan = plan(cx, filename, name, &mut archive, raw, opts)?;
    Ok((archive, plan))
}

/// Names the wheel in errors.
struct Cx {
    wheel: String,
}

impl Cx {
    fn io(&self, action: &'static str, path: &Path, source: io::Error) -> InstallError {
        InstallError::Io {
            wheel: self.wheel.clone(),
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    fn invalid(&self, reason: impl Into<String>) -> InstallError {
        InstallError::Invalid {
            wheel: self.wheel.clone(),
            reason: reason.into(),
        }
    }

    fn read_entry(&self, entry: &str, source: ZipError) -> InstallError {
        InstallError::ReadEntry {
            wheel: self.wheel.clone(),
            entry: entry.to_string(),
            source,
        }
    }

    fn record_entry(&self, entry: &str, reason: impl Into<String>) -> InstallError {
        InstallError::RecordEntry {
            wheel: self.wheel.clone(),
            entry: entry.to_string(),
            reason: reason.into(),
        }
    }
}

fn check_output_dir(cx: &Cx, out_dir: &Path) -> Result<(), InstallError> {
    match fs::read_dir(out_dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(InstallError::OutputNotEmpty {
                    wheel: cx.wheel.clone(),
                    out_dir: out_dir.to_path_buf(),
                });
            }
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(cx.io("read directory", out_dir, e)),
    }
}

/// Moves the finished tree into `out_dir` with one rename, so that an
/// install killed at any moment leaves `out_dir` missing, empty or complete,
/// never `site-packages/` without `bin/`:
///
/// * `out_dir` missing: the staging directory is renamed to it.
/// * `out_dir` an empty directory (Bazel pre-creates tree artifacts): the
///   same rename, which on Unix replaces an empty directory atomically
///   (rename(2)).
/// * Where that rename fails (Windows does not replace directories): the empty
///   `out_dir` is removed and the staging directory renamed; a kill in between
///   leaves no `out_dir`, which Bazel reports as a missing output.
///
/// When `out_dir` cannot be replaced or removed either (a mount point, say),
/// the install fails and leaves it empty rather than moving the children in
/// one by one.
fn commit(cx: &Cx, staging: tempfile::TempDir, out_dir: &Path) -> Result<(), InstallError> {
    check_output_dir(cx, out_dir)?;
    let path = staging.keep();
    let result = fs::rename(&path, out_dir).or_else(|error| match fs::symlink_metadata(out_dir) {
        Ok(meta) if meta.is_dir() => {
            fs::remove_dir(out_dir).map_err(|_| error)?;
            fs::rename(&path, out_dir)
        }
        _ => Err(error),
    });
    result.map_err(|e| {
        let _ = fs::remove_dir_all(&path);
        cx.io("move the installed tree to", out_dir, e)
    })
}

/// The archive, read from its file; clones share the file and the parsed
/// central directory, each with its own position.
type Archive = ZipArchive<SharedFile>;

/// One archive file to unpack.
struct Entry {
    index: usize,
    /// Normalized path in the archive.
    name: String,
    /// Path below the output root, `/`-separated.
    dest: String,
    size: u64,
    compressed: u64,
    executable: bool,
    /// In `.data/scripts`: gets `#!python` rewritten.
    script: bool,
    /// (sha256, size) from RECORD; `None` for RECORD signatures.
    expected: Option<([u8; 32], u64)>,
}

struct Plan {
    entries: Vec<Entry>,
    dist_info: String,
    /// (name, module, attribute) of console and GUI scripts.
    launchers: Vec<(String, String, String)>,
}

impl Plan {
    /// Files written besides the archive's: launchers, `INSTALLER` and, last,
    /// `RECORD`, as (destination, content, mode). `rows` holds (hash, size)
    /// of every file installed from the archive by destination; the generated
    /// files are added to it.
    fn generated_with_record(
        &self,
        rows: &mut BTreeMap<String, (String, u64)>,
    ) -> Vec<(String, Vec<u8>, u32)> {
        let mut out = Vec::new();
        for (name, module, attr) in &self.launchers {
            let import_name = attr.split('.').next().unwrap_or(attr);
            let script = format!(
                "{}# -*- coding: utf-8 -*-\n\
                 import re\n\
                 import sys\n\
                 from {module} import {import_name}\n\
                 if __name__ == '__main__':\n    \
                 sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    \
                 sys.exit({attr}())\n",
                String::from_utf8_lossy(SHEBANG)
            );
            out.push((format!("bin/{name}"), script.into_bytes(), 0o755));
        }
        out.push((
            format!("site-packages/{}/INSTALLER", self.dist_info),
            b"ofiuco\n".to_vec(),
            0o644,
        ));
        for (dest, content, _) in &out {
            rows.insert(
                dest.clone(),
                (hash_string(&Sha256::digest(content)), content.len() as u64),
            );
        }
        let record_dest = format!("site-packages/{}/RECORD", self.dist_info);
        let mut record = String::new();
        rows.insert(record_dest.clone(), (String::new(), 0));
        for (dest, (hash, size)) in rows.iter() {
            let rel = match dest.strip_prefix("site-packages/") {
                Some(rel) => rel.to_string(),
                None => format!("../{dest}"),
            };
            let size = if hash.is_empty() {
                String::new()
            } else {
                size.to_string()
            };
            let _ = writeln!(record, "{},{hash},{size}", csv_field(&rel));
        }
        rows.insert(record_dest.clone(), (String::new(), record.len() as u64));
        out.push((record_dest, record.into_bytes(), 0o644));
        out
    }
}

/// Normalizes an archive path (drops `.` and empty components) and refuses
/// anything that could leave the install directory.
fn normalize_entry(name: &str) -> Result<String, &'static str> {
    let bytes = name.as_bytes();
    if name.starts_with('/') || name.starts_with('\\') {
        return Err("is an absolute path");
    }
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err("starts with a drive letter");
    }
    if name.split(['/', '\\']).any(|c| c == "..") {
        return Err("has a `..` component, which would escape the install directory");
    }
    if name.contains('\0') {
        return Err("contains a NUL character");
    }
    Ok(name
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/"))
}

const S_IFMT: u32 = 0o170_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFDIR: u32 = 0o040_000;

struct RecordRow {
    path: String,
    hash: String,
    size: String,
    seen: bool,
}

/// Reads a metadata file of at most `limit` bytes, and never more than its
/// zip header declares (plus one byte, to see that it lies): a small entry
/// that inflates to gigabytes is refused after `declared + 1` bytes.
fn read_small(
    cx: &Cx,
    archive: &mut Archive,
    index: usize,
    name: &str,
    limit: u64,
) -> Result<String, InstallError> {
    let entry = archive
        .by_index(index)
        .map_err(|e| cx.read_entry(name, e))?;
    let declared = entry.size();
    if declared > limit {
        return Err(InstallError::MetadataTooLarge {
            wheel: cx.wheel.clone(),
            entry: name.to_string(),
            size: declared,
            limit,
        });
    }
    // `declared <= limit`, a few MiB.
    let mut bytes = Vec::with_capacity(declared as usize);
    entry
        .take(declared + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cx.read_entry(name, ZipError::Io(e)))?;
    if bytes.len() as u64 != declared {
        return Err(InstallError::ArchiveSizeMismatch {
            wheel: cx.wheel.clone(),
            entry: name.to_string(),
            declared,
        });
    }
    String::from_utf8(bytes).map_err(|_| cx.invalid(format!("`{}` is not UTF-8", shown(name))))
}

/// Reads the central directory, `WHEEL`, `RECORD` and `entry_points.txt`, and
/// checks everything that can be checked before unpacking.
fn plan(
    cx: &Cx,
    filename: &WheelFilename,
    name: &PackageName,
    archive: &mut Archive,
    raw: SharedFile,
    opts: &InstallOptions,
) -> Result<Plan, InstallError> {
    let files = archive_files(cx, archive, raw, opts)?;
    let dist_info = find_dist_info(cx, filename, &files)?;
    check_wheel_version(cx, archive, &files, &dist_info)?;
    let mut record = read_record(cx, archive, &files, &dist_info)?;
    let launchers = read_launchers(cx, archive, &files, &dist_info)?;
    let entries = match_record(cx, name, files, &mut record, &dist_info)?;
    let plan = Plan {
        entries,
        dist_info,
        launchers,
    };
    check_destinations(cx, &plan)?;
    Ok(plan)
}

/// A file of the archive, as the central directory describes it.
struct ArchiveFile {
    index: usize,
    /// Normalized path in the archive.
    name: String,
    size: u64,
    compressed: u64,
    mode: Option<u32>,
}

/// The archive's index of the file at normalized path `path`.
fn index_of(files: &[ArchiveFile], path: &str) -> Option<usize> {
    files.iter().find(|f| f.name == path).map(|f| f.index)
}

/// The archive's files (directories left out), after refusing duplicate
/// names, unsafe paths, symbolic links, encrypted entries, compression bombs
/// and archives too large in total.
fn archive_files(
    cx: &Cx,
    archive: &mut Archive,
    raw: SharedFile,
    opts: &InstallOptions,
) -> Result<Vec<ArchiveFile>, InstallError> {
    // The zip crate keeps only the last of several entries with the same name;
    // look at the central directory itself so that such archives are refused.
    let duplicate = duplicate_name(raw, archive.central_directory_start(), archive.len())
        .map_err(|e| cx.read_entry("(central directory)", ZipError::Io(e)))?;
    if let Some(entry) = duplicate {
        return Err(InstallError::DuplicateEntry {
            wheel: cx.wheel.clone(),
            entry,
        });
    }
    let mut files: Vec<ArchiveFile> = Vec::with_capacity(archive.len());
    let mut seen: HashSet<String> = HashSet::with_capacity(archive.len());
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let raw_name = archive.name_for_index(index).unwrap_or("?").to_string();
        let file = archive
            .by_index_raw(index)
            .map_err(|e| cx.read_entry(&raw_name, e))?;
        let unsafe_path = |reason| InstallError::UnsafePath {
            wheel: cx.wheel.clone(),
            entry: raw_name.clone(),
            reason,
        };
        let name = normalize_entry(&raw_name).map_err(unsafe_path)?;
        let mode = file.unix_mode();
        if mode.is_some_and(|m| m & S_IFMT == S_IFLNK) {
            return Err(unsafe_path(
                "is a symbolic link; wheels may only contain regular files",
            ));
        }
        if file.encrypted() {
            return Err(unsafe_path("is encrypted"));
        }
        if file.is_dir() || mode.is_some_and(|m| m & S_IFMT == S_IFDIR) || name.is_empty() {
            continue;
        }
        if !seen.insert(name.clone()) {
            return Err(InstallError::DuplicateEntry {
                wheel: cx.wheel.clone(),
                entry: raw_name,
            });
        }
        let (size, compressed) = (file.size(), file.compressed_size());
        if size >= opts.bomb_min_size && size / compressed.max(1) > opts.max_compression_ratio {
            return Err(InstallError::CompressionBomb {
                wheel: cx.wheel.clone(),
                entry: raw_name,
                size,
                compressed,
                limit: opts.max_compression_ratio,
            });
        }
        total = total.saturating_add(size);
        files.push(ArchiveFile {
            index,
            name,
            size,
            compressed,
            mode,
        });
    }
    if total > opts.max_unpacked_bytes {
        return Err(InstallError::TooLarge {
            wheel: cx.wheel.clone(),
            size: total,
            limit: opts.max_unpacked_bytes,
        });
    }
    Ok(files)
}

/// The one `.dist-info` directory, which must match the filename.
fn find_dist_info(
    cx: &Cx,
    filename: &WheelFilename,
    files: &[ArchiveFile],
) -> Result<String, InstallError> {
    let dist_infos: BTreeSet<&str> = files
        .iter()
        .filter_map(|f| f.name.split_once('/').map(|(top, _)| top))
        .filter(|top| top.ends_with(".dist-info"))
        .collect();
    let dist_info = match dist_infos.len() {
        1 => dist_infos
            .into_iter()
            .next()
            .unwrap_or_default()
            .to_string(),
        0 => return Err(cx.invalid("it has no `.dist-info` directory")),
        _ => {
            let list: Vec<String> = dist_infos
                .iter()
                .take(10)
                .map(|d| format!("`{}`", shown(d)))
                .collect();
            return Err(cx.invalid(format!(
                "it has more than one `.dist-info` directory: {}",
                list.join(", ")
            )));
        }
    };
    let stem = dist_info.trim_end_matches(".dist-info");
    let matches = stem.rsplit_once('-').is_some_and(|(name, version)| {
        normalize_name(name) == filename.normalized_name()
            && Version::from_str(version).is_ok_and(|v| v == filename.version)
    });
    if !matches {
        return Err(cx.invalid(format!(
            "its metadata directory `{}` does not match the filename; expected `{}-{}.dist-info`",
            shown(&dist_info),
            dist_info_name(&filename.name),
            filename.version
        )));
    }
    Ok(dist_info)
}

/// `WHEEL`: Wheel-Version 1.x only.
fn check_wheel_version(
    cx: &Cx,
    archive: &mut Archive,
    files: &[ArchiveFile],
    dist_info: &str,
) -> Result<(), InstallError> {
    let wheel_path = format!("{dist_info}/WHEEL");
    let index = index_of(files, &wheel_path)
        .ok_or_else(|| cx.invalid(format!("it has no `{}` file", shown(&wheel_path))))?;
    let wheel_text = read_small(cx, archive, index, &wheel_path, MAX_METADATA_BYTES)?;
    let version = wheel_text
        .lines()
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim().eq_ignore_ascii_case("Wheel-Version")).then(|| value.trim().to_string())
        })
        .ok_or_else(|| cx.invalid(format!("`{}` has no `Wheel-Version`", shown(&wheel_path))))?;
    if version.split('.').next() != Some("1") {
        return Err(InstallError::UnsupportedWheelVersion {
            wheel: cx.wheel.clone(),
            version,
        });
    }
    Ok(())
}

/// The wheel's `RECORD`, its rows indexed by normalized path.
struct Record {
    /// `<dist-info>/RECORD`.
    path: String,
    rows: Vec<RecordRow>,
    /// Normalized path -> index into `rows`.
    row_index: HashMap<String, usize>,
}

fn read_record(
    cx: &Cx,
    archive: &mut Archive,
    files: &[ArchiveFile],
    dist_info: &str,
) -> Result<Record, InstallError> {
    let record_path = format!("{dist_info}/RECORD");
    let index = index_of(files, &record_path)
        .ok_or_else(|| cx.invalid(format!("it has no `{}` file", shown(&record_path))))?;
    let record_text = read_small(cx, archive, index, &record_path, MAX_RECORD_BYTES)?;
    let mut rows: Vec<RecordRow> = Vec::new();
    let mut row_index: HashMap<String, usize> = HashMap::new();
    for (line, fields) in parse_csv(&record_text)
        .map_err(|reason| {
            cx.invalid(format!(
                "`{}` is not valid CSV: {reason}",
                shown(&record_path)
            ))
        })?
        .into_iter()
        .enumerate()
    {
        let mut fields = fields.into_iter();
        let path = fields.next().unwrap_or_default();
        if path.is_empty() {
            continue;
        }
        let name = normalize_entry(&path).map_err(|reason| InstallError::UnsafeRecordPath {
            wheel: cx.wheel.clone(),
            entry: path.clone(),
            reason,
        })?;
        if row_index.insert(name.clone(), rows.len()).is_some() {
            return Err(cx.invalid(format!(
                "`{}` lists `{}` twice (row {})",
                shown(&record_path),
                shown(&path),
                line + 1
            )));
        }
        rows.push(RecordRow {
            path,
            hash: fields.next().unwrap_or_default(),
            size: fields.next().unwrap_or_default(),
            seen: false,
        });
    }
    Ok(Record {
        path: record_path,
        rows,
        row_index,
    })
}

/// Console and GUI scripts of `entry_points.txt`, if there is one.
fn read_launchers(
    cx: &Cx,
    archive: &mut Archive,
    files: &[ArchiveFile],
    dist_info: &str,
) -> Result<Vec<(String, String, String)>, InstallError> {
    let entry_points_path = format!("{dist_info}/entry_points.txt");
    match index_of(files, &entry_points_path) {
        Some(index) => {
            let text = read_small(cx, archive, index, &entry_points_path, MAX_METADATA_BYTES)?;
            parse_entry_points(cx, &text)
        }
        None => Ok(Vec::new()),
    }
}

/// The entries to unpack: every file checked against its RECORD row (RECORD
/// itself and its signatures aside) and given a destination, biggest first.
/// Every RECORD row must name a file of the archive.
fn match_record(
    cx: &Cx,
    name: &PackageName,
    files: Vec<ArchiveFile>,
    record: &mut Record,
    dist_info: &str,
) -> Result<Vec<Entry>, InstallError> {
    let data_dir = format!("{}.data", dist_info.trim_end_matches(".dist-info"));
    let signatures = [
        record.path.clone(),
        format!("{}.jws", record.path),
        format!("{}.p7s", record.path),
    ];
    let mut entries = Vec::with_capacity(files.len());
    let mut dests: HashMap<String, usize> = HashMap::with_capacity(files.len());
    for file in files {
        if file.name == record.path {
            if let Some(&row) = record.row_index.get(&file.name) {
                record.rows[row].seen = true;
            }
            continue;
        }
        let expected = match record.row_index.get(&file.name) {
            Some(&row) => {
                let row = &mut record.rows[row];
                row.seen = true;
                if signatures.contains(&file.name) && row.hash.is_empty() {
                    None
                } else {
                    Some(expected_hash(cx, row)?)
                }
            }
            None if signatures.contains(&file.name) => None,
            None => {
                return Err(InstallError::NotInRecord {
                    wheel: cx.wheel.clone(),
                    entry: file.name,
                })
            }
        };
        if let Some((_, expected_size)) = expected {
            if expected_size != file.size {
                return Err(InstallError::SizeMismatch {
                    wheel: cx.wheel.clone(),
                    entry: file.name,
                    expected: expected_size,
                    actual: file.size,
                });
            }
        }
        let (dest, script) = destination(cx, &file.name, &data_dir, name)?;
        if let Some(&other) = dests.get(&dest) {
            let other: &Entry = &entries[other];
            return Err(InstallError::DestinationConflict {
                wheel: cx.wheel.clone(),
                entry: other.name.clone(),
                other: file.name,
                dest,
            });
        }
        dests.insert(dest.clone(), entries.len());
        entries.push(Entry {
            index: file.index,
            name: file.name,
            dest,
            size: file.size,
            compressed: file.compressed,
            executable: script || file.mode.is_some_and(|m| m & 0o111 != 0),
            script,
            expected,
        });
    }
    if let Some(row) = record.rows.iter().find(|row| !row.seen) {
        return Err(InstallError::MissingFromArchive {
            wheel: cx.wheel.clone(),
            entry: row.path.clone(),
        });
    }
    // Big files first, so that the workers finish together.
    entries.sort_by(|a, b| b.compressed.cmp(&a.compressed).then(a.index.cmp(&b.index)));
    Ok(entries)
}

/// Refuses plans whose files cannot all be written as planned: an entry
/// point whose launcher would replace a file of the wheel, a file at a path
/// that another file needs as a directory (`x` and `x/y.py`), and (which
/// [`destination`] rules out; checked again here) a destination that is not a
/// normalized relative path. Archive entries are unique already
/// ([`match_record`]).
fn check_destinations(cx: &Cx, plan: &Plan) -> Result<(), InstallError> {
    // Destination -> what is installed there, for the messages.
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for entry in &plan.entries {
        if normalize_entry(&entry.dest).as_deref() != Ok(entry.dest.as_str()) {
            return Err(InstallError::UnsafePath {
                wheel: cx.wheel.clone(),
                entry: entry.name.clone(),
                reason: "would be installed outside the install directory",
            });
        }
        files.insert(entry.dest.clone(), entry.name.clone());
    }
    for (name, _, _) in &plan.launchers {
        let dest = format!("bin/{name}");
        if let Some(entry) = files.get(&dest) {
            return Err(InstallError::LauncherConflict {
                wheel: cx.wheel.clone(),
                name: name.clone(),
                entry: entry.clone(),
                dest,
            });
        }
        files.insert(dest, format!("entry point {name}"));
    }
    // Written over whatever the wheel has there (like pip does).
    for generated in ["INSTALLER", "RECORD"] {
        let dest = format!("site-packages/{}/{generated}", plan.dist_info);
        files.entry(dest).or_insert_with(|| generated.to_string());
    }
    if let Some((dest, other_dest)) =
        ofiuco_spec::paths::case_collision(files.keys().map(String::as_str))
    {
        return Err(InstallError::CaseConflict {
            wheel: cx.wheel.clone(),
            paths: Box::new([
                files[dest].clone(),
                dest.to_string(),
                files[other_dest].clone(),
                other_dest.to_string(),
            ]),
        });
    }
    for (dest, owner) in &files {
        for (end, _) in dest.match_indices('/') {
            // A file where `dest` needs a directory?
            if let Some(file) = files.get(&dest[..end]) {
                return Err(InstallError::FileDirectoryConflict {
                    wheel: cx.wheel.clone(),
                    file: file.clone(),
                    dest: dest[..end].to_string(),
                    inside: owner.clone(),
                });
            }
        }
    }
    Ok(())
}

/// The first file name that occurs twice in the central directory, which
/// starts at `start`; `entries` is the number of entries the zip crate found.
fn duplicate_name(
    mut reader: SharedFile,
    start: u64,
    entries: usize,
) -> io::Result<Option<String>> {
    const SIGNATURE: &[u8] = b"PK\x01\x02";
    const FIXED: usize = 46;
    reader.seek(SeekFrom::Start(start))?;
    let mut names: HashSet<Vec<u8>> = HashSet::with_capacity(entries);
    let mut fixed = [0u8; FIXED];
    loop {
        match reader.read_exact(&mut fixed) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e),
        }
        if &fixed[..4] != SIGNATURE {
            break;
        }
        let u16_at = |at: usize| u16::from_le_bytes([fixed[at], fixed[at + 1]]);
        let (name_len, extra_len, comment_len) = (u16_at(28), u16_at(30), u16_at(32));
        let mut name = vec![0u8; usize::from(name_len)];
        match reader.read_exact(&mut name) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e),
        }
        if let Some(name) = names.replace(name) {
            return Ok(Some(String::from_utf8_lossy(&name).into_owned()));
        }
        reader.seek(SeekFrom::Current(
            i64::from(extra_len) + i64::from(comment_len),
        ))?;
    }
    Ok(None)
}

fn expected_hash(cx: &Cx, row: &RecordRow) -> Result<([u8; 32], u64), InstallError> {
    let entry = &row.path;
    if row.hash.is_empty() {
        return Err(cx.record_entry(entry, "has no hash"));
    }
    let malformed = || {
        cx.record_entry(
            entry,
            format!("has a malformed hash `{}`", shown(&row.hash)),
        )
    };
    let (algorithm, value) = row.hash.split_once('=').ok_or_else(malformed)?;
    if algorithm != "sha256" {
        return Err(cx.record_entry(
            entry,
            format!(
                "uses the hash algorithm `{}`; only `sha256` is supported",
                shown(algorithm)
            ),
        ));
    }
    let digest: [u8; 32] = URL_SAFE_NO_PAD
        .decode(value.trim_end_matches('='))
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(malformed)?;
    let size = row.size.parse::<u64>().map_err(|_| {
        cx.record_entry(entry, format!("has an invalid size `{}`", shown(&row.size)))
    })?;
    Ok((digest, size))
}

/// Where an archive file goes, relative to the output root, and whether it is
/// a script. `name` is a normalized entry path (no `.`, `..` or empty
/// components), and headers go below the validated, normalized package name,
/// so every destination stays inside the tree.
fn destination(
    cx: &Cx,
    name: &str,
    data_dir: &str,
    package: &PackageName,
) -> Result<(String, bool), InstallError> {
    let Some(rest) = name
        .strip_prefix(data_dir)
        .and_then(|rest| rest.strip_prefix('/'))
    else {
        return Ok((format!("site-packages/{name}"), false));
    };
    let (scheme, path) = rest.split_once('/').unwrap_or((rest, ""));
    let dest = match scheme {
        "purelib" | "platlib" if !path.is_empty() => format!("site-packages/{path}"),
        "scripts" if !path.is_empty() => return Ok((format!("bin/{path}"), true)),
        "headers" if !path.is_empty() => format!("include/{}/{path}", package.as_str()),
        "data" if !path.is_empty() => format!("data/{path}"),
        _ => {
            return Err(InstallError::UnknownDataDir {
                wheel: cx.wheel.clone(),
                entry: name.to_string(),
                scheme: scheme.to_string(),
            })
        }
    };
    Ok((dest, false))
}

/// `[console_scripts]` and `[gui_scripts]` of `entry_points.txt` as
/// (name, module, attribute).
fn parse_entry_points(cx: &Cx, text: &str) -> Result<Vec<(String, String, String)>, InstallError> {
    let is_dotted = |s: &str| {
        !s.is_empty()
            && s.split('.').all(|part| {
                part.chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                    && part.chars().all(|c| c.is_alphanumeric() || c == '_')
            })
    };
    let mut section = "";
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim();
            continue;
        }
        if section != "console_scripts" && section != "gui_scripts" {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        let fail = |reason| InstallError::EntryPoint {
            wheel: cx.wheel.clone(),
            name: name.to_string(),
            value: value.to_string(),
            reason,
        };
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
            return Err(fail("the script name must be a plain file name"));
        }
        let target = value.split_once('[').map_or(value, |(t, _)| t).trim();
        let (module, attr) = target
            .split_once(':')
            .ok_or_else(|| fail("expected `module:function`"))?;
        let (module, attr) = (module.trim(), attr.trim());
        if !is_dotted(module) || !is_dotted(attr) {
            return Err(fail("expected `module:function` with Python identifiers"));
        }
        out.insert(name.to_string(), (module.to_string(), attr.to_string()));
    }
    Ok(out
        .into_iter()
        .map(|(name, (module, attr))| (name, module, attr))
        .collect())
}

/// Splits CSV (as Python's `csv` module writes it) into rows of fields.
fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut line = 1;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                line += 1;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(format!("unterminated quote on line {line}"));
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

fn hash_string(digest: &[u8]) -> String {
    format!("sha256={}", URL_SAFE_NO_PAD.encode(digest))
}

/// Whether files and directories created with their final mode (0644, 0755)
/// get exactly that mode, or need a `chmod` because the umask (or a default
/// ACL, or a setgid parent) alters it.
#[derive(Clone, Copy)]
struct Modes {
    chmod: bool,
}

impl Modes {
    /// Looks at the staging root, created with mode 0755: if it has exactly
    /// that mode, so will everything created below it with 0755 or 0644 (whose
    /// permission bits are a subset), and no `chmod` is needed.
    fn probe(cx: &Cx, root: &Path) -> Result<Modes, InstallError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(root)
                .map_err(|e| cx.io("read the metadata of", root, e))?
                .permissions()
                .mode();
            let chmod = mode & 0o7777 != 0o755;
            if chmod {
                set_path_mode(root, 0o755).map_err(|e| cx.io("set permissions of", root, e))?;
            }
            Ok(Modes { chmod })
        }
        #[cfg(not(unix))]
        {
            let _ = (cx, root);
            Ok(Modes { chmod: false })
        }
    }
}

#[cfg(unix)]
fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &File, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn set_path_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

/// Creates a new file with its final `mode` (`chmod` later if `modes` says so).
fn create_file(path: &Path, mode: u32) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    options.open(path)
}

fn write_file(path: &Path, content: &[u8], mode: u32, modes: Modes) -> io::Result<()> {
    let mut file = create_file(path, mode)?;
    file.write_all(content)?;
    if modes.chmod {
        set_mode(&file, mode)?;
    }
    Ok(())
}

/// Creates every directory of the tree with mode 0755 (independent of the umask).
fn create_dirs(cx: &Cx, root: &Path, plan: &Plan, modes: Modes) -> Result<(), InstallError> {
    let mut dirs = BTreeSet::new();
    let generated = [
        "bin/".to_string(),
        format!("site-packages/{}/", plan.dist_info),
    ];
    let dests = plan.entries.iter().map(|e| e.dest.as_str());
    let launchers = if plan.launchers.is_empty() {
        &generated[1..]
    } else {
        &generated[..]
    };
    for dest in dests.chain(launchers.iter().map(String::as_str)) {
        let mut end = 0;
        while let Some(pos) = dest[end..].find('/') {
            end += pos;
            dirs.insert(&dest[..end]);
            end += 1;
        }
    }
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o755);
    let mut path = root.to_path_buf();
    for dir in dirs {
        path.clear();
        path.push(root);
        path.push(dir);
        match builder.create(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => {}
            Err(e) => return Err(cx.io("create directory", &path, e)),
        }
        #[cfg(unix)]
        if modes.chmod {
            set_path_mode(&path, 0o755).map_err(|e| cx.io("set permissions of", &path, e))?;
        }
    }
    let _ = modes;
    Ok(())
}

struct Installed {
    dest: String,
    hash: String,
    size: u64,
}

/// The number of worker threads for `plan` when none is asked for: one more
/// than the work besides the largest file (which one thread must do alone) has
/// [`WORK_PER_THREAD`]s, at most the available parallelism. Small wheels get one
/// thread: spawning more costs more than it saves, and Bazel runs other
/// actions on the other cores.
fn auto_threads(plan: &Plan) -> usize {
    let work = |e: &Entry| e.size.saturating_add(ENTRY_COST);
    let total = plan
        .entries
        .iter()
        .map(work)
        .fold(0u64, u64::saturating_add);
    let largest = plan.entries.iter().map(work).max().unwrap_or(0);
    let wanted = usize::try_from((total - largest) / WORK_PER_THREAD)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    if wanted == 1 {
        // Spares the cgroup lookups of `available_parallelism`.
        return 1;
    }
    let available = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    wanted.min(available).min(MAX_THREADS)
}

/// Unpacks, hashes and verifies all entries, on several threads (each with
/// its own clone of the archive) if the wheel is big enough.
fn extract(
    cx: &Cx,
    archive: &Archive,
    plan: &Plan,
    root: &Path,
    threads: usize,
    modes: Modes,
) -> Result<Vec<Installed>, InstallError> {
    let threads = if threads == 0 {
        auto_threads(plan)
    } else {
        threads
    }
    .min(plan.entries.len())
    .max(1);
    if threads == 1 {
        let mut archive = archive.clone();
        let mut buf = vec![0u8; CHUNK];
        return plan
            .entries
            .iter()
            .map(|entry| extract_entry(cx, &mut archive, entry, root, &mut buf, modes))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    // Takes entries until none is left or a worker failed.
    let work = |archive: &mut Archive| -> Result<Vec<Installed>, (usize, InstallError)> {
        let mut buf = vec![0u8; CHUNK];
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(entry) = plan.entries.get(i) else {
                break;
            };
            match extract_entry(cx, archive, entry, root, &mut buf, modes) {
                Ok(installed) => done.push(installed),
                Err(err) => {
                    failed.store(true, Ordering::Relaxed);
                    return Err((i, err));
                }
            }
        }
        Ok(done)
    };
    let results: Vec<Result<Vec<Installed>, (usize, InstallError)>> = std::thread::scope(|s| {
        // The calling thread is one of the workers. A thread that cannot be
        // started (a process or memory limit) is one fewer: the work is shared
        // by those that did start, down to the calling thread alone.
        let mut handles = Vec::with_capacity(threads - 1);
        for _ in 1..threads {
            let mut archive = archive.clone();
            let work = &work;
            match std::thread::Builder::new().spawn_scoped(s, move || work(&mut archive)) {
                Ok(handle) => handles.push(handle),
                Err(_) => break,
            }
        }
        let mut results = vec![work(&mut archive.clone())];
        for handle in handles {
            results.push(handle.join().unwrap_or_else(|_| {
                Err((
                    0,
                    InstallError::WorkerPanicked {
                        wheel: cx.wheel.clone(),
                    },
                ))
            }));
        }
        results
    });
    let mut installed = Vec::with_capacity(plan.entries.len());
    let mut first_error: Option<(usize, InstallError)> = None;
    for result in results {
        match result {
            Ok(done) => installed.extend(done),
            Err((i, err)) => {
                if first_error.as_ref().is_none_or(|(j, _)| i < *j) {
                    first_error = Some((i, err));
                }
            }
        }
    }
    match first_error {
        Some((_, err)) => Err(err),
        None => Ok(installed),
    }
}

/// Reads until `buf` is full or the entry ends.
fn fill(reader: &mut (impl Read + ?Sized), buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn extract_entry(
    cx: &Cx,
    archive: &mut Archive,
    entry: &Entry,
    root: &Path,
    buf: &mut [u8],
    modes: Modes,
) -> Result<Installed, InstallError> {
    let mut reader = archive
        .by_index(entry.index)
        .map_err(|e| cx.read_entry(&entry.name, e))?;
    let path = root.join(&entry.dest);
    let mode = if entry.executable { 0o755 } else { 0o644 };
    let mut out = create_file(&path, mode).map_err(|e| cx.io("create", &path, e))?;
    let installed = stream_entry(cx, &mut reader, entry, &mut out, buf).map_err(|e| match e {
        StreamError::Install(e) => e,
        StreamError::Write(e) => cx.io("write", &path, e),
    })?;
    if modes.chmod {
        set_mode(&out, mode).map_err(|e| cx.io("set permissions of", &path, e))?;
    }
    Ok(installed)
}

/// Why checking a file's content failed: the wheel, or writing the output.
#[derive(Debug)]
pub enum StreamError {
    Install(InstallError),
    Write(io::Error),
}

impl From<InstallError> for StreamError {
    fn from(e: InstallError) -> Self {
        StreamError::Install(e)
    }
}

/// Streams the content of `entry` from `reader` (its uncompressed bytes) to
/// `out`, `#!python` of scripts rewritten, checking its size and its RECORD
/// hash; returns the hash and size of what was written.
fn stream_entry(
    cx: &Cx,
    reader: &mut dyn Read,
    entry: &Entry,
    out: &mut dyn Write,
    buf: &mut [u8],
) -> Result<Installed, StreamError> {
    let read_err = |e| cx.read_entry(&entry.name, ZipError::Io(e));
    let write_err = StreamError::Write;
    let mut original = Sha256::new();
    // Set when the content is rewritten (`#!python` scripts): hash of what was written.
    let mut written: Option<(Sha256, u64)> = None;
    let mut size: u64 = 0;
    loop {
        let n = fill(reader, buf).map_err(read_err)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        if size == 0 && entry.script && chunk.starts_with(b"#!python") {
            let rest = chunk
                .iter()
                .position(|&b| b == b'\n')
                .map_or(&[][..], |p| &chunk[p + 1..]);
            let mut hasher = Sha256::new();
            hasher.update(SHEBANG);
            out.write_all(SHEBANG).map_err(write_err)?;
            written = Some((hasher, SHEBANG.len() as u64));
            if let Some((hasher, len)) = written.as_mut() {
                hasher.update(rest);
                *len += rest.len() as u64;
            }
            out.write_all(rest).map_err(write_err)?;
        } else {
            if let Some((hasher, len)) = written.as_mut() {
                hasher.update(chunk);
                *len += n as u64;
            }
            out.write_all(chunk).map_err(write_err)?;
        }
        original.update(chunk);
        size += n as u64;
        if size > entry.size {
            break;
        }
    }
    if size != entry.size {
        return Err(InstallError::ArchiveSizeMismatch {
            wheel: cx.wheel.clone(),
            entry: entry.name.clone(),
            declared: entry.size,
        }
        .into());
    }
    let digest = original.finalize();
    if let Some((expected, expected_size)) = &entry.expected {
        if *expected_size != size {
            return Err(InstallError::SizeMismatch {
                wheel: cx.wheel.clone(),
                entry: entry.name.clone(),
                expected: *expected_size,
                actual: size,
            }
            .into());
        }
        if digest.as_slice() != expected {
            return Err(InstallError::HashMismatch {
                wheel: cx.wheel.clone(),
                entry: entry.name.clone(),
                expected: hash_string(expected),
                actual: hash_string(&digest),
            }
            .into());
        }
    }
    let (hash, size) = match written {
        Some((hasher, len)) => (hash_string(&hasher.finalize()), len),
        None => (hash_string(&digest), size),
    };
    Ok(Installed {
        dest: entry.dest.clone(),
        hash,
        size,
    })
}

#[cfg(test)]
mod tests;

//! `ofiuco zip`: assemble a byte-reproducible AWS Lambda zip from fragments.
//!
//! Fragment entries are copied without recompression (their compressed
//! bytes); only application files (`--file`) are compressed here. Entries are
//! sorted by archive path; directories are not stored (unzip and Lambda
//! create them from the file paths); every entry has the fixed timestamp and
//! a mode of 0644 or 0755, and no extra fields. The same inputs give the
//! same bytes.
//!
//! Fragments are not trusted: every header of the output is written here
//! (timestamps and modes normalized, zip64 where needed); symbolic links,
//! other non-regular entries, encrypted entries, unknown compression methods,
//! data past the end and a name that occurs twice in one fragment are
//! refused. The CRCs copied into the output are checked one of two ways:
//!
//! * A fragment written by `ofiuco fragment` carries, in its comment, the
//!   CRC-32 of everything before its end records: every header and all
//!   compressed data, as written from CRCs computed on the files themselves.
//!   Checking it reads each fragment once at memory speed (a few ms for
//!   numpy), and a fragment changed or damaged since it was written is
//!   refused.
//! * Any other fragment (one of an earlier release, without the checksum) has
//!   the data of every copied entry inflated once, by worker threads while
//!   the output is written, to check its CRC, its size and that its deflate
//!   stream ends where its data ends: about three times the time of the
//!   whole action otherwise (0.13 -> 0.46 s CPU for numpy and pandas).
//!
//! The checksum is not a signature: whoever can write a build input can
//! write a fragment with a wrong entry CRC and a matching checksum, and get
//! an archive that fails to extract (nothing worse: the headers are checked
//! and rewritten either way). That is the trade for keeping `zip` fast.
//!
//! The same path from two owners is fine when the content is identical (the
//! first owner, in command-line order, keeps it); different content is an
//! error naming both, and so is a file where another owner has a directory.
//!
//! Memory: fragments are read in place, the output is written as it goes;
//! only application files of up to 16 MiB are
//! held (compressed) in memory.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;
use zip::{CompressionMethod, ZipArchive};

use crate::data::{
    self, compress_bytes, compress_file, crc32_of_range, CompressError, Compressed, Data,
    RangeReader, VerifyError,
};
use crate::error::{io_err, zip_err};
use crate::exclude::Excludes;
use crate::fragment::{fragment_comment, DEFAULT_LEVEL};
use crate::pipeline::{run_ordered, thread_count};
use crate::text::{shown, shown_path};
use crate::tree::{check_archive_path, file_directory_conflict, parent_dir, write_atomically};
use crate::zipout::{archive_len, EntryMeta, Method, ZipOut};
use crate::ArchiveError;

/// AWS Lambda's limit for a zip uploaded directly: 50 MiB.
pub const LAMBDA_MAX_ZIPPED: u64 = 52_428_800;
/// AWS Lambda's limit for the unzipped function and its layers: 250 MiB.
pub const LAMBDA_MAX_UNZIPPED: u64 = 262_144_000;
/// The owner name of `--file` entries in reports.
pub const APPLICATION: &str = "(application)";

/// Where entries go: at the root (`function`) or below `python/` (`layer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    Function,
    Layer,
}

impl Layout {
    pub fn prefix(self) -> &'static str {
        match self {
            Layout::Function => "",
            Layout::Layer => "python/",
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layout::Function => "function",
            Layout::Layer => "layer",
        })
    }
}

impl FromStr for Layout {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "function" => Ok(Layout::Function),
            "layer" => Ok(Layout::Layer),
            _ => Err(format!(
                "unknown layout `{s}`; expected `function` or `layer`"
            )),
        }
    }
}

/// What happens when a limit is exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitMode {
    /// Fail, writing nothing.
    Error,
    /// Write the archive; the report and stderr carry a warning.
    Warn,
    /// Don't check (e.g. for container images).
    Off,
}

impl FromStr for LimitMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "error" => Ok(LimitMode::Error),
            "warn" => Ok(LimitMode::Warn),
            "off" => Ok(LimitMode::Off),
            _ => Err(format!(
                "unknown limits mode `{s}`; expected `error`, `warn` or `off`"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub max_zipped: u64,
    pub max_unzipped: u64,
    pub mode: LimitMode,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_zipped: LAMBDA_MAX_ZIPPED,
            max_unzipped: LAMBDA_MAX_UNZIPPED,
            mode: LimitMode::Error,
        }
    }
}

/// An application file: `archive_path` is relative to the layout root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppFile {
    pub archive_path: String,
    pub source: PathBuf,
}

impl FromStr for AppFile {
    type Err = String;
    /// Parses `ARCHIVE_PATH=SRC_PATH`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (archive_path, source) = s
            .split_once('=')
            .filter(|(a, s)| !a.is_empty() && !s.is_empty())
            .ok_or_else(|| format!("expected ARCHIVE_PATH=SRC_PATH, got `{s}`"))?;
        Ok(AppFile {
            archive_path: archive_path.to_string(),
            source: PathBuf::from(source),
        })
    }
}

#[derive(Debug, Clone)]
pub struct AssembleOptions {
    pub fragments: Vec<PathBuf>,
    pub files: Vec<AppFile>,
    pub layout: Layout,
    pub excludes: Excludes,
    pub limits: Limits,
    /// Threads checking fragment data while the output is written; 0 uses
    /// the available parallelism.
    pub threads: usize,
}

/// Sizes of one package (or of the application files) in the archive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PackageStats {
    pub name: String,
    pub files: u64,
    pub unzipped_bytes: u64,
    /// Compressed data of its entries, without zip headers.
    pub zipped_bytes: u64,
    pub excluded_files: u64,
    pub excluded_bytes: u64,
    /// Entries dropped because another owner had the same, identical file.
    pub duplicate_files: u64,
}

impl PackageStats {
    fn add(&mut self, other: &PackageStats) {
        self.files = self.files.saturating_add(other.files);
        self.unzipped_bytes = self.unzipped_bytes.saturating_add(other.unzipped_bytes);
        self.zipped_bytes = self.zipped_bytes.saturating_add(other.zipped_bytes);
        self.excluded_files = self.excluded_files.saturating_add(other.excluded_files);
        self.excluded_bytes = self.excluded_bytes.saturating_add(other.excluded_bytes);
        self.duplicate_files = self.duplicate_files.saturating_add(other.duplicate_files);
    }
}

/// The report of `--report` (JSON) and `--report-text`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Always `ofiuco-zip-report/1`.
    pub format: &'static str,
    pub layout: Layout,
    /// Size of the zip file.
    pub archive_bytes: u64,
    pub limits: Limits,
    /// Which limits were exceeded: `"zipped"`, `"unzipped"`.
    pub exceeded: Vec<&'static str>,
    pub excludes: Vec<String>,
    /// Per package, largest unzipped first; `(application)` for `--file`s.
    pub packages: Vec<PackageStats>,
    /// Sums over `packages`, named `(total)`.
    pub totals: PackageStats,
    /// Limit warnings (`--limits warn`).
    pub warnings: Vec<String>,
}

/// Lambda's limits exceeded, with the largest packages.
#[derive(Debug, Clone)]
pub struct LimitsExceeded {
    pub archive_bytes: u64,
    pub unzipped_bytes: u64,
    pub limits: Limits,
    pub largest: Vec<PackageStats>,
}

impl fmt::Display for LimitsExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut over = Vec::new();
        if self.archive_bytes > self.limits.max_zipped {
            over.push(format!(
                "{} zipped (limit {})",
                bytes(self.archive_bytes),
                bytes(self.limits.max_zipped)
            ));
        }
        if self.unzipped_bytes > self.limits.max_unzipped {
            over.push(format!(
                "{} unzipped (limit {})",
                bytes(self.unzipped_bytes),
                bytes(self.limits.max_unzipped)
            ));
        }
        writeln!(
            f,
            "the archive exceeds AWS Lambda's limits: {}",
            over.join(", ")
        )?;
        writeln!(f, "largest packages by unzipped size:")?;
        write_table(f, &self.largest, None)?;
        write!(
            f,
            "hint: exclude files with `exclude` globs (e.g. `**/tests/**`), move large packages \
             to a layer or a container image, or raise `max_zipped`/`max_unzipped`"
        )
    }
}

/// `1234567` as `1,234,567 bytes (1.2 MiB)`.
fn bytes(n: u64) -> String {
    if n < 1_048_576 {
        return format!("{} bytes", thousands(n));
    }
    #[allow(clippy::cast_precision_loss, reason = "one decimal of MiB is shown")]
    let mib = n as f64 / 1_048_576.0;
    format!("{} bytes ({mib:.1} MiB)", thousands(n))
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn write_table(
    f: &mut dyn fmt::Write,
    rows: &[PackageStats],
    total: Option<&PackageStats>,
) -> fmt::Result {
    // Package names come from fragments: shown escaped and cut.
    let names: Vec<String> = rows
        .iter()
        .chain(total)
        .map(|r| shown(&r.name).to_string())
        .collect();
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max("package".len());
    writeln!(
        f,
        "  {:<width$}  {:>7}  {:>13}  {:>13}  {:>13}",
        "package", "files", "unzipped", "zipped", "excluded"
    )?;
    for (row, name) in rows.iter().chain(total).zip(&names) {
        writeln!(
            f,
            "  {:<width$}  {:>7}  {:>13}  {:>13}  {:>13}",
            name,
            thousands(row.files),
            thousands(row.unzipped_bytes),
            thousands(row.zipped_bytes),
            thousands(row.excluded_bytes),
        )?;
    }
    Ok(())
}

impl Report {
    /// The human-readable report (`--report-text`).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = write_table(&mut out, &self.packages, Some(&self.totals));
        let _ = fmt::Write::write_fmt(
            &mut out,
            format_args!(
                "archive: {} ({} layout), {} files, {} excluded\n",
                bytes(self.archive_bytes),
                self.layout,
                thousands(self.totals.files),
                thousands(self.totals.excluded_files),
            ),
        );
        for warning in &self.warnings {
            out.push_str("warning: ");
            out.push_str(warning);
            out.push('\n');
        }
        out
    }
}

/// Where an entry's bytes come from.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// `compressed_size` bytes at `data_start` of a fragment file.
    Fragment { fragment: usize, data_start: u64 },
    /// An application file, compressed here.
    File { file: usize },
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    source: Source,
    /// Index into `owners`, which describe owners for error messages:
    /// "package `numpy`" or "`src/handler.py`".
    owner: usize,
    /// Index into the per-package stats.
    stats: usize,
    method: Method,
    size: u64,
    crc32: u32,
    compressed_size: u64,
    executable: bool,
}

/// A fragment, read in place.
struct FragmentFile {
    path: PathBuf,
    file: File,
    /// Its checksum matched: its entries' CRCs are those `ofiuco fragment`
    /// computed, and their data need not be inflated to check them.
    checksummed: bool,
}

/// An application file, compressed.
struct AppInput {
    path: PathBuf,
    source: File,
    compressed: Compressed,
}

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFLNK: u32 = 0o120_000;

/// Assembles the archive `output`. On an error (including exceeded limits
/// with [`LimitMode::Error`]) nothing is written.
pub fn assemble(opts: &AssembleOptions, output: &Path) -> Result<Report, ArchiveError> {
    let mut assembly = Assembly::new(opts, output);
    for path in &opts.fragments {
        assembly.add_fragment(path)?;
    }
    assembly.add_files()?;
    assembly.check_paths()?;
    let unzipped_bytes = assembly
        .entries
        .values()
        .fold(0u64, |sum, e| sum.saturating_add(e.size));
    // The archive's size is known before it is written: limits fail early.
    let archive_bytes = archive_len(assembly.entries.iter().map(|(n, e)| meta(n, e)), 0);
    let (packages, totals) = merge_stats(&assembly.stats);
    let (exceeded, warnings) = check_limits(opts.limits, archive_bytes, unzipped_bytes, &packages)?;
    let written = write_atomically(output, |file| assembly.write_zip(file))?;
    if written != archive_bytes {
        return Err(io_err("write", output)(io::Error::other(format!(
            "wrote {written} bytes, expected {archive_bytes}"
        ))));
    }
    Ok(Report {
        format: "ofiuco-zip-report/1",
        layout: opts.layout,
        archive_bytes,
        limits: opts.limits,
        exceeded,
        excludes: opts.excludes.patterns().to_vec(),
        packages,
        totals,
        warnings,
    })
}

fn meta<'a>(name: &'a str, e: &Entry) -> EntryMeta<'a> {
    EntryMeta {
        name,
        method: e.method,
        crc32: e.crc32,
        compressed_size: e.compressed_size,
        size: e.size,
        executable: e.executable,
    }
}

/// The archive being planned: its entries by archive path, where their bytes
/// come from, who owns them, and the per-package stats.
struct Assembly<'a> {
    opts: &'a AssembleOptions,
    output: &'a Path,
    /// Where entries go in the archive: [`Layout::prefix`].
    prefix: &'static str,
    fragments: Vec<FragmentFile>,
    files: Vec<AppInput>,
    /// Owners for error messages: "package `numpy`" or "`src/handler.py`".
    owners: Vec<String>,
    /// One per fragment, then one `(application)` row for all `--file`s.
    stats: Vec<PackageStats>,
    entries: BTreeMap<String, Entry>,
}

impl<'a> Assembly<'a> {
    fn new(opts: &'a AssembleOptions, output: &'a Path) -> Self {
        Assembly {
            opts,
            output,
            prefix: opts.layout.prefix(),
            fragments: Vec::with_capacity(opts.fragments.len()),
            files: Vec::with_capacity(opts.files.len()),
            owners: Vec::new(),
            stats: Vec::new(),
            entries: BTreeMap::new(),
        }
    }

    /// A reader of the entry's uncompressed content.
    fn content(&self, entry: &Entry) -> Box<dyn Read + '_> {
        match entry.source {
            Source::Fragment {
                fragment,
                data_start,
            } => {
                let end = data_start.saturating_add(entry.compressed_size);
                let raw = RangeReader::new(&self.fragments[fragment].file, data_start, end);
                data::content(BufReader::new(raw), entry.method)
            }
            Source::File { file } => {
                let input = &self.files[file];
                match &input.compressed.data {
                    Data::Memory(bytes) => data::content(Cursor::new(bytes), entry.method),
                    Data::Spool(spool) => data::content(
                        BufReader::new(RangeReader::new(spool, 0, entry.compressed_size)),
                        entry.method,
                    ),
                    Data::Source => Box::new(RangeReader::new(&input.source, 0, entry.size)),
                }
            }
        }
    }

    fn read_error_path(&self, entry: &Entry) -> &Path {
        match entry.source {
            Source::Fragment { fragment, .. } => &self.fragments[fragment].path,
            Source::File { file } => &self.files[file].path,
        }
    }

    /// Adds `entry` at `archive_path`, counting it in its stats. A path taken
    /// already is fine when the content is identical (the first owner keeps
    /// it); different content is an error naming both owners.
    fn add_entry(&mut self, archive_path: String, entry: Entry) -> Result<(), ArchiveError> {
        let Some(first) = self.entries.get(&archive_path) else {
            let s = &mut self.stats[entry.stats];
            s.files += 1;
            s.unzipped_bytes = s.unzipped_bytes.saturating_add(entry.size);
            s.zipped_bytes = s.zipped_bytes.saturating_add(entry.compressed_size);
            self.entries.insert(archive_path, entry);
            return Ok(());
        };
        let identical = first.size == entry.size
            && first.crc32 == entry.crc32
            && data::same_bytes(&mut self.content(first), &mut self.content(&entry))
                .map_err(io_err("read", self.read_error_path(&entry)))?;
        if !identical {
            return Err(ArchiveError::ArchiveConflict {
                path: archive_path,
                first: self.owners[first.owner].clone(),
                second: self.owners[entry.owner].clone(),
            });
        }
        self.stats[entry.stats].duplicate_files += 1;
        Ok(())
    }

    /// Adds the entries of the fragment at `path` (excluded ones only
    /// counted), after checking each entry's headers.
    fn add_fragment(&mut self, path: &Path) -> Result<(), ArchiveError> {
        let file = File::open(path).map_err(io_err("read", path))?;
        let len = file.metadata().map_err(io_err("read", path))?.len();
        let mut archive =
            ZipArchive::new(BufReader::new(&file)).map_err(zip_err("open fragment", path))?;
        let comment =
            fragment_comment(archive.comment()).ok_or_else(|| ArchiveError::NotAFragment {
                path: path.to_path_buf(),
            })?;
        let package = comment.package;
        let bad = |name: &str, reason: String| ArchiveError::BadFragmentEntry {
            fragment: path.to_path_buf(),
            path: name.to_string(),
            reason,
        };
        let (duplicate, central_end) =
            scan_central_directory(&file, archive.central_directory_start(), archive.len())
                .map_err(io_err("read", path))?;
        if let Some(expected) = comment.checksum {
            let actual = crc32_of_range(&file, central_end).map_err(io_err("read", path))?;
            if actual != expected {
                return Err(ArchiveError::FragmentChecksum {
                    fragment: path.to_path_buf(),
                    expected,
                    actual,
                });
            }
        }
        // The zip crate keeps one of several entries with the same name.
        if let Some(name) = duplicate {
            return Err(bad(&name, "occurs more than once".into()));
        }
        let fragment = self.fragments.len();
        let owner = self.owners.len();
        let stats_index = self.stats.len();
        self.owners.push(format!("package `{}`", shown(&package)));
        self.stats.push(PackageStats {
            name: package.clone(),
            ..Default::default()
        });
        let mut found = Vec::with_capacity(archive.len());
        for index in 0..archive.len() {
            let entry = archive
                .by_index_raw(index)
                .map_err(zip_err("read fragment", path))?;
            let name = entry.name().to_string();
            let mode = entry.unix_mode();
            let kind = mode.map_or(S_IFREG, |m| m & S_IFMT);
            if entry.is_dir() || kind == S_IFDIR {
                if entry.size() > 0 {
                    return Err(bad(&name, "is a directory with data".into()));
                }
                continue;
            }
            check_archive_path(&name).map_err(|reason| ArchiveError::InvalidArchivePath {
                path: name.clone(),
                owner: format!(
                    "package `{}` (fragment `{}`)",
                    shown(&package),
                    shown_path(path)
                ),
                reason,
            })?;
            if kind == S_IFLNK {
                return Err(bad(
                    &name,
                    "is a symbolic link; fragments hold regular files only".into(),
                ));
            }
            if kind != S_IFREG && kind != 0 {
                return Err(bad(&name, format!("is not a regular file (mode {kind:o})")));
            }
            if entry.encrypted() {
                return Err(bad(&name, "is encrypted".into()));
            }
            let method = match entry.compression() {
                CompressionMethod::Stored => Method::Stored,
                CompressionMethod::Deflated => Method::Deflated,
                other => {
                    return Err(bad(
                        &name,
                        format!(
                            "uses the compression method {other}; fragments use stored or deflate"
                        ),
                    ))
                }
            };
            let data_start = entry.data_start();
            if data_start
                .checked_add(entry.compressed_size())
                .is_none_or(|end| end > len)
            {
                return Err(bad(&name, "has data past the end of the fragment".into()));
            }
            found.push((
                name,
                Entry {
                    source: Source::Fragment {
                        fragment,
                        data_start,
                    },
                    owner,
                    stats: stats_index,
                    method,
                    size: entry.size(),
                    crc32: entry.crc32(),
                    compressed_size: entry.compressed_size(),
                    executable: mode.is_some_and(|m| m & 0o111 != 0),
                },
            ));
        }
        drop(archive);
        self.fragments.push(FragmentFile {
            path: path.to_path_buf(),
            file,
            checksummed: comment.checksum.is_some(),
        });
        for (name, entry) in found {
            let archive_path = format!("{}{name}", self.prefix);
            if self.opts.excludes.is_excluded(&archive_path, Some(&name)) {
                let s = &mut self.stats[stats_index];
                s.excluded_files += 1;
                s.excluded_bytes = s.excluded_bytes.saturating_add(entry.size);
                continue;
            }
            self.add_entry(archive_path, entry)?;
        }
        Ok(())
    }

    /// Adds the application files (`--file`), compressed here, counted under
    /// one `(application)` row.
    fn add_files(&mut self) -> Result<(), ArchiveError> {
        if !self.opts.files.is_empty() {
            self.stats.push(PackageStats {
                name: APPLICATION.into(),
                ..Default::default()
            });
        }
        let app_stats = self.stats.len().wrapping_sub(1);
        for app in &self.opts.files {
            let describe = format!("`{}`", shown_path(&app.source));
            check_archive_path(&app.archive_path).map_err(|reason| {
                ArchiveError::InvalidArchivePath {
                    path: app.archive_path.clone(),
                    owner: describe.clone(),
                    reason,
                }
            })?;
            let owner = self.owners.len();
            self.owners.push(describe);
            let archive_path = format!("{}{}", self.prefix, app.archive_path);
            let meta = fs::metadata(&app.source).map_err(io_err("read", &app.source))?;
            if self
                .opts
                .excludes
                .is_excluded(&archive_path, Some(&app.archive_path))
            {
                let s = &mut self.stats[app_stats];
                s.excluded_files += 1;
                s.excluded_bytes = s.excluded_bytes.saturating_add(meta.len());
                continue;
            }
            let source = File::open(&app.source).map_err(io_err("read", &app.source))?;
            let compressed = compress_app_file(&source, &app.source, meta.len(), self.output)?;
            let entry = Entry {
                source: Source::File {
                    file: self.files.len(),
                },
                owner,
                stats: app_stats,
                method: compressed.method,
                size: compressed.size,
                crc32: compressed.crc32,
                compressed_size: compressed.compressed_size,
                executable: app_file_is_executable(&app.source)?,
            };
            self.files.push(AppInput {
                path: app.source.clone(),
                source,
                compressed,
            });
            self.add_entry(archive_path, entry)?;
        }
        Ok(())
    }

    /// Refuses a file at a path that another entry needs as a directory, and
    /// two paths that differ only in case.
    fn check_paths(&self) -> Result<(), ArchiveError> {
        let owner = |path: &str| self.owners[self.entries[path].owner].clone();
        if let Some((first, second)) =
            ofiuco_spec::paths::case_collision(self.entries.keys().map(String::as_str))
        {
            return Err(ArchiveError::CaseConflict {
                first: first.to_string(),
                first_owner: owner(first),
                second: second.to_string(),
                second_owner: owner(second),
            });
        }
        let Some((file, inside)) = file_directory_conflict(self.entries.keys().map(String::as_str))
        else {
            return Ok(());
        };
        Err(ArchiveError::FileDirectoryConflict {
            file: file.to_string(),
            file_owner: owner(file),
            inside: inside.to_string(),
            inside_owner: owner(inside),
        })
    }

    /// Writes the archive to `file` and returns its length. Worker threads
    /// check each fragment entry's data (inflating it once) while this thread
    /// copies the checked entries, in order.
    fn write_zip(&self, file: &mut File) -> Result<u64, ArchiveError> {
        let output = self.output;
        let entries: Vec<(&String, &Entry)> = self.entries.iter().collect();
        let mut zip = ZipOut::new(BufWriter::with_capacity(data::CHUNK, file));
        let mut buf = vec![0u8; data::CHUNK];
        let check = |i: usize| -> Result<(), ArchiveError> {
            let (name, entry) = entries[i];
            let Source::Fragment {
                fragment,
                data_start,
            } = entry.source
            else {
                return Ok(());
            };
            let fragment = &self.fragments[fragment];
            if fragment.checksummed {
                return Ok(());
            }
            let end = data_start.saturating_add(entry.compressed_size);
            let mut raw = RangeReader::new(&fragment.file, data_start, end);
            data::verify(
                &mut raw,
                entry.method,
                entry.compressed_size,
                entry.size,
                entry.crc32,
            )
            .map_err(|e| match e {
                VerifyError::Io(e) => io_err("read", &fragment.path)(e),
                VerifyError::Bad(reason) => ArchiveError::BadFragmentEntry {
                    fragment: fragment.path.clone(),
                    path: name.strip_prefix(self.prefix).unwrap_or(name).to_string(),
                    reason,
                },
            })
        };
        let mut copy = |i: usize, (): ()| -> Result<(), ArchiveError> {
            let (name, entry) = entries[i];
            let mut changed = false;
            zip.add(&meta(name, entry), |out| match entry.source {
                Source::Fragment {
                    fragment,
                    data_start,
                } => data::copy_range(
                    &self.fragments[fragment].file,
                    data_start,
                    entry.compressed_size,
                    out,
                    &mut buf,
                ),
                Source::File { file } => {
                    let input = &self.files[file];
                    match &input.compressed.data {
                        Data::Memory(bytes) => out.write_all(bytes).map(|()| bytes.len() as u64),
                        Data::Spool(spool) => {
                            data::copy_range(spool, 0, entry.compressed_size, out, &mut buf)
                        }
                        Data::Source => {
                            data::copy_source(&input.source, entry.size, entry.crc32, out, &mut buf)
                                .map_err(|e| match e {
                                    CompressError::Io(e) => e,
                                    CompressError::Changed => {
                                        changed = true;
                                        io::Error::other("changed")
                                    }
                                })
                        }
                    }
                }
            })
            .map_err(|e| {
                if changed {
                    ArchiveError::FileChanged {
                        path: self.read_error_path(entry).to_path_buf(),
                    }
                } else {
                    io_err("write", output)(e)
                }
            })
        };
        run_ordered(
            entries.len(),
            thread_count(self.opts.threads, entries.len()),
            u64::MAX,
            &|_| 0,
            &check,
            &mut copy,
        )?;
        let (writer, len) = zip.finish(b"").map_err(io_err("write", output))?;
        writer
            .into_inner()
            .map_err(|e| io_err("write", output)(e.into_error()))?
            .flush()
            .map_err(io_err("write", output))?;
        Ok(len)
    }
}

/// Compresses an application file like `ofiuco fragment` does: in memory
/// when small, through a spool file beside the output when big.
/// Whether an application file is written with mode 0755: decided by its
/// first bytes (`#!` or an ELF header), never by its mode on disk, which is
/// not the same everywhere the zip is built (remote execution uploads source
/// inputs as executable, a local checkout has them 0644).
fn app_file_is_executable(path: &Path) -> Result<bool, ArchiveError> {
    let mut head = [0u8; 4];
    let mut file = File::open(path).map_err(io_err("read", path))?;
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..]).map_err(io_err("read", path))? {
            0 => break,
            n => read += n,
        }
    }
    Ok(head[..read].starts_with(b"#!") || head[..read] == *b"\x7fELF")
}

fn compress_app_file(
    source: &File,
    path: &Path,
    size: u64,
    output: &Path,
) -> Result<Compressed, ArchiveError> {
    let changed = || ArchiveError::FileChanged {
        path: path.to_path_buf(),
    };
    if size <= data::IN_MEMORY_MAX {
        // At most `IN_MEMORY_MAX` bytes.
        let mut bytes = Vec::with_capacity(size as usize);
        source
            .take(size.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(io_err("read", path))?;
        if bytes.len() as u64 != size {
            return Err(changed());
        }
        return compress_bytes(bytes, DEFAULT_LEVEL).map_err(io_err("compress", path));
    }
    compress_file(source, size, DEFAULT_LEVEL, parent_dir(output)).map_err(|e| match e {
        CompressError::Io(e) => io_err("compress", path)(e),
        CompressError::Changed => changed(),
    })
}

/// Walks the central directory starting at `start` (`entries` is the number
/// of entries the zip crate found): the first name that occurs twice, and
/// where the directory ends.
fn scan_central_directory(
    file: &File,
    start: u64,
    entries: usize,
) -> io::Result<(Option<String>, u64)> {
    let mut reader = BufReader::new(RangeReader::new(file, start, u64::MAX));
    let mut names: HashSet<Vec<u8>> = HashSet::with_capacity(entries);
    let mut fixed = [0u8; 46];
    let mut end = start;
    let mut duplicate = None;
    loop {
        match reader.read_exact(&mut fixed) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok((duplicate, end)),
            Err(e) => return Err(e),
        }
        if &fixed[..4] != b"PK\x01\x02" {
            return Ok((duplicate, end));
        }
        let u16_at = |at: usize| u64::from(u16::from_le_bytes([fixed[at], fixed[at + 1]]));
        let mut name = vec![0u8; u16_at(28) as usize];
        reader.read_exact(&mut name)?;
        if let Some(name) = names.replace(name) {
            duplicate.get_or_insert_with(|| String::from_utf8_lossy(&name).into_owned());
        }
        let rest = u16_at(30) + u16_at(32);
        let skipped = io::copy(&mut (&mut reader).take(rest), &mut io::sink())?;
        if skipped != rest {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the central directory is cut short",
            ));
        }
        end += 46 + u16_at(28) + rest;
    }
}

/// Per package (merging fragments of the same package name), largest
/// unzipped first, and the `(total)` row.
fn merge_stats(stats: &[PackageStats]) -> (Vec<PackageStats>, PackageStats) {
    let mut by_name: HashMap<String, PackageStats> = HashMap::new();
    for s in stats {
        by_name
            .entry(s.name.clone())
            .or_insert_with(|| PackageStats {
                name: s.name.clone(),
                ..Default::default()
            })
            .add(s);
    }
    let mut packages: Vec<PackageStats> = by_name.into_values().collect();
    packages.sort_by(|a, b| {
        b.unzipped_bytes
            .cmp(&a.unzipped_bytes)
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut totals = PackageStats {
        name: "(total)".into(),
        ..Default::default()
    };
    for p in &packages {
        totals.add(p);
    }
    (packages, totals)
}

/// The limits exceeded (`"zipped"`, `"unzipped"`) and, with
/// [`LimitMode::Warn`], the warning; with [`LimitMode::Error`] an exceeded
/// limit is an error.
fn check_limits(
    limits: Limits,
    archive_bytes: u64,
    unzipped_bytes: u64,
    packages: &[PackageStats],
) -> Result<(Vec<&'static str>, Vec<String>), ArchiveError> {
    let mut exceeded = Vec::new();
    if limits.mode != LimitMode::Off {
        if archive_bytes > limits.max_zipped {
            exceeded.push("zipped");
        }
        if unzipped_bytes > limits.max_unzipped {
            exceeded.push("unzipped");
        }
    }
    let mut warnings = Vec::new();
    if !exceeded.is_empty() {
        let details = LimitsExceeded {
            archive_bytes,
            unzipped_bytes,
            limits,
            largest: packages.iter().take(10).cloned().collect(),
        };
        if limits.mode == LimitMode::Error {
            return Err(ArchiveError::Limits(Box::new(details)));
        }
        warnings.push(details.to_string());
    }
    Ok((exceeded, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fragment::{pack_fragment, FragmentOptions};

    fn fragment(dir: &Path, package: &str, files: &[(&str, &str)]) -> PathBuf {
        let tree = dir.join(format!("{package}.tree"));
        for (path, content) in files {
            let path = tree.join("site-packages").join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        }
        let out = dir.join(format!("{package}.zip"));
        pack_fragment(&FragmentOptions::new(package, vec![tree]), &out).unwrap();
        out
    }

    fn options(fragments: Vec<PathBuf>) -> AssembleOptions {
        AssembleOptions {
            fragments,
            files: vec![],
            layout: Layout::Function,
            excludes: Excludes::new::<&str>(&[]).unwrap(),
            limits: Limits::default(),
            threads: 2,
        }
    }

    fn names(path: &Path) -> Vec<String> {
        let archive = ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
        archive.file_names().map(str::to_string).collect()
    }

    #[test]
    fn merges_sorted_with_layer_prefix_and_excludes() {
        let tmp = tempfile::tempdir().unwrap();
        let a = fragment(
            tmp.path(),
            "a",
            &[
                ("a/__init__.py", "A"),
                ("a/tests/t.py", "T"),
                ("ns/__init__.py", ""),
            ],
        );
        let b = fragment(
            tmp.path(),
            "b",
            &[
                ("b.py", "B"),
                ("b-1.dist-info/RECORD", "R"),
                ("ns/__init__.py", ""),
            ],
        );
        let src = tmp.path().join("handler.py");
        fs::write(&src, "def handler(e, c): pass\n").unwrap();
        let mut opts = options(vec![b, a]);
        opts.layout = Layout::Layer;
        opts.excludes = Excludes::new(&["a/tests/**", "**.dist-info/**"]).unwrap();
        opts.files.push(AppFile {
            archive_path: "handler.py".into(),
            source: src,
        });
        let out = tmp.path().join("out.zip");
        let report = assemble(&opts, &out).unwrap();
        assert_eq!(
            names(&out),
            [
                "python/a/__init__.py",
                "python/b.py",
                "python/handler.py",
                "python/ns/__init__.py"
            ]
        );
        let a = report.packages.iter().find(|p| p.name == "a").unwrap();
        assert_eq!((a.files, a.excluded_files, a.duplicate_files), (1, 1, 1));
        assert_eq!(report.totals.files, 4);
        assert_eq!(report.totals.excluded_files, 2);
        assert_eq!(report.archive_bytes, fs::metadata(&out).unwrap().len());
    }

    #[test]
    fn names_that_differ_only_in_case_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let a = fragment(tmp.path(), "a", &[("x/README", "1")]);
        let b = fragment(tmp.path(), "b", &[("x/readme", "1"), ("y.py", "")]);
        let out = tmp.path().join("out.zip");
        let err = assemble(&options(vec![a, b]), &out).unwrap_err();
        insta::assert_snapshot!(err, @r#"
            `x/README` in package `a` and `x/readme` in package `b` differ only in case: one path on a case-insensitive file system (macOS, Windows), where one would replace the other
            hint: nothing was written; drop or exclude one of them
            "#);
        assert!(!out.exists());
    }

    #[test]
    fn conflicting_content_names_both_owners() {
        let tmp = tempfile::tempdir().unwrap();
        let a = fragment(tmp.path(), "a", &[("x/__init__.py", "1")]);
        let b = fragment(tmp.path(), "b", &[("x/__init__.py", "2")]);
        let out = tmp.path().join("out.zip");
        let err = assemble(&options(vec![a, b]), &out).unwrap_err();
        insta::assert_snapshot!(err, @r"
        conflicting files at `x/__init__.py` in the archive: package `a` and package `b` provide different content
        hint: exclude one of them with an `exclude` glob, or drop one of the packages
        ");
        assert!(!out.exists());
    }

    #[test]
    fn limits() {
        let tmp = tempfile::tempdir().unwrap();
        let big = "x".repeat(5000);
        let a = fragment(tmp.path(), "a", &[("a.py", &big)]);
        let b = fragment(tmp.path(), "b", &[("b.py", "b")]);
        let mut opts = options(vec![a, b]);
        opts.limits.max_unzipped = 1000;
        let out = tmp.path().join("out.zip");
        let err = assemble(&opts, &out).unwrap_err();
        insta::assert_snapshot!(err, @r"
        the archive exceeds AWS Lambda's limits: 5,001 bytes unzipped (limit 1,000 bytes)
        largest packages by unzipped size:
          package    files       unzipped         zipped       excluded
          a              1          5,000             22              0
          b              1              1              1              0
        hint: exclude files with `exclude` globs (e.g. `**/tests/**`), move large packages to a layer or a container image, or raise `max_zipped`/`max_unzipped`
        ");
        assert!(!out.exists());
        opts.limits.mode = LimitMode::Warn;
        let report = assemble(&opts, &out).unwrap();
        assert_eq!(report.exceeded, ["unzipped"]);
        assert_eq!(report.warnings.len(), 1);
        assert!(out.exists());
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(52_428_800), "52,428,800");
    }

    #[test]
    fn app_file_spec() {
        assert_eq!(
            "a/b.py=src/b.py".parse::<AppFile>().unwrap(),
            AppFile {
                archive_path: "a/b.py".into(),
                source: "src/b.py".into()
            }
        );
        assert!("a/b.py".parse::<AppFile>().is_err());
        assert!("=x".parse::<AppFile>().is_err());
    }

    /// A zip with the fragment comment whose entries are `(name, content,
    /// unix mode)`; a mode with `S_IFLNK` makes a symbolic link.
    fn crafted(dir: &Path, file: &str, entries: &[(&str, &[u8], u32)]) -> PathBuf {
        use zip::write::SimpleFileOptions;
        let path = dir.join(file);
        let mut zip = zip::ZipWriter::new(fs::File::create(&path).unwrap());
        zip.set_comment("ofiuco-fragment/1 package=evil");
        for (name, content, mode) in entries {
            let options = SimpleFileOptions::default()
                .last_modified_time(
                    zip::DateTime::from_date_and_time(2020, 5, 6, 7, 8, 10).unwrap(),
                )
                .unix_permissions(*mode & 0o7777);
            if mode & S_IFMT == S_IFLNK {
                zip.add_symlink(*name, String::from_utf8_lossy(content), options)
                    .unwrap();
            } else {
                zip.start_file(*name, options).unwrap();
                zip.write_all(content).unwrap();
            }
        }
        zip.finish().unwrap();
        path
    }

    /// Replaces every occurrence of `from` in `path` by `to` (same length).
    fn patch(path: &Path, from: &[u8], to: &[u8]) {
        let mut bytes = fs::read(path).unwrap();
        let mut patched = 0;
        for i in 0..=bytes.len() - from.len() {
            if &bytes[i..i + from.len()] == from {
                bytes[i..i + to.len()].copy_from_slice(to);
                patched += 1;
            }
        }
        assert!(patched > 0);
        fs::write(path, bytes).unwrap();
    }

    fn assemble_err(fragments: Vec<PathBuf>, dir: &Path) -> String {
        let out = dir.join("out.zip");
        let err = assemble(&options(fragments), &out).unwrap_err();
        assert!(!out.exists());
        err.to_string().replace(&dir.display().to_string(), "[TMP]")
    }

    #[test]
    fn crafted_fragments_get_normal_modes_and_timestamps() {
        let tmp = tempfile::tempdir().unwrap();
        let f = crafted(
            tmp.path(),
            "f.zip",
            &[
                ("a.py", b"a = 1\n", 0o777),
                ("b.txt", b"b", 0o600),
                ("c/", b"", 0o040_755),
            ],
        );
        let out = tmp.path().join("out.zip");
        assemble(&options(vec![f]), &out).unwrap();
        let mut archive = ZipArchive::new(fs::File::open(&out).unwrap()).unwrap();
        let mut modes = Vec::new();
        for i in 0..archive.len() {
            let file = archive.by_index(i).unwrap();
            assert_eq!(file.last_modified(), Some(crate::fixed_time()));
            assert!(file.extra_data().is_none_or(<[u8]>::is_empty));
            modes.push(format!("{} {:o}", file.name(), file.unix_mode().unwrap()));
        }
        assert_eq!(modes, ["a.py 100755", "b.txt 100644"]);
    }

    #[test]
    fn app_file_modes_follow_content_not_disk() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let files = [
            ("handler.py", &b"def handler(e, c): pass\n"[..], 0o755),
            ("run.sh", &b"#!/bin/sh\necho hi\n"[..], 0o644),
            ("tool", &b"\x7fELF\x02\x01\x01"[..], 0o644),
            ("empty.py", &b""[..], 0o755),
        ];
        let mut opts = options(Vec::new());
        for (name, bytes, mode) in files {
            let src = tmp.path().join(name);
            fs::write(&src, bytes).unwrap();
            fs::set_permissions(&src, fs::Permissions::from_mode(mode)).unwrap();
            opts.files.push(AppFile {
                archive_path: name.into(),
                source: src,
            });
        }
        let out = tmp.path().join("out.zip");
        assemble(&opts, &out).unwrap();
        let mut archive = ZipArchive::new(fs::File::open(&out).unwrap()).unwrap();
        let mut modes = Vec::new();
        for i in 0..archive.len() {
            let file = archive.by_index(i).unwrap();
            modes.push(format!("{} {:o}", file.name(), file.unix_mode().unwrap()));
        }
        assert_eq!(
            modes,
            [
                "empty.py 100644",
                "handler.py 100644",
                "run.sh 100755",
                "tool 100755"
            ]
        );
    }

    #[test]
    fn refuses_symlinks_in_fragments() {
        let tmp = tempfile::tempdir().unwrap();
        let f = crafted(
            tmp.path(),
            "f.zip",
            &[("a/link", b"/etc/passwd", S_IFLNK | 0o777)],
        );
        insta::assert_snapshot!(assemble_err(vec![f], tmp.path()), @r"
        fragment `[TMP]/f.zip` is invalid: entry `a/link` is a symbolic link; fragments hold regular files only
        hint: nothing was written; rebuild the fragment with `ofiuco fragment`
        ");
    }

    #[test]
    fn refuses_a_name_twice_in_one_fragment() {
        let tmp = tempfile::tempdir().unwrap();
        let f = crafted(
            tmp.path(),
            "f.zip",
            &[("a.py", b"1", 0o644), ("b.py", b"2", 0o644)],
        );
        patch(&f, b"b.py", b"a.py");
        insta::assert_snapshot!(assemble_err(vec![f], tmp.path()), @r"
        fragment `[TMP]/f.zip` is invalid: entry `a.py` occurs more than once
        hint: nothing was written; rebuild the fragment with `ofiuco fragment`
        ");
    }

    #[test]
    fn refuses_a_wrong_crc() {
        let tmp = tempfile::tempdir().unwrap();
        let text = "hello world\n".repeat(50);
        let f = crafted(tmp.path(), "f.zip", &[("a.py", text.as_bytes(), 0o644)]);
        let crc = data::crc32(text.as_bytes()).to_le_bytes();
        let mut wrong = crc;
        wrong[0] ^= 1;
        patch(&f, &crc, &wrong);
        insta::assert_snapshot!(assemble_err(vec![f], tmp.path()), @r"
        fragment `[TMP]/f.zip` is invalid: entry `a.py` has the CRC 50e18017, but its headers say 50e18016
        hint: nothing was written; rebuild the fragment with `ofiuco fragment`
        ");
    }

    #[test]
    fn refuses_a_file_where_another_owner_has_a_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let a = fragment(tmp.path(), "a", &[("x", "file")]);
        let b = fragment(tmp.path(), "b", &[("x/y.py", "inside")]);
        insta::assert_snapshot!(assemble_err(vec![a, b], tmp.path()), @r"
        `x` is a file in package `a`, but package `b` has `x/y.py` inside it: a path cannot be both a file and a directory
        hint: nothing was written; drop or exclude one of them
        ");
    }

    #[test]
    fn names_from_fragments_are_shown_escaped() {
        let tmp = tempfile::tempdir().unwrap();
        let a = fragment(tmp.path(), "a", &[("x\u{1b}[2J.py", "1")]);
        let b = fragment(tmp.path(), "b", &[("x\u{1b}[2J.py", "2")]);
        let err = assemble_err(vec![a, b], tmp.path());
        assert!(
            err.starts_with("conflicting files at `x\\u{1b}[2J.py` in the archive"),
            "{err}"
        );
    }

    #[test]
    fn refuses_a_fragment_changed_after_it_was_written() {
        let tmp = tempfile::tempdir().unwrap();
        let text = "hello world\n".repeat(50);
        let a = fragment(tmp.path(), "a", &[("a.py", &text)]);
        // Flip one bit of the compressed data (the entry's CRC is untouched).
        let mut bytes = fs::read(&a).unwrap();
        bytes[40] ^= 1;
        fs::write(&a, bytes).unwrap();
        let err = assemble_err(vec![a], tmp.path());
        assert!(
            err.starts_with("fragment `[TMP]/a.zip` does not match its checksum (CRC-32 "),
            "{err}"
        );
    }
}

//! `ofiuco zip`: assemble a byte-reproducible AWS Lambda zip from fragments.
//!
//! Fragment entries are copied as they are (compressed bytes, CRC, sizes);
//! only application files (`--file`) are compressed here. Entries are sorted
//! by archive path; directories are not stored (unzip and Lambda create them
//! from the file paths); every entry has the fixed timestamp and a mode of
//! 0644 or 0755, and no extra fields. The same inputs give the same bytes.
//!
//! The same path from two owners is fine when the content is identical (the
//! first owner, in command-line order, keeps it); different content is an
//! error naming both.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;
use zip::{ZipArchive, ZipWriter};

use crate::error::{io_err, zip_err};
use crate::exclude::Excludes;
use crate::fragment::{fragment_package, DEFAULT_LEVEL};
use crate::tree::{check_archive_path, compress_entry, is_executable, read_file, write_atomically};
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
        self.files += other.files;
        self.unzipped_bytes += other.unzipped_bytes;
        self.zipped_bytes += other.zipped_bytes;
        self.excluded_files += other.excluded_files;
        self.excluded_bytes += other.excluded_bytes;
        self.duplicate_files += other.duplicate_files;
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
    format!("{} bytes ({:.1} MiB)", thousands(n), n as f64 / 1_048_576.0)
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
    let width = rows
        .iter()
        .chain(total)
        .map(|r| r.name.len())
        .max()
        .unwrap_or(0)
        .max("package".len());
    writeln!(
        f,
        "  {:<width$}  {:>7}  {:>13}  {:>13}  {:>13}",
        "package", "files", "unzipped", "zipped", "excluded"
    )?;
    for row in rows.iter().chain(total) {
        writeln!(
            f,
            "  {:<width$}  {:>7}  {:>13}  {:>13}  {:>13}",
            row.name,
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
    Fragment { fragment: usize, index: usize },
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
    size: u64,
    crc32: u32,
    compressed_size: u64,
}

struct Inputs {
    fragments: Vec<ZipArchive<Cursor<Vec<u8>>>>,
    /// Single-entry zips of the application files, compressed here.
    files: Vec<ZipArchive<Cursor<Vec<u8>>>>,
}

impl Inputs {
    fn archive(&mut self, source: Source) -> (&mut ZipArchive<Cursor<Vec<u8>>>, usize) {
        match source {
            Source::Fragment { fragment, index } => (&mut self.fragments[fragment], index),
            Source::File { file } => (&mut self.files[file], 0),
        }
    }

    fn content(&mut self, source: Source) -> Result<Vec<u8>, zip::result::ZipError> {
        let (archive, index) = self.archive(source);
        let mut file = archive.by_index(index)?;
        let mut out = Vec::with_capacity(file.size() as usize);
        file.read_to_end(&mut out)?;
        Ok(out)
    }
}

/// Assembles the archive `output`. On an error (including exceeded limits
/// with [`LimitMode::Error`]) nothing is written.
pub fn assemble(opts: &AssembleOptions, output: &Path) -> Result<Report, ArchiveError> {
    let mut assembly = Assembly::new(opts, output);
    for path in &opts.fragments {
        assembly.add_fragment(path)?;
    }
    assembly.add_files()?;
    let (data, unzipped_bytes) = assembly.write_zip()?;
    let archive_bytes = data.len() as u64;
    let (packages, totals) = merge_stats(&assembly.stats);
    let (exceeded, warnings) = check_limits(opts.limits, archive_bytes, unzipped_bytes, &packages)?;

    write_atomically(output, |file| {
        file.write_all(&data).map_err(io_err("write", output))
    })?;
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

/// The archive being planned: its entries by archive path, where their bytes
/// come from, who owns them, and the per-package stats.
struct Assembly<'a> {
    opts: &'a AssembleOptions,
    output: &'a Path,
    /// Where entries go in the archive: [`Layout::prefix`].
    prefix: &'static str,
    inputs: Inputs,
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
            inputs: Inputs {
                fragments: Vec::with_capacity(opts.fragments.len()),
                files: Vec::with_capacity(opts.files.len()),
            },
            owners: Vec::new(),
            stats: Vec::new(),
            entries: BTreeMap::new(),
        }
    }

    /// Adds `entry` at `archive_path`, counting it in its stats. A path taken
    /// already is fine when the content is identical (the first owner keeps
    /// it); different content is an error naming both owners.
    fn add_entry(&mut self, archive_path: String, entry: Entry) -> Result<(), ArchiveError> {
        let Some(first) = self.entries.get(&archive_path) else {
            let s = &mut self.stats[entry.stats];
            s.files += 1;
            s.unzipped_bytes += entry.size;
            s.zipped_bytes += entry.compressed_size;
            self.entries.insert(archive_path, entry);
            return Ok(());
        };
        let output = self.output;
        let identical = first.size == entry.size
            && first.crc32 == entry.crc32
            && self
                .inputs
                .content(first.source)
                .map_err(zip_err("read", output))?
                == self
                    .inputs
                    .content(entry.source)
                    .map_err(zip_err("read", output))?;
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

    /// Adds the entries of the fragment at `path` (excluded ones only counted).
    fn add_fragment(&mut self, path: &Path) -> Result<(), ArchiveError> {
        let data = read_file(path)?;
        let mut archive =
            ZipArchive::new(Cursor::new(data)).map_err(zip_err("open fragment", path))?;
        let package =
            fragment_package(archive.comment()).ok_or_else(|| ArchiveError::NotAFragment {
                path: path.to_path_buf(),
            })?;
        let fragment = self.inputs.fragments.len();
        let owner = self.owners.len();
        let stats_index = self.stats.len();
        self.owners.push(format!("package `{package}`"));
        self.stats.push(PackageStats {
            name: package.clone(),
            ..Default::default()
        });
        let mut found = Vec::with_capacity(archive.len());
        for index in 0..archive.len() {
            let file = archive
                .by_index_raw(index)
                .map_err(zip_err("read fragment", path))?;
            if file.is_dir() {
                continue;
            }
            let name = file.name().to_string();
            check_archive_path(&name).map_err(|reason| ArchiveError::InvalidArchivePath {
                path: name.clone(),
                owner: format!("package `{package}` (fragment `{}`)", path.display()),
                reason,
            })?;
            found.push((
                name,
                Entry {
                    source: Source::Fragment { fragment, index },
                    owner,
                    stats: stats_index,
                    size: file.size(),
                    crc32: file.crc32(),
                    compressed_size: file.compressed_size(),
                },
            ));
        }
        self.inputs.fragments.push(archive);
        for (name, entry) in found {
            let archive_path = format!("{}{name}", self.prefix);
            if self.opts.excludes.is_excluded(&archive_path, Some(&name)) {
                self.stats[stats_index].excluded_files += 1;
                self.stats[stats_index].excluded_bytes += entry.size;
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
            let describe = format!("`{}`", app.source.display());
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
                self.stats[app_stats].excluded_files += 1;
                self.stats[app_stats].excluded_bytes += meta.len();
                continue;
            }
            let data = read_file(&app.source)?;
            let zip = compress_entry(&archive_path, &data, is_executable(&meta), DEFAULT_LEVEL)
                .map_err(zip_err("compress", &app.source))?;
            let mut archive =
                ZipArchive::new(Cursor::new(zip)).map_err(zip_err("compress", &app.source))?;
            let file = archive
                .by_index_raw(0)
                .map_err(zip_err("compress", &app.source))?;
            let entry = Entry {
                source: Source::File {
                    file: self.inputs.files.len(),
                },
                owner,
                stats: app_stats,
                size: file.size(),
                crc32: file.crc32(),
                compressed_size: file.compressed_size(),
            };
            drop(file);
            self.inputs.files.push(archive);
            self.add_entry(archive_path, entry)?;
        }
        Ok(())
    }

    /// The archive's bytes, written in memory (the zipped size must be known
    /// before anything lands), and the unzipped size of its entries.
    fn write_zip(&mut self) -> Result<(Vec<u8>, u64), ArchiveError> {
        let output = self.output;
        let capacity: u64 = self
            .entries
            .iter()
            .map(|(name, e)| e.compressed_size + 2 * name.len() as u64 + 76)
            .sum::<u64>()
            + 22;
        let mut zip = ZipWriter::new(Cursor::new(Vec::with_capacity(capacity as usize)));
        let mut unzipped_bytes = 0;
        for (name, entry) in &self.entries {
            unzipped_bytes += entry.size;
            let (archive, index) = self.inputs.archive(entry.source);
            let file = archive
                .by_index_raw(index)
                .map_err(zip_err("read fragment", output))?;
            zip.raw_copy_file_rename(file, name.as_str())
                .map_err(zip_err("write", output))?;
        }
        let data = zip.finish().map_err(zip_err("write", output))?.into_inner();
        Ok((data, unzipped_bytes))
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
}

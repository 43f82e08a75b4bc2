//! `ofiuco fragment`, `ofiuco zip` and `ofiuco venv`: archives of installed
//! packages, run as Bazel build actions. The logic lives in `ofiuco-archive`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use ofiuco_archive::assemble::{LAMBDA_MAX_UNZIPPED, LAMBDA_MAX_ZIPPED};
use ofiuco_archive::fragment::DEFAULT_LEVEL;
use ofiuco_archive::{
    AppFile, AssembleOptions, Cpu, ElfCheck, Excludes, FragmentOptions, GlibcVersion, Layout,
    LimitMode, Limits,
};

#[derive(clap::Args)]
pub struct FragmentArgs {
    /// An installed package tree (output of `ofiuco install`); repeat to merge trees.
    #[arg(long = "tree", value_name = "DIR", required = true)]
    trees: Vec<PathBuf>,
    /// The package name, recorded in the fragment and used in messages.
    #[arg(long, value_name = "NAME")]
    package: String,
    /// The fragment zip to write.
    #[arg(long, value_name = "FRAG.zip")]
    output: PathBuf,
    /// Also write a JSON manifest of the fragment's entries.
    #[arg(long, value_name = "FRAG.json")]
    manifest_out: Option<PathBuf>,
    /// Fail if an ELF file is not for this CPU: x86_64 (amd64) or aarch64 (arm64).
    #[arg(long, value_name = "CPU")]
    check_cpu: Option<Cpu>,
    /// Fail if an ELF file needs a GLIBC_2.X version above this one, e.g. 2.26.
    #[arg(long, value_name = "VERSION")]
    check_glibc: Option<GlibcVersion>,
    /// The directory of each tree that is packed; paths in the fragment are relative to it.
    #[arg(long, value_name = "DIR", default_value = "site-packages")]
    strip_prefix: String,
    /// Deflate level, 0 (store) to 9.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LEVEL,
          value_parser = clap::value_parser!(i64).range(0..=9))]
    level: i64,
    /// Worker threads; 0 uses the available parallelism.
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
}

pub fn run_fragment(args: FragmentArgs) -> anyhow::Result<()> {
    let opts = FragmentOptions {
        package: args.package,
        trees: args.trees,
        strip_prefix: args.strip_prefix.trim_matches('/').to_string(),
        check: ElfCheck {
            cpu: args.check_cpu,
            glibc: args.check_glibc,
        },
        level: args.level,
        threads: args.threads,
    };
    let manifest = ofiuco_archive::pack_fragment(&opts, &args.output)?;
    if let Some(path) = &args.manifest_out {
        let json = serde_json::to_string_pretty(&manifest)?;
        write_file(path, json + "\n")?;
    }
    Ok(())
}

#[derive(clap::Args)]
pub struct ZipArgs {
    /// The zip to write.
    #[arg(long, value_name = "OUT.zip")]
    output: PathBuf,
    /// A fragment written by `ofiuco fragment`; its entries are copied without recompression.
    #[arg(long = "fragment", value_name = "FRAG.zip")]
    fragments: Vec<PathBuf>,
    /// An application file, compressed here: ARCHIVE_PATH is relative to the layout root.
    #[arg(long = "file", value_name = "ARCHIVE_PATH=SRC_PATH")]
    files: Vec<AppFile>,
    /// `function`: everything at the root; `layer`: everything below `python/`.
    #[arg(long, value_name = "LAYOUT", default_value = "function")]
    layout: Layout,
    /// Leave out files matching this glob (see `ofiuco_archive::exclude`).
    #[arg(long = "exclude", value_name = "GLOB")]
    excludes: Vec<String>,
    /// Write a JSON report: sizes per package, excluded bytes, totals.
    #[arg(long, value_name = "REPORT.json")]
    report: Option<PathBuf>,
    /// Write the report as a text table.
    #[arg(long, value_name = "REPORT.txt")]
    report_text: Option<PathBuf>,
    /// The largest allowed zip file (AWS Lambda direct upload: 50 MiB).
    #[arg(long, value_name = "BYTES", default_value_t = LAMBDA_MAX_ZIPPED)]
    max_zipped: u64,
    /// The largest allowed sum of file sizes (AWS Lambda: 250 MiB).
    #[arg(long, value_name = "BYTES", default_value_t = LAMBDA_MAX_UNZIPPED)]
    max_unzipped: u64,
    /// When a limit is exceeded: `error` (write nothing), `warn` (stderr), or `off`.
    #[arg(long, value_name = "MODE", default_value = "error")]
    limits: LimitMode,
    /// Threads checking fragment data while the zip is written; 0 uses the available parallelism.
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
    /// Print the time taken to stderr.
    #[arg(long)]
    timing: bool,
}

pub fn run_zip(args: ZipArgs) -> anyhow::Result<()> {
    let start = Instant::now();
    let opts = AssembleOptions {
        fragments: args.fragments,
        files: args.files,
        layout: args.layout,
        excludes: Excludes::new(&args.excludes)?,
        limits: Limits {
            max_zipped: args.max_zipped,
            max_unzipped: args.max_unzipped,
            mode: args.limits,
        },
        threads: args.threads,
    };
    let report = ofiuco_archive::assemble(&opts, &args.output)?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if let Some(path) = &args.report {
        write_file(path, serde_json::to_string_pretty(&report)? + "\n")?;
    }
    if let Some(path) = &args.report_text {
        write_file(path, report.to_text())?;
    }
    if args.timing {
        eprintln!(
            "assembled `{}` ({} files, {} bytes) in {:.1} ms",
            args.output.display(),
            report.totals.files,
            report.archive_bytes,
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
    Ok(())
}

#[derive(clap::Args)]
pub struct VenvArgs {
    /// An installed package tree, as NAME=DIR; repeat for each package.
    #[arg(long = "tree", value_name = "NAME=DIR", required = true, value_parser = parse_named_tree)]
    trees: Vec<(String, PathBuf)>,
    /// The directory to write; it must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    output: PathBuf,
    /// Copying threads; 0 uses the available parallelism.
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
}

fn parse_named_tree(s: &str) -> Result<(String, PathBuf), String> {
    match s.split_once('=') {
        Some((name, dir)) if !name.is_empty() && !dir.is_empty() => {
            Ok((name.to_string(), PathBuf::from(dir)))
        }
        _ => Err(format!("expected NAME=DIR, got `{s}`")),
    }
}

pub fn run_venv(args: VenvArgs) -> anyhow::Result<()> {
    ofiuco_archive::merge_venv(&args.trees, &args.output, args.threads)?;
    Ok(())
}

fn write_file(path: &std::path::Path, content: String) -> anyhow::Result<()> {
    std::fs::write(path, content).with_context(|| format!("failed to write `{}`", path.display()))
}

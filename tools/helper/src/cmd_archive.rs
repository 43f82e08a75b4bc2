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
#[command(group(clap::ArgGroup::new("input").required(true).args(["trees", "wheel"])))]
pub struct FragmentArgs {
    /// An installed package tree (output of `ofiuco install`); repeat to merge trees.
    #[arg(
        long = "tree",
        value_name = "DIR",
        required_unless_present = "wheel",
        conflicts_with = "wheel"
    )]
    trees: Vec<PathBuf>,
    /// A wheel, packed as `install` would install it, without unpacking it:
    /// its compressed entries are copied after their RECORD hashes are verified.
    #[arg(long, value_name = "FILE.whl")]
    wheel: Option<PathBuf>,
    /// The package name, recorded in the fragment and used in messages.
    #[arg(long, value_name = "NAME")]
    package: String,
    /// The fragment zip to write.
    #[arg(long, value_name = "FRAG.zip")]
    output: PathBuf,
    /// Also write a JSON manifest of the fragment's entries.
    #[arg(long, value_name = "FRAG.json")]
    manifest_out: Option<PathBuf>,
    /// Fail if an ELF file is not for this CPU: `x86_64` (amd64) or aarch64 (arm64).
    #[arg(long, value_name = "CPU")]
    check_cpu: Option<Cpu>,
    /// Fail if an ELF file needs a `GLIBC_2.X` version above this one, e.g. 2.26.
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
    let manifest = match &args.wheel {
        Some(wheel) => ofiuco_archive::pack_wheel_fragment(wheel, &opts, &args.output)?,
        None => ofiuco_archive::pack_fragment(&opts, &args.output)?,
    };
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
    /// An application file, compressed here: `ARCHIVE_PATH` is relative to the layout root.
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
    /// The JSON report of a Lambda layer the function runs with, as
    /// NAME=REPORT.json: its unzipped size counts towards --max-unzipped.
    #[arg(long = "layer-report", value_name = "NAME=REPORT.json", value_parser = parse_named_tree)]
    layer_reports: Vec<(String, PathBuf)>,
}

/// A layer's sizes, from its `--report` JSON.
#[derive(serde::Serialize)]
struct LayerSize {
    name: String,
    unzipped_bytes: u64,
    archive_bytes: u64,
}

fn read_layer(name: &str, path: &std::path::Path) -> anyhow::Result<LayerSize> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read the report of layer `{name}`"))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("the report of layer `{name}` is not JSON"))?;
    let number = |pointer: &str| {
        json.pointer(pointer)
            .and_then(serde_json::Value::as_u64)
            .with_context(|| format!("the report of layer `{name}` has no {pointer}"))
    };
    Ok(LayerSize {
        name: name.to_string(),
        unzipped_bytes: number("/totals/unzipped_bytes")?,
        archive_bytes: number("/archive_bytes")?,
    })
}

pub fn run_zip(args: ZipArgs) -> anyhow::Result<()> {
    let start = Instant::now();
    let layers = args
        .layer_reports
        .iter()
        .map(|(name, path)| read_layer(name, path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let layers_unzipped: u64 = layers.iter().map(|l| l.unzipped_bytes).sum();
    let opts = AssembleOptions {
        fragments: args.fragments,
        files: args.files,
        layout: args.layout,
        excludes: Excludes::new(&args.excludes)?,
        limits: Limits {
            max_zipped: args.max_zipped,
            // The function and its layers share the unzipped limit.
            max_unzipped: args.max_unzipped.saturating_sub(layers_unzipped),
            mode: args.limits,
        },
        threads: args.threads,
    };
    let report = ofiuco_archive::assemble(&opts, &args.output);
    // Without layers, the assembler's own message is the whole story.
    let report = if layers.is_empty() {
        report?
    } else {
        report.with_context(|| {
            format!(
                "the function's layers ({}) hold {layers_unzipped} bytes unzipped, which leaves {} of AWS Lambda's {} bytes for the function",
                layers
                    .iter()
                    .map(|l| format!("{}: {}", l.name, l.unzipped_bytes))
                    .collect::<Vec<_>>()
                    .join(", "),
                args.max_unzipped.saturating_sub(layers_unzipped),
                args.max_unzipped
            )
        })?
    };
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if let Some(path) = &args.report {
        let mut json = serde_json::to_value(&report)?;
        if !layers.is_empty() {
            json["layers"] = serde_json::to_value(&layers)?;
        }
        write_file(path, serde_json::to_string_pretty(&json)? + "\n")?;
    }
    if let Some(path) = &args.report_text {
        let mut text = report.to_text();
        if !layers.is_empty() {
            text.push_str("\nlayers (their packages are left out of this zip):\n");
            for layer in &layers {
                text.push_str(&format!(
                    "  {}  {} bytes unzipped, {} bytes zipped\n",
                    layer.name, layer.unzipped_bytes, layer.archive_bytes
                ));
            }
            text.push_str(&format!(
                "function + layers: {} bytes unzipped (limit {})\n",
                report.totals.unzipped_bytes.saturating_add(layers_unzipped),
                args.max_unzipped
            ));
        }
        write_file(path, text)?;
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

pub fn run_venv(args: &VenvArgs) -> anyhow::Result<()> {
    ofiuco_archive::merge_venv(&args.trees, &args.output, args.threads)?;
    Ok(())
}

fn write_file(path: &std::path::Path, content: String) -> anyhow::Result<()> {
    std::fs::write(path, content).with_context(|| format!("failed to write `{}`", path.display()))
}

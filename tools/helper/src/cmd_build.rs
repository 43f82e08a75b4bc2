//! `ofiuco check-wheel` and `ofiuco sdist-info`: checks and metadata for
//! building wheels from sources, run as Bazel build actions. The logic lives
//! in `ofiuco-build`.

use std::path::PathBuf;

use ofiuco_archive::{Cpu, GlibcVersion};
use ofiuco_build::{CheckOptions, PythonTarget, Source};

#[derive(clap::Args)]
pub struct CheckWheelArgs {
    /// The freshly built wheel.
    #[arg(long, value_name = "IN.whl")]
    wheel: PathBuf,
    /// The retagged wheel to write; an existing directory gets it under its retagged filename.
    #[arg(long, value_name = "OUT.whl")]
    output: PathBuf,
    /// The target OS; only `linux` is checked so far.
    #[arg(long, value_name = "OS", value_parser = ["linux"])]
    os: String,
    /// The target CPU: `x86_64` (amd64) or aarch64 (arm64).
    #[arg(long, value_name = "CPU")]
    cpu: Cpu,
    /// The target's glibc ceiling, e.g. 2.26.
    #[arg(long, value_name = "X.Y")]
    glibc: GlibcVersion,
    /// The target CPython version, e.g. 3.11 (3.13t: free-threaded).
    #[arg(long, value_name = "3.X")]
    python: PythonTarget,
    /// Refuse a wheel without compiled code (a silent pure-Python fallback).
    #[arg(long)]
    native: bool,
}

pub fn run_check_wheel(args: &CheckWheelArgs) -> anyhow::Result<()> {
    let opts = CheckOptions {
        cpu: args.cpu,
        glibc: args.glibc,
        python: args.python,
        native: args.native,
    };
    // Nothing stays at --output after a failure, not even an older file.
    if args.output.is_file() {
        std::fs::remove_file(&args.output)?;
    }
    ofiuco_build::check_wheel(&args.wheel, &args.output, &opts)?;
    Ok(())
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["sdist", "dir"])))]
pub struct SdistInfoArgs {
    /// An sdist: .tar.gz or .zip (recognized by content).
    #[arg(long, value_name = "FILE")]
    sdist: Option<PathBuf>,
    /// An unpacked source tree.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// The JSON file to write.
    #[arg(long, value_name = "FILE.json")]
    output: PathBuf,
}

pub fn run_sdist_info(args: &SdistInfoArgs) -> anyhow::Result<()> {
    let source = match (&args.sdist, &args.dir) {
        (Some(sdist), _) => Source::Archive(sdist),
        (None, Some(dir)) => Source::Dir(dir),
        (None, None) => anyhow::bail!("pass --sdist or --dir"),
    };
    if args.output.is_file() {
        std::fs::remove_file(&args.output)?;
    }
    ofiuco_build::write_sdist_info(source, &args.output)?;
    Ok(())
}

//! `ofiuco install`: unpack one wheel into a tree (site-packages/, bin/,
//! include/, data/), verifying its RECORD. Run as a Bazel build action.

use std::path::PathBuf;

use anyhow::Context;
use ofiuco_install::text::shown_path;
use ofiuco_install::{
    InstallOptions, DEFAULT_BOMB_MIN_SIZE, DEFAULT_MAX_COMPRESSION_RATIO,
    DEFAULT_MAX_UNPACKED_BYTES,
};

#[derive(clap::Args)]
pub struct Args {
    /// The wheel file to install.
    #[arg(long, value_name = "PATH")]
    wheel: PathBuf,
    /// The directory to install into; it must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    output: PathBuf,
    /// Refuse wheels whose files add up to more bytes than this.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_UNPACKED_BYTES)]
    max_unpacked_bytes: u64,
    /// Refuse wheels with a file (64 MiB or more) that expands more than this many times.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_COMPRESSION_RATIO)]
    max_compression_ratio: u64,
    /// Worker threads; 0 chooses by the amount of work (1 for small wheels, up to the available cores).
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let opts = InstallOptions {
        max_unpacked_bytes: args.max_unpacked_bytes,
        max_compression_ratio: args.max_compression_ratio,
        bomb_min_size: DEFAULT_BOMB_MIN_SIZE,
        threads: args.threads,
    };
    ofiuco_install::install(&args.wheel, &args.output, &opts).with_context(|| {
        format!(
            "failed to install `{}` into `{}`",
            shown_path(&args.wheel),
            shown_path(&args.output)
        )
    })?;
    Ok(())
}

//! `ofiuco`: the one helper binary behind the ofiuco Bazel rules.
//!
//! Subcommands:
//! * `lock`    — read a lock file and write the hub repository (BUILD text + file list).
//! * `install` — install one wheel into a site-packages tree (a Bazel build action).
//! * `resolve-url` — find a distribution file's URL in a package index page (PEP 691 / PEP 503).
//! * `fragment` — pack one installed tree, or a wheel without unpacking it, into a fragment zip (optional ELF checks).
//! * `zip`     — assemble fragments and application files into a reproducible Lambda zip.
//! * `venv`    — merge installed trees into one tree (`py_venv`).
//! * `layer`   — write a deterministic OCI image layer (tar + gzip) of trees and files.
//! * `image`   — write an OCI image layout: a base layout plus layers and config.
//! * `image-index` — join image layouts of several platforms into a multi-platform index.
//! * `check-wheel` — verify a wheel built from sources for its target and write it retagged.
//! * `sdist-info` — read an sdist's (or source tree's) build system as JSON.
//! * `push`    — push an image layout to a registry with skopeo (`bazel run` of `py_oci_push`).
//! * `lambda-deploy` — deploy a zip to AWS Lambda with the AWS CLI (`bazel run` of `py_lambda_deploy`).
//! * `check-lock` — fail when pyproject.toml changed since the lock was made.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc in place of the system allocator: `ofiuco lock` allocates per
/// TOML value and per hub line, and glibc's malloc and free were a quarter
/// of its instructions (docs/benchmarks.md, A2). Not in the static musl
/// release binaries, which are linked without a C compiler for the target.
#[cfg(not(target_env = "musl"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cmd_archive;
mod cmd_build;
mod cmd_check_lock;
mod cmd_deploy;
mod cmd_image;
mod cmd_install;
mod cmd_lock;
mod cmd_resolve;

#[derive(Parser)]
#[command(name = "ofiuco", version, about = "Helper of the ofiuco Bazel rules", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read a lock file (poetry.lock) and write the hub repository into --output.
    Lock(cmd_lock::Args),
    /// Install one wheel into a tree: site-packages/, bin/, include/, data/.
    Install(cmd_install::Args),
    /// Print the URL of a distribution file listed in a package index page.
    ResolveUrl(cmd_resolve::Args),
    /// Pack an installed tree's (or a wheel's) site-packages into a compressed fragment zip.
    Fragment(cmd_archive::FragmentArgs),
    /// Assemble fragments and application files into a byte-reproducible Lambda zip.
    Zip(cmd_archive::ZipArgs),
    /// Merge installed trees into one tree (site-packages, bin, include, data).
    Venv(cmd_archive::VenvArgs),
    /// Write a deterministic OCI image layer (tar + gzip) and its descriptor.
    Layer(cmd_image::LayerArgs),
    /// Write an OCI image layout: a base image plus layers, entrypoint, env, labels.
    Image(cmd_image::ImageArgs),
    /// Join image layouts of several platforms into one multi-platform index.
    ImageIndex(cmd_image::ImageIndexArgs),
    /// Verify a wheel built from sources for its target and write it retagged manylinux.
    CheckWheel(cmd_build::CheckWheelArgs),
    /// Read an sdist's or source tree's build system, name, version and Cargo.lock as JSON.
    SdistInfo(cmd_build::SdistInfoArgs),
    /// Push an OCI image layout to a registry with skopeo, keeping its digest.
    Push(cmd_deploy::PushArgs),
    /// Deploy a zip to an AWS Lambda function or layer with the AWS CLI.
    LambdaDeploy(cmd_deploy::LambdaArgs),
    /// Fail when pyproject.toml changed since the lock (poetry.lock, uv.lock) was made.
    CheckLock(cmd_check_lock::CheckLockArgs),
}

/// The command line, with Bazel's `@file` parameter files expanded (one argument per line).
fn args() -> std::io::Result<Vec<std::ffi::OsString>> {
    let mut out = Vec::new();
    for arg in std::env::args_os() {
        match arg.to_str().and_then(|a| a.strip_prefix('@')) {
            Some(path) if !out.is_empty() => {
                out.extend(
                    std::fs::read_to_string(path)?
                        .lines()
                        .map(std::ffi::OsString::from),
                );
            }
            _ => out.push(arg),
        }
    }
    Ok(out)
}

fn main() -> ExitCode {
    let cli = match args() {
        Ok(args) => Cli::parse_from(args),
        Err(err) => {
            eprintln!("error: cannot read a parameter file: {err}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Lock(args) => cmd_lock::run(&args),
        Command::Install(args) => cmd_install::run(&args),
        Command::ResolveUrl(args) => cmd_resolve::run(&args),
        Command::Fragment(args) => cmd_archive::run_fragment(args),
        Command::Zip(args) => cmd_archive::run_zip(args),
        Command::Venv(args) => cmd_archive::run_venv(&args),
        Command::Layer(args) => cmd_image::run_layer(args),
        Command::Image(args) => cmd_image::run_image(args),
        Command::ImageIndex(args) => cmd_image::run_image_index(&args),
        Command::CheckWheel(args) => cmd_build::run_check_wheel(&args),
        Command::SdistInfo(args) => cmd_build::run_sdist_info(&args),
        Command::Push(args) => cmd_deploy::run_push(args),
        Command::LambdaDeploy(args) => cmd_deploy::run_lambda(args),
        Command::CheckLock(args) => cmd_check_lock::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One place maps errors to the exit code; the chain reads as "error: ... \n  caused by: ...".
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(1)
        }
    }
}

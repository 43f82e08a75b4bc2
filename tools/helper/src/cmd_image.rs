//! `ofiuco layer`, `ofiuco image` and `ofiuco image-index`: OCI image layers
//! and layouts, run as Bazel build actions. The logic lives in
//! `ofiuco-archive` (layers) and `ofiuco-image` (layouts).

use std::path::PathBuf;

use anyhow::Context;
use ofiuco_archive::{AppFile, Cpu, ElfCheck, Excludes, GlibcVersion, LayerOptions, LayerTree};
use ofiuco_image::{ImageLayer, ImageOptions, TargetPlatform};

#[derive(clap::Args)]
pub struct LayerArgs {
    /// The layer to write (gzip-compressed tar).
    #[arg(long, value_name = "LAYER.tar.gz")]
    output: PathBuf,
    /// Write the layer's descriptor (digest, size, `diff_id`) as JSON.
    #[arg(long, value_name = "LAYER.json")]
    descriptor: PathBuf,
    /// An installed package tree (`ofiuco install`), as NAME=DIR; its
    /// site-packages go below --site-packages.
    #[arg(long = "tree", value_name = "NAME=DIR")]
    trees: Vec<LayerTree>,
    /// The directory of the image that receives the packages.
    #[arg(long, value_name = "DIR", default_value = "/opt/python")]
    site_packages: String,
    /// An application file: `IMAGE_PATH` is its path in the image.
    #[arg(long = "file", value_name = "IMAGE_PATH=SRC_PATH")]
    files: Vec<AppFile>,
    /// A directory whose files go below --app-root at their relative paths
    /// (the application's bytecode).
    #[arg(long = "app-tree", value_name = "DIR")]
    app_trees: Vec<PathBuf>,
    /// The directory of the image the application files are below (for --exclude).
    #[arg(long, value_name = "DIR", default_value = "/var/task")]
    app_root: String,
    /// Leave out files matching this glob (path in the image, or below
    /// --site-packages / --app-root).
    #[arg(long = "exclude", value_name = "GLOB")]
    excludes: Vec<String>,
    /// Fail if an ELF file of a package is not for this CPU.
    #[arg(long, value_name = "CPU")]
    check_cpu: Option<Cpu>,
    /// Fail if an ELF file of a package needs a `GLIBC_2.X` version above this one.
    #[arg(long, value_name = "VERSION")]
    check_glibc: Option<GlibcVersion>,
}

pub fn run_layer(args: LayerArgs) -> anyhow::Result<()> {
    let opts = LayerOptions {
        trees: args.trees,
        site_packages: args.site_packages,
        files: args.files,
        app_root: args.app_root,
        app_trees: args.app_trees,
        excludes: Excludes::new(&args.excludes)?,
        check: ElfCheck {
            cpu: args.check_cpu,
            glibc: args.check_glibc,
        },
    };
    let descriptor = ofiuco_archive::write_layer(&opts, &args.output)?;
    write_json(&args.descriptor, &descriptor)
}

#[derive(clap::Args)]
pub struct ImageArgs {
    /// The image layout directory to write (new or empty).
    #[arg(long, value_name = "DIR")]
    output: PathBuf,
    /// The base image: an OCI image layout directory or an uncompressed tar of one.
    #[arg(long, value_name = "LAYOUT")]
    base: PathBuf,
    /// A layer written by `ofiuco layer`, as LAYER.tar.gz=LAYER.json; in order.
    #[arg(long = "layer", value_name = "LAYER=DESCRIPTOR", value_parser = parse_pair)]
    layers: Vec<(String, String)>,
    /// The image's platform: OS/ARCH[/VARIANT], e.g. linux/arm64/v8.
    #[arg(long, value_name = "PLATFORM")]
    platform: TargetPlatform,
    /// The entrypoint, as a JSON list of strings (replaces the base's, and its cmd).
    #[arg(long, value_name = "JSON")]
    entrypoint: Option<String>,
    /// The cmd, as a JSON list of strings.
    #[arg(long, value_name = "JSON")]
    cmd: Option<String>,
    /// An environment variable, NAME=VALUE (replaces the base's value).
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = parse_pair)]
    env: Vec<(String, String)>,
    /// The working directory.
    #[arg(long, value_name = "DIR")]
    workdir: Option<String>,
    /// A label, KEY=VALUE.
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = parse_pair)]
    labels: Vec<(String, String)>,
    /// The image's name in index.json.
    #[arg(long, value_name = "TAG", default_value = "latest")]
    tag: String,
    /// Write the manifest's descriptor (digest, size, platforms) as JSON.
    #[arg(long, value_name = "FILE.json")]
    descriptor: Option<PathBuf>,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!(
            "expected KEY=VALUE, got `{}`",
            ofiuco_archive::text::shown(s)
        )),
    }
}

fn json_list(flag: &str, value: Option<String>) -> anyhow::Result<Option<Vec<String>>> {
    value
        .map(|v| {
            serde_json::from_str::<Vec<String>>(&v).with_context(|| {
                format!(
                    "{flag} must be a JSON list of strings, got `{}`",
                    ofiuco_archive::text::shown(&v)
                )
            })
        })
        .transpose()
}

pub fn run_image(args: ImageArgs) -> anyhow::Result<()> {
    let mut layers = Vec::new();
    for (blob, descriptor) in args.layers {
        let text = std::fs::read_to_string(&descriptor)
            .with_context(|| format!("failed to read `{descriptor}`"))?;
        let descriptor = serde_json::from_str(&text).with_context(|| {
            format!("`{descriptor}` is not a layer descriptor of `ofiuco layer`")
        })?;
        layers.push(ImageLayer {
            blob: PathBuf::from(blob),
            descriptor,
        });
    }
    let opts = ImageOptions {
        base: args.base,
        layers,
        platform: args.platform,
        entrypoint: json_list("--entrypoint", args.entrypoint)?,
        cmd: json_list("--cmd", args.cmd)?,
        env: args.env,
        workdir: args.workdir,
        labels: args.labels,
        tag: args.tag,
    };
    let written = ofiuco_image::build_image(&opts, &args.output)?;
    match &args.descriptor {
        Some(path) => write_json(path, &written),
        None => Ok(()),
    }
}

#[derive(clap::Args)]
pub struct ImageIndexArgs {
    /// The layout directory to write (new or empty).
    #[arg(long, value_name = "DIR")]
    output: PathBuf,
    /// An image layout written by `ofiuco image`; one per platform.
    #[arg(long = "image", value_name = "DIR", required = true)]
    images: Vec<PathBuf>,
    /// The index's name in index.json.
    #[arg(long, value_name = "TAG", default_value = "latest")]
    tag: String,
    /// Write the index's descriptor (digest, size, platforms) as JSON.
    #[arg(long, value_name = "FILE.json")]
    descriptor: Option<PathBuf>,
}

pub fn run_image_index(args: &ImageIndexArgs) -> anyhow::Result<()> {
    let written = ofiuco_image::build_index(&args.images, &args.tag, &args.output)?;
    match &args.descriptor {
        Some(path) => write_json(path, &written),
        None => Ok(()),
    }
}

fn write_json<T: serde::Serialize>(path: &std::path::Path, value: &T) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(value)? + "\n";
    std::fs::write(path, json).with_context(|| format!("failed to write `{}`", path.display()))
}

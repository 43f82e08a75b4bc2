//! `ofiuco push` and `ofiuco lambda-deploy`: what the run scripts of
//! `py_oci_push` and `py_lambda_deploy` execute (`bazel run`), on the host.
//!
//! Neither talks to a registry or to AWS itself: `push` runs skopeo (which
//! reads the user's Docker `config.json`, containers `auth.json` and
//! credential helpers such as ECR's), `lambda-deploy` runs the AWS CLI (which
//! reads the usual `AWS_*` environment, profiles, SSO and credential
//! processes). This module builds their command lines, checks what they
//! report against what Bazel built (the manifest digest, the zip's
//! `CodeSha256`) and turns their failures into one message that names the
//! input and what to do. Credentials are never printed: only the last line
//! of the tool's error output is quoted, and neither tool prints secrets.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};
use base64::Engine as _;
use ofiuco_archive::text::{quoted, shown, shown_path};
use sha2::{Digest as _, Sha256};

/// AWS Lambda's limit for a zip uploaded in the request (`--zip-file`).
pub const DIRECT_UPLOAD_LIMIT: u64 = 50 * 1024 * 1024;

#[derive(clap::Args)]
pub struct PushArgs {
    /// The OCI image layout to push (`py_oci_image`, `py_oci_image_index`).
    #[arg(long, value_name = "DIR")]
    layout: PathBuf,
    /// The layout's descriptor JSON (`digest`, `mediaType`, `platforms`).
    #[arg(long, value_name = "FILE.json")]
    descriptor: PathBuf,
    /// The image's name in the layout's index.json.
    #[arg(long, value_name = "TAG", default_value = "latest")]
    layout_tag: String,
    /// The repository to push to, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker`.
    #[arg(long, value_name = "REGISTRY/REPO")]
    repository: Option<String>,
    /// The repository of the rule (`repository`), used without --repository.
    #[arg(long, value_name = "REGISTRY/REPO")]
    default_repository: Option<String>,
    /// A tag to push (repeatable); replaces the rule's `remote_tags`.
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// The rule's `remote_tags`, used without --tag.
    #[arg(long = "default-tag", value_name = "TAG")]
    default_tags: Vec<String>,
    /// Talk plain HTTP (or HTTPS without verifying the certificate) to the registry.
    #[arg(long)]
    insecure: bool,
    /// Print the skopeo commands instead of running them.
    #[arg(long)]
    dry_run: bool,
    /// The skopeo binary (default: $`OFIUCO_SKOPEO`, else `skopeo` on PATH).
    #[arg(long, value_name = "PATH")]
    skopeo: Option<PathBuf>,
}

#[derive(serde::Deserialize)]
struct ImageDescriptor {
    digest: String,
    #[serde(default)]
    platforms: Vec<String>,
}

pub fn run_push(mut args: PushArgs) -> anyhow::Result<()> {
    // The launcher runs from the runfiles: absolute paths for skopeo and --dry-run.
    args.layout = absolute(&args.layout)?;
    let repository = args
        .repository
        .or(args.default_repository)
        .context("no repository to push to: give `repository` on the py_oci_push rule, or `bazel run TARGET -- --repository REGISTRY/REPO`")?;
    check_repository(&repository)?;
    let tags = if args.tags.is_empty() {
        args.default_tags
    } else {
        args.tags
    };
    let tags = if tags.is_empty() {
        vec!["latest".to_string()]
    } else {
        tags
    };
    for tag in &tags {
        check_tag(tag)?;
    }
    let text = std::fs::read_to_string(&args.descriptor)
        .with_context(|| format!("failed to read `{}`", shown_path(&args.descriptor)))?;
    let descriptor: ImageDescriptor = serde_json::from_str(&text).with_context(|| {
        format!(
            "`{}` is not the descriptor of an image layout",
            shown_path(&args.descriptor)
        )
    })?;
    if !args.layout.join("index.json").is_file() {
        bail!(
            "`{}` is not an OCI image layout (no index.json)\nhint: build it with `bazel build` first; py_oci_push takes a py_oci_image or py_oci_image_index",
            shown_path(&args.layout)
        );
    }
    let skopeo = if args.dry_run {
        args.skopeo
            .clone()
            .or_else(|| std::env::var_os("OFIUCO_SKOPEO").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("skopeo"))
    } else {
        find_tool(
            "skopeo",
            "OFIUCO_SKOPEO",
            args.skopeo.as_deref(),
            SKOPEO_HINT,
        )?
    };
    let platforms = descriptor.platforms.join(", ");
    let digest_dir = tempfile::tempdir().context("failed to make a temporary directory")?;
    for tag in &tags {
        let digest_file = digest_dir.path().join("digest");
        let argv = skopeo_copy_args(
            &args.layout,
            &args.layout_tag,
            &repository,
            tag,
            args.insecure,
            &digest_file,
        );
        if args.dry_run {
            println!("{}", shell_line(&skopeo, &argv));
            continue;
        }
        let output = Command::new(&skopeo)
            .args(&argv)
            .stdin(Stdio::null())
            .stdout(Stdio::inherit())
            .stderr(Stdio::piped())
            .output()
            .with_context(|| format!("failed to run `{}`", shown_path(&skopeo)))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            return Err(push_error(&repository, tag, &stderr));
        }
        eprint!("{stderr}");
        let pushed = std::fs::read_to_string(&digest_file).unwrap_or_default();
        let pushed = pushed.trim();
        if pushed != descriptor.digest {
            bail!(
                "the registry has {} as {repository}:{tag}, but the built image is {}\nhint: skopeo changed the manifest on the way; use a skopeo that keeps digests (--preserve-digests, skopeo >= 1.6)",
                quoted(pushed),
                descriptor.digest
            );
        }
        println!("pushed {repository}:{tag}@{pushed} ({platforms})");
    }
    Ok(())
}

const SKOPEO_HINT: &str = "py_oci_push pushes with skopeo, which reads your Docker config.json, containers auth.json and credential helpers: install it (`apt-get install skopeo`, `dnf install skopeo`, `brew install skopeo`) or set OFIUCO_SKOPEO to its path";

fn check_repository(repository: &str) -> anyhow::Result<()> {
    let ok = !repository.is_empty()
        && !repository.contains("://")
        && !repository.contains(char::is_whitespace)
        && !repository.contains('@')
        && repository.contains('/')
        && !repository.rsplit('/').next().unwrap_or("").contains(':');
    if !ok {
        bail!(
            "repository {} is not REGISTRY/REPOSITORY (e.g. `127.0.0.1:5000/worker`, `123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker`): no scheme, tag or digest",
            quoted(repository)
        );
    }
    Ok(())
}

fn check_tag(tag: &str) -> anyhow::Result<()> {
    // The distribution spec's tag grammar: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}.
    let mut chars = tag.chars();
    let first = chars.next();
    let ok = tag.len() <= 128
        && first.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !ok {
        bail!(
            "tag {} is not a valid image tag: letters, digits, `_`, `.`, `-`, at most 128, not starting with `.` or `-`",
            quoted(tag)
        );
    }
    Ok(())
}

fn skopeo_copy_args(
    layout: &Path,
    layout_tag: &str,
    repository: &str,
    tag: &str,
    insecure: bool,
    digest_file: &Path,
) -> Vec<OsString> {
    let mut argv: Vec<OsString> = vec![
        "copy".into(),
        "--all".into(),
        "--preserve-digests".into(),
        "--digestfile".into(),
        digest_file.into(),
    ];
    if insecure {
        argv.push("--dest-tls-verify=false".into());
    }
    let mut source = OsString::from("oci:");
    source.push(layout);
    source.push(format!(":{layout_tag}"));
    argv.push(source);
    argv.push(format!("docker://{repository}:{tag}").into());
    argv
}

/// The message for a failed `skopeo copy`: what went wrong, in the terms of
/// the push, and skopeo's last line.
fn push_error(repository: &str, tag: &str, stderr: &str) -> anyhow::Error {
    let registry = repository.split('/').next().unwrap_or(repository);
    let last = last_line(stderr);
    let lower = stderr.to_ascii_lowercase();
    let what = if lower.contains("http response to https client") {
        format!("the registry {} speaks plain HTTP\nhint: for a local test registry, `bazel run TARGET -- --insecure`", quoted(registry))
    } else if lower.contains("connection refused")
        || lower.contains("no such host")
        || lower.contains("i/o timeout")
        || lower.contains("network is unreachable")
    {
        format!("cannot reach the registry {}\nhint: check the repository (`repository` or --repository) and that the registry is up and reachable from here", quoted(registry))
    } else if lower.contains("error getting credentials") {
        credential_helper_failed(registry, stderr, &lower)
    } else if lower.contains("unauthorized")
        || lower.contains("authentication required")
        || lower.contains("denied")
        || lower.contains("forbidden")
    {
        format!("the registry {} refused the credentials for {}\nhint: log in (`skopeo login {}` or `docker login {}`), or configure a credential helper in ~/.docker/config.json (ECR: docker-credential-ecr-login), and check that the repository exists and you may push to it", quoted(registry), quoted(repository), shown(registry), shown(registry))
    } else {
        "skopeo failed".to_string()
    };
    anyhow::anyhow!(
        "cannot push to {}: {what}\nskopeo said: {}",
        quoted(&format!("{repository}:{tag}")),
        shown(&last)
    )
}

/// What to say when skopeo could not get credentials from the Docker
/// credential helper configured for `registry` (`credHelpers` or
/// `credsStore`, as for docker-credential-ecr-login): the helper is missing,
/// or it ran and failed; then its own words (what it printed on stderr,
/// which skopeo passes through) come first. `lower` is `stderr` in ASCII
/// lower case, as `push_error` has it.
fn credential_helper_failed(registry: &str, stderr: &str, lower: &str) -> String {
    let config = "`credHelpers` (or `credsStore`) of $DOCKER_CONFIG/config.json (default ~/.docker/config.json)";
    if lower.contains("executable file not found")
        || lower.contains("resolves to executable in current directory")
    {
        return format!(
            "the credential helper for the registry {} is not on PATH\nhint: install the helper named for it in {config} (ECR: docker-credential-ecr-login) and put it on PATH, or remove the entry and log in with `skopeo login {}`",
            quoted(registry),
            shown(registry)
        );
    }
    let said: Vec<String> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("time=") && !l.starts_with("Error:"))
        .map(|l| format!("\n  the helper said: {}", shown(&last_line(l))))
        .collect();
    let said = said[said.len().saturating_sub(3)..].concat();
    format!(
        "the credential helper for the registry {} failed{said}\nhint: run it by hand to see why: `echo {} | docker-credential-NAME get`, NAME from {config}; for ECR, docker-credential-ecr-login needs valid AWS credentials (`aws sso login`, AWS_PROFILE or AWS_ACCESS_KEY_ID)",
        quoted(registry),
        shown(registry)
    )
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum Kind {
    /// `update-function-code` of a function.
    Function,
    /// `publish-layer-version` of a layer.
    Layer,
}

#[derive(clap::Args)]
pub struct LambdaArgs {
    /// The zip to deploy (`py_zip`).
    #[arg(long, value_name = "FILE.zip")]
    zip: PathBuf,
    /// A function's code or a layer's new version.
    #[arg(long, value_enum, default_value = "function")]
    kind: Kind,
    /// The function (name or ARN) or layer name; replaces the rule's.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// The rule's function or layer name.
    #[arg(long, value_name = "NAME")]
    default_name: Option<String>,
    /// Publish a version of the function (`--publish`); layers are always published.
    #[arg(long)]
    publish: bool,
    /// Upload through this S3 bucket (needed above the 50 MiB direct-upload limit).
    #[arg(long, value_name = "BUCKET")]
    s3_bucket: Option<String>,
    /// The object key in --s3-bucket (default: NAME/SHA256.zip).
    #[arg(long, value_name = "KEY")]
    s3_key: Option<String>,
    /// Go through --s3-bucket even for a zip under the direct-upload limit.
    #[arg(long)]
    via_s3: bool,
    /// A compatible runtime of a layer (`python3.12`; repeatable).
    #[arg(long = "compatible-runtime", value_name = "RUNTIME")]
    compatible_runtimes: Vec<String>,
    /// A compatible architecture of a layer (`x86_64`, `arm64`; repeatable).
    #[arg(long = "compatible-architecture", value_name = "ARCH")]
    compatible_architectures: Vec<String>,
    /// Print the AWS CLI commands instead of running them.
    #[arg(long)]
    dry_run: bool,
    /// The AWS CLI (default: $`OFIUCO_AWS`, else `aws` on PATH).
    #[arg(long, value_name = "PATH")]
    aws: Option<PathBuf>,
}

/// One AWS CLI call: its arguments and what it is, for messages.
#[derive(Debug, PartialEq, Eq)]
struct AwsCall {
    argv: Vec<OsString>,
    what: &'static str,
}

#[derive(Debug, PartialEq, Eq)]
struct Plan {
    calls: Vec<AwsCall>,
    via_s3: bool,
}

fn plan(args: &LambdaArgs, name: &str, size: u64, sha_hex: &str) -> anyhow::Result<Plan> {
    let zip = args.zip.display().to_string();
    let via_s3 = args.via_s3 || size > DIRECT_UPLOAD_LIMIT;
    let mut calls = Vec::new();
    let s3 = if via_s3 {
        let Some(bucket) = &args.s3_bucket else {
            if args.via_s3 {
                bail!("--via-s3 needs an S3 bucket: `s3_bucket` on the py_lambda_deploy rule, or --s3-bucket BUCKET");
            }
            bail!(
                "{} is {size} bytes, over AWS Lambda's 50 MiB ({DIRECT_UPLOAD_LIMIT} bytes) limit for a direct upload\nhint: give an S3 bucket in the same region (`s3_bucket` on the py_lambda_deploy rule, or `bazel run TARGET -- --s3-bucket BUCKET`), or make the zip smaller (`exclude`, `exclude_packages`, a layer)",
                quoted(&zip)
            );
        };
        let key = args
            .s3_key
            .clone()
            .unwrap_or_else(|| format!("{}/{sha_hex}.zip", key_prefix(name)));
        calls.push(AwsCall {
            argv: os(&[
                "s3",
                "cp",
                "--only-show-errors",
                &zip,
                &format!("s3://{bucket}/{key}"),
            ]),
            what: "the upload to S3",
        });
        Some((bucket.clone(), key))
    } else {
        None
    };
    let mut argv = match args.kind {
        Kind::Function => {
            let mut argv = os(&["lambda", "update-function-code", "--function-name", name]);
            match &s3 {
                Some((bucket, key)) => argv.extend(os(&["--s3-bucket", bucket, "--s3-key", key])),
                None => argv.extend(os(&["--zip-file", &format!("fileb://{zip}")])),
            }
            if args.publish {
                argv.push("--publish".into());
            }
            argv
        }
        Kind::Layer => {
            let mut argv = os(&["lambda", "publish-layer-version", "--layer-name", name]);
            match &s3 {
                Some((bucket, key)) => argv.extend(os(&[
                    "--content",
                    &format!("S3Bucket={bucket},S3Key={key}"),
                ])),
                None => argv.extend(os(&["--zip-file", &format!("fileb://{zip}")])),
            }
            if !args.compatible_runtimes.is_empty() {
                argv.push("--compatible-runtimes".into());
                argv.extend(args.compatible_runtimes.iter().map(OsString::from));
            }
            if !args.compatible_architectures.is_empty() {
                argv.push("--compatible-architectures".into());
                argv.extend(args.compatible_architectures.iter().map(OsString::from));
            }
            argv
        }
    };
    argv.extend(os(&["--output", "json"]));
    calls.push(AwsCall {
        argv,
        what: match args.kind {
            Kind::Function => "update-function-code",
            Kind::Layer => "publish-layer-version",
        },
    });
    Ok(Plan { calls, via_s3 })
}

/// A function ARN's name part, for the default S3 key.
fn key_prefix(name: &str) -> &str {
    match name.strip_prefix("arn:") {
        Some(arn) => arn.split(':').nth(5).unwrap_or(name),
        None => name,
    }
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

pub fn run_lambda(mut args: LambdaArgs) -> anyhow::Result<()> {
    // The launcher runs from the runfiles: absolute paths for the AWS CLI and --dry-run.
    args.zip = absolute(&args.zip)?;
    let name = args
        .name
        .clone()
        .or_else(|| args.default_name.clone())
        .filter(|n| !n.is_empty())
        .context("no function or layer name: give `function_name` (or `layer_name`) on the py_lambda_deploy rule, or `bazel run TARGET -- --name NAME`")?;
    let bytes = std::fs::read(&args.zip).with_context(|| {
        format!(
            "failed to read `{}`\nhint: build it with `bazel build` first",
            shown_path(&args.zip)
        )
    })?;
    let digest = Sha256::digest(&bytes);
    let sha_hex = ofiuco_archive::layer::hex(&digest);
    let want = base64::engine::general_purpose::STANDARD.encode(digest);
    let size = bytes.len() as u64;
    drop(bytes);
    let plan = plan(&args, &name, size, &sha_hex)?;
    let aws = if args.dry_run {
        args.aws
            .clone()
            .or_else(|| std::env::var_os("OFIUCO_AWS").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("aws"))
    } else {
        find_tool("aws", "OFIUCO_AWS", args.aws.as_deref(), AWS_HINT)?
    };
    let route = if plan.via_s3 {
        "through S3"
    } else {
        "direct upload"
    };
    eprintln!(
        "ofiuco: deploying {} ({size} bytes, CodeSha256 {want}) to {} {} ({route})",
        shown_path(&args.zip),
        match args.kind {
            Kind::Function => "function",
            Kind::Layer => "layer",
        },
        quoted(&name)
    );
    let mut stdout = String::new();
    for call in &plan.calls {
        if args.dry_run {
            println!("{}", shell_line(&aws, &call.argv));
            continue;
        }
        let mut command = Command::new(&aws);
        command.args(&call.argv).stdin(Stdio::null());
        // AWS CLI v1 reads only AWS_DEFAULT_REGION; the SDKs, v2 and Lambda use AWS_REGION.
        if let (Some(region), None) = (
            std::env::var_os("AWS_REGION"),
            std::env::var_os("AWS_DEFAULT_REGION"),
        ) {
            command.env("AWS_DEFAULT_REGION", region);
        }
        let output = command
            .output()
            .with_context(|| format!("failed to run `{}`", shown_path(&aws)))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            return Err(aws_error(call.what, &name, &args, &stderr));
        }
        stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    }
    if args.dry_run {
        return Ok(());
    }
    let reply: serde_json::Value = serde_json::from_str(&stdout).with_context(|| {
        format!(
            "the AWS CLI's reply to {} is not JSON: {}",
            plan.calls.last().map_or("", |c| c.what),
            shown(&stdout)
        )
    })?;
    let (got, id) = match args.kind {
        Kind::Function => (
            reply.pointer("/CodeSha256"),
            reply
                .pointer("/FunctionArn")
                .and_then(|v| v.as_str())
                .map(
                    |arn| match reply.pointer("/Version").and_then(|v| v.as_str()) {
                        Some(v) if v != "$LATEST" && !arn.ends_with(&format!(":{v}")) => {
                            format!("{arn} (version {v})")
                        }
                        _ => arn.to_string(),
                    },
                ),
        ),
        Kind::Layer => (
            reply.pointer("/Content/CodeSha256"),
            reply
                .pointer("/LayerVersionArn")
                .and_then(|v| v.as_str())
                .map(str::to_string),
        ),
    };
    let got = got.and_then(|v| v.as_str()).unwrap_or("");
    if got != want {
        bail!(
            "AWS reports CodeSha256 {} for {}, but the zip's is {want}\nhint: something changed the zip on the way; deploy again",
            quoted(got),
            quoted(&name)
        );
    }
    println!(
        "deployed {} {route}: {}, CodeSha256 {got}",
        shown_path(&args.zip),
        shown(id.as_deref().unwrap_or(&name))
    );
    Ok(())
}

const AWS_HINT: &str = "py_lambda_deploy runs the AWS CLI (v1 or v2), which reads AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL and your credentials: install it (`pip install awscli`, or AWS's v2 installer) or set OFIUCO_AWS to its path";

/// The message for a failed AWS CLI call.
fn aws_error(what: &str, name: &str, args: &LambdaArgs, stderr: &str) -> anyhow::Error {
    let last = last_line(stderr);
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .map_or_else(
            |_| "the profile's region".to_string(),
            |r| format!("region {}", quoted(&r)),
        );
    let thing = match args.kind {
        Kind::Function => "function",
        Kind::Layer => "layer",
    };
    let why = if stderr.contains("ResourceNotFoundException")
        || stderr.contains("Function not found")
    {
        format!("the {thing} {} does not exist in {region}\nhint: create it first (`aws lambda create-function`), or fix the name (`function_name`, --name) or the region (AWS_REGION, AWS_PROFILE)", quoted(name))
    } else if stderr.contains("NoSuchBucket") {
        format!("the bucket {} does not exist\nhint: fix `s3_bucket` / --s3-bucket (a bucket in {region})", quoted(args.s3_bucket.as_deref().unwrap_or("")))
    } else if stderr.contains("Unable to locate credentials") || stderr.contains("NoCredentials") {
        "no AWS credentials\nhint: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or `aws sso login`; `aws sts get-caller-identity` checks them".to_string()
    } else if [
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "ExpiredToken",
        "security token included in the request is invalid",
    ]
    .iter()
    .any(|s| stderr.contains(s))
    {
        "AWS refused the credentials\nhint: check AWS_PROFILE (or the AWS_ACCESS_KEY_ID in use), renew an expired session (`aws sso login`); `aws sts get-caller-identity` shows who you are".to_string()
    } else if stderr.contains("AccessDenied") {
        format!("the credentials may not do this\nhint: the role needs lambda:UpdateFunctionCode / lambda:PublishLayerVersion on {} (and s3:PutObject on the bucket for the S3 route)", quoted(name))
    } else if stderr.contains("Could not connect to the endpoint URL")
        || stderr.contains("Connection refused")
        || stderr.contains("Name or service not known")
    {
        let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
        if endpoint.is_empty() {
            format!("cannot reach AWS in {region}\nhint: check the region (AWS_REGION, AWS_PROFILE) and the network")
        } else {
            format!("cannot reach the endpoint {} (AWS_ENDPOINT_URL)\nhint: check AWS_ENDPOINT_URL and that the service is up", quoted(&endpoint))
        }
    } else if stderr.contains("You must specify a region") {
        "no region\nhint: set AWS_REGION (or AWS_DEFAULT_REGION), or a region in the AWS_PROFILE's config".to_string()
    } else {
        "the AWS CLI failed".to_string()
    };
    anyhow::anyhow!(
        "cannot deploy {} to {thing} {} ({what}): {why}\naws said: {}",
        shown_path(&args.zip),
        quoted(name),
        shown(&last)
    )
}

/// The last non-empty line of a tool's error output, as its last
/// [`TAIL_CHARS`] characters: tools put the cause at the end of the line.
fn last_line(text: &str) -> String {
    let line = text
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("(nothing)");
    let count = line.chars().count();
    if count <= TAIL_CHARS {
        return line.to_string();
    }
    let tail: String = line.chars().skip(count - TAIL_CHARS).collect();
    format!("…{tail}")
}

const TAIL_CHARS: usize = 180;

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path)
        .with_context(|| format!("failed to make `{}` absolute", shown_path(path)))
}

/// `explicit`, else `$env_var`, else `name` on PATH.
fn find_tool(
    name: &str,
    env_var: &str,
    explicit: Option<&Path>,
    hint: &str,
) -> anyhow::Result<PathBuf> {
    let chosen = explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os(env_var).map(PathBuf::from));
    if let Some(path) = chosen {
        if path.is_file() {
            return Ok(path);
        }
        bail!(
            "{} does not exist\nhint: {hint}",
            quoted(&path.to_string_lossy())
        );
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    bail!("`{name}` is not on PATH\nhint: {hint}")
}

/// A command line as a shell would take it (for --dry-run).
fn shell_line(program: &Path, argv: &[OsString]) -> String {
    std::iter::once(program.as_os_str())
        .chain(argv.iter().map(OsString::as_os_str))
        .map(|a| shell_quote(&a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", shown(arg).to_string().replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lambda(extra: &[&str]) -> LambdaArgs {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: LambdaArgs,
        }
        let mut argv = vec!["x", "--zip", "out/f.zip"];
        argv.extend(extra);
        Cli::parse_from(argv).args
    }

    fn lines(plan: &Plan) -> Vec<String> {
        plan.calls
            .iter()
            .map(|c| shell_line(Path::new("aws"), &c.argv))
            .collect()
    }

    #[test]
    fn small_function_zip_is_uploaded_directly() {
        let plan = plan(&lambda(&["--publish"]), "f", 1000, "ab").unwrap();
        assert!(!plan.via_s3);
        assert_eq!(
            lines(&plan),
            ["aws lambda update-function-code --function-name f --zip-file fileb://out/f.zip --publish --output json"]
        );
    }

    #[test]
    fn a_zip_over_50_mib_goes_through_s3() {
        let args = lambda(&["--s3-bucket", "b"]);
        let plan = plan(&args, "f", DIRECT_UPLOAD_LIMIT + 1, "ab").unwrap();
        assert!(plan.via_s3);
        assert_eq!(
            lines(&plan),
            [
                "aws s3 cp --only-show-errors out/f.zip s3://b/f/ab.zip",
                "aws lambda update-function-code --function-name f --s3-bucket b --s3-key f/ab.zip --output json",
            ]
        );
        // At the limit, it is still direct.
        assert!(
            !super::plan(&args, "f", DIRECT_UPLOAD_LIMIT, "ab")
                .unwrap()
                .via_s3
        );
    }

    #[test]
    fn a_zip_over_50_mib_without_a_bucket_is_an_error() {
        let err = plan(&lambda(&[]), "f", DIRECT_UPLOAD_LIMIT + 1, "ab").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("`out/f.zip` is 52428801 bytes, over AWS Lambda's 50 MiB"),
            "{msg}"
        );
        assert!(msg.contains("--s3-bucket BUCKET"), "{msg}");
        let err = plan(&lambda(&["--via-s3"]), "f", 10, "ab").unwrap_err();
        assert!(
            err.to_string().contains("--via-s3 needs an S3 bucket"),
            "{err}"
        );
    }

    #[test]
    fn layers_are_published_with_their_runtimes() {
        let args = lambda(&[
            "--kind",
            "layer",
            "--compatible-runtime",
            "python3.12",
            "--compatible-architecture",
            "arm64",
            "--s3-bucket",
            "b",
            "--s3-key",
            "k.zip",
            "--via-s3",
        ]);
        let plan = plan(&args, "deps", 10, "ab").unwrap();
        assert_eq!(
            lines(&plan)[1],
            "aws lambda publish-layer-version --layer-name deps --content S3Bucket=b,S3Key=k.zip --compatible-runtimes python3.12 --compatible-architectures arm64 --output json"
        );
    }

    #[test]
    fn the_default_s3_key_uses_the_name_of_an_arn() {
        assert_eq!(
            key_prefix("arn:aws:lambda:eu-west-1:123456789012:function:my-fn:prod"),
            "my-fn"
        );
        assert_eq!(key_prefix("my-fn"), "my-fn");
    }

    #[test]
    fn aws_failures_say_what_to_do() {
        let args = lambda(&[]);
        let msg = aws_error(
            "update-function-code",
            "nope",
            &args,
            "\nAn error occurred (ResourceNotFoundException) when calling the UpdateFunctionCode operation: Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope\n",
        )
        .to_string();
        assert!(msg.starts_with("cannot deploy out/f.zip to function `nope` (update-function-code): the function `nope` does not exist in "), "{msg}");
        assert!(msg.contains("hint: create it first"), "{msg}");
        assert!(msg.ends_with("aws said: An error occurred (ResourceNotFoundException) when calling the UpdateFunctionCode operation: Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"), "{msg}");
        let msg = aws_error("x", "f", &args, "An error occurred (UnrecognizedClientException) when calling the UpdateFunctionCode operation: The security token included in the request is invalid.").to_string();
        assert!(msg.contains("AWS refused the credentials"), "{msg}");
        let msg = aws_error("x", "f", &args, "Unable to locate credentials. You can configure credentials by running \"aws configure\".").to_string();
        assert!(msg.contains("no AWS credentials"), "{msg}");
        let msg = aws_error("x", "f", &args, "\x1b[2Jweird").to_string();
        assert!(msg.contains("the AWS CLI failed"), "{msg}");
        assert!(msg.ends_with(r"aws said: \u{1b}[2Jweird"), "{msg}");
    }

    #[test]
    fn push_commands_keep_digests() {
        let argv = skopeo_copy_args(
            Path::new("bazel-out/k8-fastbuild/bin/index"),
            "latest",
            "127.0.0.1:5000/worker",
            "v1",
            true,
            Path::new("/tmp/d"),
        );
        assert_eq!(
            shell_line(Path::new("skopeo"), &argv),
            "skopeo copy --all --preserve-digests --digestfile /tmp/d --dest-tls-verify=false oci:bazel-out/k8-fastbuild/bin/index:latest docker://127.0.0.1:5000/worker:v1"
        );
    }

    #[test]
    fn push_failures_say_what_to_do() {
        let msg = push_error(
            "127.0.0.1:5999/w",
            "v1",
            "time=\"...\" level=fatal msg=\"trying to reuse blob sha256:ab at destination: pinging container registry 127.0.0.1:5999: Get \\\"https://127.0.0.1:5999/v2/\\\": dial tcp 127.0.0.1:5999: connect: connection refused\"",
        )
        .to_string();
        assert!(
            msg.starts_with(
                "cannot push to `127.0.0.1:5999/w:v1`: cannot reach the registry `127.0.0.1:5999`"
            ),
            "{msg}"
        );
        let msg = push_error(
            "r.example/w",
            "v1",
            "Error: ... http: server gave HTTP response to HTTPS client",
        )
        .to_string();
        assert!(msg.contains("-- --insecure"), "{msg}");
        let msg = push_error("r.example/w", "v1", "Error: writing blob: initiating layer upload to /v2/w/blobs/uploads/ in r.example: unauthorized: authentication required").to_string();
        assert!(
            msg.contains("refused the credentials for `r.example/w`"),
            "{msg}"
        );
        assert!(msg.contains("skopeo login r.example"), "{msg}");
        // skopeo 1.x's words when the credential helper exits 1 (captured
        // here from a real skopeo and a helper printing to stderr).
        let helper_failed = "token expired: run aws sso login\ntime=\"2026-12-02T11:53:50Z\" level=fatal msg=\"initializing destination docker://127.0.0.1:5999/w:t: getting username and password: 1 error occurred:\\n\\t* error getting credentials - err: exit status 1, out: ``\\n\\n\"";
        let msg = push_error("127.0.0.1:5999/w", "t", helper_failed).to_string();
        assert!(
            msg.contains("the credential helper for the registry `127.0.0.1:5999` failed\n  the helper said: token expired: run aws sso login\nhint: run it by hand"),
            "{msg}"
        );
        let helper_missing = "time=\"...\" level=fatal msg=\"initializing destination docker://r.example/w:t: getting username and password: 1 error occurred:\\n\\t* error getting credentials - err: exec: \\\"docker-credential-ecr-login\\\": executable file not found in $PATH, out: ``\\n\\n\"";
        let msg = push_error("r.example/w", "t", helper_missing).to_string();
        assert!(
            msg.contains("the credential helper for the registry `r.example` is not on PATH"),
            "{msg}"
        );
        // The end of a long line is kept: that is where the cause is.
        let long = format!("msg=\"{}: unauthorized\"", "x".repeat(500));
        let msg = push_error("r.example/w", "v1", &long).to_string();
        assert!(
            msg.ends_with(&format!(
                "skopeo said: …{}: unauthorized\"",
                "x".repeat(165)
            )),
            "{msg}"
        );
    }

    #[test]
    fn repositories_and_tags_are_checked() {
        check_repository("127.0.0.1:5000/worker").unwrap();
        check_repository("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/worker").unwrap();
        for bad in [
            "worker",
            "https://r/w",
            "r/w:v1",
            "r/w@sha256:ab",
            "r/a b",
            "",
        ] {
            let err = check_repository(bad).unwrap_err().to_string();
            assert!(err.contains("is not REGISTRY/REPOSITORY"), "{bad}: {err}");
        }
        check_tag("v1.2_3-rc").unwrap();
        for bad in ["", "-x", ".x", "a/b", "a:b", &"a".repeat(129)] {
            assert!(check_tag(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dry_run_lines_are_quoted_for_a_shell() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("\x1b"), r"'\u{1b}'");
        assert_eq!(shell_quote("fileb://x.zip"), "fileb://x.zip");
    }
}

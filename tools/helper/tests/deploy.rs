//! `ofiuco push` and `ofiuco lambda-deploy` run as processes: their dry runs
//! and the errors found before any tool is called. The real pushes and
//! deploys (skopeo to docker-registry, the AWS CLI to moto) are run by
//! `examples/aws_batch/run_push.sh` and `examples/aws_lambda/run_deploy.sh`.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn ofiuco(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ofiuco"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("OFIUCO_SKOPEO")
        .env_remove("OFIUCO_AWS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stdout_ok(dir: &Path, args: &[&str]) -> String {
    let output = ofiuco(dir, args, &[]);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn fails(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let output = ofiuco(dir, args, env);
    assert_eq!(output.status.code(), Some(1), "{args:?} should fail");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A layout directory with an index.json and the descriptor of `py_oci_image`.
fn layout(dir: &Path) {
    fs::create_dir_all(dir.join("image")).unwrap();
    fs::write(dir.join("image/index.json"), "{}").unwrap();
    fs::write(
        dir.join("image.json"),
        r#"{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:ab", "size": 1, "platforms": ["linux/amd64", "linux/arm64/v8"]}"#,
    )
    .unwrap();
}

const PUSH: &[&str] = &[
    "push",
    "--layout",
    "image",
    "--descriptor",
    "image.json",
    "--default-repository",
    "127.0.0.1:5000/worker",
    "--default-tag",
    "latest",
    "--default-tag",
    "nightly",
];

#[test]
fn push_dry_run_prints_one_skopeo_copy_per_tag() {
    let tmp = tempfile::tempdir().unwrap();
    layout(tmp.path());
    let out = stdout_ok(tmp.path(), &[PUSH, &["--dry-run", "--insecure"]].concat());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    for (line, tag) in lines.iter().zip(["latest", "nightly"]) {
        assert!(
            line.starts_with("skopeo copy --all --preserve-digests --digestfile "),
            "{line}"
        );
        assert!(
            line.ends_with(&format!(
                " --dest-tls-verify=false oci:{}/image:latest docker://127.0.0.1:5000/worker:{tag}",
                tmp.path().canonicalize().unwrap().display()
            )),
            "{line}"
        );
    }
    // --repository and --tag replace the rule's.
    let out = stdout_ok(
        tmp.path(),
        &[
            PUSH,
            &["--dry-run", "--repository", "r.example/w", "--tag", "v1"],
        ]
        .concat(),
    );
    assert!(
        out.trim_end()
            .ends_with("/image:latest docker://r.example/w:v1"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[test]
fn push_errors_name_the_input() {
    let tmp = tempfile::tempdir().unwrap();
    layout(tmp.path());
    let err = fails(
        tmp.path(),
        &[PUSH, &["--repository", "http://r/w"]].concat(),
        &[],
    );
    assert!(
        err.contains("repository `http://r/w` is not REGISTRY/REPOSITORY"),
        "{err}"
    );
    let err = fails(tmp.path(), &[PUSH, &["--tag", "v1:x"]].concat(), &[]);
    assert!(err.contains("tag `v1:x` is not a valid image tag"), "{err}");
    let err = fails(
        tmp.path(),
        &["push", "--layout", "image", "--descriptor", "image.json"],
        &[],
    );
    assert!(err.contains("no repository to push to"), "{err}");
    let err = fails(
        tmp.path(),
        &[
            "push",
            "--layout",
            "nowhere",
            "--descriptor",
            "image.json",
            "--repository",
            "r.example/w",
        ],
        &[],
    );
    assert!(err.contains("is not an OCI image layout"), "{err}");
    let err = fails(tmp.path(), PUSH, &[("PATH", "/nonexistent")]);
    assert!(err.contains("`skopeo` is not on PATH"), "{err}");
    assert!(err.contains("apt-get install skopeo"), "{err}");
    let err = fails(tmp.path(), PUSH, &[("OFIUCO_SKOPEO", "/no/skopeo")]);
    assert!(err.contains("`/no/skopeo` does not exist"), "{err}");
}

#[test]
fn lambda_dry_run_prints_the_aws_commands() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("f.zip"), b"zip bytes").unwrap();
    let base = [
        "lambda-deploy",
        "--zip",
        "f.zip",
        "--default-name",
        "fn",
        "--dry-run",
    ];
    let dir = tmp.path().canonicalize().unwrap();
    let dir = dir.display();
    let out = stdout_ok(tmp.path(), &[&base[..], &["--publish"]].concat());
    assert_eq!(
        out,
        format!("aws lambda update-function-code --function-name fn --zip-file fileb://{dir}/f.zip --publish --output json\n")
    );
    // The S3 route: a content-addressed key, then the update from the bucket.
    let out = stdout_ok(
        tmp.path(),
        &[
            &base[..],
            &["--s3-bucket", "b", "--via-s3", "--name", "other"],
        ]
        .concat(),
    );
    let sha = "5b7a2754b389130e138d57ba83f1eae7f05a41c66becacfa2dd2060143ae66db";
    let want = format!(
        "aws s3 cp --only-show-errors {dir}/f.zip s3://b/other/{sha}.zip\naws lambda update-function-code --function-name other --s3-bucket b --s3-key other/{sha}.zip --output json\n"
    );
    assert_eq!(out, want);
}

#[test]
fn lambda_errors_name_the_input() {
    let tmp = tempfile::tempdir().unwrap();
    let err = fails(
        tmp.path(),
        &["lambda-deploy", "--zip", "gone.zip", "--default-name", "fn"],
        &[],
    );
    assert!(
        err.contains("failed to read `") && err.contains("/gone.zip`\nhint: build it"),
        "{err}"
    );
    fs::write(tmp.path().join("f.zip"), b"zip bytes").unwrap();
    let err = fails(tmp.path(), &["lambda-deploy", "--zip", "f.zip"], &[]);
    assert!(err.contains("no function or layer name"), "{err}");
    let err = fails(
        tmp.path(),
        &["lambda-deploy", "--zip", "f.zip", "--name", "fn"],
        &[("PATH", "/nonexistent")],
    );
    assert!(err.contains("`aws` is not on PATH"), "{err}");
}

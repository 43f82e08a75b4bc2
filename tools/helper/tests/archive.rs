//! `ofiuco fragment`, `ofiuco zip` and `ofiuco venv` run as processes on
//! trees built in temporary directories (the layout `ofiuco install` writes).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

fn ofiuco(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ofiuco"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// Runs `ofiuco` and expects success.
fn ok(dir: &Path, args: &[&str]) -> Output {
    let output = ofiuco(dir, args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    output
}

/// Runs `ofiuco` and expects failure; returns stderr with `dir` filtered.
fn fails(dir: &Path, args: &[&str]) -> String {
    let output = ofiuco(dir, args);
    assert_eq!(output.status.code(), Some(1), "{args:?} should fail");
    stderr(&output).replace(&dir.display().to_string(), "[TMP]")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn write(path: &Path, content: impl AsRef<[u8]>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o775)).unwrap();
}

/// An installed tree like `ofiuco install` writes, for package `name`.
fn installed_tree(dir: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let tree = dir.join(format!("{name}.tree"));
    write(
        &tree.join(format!("site-packages/{name}-1.0.dist-info/RECORD")),
        format!("{name}/__init__.py,,\n"),
    );
    write(
        &tree.join(format!("bin/{name}-cli")),
        "#!/usr/bin/env python3\n",
    );
    for (path, content) in files {
        write(&tree.join("site-packages").join(path), content);
    }
    tree
}

fn fragment(dir: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let tree = installed_tree(dir, name, files);
    let out = dir.join(format!("{name}.frag.zip"));
    ok(
        dir,
        &[
            "fragment",
            "--tree",
            tree.to_str().unwrap(),
            "--package",
            name,
            "--output",
            out.to_str().unwrap(),
        ],
    );
    out
}

fn entries(zip: &Path) -> Vec<(String, u32, String)> {
    let mut archive = zip::ZipArchive::new(fs::File::open(zip).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            assert_eq!(file.last_modified(), Some(zip::DateTime::default()));
            assert!(file.extra_data().is_none_or(<[u8]>::is_empty));
            let mut content = String::new();
            file.read_to_string(&mut content).unwrap();
            (
                file.name().to_string(),
                file.unix_mode().unwrap() & 0o777,
                content,
            )
        })
        .collect()
}

fn sha256(path: &Path) -> String {
    format!("{:x}", Sha256::digest(fs::read(path).unwrap()))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../archive/testdata")
        .join(name)
}

fn aarch64_so() -> Vec<u8> {
    let gz = fs::read(fixture("_speedups.cpython-311-aarch64-linux-gnu.so.gz")).unwrap();
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn fragment_zip_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let tree = installed_tree(
        dir,
        "hello",
        &[
            ("hello/__init__.py", "def main():\n    print('hello')\n"),
            ("hello/run.sh", "#!/bin/sh\n"),
        ],
    );
    #[cfg(unix)]
    make_executable(&tree.join("site-packages/hello/run.sh"));
    ok(
        dir,
        &[
            "fragment",
            "--tree",
            "hello.tree",
            "--package",
            "hello",
            "--output",
            "hello.zip",
            "--manifest-out",
            "hello.json",
        ],
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("hello.json")).unwrap()).unwrap();
    assert_eq!(manifest["package"], "hello");
    assert_eq!(manifest["files"], 3);
    let paths: Vec<_> = manifest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "hello-1.0.dist-info/RECORD",
            "hello/__init__.py",
            "hello/run.sh"
        ]
    );

    write(
        &dir.join("src/handler.py"),
        "def handler(event, context):\n    return 1\n",
    );
    ok(
        dir,
        &[
            "zip",
            "--output",
            "out.zip",
            "--fragment",
            "hello.zip",
            "--file",
            "handler.py=src/handler.py",
            "--report",
            "report.json",
            "--report-text",
            "report.txt",
        ],
    );
    let got = entries(&dir.join("out.zip"));
    let names: Vec<_> = got.iter().map(|(n, m, _)| format!("{n} {m:o}")).collect();
    assert_eq!(
        names,
        [
            "handler.py 644",
            "hello-1.0.dist-info/RECORD 644",
            "hello/__init__.py 644",
            "hello/run.sh 755"
        ]
    );
    assert_eq!(got[0].2, "def handler(event, context):\n    return 1\n");
    assert_eq!(got[2].2, "def main():\n    print('hello')\n");

    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["format"], "ofiuco-zip-report/1");
    assert_eq!(report["layout"], "function");
    assert_eq!(report["totals"]["files"], 4);
    assert_eq!(
        report["archive_bytes"].as_u64().unwrap(),
        fs::metadata(dir.join("out.zip")).unwrap().len()
    );
    let names: Vec<_> = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["hello", "(application)"]);
    let text = fs::read_to_string(dir.join("report.txt")).unwrap();
    let text = text.replace(&format!("{} bytes", report["archive_bytes"]), "[N] bytes");
    insta::assert_snapshot!(text, @r"
      package          files       unzipped         zipped       excluded
      hello                3             61             61              0
      (application)        1             42             42              0
      (total)              4            103            103              0
    archive: [N] bytes (function layout), 4 files, 0 excluded
    ");
}

#[test]
fn byte_reproducible_across_directories() {
    let mut digests = Vec::new();
    for _ in 0..2 {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let a = fragment(dir, "a", &[("a/__init__.py", &"import b\n".repeat(50))]);
        let b = fragment(dir, "b", &[("b/__init__.py", "x = 1\n")]);
        write(&dir.join("handler.py"), "import a\n");
        ok(
            dir,
            &[
                "zip",
                "--output",
                "out.zip",
                "--layout",
                "layer",
                "--fragment",
                b.to_str().unwrap(),
                "--fragment",
                a.to_str().unwrap(),
                "--file",
                "handler.py=handler.py",
            ],
        );
        digests.push((sha256(&a), sha256(&b), sha256(&dir.join("out.zip"))));
    }
    assert_eq!(digests[0], digests[1]);
}

#[test]
fn excludes_in_layer_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fragment(
        dir,
        "numpy",
        &[
            ("numpy/__init__.py", "x"),
            ("numpy/tests/test_x.py", "t"),
            ("numpy/core/tests/test_y.py", "t"),
            ("numpy/__pycache__/__init__.cpython-311.pyc", "pyc"),
        ],
    );
    ok(
        dir,
        &[
            "zip",
            "--output",
            "layer.zip",
            "--layout",
            "layer",
            "--fragment",
            "numpy.frag.zip",
            "--exclude",
            "**/__pycache__/**",
            "--exclude",
            "**.dist-info/**",
            "--exclude",
            "numpy/tests/**",
            "--exclude",
            "python/numpy/core/tests/**",
            "--report",
            "report.json",
        ],
    );
    let names: Vec<_> = entries(&dir.join("layer.zip"))
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    assert_eq!(names, ["python/numpy/__init__.py"]);
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["layout"], "layer");
    assert_eq!(report["packages"][0]["excluded_files"], 4);
    // test_x.py, test_y.py, the .pyc and RECORD (`numpy/__init__.py,,\n`).
    assert_eq!(report["packages"][0]["excluded_bytes"], 1 + 1 + 3 + 20);
}

#[test]
fn conflicting_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fragment(
        dir,
        "a",
        &[("shared/__init__.py", "a"), ("ns/__init__.py", "")],
    );
    fragment(
        dir,
        "b",
        &[("shared/__init__.py", "b"), ("ns/__init__.py", "")],
    );
    write(&dir.join("src/ns/__init__.py"), "app");
    let err = fails(
        dir,
        &[
            "zip",
            "--output",
            "out.zip",
            "--fragment",
            "a.frag.zip",
            "--fragment",
            "b.frag.zip",
        ],
    );
    insta::assert_snapshot!(err, @r"
    error: conflicting files at `shared/__init__.py` in the archive: package `a` and package `b` provide different content
    hint: exclude one of them with an `exclude` glob, or drop one of the packages
    ");
    let err = fails(
        dir,
        &[
            "zip",
            "--output",
            "out.zip",
            "--fragment",
            "a.frag.zip",
            "--file",
            "ns/__init__.py=src/ns/__init__.py",
        ],
    );
    insta::assert_snapshot!(err, @r"
    error: conflicting files at `ns/__init__.py` in the archive: package `a` and `src/ns/__init__.py` provide different content
    hint: exclude one of them with an `exclude` glob, or drop one of the packages
    ");
    assert!(!dir.join("out.zip").exists());

    // Identical content at the same path is kept once.
    ok(
        dir,
        &[
            "zip",
            "--output",
            "out.zip",
            "--fragment",
            "a.frag.zip",
            "--fragment",
            "a.frag.zip",
        ],
    );
}

#[test]
fn lambda_limits() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let big = "0123456789abcdef".repeat(4096);
    fragment(dir, "big", &[("big/data.txt", &big)]);
    fragment(dir, "small", &[("small.py", "s = 1\n")]);
    let args = [
        "zip",
        "--output",
        "out.zip",
        "--fragment",
        "small.frag.zip",
        "--fragment",
        "big.frag.zip",
        "--max-unzipped",
        "60000",
        "--max-zipped",
        "500",
    ];
    let err = fails(dir, &args);
    insta::assert_snapshot!(err, @r"
    error: the archive exceeds AWS Lambda's limits: 930 bytes zipped (limit 500 bytes), 65,580 bytes unzipped (limit 60,000 bytes)
    largest packages by unzipped size:
      package    files       unzipped         zipped       excluded
      big            2         65,554            438              0
      small          2             26             26              0
    hint: exclude files with `exclude` globs (e.g. `**/tests/**`), move large packages to a layer or a container image, or raise `max_zipped`/`max_unzipped`
    ");
    assert!(!dir.join("out.zip").exists());

    let output = ok(dir, &[&args[..], &["--limits", "warn"]].concat());
    assert!(stderr(&output).starts_with(
        "warning: the archive exceeds AWS Lambda's limits: 930 bytes zipped (limit 500 bytes)"
    ));
    assert!(dir.join("out.zip").exists());
}

#[test]
fn a_backslash_in_a_file_name_is_refused() {
    // `ofiuco install` writes a wheel's `pkg\\mod.py` as one file name (like
    // pip on Linux); in a zip the backslash reads as a separator, and
    // `ofiuco zip` refuses it: `fragment` refuses it first (found by fuzzing).
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    installed_tree(dir, "six", &[("six\\moves.py", ""), ("six.py", "")]);
    let err = fails(
        dir,
        &[
            "fragment",
            "--tree",
            "six.tree",
            "--package",
            "six",
            "--output",
            "f.zip",
        ],
    );
    insta::assert_snapshot!(err, @r"
    error: invalid archive path `six\\moves.py` for package `six`: the file name contains a backslash, which zip readers take for a directory separator
    hint: nothing was written; the wheel holds a Windows path as a file name: use another release of the package, or report it to its authors
    ");
    assert!(!dir.join("f.zip").exists());
}

#[test]
fn elf_wrong_machine() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let tree = installed_tree(dir, "markupsafe", &[("markupsafe/__init__.py", "")]);
    // No extension: ELF files are found by their magic.
    write(
        &tree.join("site-packages/markupsafe/_speedups"),
        aarch64_so(),
    );
    let args = [
        "fragment",
        "--tree",
        "markupsafe.tree",
        "--package",
        "markupsafe",
        "--output",
        "f.zip",
        "--check-glibc",
        "2.26",
    ];
    let err = fails(dir, &[&args[..], &["--check-cpu", "x86_64"]].concat());
    insta::assert_snapshot!(err, @r"
    error: `markupsafe/_speedups` in package `markupsafe` is an ELF file for aarch64, but the target CPU is x86_64
    hint: the package was installed from a wheel for another CPU; pick a wheel built for x86_64 (check the target platform's `@platforms//cpu` constraint)
    ");
    assert!(!dir.join("f.zip").exists());

    ok(
        dir,
        &[
            &args[..],
            &["--check-cpu", "arm64", "--manifest-out", "f.json"],
        ]
        .concat(),
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("f.json")).unwrap()).unwrap();
    assert_eq!(manifest["elf"]["files"], 1);
    assert_eq!(manifest["elf"]["max_glibc"], "2.17");
}

#[test]
fn elf_glibc_too_new() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let tree = installed_tree(dir, "fast", &[("fast/__init__.py", "")]);
    fs::create_dir_all(tree.join("site-packages/fast.libs")).unwrap();
    fs::copy(
        fixture("libneeds_glibc_2_34.x86_64.so"),
        tree.join("site-packages/fast.libs/libfast.so"),
    )
    .unwrap();
    let args = [
        "fragment",
        "--tree",
        "fast.tree",
        "--package",
        "fast",
        "--output",
        "f.zip",
        "--check-cpu",
        "x86_64",
        "--check-glibc",
    ];
    let err = fails(dir, &[&args[..], &["2.26"]].concat());
    insta::assert_snapshot!(err, @r"
    error: `fast.libs/libfast.so` in package `fast` needs GLIBC_2.34 (symbol `pthread_create` from libc.so.6), but the target's glibc is 2.26
    hint: pick a wheel built for manylinux_2_26 or older (another version of `fast`), or target a runtime with glibc 2.34 or newer (AWS Lambda: python3.10/3.11 have glibc 2.26, python3.12 and newer have 2.34)
    ");
    assert!(!dir.join("f.zip").exists());
    ok(dir, &[&args[..], &["2.34"]].concat());
}

#[test]
fn not_a_fragment() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut zip = zip::ZipWriter::new(fs::File::create(dir.join("plain.zip")).unwrap());
    zip.start_file("a.py", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.finish().unwrap();
    let err = fails(
        dir,
        &["zip", "--output", "out.zip", "--fragment", "plain.zip"],
    );
    insta::assert_snapshot!(err, @r"
    error: `plain.zip` is not an ofiuco fragment
    hint: pack installed packages with `ofiuco fragment` and pass its output to --fragment
    ");
}

#[test]
fn venv_merges_trees() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    installed_tree(
        dir,
        "torch",
        &[("torch/__init__.py", "t"), ("nvidia/__init__.py", "")],
    );
    installed_tree(
        dir,
        "nvidia-cublas",
        &[("nvidia/__init__.py", ""), ("nvidia/cublas/x.so", "so")],
    );
    ok(
        dir,
        &[
            "venv",
            "--tree",
            "torch=torch.tree",
            "--tree",
            "nvidia-cublas=nvidia-cublas.tree",
            "--output",
            "venv",
        ],
    );
    for path in [
        "site-packages/torch/__init__.py",
        "site-packages/nvidia/__init__.py",
        "site-packages/nvidia/cublas/x.so",
        "bin/torch-cli",
        "bin/nvidia-cublas-cli",
    ] {
        assert!(dir.join("venv").join(path).is_file(), "{path}");
    }

    installed_tree(dir, "other", &[("torch/__init__.py", "not torch")]);
    let err = fails(
        dir,
        &[
            "venv",
            "--tree",
            "torch=torch.tree",
            "--tree",
            "other=other.tree",
            "--output",
            "v2",
        ],
    );
    insta::assert_snapshot!(err, @r"
    error: conflicting files at `site-packages/torch/__init__.py` in the venv: package `torch` and package `other` provide different content
    hint: nothing was written; drop one of the packages from the venv
    ");
    assert!(!dir.join("v2").exists());
}

/// Issue 7: threads that cannot be started (a process limit, no memory for a
/// stack) used to panic `fragment` and `venv`. A stack size no system can map
/// makes every spawn fail; the work then runs on the calling thread.
#[test]
fn archives_when_no_thread_can_be_started() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let files: Vec<(String, String)> = (0..50)
        .map(|i| (format!("many/m{i}.py"), format!("X = {i}\n")))
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    installed_tree(dir, "many", &files);
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_ofiuco"))
            .current_dir(dir)
            .env("RUST_MIN_STACK", "281474976710656") // 256 TiB
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    };
    run(&[
        "fragment",
        "--tree",
        "many.tree",
        "--package",
        "many",
        "--output",
        "many.zip",
        "--threads",
        "4",
    ]);
    run(&[
        "zip",
        "--output",
        "out.zip",
        "--fragment",
        "many.zip",
        "--threads",
        "4",
    ]);
    run(&[
        "venv",
        "--tree",
        "many=many.tree",
        "--output",
        "venv",
        "--threads",
        "4",
    ]);
    assert_eq!(entries(&dir.join("out.zip")).len(), 51);
    assert!(dir.join("venv/site-packages/many/m49.py").is_file());
}

/// Issue 7: names from trees are printed escaped (`ESC[2J` used to clear the terminal).
#[test]
fn messages_do_not_pass_control_characters_through() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    installed_tree(dir, "a", &[("x\u{1b}[2J.py", "1")]);
    installed_tree(dir, "b", &[("x\u{1b}[2J.py", "2")]);
    let output = ofiuco(
        dir,
        &[
            "venv", "--tree", "a=a.tree", "--tree", "b=b.tree", "--output", "venv",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(!output.stderr.contains(&0x1b), "{}", stderr(&output));
    insta::assert_snapshot!(stderr(&output), @r"
    error: conflicting files at `site-packages/x\u{1b}[2J.py` in the venv: package `a` and package `b` provide different content
    hint: nothing was written; drop one of the packages from the venv
    ");
}

/// Issue 7: an entry of 4 GiB or more used to get zip64 sizes of 0 in the
/// fragment and in the zip. 5 GiB of zeros (a sparse file) packs to a few
/// MiB; the round trip takes about a minute in a release build, so it runs
/// only with `OFIUCO_TEST_ZIP64=1` (`OFIUCO_TEST_ZIP64=1 cargo test --release
/// -p ofiuco --test archive zip64`). The zip64 headers are unit-tested in
/// ofiuco-archive's `zipout.rs` on every run.
#[test]
fn zip64_round_trip_of_a_5_gib_entry() {
    if std::env::var_os("OFIUCO_TEST_ZIP64").is_none() {
        eprintln!("skipped: set OFIUCO_TEST_ZIP64=1 to run");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let size: u64 = 5 << 30;
    let tree = installed_tree(dir, "zeros", &[("zeros/__init__.py", "")]);
    let big = fs::File::create(tree.join("site-packages/zeros/zeros.bin")).unwrap();
    big.set_len(size).unwrap();
    ok(
        dir,
        &[
            "fragment",
            "--tree",
            "zeros.tree",
            "--package",
            "zeros",
            "--output",
            "zeros.zip",
            "--manifest-out",
            "zeros.json",
        ],
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("zeros.json")).unwrap()).unwrap();
    let entry = &manifest["entries"][2];
    assert_eq!(entry["path"], "zeros/zeros.bin");
    assert_eq!(entry["size"], size);
    ok(
        dir,
        &[
            "zip",
            "--output",
            "out.zip",
            "--fragment",
            "zeros.zip",
            "--layout",
            "layer",
            "--limits",
            "off",
        ],
    );
    for zip in ["zeros.zip", "out.zip"] {
        let mut archive = zip::ZipArchive::new(fs::File::open(dir.join(zip)).unwrap()).unwrap();
        let name = if zip == "out.zip" {
            "python/zeros/zeros.bin"
        } else {
            "zeros/zeros.bin"
        };
        let mut file = archive.by_name(name).unwrap();
        assert_eq!(file.size(), size, "{zip}");
        assert!(file.compressed_size() < 64 << 20, "{zip}");
        // Reading to the end checks the CRC.
        let mut buf = vec![0u8; 1 << 20];
        let mut total = 0u64;
        loop {
            let n = file.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            assert!(buf[..n].iter().all(|&b| b == 0));
            total += n as u64;
        }
        assert_eq!(total, size, "{zip}");
    }
}

/// `--layer-report`: the layers' unzipped size counts towards the function's
/// limit, and the reports list them.
#[test]
fn zip_layers_share_the_unzipped_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(&dir.join("src/handler.py"), "x = 1\n".repeat(100)); // 600 bytes
                                                               // A layer's report, as `ofiuco zip --report` wrote it for the layer zip.
    ok(
        dir,
        &[
            "zip",
            "--output",
            "layer.zip",
            "--layout",
            "layer",
            "--file",
            "big.py=src/handler.py",
            "--report",
            "layer.json",
        ],
    );
    let base = [
        "zip",
        "--output",
        "fn.zip",
        "--file",
        "handler.py=src/handler.py",
        "--layer-report",
        "//:deps=layer.json",
        "--report",
        "fn.json",
        "--report-text",
        "fn.txt",
    ];
    // 600 + 600 bytes fit in 1200.
    ok(dir, &[&base[..], &["--max-unzipped", "1200"]].concat());
    let text = fs::read_to_string(dir.join("fn.txt")).unwrap();
    assert!(
        text.contains(
            "layers (their packages are left out of this zip):\n  //:deps  600 bytes unzipped, "
        ),
        "{text}"
    );
    assert!(
        text.ends_with("function + layers: 1200 bytes unzipped (limit 1200)\n"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("fn.json")).unwrap()).unwrap();
    assert_eq!(json["layers"][0]["name"], "//:deps");
    assert_eq!(json["layers"][0]["unzipped_bytes"], 600);
    // In 1199 they do not: the function alone (600) would.
    fs::remove_file(dir.join("fn.zip")).unwrap();
    let err = fails(dir, &[&base[..], &["--max-unzipped", "1199"]].concat());
    assert!(
        err.starts_with("error: the function's layers (//:deps: 600) hold 600 bytes unzipped, which leaves 599 of AWS Lambda's 1199 bytes for the function\n  caused by: "),
        "{err}"
    );
    assert!(!dir.join("fn.zip").exists());
    let err = fails(
        dir,
        &[&base[..5], &["--layer-report", "//:gone=gone.json"]].concat(),
    );
    assert!(
        err.contains("failed to read the report of layer `//:gone`"),
        "{err}"
    );
}

/// Every entry as (name, mode, content), for binary content.
fn byte_entries(zip: &Path) -> Vec<(String, u32, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(fs::File::open(zip).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (
                file.name().to_string(),
                file.unix_mode().unwrap() & 0o777,
                content,
            )
        })
        .collect()
}

fn real_wheel(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

#[test]
fn fragment_from_a_wheel_holds_what_the_installed_tree_holds() {
    // Real wheels from PyPI: pure ones (bottle has a script, notebook_shim a
    // `.data/etc` file) and crcmod's compiled one.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir(dir.join("again")).unwrap();
    for wheel in [
        "fuzz/seeds/wheels/bottle-0.13.2-py2.py3-none-any.whl",
        "fuzz/seeds/wheels/notebook_shim-0.2.4-py3-none-any.whl",
        "fuzz/seeds/wheels/six-1.17.0-py2.py3-none-any.whl",
        "build/testdata/wheels/crcmod-1.7-cp311-cp311-linux_x86_64.whl",
    ] {
        let whl = real_wheel(wheel);
        let whl = whl.to_str().unwrap();
        let name = wheel.rsplit('/').next().unwrap().split('-').next().unwrap();
        let tree = format!("{name}.tree");
        ok(dir, &["install", "--wheel", whl, "--output", &tree]);
        let from_tree = format!("{name}.tree.zip");
        let from_wheel = format!("{name}.wheel.zip");
        let common = ["--package", name, "--check-cpu", "x86_64"];
        ok(
            dir,
            &[
                &["fragment", "--tree", &tree, "--output", &from_tree],
                &common[..],
            ]
            .concat(),
        );
        ok(
            dir,
            &[
                &["fragment", "--wheel", whl, "--output", &from_wheel],
                &common[..],
            ]
            .concat(),
        );
        let got = byte_entries(&dir.join(&from_wheel));
        assert!(got.len() > 3, "{wheel}: {got:?}");
        assert_eq!(got, byte_entries(&dir.join(&from_tree)), "{wheel}");
        let again = format!("again/{from_wheel}");
        ok(
            dir,
            &[
                &["fragment", "--wheel", whl, "--output", &again],
                &common[..],
            ]
            .concat(),
        );
        assert_eq!(
            sha256(&dir.join(&from_wheel)),
            sha256(&dir.join(&again)),
            "{wheel}"
        );
        // And `zip` takes it.
        let out = format!("{name}.out.zip");
        ok(dir, &["zip", "--output", &out, "--fragment", &from_wheel]);
    }
}

#[test]
fn fragment_from_a_wheel_checks_elf_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let whl = real_wheel("build/testdata/wheels/crcmod-1.7-cp311-cp311-linux_x86_64.whl");
    let args = [
        "fragment",
        "--wheel",
        whl.to_str().unwrap(),
        "--package",
        "crcmod",
    ];
    let err = fails(
        dir,
        &[&args[..], &["--output", "f.zip", "--check-cpu", "aarch64"]].concat(),
    );
    assert!(
        err.starts_with("error: `crcmod/_crcfunext.cpython-311-x86_64-linux-gnu.so` in package `crcmod` is an ELF file for x86_64, but the target CPU is aarch64"),
        "{err}"
    );
    assert!(!dir.join("f.zip").exists());
    ok(
        dir,
        &[
            &args[..],
            &[
                "--output",
                "g.zip",
                "--check-cpu",
                "x86_64",
                "--manifest-out",
                "g.json",
            ],
        ]
        .concat(),
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("g.json")).unwrap()).unwrap();
    assert_eq!(manifest["elf"]["files"], 1);
}

#[test]
fn fragment_takes_a_tree_or_a_wheel() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = ofiuco(dir, &["fragment", "--package", "x", "--output", "f.zip"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("--tree <DIR>") && err.contains("--wheel"),
        "{err}"
    );
    let out = ofiuco(
        dir,
        &[
            "fragment",
            "--package",
            "x",
            "--output",
            "f.zip",
            "--tree",
            "t",
            "--wheel",
            "w.whl",
        ],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );
}

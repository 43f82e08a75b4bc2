//! `ofiuco install` run as a process on wheels crafted in temporary directories.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const WHEEL: &str = "hello_world-0.1.0-py3-none-any.whl";

/// Writes a wheel with `files` and a RECORD listing them; `tamper` may change a
/// file's content after its RECORD line was computed.
fn craft_wheel(dir: &Path, tamper: Option<&str>) -> PathBuf {
    let files: [(&str, &str); 5] = [
        (
            "hello_world/__init__.py",
            "def main():\n    print('hello')\n",
        ),
        (
            "hello_world-0.1.0.data/scripts/hello-sh",
            "#!/bin/sh\necho hello\n",
        ),
        (
            "hello_world-0.1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: hello-world\nVersion: 0.1.0\n",
        ),
        (
            "hello_world-0.1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
        (
            "hello_world-0.1.0.dist-info/entry_points.txt",
            "[console_scripts]\nhello = hello_world:main\n",
        ),
    ];
    let path = dir.join(WHEEL);
    let mut zip = ZipWriter::new(File::create(&path).unwrap());
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o644);
    let mut record = String::new();
    for (name, content) in files {
        let digest = URL_SAFE_NO_PAD.encode(Sha256::digest(content.as_bytes()));
        record += &format!("{name},sha256={digest},{}\n", content.len());
        let content = match tamper {
            Some(target) if target == name => content.replace('l', "L"),
            _ => content.to_string(),
        };
        zip.start_file(name, options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    record += "hello_world-0.1.0.dist-info/RECORD,,\n";
    zip.start_file("hello_world-0.1.0.dist-info/RECORD", options)
        .unwrap();
    zip.write_all(record.as_bytes()).unwrap();
    zip.finish().unwrap();
    path
}

fn ofiuco(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ofiuco"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn files_below(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    out.sort();
    out
}

#[test]
fn installs_a_wheel() {
    let tmp = tempfile::tempdir().unwrap();
    craft_wheel(tmp.path(), None);
    // Bazel pre-creates tree artifacts: an empty output directory is fine.
    fs::create_dir(tmp.path().join("out")).unwrap();
    let output = ofiuco(
        tmp.path(),
        &["install", "--wheel", WHEEL, "--output", "out"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    insta::assert_snapshot!(files_below(&tmp.path().join("out")).join("\n"), @r#"
        bin/hello
        bin/hello-sh
        site-packages/hello_world-0.1.0.dist-info/INSTALLER
        site-packages/hello_world-0.1.0.dist-info/METADATA
        site-packages/hello_world-0.1.0.dist-info/RECORD
        site-packages/hello_world-0.1.0.dist-info/WHEEL
        site-packages/hello_world-0.1.0.dist-info/entry_points.txt
        site-packages/hello_world/__init__.py
    "#);
    let launcher = fs::read_to_string(tmp.path().join("out/bin/hello")).unwrap();
    assert!(
        launcher.starts_with("#!/usr/bin/env python3\n"),
        "{launcher}"
    );
    assert!(
        launcher.contains("from hello_world import main\n"),
        "{launcher}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &str| {
            fs::metadata(tmp.path().join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("out/bin/hello"), 0o755);
        assert_eq!(mode("out/bin/hello-sh"), 0o755);
        assert_eq!(mode("out/site-packages/hello_world/__init__.py"), 0o644);
    }
}

#[test]
fn refuses_a_tampered_wheel() {
    let tmp = tempfile::tempdir().unwrap();
    craft_wheel(tmp.path(), Some("hello_world/__init__.py"));
    let output = ofiuco(
        tmp.path(),
        &["install", "--wheel", WHEEL, "--output", "out"],
    );
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&output), @r#"
        error: failed to install `hello_world-0.1.0-py3-none-any.whl` into `out`
          caused by: wheel `hello_world-0.1.0-py3-none-any.whl` is corrupt: `hello_world/__init__.py` has hash `sha256=8DrcJ7Btmtx4e_UeCNLNwYgNwYP1oxwt0iuOI_byXL0`, but RECORD says `sha256=mOzwLNawIWvgpYOwfUfNbRtdBNj8G47BklT6DBHwEUU`
        hint: nothing was installed; the wheel was modified after it was built, download or rebuild it
    "#);
    assert!(!tmp.path().join("out").exists());
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "only the wheel is left"
    );
}

#[test]
fn refuses_a_wheel_over_the_size_limit() {
    let tmp = tempfile::tempdir().unwrap();
    craft_wheel(tmp.path(), None);
    let output = ofiuco(
        tmp.path(),
        &[
            "install",
            "--wheel",
            WHEEL,
            "--output",
            "out",
            "--max-unpacked-bytes",
            "64",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&output), @r#"
        error: failed to install `hello_world-0.1.0-py3-none-any.whl` into `out`
          caused by: wheel `hello_world-0.1.0-py3-none-any.whl` unpacks to 696 bytes, more than the limit of 64 bytes
        hint: if the wheel is trustworthy, raise the limit with `--max-unpacked-bytes`
    "#);
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn refuses_a_missing_wheel_and_a_non_empty_output() {
    let tmp = tempfile::tempdir().unwrap();
    let output = ofiuco(
        tmp.path(),
        &["install", "--wheel", WHEEL, "--output", "out"],
    );
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&output), @r#"
        error: failed to install `hello_world-0.1.0-py3-none-any.whl` into `out`
          caused by: cannot install `hello_world-0.1.0-py3-none-any.whl`: failed to open `hello_world-0.1.0-py3-none-any.whl`
          caused by: No such file or directory (os error 2)
    "#);

    craft_wheel(tmp.path(), None);
    fs::create_dir(tmp.path().join("out")).unwrap();
    fs::write(tmp.path().join("out/old.txt"), "").unwrap();
    let output = ofiuco(
        tmp.path(),
        &["install", "--wheel", WHEEL, "--output", "out"],
    );
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&output), @r#"
        error: failed to install `hello_world-0.1.0-py3-none-any.whl` into `out`
          caused by: cannot install `hello_world-0.1.0-py3-none-any.whl` into `out`: the directory is not empty
        hint: install each wheel into a new or empty directory
    "#);
    assert_eq!(files_below(&tmp.path().join("out")), ["old.txt"]);
}

#[test]
fn refuses_a_file_that_is_not_a_wheel() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("hello-0.1.tar.gz"), "not a wheel").unwrap();
    fs::write(tmp.path().join(WHEEL), "not a zip").unwrap();
    let output = ofiuco(
        tmp.path(),
        &["install", "--wheel", "hello-0.1.tar.gz", "--output", "out"],
    );
    insta::assert_snapshot!(stderr(&output), @r#"
        error: failed to install `hello-0.1.tar.gz` into `out`
          caused by: invalid wheel filename `hello-0.1.tar.gz`: it must end in `.whl`
    "#);
    let output = ofiuco(
        tmp.path(),
        &["install", "--wheel", WHEEL, "--output", "out"],
    );
    insta::assert_snapshot!(stderr(&output), @r#"
        error: failed to install `hello_world-0.1.0-py3-none-any.whl` into `out`
          caused by: cannot open `hello_world-0.1.0-py3-none-any.whl` as a zip archive
        hint: the file is damaged or not a wheel; download it again
          caused by: invalid Zip archive: Could not find EOCD
    "#);
    assert!(!tmp.path().join("out").exists());
}

/// A `hello_world` wheel with `count` small modules besides `__init__.py`.
fn craft_big_wheel(dir: &Path, count: usize) -> PathBuf {
    let mut files: Vec<(String, String)> = vec![
        (
            "hello_world/__init__.py".into(),
            "def main():\n    print('hello')\n".into(),
        ),
        (
            "hello_world-0.1.0.dist-info/METADATA".into(),
            "Metadata-Version: 2.1\nName: hello-world\nVersion: 0.1.0\n".into(),
        ),
        (
            "hello_world-0.1.0.dist-info/WHEEL".into(),
            "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n".into(),
        ),
        (
            "hello_world-0.1.0.dist-info/entry_points.txt".into(),
            "[console_scripts]\nhello = hello_world:main\n".into(),
        ),
    ];
    for i in 0..count {
        files.push((
            format!("hello_world/m{i:05}.py"),
            format!("X = {i}\n").repeat(1 + i % 50),
        ));
    }
    let path = dir.join(WHEEL);
    let mut zip = ZipWriter::new(File::create(&path).unwrap());
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o644);
    let mut record = String::new();
    for (name, content) in &files {
        let digest = URL_SAFE_NO_PAD.encode(Sha256::digest(content.as_bytes()));
        record += &format!("{name},sha256={digest},{}\n", content.len());
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    record += "hello_world-0.1.0.dist-info/RECORD,,\n";
    zip.start_file("hello_world-0.1.0.dist-info/RECORD", options)
        .unwrap();
    zip.write_all(record.as_bytes()).unwrap();
    zip.finish().unwrap();
    path
}

/// Issue 7: a thread that cannot be started (a process limit, no memory for
/// its stack) used to panic. A stack size no system can map makes every
/// spawn fail; the install then runs on the calling thread alone.
#[test]
fn installs_when_no_thread_can_be_started() {
    let tmp = tempfile::tempdir().unwrap();
    craft_big_wheel(tmp.path(), 200);
    let output = Command::new(env!("CARGO_BIN_EXE_ofiuco"))
        .current_dir(tmp.path())
        .env("RUST_MIN_STACK", "281474976710656") // 256 TiB
        .args([
            "install",
            "--wheel",
            WHEEL,
            "--output",
            "out",
            "--threads",
            "4",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    // With RECORD, INSTALLER and the `hello` launcher.
    assert_eq!(files_below(&tmp.path().join("out")).len(), 207);
}

/// Issue 7: an install killed at any moment leaves its (pre-created) output
/// directory empty or complete, never `site-packages/` without `bin/`.
#[cfg(unix)]
#[test]
fn a_killed_install_leaves_nothing_or_everything() {
    use std::time::{Duration, Instant};
    let tmp = tempfile::tempdir().unwrap();
    craft_big_wheel(tmp.path(), 1000);
    let run = |out: &str| {
        Command::new(env!("CARGO_BIN_EXE_ofiuco"))
            .current_dir(tmp.path())
            .args(["install", "--wheel", WHEEL, "--output", out])
            .spawn()
            .unwrap()
    };
    assert!(run("complete").wait().unwrap().success());
    let complete = files_below(&tmp.path().join("complete"));
    assert_eq!(complete.len(), 1007);
    // Kill later and later (from 1 ms, 1.5 times later each time) until an
    // install completes: every kill before that must have left nothing.
    let mut delay = Duration::from_millis(1);
    let mut killed_early = 0;
    for step in 0.. {
        assert!(step < 60, "no install completed");
        let out = tmp.path().join(format!("out{step}"));
        fs::create_dir(&out).unwrap();
        let mut child = run(out.file_name().unwrap().to_str().unwrap());
        let start = Instant::now();
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        let found = if out.exists() {
            files_below(&out)
        } else {
            Vec::new()
        };
        assert!(
            found.is_empty() || found == complete,
            "killed after {:?}: {} of {} files",
            start.elapsed(),
            found.len(),
            complete.len()
        );
        if !found.is_empty() {
            break;
        }
        killed_early += 1;
        delay = delay.mul_f64(1.5);
    }
    assert!(killed_early > 0, "the first kill came after the install");
}

/// Issue 7: entry names are printed escaped (`ESC[2J` used to clear the terminal).
#[test]
fn messages_do_not_pass_control_characters_through() {
    let tmp = tempfile::tempdir().unwrap();
    let path = craft_wheel(tmp.path(), None);
    // Append an entry that RECORD does not list, named with escape sequences.
    let mut zip = ZipWriter::new_append(
        fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap(),
    )
    .unwrap();
    zip.start_file(
        "hello_world/\u{1b}[2J\u{1b}[3J.py",
        SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(b"x").unwrap();
    zip.finish().unwrap();
    let output = ofiuco(
        tmp.path(),
        &["install", "--wheel", WHEEL, "--output", "out"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(!output.stderr.contains(&0x1b), "{}", stderr(&output));
    insta::assert_snapshot!(stderr(&output), @r#"
        error: failed to install `hello_world-0.1.0-py3-none-any.whl` into `out`
          caused by: wheel `hello_world-0.1.0-py3-none-any.whl` is invalid: `hello_world/\u{1b}[2J\u{1b}[3J.py` is not listed in RECORD
        hint: nothing was installed; the wheel was modified after it was built, download or rebuild it
    "#);
}

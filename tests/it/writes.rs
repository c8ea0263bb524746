//! Issue 11 (files and processes) and issue 15 (undo history, backups, sidecar
//! names, read-only files): writes that leak nothing and lose nothing, through
//! the binary a user runs, with a second user (`setpriv` as `nobody`, when
//! root), a concurrent writer at an exact step, and a full disk (a 64 KiB
//! tmpfs, when root) or an injected writer error.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use brine::store::write::{self, Fingerprint, Options, Step, WriteError};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sessions")
        .join(name)
}

const BASIC: &str = "basic--dill041-py311--p4.pkl";

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Root where it matters: CI runs as root, so there the second-user tests must run.
fn root_or_skip(what: &str) -> bool {
    if is_root() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but not root: {what} needs root"
    );
    eprintln!("note: not root; skipping {what}");
    false
}

/// A workspace other users may traverse (the test's temp dir itself is 0700).
struct Space {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    data: PathBuf,
}

fn space() -> Space {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755)).expect("chmod");
    let dir = tmp.path().join("work");
    fs::create_dir(&dir).expect("mkdir");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
    let data = tmp.path().join("data");
    Space {
        _tmp: tmp,
        dir,
        data,
    }
}

impl Space {
    fn copy(&self, name: &str, mode: u32) -> PathBuf {
        let to = self.dir.join("checkpoint_basic.pkl");
        fs::copy(fixture(name), &to).expect("copy");
        fs::set_permissions(&to, fs::Permissions::from_mode(mode)).expect("chmod");
        to
    }

    fn brine(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_brine"))
            .args(args)
            .env("BRINE_DATA_DIR", &self.data)
            .stdin(Stdio::null())
            .output()
            .expect("run brine")
    }
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).expect("stat").permissions().mode() & 0o777
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `nobody` tries to read `path`; true when it could.
fn nobody_reads(path: &Path) -> bool {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "cat"])
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|st| st.success())
}

fn names(path: &Path) -> Vec<String> {
    brine::session::Session::open(path)
        .expect("open")
        .entries
        .iter()
        .map(|e| e.name.clone())
        .collect()
}

#[test]
fn issue_11_outputs_of_a_private_input_stay_private_from_another_user() {
    if !root_or_skip("the second-user test") {
        return;
    }
    let sp = space();
    let input = sp.copy(BASIC, 0o600);
    assert!(!nobody_reads(&input), "setup: nobody reads a 0600 file");
    for (args, out) in [
        (vec!["filter", "-e", "re:^text$", "-o"], "f.pkl"),
        (vec!["extract", "text"], "e.pkl"),
    ] {
        let target = sp.dir.join(out);
        let mut full: Vec<String> = vec![args[0].into(), s(&input)];
        full.extend(args[1..].iter().map(|a| a.to_string()));
        if args[0] == "extract" {
            full.push("-o".into());
        }
        full.push(s(&target));
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        let o = sp.brine(&refs);
        assert!(o.status.success(), "{refs:?}: {}", text(&o));
        assert_eq!(mode(&target), 0o600, "{refs:?} output mode");
        assert!(!nobody_reads(&target), "nobody read the output of {refs:?}");
    }
    let o = sp.brine(&["filter", &s(&input), "-e", "re:^text$", "--in-place"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(mode(&input), 0o600);
    let list = write::backups(None);
    drop(list);
    let store = sp.data.join("backups");
    assert_eq!(mode(&store), 0o700, "the backup store is private");
    for e in fs::read_dir(&store).expect("store") {
        let p = e.expect("entry").path();
        assert!(!nobody_reads(&p), "nobody read {}", p.display());
    }
}

#[test]
fn issue_11_the_temp_file_is_private_while_it_is_written() {
    if !root_or_skip("the second-user test") {
        return;
    }
    let sp = space();
    let target = sp.copy(BASIC, 0o644);
    let dir = sp.dir.clone();
    let seen = std::cell::Cell::new(None);
    let produce = |w: &mut dyn std::io::Write| -> std::io::Result<()> {
        w.write_all(b"secret half-written bytes")?;
        w.flush()?;
        // While brine is still writing: what is the temp file's mode, can nobody read it?
        for e in fs::read_dir(&dir)? {
            let p = e?.path();
            if p.to_string_lossy().ends_with(".tmp") {
                seen.set(Some((mode(&p), nobody_reads(&p))));
            }
        }
        Ok(())
    };
    // SAFETY of the test: BRINE_DATA_DIR is read by the backup; point it at the space.
    let opts = Options {
        reason: "test",
        ..Options::default()
    };
    let _ = with_data_dir(&sp.data, || {
        write::write_with(&target, &produce, &|_| Ok(()), &opts)
    });
    let (m, read) = seen.get().expect("a temp file existed while writing");
    assert_eq!(m, 0o600, "temp file mode while written");
    assert!(!read, "nobody read the half-written temp file");
    assert_eq!(
        mode(&target),
        0o644,
        "the final file keeps the target's mode"
    );
}

static DATA_DIR: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` with `BRINE_DATA_DIR` set, one test at a time.
fn with_data_dir<T>(dir: &Path, f: impl FnOnce() -> T) -> T {
    let _g = DATA_DIR.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: tests that touch BRINE_DATA_DIR hold DATA_DIR; nothing else reads it.
    unsafe { std::env::set_var("BRINE_DATA_DIR", dir) };
    let out = f();
    unsafe { std::env::remove_var("BRINE_DATA_DIR") };
    out
}

#[test]
fn issue_11_a_save_that_lands_during_the_backup_is_not_overwritten() {
    let sp = space();
    let input = sp.copy(BASIC, 0o644);
    let notebook = b"the notebook saved this while brine worked".to_vec();
    for at in [Step::Written, Step::BackedUp, Step::Renaming] {
        fs::copy(fixture(BASIC), &input).expect("reset");
        let fp = Fingerprint::of(&input).expect("fingerprint");
        let save = |step: Step| {
            if step == at {
                fs::write(&input, &notebook).expect("concurrent save");
            }
        };
        let opts = Options {
            guard: Some((input.as_path(), fp)),
            reason: "test",
            observe: Some(&save),
            ..Options::default()
        };
        let r = with_data_dir(&sp.data, || {
            write::write_with(
                &input,
                &|w| w.write_all(b"brine's edit"),
                &|_| Ok(()),
                &opts,
            )
        });
        assert!(
            matches!(r, Err(WriteError::Changed(_))),
            "save at {at:?}: {r:?}"
        );
        assert_eq!(
            fs::read(&input).expect("read"),
            notebook,
            "save at {at:?} was lost"
        );
        let recorded = with_data_dir(&sp.data, || write::backups(Some(&input))).expect("index");
        assert!(
            recorded.is_empty(),
            "a backup of a version never replaced was recorded"
        );
    }
}

#[test]
fn issue_11_a_concurrent_brine_edit_is_refused_not_interleaved() {
    // Two brines on one file: the second finds it locked or changed, never overwrites blindly.
    let sp = space();
    let input = sp.copy(BASIC, 0o644);
    let before = names(&input);
    let mut kids: Vec<std::process::Child> = ["small_int", "neg_int", "big_int", "pi_ish"]
        .iter()
        .map(|n| {
            Command::new(env!("CARGO_BIN_EXE_brine"))
                .args([
                    "filter",
                    &s(&input),
                    "--in-place",
                    "-e",
                    &format!("re:^{n}$"),
                ])
                .env("BRINE_DATA_DIR", &sp.data)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let mut ok = 0;
    for k in kids.drain(..) {
        let o = k.wait_with_output().expect("wait");
        if o.status.success() {
            ok += 1;
        } else {
            let e = String::from_utf8_lossy(&o.stderr);
            assert!(
                e.contains("changed while brine was working")
                    || e.contains("being edited by another brine"),
                "{e}"
            );
        }
    }
    // Every success is in the history, and the file is the last success's result.
    let hist = with_data_dir(&sp.data, || write::backups(Some(&input))).expect("index");
    assert_eq!(hist.len(), ok, "one backup per replaced version");
    let after = names(&input);
    assert_eq!(
        before.len() - after.len(),
        ok.min(before.len()),
        "{before:?} -> {after:?}"
    );
}

#[test]
fn issue_11_in_place_on_a_symlink_edits_the_target_and_keeps_the_link() {
    let sp = space();
    let real = sp.copy(BASIC, 0o644);
    let link = sp.dir.join("link.pkl");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let before = names(&real);
    let victim = before
        .iter()
        .find(|n| !n.starts_with("__"))
        .expect("a user name")
        .clone();
    let o = sp.brine(&[
        "filter",
        &s(&link),
        "--in-place",
        "-e",
        &format!("re:^{victim}$"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        fs::symlink_metadata(&link)
            .expect("lstat")
            .file_type()
            .is_symlink(),
        "the link was replaced"
    );
    assert!(!names(&real).contains(&victim), "the target was not edited");
    let o = sp.brine(&["undo", &s(&link)]);
    assert!(o.status.success(), "undo LINK: {}", text(&o));
    assert_eq!(names(&real), before);
}

#[test]
fn issue_11_fifos_are_refused_at_once() {
    let sp = space();
    let fifo = sp.dir.join("pipe.pkl");
    let st = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(st.success());
    for args in [
        vec!["inspect", fifo.to_str().expect("utf8")],
        vec!["scan", fifo.to_str().expect("utf8")],
        vec![
            "filter",
            fifo.to_str().expect("utf8"),
            "-e",
            "x",
            "--dry-run",
        ],
        vec!["restore", fifo.to_str().expect("utf8"), "--print"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_brine"))
            .args(&args)
            .env("BRINE_DATA_DIR", &sp.data)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        // A hang is the bug: give it far longer than a refusal takes, then fail.
        let start = Instant::now();
        let status = loop {
            if let Some(st) = child.try_wait().expect("wait") {
                break Some(st);
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let out = child.wait_with_output().expect("output");
        let st = status.unwrap_or_else(|| panic!("brine {args:?} blocked on a FIFO"));
        assert_eq!(st.code(), Some(1), "{args:?}");
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(e.contains("not a regular file (a FIFO"), "{args:?}: {e}");
    }
}

#[test]
fn issue_15_in_place_on_a_read_only_file_needs_force() {
    let sp = space();
    let input = sp.copy(BASIC, 0o444);
    let before = fs::read(&input).expect("read");
    let o = sp.brine(&["filter", &s(&input), "--in-place", "-e", "re:^small_int$"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("read-only"), "{}", text(&o));
    assert_eq!(fs::read(&input).expect("read"), before);
    let o = sp.brine(&[
        "filter",
        &s(&input),
        "--in-place",
        "--force",
        "-e",
        "re:^small_int$",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(mode(&input), 0o444, "--force keeps the mode");
}

#[test]
fn issue_15_undo_steps_back_through_the_history() {
    let sp = space();
    let input = sp.copy(BASIC, 0o644);
    let v0 = names(&input);
    let users: Vec<String> = v0
        .iter()
        .filter(|n| !n.starts_with("__"))
        .take(2)
        .cloned()
        .collect();
    assert_eq!(users.len(), 2);
    for u in &users {
        let o = sp.brine(&[
            "filter",
            &s(&input),
            "--in-place",
            "-e",
            &format!("re:^{u}$"),
        ]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let v2 = names(&input);
    assert_eq!(v2.len() + 2, v0.len());
    let o = sp.brine(&["undo", &s(&input)]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        names(&input).len(),
        v0.len() - 1,
        "first undo: one step back"
    );
    let o = sp.brine(&["undo", &s(&input)]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        names(&input),
        v0,
        "second undo: back to the start, not a toggle"
    );
    let o = sp.brine(&["backups", &s(&input)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("--to N"), "{}", text(&o));
    // --to 1 is the newest edit backup: the state before the second filter.
    let o = sp.brine(&["undo", &s(&input), "--to", "1"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(names(&input).len(), v0.len() - 1);
    let o = sp.brine(&["undo", &s(&input), "--to", "9"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("no backup 9"), "{}", text(&o));
}

#[test]
fn issue_11_undo_refuses_a_backup_that_does_not_match_its_hash() {
    let sp = space();
    let input = sp.copy(BASIC, 0o644);
    let o = sp.brine(&["filter", &s(&input), "--in-place", "-e", "re:^small_int$"]);
    assert!(o.status.success(), "{}", text(&o));
    let after = fs::read(&input).expect("read");
    let hist = with_data_dir(&sp.data, || write::backups(Some(&input))).expect("index");
    let b = &hist.last().expect("a backup").backup;
    // Same size, other bytes: the old size-only check let this through.
    let mut bytes = fs::read(b).expect("backup");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    fs::write(b, &bytes).expect("tamper");
    let o = sp.brine(&["undo", &s(&input)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("does not match its recorded SHA-256"),
        "{}",
        text(&o)
    );
    assert_eq!(fs::read(&input).expect("read"), after);
}

#[test]
fn issue_11_an_injected_write_error_leaves_the_target_and_no_temp_file() {
    let sp = space();
    let target = sp.copy(BASIC, 0o644);
    let before = fs::read(&target).expect("read");
    let full = |w: &mut dyn std::io::Write| -> std::io::Result<()> {
        w.write_all(b"partial")?;
        Err(std::io::Error::from_raw_os_error(28))
    };
    let r = with_data_dir(&sp.data, || {
        write::write_atomic(&target, &full, &|_| Ok(()), None, "t")
    });
    let e = r.expect_err("a full disk is an error");
    assert!(e.to_string().contains("no space left on device"), "{e}");
    assert_eq!(fs::read(&target).expect("read"), before);
    assert_eq!(
        fs::read_dir(&sp.dir).expect("ls").count(),
        1,
        "a temp file was left"
    );
}

/// A 64 KiB tmpfs mounted for the test (root only), unmounted on drop.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn new(at: &Path) -> SmallDisk {
        fs::create_dir_all(at).expect("mkdir");
        let st = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs"])
            .arg(at)
            .status()
            .expect("mount");
        assert!(st.success(), "mount a tmpfs at {}", at.display());
        SmallDisk(at.to_path_buf())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn issue_11_a_full_disk_for_the_backup_leaves_no_partial_backup() {
    if !root_or_skip("the tmpfs disk-full test") {
        return;
    }
    let sp = space();
    // A 100 KiB input: its backup cannot fit on the 64 KiB data disk.
    let input = sp.dir.join("big.pkl");
    let mut b = vec![0x80, 4, 0x95];
    b.extend(0u64.to_le_bytes());
    b.extend([b'}', b'(']);
    for i in 0..2000u32 {
        let k = format!("name_{i:05}");
        b.push(0x8c);
        b.push(k.len() as u8);
        b.extend(k.as_bytes());
        b.push(b'B');
        b.extend(40u32.to_le_bytes());
        b.extend([b'x'; 40]);
    }
    b.extend([b'u', b'.']);
    fs::write(&input, &b).expect("write");
    let disk = SmallDisk::new(&sp.data);
    let o = sp.brine(&["filter", &s(&input), "--in-place", "-e", "name_00001"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("no space left on device"), "{t}");
    assert!(
        t.contains(&s(&sp.data)),
        "the message names the data dir: {t}"
    );
    assert_eq!(fs::read(&input).expect("read"), b, "the input changed");
    let store = disk.0.join("backups");
    let left: Vec<_> = fs::read_dir(&store)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        left.iter().all(|n| n.to_string_lossy() == "index.jsonl"),
        "partial backup left: {left:?}"
    );
    let o = sp.brine(&["backups", &s(&input)]);
    assert!(text(&o).contains("no backups yet"), "{}", text(&o));
}

#[test]
fn issue_15_a_backup_that_cannot_be_made_names_the_data_dir() {
    let sp = space();
    let input = sp.copy(BASIC, 0o644);
    // A data dir that is a regular file: the store cannot be created in it.
    fs::write(&sp.data, b"not a directory").expect("write");
    let o = sp.brine(&["filter", &s(&input), "--in-place", "-e", "re:^small_int$"]);
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(t.contains(&s(&sp.data)), "{t}");
    assert!(t.contains("BRINE_DATA_DIR"), "{t}");
}

#[test]
fn issue_15_filter_o_names_the_sidecar_as_the_layout_does() {
    let sp = space();
    let input = sp.copy(BASIC, 0o644);
    let sidecar = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sidecars/baseline_py311_env.pkl");
    fs::copy(sidecar, sp.dir.join("basic_env.pkl")).expect("sidecar");
    let out = sp.dir.join("checkpoint_tf.pkl");
    let o = sp.brine(&["filter", &s(&input), "-e", "re:^small_int$", "-o", &s(&out)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(sp.dir.join("tf_env.pkl").is_file(), "{}", text(&o));
    assert!(!sp.dir.join("checkpoint_tf_env.pkl").exists());
}

/// A stand-in for Python that reports what it was handed: the probe (`-I -c`)
/// fails, the restore (`-i -c CODE`) gets the checkpoint swapped under it by
/// "another user" first, then says what descriptor 3 holds.
fn fake_python(sp: &Space, swap: &Path) -> PathBuf {
    let py = sp.dir.join("fakepython");
    let script = format!(
        "#!/bin/sh\n\
         if [ \"$1\" = -i ]; then\n\
           printf 'swapped' > '{swap}'\n\
           echo \"CODE=$3\" | head -c 200; echo\n\
           echo \"MODE=$(stat -L -c %a /dev/fd/3)\"\n\
           echo \"LINK=$(readlink /proc/self/fd/3)\"\n\
           echo \"SHA=$(sha256sum < /dev/fd/3 | cut -c1-64)\"\n\
           exit 0\n\
         fi\n\
         exit 1\n",
        swap = swap.display()
    );
    fs::write(&py, script).expect("write");
    fs::set_permissions(&py, fs::Permissions::from_mode(0o755)).expect("chmod");
    py
}

fn field<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(key))
        .unwrap_or_else(|| panic!("no {key} in {out}"))
}

#[test]
fn issue_11_restore_hands_python_the_scanned_bytes_not_a_path() {
    let sp = space();
    let input = sp.copy(BASIC, 0o600);
    let original = brine::store::fingerprint::hash_file(&input)
        .expect("hash")
        .0;
    let py = fake_python(&sp, &input);
    let o = sp.brine(&["restore", &s(&input), "--python", &s(&py)]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("load_module(u'/dev/fd/3')"), "{out}");
    assert_eq!(field(&out, "MODE="), "600", "{out}");
    // An anonymous file: no name in any directory for another user to open or swap.
    assert!(field(&out, "LINK=").ends_with("(deleted)"), "{out}");
    // The checkpoint was swapped before Python read: it still got what brine scanned.
    assert_eq!(fs::read(&input).expect("read"), b"swapped");
    assert_eq!(field(&out, "SHA="), original, "{out}");
}

#[test]
fn issue_11_restore_only_leaves_no_file_and_hands_over_the_extract() {
    let sp = space();
    let input = sp.copy(BASIC, 0o600);
    let swap = sp.dir.join("elsewhere");
    let py = fake_python(&sp, &swap);
    let tmp_before: Vec<_> = fs::read_dir(std::env::temp_dir())
        .expect("ls")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    let o = sp.brine(&["restore", &s(&input), "--only", "text", "--python", &s(&py)]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert_eq!(field(&out, "MODE="), "600", "{out}");
    assert!(field(&out, "LINK=").ends_with("(deleted)"), "{out}");
    let leaked: Vec<_> = fs::read_dir(std::env::temp_dir())
        .expect("ls")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with("brine-restore") && !tmp_before.contains(n))
        .collect();
    assert!(leaked.is_empty(), "{leaked:?}");
    let here: Vec<_> = fs::read_dir(&sp.dir)
        .expect("ls")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        here.len(),
        3,
        "only the checkpoint, the fake python and its swap file: {here:?}"
    );
}

#[test]
fn issue_15_restore_only_an_unknown_name_exits_1_and_print_leaves_nothing() {
    let sp = space();
    let input = sp.copy(BASIC, 0o644);
    let o = sp.brine(&["restore", &s(&input), "--only", "modle", "--print"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("no name 'modle'"), "{}", text(&o));
    let before: Vec<_> = fs::read_dir(std::env::temp_dir())
        .expect("ls")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    let o = sp.brine(&[
        "restore",
        &s(&input),
        "--only",
        "text",
        "--print",
        "--python",
        "/nonexistent/python",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let code = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        code.contains("b64decode"),
        "the extract travels in the snippet: {code}"
    );
    let after: Vec<_> = fs::read_dir(std::env::temp_dir())
        .expect("ls")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    let new: Vec<_> = after
        .iter()
        .filter(|n| !before.contains(n) && n.to_string_lossy().contains("brine"))
        .collect();
    assert!(new.is_empty(), "--print left {new:?}");
    let here = fs::read_dir(&sp.dir).expect("ls").count();
    assert_eq!(here, 1, "--print left a file next to the checkpoint");
}

#[test]
fn issue_15_restore_print_snippet_loads_in_real_dill() {
    let Some(py) = super::py::python_with_dill() else {
        return;
    };
    let sp = space();
    let input = sp.copy(BASIC, 0o644);
    let o = sp.brine(&[
        "restore",
        &s(&input),
        "--only",
        "text",
        "small_int",
        "--print",
        "--python",
        &py,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let mut code = String::from_utf8_lossy(&o.stdout).to_string();
    code.push_str("print(sorted(k for k in globals() if not k.startswith('__')))\n");
    let out = Command::new(&py)
        .arg("-c")
        .arg(&code)
        .output()
        .expect("python");
    let got = String::from_utf8_lossy(&out.stdout);
    assert!(
        got.contains("['small_int', 'text']"),
        "{got}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn issue_11_the_env_probe_never_imports_from_the_current_folder() {
    let Some(py) = super::py::python_with_dill() else {
        return;
    };
    let sp = space();
    let input = sp.copy(BASIC, 0o644);
    let marker = sp.dir.join("RAN");
    // The probe imports json: a json.py here (or on PYTHONPATH) must not run.
    fs::write(
        sp.dir.join("json.py"),
        format!(
            "open({:?}, 'w').write('x')\nfrom json_real import *\n",
            s(&marker)
        ),
    )
    .expect("json.py");
    let o = Command::new(env!("CARGO_BIN_EXE_brine"))
        .args(["env", &s(&input), "--python", &py])
        .current_dir(&sp.dir)
        .env("PYTHONPATH", &sp.dir)
        .env("PYTHONSTARTUP", sp.dir.join("json.py"))
        .env("BRINE_DATA_DIR", &sp.data)
        .output()
        .expect("brine env");
    assert!(o.status.success(), "{}", text(&o));
    assert!(!marker.exists(), "the folder's json.py ran: {}", text(&o));
    assert!(text(&o).contains("LOCAL"), "{}", text(&o));
}

#[test]
fn issue_15_env_with_a_missing_python_says_command_not_found() {
    let sp = space();
    let input = sp.copy(BASIC, 0o644);
    let o = sp.brine(&["env", &s(&input), "--python", "brine-no-such-python2"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("brine-no-such-python2: command not found"),
        "{}",
        text(&o)
    );
}

#[test]
fn issue_15_write_sidecar_marks_what_the_probe_assumed() {
    let Some(py) = super::py::python_with_dill() else {
        return;
    };
    let sp = space();
    let input = sp.copy(BASIC, 0o644);
    let o = sp.brine(&[
        "env",
        &s(&input),
        "--write-sidecar",
        "--python",
        &py,
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let b = &v["fields"]["brine"];
    let list = |k: &str| -> Vec<String> {
        b[k].as_array()
            .expect(k)
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect()
    };
    let assumed = list("assumed_from_probe");
    let proven = list("proven_by_file");
    for k in ["python_version", "platform", "dill_version"] {
        assert!(
            assumed.contains(&k.to_string()),
            "{k} not marked assumed: {b}"
        );
        assert!(!proven.contains(&k.to_string()), "{k} marked proven: {b}");
    }
    for k in ["modules", "protocol"] {
        assert!(proven.contains(&k.to_string()), "{k} not proven: {b}");
    }
}

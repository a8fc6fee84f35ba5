//! The scale fixture's own small filesystem: an ext4 image file (sparse) in the data dir,
//! loop-mounted while the benchmark runs.
//!
//! Why: distribution stores every tag as ~6 small files in ~9 directories (≈ 1.6 million inodes
//! for 100,000 tags). On a host filesystem with 4 KiB blocks that takes ~6 GB; in an image made
//! with 1 KiB blocks, 256-byte inodes and `inline_data` (small files and directories live inside
//! their inode) the same store takes ~0.75 GB. Mounting needs root and a loop device (CI runs as
//! root, as `make test`'s private dockerd needs too); `--scale-store dir` keeps a plain
//! directory instead.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// Apparent size of the image (sparse: only what is written takes disk space).
const IMAGE_BYTES: u64 = 4 << 30;
/// Inodes: the fixture needs ~1.6 million (files and directories). Their tables are written
/// only where used (`lazy_itable_init` at mkfs, `noinit_itable` at mount), so spare ones cost
/// no disk.
const INODES: &str = "2500000";

fn tool(name: &str) -> String {
    for dir in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p.to_string_lossy().into_owned();
        }
    }
    name.to_string()
}

fn run(program: &str, args: &[&str]) -> Result<()> {
    let out = Command::new(tool(program))
        .args(args)
        .output()
        .with_context(|| format!("running {program} (is it installed?)"))?;
    if !out.status.success() {
        bail!(
            "`{program} {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Whether something is mounted exactly on `dir` (from `/proc/self/mountinfo`).
fn is_mount_point(dir: &Path) -> bool {
    let Ok(dir) = dir.canonicalize() else { return false };
    let Ok(info) = std::fs::read_to_string("/proc/self/mountinfo") else { return false };
    let want = dir.to_string_lossy().replace(' ', "\\040");
    info.lines().any(|l| l.split(' ').nth(4) == Some(want.as_str()))
}

/// A mounted image; unmounted on drop.
pub struct Volume {
    image: PathBuf,
    mount_point: PathBuf,
}

impl Volume {
    /// Mounts `image` on `mount_point`, first making an empty filesystem in it if `image` does not
    /// exist. A mount left behind by a killed run is taken over.
    pub fn attach(image: &Path, mount_point: &Path) -> Result<Volume> {
        std::fs::create_dir_all(mount_point)?;
        let volume = Volume { image: image.to_path_buf(), mount_point: mount_point.to_path_buf() };
        if is_mount_point(mount_point) {
            return Ok(volume);
        }
        if !image.exists() {
            make_filesystem(image)?;
        }
        let (img, mnt) = (image.to_string_lossy(), mount_point.to_string_lossy());
        run("mount", &["-o", "loop,noatime,noinit_itable", &img, &mnt]).with_context(|| {
            format!(
                "mounting the scale fixture's image {img} on {mnt}: this needs root and a loop device; \
                 or pass --scale-store dir (a plain directory, ~6 GB for the fixture)"
            )
        })?;
        Ok(volume)
    }

    /// Unmounts and deletes the image, then attaches a new, empty one.
    pub fn recreate(self) -> Result<Volume> {
        let (image, mount_point) = (self.image.clone(), self.mount_point.clone());
        drop(self);
        if is_mount_point(&mount_point) {
            bail!("{} is still mounted", mount_point.display());
        }
        if image.exists() {
            std::fs::remove_file(&image).with_context(|| format!("removing {}", image.display()))?;
        }
        Volume::attach(&image, &mount_point)
    }

    /// `<image> (N MiB on disk)`
    pub fn describe(&self) -> String {
        use std::os::unix::fs::MetadataExt;
        let bytes = std::fs::metadata(&self.image).map(|m| m.blocks() * 512).unwrap_or(0);
        format!("{} ({:.0} MiB on disk, ext4 image)", self.image.display(), bytes as f64 / (1 << 20) as f64)
    }
}

fn make_filesystem(image: &Path) -> Result<()> {
    if let Some(dir) = image.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::File::create(image).with_context(|| format!("creating {}", image.display()))?;
    file.set_len(IMAGE_BYTES)?;
    drop(file);
    let img = image.to_string_lossy();
    #[rustfmt::skip]
    let args = [
        "-q", "-F", "-L", "rm-bench", "-b", "1024", "-I", "256", "-N", INODES, "-m", "0",
        "-O", "inline_data,^has_journal,^resize_inode", "-E", "lazy_itable_init=1,nodiscard", &img,
    ];
    let made = run("mkfs.ext4", &args);
    if made.is_err() {
        let _ = std::fs::remove_file(image);
    }
    made
}

impl Drop for Volume {
    fn drop(&mut self) {
        let mnt = self.mount_point.to_string_lossy().into_owned();
        for attempt in 0..20 {
            if !is_mount_point(&self.mount_point) {
                return;
            }
            // Busy only while a just-stopped registry is still closing its files.
            match run("umount", &[&mnt]) {
                Ok(()) => return,
                Err(e) if attempt == 19 => {
                    eprintln!("rm-bench: cannot unmount {mnt}: {e:#}; unmounting lazily");
                    let _ = run("umount", &["-l", &mnt]);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(250)),
            }
        }
    }
}

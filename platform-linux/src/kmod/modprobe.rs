//! The optional last resort: the system `modprobe`, run as `modprobe -q -- <name>` with no
//! shell and no inherited standard streams.

use holdfast_core::modules::{LoadError, ModuleName};
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `program -q -- name` and waits for it.
pub fn run(program: &Path, name: &ModuleName) -> Result<(), LoadError> {
    let status = Command::new(program)
        .args(["-q", "--", name.as_str()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|_| LoadError::ModprobeFailed { exit_code: None })?;
    if status.success() {
        Ok(())
    } else {
        Err(LoadError::ModprobeFailed {
            exit_code: status.code(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_status_is_reported() {
        let name = ModuleName::new("ip_vs").unwrap();
        assert_eq!(run(Path::new("/bin/true"), &name), Ok(()));
        assert_eq!(
            run(Path::new("/bin/false"), &name),
            Err(LoadError::ModprobeFailed { exit_code: Some(1) })
        );
        assert_eq!(
            run(Path::new("/nonexistent/modprobe"), &name),
            Err(LoadError::ModprobeFailed { exit_code: None })
        );
    }
}

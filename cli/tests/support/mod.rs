//! What the command line's process tests share: the library tests' helpers (a test PKI, a TSA,
//! the peers) and a way to run the binary.

#![allow(dead_code)]

#[path = "../../../tests/common/mod.rs"]
pub mod common;

/// Runs the `mobile-id` binary; returns (exit code, stdout + stderr).
pub fn mobile_id(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mobile-id")).args(args).env_remove("MOBILE_ID_PIN2").envs(env.iter().copied()).output().unwrap();
    (out.status.code().unwrap(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// A child process (a service under test) killed when the test ends, passed or failed, so that
/// a failed assertion leaves nothing running.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

//! A deadline for exec credential plugins.
//!
//! kube runs a kubeconfig's `exec` plugin with `Command::output()` and waits for it without
//! end (also when it refreshes a token in the middle of a watch): a plugin that never returns
//! hung oomdoc. kube offers no hook for this, so [`crate::kubeconfig`] points the plugin's
//! `command` at oomdoc itself with [`SHIM`] as first argument; the binary's `main` hands such a
//! call to [`run`], which runs the real plugin with the same stdio and environment and kills it
//! (with its whole process group when it cannot be interactive) at the deadline. kube's own
//! behaviour (environment, `KUBERNETES_EXEC_INFO`, parsing, refresh) is unchanged.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};

/// The first argument that makes the binary run [`run`] instead of its CLI.
pub const SHIM: &str = "__oomdoc-exec-credential";

/// The arguments (after the binary's path) that run `command` under `deadline`; the plugin's
/// own arguments follow.
pub fn shim_args(deadline: Duration, interactive: bool, command: &str) -> Vec<String> {
    vec![
        SHIM.to_string(),
        deadline.as_millis().to_string(),
        if interactive { "tty" } else { "group" }.to_string(),
        "--".to_string(),
        command.to_string(),
    ]
}

/// Runs the plugin described by `args` (what follows [`SHIM`]): its exit code, or 1 with a
/// message on stderr when it did not finish in time or could not start.
pub fn run(args: &[OsString]) -> i32 {
    let (Some(ms), Some(mode), Some(sep), Some(cmd)) = (
        args.first().and_then(|a| a.to_str()?.parse::<u64>().ok()),
        args.get(1).and_then(|a| a.to_str()),
        args.get(2),
        args.get(3),
    ) else {
        eprintln!("oomdoc: {SHIM}: usage: MILLIS tty|group -- COMMAND [ARG...]");
        return 2;
    };
    if sep != "--" {
        eprintln!("oomdoc: {SHIM}: expected -- before the command");
        return 2;
    }
    let deadline = Duration::from_millis(ms);
    let mut command = Command::new(cmd);
    command.args(&args[4..]);
    // Its own process group, so that whatever it started dies with it (a grandchild holding
    // stdout open would keep kube waiting); not when it may read the terminal, where a
    // background group would be stopped by SIGTTIN.
    let group = mode == "group";
    if group {
        command.process_group(0);
    }
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "oomdoc: cannot run the credential plugin {}: {e}",
                cmd.to_string_lossy()
            );
            return 1;
        }
    };
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.code().unwrap_or(1),
            Ok(None) => {}
            Err(e) => {
                eprintln!("oomdoc: waiting for the credential plugin: {e}");
                return 1;
            }
        }
        if start.elapsed() >= deadline {
            kill(&mut child, group);
            eprintln!(
                "oomdoc: the credential plugin {} did not finish within {:.1}s (the deadline of --request-timeout); it was stopped",
                cmd.to_string_lossy(),
                deadline.as_secs_f64()
            );
            return 1;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kill(child: &mut std::process::Child, group: bool) {
    if group {
        // The group's id is the child's pid (process_group(0)); `kill -KILL -PGID` reaches
        // every process of it. Done through kill(1) so no libc binding is needed.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(ms: u64, mode: &str, cmd: &[&str]) -> Vec<OsString> {
        let mut v: Vec<OsString> = vec![ms.to_string().into(), mode.into(), "--".into()];
        v.extend(cmd.iter().map(OsString::from));
        v
    }

    #[test]
    fn a_plugin_that_hangs_is_stopped_at_the_deadline() {
        let t = Instant::now();
        // The plugin's child keeps running too unless the whole group is killed.
        let code = run(&args(300, "group", &["sh", "-c", "sleep 30 & sleep 30"]));
        assert_eq!(code, 1);
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    }

    #[test]
    fn a_plugin_that_answers_keeps_its_exit_code() {
        assert_eq!(run(&args(5000, "group", &["sh", "-c", "exit 0"])), 0);
        assert_eq!(run(&args(5000, "tty", &["sh", "-c", "exit 3"])), 3);
        assert_eq!(run(&args(5000, "group", &["/nonexistent/plugin"])), 1);
        assert_eq!(run(&[OsString::from("x")]), 2);
    }
}

//! `/dev/kmsg` itself: a record written to the kernel log is read back by the follower, from the
//! end of the log as the agent starts.

use std::io::Write;
use std::time::{Duration, Instant};

use oomdoc_agent::kmsg::{follow, Kmsg};
use oomdoc_testkit::skip::{real, skip};

#[test]
fn a_record_written_to_the_kernel_log_is_followed() {
    let path = std::path::Path::new("/dev/kmsg");
    let mut kmsg = match Kmsg::open(path, false) {
        Ok(k) => k,
        Err(e) => {
            return skip(
                "a_record_written_to_the_kernel_log_is_followed",
                &format!("cannot open /dev/kmsg: {e}"),
            )
        }
    };
    let marker = format!(
        "oomdoc-agent-test {} {:?}",
        std::process::id(),
        Instant::now()
    );
    let mut w = match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(w) => w,
        Err(e) => {
            return skip(
                "a_record_written_to_the_kernel_log_is_followed",
                &format!("cannot write /dev/kmsg: {e}"),
            )
        }
    };
    writeln!(w, "<6>{marker}").unwrap();
    let start = Instant::now();
    let seen = std::cell::RefCell::new(String::new());
    follow(
        &mut kmsg,
        &|| seen.borrow().contains(&marker) || start.elapsed() > Duration::from_secs(5),
        &mut |burst, counts| {
            seen.borrow_mut().push_str(&String::from_utf8_lossy(&burst));
            assert!(counts.records >= 1);
        },
    )
    .unwrap();
    let seen = seen.into_inner();
    assert!(seen.contains(&marker), "read: {seen:?}");
    // A record as /dev/kmsg gives it: `prio,seq,usec,flags;text`.
    let line = seen.lines().find(|l| l.contains(&marker)).unwrap();
    let head: Vec<&str> = line.split(';').next().unwrap().split(',').collect();
    assert!(
        head.len() >= 4 && head[..3].iter().all(|f| f.parse::<u64>().is_ok()),
        "{line}"
    );
    real("agent", "/dev/kmsg record written and followed");
}

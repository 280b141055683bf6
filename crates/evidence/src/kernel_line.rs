//! Kernel log line prefixes: raw `dmesg` (`[12345.678901] `), `dmesg -T` (`[Sat Nov 28 01:02:03 2026] `),
//! syslog / `journalctl -k` (`Nov 28 01:02:03 host kernel: `, optionally followed by a monotonic
//! stamp), RFC 3339 syslog (`2026-11-28T01:02:03.123456+00:00 host kernel: `), `/dev/kmsg` records
//! (`6,1234,5678901,-;`), a syslog level (`<6>`) and markdown quoting (`> `). Anything else is taken
//! as a bare message (log pipelines, node-problem-detector).

/// A wall-clock time as printed by `dmesg -T` or syslog. The year is missing from syslog stamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WallClock {
    /// Year, when printed.
    pub year: Option<i32>,
    /// Month 1..=12.
    pub month: u8,
    /// Day of month.
    pub day: u8,
    /// Hour.
    pub hour: u8,
    /// Minute.
    pub minute: u8,
    /// Second.
    pub second: u8,
    /// Microseconds, when printed.
    pub micros: u32,
}

/// When a kernel line was logged, as far as its prefix says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KernelStamp {
    /// Microseconds since boot (raw dmesg, kmsg records, syslog lines that keep the `[..]` stamp).
    pub monotonic_us: Option<u64>,
    /// Wall-clock time (`dmesg -T`, syslog, journalctl).
    pub wall: Option<WallClock>,
    /// Host name from a syslog prefix.
    pub host: Option<String>,
}

impl KernelStamp {
    /// True when the prefix carried no time at all.
    pub fn is_empty(&self) -> bool {
        self.monotonic_us.is_none() && self.wall.is_none()
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month(s: &str) -> Option<u8> {
    MONTHS.iter().position(|m| *m == s).map(|i| i as u8 + 1)
}

/// `HH:MM:SS[.ffffff]` → (h, m, s, micros).
fn hms(s: &str) -> Option<(u8, u8, u8, u32)> {
    let b = s.as_bytes();
    // Byte indexing below is safe only on ASCII (found by the `evidence` fuzz target).
    if b.len() < 8 || !b[..8].is_ascii() || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let h = s[0..2].parse().ok()?;
    let m = s[3..5].parse().ok()?;
    let sec = s[6..8].parse().ok()?;
    let micros = match s[8..].strip_prefix('.') {
        Some(f) => {
            let digits = &f.as_bytes()[..f.len().min(6)];
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let n: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
            n * 10u32.pow(6 - digits.len() as u32)
        }
        None if s.len() == 8 => 0,
        None => return None,
    };
    Some((h, m, sec, micros))
}

/// `seconds.micros` (with leading spaces) → microseconds.
fn monotonic(s: &str) -> Option<u64> {
    let s = s.trim_start().as_bytes();
    let dot = memchr::memchr(b'.', s)?;
    if dot == 0 || dot > 12 || !s[..dot].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut secs = 0u64;
    for &b in &s[..dot] {
        secs = secs * 10 + u64::from(b - b'0');
    }
    let frac = &s[dot + 1..];
    if frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut us = 0u64;
    for i in 0..6 {
        us = us * 10 + frac.get(i).map_or(0, |b| u64::from(b - b'0'));
    }
    Some(secs * 1_000_000 + us)
}

/// `[  123.456789] rest` → (µs, rest).
fn bracket_monotonic(s: &str) -> Option<(u64, &str)> {
    let inner = s.strip_prefix('[')?;
    let end = memchr::memchr(b']', inner.as_bytes())?;
    let us = monotonic(&inner[..end])?;
    Some((
        us,
        inner[end + 1..]
            .strip_prefix(' ')
            .unwrap_or(&inner[end + 1..]),
    ))
}

/// A stamp whose `[` a paste cut off: `5193605.506728] rest`.
fn cut_stamp(s: &str) -> Option<(u64, &str)> {
    let end = memchr::memchr(b']', &s.as_bytes()[..s.len().min(24)])?;
    let us = monotonic(&s[..end])?;
    let rest = &s[end + 1..];
    Some((us, rest.strip_prefix(' ').unwrap_or(rest)))
}

/// A `[  123.456789]` stamp after some other prefix (a hypervisor's console log, a log
/// shipper's own stamp and tags, a syslog level `<6>`): the message is what follows it.
fn buried_stamp(s: &str) -> Option<(u64, &str)> {
    let head = &s.as_bytes()[..s.len().min(160)];
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'[', &head[from..]) {
        let at = from + i;
        if let Some(r) = bracket_monotonic(&s[at..]) {
            return Some(r);
        }
        from = at + 1;
    }
    None
}

/// `[Sat Nov 28 01:02:03 2026] rest`.
fn bracket_wall(s: &str) -> Option<(WallClock, &str)> {
    let inner = s.strip_prefix('[')?;
    let end = memchr::memchr(b']', inner.as_bytes())?;
    let mut it = inner[..end].split_ascii_whitespace();
    let _dow = it.next()?;
    let mon = month(it.next()?)?;
    let day = it.next()?.parse().ok()?;
    let (hour, minute, second, micros) = hms(it.next()?)?;
    let year = it.next()?.parse().ok()?;
    let w = WallClock {
        year: Some(year),
        month: mon,
        day,
        hour,
        minute,
        second,
        micros,
    };
    Some((
        w,
        inner[end + 1..]
            .strip_prefix(' ')
            .unwrap_or(&inner[end + 1..]),
    ))
}

/// `Nov 28 01:02:03[.ffffff] host kernel: rest` (also `kernel[123]:`).
fn syslog(s: &str) -> Option<(WallClock, &str, &str)> {
    let mon = month(s.get(0..3)?)?;
    let rest = s[3..].trim_start();
    let sp = rest.find(' ')?;
    let day = rest[..sp].parse().ok()?;
    let rest = rest[sp + 1..].trim_start();
    let sp = rest.find(' ')?;
    let (hour, minute, second, micros) = hms(&rest[..sp])?;
    let rest = &rest[sp + 1..];
    let (host, msg) = kernel_tag(rest)?;
    let w = WallClock {
        year: None,
        month: mon,
        day,
        hour,
        minute,
        second,
        micros,
    };
    Some((w, host, msg))
}

/// `2026-11-28T01:02:03.123456+00:00 host kernel: rest`.
fn rfc3339(s: &str) -> Option<(WallClock, &str, &str)> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let sp = s.find(' ')?;
    let year = s[0..4].parse().ok()?;
    let month = s[5..7].parse().ok()?;
    let day = s[8..10].parse().ok()?;
    let t = &s[11..sp];
    let t_end = t.find(['+', '-', 'Z']).unwrap_or(t.len());
    let (hour, minute, second, micros) = hms(&t[..t_end])?;
    let (host, msg) = kernel_tag(&s[sp + 1..])?;
    let w = WallClock {
        year: Some(year),
        month,
        day,
        hour,
        minute,
        second,
        micros,
    };
    Some((w, host, msg))
}

/// `host kernel: msg` → (host, msg); `kernel: msg` (no host, as some syslog setups write it) →
/// ("", msg).
fn kernel_tag(s: &str) -> Option<(&str, &str)> {
    if let Some(r) = s
        .strip_prefix("kernel: ")
        .or_else(|| s.strip_prefix("kernel:"))
    {
        return Some(("", r));
    }
    let sp = s.find(' ')?;
    let host = &s[..sp];
    let rest = &s[sp + 1..];
    let rest = if let Some(r) = rest.strip_prefix("kernel: ") {
        r
    } else if let Some(r) = rest.strip_prefix("kernel:") {
        r
    } else if rest.starts_with("kernel[") {
        let c = rest.find("]: ")?;
        &rest[c + 3..]
    } else {
        return None;
    };
    Some((host, rest))
}

/// A printk caller id after the stamp (`CONFIG_PRINTK_CALLER`): `[ T9185] `, `[    C3] `.
fn caller_id(s: &str) -> &str {
    let Some(inner) = s.strip_prefix('[') else {
        return s;
    };
    let Some(end) = inner.find(']') else { return s };
    let id = inner[..end].trim_start();
    let ok = end <= 10
        && id.len() >= 2
        && matches!(id.as_bytes()[0], b'T' | b'C')
        && id[1..].bytes().all(|b| b.is_ascii_digit());
    if ok {
        let rest = &inner[end + 1..];
        rest.strip_prefix(' ').unwrap_or(rest)
    } else {
        s
    }
}

/// Talos and other log shippers: `[host: ]kern: <level>: [2024-01-02T03:04:05.123Z]: msg` → (wall, msg).
fn talos(s: &str) -> Option<(Option<WallClock>, &str)> {
    let i = memchr::memmem::find(&s.as_bytes()[..s.len().min(80)], b"kern:")?;
    if i > 0 && !s[..i].ends_with(": ") {
        return None;
    }
    let rest = s[i + 5..].trim_start();
    let colon = rest.find(": ")?;
    let level = &rest[..colon];
    if level.is_empty() || level.len() > 7 || !level.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let rest = &rest[colon + 2..];
    if let Some(inner) = rest.strip_prefix('[') {
        if let Some(end) = inner.find("]: ").or_else(|| inner.find("] ")) {
            let w = iso(&inner[..end]);
            let msg = &inner[end + 1..];
            let msg = msg
                .strip_prefix(": ")
                .or_else(|| msg.strip_prefix(' '))
                .unwrap_or(msg);
            return Some((w, msg));
        }
    }
    Some((None, rest))
}

/// `2024-01-02T03:04:05[.fff][Z|+00:00]` (or a space, or `,` before the fraction, as
/// `dmesg --time-format iso` writes it).
fn iso(s: &str) -> Option<WallClock> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    let t = s[11..].replacen(',', ".", 1);
    let t_end = t.find(['+', '-', 'Z', ' ']).unwrap_or(t.len());
    let (hour, minute, second, micros) = hms(&t[..t_end])?;
    Some(WallClock {
        year: Some(s[0..4].parse().ok()?),
        month: s[5..7].parse().ok()?,
        day: s[8..10].parse().ok()?,
        hour,
        minute,
        second,
        micros,
    })
}

/// `6,1234,5678901,-;msg` → (µs, msg).
fn kmsg(s: &str) -> Option<(u64, &str)> {
    let b = s.as_bytes();
    // The level (and facility) is at most 4 digits followed by a comma.
    if !b.iter().take(5).any(|&c| c == b',') {
        return None;
    }
    let semi = memchr::memchr(b';', &b[..b.len().min(64)])?;
    let mut f = s[..semi].split(',');
    let level = f.next()?;
    let seq = f.next()?;
    let ts = f.next()?;
    if level.is_empty()
        || !level.bytes().all(|b| b.is_ascii_digit())
        || !seq.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some((ts.parse().ok()?, &s[semi + 1..]))
}

/// Splits a kernel log line into its time stamp and the kernel message.
pub fn split_prefix(line: &str) -> (KernelStamp, &str) {
    let (p, msg) = split_prefix_ref(line);
    (p.to_stamp(), msg)
}

/// A [`KernelStamp`] that borrows the host name (no allocation per line).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct StampRef<'a> {
    pub(crate) monotonic_us: Option<u64>,
    pub(crate) wall: Option<WallClock>,
    pub(crate) host: Option<&'a str>,
}

impl StampRef<'_> {
    fn is_empty_ref(&self) -> bool {
        self.monotonic_us.is_none() && self.wall.is_none()
    }

    pub(crate) fn to_stamp(self) -> KernelStamp {
        KernelStamp {
            monotonic_us: self.monotonic_us,
            wall: self.wall,
            host: self.host.map(str::to_string),
        }
    }
}

pub(crate) fn split_prefix_ref(line: &str) -> (StampRef<'_>, &str) {
    let mut s = line.trim_end_matches(['\r', '\n']);
    let mut st = StampRef::default();
    while let Some(r) = s.strip_prefix("> ").or_else(|| s.strip_prefix('>')) {
        s = r;
    }
    let lead = s.trim_start();
    if let Some(b) = lead.as_bytes().first() {
        if b.is_ascii_digit() {
            if let Some((us, msg)) = kmsg(lead) {
                st.monotonic_us = Some(us);
                return (st, msg);
            }
            if let Some((w, host, msg)) = rfc3339(lead) {
                st.wall = Some(w);
                st.host = (!host.is_empty()).then_some(host);
                s = msg;
            } else if let Some(w) = iso(lead) {
                // `dmesg --time-format iso` and shippers: the stamp, then the message.
                let sp = lead.find(' ').unwrap_or(lead.len());
                let rest = lead[sp..].trim_start();
                if let Some((w2, msg)) = talos(rest) {
                    st.wall = w2.or(Some(w));
                    return (st, caller_id(msg));
                }
                st.wall = Some(w);
                s = rest;
            }
        } else if b.is_ascii_uppercase() {
            if let Some((w, host, msg)) = syslog(lead) {
                st.wall = Some(w);
                st.host = (!host.is_empty()).then_some(host);
                s = msg;
            }
        } else if *b == b'[' {
            if let Some(msg) = bracketed_stamp(lead, &mut st) {
                return (st, msg);
            }
        }
    }
    after_leading_stamp(s, st)
}

/// A leading `[...]` stamp: monotonic, wall-clock, `dmesg -e`'s relative or a localised
/// `dmesg -T` one; the message after it, when it is one of those.
fn bracketed_stamp<'a>(lead: &'a str, st: &mut StampRef<'a>) -> Option<&'a str> {
    if let Some((us, msg)) = bracket_monotonic(lead) {
        st.monotonic_us = Some(us);
        return Some(caller_id(msg));
    }
    if let Some((w, msg)) = bracket_wall(lead) {
        st.wall = Some(w);
        return Some(caller_id(msg));
    }
    // `dmesg -e`/`-H` relative stamps: `[  +0.000004] `.
    if let Some(end) = lead.find(']') {
        let inner = lead[1..end].trim();
        if inner.starts_with('+')
            && inner.len() > 1
            && inner[1..].bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            let msg = &lead[end + 1..];
            return Some(caller_id(msg.strip_prefix(' ').unwrap_or(msg)));
        }
    }
    // A localised `dmesg -T` stamp (`[月  1月 26 01:49:41 2026]`): drop it, time unknown.
    if let Some(end) = lead.find(']') {
        let inner = &lead[1..end];
        if inner.matches(':').count() == 2
            && inner.trim_end().ends_with(|c: char| c.is_ascii_digit())
            && !inner.contains(" pid ")
        {
            let msg = &lead[end + 1..];
            return Some(msg.strip_prefix(' ').unwrap_or(msg));
        }
    }
    None
}

/// What follows a leading stamp (or its absence): a kernel tag after an unknown syslog stamp,
/// Talos' `kern:` lines, a syslog level, a monotonic stamp kept inside syslog lines, a kernel
/// stamp after an unknown prefix.
fn after_leading_stamp<'a>(s: &'a str, st: StampRef<'a>) -> (StampRef<'a>, &'a str) {
    let (mut s, mut st) = (s, st);
    // Any other syslog stamp (a localised month, `1月 26 01:49:41 host kernel: `): drop what is
    // before the kernel tag; the time is not known.
    if st.is_empty_ref() {
        if let Some(r) = s.strip_prefix("kernel: ") {
            s = r;
        } else {
            let head = &s.as_bytes()[..s.len().min(100)];
            if let Some(i) = memchr::memmem::find(head, b" kernel: ") {
                s = &s[i + 9..];
            } else if let Some(i) = memchr::memmem::find(head, b"kernel: [") {
                s = &s[i + 8..];
            } else if let Some((us, rest)) = cut_stamp(s).or_else(|| buried_stamp(s)) {
                st.monotonic_us = Some(us);
                return (st, caller_id(rest));
            }
        }
    }
    if s.len() > 6
        && s.as_bytes()[..s.len().min(80)]
            .windows(5)
            .any(|w| w == b"kern:")
    {
        if let Some((w, msg)) = talos(s.trim_start()) {
            st.wall = st.wall.or(w);
            return (st, caller_id(msg));
        }
    }
    // A syslog level, then a monotonic stamp kept inside syslog lines.
    if s.starts_with('<') {
        if let Some(end) = s.find('>') {
            if end <= 4 && s[1..end].bytes().all(|b| b.is_ascii_digit()) {
                s = &s[end + 1..];
            }
        }
    }
    if s.starts_with('[') {
        if let Some((us, msg)) = bracket_monotonic(s) {
            st.monotonic_us = Some(us);
            s = msg;
        }
    }
    if st.monotonic_us.is_none() && !s.starts_with(['[', ' ']) {
        // An unknown prefix before a kernel stamp (a hypervisor's console log, a shipper's tags).
        if let Some((us, rest)) = buried_stamp(s) {
            st.monotonic_us = Some(us);
            return (st, caller_id(rest));
        }
    }
    (st, caller_id(s))
}

#[cfg(test)]
mod fuzz_regressions {
    // Found by the `evidence` fuzz target: times with multi-byte characters where digits belong.
    #[test]
    fn times_with_multibyte_characters_are_not_times() {
        assert_eq!(super::hms("01:02:0\u{e9}"), None);
        assert_eq!(super::hms("01:02:03.\u{e9}\u{e9}\u{e9}\u{e9}"), None);
        assert_eq!(super::hms("01:02:03.5"), Some((1, 2, 3, 500_000)));
    }
}

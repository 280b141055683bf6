use super::*;
use oomdoc_series::Component;

fn read(text: &str, opts: CsvOptions) -> crate::Loaded {
    let mut c = Collector::new();
    read_csv(text.as_bytes(), "t.csv", &opts, &mut c).unwrap();
    c.finish("t.csv").unwrap()
}

#[test]
fn fields() {
    let mut f = Vec::new();
    split_fields(r#""Time","{__name__=""up"", job=""x""}",3"#, b',', &mut f);
    assert_eq!(f, vec!["Time", r#"{__name__="up", job="x"}"#, "3"]);
    split_fields("a;b;;", b';', &mut f);
    assert_eq!(f, vec!["a", "b", "", ""]);
    assert_eq!(guess_delimiter("\"Time\";\"a,b\";\"c\""), b';');
    assert_eq!(guess_delimiter("time\trss"), b'\t');
}

#[test]
fn header_units_and_unit_flag() {
    let l = read(
        "timestamp,rss (MiB),cache\n1714557600,1,2\n1714557660,2,3\n",
        CsvOptions {
            unit_factor: Some(1024.0),
        },
    );
    let s = &l.input.series;
    assert_eq!(s[0].name, "rss");
    assert_eq!(s[0].component, Component::Rss);
    assert_eq!(s[0].samples[1].v, 2.0 * 1048576.0);
    assert_eq!(s[1].component, Component::Cache);
    assert_eq!(s[1].samples[0].v, 2048.0);
}

#[test]
fn no_header() {
    let l = read(
        "2024-05-01T10:00:00Z,100\n2024-05-01T10:01:00Z,200\n",
        CsvOptions::default(),
    );
    assert_eq!(l.input.series[0].samples.len(), 2);
    assert_eq!(l.input.series[0].component, Component::Other);
}

#[test]
fn long_form() {
    let l = read(
        "Series;Time;Value\ncontainer_memory_rss;2024-05-01 10:00:00;10\ncontainer_memory_cache;2024-05-01 10:00:00;5\ncontainer_memory_rss;2024-05-01 10:01:00;11\n",
        CsvOptions::default(),
    );
    assert_eq!(l.input.series.len(), 2);
    assert_eq!(l.input.series[0].samples.len(), 2);
}

#[test]
fn bad_cells_and_rows_are_warnings() {
    let l = read(
        "time,rss,note\nx,1,a\n1714557600,2,b\n1714557660,oops,c\n1714557720,4,d\n",
        CsvOptions::default(),
    );
    assert_eq!(l.input.series.len(), 1, "the note column is dropped");
    assert_eq!(l.input.series[0].samples.len(), 2);
    assert!(
        l.warnings.iter().any(|w| w.contains("not a time")),
        "{:?}",
        l.warnings
    );
    assert!(
        l.warnings
            .iter()
            .any(|w| w.contains("`note` has no numbers")),
        "{:?}",
        l.warnings
    );
}

/// `head`, then `fill` bytes without end (a stream, never held whole); counts what was read.
pub(crate) struct Endless {
    pub head: Vec<u8>,
    pub fill: u8,
    pub read: u64,
}

impl std::io::Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len();
        let from_head = (self.head.len() as u64).saturating_sub(self.read) as usize;
        let h = from_head.min(n);
        let start = self.head.len() - from_head;
        buf[..h].copy_from_slice(&self.head[start..start + h]);
        buf[h..].fill(self.fill);
        self.read += n as u64;
        Ok(n)
    }
}

#[test]
fn a_line_past_the_cap_is_an_error_before_it_is_read_whole() {
    let mut input = Endless {
        head: b"time,rss\n1714557600,1\n".to_vec(),
        fill: b'7',
        read: 0,
    };
    let mut c = Collector::new();
    let r = std::io::BufReader::new(&mut input);
    let e = read_csv(r, "t.csv", &CsvOptions::default(), &mut c).unwrap_err();
    assert!(matches!(e, Error::LineTooLong { line: 3, .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "line 3 longer than 1Mi (the most a line may hold)"
    );
    // Read up to the cap and one buffer more, not on to the end of the stream.
    assert!(input.read <= MAX_LINE as u64 + 64 * 1024, "{}", input.read);
}

#[test]
fn a_line_at_the_cap_is_read() {
    let long = format!("1714557600,{}\n", "0".repeat(MAX_LINE - 11));
    assert_eq!(long.len(), MAX_LINE + 1);
    let text = format!("time,rss\n{long}1714557660,5\n");
    let l = read(&text, CsvOptions::default());
    assert_eq!(l.input.series[0].samples.len(), 2);
    let over = format!("time,rss\n1714557600,{}\n", "0".repeat(MAX_LINE - 10));
    let mut c = Collector::new();
    let e = read_csv(over.as_bytes(), "t.csv", &CsvOptions::default(), &mut c);
    assert!(
        matches!(e, Err(Error::LineTooLong { line: 2, .. })),
        "{e:?}"
    );
}

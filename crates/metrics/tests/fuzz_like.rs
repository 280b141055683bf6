//! The file readers never panic, whatever the bytes (the project's parsers are fuzz targets;
//! this is the in-tree check).

use oomdoc_metrics::csv::CsvOptions;
use oomdoc_metrics::{read_any, Collector};
use proptest::prelude::*;

fn read(bytes: &[u8]) {
    let mut c = Collector::new();
    let _ = read_any(
        bytes,
        "fuzz",
        &CsvOptions {
            unit_factor: Some(1024.0),
        },
        &mut c,
    );
    let _ = c.finish("fuzz");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        read(&bytes);
    }

    #[test]
    fn csv_like(rows in proptest::collection::vec("[0-9a-zA-Z:.,;\"\t (){}=_ -]{0,40}", 0..20)) {
        read(rows.join("\n").as_bytes());
    }

    #[test]
    fn json_like(s in r#"[\[\]{}",:0-9a-z._ -]{0,200}"#) {
        read(format!("{{\"status\":\"success\",\"data\":{{\"result\":[{s}").as_bytes());
        read(format!("{{\"res_type\":\"time_series\",\"series\":[{{\"pointlist\":[{s}").as_bytes());
    }
}

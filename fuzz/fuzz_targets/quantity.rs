//! Parses arbitrary UTF-8 as a `resource.Quantity` and checks what must hold for any input:
//! no panic, and for an accepted input, that its canonical form parses back to the same value,
//! that the canonical form is a fixed point, that the accessors agree with the exact value, and
//! that a leading sign only negates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oomdoc_model::quantity::{Quantity, QuantityError, ERR_FORMAT_WRONG, ERR_NUMERIC, ERR_SUFFIX};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let q = match Quantity::parse(input) {
        Ok(q) => q,
        Err(e) => {
            let message = e.to_string();
            match e {
                QuantityError::FormatWrong => assert_eq!(message, ERR_FORMAT_WRONG),
                QuantityError::Suffix(_) => assert_eq!(message, ERR_SUFFIX),
                QuantityError::Numeric => assert_eq!(message, ERR_NUMERIC),
                QuantityError::OutOfRange => {}
            }
            return;
        }
    };

    // Display parses back to the same value. Printing is canonical: it is a fixed point when the
    // format survives the trip, and after one more trip in any case. (It need not survive: a
    // BinarySI 832000 prints "832000", which parses as DecimalSI and prints "832k", as
    // apimachinery's String() does; DecimalSI past E prints as an exponent.)
    let text = q.to_string();
    let back = Quantity::parse(&text)
        .unwrap_or_else(|e| panic!("{input:?} printed {text:?}, which fails to parse: {e:?}"));
    assert_eq!(
        back, q,
        "{input:?} printed {text:?}, which parses to another value"
    );
    assert_eq!(q.cmp(&back), std::cmp::Ordering::Equal);
    let text2 = back.to_string();
    if back.format() == q.format() {
        assert_eq!(text2, text, "{input:?}: {text:?} is not a fixed point");
    }
    let back2 = Quantity::parse(&text2).expect("second print parses");
    assert_eq!(back2, q, "{input:?}: {text2:?}");
    assert_eq!(
        back2.to_string(),
        text2,
        "{input:?}: {text2:?} is not a fixed point"
    );

    // The parts are normalized, and a parsed value is a whole number of nanos.
    let (mant, exp) = q.decimal_parts();
    assert!(
        mant == 0 && exp == 0 || mant % 10 != 0,
        "{input:?}: parts {mant} e{exp}"
    );
    assert!(exp >= -9, "{input:?}: below a nano");
    assert_eq!(q.is_zero(), mant == 0);
    assert_eq!(q.is_negative(), mant < 0);

    // value() and milli_value() round the exact nanos up, away from zero.
    if let Some(n) = q.as_nanos() {
        let up = |div: i128| n / div + (n % div).signum();
        assert_eq!(
            q.value(),
            i64::try_from(up(1_000_000_000)).ok(),
            "{input:?}"
        );
        assert_eq!(
            q.milli_value(),
            i64::try_from(up(1_000_000)).ok(),
            "{input:?}"
        );
    }

    // A sign in front only negates (ParseQuantity's "-" and "+" table passes).
    if !input.starts_with(['-', '+']) && !input.is_empty() {
        let minus = Quantity::parse(&format!("-{input}")).expect("negated input");
        assert_eq!(minus.decimal_parts(), (-mant, exp), "-{input:?}");
        assert_eq!(minus.format(), q.format(), "-{input:?}");
        let plus = Quantity::parse(&format!("+{input}")).expect("explicit plus");
        assert_eq!(plus, q, "+{input:?}");
    }
});

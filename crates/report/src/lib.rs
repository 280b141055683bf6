//! Writers for audit results: text (rustc-style), JSON, SARIF 2.1.0.

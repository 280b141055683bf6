//! Errors of every reader, worded for the user: what was read, where, and what is wrong.

use std::io;

use oomdoc_model::bytes::exact;

/// A reader's error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The input is not in a format this reader knows.
    #[error("line {line}: {message}")]
    Syntax {
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A line longer than the reader takes (see `csv::MAX_LINE`).
    #[error("line {line} longer than {} (the most a line may hold)", exact(*cap))]
    LineTooLong {
        /// 1-based line.
        line: u64,
        /// The cap in bytes.
        cap: u64,
    },
    /// A JSON input longer than the reader takes (see `prom_json::MAX_JSON`).
    #[error("longer than {}: the most a JSON file of samples may hold (split it, or export a CSV, read line by line)", exact(*cap))]
    JsonTooLong {
        /// The cap in bytes.
        cap: u64,
    },
    /// JSON that does not have the expected shape.
    #[error("{0}")]
    Json(String),
    /// The input has no usable sample.
    #[error("no samples: {0}")]
    NoData(String),
    /// The server could not be reached.
    #[error("cannot reach {url}: {message}")]
    Unreachable {
        /// The URL asked.
        url: String,
        /// Why.
        message: String,
    },
    /// The server answered with an HTTP error status and no Prometheus error body.
    #[error("{url}: HTTP {status}: {body}")]
    HttpStatus {
        /// The URL asked.
        url: String,
        /// The status code.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// Prometheus refused the query (`{"status":"error","errorType":...,"error":...}`).
    #[error("Prometheus error ({error_type}): {error}")]
    Prometheus {
        /// `errorType`: bad_data, execution, timeout, canceled, ...
        error_type: String,
        /// `error`.
        error: String,
    },
    /// A flag's value is not usable.
    #[error("{0}")]
    Usage(String),
}

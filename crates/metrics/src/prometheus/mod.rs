//! The Prometheus HTTP API: which queries to ask for a pod ([`query`], pure), and asking them
//! ([`client`], thin).

pub mod client;
pub mod query;

pub use client::{fetch, Client, ClientOptions};
pub use query::{plan_range, pod_queries, QuerySpec, Selector};

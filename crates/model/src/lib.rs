//! The pure Kubernetes memory model behind oomdoc.
//!
//! Everything here is deterministic and does no I/O: readers (in `oomdoc-manifest`) build these
//! types from files, rules (in `oomdoc-audit`) judge them, writers (in `oomdoc-report`) print them.
//!
//! - [`quantity`]: `resource.Quantity`, exactly as apimachinery parses and rounds it.
//! - [`span`]: file positions carried by every value read from input.
//! - [`pod`]: the slice of the Kubernetes object model that decides memory behaviour.
//! - [`dockerfile`]: the image a Dockerfile builds (base image, `ENV`, `ENTRYPOINT`, `CMD`).
//! - [`bytes`]: byte counts printed as manifests write them.
//! - [`diagnostic`]: input errors with file and position.
//! - [`admission`]: API defaulting and LimitRange admission, giving each value its [`admission::Source`].
//! - [`qos`]: the pod QoS class, exactly as the kubelet computes it.
//! - [`oom_score`]: the `oom_score_adj` the kubelet gives each container (`pkg/kubelet/qos/policy.go`).

pub mod admission;
pub mod bytes;
pub mod calendar;
pub mod cgroup;
pub mod diagnostic;
pub mod dockerfile;
pub mod duration;
pub mod oom_score;
pub mod pod;
pub mod qos;
pub mod quantity;
pub mod span;
pub mod termination;

pub use diagnostic::{InputError, LineError};
pub use quantity::{Quantity, QuantityError};
pub use span::{Pos, Spanned};
pub use termination::TerminationReason;

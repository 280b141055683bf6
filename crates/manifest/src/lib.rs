//! Readers for Kubernetes manifests (YAML/JSON streams, Lists, directories) into the oomdoc model, with positions.

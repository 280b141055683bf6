//! A container image as its Dockerfile describes it: the slice that decides how the process in
//! it starts (base image, `ENV`, `ENTRYPOINT`, `CMD`), as the image's final build stage has it,
//! with the position of every value.
//!
//! Readers (`oomdoc-manifest`) build it; the audit matches it to the containers that run the
//! image and merges it with their `command`, `args` and `env` exactly as Kubernetes does (see
//! [`DockerImageSpec`]).

use std::sync::Arc;

use crate::span::{Pos, Spanned};

/// One `ENV` (or `LABEL`) entry of the final stage, after `ARG`/`ENV` substitution.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageEnv {
    /// The variable's name.
    pub name: String,
    /// The value as the builder stores it (quotes removed, `$VAR` and `${VAR}` substituted),
    /// at the position where the value is written.
    pub value: Spanned<String>,
    /// Where the name is written.
    pub pos: Pos,
}

/// How an `ENTRYPOINT` or `CMD` is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandForm {
    /// `["java", "-jar", "app.jar"]`: the argv as written; no shell, no variable substitution.
    Exec,
    /// `java -jar app.jar`: run as `SHELL` (default `/bin/sh -c`) plus the text as one argument.
    Shell,
}

/// An `ENTRYPOINT` or `CMD` of the final stage.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageCommand {
    /// Where the instruction keyword is.
    pub pos: Pos,
    /// Exec or shell form.
    pub form: CommandForm,
    /// The argv the runtime starts. Exec form: each string where it is written. Shell form: the
    /// `SHELL` words (at the instruction's position) and then the command text as one item, at
    /// the position where the text starts.
    pub argv: Vec<Spanned<String>>,
}

/// The image a Dockerfile builds: its final stage (the one `docker build` produces without
/// `--target`), with what it inherits from earlier stages it is built `FROM`.
///
/// How Kubernetes combines it with a container (`Container` docs, "Define a Command and
/// Arguments for a Container"): `command` replaces `ENTRYPOINT` and then `CMD` is ignored too;
/// `args` alone replaces `CMD` and keeps `ENTRYPOINT`; `env` entries override `ENV` entries of the
/// same name. `$(VAR)` in `command`/`args` refers only to the container's `env`, not to the
/// image's `ENV`.
#[derive(Clone, Debug, PartialEq)]
pub struct DockerImageSpec {
    /// The Dockerfile's path, as given or found walking a directory.
    pub file: Arc<str>,
    /// Where the final stage's `FROM` is.
    pub pos: Pos,
    /// The final stage's `AS` name, if any.
    pub stage: Option<String>,
    /// The external image the final stage is built on (through earlier stages, if it is
    /// `FROM` one), after `ARG` substitution; where it is written. `scratch` is kept as written.
    pub base_image: Option<Spanned<String>>,
    /// The stages the final stage builds on, nearest first (`FROM build` → `["build"]`).
    pub from_stages: Vec<String>,
    /// `ENV` entries in effect in the final stage, in order (a later entry of the same name
    /// replaces an earlier one; only the last is kept).
    pub env: Vec<ImageEnv>,
    /// `LABEL` entries in effect, in order.
    pub labels: Vec<ImageEnv>,
    /// `ENTRYPOINT`; `None` when the Dockerfile does not set one (the base image's applies,
    /// which the Dockerfile does not show).
    pub entrypoint: Option<ImageCommand>,
    /// `CMD`; `None` when not set here (and, as Docker does, when this stage sets `ENTRYPOINT`
    /// after inheriting a `CMD` from an earlier stage).
    pub cmd: Option<ImageCommand>,
    /// Names this image may be known by, to match it to container images: the Dockerfile's
    /// directory (`admin-server/Dockerfile`), the `NAME` of `NAME.Dockerfile`, and the
    /// `org.opencontainers.image.title` label. Lower case.
    pub names: Vec<String>,
    /// Rule codes (or names) from `# oomdoc.dev/ignore: OOM109,OOM110` comments, each where its
    /// comment is.
    pub ignore: Vec<crate::Spanned<String>>,
}

impl DockerImageSpec {
    /// The name reports use: the first of [`DockerImageSpec::names`], else the file.
    pub fn display_name(&self) -> &str {
        self.names.first().map_or(&*self.file, String::as_str)
    }

    /// True when the last path segment of `image`'s repository (`registry/team/admin-server:1.2`
    /// → `admin-server`) is one of this image's names (case-insensitive).
    pub fn matches_image_name(&self, image: &str) -> bool {
        let short = image_short_name(image);
        !short.is_empty() && self.names.iter().any(|n| n.eq_ignore_ascii_case(short))
    }

    /// The `ENV` entry called `name`, if any.
    pub fn env_var(&self, name: &str) -> Option<&ImageEnv> {
        self.env.iter().rev().find(|e| e.name == name)
    }
}

/// An image reference without its digest (`@sha256:…`) and tag (`:1.2`):
/// `registry:5000/team/app:1.2` → `registry:5000/team/app`.
pub fn image_repository(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => &image[..i],
        _ => image,
    }
}

/// The last path segment of an image's repository: `registry:5000/team/app:1.2` → `app`.
pub fn image_short_name(image: &str) -> &str {
    let repo = image_repository(image);
    repo.rsplit('/').next().unwrap_or(repo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names() {
        let cases = [
            (
                "eclipse-temurin:17-jre",
                "eclipse-temurin",
                "eclipse-temurin",
            ),
            (
                "registry:5000/team/app:1.2",
                "registry:5000/team/app",
                "app",
            ),
            ("registry:5000/team/app", "registry:5000/team/app", "app"),
            ("ghcr.io/o/app@sha256:abc", "ghcr.io/o/app", "app"),
            ("ghcr.io/o/app:1@sha256:abc", "ghcr.io/o/app", "app"),
            ("app", "app", "app"),
            ("", "", ""),
        ];
        for (image, repo, short) in cases {
            assert_eq!(image_repository(image), repo, "{image}");
            assert_eq!(image_short_name(image), short, "{image}");
        }
    }
}

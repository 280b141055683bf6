//! Dockerfiles of the input: which containers run which image, and the images no container of
//! the input runs (audited on their own).
//!
//! A container's image is matched to a Dockerfile, first rule that applies:
//! 1. `--image IMAGE=PATH` ([`ImageBinding`]): `IMAGE` equals the container's image, or its
//!    repository without tag and digest;
//! 2. by name: the last path segment of the image's repository
//!    (`registry.example.com/shop/admin-server:1.4` → `admin-server`) equals one of the
//!    Dockerfile's names: its directory (`admin-server/Dockerfile`), the `NAME` of
//!    `NAME.Dockerfile`, or its `org.opencontainers.image.title` label (case-insensitive); the
//!    first such Dockerfile in input order wins;
//! 3. when the input has exactly one Dockerfile and all its containers use one image repository,
//!    they go together.

use std::collections::HashSet;

use oomdoc_model::dockerfile::{image_repository, DockerImageSpec};
use oomdoc_model::pod::Workload;

use crate::audit::Assumptions;
use crate::finding::{Finding, ImageSummary, MatchedBy};
use crate::registry::RuleCode;
use crate::{jvm_checks, jvm_view};

/// `--image IMAGE=PATH`: containers running `image` run the Dockerfile at
/// `dockerfiles[dockerfile]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageBinding {
    /// An image reference, with or without tag.
    pub image: String,
    /// Index into [`crate::AuditInput::dockerfiles`].
    pub dockerfile: usize,
}

/// Matches container images to the input's Dockerfiles (see the module docs).
#[derive(Debug)]
pub(crate) struct Matcher<'a> {
    pub dockerfiles: &'a [DockerImageSpec],
    bindings: &'a [ImageBinding],
    only_one: bool,
}

impl<'a> Matcher<'a> {
    /// `repositories`: how many distinct image repositories the input's containers use (see
    /// [`add_repositories`]); only read when there is exactly one Dockerfile, where a count of 1
    /// enables rule 3 (counting may stop at 2).
    pub fn new(
        dockerfiles: &'a [DockerImageSpec],
        bindings: &'a [ImageBinding],
        repositories: usize,
    ) -> Self {
        Matcher {
            dockerfiles,
            bindings,
            only_one: dockerfiles.len() == 1 && repositories == 1,
        }
    }

    /// The Dockerfile that builds `image`, and how it was matched.
    pub fn find(&self, image: Option<&str>) -> Option<(&'a DockerImageSpec, usize, MatchedBy)> {
        let image = image?;
        let repo = image_repository(image);
        let hit = if let Some(b) = self
            .bindings
            .iter()
            .find(|b| b.image == image || b.image == repo)
        {
            Some((b.dockerfile, MatchedBy::ImageFlag))
        } else if let Some(i) = self
            .dockerfiles
            .iter()
            .position(|d| d.matches_image_name(image))
        {
            Some((i, MatchedBy::ImageName))
        } else if self.only_one {
            Some((0, MatchedBy::OnlyOne))
        } else {
            None
        };
        hit.and_then(|(i, by)| self.dockerfiles.get(i).map(|d| (d, i, by)))
    }
}

/// Adds the image repositories (without tag and digest) of `workload`'s containers and init
/// containers to `repositories`: what rule 3 of the matching counts over the whole input.
pub fn add_repositories(workload: &Workload, repositories: &mut HashSet<String>) {
    let pod = &workload.pod;
    for c in pod.containers.iter().chain(&pod.init_containers) {
        if let Some(image) = &c.image {
            let repo = image_repository(&image.value);
            if !repositories.contains(repo) {
                repositories.insert(repo.to_string());
            }
        }
    }
}

/// One summary per Dockerfile, with the containers that run it (`used`: Dockerfile index,
/// workload, container, how matched); the images nobody runs are audited on their own, their
/// findings appended to `findings`.
pub(crate) fn summarize_images(
    dockerfiles: &[DockerImageSpec],
    used: &[(usize, String, String, MatchedBy)],
    assumptions: &Assumptions,
    findings: &mut Vec<Finding>,
) -> Vec<ImageSummary> {
    dockerfiles
        .iter()
        .enumerate()
        .map(|(i, df)| {
            unknown_ignored_rules(df, findings);
            let used_by: Vec<(String, String, MatchedBy)> = used
                .iter()
                .filter(|u| u.0 == i)
                .map(|u| (u.1.clone(), u.2.clone(), u.3))
                .collect();
            let jvm = if used_by.is_empty() {
                let view = jvm_view::image_view(df);
                let s = jvm_view::summarize(&view, assumptions);
                if let Some(s) = &s {
                    findings.extend(jvm_checks::check(&view, s, assumptions));
                }
                s
            } else {
                None
            };
            ImageSummary {
                file: df.file.clone(),
                line: df.pos.line,
                name: df.display_name().to_string(),
                base_image: df.base_image.as_ref().map(|b| b.value.clone()),
                used_by,
                jvm,
            }
        })
        .collect()
}

/// OOM011 for the keys of a Dockerfile's `# oomdoc.dev/ignore:` comments that name no rule,
/// once per Dockerfile (whoever runs it).
fn unknown_ignored_rules(df: &DockerImageSpec, findings: &mut Vec<Finding>) {
    for key in &df.ignore {
        let Some(message) =
            crate::checks::unknown_rule_message(&key.value, "the # oomdoc.dev/ignore comment")
        else {
            continue;
        };
        findings.push(Finding {
            code: RuleCode::UnknownIgnoredRule,
            severity: RuleCode::UnknownIgnoredRule.severity(),
            file: df.file.clone(),
            pos: key.pos,
            workload: format!("Dockerfile/{}", df.display_name()),
            container: None,
            message,
            help: crate::checks::UNKNOWN_RULE_HELP.into(),
            source: None,
            template: None,
            fix: None,
        });
    }
}

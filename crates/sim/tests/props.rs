//! Properties: no reader panics on any text; the eviction ranking is a permutation sorted by
//! its comparator; the growth story ends, whatever the pods and growth.

use oomdoc_sim::eviction::{compare, rank_memory_pressure, Candidate};
use oomdoc_sim::input::{parse_metrics, parse_node, parse_top, parse_usage};
use oomdoc_sim::story::Grow;
use oomdoc_sim::threshold::{parse_list, Kind};
use proptest::prelude::*;
use std::cmp::Ordering;

proptest! {
    #[test]
    fn readers_never_panic(s in "\\PC{0,300}") {
        let _ = parse_top(&s);
        let _ = parse_metrics(&s);
        let _ = parse_node(&s);
        let _ = parse_usage(&s);
        let _ = Grow::parse(&s);
        let _ = parse_list(&s, Kind::Soft, &s);
    }

    #[test]
    fn top_like_text_never_panics(rows in proptest::collection::vec("[a-z0-9_ -]{0,12} +[0-9a-zA-Z()]{0,8} +[0-9]{0,6}(Mi|Ki|Gi|x)?", 0..8)) {
        let text = format!("NAMESPACE POD NAME CPU(cores) MEMORY(bytes)\n{}", rows.join("\n"));
        let _ = parse_top(&text);
    }

    #[test]
    fn ranking_is_a_sorted_permutation(pods in proptest::collection::vec(
        (-5i32..5, 0i64..1000, proptest::option::of(0i64..2000)), 0..12)) {
        let cands: Vec<Candidate> = pods
            .iter()
            .map(|&(priority, request, usage)| Candidate { priority, request, usage })
            .collect();
        let order = rank_memory_pressure(&cands);
        let mut seen = order.clone();
        seen.sort_unstable();
        prop_assert_eq!(seen, (0..cands.len()).collect::<Vec<_>>());
        for w in order.windows(2) {
            prop_assert_ne!(compare(&cands[w[0]], &cands[w[1]]), Ordering::Greater);
        }
    }
}

mod story_props {
    use oomdoc_model::admission::ContainerKind;
    use oomdoc_model::qos::QosClass;
    use oomdoc_sim::node::NodeModel;
    use oomdoc_sim::pod::{SimContainer, SimPod, UsageSource};
    use oomdoc_sim::story::{run, Grow, StepKind};
    use oomdoc_sim::threshold::{parse_list, Kind};
    use oomdoc_sim::usage::Assume;
    use proptest::prelude::*;

    const MI: i64 = 1 << 20;

    fn pod(i: usize, usage: i64, request: i64, limit: Option<i64>, priority: i32) -> SimPod {
        SimPod {
            namespace: "ns".into(),
            name: format!("p{i}"),
            origin: format!("Pod/ns/p{i} (t:1)"),
            priority,
            qos: QosClass::Burstable,
            critical: priority > 1000,
            request,
            limit,
            containers: vec![SimContainer {
                name: "c".into(),
                kind: ContainerKind::Regular,
                request,
                limit,
                oom_score_adj: 500,
                usage,
            }],
            usage_source: UsageSource::Assumed(Assume::Request),
        }
    }

    proptest! {
        #[test]
        fn the_story_ends_and_evicts_only_under_pressure(
            pods in proptest::collection::vec(
                (0i64..2048, 0i64..2048, proptest::option::of(1i64..4096), -2i32..2000), 1..6),
            grows in proptest::collection::vec((0usize..6, 1i64..8192), 1..4),
            hard in 1i64..512,
            fast in any::<bool>(),
        ) {
            let pods: Vec<SimPod> = pods
                .iter()
                .enumerate()
                .map(|(i, &(u, r, l, p))| pod(i, u * MI, r * MI, l.map(|l| l * MI), p))
                .collect();
            let grows: Vec<Grow> = grows
                .iter()
                .map(|&(i, b)| Grow {
                    namespace: "ns".into(),
                    pod: format!("p{}", i % pods.len()),
                    container: None,
                    bytes: b * MI,
                })
                .collect();
            let node = NodeModel {
                name: None,
                capacity: 8 << 30,
                capacity_source: "test",
                allocatable: 7 << 30,
                allocatable_source: "test".into(),
                reserved: 512 * MI,
                hard: parse_list(&format!("memory.available<{hard}Mi"), Kind::Hard, "").unwrap().memory,
                soft: Vec::new(),
                system_usage: 512 * MI,
            };
            let (steps, _) = run(&node, &pods, 0, &grows, fast).unwrap();
            prop_assert!(!steps.is_empty());
            prop_assert!(steps.len() <= 4 * pods.len() + 32);
            for s in &steps {
                if s.kind == StepKind::HardEviction {
                    prop_assert!(!fast);
                    prop_assert!(s.memory_available < hard * MI);
                }
                if s.kind == StepKind::GlobalOomKill {
                    prop_assert!(s.memory_available <= 0);
                }
            }
        }
    }
}

//! `copydesk eval`: clustering scored against labelled articles.

use crate::args::{ConfigArgs, ModeArgs};
use crate::ingest::insert_all;
use crate::input::{Articles, Fields};
use crate::ui::{tolerated, Ui};
use anyhow::{bail, Result};
use copydesk::eval::Scores;
use copydesk::{Detector, MatchKind, StoryId};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Instant;

/// `copydesk eval`'s options.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  copydesk eval ../shared/data/ecbplus-dev.jsonl
  copydesk eval ../shared/seeds --background ../shared/data/reuters21578.jsonl

LABELLED is a JSONL file whose lines carry a cluster label (--cluster-field), or a folder
whose files are all one story. Background articles are clustered with them but carry no
label: the report counts those that joined a labelled story.")]
pub struct EvalArgs {
    /// Labelled JSONL files, or folders whose articles are all one story.
    #[arg(required = true, value_name = "LABELLED")]
    labelled: Vec<PathBuf>,
    /// Unlabelled articles clustered with the labelled ones, inserted first.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    background: Vec<PathBuf>,
    /// JSONL field holding the gold cluster.
    #[arg(long, default_value = "cluster", value_name = "NAME")]
    cluster_field: String,
    /// JSONL field holding the topic, for the same-topic false-merge rate.
    #[arg(long, default_value = "topic", value_name = "NAME")]
    topic_field: String,
    #[command(flatten)]
    mode: ModeArgs,
    /// Print the scores as one JSON object instead of a report.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    config: ConfigArgs,
}

struct Labelled {
    id: String,
    cluster: String,
    topic: Option<String>,
    /// How it was linked when inserted, and to which article.
    link: Option<(MatchKind, String)>,
}

pub fn run(args: &EvalArgs, quiet: bool) -> Result<()> {
    let mut detector = Detector::new(args.config.load()?)?;
    let ui = Ui::new(quiet, None);
    let start = Instant::now();
    let warn = |ui: &Rc<Ui>| {
        let ui = Rc::clone(ui);
        Box::new(move |m: &str| ui.warn(m)) as Box<dyn FnMut(&str)>
    };

    // Background first: the labelled articles arrive into an index that already holds news.
    let mut background_ids: HashSet<String> = HashSet::new();
    if !args.background.is_empty() {
        let mut bg = Articles::open(&args.background, Fields::default(), false, warn(&ui))?;
        let totals = insert_all(&mut detector, &mut bg, &ui, args.mode.stream, |a, _| {
            background_ids.insert(a.id.clone());
            Ok(())
        })?;
        if totals.rejected > 0 {
            ui.warn(&format!(
                "{} background articles not clustered",
                totals.rejected
            ));
        }
    }

    // Labelled articles: JSONL lines with a cluster field, or a folder = one story.
    let mut labelled: Vec<Labelled> = Vec::new();
    let fields = Fields {
        cluster: Some(args.cluster_field.clone()),
        topic: Some(args.topic_field.clone()),
        ..Fields::default()
    };
    let mut unlabelled = 0u64;
    let mut bytes = 0u64;
    for path in &args.labelled {
        let folder_story = path.is_dir().then(|| format!("folder:{}", path.display()));
        let mut articles =
            Articles::open(std::slice::from_ref(path), fields.clone(), false, warn(&ui))?;
        let totals = insert_all(
            &mut detector,
            &mut articles,
            &ui,
            args.mode.stream,
            |a, v| {
                if background_ids.contains(&a.id) {
                    bail!("{}: id {:?} is also a background article's", a.origin, a.id);
                }
                let cluster = match (&folder_story, &a.cluster) {
                    (Some(f), _) => f.clone(),
                    (None, Some(c)) => c.clone(),
                    (None, None) => {
                        unlabelled += 1;
                        format!("unlabelled:{}", a.id)
                    }
                };
                labelled.push(Labelled {
                    id: a.id.clone(),
                    cluster,
                    topic: a.topic.clone(),
                    link: v.matched.as_ref().map(|m| (m.kind, m.id.clone())),
                });
                Ok(())
            },
        )?;
        bytes += totals.bytes;
        if totals.rejected > 0 {
            ui.warn(&format!(
                "{}: {} labelled articles not clustered{}",
                path.display(),
                totals.rejected,
                tolerated(&articles, &totals)
            ));
        }
    }
    if labelled.is_empty() {
        bail!("no labelled article was clustered");
    }
    if unlabelled > 0 {
        ui.warn(&format!(
            "{unlabelled} articles had no {:?} field; each counts as its own cluster",
            args.cluster_field
        ));
    }
    let (detector, revision) = args.mode.revise(detector);
    let elapsed = start.elapsed().as_secs_f64();

    // Scores over the labelled articles, with their final stories.
    let gold: Vec<&str> = labelled.iter().map(|l| l.cluster.as_str()).collect();
    let predicted: Vec<StoryId> = labelled
        .iter()
        .map(|l| detector.story_of(&l.id).expect("inserted above"))
        .collect();
    let topics: Option<Vec<&str>> = labelled.iter().map(|l| l.topic.as_deref()).collect();
    let scores = Scores::compute(&gold, &predicted, topics.as_deref());

    // Links by kind, and whether each went to an article of the same gold cluster.
    let cluster_of: HashMap<&str, &str> = labelled
        .iter()
        .map(|l| (l.id.as_str(), l.cluster.as_str()))
        .collect();
    let mut kinds: BTreeMap<MatchKind, (usize, usize)> = BTreeMap::new();
    for l in &labelled {
        if let Some((kind, of)) = &l.link {
            let e = kinds.entry(*kind).or_default();
            e.0 += 1;
            e.1 += usize::from(cluster_of.get(of.as_str()) == Some(&l.cluster.as_str()));
        }
    }

    // Background articles that ended up in a story with labelled ones.
    let labelled_stories: HashSet<StoryId> = predicted.iter().copied().collect();
    let mut intruders: Vec<&str> = background_ids
        .iter()
        .filter(|id| {
            detector
                .story_of(id)
                .is_some_and(|s| labelled_stories.contains(&s))
        })
        .map(String::as_str)
        .collect();
    intruders.sort_unstable();
    crate::ingest::free_at_exit(detector);

    if args.json {
        let report = serde_json::json!({
            "mode": args.mode.name(),
            "revision": revision,
            "seconds": elapsed,
            "background": background_ids.len(),
            "background_in_labelled_stories": intruders,
            "scores": scores,
            "links": kinds.iter().map(|(k, (n, right))| {
                (k.as_str().to_string(), serde_json::json!({"links": n, "same_cluster": right}))
            }).collect::<serde_json::Map<_, _>>(),
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let names: Vec<String> = args
        .labelled
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    println!("{}", names.join(" "));
    println!(
        "  {} labelled articles, {} gold clusters, {} stories; {} background articles; {}{}, {:.1} MB in {elapsed:.2} s",
        scores.articles,
        scores.gold_clusters,
        scores.predicted_clusters,
        background_ids.len(),
        args.mode.name(),
        revision.map(|r| format!(", {r}")).unwrap_or_default(),
        bytes as f64 / 1e6,
    );
    println!(
        "  pairwise   P {:.3}  R {:.3}  F1 {:.3}",
        scores.pair_precision, scores.pair_recall, scores.pair_f1
    );
    println!(
        "  B-cubed    P {:.3}  R {:.3}  F1 {:.3}",
        scores.bcubed_precision, scores.bcubed_recall, scores.bcubed_f1
    );
    println!("  ARI        {:.3}", scores.ari);
    let (size, golds) = scores.largest_predicted;
    println!("  largest story: {size} articles from {golds} gold clusters");
    if let (Some(rate), Some(pairs), Some(cross)) = (
        scores.same_topic_false_merge_rate,
        scores.same_topic_pairs,
        scores.cross_topic_merges,
    ) {
        println!(
            "  same-topic false merges {:.1} % of {pairs} pairs; cross-topic merged pairs {cross}",
            rate * 100.0
        );
    }
    println!("  links by kind (to an article of the same gold cluster):");
    for kind in [MatchKind::Exact, MatchKind::NearCopy, MatchKind::Rewrite] {
        let (n, right) = kinds.get(&kind).copied().unwrap_or_default();
        let pct = if n > 0 {
            format!("{:.1} %", 100.0 * right as f64 / n as f64)
        } else {
            "-".into()
        };
        println!(
            "    {:<10} {n:>6} links, {right:>6} right ({pct})",
            kind.as_str()
        );
    }
    if !background_ids.is_empty() {
        let shown: Vec<&str> = intruders.iter().take(10).copied().collect();
        println!(
            "  background articles in labelled stories: {}{}",
            intruders.len(),
            if shown.is_empty() {
                String::new()
            } else {
                format!(" ({})", shown.join(", "))
            }
        );
    }
    Ok(())
}

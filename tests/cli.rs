//! The `copydesk` binary, run on generated inputs: output formats, indexes, configuration,
//! usage, eval, publication times. Reading inputs is `tests/cli_input.rs`.

#[path = "common/cli.rs"]
mod cli;
mod common;

use cli::*;
use common::article;

use std::process::{Output, Stdio};

#[test]
fn cluster_jsonl_gives_one_line_per_article() {
    let s = Scratch::new("jsonl");
    let f = s.write("in.jsonl", corpus());
    let o = run(&["cluster", &f]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = rows(&stdout(&o));
    let ids: Vec<&str> = r.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "b", "a-trimmed", "c", "b-copy"]);
    assert_eq!(r[0]["kind"], "new");
    assert_eq!(r[0]["of"], serde_json::Value::Null);
    assert_eq!(r[2]["kind"], "near_copy");
    assert_eq!(r[2]["of"], "a");
    assert_eq!(r[2]["story"], r[0]["story"]);
    assert_eq!(r[4]["kind"], "exact");
    assert_eq!(r[4]["of"], "b");
    assert_eq!(r[3]["kind"], "new");
    assert_ne!(r[3]["story"], r[0]["story"]);
    assert!(
        stderr(&o).contains("5 articles in 3 stories"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn stream_and_batch_agree_on_clear_cases() {
    let s = Scratch::new("stream");
    let f = s.write("in.jsonl", corpus());
    let batch = stdout(&run(&["cluster", &f, "-q"]));
    let stream = stdout(&run(&["cluster", &f, "-q", "--stream"]));
    let kinds =
        |out: &str| -> Vec<String> { rows(out).iter().map(|r| r["kind"].to_string()).collect() };
    assert_eq!(kinds(&batch), kinds(&stream));
}

#[test]
fn csv_and_table_formats() {
    let s = Scratch::new("formats");
    let f = s.write("in.jsonl", corpus());
    let o = run(&["cluster", &f, "--format", "csv", "-q"]);
    let csv = stdout(&o);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "id,story,of,similarity,kind");
    assert_eq!(lines.len(), 6);
    assert!(
        lines[5].starts_with("b-copy,") && lines[5].ends_with(",b,1.0000,exact"),
        "{csv}"
    );
    let o = run(&["cluster", &f, "--format", "table", "-q"]);
    let table = stdout(&o);
    assert!(table.contains("· 2 articles"), "{table}");
    assert!(table.contains("near copy of a"), "{table}");
    assert!(table.contains("exact copy of b"), "{table}");
    assert!(table.contains("alone (1): c"), "{table}");
    assert!(stderr(&o).is_empty(), "--quiet: {}", stderr(&o));
}

#[test]
fn index_build_query_and_info() {
    let s = Scratch::new("index");
    let (a, b) = (article(1, 12), article(2, 12));
    let archive = s.write("archive.jsonl", jsonl_line("a", &a) + &jsonl_line("b", &b));
    let index = s.path("archive.cdx").to_string_lossy().into_owned();
    let o = run(&["index", "build", &archive, "-o", &index]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2 articles in 2 stories (reclustered"),
        "the index holds the stories cluster gives: {}",
        stderr(&o)
    );

    let fresh = article(3, 12);
    let today = s.write(
        "today.jsonl",
        jsonl_line("a-again", &format!("{a} A new closing paragraph."))
            + &jsonl_line("fresh", &fresh)
            // Named as an indexed article, with other text: checked, not taken for it.
            + &jsonl_line("b", &format!("{fresh} One more line at the end."))
            + &jsonl_line("alone", &article(4, 12)),
    );
    let o = run(&["query", &index, &today]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = rows(&stdout(&o));
    assert_eq!(r[0]["of"], "a");
    assert_eq!(r[0]["kind"], "near_copy");
    assert!(r[0]["story"].is_u64());
    assert_eq!(
        r[0]["group"], r[0]["story"],
        "an indexed story is its group"
    );
    assert_eq!(r[1]["kind"], "new");
    assert_eq!(r[1]["story"], serde_json::Value::Null, "no indexed story");
    assert!(r[1]["group"].is_u64());
    assert_eq!(
        r[2]["of"], "fresh",
        "grouped with today's article: {:?}",
        r[2]
    );
    assert_eq!(r[2]["story"], serde_json::Value::Null);
    assert_eq!(r[2]["group"], r[1]["group"]);
    assert_ne!(r[3]["group"], r[1]["group"]);
    assert!(stderr(&o).contains("1 matched an indexed article, 1 to another queried"));
    // The index file is not changed.
    let o = run(&["index", "info", &index]);
    assert!(stdout(&o).contains("articles         2"), "{}", stdout(&o));
    let o = run(&["query", &index, &today, "--format", "table"]);
    assert!(
        stdout(&o).contains("new story · 2 articles"),
        "{}",
        stdout(&o)
    );

    // Against the index only: no groups among today's articles.
    let o = run(&["query", &index, &today, "--no-group", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "id,story,of,similarity,kind,group");
    assert!(
        lines[1].starts_with("a-again,") && lines[1].contains(",a,"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "fresh,,,,new,");
    assert_eq!(lines[3], "b,,,,new,");

    let o = run(&["index", "info", &index]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("articles         2"), "{}", stdout(&o));

    let o = run(&["index", "build", &archive, "-o", &index, "--no-revise"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2 articles in 2 stories, "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn damaged_indexes_are_refused_with_the_reason() {
    let s = Scratch::new("damaged");
    let archive = s.write("archive.jsonl", jsonl_line("a", &article(1, 12)));
    let index = s.path("i.cdx");
    let o = run(&[
        "index",
        "build",
        &archive,
        "-o",
        index.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success());
    let good = std::fs::read(&index).unwrap();
    let query = |bytes: &[u8]| {
        std::fs::write(&index, bytes).unwrap();
        let o = run(&["query", index.to_str().unwrap(), &archive]);
        assert_eq!(o.status.code(), Some(1));
        assert!(o.stdout.is_empty(), "no answer from a bad index");
        stderr(&o)
    };
    let err = query(&good[..good.len() / 2]);
    assert!(
        err.contains("corrupt index file") && err.contains("truncated"),
        "{err}"
    );
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 1;
    let err = query(&flipped);
    assert!(err.contains("checksum mismatch"), "{err}");
    let mut other = good.clone();
    other[8] = 7;
    let err = query(&other);
    assert!(err.contains("format version 7"), "{err}");
    let err = query(b"{\"id\": \"not an index\"}");
    assert!(err.contains("not a copydesk index"), "{err}");
    let err = query(b"");
    assert!(err.contains("not a copydesk index"), "{err}");
    let o = run(&["query", s.path("missing.cdx").to_str().unwrap(), &archive]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("missing.cdx"), "{}", stderr(&o));
}

#[test]
fn config_round_trips_and_bad_values_name_the_field() {
    let s = Scratch::new("config");
    let o = run(&["config", "--threshold", "0.7"]);
    assert!(o.status.success());
    let toml = stdout(&o);
    assert!(toml.contains("near_copy = 0.7"), "{toml}");
    let file = s.write("c.toml", &toml);
    let f = s.write("in.jsonl", corpus());
    let o = run(&["cluster", &f, "--config", &file, "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let o = run(&["cluster", &f, "--threshold", "1.5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("near_copy"), "{}", stderr(&o));
    let o = run(&["config", "--recluster-threshold", "0.8"]);
    assert!(
        stdout(&o).contains("min_relative_average = 0.8"),
        "{}",
        stdout(&o)
    );
    let o = run(&["cluster", &f, "--recluster-threshold", "0"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a bad option value is a usage error"
    );
    assert!(
        stderr(&o).contains("story.min_relative_average"),
        "{}",
        stderr(&o)
    );
    let bad = s.write("bad.toml", "near_copy = 0.5\nnot_a_field = 1\n");
    let o = run(&["cluster", &f, "--config", &bad]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an invalid configuration is a usage error"
    );
    assert!(stderr(&o).contains("not_a_field"), "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_2_and_help_has_examples() {
    assert_eq!(run(&["cluster"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        run(&["cluster", "x", "--format", "xml"]).status.code(),
        Some(2)
    );
    for cmd in ["cluster", "query", "eval"] {
        let o = run(&[cmd, "--help"]);
        assert!(o.status.success());
        assert!(stdout(&o).contains("Examples:"), "{cmd} --help");
    }
    let o = run(&["cluster", "/no/such/path"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/no/such/path: no such file or folder"));
    // Bad option values found after parsing are usage errors too, as documented.
    for bad in [
        &["cluster", "x", "--threshold", "2"][..],
        &["cluster", "x", "--story-threshold", "-1"],
        &["--threads", "0", "cluster", "x"],
        &["config", "--threshold", "0"],
    ] {
        let o = run(bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("--help"), "{bad:?}: {}", stderr(&o));
    }
    // A config file that cannot be read is a file error.
    let o = run(&["config", "--config", "/no/such/copydesk.toml"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn completions_and_man_page_come_from_the_command_line() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = run(&["completions", shell]);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        // Every subcommand and a few options are offered.
        for word in [
            "cluster",
            "query",
            "eval",
            "index",
            "config",
            "skip-invalid",
        ] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));
    let o = run(&["man"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(
        page.starts_with(".ie") || page.contains(".TH"),
        "roff: {page}"
    );
    assert!(page.contains(".TH copydesk"), "{page}");
    for section in ["NAME", "SYNOPSIS", "SUBCOMMANDS", "Exit status"] {
        assert!(page.contains(section), "man page lacks {section}");
    }
}

#[cfg(feature = "serve")]
#[test]
fn serve_help_lists_every_route() {
    let o = run(&["serve", "--help"]);
    assert!(o.status.success());
    let help = stdout(&o);
    for route in [
        "POST /articles",
        "POST /articles/batch",
        "GET /articles/{id}",
        "DELETE /articles/{id}",
        "GET /stories/{id}",
        "POST /stories/recluster",
        "GET /health",
        "GET /stats",
    ] {
        assert!(help.contains(route), "serve --help lacks {route}");
    }
}

#[test]
fn eval_scores_labelled_articles() {
    let s = Scratch::new("eval");
    let (a, b) = (article(1, 12), article(2, 12));
    let line = |id: &str, text: &str, cluster: &str, topic: &str| {
        serde_json::json!({"id": id, "text": text, "cluster": cluster, "topic": topic}).to_string()
            + "\n"
    };
    let f = s.write(
        "labelled.jsonl",
        line("a1", &a, "A", "t")
            + &line("a2", &format!("{a} Extra."), "A", "t")
            + &line("b1", &b, "B", "t")
            + &line("b2", &b[..b.len() / 2], "B", "t"),
    );
    let o = run(&["eval", &f]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("pairwise   P 1.000  R 1.000  F1 1.000"),
        "{out}"
    );
    assert!(
        out.contains("same-topic false merges 0.0 % of 4 pairs"),
        "{out}"
    );
    assert!(
        out.contains("near_copy       2 links,      2 right"),
        "{out}"
    );

    let o = run(&["eval", &f, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["scores"]["pair_f1"], 1.0);

    // A folder is one story; background articles are counted when they join it.
    std::fs::create_dir(s.path("story")).unwrap();
    s.write("story/x.txt", &a);
    s.write("story/y.txt", format!("{a} More."));
    let bg = s.write(
        "bg.jsonl",
        jsonl_line("bg-copy", &a) + &jsonl_line("bg-other", &b),
    );
    let story = s.path("story").to_string_lossy().into_owned();
    let o = run(&["eval", &story, "--background", &bg]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("background articles in labelled stories: 1 (bg-copy)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn output_to_a_closed_pipe_is_not_an_error() {
    let s = Scratch::new("pipe");
    let input: String = (0..2000)
        .map(|i| jsonl_line(&format!("id{i}"), &article(i, 2)))
        .collect();
    let f = s.write("in.jsonl", input);
    let mut child = bin()
        .args(["cluster", &f, "-q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn batches_read_while_the_one_before_is_inserted_decide_as_the_library() {
    // Three batches of up to 4,096 articles; one in seven from the second batch on copies an
    // article of the batch before, so verdicts reach across the batches that overlap.
    let s = Scratch::new("batches");
    let texts: Vec<(String, String)> = (0..9000u64)
        .map(|i| {
            let source = if i >= 4096 && i % 7 == 0 { i - 4000 } else { i };
            (format!("id{i}"), article(source, 2))
        })
        .collect();
    let input: String = texts.iter().map(|(id, t)| jsonl_line(id, t)).collect();
    let f = s.write("in.jsonl", &input);
    // What the library gives for the same batches.
    let expected = |recluster: bool| -> Vec<(String, u64, Option<String>)> {
        let mut d = copydesk::Detector::new(Default::default()).unwrap();
        for chunk in texts.chunks(4096) {
            for v in d.par_insert_batch(chunk) {
                v.unwrap();
            }
        }
        if recluster {
            d.recluster();
        }
        d.verdicts()
            .map(|(id, v)| (id.to_string(), v.story.0, v.matched.map(|m| m.id)))
            .collect()
    };
    let got = |o: &Output| -> Vec<(String, u64, Option<String>)> {
        rows(&stdout(o))
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_string(),
                    r["story"].as_u64().unwrap(),
                    r["of"].as_str().map(str::to_string),
                )
            })
            .collect()
    };
    for (mode, recluster) in [("--no-revise", false), ("--recluster", true)] {
        let o = run(&["cluster", &f, mode, "--format", "jsonl", "-q"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let got = got(&o);
        assert_eq!(got.len(), texts.len());
        assert!(
            got.iter().filter(|r| r.2.is_some()).count() > 600,
            "copies found"
        );
        assert_eq!(got, expected(recluster), "{mode}");
    }

    // A broken line in the third batch: the articles before it are decided and written.
    let mut lines: Vec<String> = texts.iter().map(|(id, t)| jsonl_line(id, t)).collect();
    lines.insert(8500, "{\"id\": \"broken\n".to_string());
    let f = s.write("broken.jsonl", lines.concat());
    for mode in ["--no-revise", "--recluster"] {
        let o = run(&["cluster", &f, mode, "--format", "jsonl", "-q"]);
        assert_eq!(o.status.code(), Some(1), "{mode}");
        assert!(
            stderr(&o).contains("broken.jsonl:8501: invalid JSON"),
            "{}",
            stderr(&o)
        );
        let got = got(&o);
        assert_eq!(got.len(), 8500, "{mode}");
        assert_eq!(got.last().unwrap().0, "id8499");
    }
}

/// With publication times, the earliest version is the original whatever the input order, in
/// every mode; an unreadable time is read as none and counted; `--time-field none` ignores them.
#[test]
fn publication_times_decide_which_version_is_first() {
    let s = Scratch::new("times");
    let text = article(4, 6);
    let lines = [
        serde_json::json!({"id": "outlet", "text": text, "pubDate": "Tue, 06 Jan 2026 12:00:00 +0000"}),
        serde_json::json!({"id": "wire", "text": text, "pubDate": "Tue, 06 Jan 2026 08:00:00 +0000"}),
        serde_json::json!({"id": "odd", "text": article(9, 6), "pubDate": "the day after"}),
    ];
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let f = s.write("in.jsonl", &body);
    let last_verdicts = |args: &[&str]| {
        let o = run(args);
        assert!(o.status.success(), "{}", stderr(&o));
        let mut by_id = std::collections::HashMap::new();
        for r in rows(&stdout(&o)) {
            by_id.insert(r["id"].as_str().unwrap().to_string(), r);
        }
        (by_id, stderr(&o))
    };
    for mode in [&[][..], &["--stream"][..], &["--no-revise"][..]] {
        let mut args = vec!["cluster", "--format", "jsonl", &f];
        args.extend_from_slice(mode);
        let (v, err) = last_verdicts(&args);
        assert_eq!(v["wire"]["kind"], "new", "{mode:?}");
        assert_eq!(
            (&v["outlet"]["kind"], &v["outlet"]["of"]),
            (&serde_json::json!("exact"), &serde_json::json!("wire")),
            "{mode:?}"
        );
        assert!(err.contains("1 with an unreadable time"), "{err}");
    }
    let (v, _) = last_verdicts(&["cluster", "--format", "jsonl", "--time-field", "none", &f]);
    assert_eq!(v["outlet"]["kind"], "new", "arrival order without times");
    assert_eq!(v["wire"]["of"], "outlet");
}

/// The samples carry their publication times in front matter: the wire, published first, is
/// the original its outlets copy, although its file comes last in the folder.
#[test]
fn the_samples_wire_is_the_original() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/articles");
    let o = run(&["cluster", "--format", "jsonl", dir]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = rows(&stdout(&o));
    let get = |id: &str| r.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(get("wire-harbour-bridge")["kind"], "new");
    let courier = get("daily-courier-bridge");
    assert_eq!(
        (&courier["kind"], &courier["of"]),
        (
            &serde_json::json!("exact"),
            &serde_json::json!("wire-harbour-bridge")
        )
    );
    assert!(!stdout(&o).contains("---"));
}

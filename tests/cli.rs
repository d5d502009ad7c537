//! The `copydesk` binary, run on generated inputs: formats, broken input, indexes, eval.

mod common;

use common::article;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_copydesk"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// A scratch folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("copydesk-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn jsonl_line(id: &str, text: &str) -> String {
    serde_json::json!({"id": id, "text": text}).to_string() + "\n"
}

fn rows(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// Three stories: an original with a trimmed copy, another with an exact copy, one alone.
fn corpus() -> String {
    let (a, b, c) = (article(1, 12), article(2, 12), article(3, 12));
    let trimmed = a[..a.len() * 3 / 4].to_string();
    [
        jsonl_line("a", &a),
        jsonl_line("b", &b),
        jsonl_line("a-trimmed", &trimmed),
        jsonl_line("c", &c),
        jsonl_line("b-copy", &b.to_uppercase()),
    ]
    .concat()
}

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
fn folders_single_files_and_stdin() {
    let s = Scratch::new("folders");
    std::fs::create_dir(s.path("dir")).unwrap();
    let a = article(5, 10);
    s.write("dir/first.txt", &a);
    s.write(
        "dir/second.md",
        format!("{a} One more sentence at the end."),
    );
    s.write("dir/ignored.json", "not an article");
    let single = s.write("third.txt", article(6, 10));
    let dir = s.path("dir").to_string_lossy().into_owned();
    let mut child = bin()
        .args(["cluster", &dir, &single, "-", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(jsonl_line("from-stdin", &a).as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    let r = rows(&stdout(&o));
    let ids: Vec<&str> = r.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["first", "second", "third", "from-stdin"]);
    assert_eq!(r[1]["of"], "first");
    assert_eq!(r[3]["kind"], "exact");
}

#[test]
fn renamed_fields() {
    let s = Scratch::new("fields");
    let line = serde_json::json!({"guid": 17, "body": article(8, 6)}).to_string();
    let f = s.write("in.jsonl", line + "\n");
    let o = run(&[
        "cluster",
        &f,
        "--id-field",
        "guid",
        "--text-field",
        "body",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(rows(&stdout(&o))[0]["id"], "17");
    let o = run(&["cluster", &f, "-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("in.jsonl:1: missing field \"id\""),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_broken_line_stops_the_run_with_its_place_unless_skipped() {
    let s = Scratch::new("broken");
    let input = [
        jsonl_line("a", &article(1, 5)),
        "\n".to_string(),
        "{\"id\": \"b\", \"text\": \"unterminated\n".to_string(),
        jsonl_line("c", &article(3, 5)),
        "[1, 2]\n".to_string(),
    ]
    .concat();
    let f = s.write("in.jsonl", input);
    // Whether lines are written as articles are decided or once the stories are revised
    // (the default, and --merge, which lost them before), the articles before the broken
    // line are written out.
    for mode in [&[][..], &["--no-revise"], &["--merge"], &["--stream"]] {
        let o = run(&[&["cluster", &f][..], mode].concat());
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(err.contains("in.jsonl:3: invalid JSON"), "{err}");
        assert!(err.contains("--skip-invalid"), "{err}");
        assert_eq!(rows(&stdout(&o)).len(), 1, "{mode:?}");
    }

    let o = run(&["cluster", &f, "--skip-invalid"]);
    assert!(o.status.success());
    let err = stderr(&o);
    assert!(err.contains("in.jsonl:5: expected a JSON object"), "{err}");
    assert!(err.contains("2 broken lines skipped"), "{err}");
    let ids: Vec<String> = rows(&stdout(&o))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["a", "c"]);
}

#[test]
fn invalid_utf8_is_decoded_with_a_count_and_empty_text_is_reported() {
    let s = Scratch::new("utf8");
    let mut input = jsonl_line("a", &article(1, 5)).into_bytes();
    input.extend_from_slice(b"{\"id\":\"latin1\",\"text\":\"Caf\xe9 owners in the old town protest against the new parking fees.\"}\n");
    input.extend_from_slice(jsonl_line("blank", " \n\t ").as_bytes());
    input.extend_from_slice(jsonl_line("punct", "... -- !!").as_bytes());
    let f = s.write("in.jsonl", input);
    let o = run(&["cluster", &f]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("1 with invalid UTF-8 decoded lossily"),
        "{err}"
    );
    assert!(err.contains("blank: article has no words"), "{err}");
    assert!(err.contains("2 left out"), "{err}");
    let ids: Vec<String> = rows(&stdout(&o))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["a", "latin1"]);
}

#[test]
fn an_id_reused_for_other_text_is_reported() {
    let s = Scratch::new("conflict");
    let input = [
        jsonl_line("a", &article(1, 5)),
        jsonl_line("a", &article(1, 5)),
        jsonl_line("a", &article(2, 5)),
    ]
    .concat();
    let f = s.write("in.jsonl", input);
    let o = run(&["cluster", &f, "--stream"]);
    assert!(o.status.success());
    assert_eq!(rows(&stdout(&o)).len(), 2, "the repeat is idempotent");
    assert!(stderr(&o).contains("already inserted with different text"));
}

#[test]
fn a_50_mb_article_is_refused_by_default_and_processed_under_a_raised_limit() {
    let s = Scratch::new("huge");
    let paragraph = article(11, 40);
    let mut text = String::with_capacity(51 << 20);
    while text.len() < 50 << 20 {
        text.push_str(&paragraph);
        text.push_str(&format!("Paragraph {} ends here.\n", text.len()));
    }
    let tail = text[text.len() - 20_000..].to_string();
    let f = s.write(
        "in.jsonl",
        jsonl_line("huge", &text) + &jsonl_line("tail", &tail),
    );
    drop(text);
    // Over the default limit (1 MiB): left out, said so, and the run goes on.
    let o = run(&["cluster", &f, "--format", "jsonl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(rows(&stdout(&o)).len(), 1);
    assert!(stderr(&o).contains("huge"), "{}", stderr(&o));
    // Under a limit raised for it, processed.
    let config = s.write("big.toml", "max_article_bytes = 67108864\n");
    let o = run(&["cluster", &f, "-q", "-c", &config]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = rows(&stdout(&o));
    assert_eq!(r.len(), 2);
    assert_eq!(
        r[1]["of"], "huge",
        "its tail is found inside it: {:?}",
        r[1]
    );
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

/// The ids and kinds of a run's rows, in order.
fn verdicts(o: &Output) -> Vec<(String, String)> {
    assert!(o.status.success(), "{}", stderr(o));
    rows(&stdout(o))
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The same three stories as JSON lines, a JSON array, CSV, TSV, each plain, gzipped and
/// zstd-compressed, with a byte-order mark, give the same verdicts.
#[test]
fn every_record_format_and_compression_reads_alike() {
    use std::io::Write as _;
    let s = Scratch::new("formats");
    let want = verdicts(&run(&[
        "cluster",
        "--format",
        "jsonl",
        &s.write("in.jsonl", corpus()),
    ]));
    let objects: Vec<serde_json::Value> = corpus()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let array = serde_json::to_string_pretty(&objects).unwrap();
    let table = |sep: u8| {
        let mut w = csv::WriterBuilder::new()
            .delimiter(sep)
            .from_writer(Vec::new());
        w.write_record(["id", "text"]).unwrap();
        for o in &objects {
            w.write_record([o["id"].as_str().unwrap(), o["text"].as_str().unwrap()])
                .unwrap();
        }
        w.into_inner().unwrap()
    };
    let bom = |b: Vec<u8>| [b"\xef\xbb\xbf".to_vec(), b].concat();
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("a.json", array.clone().into_bytes()),
        ("array.data", array.into_bytes()),
        ("b.csv", table(b',')),
        ("c.tsv", table(b'\t')),
        ("d.jsonl", bom(corpus().into_bytes())),
        ("e.csv", bom(table(b','))),
    ];
    for (name, bytes) in inputs {
        let gz = {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&bytes).unwrap();
            e.finish().unwrap()
        };
        let zst = zstd::encode_all(&bytes[..], 1).unwrap();
        for (file, data) in [
            (name.to_string(), bytes.clone()),
            (format!("{name}.gz"), gz),
            (format!("{name}.zst"), zst),
        ] {
            let f = s.write(&file, data);
            assert_eq!(
                verdicts(&run(&["cluster", "--format", "jsonl", &f])),
                want,
                "{file}"
            );
        }
    }
    // Compressed JSON lines on stdin, told by their magic bytes.
    let zst = zstd::encode_all(corpus().as_bytes(), 1).unwrap();
    let mut child = bin()
        .args(["cluster", "--format", "jsonl", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&zst).unwrap();
    assert_eq!(verdicts(&child.wait_with_output().unwrap()), want);
}

/// Folders are read recursively, ids are relative paths, hidden entries are left out; a
/// compressed text file is one article.
#[test]
fn folders_are_read_recursively_with_relative_ids() {
    use std::io::Write as _;
    let s = Scratch::new("tree");
    for dir in ["a", "b/deep", ".hidden"] {
        std::fs::create_dir_all(s.path(dir)).unwrap();
    }
    s.write("a/story.txt", article(1, 6));
    s.write("b/story.txt", article(2, 6));
    s.write("b/deep/story.md", article(1, 6));
    s.write(".hidden/story.txt", article(3, 6));
    s.write("top.txt", article(4, 6));
    let got = verdicts(&run(&[
        "cluster",
        "--format",
        "jsonl",
        s.0.to_str().unwrap(),
    ]));
    let ids: Vec<&str> = got.iter().map(|v| v.0.as_str()).collect();
    assert_eq!(ids.len(), 4, "{ids:?}");
    for id in ["a/story", "b/story", "b/deep/story", "top"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    let deep = got.iter().find(|v| v.0 == "b/deep/story").unwrap();
    assert_eq!(deep.1, "exact", "a copy of a/story");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(article(5, 6).as_bytes()).unwrap();
    let f = s.write("lone.txt.gz", e.finish().unwrap());
    assert_eq!(
        verdicts(&run(&["cluster", "--format", "jsonl", &f]))[0].0,
        "lone"
    );
}

/// A file none of whose records can be read is an error even when skipping broken ones; a
/// file of unknown format says how to name it; a CSV without the text column says which.
#[test]
fn unreadable_files_are_clear_errors() {
    let s = Scratch::new("unreadable");
    let f = s.write("broken.jsonl", "{\"id\": 1\n{\"id\": 2\n");
    let o = run(&["cluster", "--skip-invalid", &f]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("none of its 2 records could be read"),
        "{}",
        stderr(&o)
    );
    let f = s.write("page.data", "<html><body>Hello</body></html>");
    let o = run(&["cluster", &f]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--input-format"), "{}", stderr(&o));
    let f = s.write("t.csv", "id,body\na,hello world\n");
    let o = run(&["cluster", &f]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no column \"text\""), "{}", stderr(&o));
    let o = run(&["cluster", "--text-field", "body", "--format", "jsonl", &f]);
    assert_eq!(verdicts(&o), [("a".to_string(), "new".to_string())]);
    // JSON lines in a file named .txt, read as such on request.
    let f = s.write("x.txt", corpus());
    let o = run(&[
        "cluster",
        "--format",
        "jsonl",
        "--input-format",
        "jsonl",
        &f,
    ]);
    assert_eq!(verdicts(&o).len(), 5);
}

/// Web pages in a folder, one given alone, and one in a JSONL `html` field: their article
/// text is read, with the page's publication time.
#[test]
fn web_pages_are_read_as_their_article() {
    let s = Scratch::new("html");
    let body = article(6, 8).replace(". ", ".</p>\n<p>");
    let page = |site: &str, time: &str| {
        format!(
            "<html><head><title>{site}</title><meta property=\"article:published_time\" \
             content=\"{time}\"></head><body><nav><a href=\"/\">{site} home</a> \
             <a href=\"/news\">News</a></nav><article><h1>Harbour news</h1><p>{body}</p>\
             </article><footer>{site}, all rights reserved</footer></body></html>"
        )
    };
    std::fs::create_dir_all(s.path("pages")).unwrap();
    s.write(
        "pages/courier.html",
        page("Courier", "2026-03-12T18:00:00Z"),
    );
    s.write("pages/post.htm", page("Post", "2026-03-12T09:00:00Z"));
    let line = serde_json::json!({"id": "feed", "html": page("Feed", "2026-03-12T20:00:00Z")});
    let f = s.write("feed.jsonl", format!("{line}\n"));
    let lone = s.write("lone.html", page("Lone", "2026-03-12T21:00:00Z"));
    let o = run(&[
        "cluster",
        "--format",
        "jsonl",
        s.path("pages").to_str().unwrap(),
        &f,
        &lone,
    ]);
    let r = rows(&stdout(&o));
    assert!(o.status.success(), "{}", stderr(&o));
    let get = |id: &str| r.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(get("post")["kind"], "new", "published first: {r:?}");
    for id in ["courier", "feed", "lone"] {
        assert_eq!(get(id)["story"], get("post")["story"], "{id}: {r:?}");
        assert_ne!(get(id)["kind"], "rewrite", "{id} is a copy: {r:?}");
    }
}

/// A web archive, plain and gzipped record by record as crawls store them: its HTML response
/// records are pages (id = the target URI, time = the page's own or else the record's date);
/// requests, metadata and images are passed over.
#[test]
fn web_archives_are_read_a_record_at_a_time() {
    use std::io::Write as _;
    let s = Scratch::new("warc");
    let body = article(8, 8).replace(". ", ".</p>\n<p>");
    let html = |site: &str| {
        format!(
            "<html><head><title>{site}</title></head><body><nav><a href=\"/\">{site}</a></nav>\
             <article><h1>Harbour news</h1><p>{body}</p></article><footer>{site} footer\
             </footer></body></html>"
        )
    };
    let record = |kind: &str, uri: &str, date: &str, content_type: &str, content: &str| {
        let block = match kind {
            "response" => {
                format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n\r\n{content}")
            }
            _ => content.to_string(),
        };
        format!(
            "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: {date}\r\n\
             WARC-Record-ID: <urn:uuid:{}>\r\nContent-Type: application/http; msgtype={kind}\r\n\
             Content-Length: {}\r\n\r\n{block}\r\n\r\n",
            uri.len(),
            block.len()
        )
    };
    let records = [
        record(
            "request",
            "https://courier.example/a",
            "2026-03-12T18:00:00Z",
            "",
            "GET /a HTTP/1.1\r\n\r\n",
        ),
        record(
            "response",
            "https://courier.example/a",
            "2026-03-12T18:00:00Z",
            "text/html; charset=utf-8",
            &html("Courier"),
        ),
        record(
            "response",
            "https://courier.example/logo.png",
            "2026-03-12T18:00:01Z",
            "image/png",
            "PNG",
        ),
        record(
            "response",
            "https://post.example/b",
            "2026-03-12T09:00:00Z",
            "text/html",
            &html("Post"),
        ),
    ];
    let plain = s.write("crawl.warc", records.concat());
    let mut gz = Vec::new();
    for r in &records {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(r.as_bytes()).unwrap();
        gz.extend(e.finish().unwrap());
    }
    let gz = s.write("crawl.warc.gz", gz);
    for f in [plain, gz] {
        let o = run(&["cluster", "--format", "jsonl", &f]);
        assert!(o.status.success(), "{}", stderr(&o));
        let r = rows(&stdout(&o));
        assert_eq!(r.len(), 2, "{r:?}");
        let get = |id: &str| r.iter().find(|r| r["id"] == id).unwrap().clone();
        assert_eq!(
            get("https://post.example/b")["kind"],
            "new",
            "fetched first: {r:?}"
        );
        assert_eq!(
            get("https://courier.example/a")["of"],
            "https://post.example/b"
        );
    }
}

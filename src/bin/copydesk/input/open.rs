//! Opening a stream of records: a file or stdin, decompressed when it is gzip or zstd (by its
//! magic bytes, whatever its name), a UTF-8 byte-order mark skipped, and its format told from
//! the extension and the first byte.

use super::InputFormat;
use anyhow::{bail, Context, Result};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// A path (`-` for stdin) opened for reading: its name for messages, the decompressed
/// stream, and the format it is read as.
pub fn open(
    path: &Path,
    format: Option<InputFormat>,
) -> Result<(String, Box<dyn BufRead>, InputFormat)> {
    let (name, raw): (String, Box<dyn BufRead>) = if path.as_os_str() == "-" {
        ("<stdin>".into(), Box::new(std::io::stdin().lock()))
    } else {
        let f = File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
        (
            path.display().to_string(),
            Box::new(BufReader::with_capacity(1 << 16, f)),
        )
    };
    let mut reader = decompress(raw).with_context(|| format!("{name}: cannot read"))?;
    skip_bom(&mut reader).with_context(|| format!("{name}: cannot read"))?;
    let format = match format {
        Some(f) => f,
        None => detect(path, &mut reader).with_context(|| format!("{name}: cannot read"))??,
    };
    Ok((name, reader, format))
}

/// The stream, decompressed if it starts with gzip's or zstd's magic bytes.
fn decompress(mut r: Box<dyn BufRead>) -> std::io::Result<Box<dyn BufRead>> {
    let head = r.fill_buf()?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(r),
        ))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(BufReader::with_capacity(
            1 << 16,
            zstd::stream::read::Decoder::with_buffer(r)?,
        ))
    } else {
        r
    })
}

fn skip_bom(r: &mut Box<dyn BufRead>) -> std::io::Result<()> {
    if r.fill_buf()?.starts_with(&[0xef, 0xbb, 0xbf]) {
        r.consume(3);
    }
    Ok(())
}

/// The format, from the extension under any `.gz`/`.zst`, else from the first bytes: `WARC/`
/// a web archive, `[` a JSON array, `{` JSON lines.
fn detect(path: &Path, r: &mut Box<dyn BufRead>) -> std::io::Result<Result<InputFormat>> {
    let name = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_ascii_lowercase();
    let name = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    let ext = name.rsplit_once('.').map(|(_, e)| e);
    let head = r.fill_buf()?;
    let warc = head.starts_with(b"WARC/");
    let first = head.iter().copied().find(|b| !b.is_ascii_whitespace());
    Ok(Ok(match (ext, first) {
        (Some("csv"), _) => InputFormat::Csv,
        (Some("tsv" | "tab"), _) => InputFormat::Tsv,
        (Some("txt" | "md"), _) => InputFormat::Text,
        (Some("html" | "htm"), _) => InputFormat::Html,
        (Some("warc"), _) => InputFormat::Warc,
        _ if warc => InputFormat::Warc,
        (_, Some(b'[')) => InputFormat::Json,
        (Some("jsonl" | "ndjson" | "jsonlines" | "json"), _) | (_, Some(b'{')) => {
            InputFormat::Jsonl
        }
        (_, None) => InputFormat::Jsonl,
        (_, Some(_)) => {
            return Ok(Err(anyhow::anyhow!(
                "cannot tell what format this is (not JSON lines, a JSON array, CSV or TSV by its \
                 name or first character): name it with --input-format"
            )))
        }
    }))
}

/// Checks a format given for a folder: its files are text.
pub fn check_folder_format(path: &Path, format: Option<InputFormat>) -> Result<()> {
    match format {
        None | Some(InputFormat::Text | InputFormat::Html) => Ok(()),
        Some(InputFormat::Warc) => bail!(
            "{}: a folder is read as text files, not as WARC",
            path.display()
        ),
        Some(f) => bail!(
            "{}: a folder is read as text files, not as {f:?}",
            path.display()
        ),
    }
}

//! Article text from a web page: the body without navigation, banners, related links,
//! comments and footers, with the title, byline and publication time where the page marks
//! them up.
//!
//! Pages are parsed by an HTML5 parser (html5ever, through `dom_query`) and the article is
//! found by Mozilla's Readability algorithm as the `dom_smoothie` crate implements it: it
//! scores blocks by their text, commas and link density and keeps the best and its siblings.
//! Boilerplate is the classic enemy of near-duplicate detection on the web: two pages of one
//! site share their template's every word, and two outlets' copies of one story share none of
//! theirs. With the template gone, the same story on two sites reads as one text, and two
//! stories on one site as two.
//!
//! ```
//! let page = r#"<html><head><title>Bridge shut</title>
//! <meta property="article:published_time" content="2026-03-12T18:05:00Z"></head>
//! <body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
//! <article><h1>Halvorsen Bridge shut after cracks found</h1>
//! <p>The Halvorsen Bridge, the only road link between Port Alder and the island suburb of
//! Meriden, was closed indefinitely on Thursday after engineers found cracks in two of its
//! steel support cables, the city's transport authority said.</p>
//! <p>About 38,000 vehicles cross the span each day, and the closure would last at least six
//! weeks while divers and cable specialists examined the structure, officials said.</p>
//! </article><footer>Contact us. Privacy. All rights reserved.</footer></body></html>"#;
//! let article = copydesk::html::extract(page)?;
//! assert!(article.text.contains("cracks in two of its"));
//! assert!(!article.text.contains("Privacy"));
//! assert_eq!(article.published.unwrap().unix_seconds(), 1_773_338_700);
//! # Ok::<(), copydesk::Error>(())
//! ```

use crate::error::{ErrorKind, Result};
use crate::time::Timestamp;

/// What [`extract`] reads from a page.
#[derive(Clone, Debug, PartialEq)]
pub struct PageArticle {
    /// The article's text: its headline and paragraphs, one block a line.
    pub text: String,
    /// The page's title, as marked up.
    pub title: Option<String>,
    /// The author line, as marked up.
    pub byline: Option<String>,
    /// The publication time, when the page marks it up in RFC 3339
    /// (`article:published_time`, JSON-LD `datePublished` and the like).
    pub published: Option<Timestamp>,
}

/// The article in an HTML page.
///
/// # Errors
/// [`ErrorKind::EmptyText`] when no article text can be found in the page.
pub fn extract(html: &str) -> Result<PageArticle> {
    // Blocks on lines of their own: without it the last word of one block and the first of
    // the next run together.
    let config = dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        ..dom_smoothie::Config::default()
    };
    let mut readability = dom_smoothie::Readability::new(html, None, Some(config))
        .map_err(|_| crate::Error::from(ErrorKind::EmptyText))?;
    let article = readability
        .parse()
        .map_err(|_| crate::Error::from(ErrorKind::EmptyText))?;
    let text = article.text_content.to_string();
    if text.trim().is_empty() {
        return Err(ErrorKind::EmptyText.into());
    }
    let some = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    Ok(PageArticle {
        text,
        title: some(article.title),
        byline: article.byline.and_then(some),
        published: article
            .published_time
            .as_deref()
            .and_then(|t| Timestamp::parse_rfc3339(t.trim())),
    })
}

#![cfg(feature = "html")]
//! Web pages: the same articles in three site templates come out as copies of their plain
//! text, and different articles in one template do not look alike. Every page and article here
//! is written for this test.

use copydesk::{Detector, DetectorConfig};

/// Three articles, each a list of paragraphs (the first is the headline).
const ARTICLES: [&[&str]; 3] = [
    &[
        "Halvorsen Bridge shut after cracks found in cables",
        "The Halvorsen Bridge, the only road link between Port Alder and the island suburb of \
         Meriden, was closed indefinitely on Thursday after engineers found cracks in two of its \
         steel support cables, the city's transport authority said.",
        "About 38,000 vehicles cross the span each day. Transport commissioner Ines Okafor said \
         the closure would last at least six weeks while divers and cable specialists examined \
         the structure, and that no date for reopening could be given yet.",
        "Ferry operator Bluewater Lines said it would double sailings between Meriden and the \
         city centre from Friday, and the authority promised free shuttle buses through the \
         Kessel tunnel, a detour of about 25 minutes.",
        "The bridge, opened in 1974, was last inspected in March. Engineers had flagged \
         corrosion on the northern anchorage then, but rated the cables sound.",
    ],
    &[
        "Orchard growers expect smallest harvest in a decade",
        "Apple growers in the Vale of Tarrin expect their smallest harvest in ten years after a \
         late April frost killed blossom across most of the valley's orchards, the growers' \
         cooperative said on Wednesday.",
        "Cooperative chair Anneli Rosk said members would pick about 14,000 tonnes, against \
         31,000 in an ordinary year, and that several family farms would need help to pay \
         seasonal workers through the autumn.",
        "The regional council has set aside 2.5 million to cover interest on emergency loans, \
         and the cooperative is asking supermarkets to accept smaller fruit with frost marks \
         on the skin.",
        "Growers who planted late-flowering varieties on the valley's upper slopes were largely \
         spared, Rosk said, and some are now considering replanting lower orchards.",
    ],
    &[
        "City council approves budget after six-hour debate",
        "Port Alder's city council approved a budget of 412 million for next year on Tuesday \
         night, after a six-hour debate that ended with a narrow vote of 23 to 20.",
        "The budget raises spending on libraries and street lighting, freezes the council's \
         share of property tax, and delays the planned renovation of the central bus station \
         by two years.",
        "Opposition councillors said the delay would leave commuters waiting in a building \
         that fails safety standards, while the mayor, Dario Venn, called the plan the most \
         careful the city had passed in a decade.",
        "The budget takes effect in January once the regional auditor has reviewed it.",
    ],
];

/// A page in one of three site templates, each with its own navigation, banners, related
/// links, comments and footer.
fn page(template: usize, article: &[&str]) -> String {
    let (headline, body) = (article[0], &article[1..]);
    let paragraphs: String = body.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    match template {
        0 => format!(
            "<!doctype html><html><head><title>{headline} | The Daily Courier</title>\
             <meta property=\"article:published_time\" content=\"2026-03-12T18:05:00Z\"></head>\
             <body><header><nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/news\">News</a>\
             </li><li><a href=\"/sport\">Sport</a></li><li><a href=\"/weather\">Weather</a></li>\
             <li><a href=\"/opinion\">Opinion</a></li></ul></nav></header>\
             <div id=\"cookie-banner\" class=\"cookie-consent\"><p>We use cookies to improve \
             your experience. <a href=\"/privacy\">Manage preferences</a></p></div>\
             <main><article><h1>{headline}</h1><p class=\"byline\">By Marta Lindqvist</p>\
             {paragraphs}</article>\
             <aside class=\"related\"><h2>Related stories</h2><ul>\
             <li><a href=\"/a\">Harbour festival draws record crowds</a></li>\
             <li><a href=\"/b\">New tram line opens on the east side</a></li>\
             <li><a href=\"/c\">Schools prepare for winter storms</a></li></ul></aside></main>\
             <footer><p>© 2026 The Daily Courier. All rights reserved.</p>\
             <a href=\"/terms\">Terms</a> <a href=\"/contact\">Contact us</a></footer></body></html>"
        ),
        1 => format!(
            "<html><head><title>Evening Post – {headline}</title>\
             <script type=\"application/ld+json\">{{\"@context\":\"https://schema.org\",\
             \"@type\":\"NewsArticle\",\
             \"datePublished\":\"2026-03-12T19:30:00Z\"}}</script></head><body>\
             <div class=\"topbar\"><a href=\"/subscribe\">Subscribe for 1 a week</a> \
             <a href=\"/login\">Sign in</a></div>\
             <div class=\"menu\"><a href=\"/local\">Local</a> | <a href=\"/business\">Business</a> \
             | <a href=\"/culture\">Culture</a> | <a href=\"/travel\">Travel</a></div>\
             <div class=\"ad\">Advertisement: Winter tyres half price at Garrow Motors this \
             weekend only.</div>\
             <div class=\"story-body\"><h2>{headline}</h2>{paragraphs}</div>\
             <div class=\"comments\"><h3>12 comments</h3><div class=\"comment\">Typical, another \
             thing falling apart in this town.</div><div class=\"comment\">Does anyone know if \
             the night ferry runs on Sundays?</div></div>\
             <div class=\"footer\">Evening Post Media Group · Advertise with us · Careers · \
             Accessibility</div></body></html>"
        ),
        _ => format!(
            "<html><head><title>{headline}</title></head><body>\
             <table width=\"100%\"><tr><td class=\"sidebar\"><a href=\"/\">Front page</a><br>\
             <a href=\"/archive\">Archive</a><br><a href=\"/letters\">Letters</a><br>\
             <a href=\"/notices\">Public notices</a></td><td class=\"content\">\
             <div class=\"entry\"><h1>{headline}</h1><div class=\"meta\">Posted by the news desk \
             in Local News</div>{paragraphs}</div>\
             <div class=\"share\">Share this: Facebook Twitter Email Print</div>\
             <div class=\"newsletter\">Sign up for our morning newsletter and never miss a story \
             from the valley.</div></td></tr></table>\
             <div id=\"footer\">Meriden Gazette, 14 Quay Street. Letters to the editor welcome.\
             </div></body></html>"
        ),
    }
}

/// The words of a text, lowercased, without punctuation.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[test]
fn the_same_article_in_any_template_is_a_copy_and_templates_do_not_make_pages_alike() {
    let mut d = Detector::new(DetectorConfig::default()).unwrap();
    let (mut kept, mut body_words, mut left, mut extracted_words) = (0, 0, 0, 0);
    for (a, article) in ARTICLES.iter().enumerate() {
        let plain = article.join("\n");
        d.insert(&format!("plain{a}"), &plain).unwrap();
        let body: std::collections::HashSet<String> = words(&plain).into_iter().collect();
        for t in 0..3 {
            let extracted = copydesk::html::extract(&page(t, article)).unwrap();
            let got = words(&extracted.text);
            kept += body.iter().filter(|w| got.contains(w)).count();
            body_words += body.len();
            let extra: Vec<&String> = got.iter().filter(|w| !body.contains(*w)).collect();
            if !extra.is_empty() {
                println!("template {t}, article {a}: left {extra:?}");
            }
            left += extra.len();
            extracted_words += got.len();
            d.insert(&format!("page{a}-{t}"), &extracted.text).unwrap();
            if t < 2 {
                assert!(
                    extracted.published.is_some(),
                    "template {t}: the time is read"
                );
            }
        }
    }
    let kept = kept as f64 / body_words as f64;
    let left = left as f64 / extracted_words as f64;
    println!("body words kept {kept:.3}; words of the extracted text not in the body {left:.3}");
    assert!(kept >= 0.98, "body kept {kept:.3}");
    assert!(left <= 0.10, "boilerplate left {left:.3}");
    for a in 0..3 {
        for t in 0..3 {
            let s = d
                .compare(&format!("plain{a}"), &format!("page{a}-{t}"))
                .unwrap();
            assert!(
                s.exact || s.jaccard >= 0.5 || s.containment >= 0.8,
                "article {a} in template {t}: {s:?}"
            );
            for b in (0..3).filter(|&b| b != a) {
                let s = d
                    .compare(&format!("page{a}-{t}"), &format!("page{b}-{t}"))
                    .unwrap();
                // Not copies of each other. (Their cosine is not always low: a template's
                // advertisement left in the text is shared vocabulary, rare in so small a
                // corpus; the stories below must still be apart.)
                assert!(
                    !s.exact && s.jaccard < 0.1 && s.containment < 0.2,
                    "{a} and {b} in template {t}: {s:?}"
                );
                println!(
                    "articles {a} and {b} in template {t}: cosine {:.2}",
                    s.cosine
                );
            }
        }
    }
    let stories = d.finish();
    for a in 0..3 {
        let story = stories.story_of(&format!("plain{a}"));
        for t in 0..3 {
            assert_eq!(
                stories.story_of(&format!("page{a}-{t}")),
                story,
                "{a} in {t}"
            );
        }
        for b in (0..3).filter(|&b| b != a) {
            assert_ne!(stories.story_of(&format!("plain{b}")), story);
        }
    }
}

#[test]
fn a_page_without_an_article_gives_little_or_nothing() {
    let nav = "<html><body><nav><a href=\"/\">Home</a></nav></body></html>";
    if let Ok(page) = copydesk::html::extract(nav) {
        assert!(words(&page.text).len() <= 2, "{page:?}");
    }
    assert!(copydesk::html::extract("<html><body></body></html>").is_err());
}

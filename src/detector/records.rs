//! An article's [`ArticleRecord`]: what an application stores to rebuild a detector article by
//! article ([`Detector::record`](crate::Detector::record),
//! [`Detector::restore`](crate::Detector::restore)), as the ingest service does with SQLite.
//!
//! Owns checking a record against the detector's configuration before anything of it is
//! indexed, so a bad record changes nothing. Whole-detector files are [`super::persist`]'s.

use super::articles::Doc;
use super::verdict::{StoredMatch, Verdict};
use super::Detector;
use crate::cluster::StoryId;
use crate::error::{Error, ErrorKind, Result};
use crate::hash::push_to;
use crate::minhash::CompactSignature;
use crate::terms::TermVector;
use crate::time::Timestamp;
use std::sync::Arc;

/// an application stores to rebuild the detector later with [`Detector::restore`], article by
/// article (the ingest service keeps one per database row).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ArticleRecord {
    /// The detector's internal number for the article, in insertion order. Story ids are the
    /// numbers of the articles that founded them.
    pub number: u32,
    /// The article's id.
    pub id: String,
    /// Hash of its normalised word sequence.
    pub content: u64,
    /// Its story.
    pub story: StoryId,
    /// Its MinHash signature, compact (as the LSH index keeps it).
    pub signature: CompactSignature,
    /// Its weighted term vector.
    pub vector: TermVector,
    /// The verdict it was given.
    pub verdict: Verdict,
    /// The story candidates it was weighed against when it was decided: the numbers of
    /// earlier articles, with their similarity (over 0, at most 1). [`Detector::recluster`]
    /// links articles by them. `None` when not known (and when absent from a self-describing
    /// format such as JSON); recluster then looks them up.
    #[cfg_attr(feature = "serde", serde(default))]
    pub links: Option<Vec<(u32, f32)>>,
    /// When it was published, if known.
    #[cfg_attr(feature = "serde", serde(default))]
    pub published: Option<Timestamp>,
    /// Where it comes from, if known.
    #[cfg_attr(feature = "serde", serde(default))]
    pub source: Option<String>,
}

impl Detector {
    /// What the detector holds about an indexed article, to store and later
    /// [restore](Detector::restore).
    ///
    /// ```
    /// # use copydesk::Detector;
    /// let mut d = Detector::new(Default::default())?;
    /// d.insert("a", "The harbour bridge reopened on Monday after six weeks of repairs.")?;
    /// let record = d.record("a").unwrap();
    /// let mut again = Detector::new(Default::default())?;
    /// again.restore(record)?;
    /// assert_eq!(again.story_of("a"), d.story_of("a"));
    /// # Ok::<(), copydesk::Error>(())
    /// ```
    pub fn record(&self, id: &str) -> Option<ArticleRecord> {
        let &number = self.ids.get(id)?;
        let doc = &self.docs[&number];
        Some(ArticleRecord {
            number,
            id: doc.id.to_string(),
            content: doc.content,
            story: doc.story,
            signature: self.near.get(&number)?.to_owned(),
            vector: doc.vector.clone(),
            verdict: doc.verdict(),
            links: doc.links.as_deref().map(<[_]>::to_vec),
            published: doc.published.map(Timestamp::from_unix_seconds),
            source: self.sources.get(doc.source).map(str::to_string),
        })
    }

    /// Puts back an article from its [record](Detector::record), with its story and verdict,
    /// without deciding anything again. Restoring records in the order of their numbers
    /// rebuilds the detector they came from; articles inserted afterwards get later numbers.
    /// Term statistics are not part of a record: see [`Detector::set_term_statistics`].
    ///
    /// # Errors
    /// [`ErrorKind::IdConflict`] when the id is indexed; [`ErrorKind::InvalidRecord`] when the
    /// number is taken, the story is not its verdict's, or the signature or vector does not fit
    /// this detector's configuration.
    pub fn restore(&mut self, record: ArticleRecord) -> Result<()> {
        self.restore_with(record, None)
    }

    /// [`Detector::restore`]; with `pending`, the signature is left there for the caller to
    /// add to the near-copy index in bulk ([`LshIndex::extend`]), which must happen before the
    /// detector is used.
    pub(crate) fn restore_with(
        &mut self,
        record: ArticleRecord,
        pending: Option<&mut Vec<(u32, CompactSignature)>>,
    ) -> Result<()> {
        let ArticleRecord {
            number,
            id,
            content,
            story,
            signature,
            vector,
            verdict,
            links,
            published,
            source,
        } = record;
        if self.ids.contains_key(id.as_str()) {
            return Err(ErrorKind::IdConflict { id }.into());
        }
        let invalid = |reason: String| -> Error { ErrorKind::InvalidRecord { reason }.into() };
        if story != verdict.story {
            // Found by fuzzing: restored, the article was one story's member and another's
            // in its verdict.
            return Err(invalid(format!(
                "article {id:?}: story {} but its verdict's story {}",
                story.0, verdict.story.0
            )));
        }
        if self.docs.contains(number) {
            return Err(invalid(format!("article {id:?}: number {number} is taken")));
        }
        if let Some(bad) = links
            .iter()
            .flatten()
            .find(|&&(c, sim)| c >= number || !(sim > 0.0 && sim <= 1.0))
        {
            return Err(invalid(format!(
                "article {id:?}: link {bad:?} is not to an earlier article with a similarity \
                 over 0 and at most 1"
            )));
        }
        if number == u32::MAX {
            return Err(invalid(format!(
                "article {id:?}: number {number} is reserved"
            )));
        }
        if !vector.is_well_formed() {
            return Err(invalid(format!("article {id:?}: malformed term vector")));
        }
        if signature.slots().len() != self.config.minhash.slots {
            return Err(invalid(format!(
                "article {id:?}: {} signature slots, the configuration has {}",
                signature.slots().len(),
                self.config.minhash.slots
            )));
        }
        match pending {
            Some(pending) => pending.push((number, signature)),
            None => {
                self.near
                    .insert(number, signature)
                    .map_err(|e| invalid(format!("article {id:?}: {e}")))?;
            }
        }
        push_to(&mut self.exact, content, number);
        if self.config.story.enabled {
            for term in vector.top(self.config.story.index_terms) {
                self.post(term, number, number);
            }
        }
        self.stories.add(story, number);
        let id: Arc<str> = id.into();
        self.ids.insert(Arc::clone(&id), number);
        let matched = verdict.matched.map(|m| StoredMatch {
            // Shared with the matched article when it is indexed.
            id: self
                .ids
                .get_key_value(m.id.as_str())
                .map_or_else(|| m.id.as_str().into(), |(k, _)| Arc::clone(k)),
            kind: m.kind,
            similarity: m.similarity,
            beyond_window: m.beyond_window,
        });
        let published = published.map(Timestamp::unix_seconds);
        // Restored in the order of their numbers, articles without a time take their place
        // as they did when inserted.
        let order = published.unwrap_or(self.latest);
        self.latest = self.latest.max(order);
        self.docs.insert(
            number,
            Doc {
                id,
                content,
                story: verdict.story,
                vector,
                matched,
                links: links.map(Vec::into_boxed_slice),
                published,
                order,
                source: self.sources.intern(source.as_deref()),
            },
        );
        self.next_doc = self.next_doc.max(number + 1);
        Ok(())
    }

    /// Adds `doc` to `term`'s postings ([`postings::Postings::post`]), articles from
    /// `undecided` on not decided yet.
    pub(super) fn post(&mut self, term: u64, doc: u32, undecided: u32) {
        let cap = self.config.story.max_postings;
        self.postings.post(term, doc, undecided, cap);
    }
}

//! [`TermVector`], an article's compact weighted terms with the dates it names, and
//! [`TermLookup`], one vector in a probe table to compare it with many others. Comparing only:
//! how terms are counted and weighed is the parent module's.

use super::{dates, TermConfig, MAX_DAYS, MAX_YEARS};

/// The most similarity two articles sharing fewer than [`TermConfig::min_common_terms`]
/// terms can have: a weak link, which never joins a story alone. With the default linkage it
/// is under every threshold a link is read against: [`Linkage::min_average`] (0.25) when an
/// article joins a story, and re-clustering's relative similarity, where a link is divided by
/// at least `min_average` and compared with
/// [`StoryConfig::min_relative_average`] (0.72 · 0.25 = 0.18).
///
/// [`Linkage::min_average`]: crate::cluster::Linkage::min_average
/// [`StoryConfig::min_relative_average`]: crate::StoryConfig::min_relative_average
pub const FEW_TERMS_CAP: f32 = 0.17;

/// The stored weight that stands for 1.0.
pub(super) const WEIGHT_ONE: f32 = 65_535.0;

/// A unit-length sparse vector of weighted terms, sorted by term hash.
///
/// An index holds one vector per article, so it is compact: each term is the low 32 bits of
/// its hash and a 16-bit weight (6 bytes a term), and the terms, weights, years and days share
/// one allocation, so comparing two vectors touches two contiguous blocks of memory.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TermVector {
    /// The terms (sorted), then the 16-bit values packed two to a word, low half first: the
    /// terms' weights, then the years (sorted), then the days (sorted).
    pub(super) data: Box<[u32]>,
    pub(super) terms: u16,
    pub(super) years: u8,
    pub(super) days: u8,
    /// Bit `m` for each month named.
    pub(super) months: u16,
}

/// Each item greater than the one before.
fn strictly_increasing<T: PartialOrd>(items: impl IntoIterator<Item = T>) -> bool {
    let mut items = items.into_iter();
    let Some(mut last) = items.next() else {
        return true;
    };
    items.all(|x| {
        let ok = last < x;
        last = x;
        ok
    })
}

/// The `i`-th of the 16-bit values packed two to a word in `words`.
#[inline]
fn half(words: &[u32], i: usize) -> u16 {
    (words[i >> 1] >> ((i & 1) * 16)) as u16
}

impl TermVector {
    /// Packs `(term, weight)` pairs, years and days into one block; the caller sorts them.
    pub(super) fn from_parts(
        terms: &[(u32, u16)],
        years: &[u16],
        months: u16,
        days: &[u16],
    ) -> Self {
        let years = &years[..years.len().min(MAX_YEARS)];
        let days = &days[..days.len().min(MAX_DAYS)];
        let n_halves = terms.len() + years.len() + days.len();
        let mut data = Vec::with_capacity(terms.len() + n_halves.div_ceil(2));
        data.extend(terms.iter().map(|t| t.0));
        // The 16-bit values, two to a word, low half first: weights, years, days.
        let mut halves = terms
            .iter()
            .map(|t| t.1)
            .chain(years.iter().copied())
            .chain(days.iter().copied());
        while let Some(low) = halves.next() {
            let high = halves.next().unwrap_or(0);
            data.push(u32::from(low) | u32::from(high) << 16);
        }
        TermVector {
            data: data.into_boxed_slice(),
            terms: u16::try_from(terms.len()).expect("at most 1024 terms"),
            years: years.len() as u8,
            days: days.len() as u8,
            months,
        }
    }

    /// Reads a word from each cache line of the vector's block: a fetch ahead of use.
    pub(crate) fn touch(&self) -> u32 {
        self.data.iter().step_by(16).fold(0, |a, &w| a ^ w)
    }

    pub(super) fn term_hashes(&self) -> &[u32] {
        &self.data[..usize::from(self.terms)]
    }

    /// The packed 16-bit values: weights, years, days.
    pub(super) fn halves(&self) -> &[u32] {
        &self.data[usize::from(self.terms)..]
    }

    pub(super) fn weight(&self, i: usize) -> u16 {
        half(self.halves(), i)
    }

    /// `n` packed values from the `first`-th on (weights first, then years, then days).
    pub(super) fn halves_from(&self, first: usize, n: u8) -> impl Iterator<Item = u16> + '_ {
        (first..first + usize::from(n)).map(|i| half(self.halves(), i))
    }

    pub(super) fn year_iter(&self) -> impl Iterator<Item = u16> + '_ {
        self.halves_from(usize::from(self.terms), self.years)
    }

    pub(super) fn day_iter(&self) -> impl Iterator<Item = u16> + '_ {
        self.halves_from(usize::from(self.terms) + usize::from(self.years), self.days)
    }

    /// Sorted by strictly increasing term, with its parts where the lengths say: what
    /// `cosine` relies on.
    pub(crate) fn is_well_formed(&self) -> bool {
        // The lengths first: the rest reads where they point.
        let halves = usize::from(self.terms) + usize::from(self.years) + usize::from(self.days);
        if self.data.len() != usize::from(self.terms) + halves.div_ceil(2)
            || usize::from(self.years) > MAX_YEARS
            || usize::from(self.days) > MAX_DAYS
        {
            return false;
        }
        strictly_increasing(self.term_hashes().iter())
            && strictly_increasing(self.year_iter())
            && strictly_increasing(self.day_iter())
    }

    /// Both articles name months, and none in common.
    pub fn months_conflict(&self, other: &TermVector) -> bool {
        self.months != 0 && other.months != 0 && self.months & other.months == 0
    }

    /// Both articles name one day: the same day of a month, or (dates resolved against
    /// publication times) calendar days at most one apart.
    pub fn share_a_day(&self, other: &TermVector) -> bool {
        self.day_iter()
            .any(|d| other.day_iter().any(|e| dates::same_day(d, e)))
    }

    /// Both articles name calendar days (resolved against their publication times), and
    /// none in common ([`TermVector::share_a_day`]).
    pub fn days_conflict(&self, other: &TermVector) -> bool {
        self.resolved_days() && other.resolved_days() && !self.share_a_day(other)
    }

    /// The article names a calendar day: a date resolved against its publication time.
    fn resolved_days(&self) -> bool {
        // Codes are sorted: resolved ones last.
        self.day_iter().last().is_some_and(|d| d >= dates::ABSOLUTE)
    }

    /// The years the article mentions, sorted.
    pub fn years(&self) -> Vec<u16> {
        self.year_iter().collect()
    }

    /// Both articles mention years, and none in common.
    pub fn years_conflict(&self, other: &TermVector) -> bool {
        self.years != 0
            && other.years != 0
            && !self.year_iter().any(|y| other.year_iter().any(|z| z == y))
    }

    /// The story tier's similarity: [`TermVector::cosine`], 0 when the two share fewer than
    /// [`TermConfig::min_common_terms`] terms, and adjusted by the dates they name: times
    /// [`TermConfig::year_conflict`] when [the years conflict](TermVector::years_conflict),
    /// [`TermConfig::month_conflict`] and [`TermConfig::day_conflict`] likewise, and
    /// [`TermConfig::shared_day_boost`] when they [share a day](TermVector::share_a_day).
    pub fn similarity(&self, other: &TermVector, config: &TermConfig) -> f32 {
        let (dot, common) = self.dot_and_common(other);
        self.dated(other, dot_to_cosine(dot), common, config)
    }

    /// [`TermVector::similarity`] with `query`, through its [lookup table](TermLookup): the
    /// same value, faster when one article is compared with many.
    pub fn similarity_to(&self, query: &TermLookup<'_>, config: &TermConfig) -> f32 {
        let (dot, common) = query.dot_and_common(self);
        self.dated(query.vector, dot_to_cosine(dot), common, config)
    }

    /// Cosine `c` over `common` shared terms, adjusted by the evidence rule and by what the
    /// two articles' dates say.
    pub(super) fn dated(
        &self,
        other: &TermVector,
        mut c: f32,
        common: usize,
        config: &TermConfig,
    ) -> f32 {
        if c == 0.0 {
            return c;
        }
        if common < config.min_common_terms {
            c = c.min(FEW_TERMS_CAP);
        }
        if config.year_conflict < 1.0 && self.years_conflict(other) {
            c *= config.year_conflict;
        }
        if config.month_conflict < 1.0 && self.months_conflict(other) {
            c *= config.month_conflict;
        }
        if self.days != 0 && other.days != 0 {
            if self.share_a_day(other) {
                c = (c * config.shared_day_boost).min(1.0);
            } else if self.resolved_days() && other.resolved_days() {
                c *= config.day_conflict;
            }
        }
        c
    }

    /// `(term hash, weight)` pairs, sorted by hash. The hash is the low 32 bits of the term's
    /// hash; the weight is stored to 16 bits.
    pub fn iter(&self) -> impl Iterator<Item = (u64, f32)> + '_ {
        self.term_hashes()
            .iter()
            .enumerate()
            .map(|(i, &t)| (u64::from(t), f32::from(self.weight(i)) / WEIGHT_ONE))
    }

    /// Number of terms kept.
    pub fn len(&self) -> usize {
        usize::from(self.terms)
    }

    /// True when the vector has no terms.
    pub fn is_empty(&self) -> bool {
        self.terms == 0
    }

    /// Cosine similarity, 0 to 1 (both vectors are unit length with positive weights).
    pub fn cosine(&self, other: &TermVector) -> f32 {
        dot_to_cosine(self.dot_and_common(other).0)
    }

    /// The dot product of the stored weights, and how many terms the two share.
    fn dot_and_common(&self, other: &TermVector) -> (u64, usize) {
        let (a, b) = (self.term_hashes(), other.term_hashes());
        let (aw, bw) = (self.halves(), other.halves());
        let (mut i, mut j, mut dot, mut common) = (0, 0, 0u64, 0);
        // A merge of the two sorted hash lists that advances without branching on the order.
        while i < a.len() && j < b.len() {
            let (x, y) = (a[i], b[j]);
            // A term of weight 0 on either side is not shared.
            let product = u64::from(x == y) * u64::from(half(aw, i)) * u64::from(half(bw, j));
            dot += product;
            common += usize::from(product != 0);
            i += usize::from(x <= y);
            j += usize::from(x >= y);
        }
        (dot, common)
    }

    /// The `n` heaviest terms, heaviest first (ties by hash), as the (32-bit) hashes
    /// [`TermVector::iter`] gives.
    pub fn top(&self, n: usize) -> Vec<u64> {
        if n == 0 {
            return Vec::new();
        }
        // One integer per term whose order is the wanted one: the weight's complement above
        // the hash. The `n` least are selected, then only they are sorted: an article has
        // a hundred or more terms and the index reads two dozen.
        let mut t: Vec<u64> = self
            .term_hashes()
            .iter()
            .enumerate()
            .map(|(i, &h)| (u64::from(u16::MAX - self.weight(i)) << 32) | u64::from(h))
            .collect();
        if n < t.len() {
            t.select_nth_unstable(n - 1);
            t.truncate(n);
        }
        t.sort_unstable();
        t.iter_mut().for_each(|k| *k &= u64::from(u32::MAX));
        t
    }
}

/// A dot product of stored weights, as a cosine.
#[inline]
fn dot_to_cosine(dot: u64) -> f32 {
    (dot as f32 / (WEIGHT_ONE * WEIGHT_ONE)).clamp(0.0, 1.0)
}

/// One article's terms in a small open-addressing table, to compare it with many others.
///
/// [`TermVector::cosine`] merges two sorted lists: each step waits for the comparison before
/// it, and perf found that chain at a fifth of clustering time. Looking each of the other
/// vector's terms up here is a run of independent probes. The dot product is summed in
/// integers, so the result is exactly the merge's.
///
/// ```
/// use copydesk::terms::TermLookup;
/// use copydesk::Detector;
///
/// let d = Detector::new(Default::default())?;
/// let vector = |text: &str| -> copydesk::terms::TermVector {
///     let a = d.analyze(text).unwrap();
///     d.term_statistics().vector(&a.terms, &Default::default())
/// };
/// let a = vector("Ferries to Kessington were cancelled as gales swept the coast.");
/// let b = vector("Gales swept the coast and ferries to Kessington were cancelled.");
/// assert_eq!(TermLookup::new(&a).cosine(&b), a.cosine(&b));
/// # Ok::<(), copydesk::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct TermLookup<'a> {
    vector: &'a TermVector,
    /// `(term, weight)`; weight 0 marks an empty slot (terms of weight 0 add nothing and are
    /// left out).
    slots: Vec<(u32, u16)>,
    mask: usize,
}

impl<'a> TermLookup<'a> {
    /// The table of `vector`'s terms, at most a quarter full.
    pub fn new(vector: &'a TermVector) -> TermLookup<'a> {
        let size = (vector.len() * 4).next_power_of_two().max(16);
        let mask = size - 1;
        let mut slots = vec![(0u32, 0u16); size];
        for (i, &t) in vector.term_hashes().iter().enumerate() {
            let w = vector.weight(i);
            if w == 0 {
                continue;
            }
            let mut s = t as usize & mask;
            while slots[s].1 != 0 {
                s = (s + 1) & mask;
            }
            slots[s] = (t, w);
        }
        TermLookup {
            vector,
            slots,
            mask,
        }
    }

    /// The vector the table holds.
    pub fn vector(&self) -> &'a TermVector {
        self.vector
    }

    /// [`TermVector::cosine`] of the table's vector with `other`.
    pub fn cosine(&self, other: &TermVector) -> f32 {
        dot_to_cosine(self.dot_and_common(other).0)
    }

    /// The dot product of the stored weights with `other`'s, and how many terms they share.
    fn dot_and_common(&self, other: &TermVector) -> (u64, usize) {
        let halves = other.halves();
        let mut dot = 0u64;
        let mut common = 0;
        for (i, &t) in other.term_hashes().iter().enumerate() {
            let mut s = t as usize & self.mask;
            loop {
                let (k, w) = self.slots[s];
                if w == 0 {
                    break;
                }
                if k == t {
                    let product = u64::from(w) * u64::from(half(halves, i));
                    dot += product;
                    common += usize::from(product != 0);
                    break;
                }
                s = (s + 1) & self.mask;
            }
        }
        (dot, common)
    }
}

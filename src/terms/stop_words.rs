//! Stop words: the English function words that carry no story, and the branch-free table
//! that tells whether a word hash is one. Used by term counting only; shingles keep every word.

use crate::shingle::word_hash;

/// English function words, in normalised form (apostrophes removed). They carry no story.
pub const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "ago",
    "all",
    "almost",
    "also",
    "although",
    "am",
    "among",
    "an",
    "and",
    "another",
    "any",
    "are",
    "around",
    "as",
    "at",
    "be",
    "became",
    "because",
    "become",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "cannot",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "done",
    "down",
    "during",
    "each",
    "either",
    "else",
    "even",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "last",
    "later",
    "least",
    "less",
    "like",
    "made",
    "make",
    "many",
    "may",
    "me",
    "might",
    "more",
    "most",
    "mr",
    "mrs",
    "ms",
    "much",
    "must",
    "my",
    "myself",
    "near",
    "neither",
    "new",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "others",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "rather",
    "said",
    "same",
    "say",
    "says",
    "she",
    "should",
    "since",
    "so",
    "some",
    "still",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "though",
    "through",
    "thus",
    "to",
    "too",
    "told",
    "two",
    "under",
    "until",
    "up",
    "upon",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "year",
    "years",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
    "dont",
    "doesnt",
    "didnt",
    "isnt",
    "wasnt",
    "arent",
    "werent",
    "wont",
    "wouldnt",
    "cant",
    "couldnt",
    "shouldnt",
    "hasnt",
    "havent",
    "hadnt",
    "theyre",
    "youre",
    "were",
    "weve",
    "ive",
    "id",
    "ill",
    "hes",
    "shes",
    "thats",
    "theres",
    "whats",
    "lets",
    "week",
    "day",
    "time",
    "way",
    "according",
    "added",
    "including",
    "told",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "yesterday",
    "today",
    "tomorrow",
];

/// The set of stop-word hashes for a seed: an open-addressing table of the hashes themselves
/// (word hashes are well mixed, so their top bits are the slot), about a fifth full, so that
/// a lookup, made for every word of every article, is two loads and compares without a branch
/// on the answer (see [`StopWords::contains`]), where a `HashSet` matched a group of control
/// bytes and branched on whether the word was found. [`TermLookup`]'s table is the same
/// idea, but keyed by the low 32 bits with a weight beside each: a set of stop words must be
/// exact, and needs no weight.
#[derive(Clone, Debug)]
pub(crate) struct StopWords {
    /// `STOP_SLOTS` hashes, 0 for an empty slot.
    slots: Box<[u64; STOP_SLOTS]>,
    /// A stop word hashes to 0 (which marks empty slots).
    zero: bool,
    /// The seed the words are hashed with.
    seed: u64,
}

/// Slots of the stop-word table: a power of two, about four times the stop words.
const STOP_SLOTS: usize = 1024;

impl StopWords {
    pub(crate) fn new(seed: u64) -> StopWords {
        StopWords {
            seed,
            ..Self::from_hashes(STOP_WORDS.iter().map(|w| word_hash(w, seed)))
        }
    }

    /// The seed the words are hashed with (a number word's figure is hashed with it too).
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// The table of `hashes`, at most a third of [`STOP_SLOTS`].
    pub(super) fn from_hashes(hashes: impl IntoIterator<Item = u64>) -> StopWords {
        const { assert!(STOP_SLOTS.is_power_of_two() && STOP_WORDS.len() * 3 < STOP_SLOTS) };
        let mut table = StopWords {
            slots: Box::new([0; STOP_SLOTS]),
            zero: false,
            seed: 0,
        };
        for h in hashes {
            if h == 0 {
                table.zero = true;
                continue;
            }
            let mut i = Self::slot(h);
            while table.slots[i] != 0 && table.slots[i] != h {
                i = (i + 1) % STOP_SLOTS;
            }
            table.slots[i] = h;
        }
        table
    }

    #[inline]
    fn slot(hash: u64) -> usize {
        (hash >> (64 - STOP_SLOTS.trailing_zeros())) as usize
    }

    /// The first two slots are tested without a branch (a stop word is nearly always in one
    /// of them); only when both hold other words does the probe go on.
    #[inline]
    pub(crate) fn contains(&self, hash: u64) -> bool {
        if hash == 0 {
            // It would find an empty slot: it has its own flag.
            return self.zero;
        }
        let i = Self::slot(hash);
        let (first, second) = (self.slots[i], self.slots[(i + 1) % STOP_SLOTS]);
        // Packed into one integer, tested once: written with `&&` and `||`, or even `&` on
        // bools, it was compiled to a branch on whether the word was found, which the branch
        // predictor cannot learn (half the words of running text are stop words).
        let found = u32::from(first == hash) | (u32::from(first != 0) & u32::from(second == hash));
        let state = u32::from(first != 0) << 2 | u32::from(second != 0) << 1 | found;
        if state == 0b110 {
            // Both slots hold other words.
            return self.probe(i + 2, hash);
        }
        found != 0
    }

    /// [`StopWords::contains`] from slot `i` on.
    #[cold]
    fn probe(&self, mut i: usize, hash: u64) -> bool {
        loop {
            match self.slots[i % STOP_SLOTS] {
                0 => return false,
                h if h == hash => return true,
                _ => i += 1,
            }
        }
    }
}

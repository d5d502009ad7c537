"""copydesk: find copies and rewrites of news stories.

Every version of a wire story (verbatim copies, trimmed copies, rewrites, summaries) is linked
to one story, each with how it relates to an earlier one, while other events of the same kind
stay apart.

>>> import copydesk
>>> d = copydesk.Detector()
>>> d.insert("wire", "Gales closed the Kessington harbour bridge on Monday, the council said.").kind
'new'
>>> d.insert("copy", "Gales closed the Kessington harbour bridge on Monday, the council said.").kind
'exact'

The building blocks keep datasketch's names: ``MinHash`` and ``MinHashLSH``. ``copydesk.spark``
runs the same on Apache Spark.
"""

from ._copydesk import (
    ConfigError,
    CopydeskError,
    CorruptIndexError,
    Detector,
    EmptyTextError,
    IdConflictError,
    IncompatibleError,
    InvalidInputError,
    MinHash,
    MinHashLSH,
    TooLargeError,
    Verdict,
    __version__,
    merge_term_statistics,
    near_copy_scores,
    sign_batch,
    signatures,
    term_statistics,
)

__all__ = [
    "ConfigError",
    "CopydeskError",
    "CorruptIndexError",
    "Detector",
    "EmptyTextError",
    "IdConflictError",
    "IncompatibleError",
    "InvalidInputError",
    "MinHash",
    "MinHashLSH",
    "TooLargeError",
    "Verdict",
    "__version__",
    "merge_term_statistics",
    "near_copy_scores",
    "sign_batch",
    "signatures",
    "term_statistics",
]

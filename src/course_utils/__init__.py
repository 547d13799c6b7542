"""course_utils: the helpers that the chapters of "NLP with PyTorch" (Japanese) import.

Every chapter starts with :func:`start_chapter` and ends with ``run.finish()``. What each uses:

- every chapter: :mod:`~course_utils.chapter` (``start_chapter``, ``run.record``, ``peak_memory_mb``),
  its settings from :mod:`~course_utils.profiles` (``profiles.toml``, a settings file named by
  ``COURSE_SETTINGS``), the devices and seeds of :mod:`~course_utils.device`, and
  :mod:`~course_utils.costs` (what a run costs, shown at the top);
- chapters 2-5: the data with checksums (:mod:`~course_utils.data`, its registry
  ``registry.toml``, the folders of :mod:`~course_utils.paths`) through the loaders of
  :mod:`~course_utils.loaders`, and the source and licence block of each data set (and of
  chapter 2's word vectors) from ``attribution`` (:mod:`~course_utils.credits`);
- chapter 2: :mod:`~course_utils.word_vectors` (problem 70's streaming reader, and
  ``keyed_vectors``, which hands vectors to gensim's ``KeyedVectors``),
  :mod:`~course_utils.text_classification` (vocabulary, ``collate``, the mean-embedding model) and
  :mod:`~course_utils.training` (``fit``, ``predict``);
- chapters 3 and 4: :mod:`~course_utils.models` (``resolve_model``), :mod:`~course_utils.features`
  (``encoder_features``) and :mod:`~course_utils.plotting` (``plot_confusion_matrix``); chapter 4 also
  :mod:`~course_utils.training`;
- chapters 4 and 5, and the book's results page: :mod:`~course_utils.results_page` (targets and
  published reference figures, ``load_results``);
- chapter 5: the paragraph file of :mod:`~course_utils.jawiki` (through ``load_jawiki_paragraphs``).

The names below are the ones the chapters use most; every other public name is imported from
the submodule that the list names.
"""

from course_utils.chapter import ChapterRun, peak_memory_mb, start_chapter
from course_utils.credits import attribution
from course_utils.data import ChecksumError, DataError, fetch
from course_utils.device import get_device, seed_everything
from course_utils.loaders import load_emotion, load_jawiki_paragraphs, load_spam, load_sst2
from course_utils.models import resolve_model
from course_utils.plotting import setup_plot_style
from course_utils.profiles import chapter_settings, resolve_profile
from course_utils.results_page import load_results
from course_utils.word_vectors import load_word_vectors

__version__ = "0.1.0"

__all__ = [
    "ChapterRun",
    "ChecksumError",
    "DataError",
    "attribution",
    "chapter_settings",
    "fetch",
    "get_device",
    "load_emotion",
    "load_jawiki_paragraphs",
    "load_results",
    "load_spam",
    "load_sst2",
    "load_word_vectors",
    "peak_memory_mb",
    "resolve_model",
    "resolve_profile",
    "seed_everything",
    "setup_plot_style",
    "start_chapter",
]

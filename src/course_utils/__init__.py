"""course_utils: the helpers that the chapters of "NLP with PyTorch" (Japanese) import.

Chapters import what they need from the submodules; the most used names are re-exported here.
"""

from course_utils.data import ChecksumError, DataError, fetch
from course_utils.device import get_device, seed_everything
from course_utils.loaders import load_emotion, load_jawiki_paragraphs, load_spam, load_sst2
from course_utils.models import load_word_vectors, resolve_model
from course_utils.plotting import setup_plot_style
from course_utils.profiles import chapter_settings, resolve_profile
from course_utils.results import ChapterRun, load_results, start_chapter

__version__ = "0.1.0"

__all__ = [
    "ChapterRun",
    "ChecksumError",
    "DataError",
    "chapter_settings",
    "fetch",
    "get_device",
    "load_emotion",
    "load_jawiki_paragraphs",
    "load_results",
    "load_spam",
    "load_sst2",
    "load_word_vectors",
    "resolve_model",
    "resolve_profile",
    "seed_everything",
    "setup_plot_style",
    "start_chapter",
]

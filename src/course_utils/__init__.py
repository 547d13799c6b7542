"""course_utils: the helpers that the chapters of "NLP with PyTorch" (Japanese) import.

The notebooks import every name from here, never from a submodule, and ``__all__`` is exactly
the set of names they import (tests/test_api.py compares them). By chapter:

- every chapter: ``start_chapter`` (profile, settings, device, seed; shows the settings, the
  costs and the data sources) and ``seed_everything``;
- chapter 2 (SST-2, problems 70-79): ``load_sst2``, ``load_word_vectors``,
  ``read_word2vec_binary``, ``write_word2vec_binary``, ``keyed_vectors``, ``peak_memory_mb``;
  the pieces the chapter writes first and then reuses: ``PAD``, ``PAD_ID``, ``tokenize``,
  ``case_variants``, ``text_to_ids``, ``encode_examples``, ``EmptyTextError``,
  ``build_embeddings``, ``masked_mean``, ``MeanEmbeddingClassifier``, ``collate``; and the
  training loop it writes out before reusing it: ``train_epoch``, ``accuracy``, ``predict``,
  ``fit``, ``History``;
- chapter 3 (RNN language model): ``load_jawiki_paragraphs``, ``load_references``,
  ``chapter_targets``;
- chapter 4 (emotion): ``load_emotion``, ``resolve_model``, ``encoder_features``,
  ``plot_confusion_matrix``;
- chapter 5 (SMS spam): ``load_spam``, ``resolve_model``, ``encoder_features``, ``Pooling``,
  ``first_token``, ``plot_confusion_matrix``, ``load_references`` (it writes its own fine-tuning loop);
- the book's results page: ``load_results``, ``ResultsFileWarning``, ``chapters``,
  ``compare_chapter``, ``format_range``, ``format_value``, ``reference_sources``.

How the pieces fit (profiles, the data layer, records) is explained in CONTRIBUTING.md.
"""

from course_utils.chapter import peak_memory_mb, start_chapter
from course_utils.device import seed_everything
from course_utils.features import Pooling, encoder_features, first_token
from course_utils.loaders import load_emotion, load_jawiki_paragraphs, load_spam, load_sst2
from course_utils.models import resolve_model
from course_utils.plotting import plot_confusion_matrix
from course_utils.profiles import chapters
from course_utils.results_page import (ResultsFileWarning, chapter_targets, compare_chapter, format_range,
                                       format_value, load_references, load_results, reference_sources)
from course_utils.text_classification import (PAD, PAD_ID, EmptyTextError, MeanEmbeddingClassifier, build_embeddings,
                                              case_variants, collate, encode_examples, masked_mean, text_to_ids,
                                              tokenize)
from course_utils.training import History, accuracy, fit, predict, train_epoch
from course_utils.word_vectors import keyed_vectors, load_word_vectors, read_word2vec_binary, write_word2vec_binary

__version__ = "0.1.0"

# by chapter, as the docstring lists them
__all__ = [
    "start_chapter", "seed_everything",
    "load_sst2", "load_word_vectors", "read_word2vec_binary", "write_word2vec_binary", "keyed_vectors",
    "peak_memory_mb", "PAD", "PAD_ID", "tokenize", "case_variants", "text_to_ids", "encode_examples",
    "EmptyTextError", "build_embeddings", "masked_mean", "MeanEmbeddingClassifier", "collate",
    "train_epoch", "accuracy", "predict", "fit", "History",
    "load_jawiki_paragraphs", "load_references", "chapter_targets",
    "load_emotion", "resolve_model", "encoder_features", "plot_confusion_matrix",
    "load_spam", "Pooling", "first_token",
    "load_results", "ResultsFileWarning", "chapters", "compare_chapter", "format_range", "format_value",
    "reference_sources",
]

"""Stage 2, analysis: normalization (width, kana, kanji variants), Janome morphemes, the word,
n-gram and reading analyzers, the user dictionary and synonyms, the morpheme cache and the bigram
filter a reindex keeps beside the index. Index and query go through the same
functions here. Imports only :mod:`search.posts` of the stages."""

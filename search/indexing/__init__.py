"""Stage 3, indexing: the schema, reading posts in parallel, index generations (built, switched
atomically, kept apart), the manifest of indexed files, rebuild and update, watch mode, opening an
index for searching and the suggestion vocabulary saved beside it."""

"""Stage 1, posts: finding and reading post files, front matter, Markdown/Liquid/HTML to plain text,
and the link texts other posts give a post (anchor text). Imports no later stage."""

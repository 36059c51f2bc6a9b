"""One poll of one source: read (fetch → extract → match, no database), then write.

`read` is what `newsmon try` shares; `poll.poll_source` is one poll, top to bottom;
`persist` holds the poll's transactions over storage/.
"""

"""`newsmon report`: the pure renderers (`render`) and the `--since`/`--until` parser (`spans`)."""

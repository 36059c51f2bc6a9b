"""Pure matching: the Vietnamese normaliser, the term scanner, compiled topics, evaluation.

No I/O and no database here (import-linter keeps it so): text and topics in, scores out.
"""

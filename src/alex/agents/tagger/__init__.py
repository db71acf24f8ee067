"""Tagger: classifies unclassified instruments (structured output, no tools)."""

"""Embedder implementations; `alex.knowledge.factory` picks one."""

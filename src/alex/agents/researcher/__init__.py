"""Researcher: files dated, sourced research notes in the knowledge base, on a topic it is given
or one it picks (what users hold most, where the knowledge base is thinnest)."""

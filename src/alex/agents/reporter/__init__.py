"""Reporter: writes the markdown portfolio report from the finance engines' facts (tools)."""

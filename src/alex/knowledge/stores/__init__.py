"""Vector store implementations; `alex.knowledge.factory` picks one."""

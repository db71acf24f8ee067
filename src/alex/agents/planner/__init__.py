"""Planner: the manager that runs an analysis job end to end."""

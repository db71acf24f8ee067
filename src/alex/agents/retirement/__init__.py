"""Retirement: runs the Monte Carlo (and scenarios) through tools and explains it."""

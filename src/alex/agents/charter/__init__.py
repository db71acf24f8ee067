"""Charter: chooses and titles the charts built by the finance chart builders."""

"""The agent team: planner (orchestrator), tagger, reporter, charter and retirement.

Each agent lives in its own folder (`agent.py` for the agent and its tools, `templates.py` for
instructions, task prompts and the offline analyst's prose, `lambda_handler.py` for AWS). The
pieces every agent shares are written once beside them: the model factory (`model.py`), the
offline analyst (`offline.py`), job events (`events.py`), the grounding check
(`grounding.py`), tracing (`observability.py`) and the run context (`context.py`)."""

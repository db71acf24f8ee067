"""Background jobs: one queue interface (`queue.py`) with a local (in-process threads), a
table (`alex worker` processes, PostgreSQL leases) and an SQS implementation; the shared worker
loop with lease heartbeat (`worker.py`); claim/lease SQL (`leases.py`). What a job does lives in
`execute.py` (the planner)."""

"""Background jobs: one queue interface (`queue.py`) with a local (in-process threads), a
table (`alex worker` processes, PostgreSQL leases) and an SQS implementation, picked in
`factory.py`; the shared worker loop with lease heartbeat (`worker.py`); claim/lease SQL
(`leases.py`). What a job does is not known here: the entry points hand the workers a runner
(`runner.py`), the planner's in production."""

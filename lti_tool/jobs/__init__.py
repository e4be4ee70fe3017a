"""Background jobs: a queue in the database, and workers that run them.

``enqueue`` writes a job in the caller's transaction (an outbox: the job exists if and
only if the work that needs it committed). ``skillcert worker`` claims and runs jobs.
"""

"""Live updates: the in-process hub that feeds WatchSchedule streams, and the PostgreSQL feed that links replicas."""

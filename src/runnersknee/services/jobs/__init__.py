"""Background jobs: the job records, the queue, the runner and the in-process worker."""

"""A learner's data lifecycle: retention and purge, export, erasure, and the access log."""

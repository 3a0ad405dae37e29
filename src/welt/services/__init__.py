"""Use cases: each function takes what it needs through small ports and orchestrates the domain."""

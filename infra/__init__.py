"""Deployment: Lambda packages and the table template."""

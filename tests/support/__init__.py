"""Helpers for rio's tests: real servers (PostgreSQL, S3) and golden files."""

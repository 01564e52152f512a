"""Shared plumbing every app may use: errors, database helpers. Imports no app of the project."""
